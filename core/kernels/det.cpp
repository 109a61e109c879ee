// slogdet from the LU diagonal and the parity of the row interchanges.
#include "core/kernels/det.hpp"

#include <cmath>
#include <limits>
#include <vector>

#include "core/governor.hpp"
#include "core/kernels/lu_blas_internal.hpp"
#include "core/kernels/lu_ooc.hpp"
#include "core/tiles/tile_io.hpp"

namespace pycauset {
namespace {

/// det(M) = (-1)^{#interchanges} prod U_ii; accumulate sign and log|U_ii| separately (no overflow).
template <class T, class Pivot>
SlogdetResult from_lu(const T* diagonal, std::int64_t diagonal_stride, const Pivot* pivots, std::int64_t n,
                      std::int64_t pivot_base) {
  std::complex<double> sign = 1.0;
  double logabs = 0.0;
  for (std::int64_t i = 0; i < n; ++i) {
    const std::complex<double> d(std::real(diagonal[i * diagonal_stride]), std::imag(diagonal[i * diagonal_stride]));
    const double r = std::abs(d);
    if (r == 0.0) return {0.0, -std::numeric_limits<double>::infinity(), dtype_traits<T>::id};
    sign *= d / r;
    logabs += std::log(r);
    if (static_cast<std::int64_t>(pivots[i]) - pivot_base != i) sign = -sign;
  }
  if constexpr (!is_complex<T>::value) sign = std::real(sign) < 0 ? -1.0 : 1.0;  // exact +-1
  return {sign, logabs, dtype_traits<T>::id};
}

template <class T>
SlogdetResult slogdet_direct(const Array& a) {
  const std::int64_t n = a.rows();
  PooledBuffer mbuf = MemoryGovernor::instance().acquire_tile(static_cast<std::size_t>(n) * n * sizeof(T));
  T* M = mbuf.as<T>();
  {
    Buffer::Lease la = Buffer::lease(a.buffer());
    tiles::read_block(a, la, tiles::Block{0, n, 0, n}, M, n, dtype_traits<T>::id, tiles::TileLayout::RowMajor);
  }
  std::vector<int> ipiv(n);
  const int ni = static_cast<int>(n);
  lapack::getrf(ni, ni, M, ni, ipiv.data());  // info > 0 (singular) shows as a zero on the diagonal
  return from_lu(M, n + 1, ipiv.data(), n, 1);
}

template <class T>
SlogdetResult slogdet_ooc(const Array& input, const ProgressFn& fn) {
  Array a = as_dtype(input, dtype_traits<T>::id);
  const double N = static_cast<double>(a.rows());
  detail::ProgressCounter progress(fn, 2.0 / 3.0 * N * N * N);
  OocLu<T> lu(a, ooc_panel_width(a.rows(), sizeof(T), 4), progress, /*stop_on_singular=*/false);
  progress.finish();
  return from_lu(lu.diagonal().data(), 1, lu.pivots().data(), a.rows(), 0);
}

}  // namespace

SlogdetResult slogdet(const Array& a, LinalgMethod method, const ProgressFn& progress) {
  check_square(a, "slogdet");
  const DType dt = factor_dtype(a.dtype());
  const std::int64_t n = a.rows();
  if (n == 0) return {1.0, 0.0, dt};
  const bool direct = use_direct_path(method, static_cast<std::uint64_t>(n) * n * itemsize(dt));
  auto run = [&](auto tag) {
    using T = typename decltype(tag)::type;
    return direct ? slogdet_direct<T>(a) : slogdet_ooc<T>(a, progress);
  };
  switch (dt) {
    case DType::Float32: return run(type_tag<float>{});
    case DType::Float64: return run(type_tag<double>{});
    case DType::Complex64: return run(type_tag<std::complex<float>>{});
    default: return run(type_tag<std::complex<double>>{});
  }
}

}  // namespace pycauset
