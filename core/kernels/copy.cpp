// copy_region: the one strided, converting, parallel copy behind import, export, copy and astype.
#include <tbb/blocked_range2d.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cstring>

#include "core/array.hpp"
#include "core/kernels/bits_internal.hpp"
#include "core/kernels/convert_internal.hpp"
#include "storage/errors.hpp"

namespace pycauset {
namespace {

constexpr std::int64_t kChunk = 4096;  // elements per inner step; a tile of temporaries stays in L1/L2

/// The value type a tile holds for a dtype when writing: bool becomes `bool` so casts test nonzero.
template <class T>
using write_t = std::conditional_t<std::is_same_v<T, bit_t>, bool, tile_t<T>>;

/// Read `n` elements of row `i`, columns [j0, j0+n), of src as S into `out` (unpacking bits, byteswapping).
template <class S>
void load_chunk(const StridedRegion& src, std::int64_t i, std::int64_t j0, std::int64_t n, tile_t<S>* out) {
  if constexpr (std::is_same_v<S, bit_t>) {
    if (src.packed_bits) {
    auto* bytes = reinterpret_cast<const std::uint8_t*>(src.data);
    std::int64_t base = src.bit_offset + i * src.row_stride + j0 * src.col_stride;
    if (src.col_stride == 1) {
      unpack_bits(bytes, base, n, out);
    } else {
      for (std::int64_t k = 0; k < n; ++k) out[k] = get_bit(bytes, base + k * src.col_stride);
    }
    return;
    }
  }
  const std::byte* p = src.data + i * src.row_stride + j0 * src.col_stride;
  using T = tile_t<S>;
  if (src.col_stride == static_cast<std::int64_t>(sizeof(T))) {
    std::memcpy(out, p, static_cast<std::size_t>(n) * sizeof(T));
  } else {
    for (std::int64_t k = 0; k < n; ++k) std::memcpy(out + k, p + k * src.col_stride, sizeof(T));
  }
  if (src.byteswapped) {
    for (std::int64_t k = 0; k < n; ++k) out[k] = detail::byteswap_value(out[k]);
  }
  if constexpr (std::is_same_v<S, bit_t>) {
    // NumPy bool bytes: any non-zero byte is True (views of uint8 hold 2..255); tiles hold 0/1.
    for (std::int64_t k = 0; k < n; ++k) out[k] = out[k] != 0;
  }
}

/// Copy one row chunk from src (type S) to dst (type D).
template <class S, class D>
void copy_chunk(const StridedRegion& src, const StridedRegion& dst, std::int64_t i, std::int64_t j0, std::int64_t n) {
  using TS = tile_t<S>;
  using TD = tile_t<D>;
  constexpr bool kSame = std::is_same_v<S, D>;
  std::byte* q = dst.data + i * dst.row_stride + j0 * dst.col_stride;
  const bool dst_contiguous = !dst.packed_bits && dst.col_stride == static_cast<std::int64_t>(sizeof(TD));
  // Fast path: same type, plain memory on both sides -> one memcpy.
  if constexpr (kSame) {
    if (!src.packed_bits && !dst.packed_bits && !src.byteswapped && dst_contiguous &&
        src.col_stride == static_cast<std::int64_t>(sizeof(TS))) {
      std::memcpy(q, src.data + i * src.row_stride + j0 * src.col_stride, static_cast<std::size_t>(n) * sizeof(TS));
      return;
    }
  }
  alignas(64) TS in[kChunk];
  alignas(64) TD out[kChunk];
  load_chunk<S>(src, i, j0, n, in);
  TD* target = dst_contiguous ? reinterpret_cast<TD*>(q) : out;
  if constexpr (std::is_same_v<D, bit_t>) {
    for (std::int64_t k = 0; k < n; ++k) target[k] = detail::convert_value<bool>(in[k]) ? 1 : 0;
  } else {
    for (std::int64_t k = 0; k < n; ++k) target[k] = detail::convert_value<TD>(in[k]);
  }
  if (dst.packed_bits) {
    if constexpr (std::is_same_v<D, bit_t>) {
      auto* bytes = reinterpret_cast<std::uint8_t*>(dst.data);
      std::int64_t base = dst.bit_offset + i * dst.row_stride + j0 * dst.col_stride;
      if (dst.col_stride == 1) {
        pack_bits(out, n, bytes, base);
      } else {
        for (std::int64_t k = 0; k < n; ++k) set_bit(bytes, base + k * dst.col_stride, out[k] != 0);
      }
    }
  } else if (!dst_contiguous) {
    for (std::int64_t k = 0; k < n; ++k) std::memcpy(q + k * dst.col_stride, out + k, sizeof(TD));
  }
}

/// Same dtype, no byteswap, both sides one contiguous run: copy as a flat byte range in large parallel
/// pieces (plain memcpy: streaming stores measured slower into freshly faulted NumPy memory).
/// Returns false when the regions do not qualify.
template <class S, class D>
bool copy_flat(const StridedRegion& src, const StridedRegion& dst) {
  if constexpr (!std::is_same_v<S, D> || std::is_same_v<S, bit_t>) {
    return false;
  } else {
    constexpr std::int64_t kItem = sizeof(tile_t<S>);
    auto contiguous = [](const StridedRegion& r) {
      return !r.packed_bits && r.col_stride == kItem && (r.rows == 1 || r.row_stride == r.cols * kItem);
    };
    if (src.byteswapped || !contiguous(src) || !contiguous(dst)) return false;
    const std::size_t bytes = static_cast<std::size_t>(src.rows * src.cols * kItem);
    if (bytes < (std::size_t{1} << 22)) return false;  // small copies stay in cache: plain memcpy path
    constexpr std::size_t kPiece = std::size_t{1} << 20;
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, (bytes + kPiece - 1) / kPiece),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                        for (std::size_t t = r.begin(); t != r.end(); ++t) {
                          std::size_t off = t * kPiece;
                          std::memcpy(dst.data + off, src.data + off, std::min(kPiece, bytes - off));
                        }
                      });
    return true;
  }
}

