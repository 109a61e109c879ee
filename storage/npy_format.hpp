// The NumPy .npy header (format versions 1.0, 2.0 and 3.0): parse it from a file, and write one.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pycauset {

/// \brief What a .npy header says about the array that follows it.
///
/// File layout: magic `\x93NUMPY`, major and minor version bytes, the header length (u16 LE for
/// version 1, u32 LE for versions 2 and 3), then the header: a Python dict literal
/// `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }` padded with spaces and a final
/// newline so that the data starts at a multiple of 64 bytes (version 3 allows UTF-8 in the header).
struct NpyHeader {
  int major = 1, minor = 0;
  std::string descr;           ///< as written, e.g. "<f8", "|b1", ">i4"
  char byte_order = '|';       ///< '<', '>', '|' (not applicable) after reading descr; '=' is resolved
  char kind = 'f';             ///< NumPy kind: b, i, u, f, c (others are reported by name)
  std::uint64_t itemsize = 0;  ///< bytes per element (0 when descr has no size, e.g. "|O")
  bool fortran_order = false;
  std::vector<std::uint64_t> shape;
  std::uint64_t data_offset = 0;  ///< where the array data starts in the file
};

/// \brief Read and parse the header of the .npy file `path`.
///
/// Throws ValueError naming the path when the file is not a .npy file, uses an unknown version, or has
/// a malformed header; TypeError for structured (record) dtypes; IoError for I/O failures.
NpyHeader read_npy_header(const std::string& path);

/// \brief Return the complete header bytes (magic through padding) for a C-order array.
///
/// Writes format version 1.0, or 2.0 when the header does not fit 65535 bytes. The result's length
/// is a multiple of `alignment` (64, as numpy.save aligns, or larger: pycauset uses 4096 so the data
/// is page-aligned for mapping and direct I/O; readers take any padding).
std::string encode_npy_header(const std::string& descr, bool fortran_order, const std::vector<std::uint64_t>& shape,
                              std::size_t alignment = 64);

}  // namespace pycauset
