// save / load of single arrays as .pycauset containers, and convert_file between .npy and .pycauset.
#pragma once

#include <memory>
#include <string>

#include "core/array.hpp"
#include "core/progress.hpp"
#include "storage/container.hpp"
#include "storage/file_buffer.hpp"

namespace pycauset::io {

/// \brief Write `array` (any view, RAM or file-backed) to `path` as a .pycauset container, atomically.
///
/// Streams tiles (see write_payload), so arrays larger than the memory budget are fine. The target is
/// replaced by rename: a failure (IoError: full disk, file-size limit, permissions) leaves any previous
/// file intact and no temp file behind. Saving onto the file `array` was loaded from works: the old
/// inode stays mapped until its last array dies. GIL-free; leases the array's buffer while writing.
/// `progress`, if given, is called between tiles with (payload bytes written, payload bytes).
void save(const Array& array, const std::string& path, const ProgressFn& progress = {});

/// \brief Map the container `path` read-only and return it as a file-backed array, in O(1).
///
/// Validates the header (ValueError naming the problem and the path: not a pycauset file, format
/// version, corrupt header, bad dtype/shape, truncated). With `verify`, also recomputes the payload
/// checksum (O(n), streamed in pooled tiles) and raises ValueError on a mismatch. The first write to
/// the result copies it (Buffer::make_writable); the file is never modified. `progress`, if given, is
/// called during the checksum pass with (payload bytes checked, payload bytes).
Array load(const std::string& path, bool verify, const ProgressFn& progress = {});

/// \brief A validated container: header, element type, logical shape, and the read-only payload mapping.
struct OpenContainer {
  ContainerHeader header;
  DType dtype = DType::Float64;
  int ndim = 2;
  std::int64_t rows = 0, cols = 0;
  std::unique_ptr<FileBuffer> payload;
};

/// \brief Validate the container `path` (as load) and map its payload read-only, without verifying it.
OpenContainer open_container(const std::string& path);

/// \brief Convert `src` to `dst` between .npy and .pycauset (either direction, chosen by the extensions).
///
/// Maps the source read-only and streams the target in tiles, atomically (as save). Handles big-endian
/// and Fortran-order .npy, and bool (one byte per element in .npy, packed bits in .pycauset). Errors:
/// ValueError for other extension pairs, rank 0 or > 2, malformed or truncated sources; TypeError for
/// unsupported dtypes; IoError for I/O failures. `progress`, if given, is called between tiles with
/// (target data bytes written, target data bytes).
void convert_file(const std::string& src, const std::string& dst, const ProgressFn& progress = {});

}  // namespace pycauset::io
