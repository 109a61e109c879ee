// The integer backend of the tile product: a typed, cache-blocked, TBB-parallel loop with NumPy's results.
// (bool @ bool never gets here: it runs on packed words, core/bits/bit_matmul.cpp.)
#include <tbb/blocked_range2d.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "core/kernels/gemm_internal.hpp"

namespace pycauset::detail {
namespace {

using tiles::TileLayout;

constexpr std::int64_t kBlockK = 256;  // rows of B kept hot in cache while a C row block accumulates

/// Unsigned arithmetic of at least int's width: wraps modulo 2^bits like NumPy, with no signed-overflow UB.
template <class T>
using wrap_t = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;

/// C (+)= A B for tile element type T, wrapping as NumPy. B must be row-major.
template <class T>
void integer_product(std::int64_t m, std::int64_t n, std::int64_t k, const TileOperand& a, const TileOperand& b,
                     void* c, std::int64_t ldc, bool accumulate) {
  const auto* pa = static_cast<const T*>(a.data);
  const auto* pb = static_cast<const T*>(b.data);
  auto* pc = static_cast<T*>(c);
  const bool a_row_major = a.layout == TileLayout::RowMajor;
  const std::int64_t lda = a.ld, ldb = b.ld;
  auto a_at = [&](std::int64_t i, std::int64_t p) { return a_row_major ? pa[i * lda + p] : pa[p * lda + i]; };
  tbb::parallel_for(tbb::blocked_range2d<std::int64_t>(0, m, 16, 0, n, 1024),
                    [&](const tbb::blocked_range2d<std::int64_t>& r) {
                      const std::int64_t j0 = r.cols().begin(), j1 = r.cols().end();
                      if (!accumulate) {
                        for (std::int64_t i = r.rows().begin(); i != r.rows().end(); ++i)
                          std::fill(pc + i * ldc + j0, pc + i * ldc + j1, T(0));
                      }
                      for (std::int64_t p0 = 0; p0 < k; p0 += kBlockK) {
                        const std::int64_t p1 = std::min(k, p0 + kBlockK);
                        for (std::int64_t i = r.rows().begin(); i != r.rows().end(); ++i) {
                          T* crow = pc + i * ldc;
                          for (std::int64_t p = p0; p < p1; ++p) {
                            const T aip = a_at(i, p);
                            if (aip == T(0)) continue;  // common in causal-set matrices, and free to test
                            const T* brow = pb + p * ldb;
                            using W = wrap_t<T>;
                            const W w = static_cast<W>(aip);
                            for (std::int64_t j = j0; j < j1; ++j)
                              crow[j] = static_cast<T>(static_cast<W>(crow[j]) + w * static_cast<W>(brow[j]));
                          }
                        }
                      }
                    });
}

}  // namespace

TileProduct integer_tile_product(DType dtype) noexcept {
  switch (dtype) {
    case DType::Int8: return &integer_product<std::int8_t>;
    case DType::Int16: return &integer_product<std::int16_t>;
    case DType::Int32: return &integer_product<std::int32_t>;
    case DType::Int64: return &integer_product<std::int64_t>;
    case DType::UInt8: return &integer_product<std::uint8_t>;
    case DType::UInt16: return &integer_product<std::uint16_t>;
    case DType::UInt32: return &integer_product<std::uint32_t>;
    case DType::UInt64: return &integer_product<std::uint64_t>;
    default: return nullptr;
  }
}

}  // namespace pycauset::detail
