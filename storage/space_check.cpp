// check_room_for_file: the process's file-size limit, the file system's largest file and its free space.
#include "storage/space_check.hpp"

#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "storage/errors.hpp"

namespace pycauset {

void check_room_for_file(int fd, std::uint64_t size, const std::string& what, const std::string& path) {
  const std::string head = what + " '" + path + "' failed: " + std::to_string(size) + " bytes ";
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY && size > limit.rlim_cur) {
    throw IoError(EFBIG, head + "exceed the file-size limit of this process (`ulimit -f`) of " +
                             std::to_string(limit.rlim_cur) + " bytes (" + std::strerror(EFBIG) +
                             "); raise `ulimit -f` or use a smaller matrix");
  }
  // FILESIZEBITS counts the bits of a signed file size: the largest file is 2^(bits-1) - 1 bytes.
  const long bits = ::fpathconf(fd, _PC_FILESIZEBITS);
  if (bits > 1 && bits < 64) {
    const std::uint64_t largest = (std::uint64_t{1} << (bits - 1)) - 1;
    if (size > largest) {
      throw IoError(EFBIG, head + "exceed the file system's maximum file size of " + std::to_string(largest) +
                               " bytes (" + std::strerror(EFBIG) +
                               "); use a file system with larger files or a smaller matrix");
    }
  }
  struct statvfs fs {};
  if (::fstatvfs(fd, &fs) == 0 && fs.f_blocks > 0) {  // some network and FUSE file systems report no sizes
    // Root may use the blocks reserved for it, others only the available ones (as fallocate does).
    const std::uint64_t blocks = ::geteuid() == 0 ? fs.f_bfree : fs.f_bavail;
    const std::uint64_t unit = fs.f_frsize != 0 ? fs.f_frsize : fs.f_bsize;
    std::uint64_t free_bytes = 0;
    if (!__builtin_mul_overflow(blocks, unit, &free_bytes) && size > free_bytes) {
      throw IoError(ENOSPC, head + "do not fit: the disk is full, its file system has " + std::to_string(free_bytes) +
                                " bytes free (" + std::strerror(ENOSPC) +
                                "); free space or point PYCAUSET_SPILL_DIR / the target at a larger disk");
    }
  }
}

}  // namespace pycauset