/// Bool between NumPy's bytes and packed bits, both sides one contiguous run starting on a byte
/// boundary of the packed side: pack or unpack directly, in parallel pieces of whole bytes.
template <class S, class D>
bool copy_bits_flat(const StridedRegion& src, const StridedRegion& dst) {
  if constexpr (!std::is_same_v<S, bit_t> || !std::is_same_v<D, bit_t>) {
    return false;
  } else {
    auto contiguous = [](const StridedRegion& r) {
      return r.col_stride == 1 && (r.rows == 1 || r.row_stride == r.cols);  // bytes or bits: stride 1 either way
    };
    if (src.packed_bits == dst.packed_bits || !contiguous(src) || !contiguous(dst)) return false;
    const StridedRegion& packed = src.packed_bits ? src : dst;
    if (packed.bit_offset % 8 != 0) return false;
    const std::int64_t total = src.rows * src.cols;
    constexpr std::int64_t kPiece = std::int64_t{1} << 20;  // elements per task: a multiple of 8
    auto* bits = reinterpret_cast<std::uint8_t*>(packed.data) + packed.bit_offset / 8;
    tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, (total + kPiece - 1) / kPiece),
                      [&](const tbb::blocked_range<std::int64_t>& r) {
                        for (std::int64_t t = r.begin(); t != r.end(); ++t) {
                          const std::int64_t k0 = t * kPiece, n = std::min(kPiece, total - k0);
                          if (src.packed_bits) {
                            unpack_bits(bits, k0, n, reinterpret_cast<std::uint8_t*>(dst.data) + k0);
                          } else {
                            pack_bits(reinterpret_cast<const std::uint8_t*>(src.data) + k0, n, bits, k0);
                          }
                        }
                      });
    return true;
  }
}

template <class S, class D>
void copy_typed(const StridedRegion& src, const StridedRegion& dst) {
  const std::int64_t rows = src.rows, cols = src.cols;
  if (rows == 0 || cols == 0) return;
  if (copy_flat<S, D>(src, dst) || copy_bits_flat<S, D>(src, dst)) return;
  if (dst.packed_bits) {
    // Several rows (or chunks) can share a byte of packed bits: split only at byte boundaries.
    const bool flat = dst.col_stride == 1 && (rows == 1 || dst.row_stride == cols);
    if (!flat) {
      for (std::int64_t i = 0; i < rows; ++i)
        for (std::int64_t j = 0; j < cols; j += kChunk) copy_chunk<S, D>(src, dst, i, j, std::min(kChunk, cols - j));
      return;
    }
    const std::int64_t total = rows * cols;
    const std::int64_t first = (8 - dst.bit_offset % 8) % 8;  // bits before the first byte boundary
    const std::int64_t step = 64 * kChunk;                      // bits per parallel task, a multiple of 8
    auto run_flat = [&](std::int64_t k0, std::int64_t k1) {
      for (std::int64_t k = k0; k < k1;) {
        std::int64_t i = k / cols, j = k % cols;
        std::int64_t n = std::min({kChunk, cols - j, k1 - k});
        copy_chunk<S, D>(src, dst, i, j, n);
        k += n;
      }
    };
    run_flat(0, std::min(first, total));
    tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, (std::max<std::int64_t>(0, total - first) + step - 1) / step),
                      [&](const tbb::blocked_range<std::int64_t>& r) {
                        for (std::int64_t t = r.begin(); t != r.end(); ++t) {
                          std::int64_t k0 = first + t * step;
                          run_flat(k0, std::min(total, k0 + step));
                        }
                      });
    return;
  }
  const std::int64_t col_grain = 16 * kChunk;
  const std::int64_t row_grain = std::max<std::int64_t>(1, (1 << 18) / std::max<std::int64_t>(cols, 1));
  tbb::parallel_for(tbb::blocked_range2d<std::int64_t>(0, rows, row_grain, 0, cols, col_grain),
                    [&](const tbb::blocked_range2d<std::int64_t>& r) {
                      for (std::int64_t i = r.rows().begin(); i != r.rows().end(); ++i) {
                        for (std::int64_t j = r.cols().begin(); j < r.cols().end(); j += kChunk) {
                          copy_chunk<S, D>(src, dst, i, j, std::min(kChunk, r.cols().end() - j));
                        }
                      }
                    });
}

}  // namespace

void copy_region(const StridedRegion& src, const StridedRegion& dst) {
  if (src.rows != dst.rows || src.cols != dst.cols) throw ValueError("copy_region: shape mismatch");
  if (dst.byteswapped) throw ValueError("copy_region: destination must be in native byte order");
  visit_dtype(src.dtype, [&](auto s) {
    visit_dtype(dst.dtype, [&](auto d) {
      copy_typed<typename decltype(s)::type, typename decltype(d)::type>(src, dst);
    });
  });
}

}  // namespace pycauset
