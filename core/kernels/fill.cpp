// fill / set_element / get_element: the typed single-value writers and readers.
#include "core/kernels/fill.hpp"

#include <tbb/parallel_for.h>

#include <cstring>

#include "core/kernels/bits_internal.hpp"

namespace pycauset {

void fill(const Array& array, const void* value) {
  if (array.size() == 0) return;
  array.make_writable();
  Buffer::Lease lease = Buffer::lease(array.buffer());
  StridedRegion r = region_of(array, lease.data());
  if (r.packed_bits) {
    const bool bit = *static_cast<const std::uint8_t*>(value) != 0;
    auto* bytes = reinterpret_cast<std::uint8_t*>(r.data);
    if (array.is_contiguous()) {
      // Whole bytes with memset, the ragged ends bit by bit.
      std::int64_t first = r.bit_offset, last = r.bit_offset + array.size();
      std::int64_t k = first;
      for (; k < last && (k & 7) != 0; ++k) set_bit(bytes, k, bit);
      std::int64_t whole = (last - k) / 8;
      std::memset(bytes + (k >> 3), bit ? 0xFF : 0x00, static_cast<std::size_t>(whole));
      for (k += whole * 8; k < last; ++k) set_bit(bytes, k, bit);
    } else {
      for (std::int64_t i = 0; i < r.rows; ++i)
        for (std::int64_t j = 0; j < r.cols; ++j) set_bit(bytes, r.bit_offset + i * r.row_stride + j * r.col_stride, bit);
    }
    return;
  }
  visit_dtype(array.dtype(), [&](auto tag) {
    using T = tile_t<typename decltype(tag)::type>;
    T v;
    std::memcpy(&v, value, sizeof(T));
    tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, r.rows, std::max<std::int64_t>(1, 65536 / std::max<std::int64_t>(1, r.cols))),
                      [&](const tbb::blocked_range<std::int64_t>& rows) {
                        for (std::int64_t i = rows.begin(); i != rows.end(); ++i) {
                          std::byte* row = r.data + i * r.row_stride;
                          if (r.col_stride == static_cast<std::int64_t>(sizeof(T))) {
                            T* p = reinterpret_cast<T*>(row);
                            for (std::int64_t j = 0; j < r.cols; ++j) p[j] = v;
                          } else {
                            for (std::int64_t j = 0; j < r.cols; ++j) std::memcpy(row + j * r.col_stride, &v, sizeof(T));
                          }
                        }
                      });
  });
}

void set_element(const Array& array, std::int64_t i, std::int64_t j, const void* value) {
  array.make_writable();
  Buffer::Lease lease = Buffer::lease(array.buffer());
  std::int64_t index = array.element_index(i, j);
  if (array.dtype() == DType::Bool) {
    set_bit(reinterpret_cast<std::uint8_t*>(lease.data()), index, *static_cast<const std::uint8_t*>(value) != 0);
  } else {
    int item = itemsize(array.dtype());
    lease.store().write_at(static_cast<std::uint64_t>(index) * item, value, static_cast<std::size_t>(item));
  }
}

void get_element(const Array& array, std::int64_t i, std::int64_t j, void* out) {
  Buffer::Lease lease = Buffer::lease(array.buffer());
  std::int64_t index = array.element_index(i, j);
  if (array.dtype() == DType::Bool) {
    std::uint8_t byte;
    lease.store().read_at(static_cast<std::uint64_t>(index >> 3), &byte, 1);
    *static_cast<std::uint8_t*>(out) = (byte >> (7 - (index & 7))) & 1;
  } else {
    int item = itemsize(array.dtype());
    lease.store().read_at(static_cast<std::uint64_t>(index) * item, out, static_cast<std::size_t>(item));
  }
}

}  // namespace pycauset
