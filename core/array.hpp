// The Matrix/Vector handle: a shared governed buffer plus a view (dtype, shape, offset, strides).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "core/buffer.hpp"
#include "core/dtype/dtype.hpp"
#include "core/governor.hpp"

namespace pycauset {

/// \brief A 1-D or 2-D array view over a Buffer. Cheap to copy (shares the buffer).
///
/// Canonical 2-D form: a vector of n elements is a 1 x n row. Offsets and strides count elements
/// (bits for bool, which is stored bit-packed in numpy.packbits order). Transpose and basic slices
/// make new handles over the same buffer. Thread-safety: as for NumPy arrays; the buffer itself is safe.
class Array {
 public:
  Array() = default;
  Array(std::shared_ptr<Buffer> buffer, DType dtype, int ndim, std::int64_t rows, std::int64_t cols,
        std::int64_t offset, std::int64_t row_stride, std::int64_t col_stride);

  /// \brief Allocate a zero-filled contiguous array, placed by the MemoryGovernor.
  static Array zeros(DType dtype, int ndim, std::int64_t rows, std::int64_t cols,
                     Placement placement = Placement::Auto);

  /// \brief Allocate a contiguous array whose contents are unspecified, for results written entirely
  ///        (imports, copies, products). Placed like zeros(); avoids zero-filling recycled memory.
  static Array uninitialized(DType dtype, int ndim, std::int64_t rows, std::int64_t cols,
                             Placement placement = Placement::Auto);

  /// \brief Allocate an array of the same shape (contiguous) with `dtype`.
  static Array zeros_like(const Array& like, DType dtype);

  DType dtype() const noexcept { return dtype_; }
  int ndim() const noexcept { return ndim_; }
  std::int64_t rows() const noexcept { return rows_; }
  std::int64_t cols() const noexcept { return cols_; }
  std::int64_t size() const noexcept { return rows_ * cols_; }
  std::int64_t offset() const noexcept { return offset_; }
  std::int64_t row_stride() const noexcept { return row_stride_; }
  std::int64_t col_stride() const noexcept { return col_stride_; }
  const std::shared_ptr<Buffer>& buffer() const noexcept { return buffer_; }

  /// \brief Return the NumPy-style shape: (cols,) for vectors, (rows, cols) for matrices.
  std::array<std::int64_t, 2> shape() const noexcept { return {rows_, cols_}; }

  /// \brief Return NumPy's nbytes for the exported array (bool: 1 byte per element).
  std::uint64_t nbytes() const noexcept { return static_cast<std::uint64_t>(size()) * itemsize(dtype_); }

  bool is_file() const { return buffer_->is_file(); }

  /// \brief Return true for a row-major contiguous view starting on a byte boundary.
  bool is_contiguous() const noexcept;

  /// \brief Return true when the view covers its whole buffer contiguously.
  bool is_whole_buffer() const noexcept;

  /// \brief Return the transposed view (O(1)); vectors return themselves.
  Array transposed() const;

  /// \brief Return the basic slice rows [r0:r1:rs], cols [c0:c1:cs] (normalised, steps may be negative).
  Array sliced(std::int64_t r0, std::int64_t rcount, std::int64_t rstep, std::int64_t c0, std::int64_t ccount,
               std::int64_t cstep) const;

  /// \brief Return row i of a matrix as a vector view.
  Array row(std::int64_t i) const;

  /// \brief Return column j of a matrix as a vector view.
  Array column(std::int64_t j) const;

  /// \brief Return a contiguous copy in `dtype` (the governor places it).
  Array copy_as(DType dtype) const;

  /// \brief Return the element offset (elements or bits) of (i, j) for i, j already in range.
  std::int64_t element_index(std::int64_t i, std::int64_t j) const noexcept {
    return offset_ + i * row_stride_ + j * col_stride_;
  }

  /// \brief Prepare the buffer for writing: copy-on-write of a read-only file.
  void make_writable() const { buffer_->make_writable(); }

 private:
  std::shared_ptr<Buffer> buffer_;
  DType dtype_ = DType::Float64;
  int ndim_ = 2;
  std::int64_t rows_ = 0, cols_ = 0;
  std::int64_t offset_ = 0, row_stride_ = 0, col_stride_ = 1;
};

/// \brief A strided 2-D region of addressable memory, for copies between arrays and NumPy.
///
/// Strides are in bytes, except for bool, where data points at the byte holding bit 0 and
/// offsets/strides count bits (MSB-first within each byte, as numpy.packbits).
struct StridedRegion {
  std::byte* data = nullptr;
  DType dtype = DType::Float64;
  std::int64_t rows = 0, cols = 0;
  std::int64_t row_stride = 0, col_stride = 0;
  std::int64_t bit_offset = 0;  ///< bool only
  bool packed_bits = false;     ///< bool stored 1 bit per element (pycauset) vs 1 byte (NumPy)
  bool byteswapped = false;     ///< non-native byte order (NumPy side only)
};

/// \brief Describe an array's view as a StridedRegion over the given leased data pointer.
StridedRegion region_of(const Array& array, std::byte* data);

/// \brief Copy src into dst element by element, converting dtypes; parallel over tiles, GIL-free.
///
/// Shapes must match. Casting follows NumPy's unsafe casting (C conversions; complex -> real drops
/// the imaginary part; nonzero -> true for bool).
void copy_region(const StridedRegion& src, const StridedRegion& dst);

/// \brief Copy array src into array dst (same shape), converting dtype; leases both.
void copy_array(const Array& src, const Array& dst);

}  // namespace pycauset
