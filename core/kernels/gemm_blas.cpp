// The BLAS backend of the tile product: one ?gemm call per tile, transposed layouts via transpose flags.
#include <climits>
#include <complex>
#include <string>

#include "core/blas_internal.hpp"
#include "core/kernels/gemm_internal.hpp"
#include "core/kernels/lu.hpp"
#include "storage/errors.hpp"

namespace pycauset::detail {
namespace {

using tiles::TileLayout;

/// BLAS takes 32-bit sizes here (scipy-openblas32); the tiler keeps tiles below this.
int blas_int(std::int64_t value, const char* what) {
  if (value > INT_MAX) {
    throw ValueError(std::string("matmul: ") + what + " of " + std::to_string(value) +
                     " exceeds the 32-bit BLAS interface");
  }
  return static_cast<int>(value);
}

CBLAS_TRANSPOSE transpose_flag(const TileOperand& x) {
  // Row-major C = op(A) op(B): a ColMajor m x k block is the row-major k x m matrix A^T.
  return x.layout == TileLayout::RowMajor ? CblasNoTrans : CblasTrans;
}

/// The minimum leading dimension BLAS accepts for an operand of `rows` x `cols` in its layout.
std::int64_t min_ld(const TileOperand& x, std::int64_t rows, std::int64_t cols) {
  return std::max<std::int64_t>(1, x.layout == TileLayout::RowMajor ? cols : rows);
}

template <class T>
void blas_product(std::int64_t m, std::int64_t n, std::int64_t k, const TileOperand& a, const TileOperand& b,
                  void* c, std::int64_t ldc, bool accumulate) {
  if (m == 0 || n == 0) return;
  const int im = blas_int(m, "rows"), in = blas_int(n, "columns"), ik = blas_int(k, "inner dimension");
  const int lda = blas_int(std::max(a.ld, min_ld(a, m, k)), "leading dimension");
  const int ldb = blas_int(std::max(b.ld, min_ld(b, k, n)), "leading dimension");
  const int ldcc = blas_int(std::max<std::int64_t>(ldc, std::max<std::int64_t>(n, 1)), "leading dimension");
  const CBLAS_TRANSPOSE ta = transpose_flag(a), tb = transpose_flag(b);
  const auto* pa = static_cast<const T*>(a.data);
  const auto* pb = static_cast<const T*>(b.data);
  auto* pc = static_cast<T*>(c);
  if constexpr (std::is_same_v<T, float>) {
    scipy_cblas_sgemm(CblasRowMajor, ta, tb, im, in, ik, 1.0f, pa, lda, pb, ldb, accumulate ? 1.0f : 0.0f, pc, ldcc);
  } else if constexpr (std::is_same_v<T, double>) {
    scipy_cblas_dgemm(CblasRowMajor, ta, tb, im, in, ik, 1.0, pa, lda, pb, ldb, accumulate ? 1.0 : 0.0, pc, ldcc);
  } else {
    const T one(1), beta(accumulate ? 1 : 0);
    if constexpr (std::is_same_v<T, std::complex<float>>) {
      scipy_cblas_cgemm(CblasRowMajor, ta, tb, im, in, ik, &one, pa, lda, pb, ldb, &beta, pc, ldcc);
    } else {
      scipy_cblas_zgemm(CblasRowMajor, ta, tb, im, in, ik, &one, pa, lda, pb, ldb, &beta, pc, ldcc);
    }
  }
}

/// blas_product<T> as ranges of C's rows on TBB threads, one single-threaded call each (see
/// blas_row_range_product).
template <class T>
void blas_product_by_row_ranges(std::int64_t m, std::int64_t n, std::int64_t k, const TileOperand& a,
                                const TileOperand& b, void* c, std::int64_t ldc, bool accumulate) {
  for_column_ranges(m, [&](std::int64_t r0, std::int64_t r1) {
    // Row r0 of op(A): a row-major block moves down r0 rows, a column-major one along r0 elements.
    const std::int64_t a_at = a.layout == TileLayout::RowMajor ? r0 * a.ld : r0;
    const TileOperand rows{static_cast<const T*>(a.data) + a_at, a.layout, a.ld};
    blas_product<T>(r1 - r0, n, k, rows, b, static_cast<T*>(c) + r0 * ldc, ldc, accumulate);
  });
}

}  // namespace

TileProduct blas_tile_product(DType dtype) noexcept {
  switch (dtype) {
    case DType::Float32: return &blas_product<float>;
    case DType::Float64: return &blas_product<double>;
    case DType::Complex64: return &blas_product<std::complex<float>>;
    case DType::Complex128: return &blas_product<std::complex<double>>;
    default: return nullptr;
  }
}

TileProduct blas_row_range_product(DType dtype) noexcept {
  switch (dtype) {
    case DType::Float32: return &blas_product_by_row_ranges<float>;
    case DType::Float64: return &blas_product_by_row_ranges<double>;
    case DType::Complex64: return &blas_product_by_row_ranges<std::complex<float>>;
    case DType::Complex128: return &blas_product_by_row_ranges<std::complex<double>>;
    default: return nullptr;
  }
}

}  // namespace pycauset::detail
