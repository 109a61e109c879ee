// Formats OS errors into messages that say what failed, where, and what to do.
#include "storage/errors.hpp"

#include <sys/resource.h>

#include <cstring>

namespace pycauset {

void throw_io_error(const std::string& what, const std::string& path, int error_number) {
  std::string message = what + " '" + path + "' failed: " + std::strerror(error_number);
  if (error_number == ENOSPC) {
    message += " (the disk is full; free space or point PYCAUSET_SPILL_DIR / the target at a larger disk)";
  } else if (error_number == EFBIG) {
    struct rlimit limit {};
    if (::getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
      message += " (the file-size limit was reached; raise `ulimit -f` or use a smaller matrix)";
    } else {  // no process limit: the file system's own maximum file size
      message += " (the file system's maximum file size was reached; use a smaller matrix or another file system)";
    }
  } else if (error_number == EACCES || error_number == EPERM) {
    message += " (check the permissions of the directory)";
  }
  throw IoError(error_number, message);
}

}  // namespace pycauset
