// Checks that a file of a given size can exist before any block of it is reserved.
#pragma once

#include <cstdint>
#include <string>

namespace pycauset {

/// \brief Check that the open file `fd` can grow to `size` bytes, before reserving any of them.
///
/// Compares `size` with the file-size limit of the process (`ulimit -f`), the file system's maximum
/// file size and its free space, and throws IoError (EFBIG or ENOSPC) naming the limit that is hit.
/// Without this check an impossible reservation (800 TB) fills the disk before it fails, and other
/// writers on the same disk fail meanwhile. `what` and `path` name the operation in the message.
/// Thread-safe.
void check_room_for_file(int fd, std::uint64_t size, const std::string& what, const std::string& path);

}  // namespace pycauset
