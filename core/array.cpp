// Array: views over a buffer; allocation through the governor.
#include "core/array.hpp"

#include "storage/errors.hpp"

namespace pycauset {

Array::Array(std::shared_ptr<Buffer> buffer, DType dtype, int ndim, std::int64_t rows, std::int64_t cols,
             std::int64_t offset, std::int64_t row_stride, std::int64_t col_stride)
    : buffer_(std::move(buffer)),
      dtype_(dtype),
      ndim_(ndim),
      rows_(rows),
      cols_(cols),
      offset_(offset),
      row_stride_(row_stride),
      col_stride_(col_stride) {}

namespace {

Array allocate_array(DType dtype, int ndim, std::int64_t rows, std::int64_t cols, Placement placement, bool zeroed) {
  if (ndim != 1 && ndim != 2) throw ValueError("pycauset arrays have rank 1 or 2, got rank " + std::to_string(ndim));
  if (rows < 0 || cols < 0) throw ValueError("negative dimensions are not allowed");
  if (ndim == 1 && rows != 1) throw ValueError("a vector is stored as one row");
  const std::uint64_t nbytes = checked_storage_bytes(dtype, static_cast<std::uint64_t>(rows),
                                                     static_cast<std::uint64_t>(cols));
  auto buffer = MemoryGovernor::instance().allocate(nbytes, placement, zeroed);
  if (!zeroed && dtype == DType::Bool && nbytes > 0) {
    // Writers of a fresh bit array set every element's bit, but not the padding bits of the last byte,
    // which must read as zero (packbits() and saved files promise that).
    const std::uint8_t zero = 0;
    buffer->store()->write_at(nbytes - 1, &zero, 1);
  }
  return Array(std::move(buffer), dtype, ndim, rows, cols, 0, cols, 1);
}

}  // namespace

Array Array::zeros(DType dtype, int ndim, std::int64_t rows, std::int64_t cols, Placement placement) {
  return allocate_array(dtype, ndim, rows, cols, placement, /*zeroed=*/true);
}

Array Array::uninitialized(DType dtype, int ndim, std::int64_t rows, std::int64_t cols, Placement placement) {
  return allocate_array(dtype, ndim, rows, cols, placement, /*zeroed=*/false);
}

Array Array::zeros_like(const Array& like, DType dtype) {
  return zeros(dtype, like.ndim_, like.rows_, like.cols_);
}

bool Array::is_contiguous() const noexcept {
  bool rows_ok = rows_ <= 1 || row_stride_ == cols_;
  bool cols_ok = cols_ <= 1 || col_stride_ == 1;
  bool aligned = dtype_ != DType::Bool || offset_ % 8 == 0;
  return rows_ok && cols_ok && aligned;
}

bool Array::is_whole_buffer() const noexcept {
  return offset_ == 0 && is_contiguous() &&
         storage_bytes(dtype_, static_cast<std::uint64_t>(size())) == buffer_->nbytes();
}

Array Array::transposed() const {
  if (ndim_ == 1) return *this;
  return Array(buffer_, dtype_, 2, cols_, rows_, offset_, col_stride_, row_stride_);
}

Array Array::sliced(std::int64_t r0, std::int64_t rcount, std::int64_t rstep, std::int64_t c0, std::int64_t ccount,
                    std::int64_t cstep) const {
  std::int64_t offset = offset_ + (rcount > 0 ? r0 * row_stride_ : 0) + (ccount > 0 ? c0 * col_stride_ : 0);
  return Array(buffer_, dtype_, ndim_, rcount, ccount, offset, row_stride_ * rstep, col_stride_ * cstep);
}

Array Array::row(std::int64_t i) const {
  return Array(buffer_, dtype_, 1, 1, cols_, offset_ + i * row_stride_, cols_ * col_stride_, col_stride_);
}

Array Array::column(std::int64_t j) const {
  return Array(buffer_, dtype_, 1, 1, rows_, offset_ + j * col_stride_, rows_ * row_stride_, row_stride_);
}

Array Array::copy_as(DType dtype) const {
  Array out = uninitialized(dtype, ndim_, rows_, cols_);
  copy_array(*this, out);
  return out;
}

StridedRegion region_of(const Array& array, std::byte* data) {
  StridedRegion r;
  r.dtype = array.dtype();
  r.rows = array.rows();
  r.cols = array.cols();
  if (array.dtype() == DType::Bool) {
    r.data = data;
    r.packed_bits = true;
    r.bit_offset = array.offset();
    r.row_stride = array.row_stride();
    r.col_stride = array.col_stride();
  } else {
    std::int64_t item = itemsize(array.dtype());
    r.data = data + array.offset() * item;
    r.row_stride = array.row_stride() * item;
    r.col_stride = array.col_stride() * item;
  }
  return r;
}

void copy_array(const Array& src, const Array& dst) {
  if (src.rows() != dst.rows() || src.cols() != dst.cols()) {
    throw ValueError("shape mismatch in copy: (" + std::to_string(src.rows()) + ", " + std::to_string(src.cols()) +
                     ") into (" + std::to_string(dst.rows()) + ", " + std::to_string(dst.cols()) + ")");
  }
  if (src.buffer() == dst.buffer()) {
    // Overlapping views of one buffer (M[0:2] = M[1:3]): read everything before writing anything.
    copy_array(src.copy_as(src.dtype()), dst);
    return;
  }
  dst.make_writable();
  Buffer::Lease in = Buffer::lease(src.buffer());
  Buffer::Lease out = Buffer::lease(dst.buffer());
  copy_region(region_of(src, in.data()), region_of(dst, out.data()));
}

}  // namespace pycauset
