// Linear solve: factor once (getrf or OocLu), then triangular solves with the factors.
#include "core/kernels/solve.hpp"

#include <complex>
#include <vector>

#include "core/governor.hpp"
#include "core/kernels/lu_blas_internal.hpp"
#include "core/kernels/lu_ooc.hpp"
#include "core/tiles/tile_io.hpp"

namespace pycauset {
namespace {

using tiles::Block;
using tiles::TileLayout;

/// Direct: the row-major copy of A is M = A^T column-major; getrs('T') then solves M^T X = A X = B.
template <class T>
void solve_direct(const Array& a, const Array& b, const Array& x) {
  const DType dt = dtype_traits<T>::id;
  const std::int64_t n = a.rows(), k = b.cols();
  auto& gov = MemoryGovernor::instance();
  PooledBuffer mbuf = gov.acquire_tile(static_cast<std::size_t>(n) * n * sizeof(T));
  PooledBuffer ybuf = gov.acquire_tile(static_cast<std::size_t>(n) * k * sizeof(T));
  T* M = mbuf.as<T>();
  T* Y = ybuf.as<T>();
  {
    Buffer::Lease la = Buffer::lease(a.buffer());
    tiles::read_block(a, la, Block{0, n, 0, n}, M, n, dt, TileLayout::RowMajor);
    Buffer::Lease lb = Buffer::lease(b.buffer());
    tiles::read_block(b, lb, Block{0, n, 0, k}, Y, n, dt, TileLayout::ColMajor);
  }
  std::vector<int> ipiv(n);
  const int ni = static_cast<int>(n);
  if (lapack::getrf(ni, ni, M, ni, ipiv.data()) > 0) throw LinAlgError("Singular matrix");
  lapack::getrs('T', ni, static_cast<int>(k), M, ni, ipiv.data(), Y, ni);
  Buffer::Lease lx = Buffer::lease(x.buffer());
  tiles::write_block(x, lx, Block{0, n, 0, k}, Y, n, dt, TileLayout::ColMajor);
}

/// Out of core. A = M^T = (P L U)^T = U^T L^T P^T, so X = P L^{-T} U^{-T} B. Per block of w
/// right-hand columns (Y = B(:, c0:c0+w), column-major):
///   forward  U^T Z = Y, panels first to last:  Y_I -= U_{0:I0,I}^T Y_{0:I0};  Y_I = U_II^{-T} Y_I;
///   backward L^T W = Z, panels last to first:  Y_I -= L_{I1:N,I}^T Y_{I1:N};  Y_I = L_II^{-T} Y_I;
///   X = P W: the interchanges applied in reverse order.
/// Memory: Y plus two streamed panels (the LU before it holds 4 N b). I/O per block: the factor once (N^2).
template <class T>
void solve_ooc(const Array& input, const Array& b, const Array& x, const ProgressFn& fn) {
  const DType dt = dtype_traits<T>::id;
  Array a = as_dtype(input, dt);
  const std::int64_t n = a.rows(), k = b.cols();
  const double N = static_cast<double>(n);
  detail::ProgressCounter progress(fn, 2.0 / 3.0 * N * N * N + 2.0 * N * N * k);
  OocLu<T> lu(a, ooc_panel_width(n, sizeof(T), 4), progress, /*stop_on_singular=*/true);
  const std::int64_t bw = lu.panel_width(), panels = lu.panel_count();
  auto& gov = MemoryGovernor::instance();
  const std::size_t panel_bytes = static_cast<std::size_t>(n) * bw * sizeof(T);
  PooledBuffer ybuf = gov.acquire_tile(panel_bytes);
  PooledBuffer s0 = gov.acquire_tile(lu.stream_window_bytes()), s1 = gov.acquire_tile(lu.stream_window_bytes());
  T* Y = ybuf.as<T>();

  const std::int64_t blocks = (k + bw - 1) / bw;
  std::vector<typename PanelStream<T>::Read> reads;
  for (std::int64_t c = 0; c < blocks; ++c) {
    for (std::int64_t I = 0; I < panels; ++I) reads.push_back({I, 0, lu.panel_end(I)});
    for (std::int64_t I = panels - 1; I >= 0; --I) reads.push_back({I, lu.panel_begin(I), n});
  }
  tiles::IoWorker io;
  PanelStream<T> stream(lu, std::move(reads), s0.data(), s1.data(), io);
  Buffer::Lease lb = Buffer::lease(b.buffer());
  Buffer::Lease lx = Buffer::lease(x.buffer());

  for (std::int64_t c0 = 0; c0 < k; c0 += bw) {
    const std::int64_t w = std::min(bw, k - c0);
    tiles::read_block(b, lb, Block{0, n, c0, w}, Y, n, dt, TileLayout::ColMajor);
    for (std::int64_t I = 0; I < panels; ++I) {  // forward: U^T Z = Y
      const std::int64_t I0 = lu.panel_begin(I), I1 = lu.panel_end(I), wi = I1 - I0;
      const T* U = stream.next();  // rows 0:I1 of panel I, leading dimension n
      detail::for_column_ranges(w, [&](std::int64_t c0, std::int64_t c1) {
        T* Yc = Y + c0 * n;
        lapack::gemm<T>('T', 'N', wi, c1 - c0, I0, T(-1), U, n, Yc, n, T(1), Yc + I0, n);
        lapack::trsm<T>('L', 'U', 'T', 'N', wi, c1 - c0, T(1), U + I0, n, Yc + I0, n);
      });
      progress.add(double(wi) * wi * w + 2.0 * I0 * w * wi);
    }
    for (std::int64_t I = panels - 1; I >= 0; --I) {  // backward: L^T W = Z
      const std::int64_t I0 = lu.panel_begin(I), I1 = lu.panel_end(I), wi = I1 - I0;
      const T* L = stream.next();  // rows I0:N of panel I, leading dimension n
      detail::for_column_ranges(w, [&](std::int64_t c0, std::int64_t c1) {
        T* Yc = Y + c0 * n;
        lapack::gemm<T>('T', 'N', wi, c1 - c0, n - I1, T(-1), L + wi, n, Yc + I1, n, T(1), Yc + I0, n);
        lapack::trsm<T>('L', 'L', 'T', 'U', wi, c1 - c0, T(1), L, n, Yc + I0, n);
      });
      progress.add(double(wi) * wi * w + 2.0 * (n - I1) * w * wi);
    }
    for (std::int64_t c = 0; c < w; ++c) {  // X = P W
      T* col = Y + c * n;
      for (std::int64_t i = n - 1; i >= 0; --i) std::swap(col[i], col[lu.pivots()[i]]);
    }
    tiles::write_block(x, lx, Block{0, n, c0, w}, Y, n, dt, TileLayout::ColMajor);
  }
  progress.finish();
}

}  // namespace

Array solve(const Array& a, const Array& b, LinalgMethod method, const ProgressFn& progress) {
  check_square(a, "solve");
  const std::int64_t n = a.rows();
  // B as an n x k matrix: a vector (stored 1 x n) is used as its n x 1 transpose.
  const Array b2 = b.ndim() == 1 ? tiles::transpose_view(b) : b;
  if (b2.rows() != n) {
    throw ValueError("solve: a is " + std::to_string(n) + "x" + std::to_string(n) + " but b has " +
                     std::to_string(b2.rows()) + (b.ndim() == 1 ? " elements" : " rows") + "; expected " +
                     std::to_string(n));
  }
  const DType dt = factor_dtype(promote_types(a.dtype(), b.dtype()));
  const std::int64_t k = b2.cols();
  Array x = b.ndim() == 1 ? Array::zeros(dt, 1, 1, n) : Array::zeros(dt, 2, n, k);
  if (n == 0 || k == 0) return x;
  // A small result placed in RAM stays there: unpinned, the factorisation's tile requests would spill it
  // (it is the least recently used buffer), and the caller would get a file for a few kilobytes.
  Buffer::Lease keep_small_x;
  if (!x.is_file() && x.nbytes() <= MemoryGovernor::instance().small_object_bytes()) keep_small_x = Buffer::lease(x.buffer());
  const Array x2 = b.ndim() == 1 ? tiles::transpose_view(x) : x;
  const std::uint64_t direct_bytes = static_cast<std::uint64_t>(n) * (n + k) * itemsize(dt);
  const bool direct = use_direct_path(method, direct_bytes);
  auto run = [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (direct) {
      solve_direct<T>(a, b2, x2);
    } else {
      solve_ooc<T>(a, b2, x2, progress);
    }
  };
  switch (dt) {
    case DType::Float32: run(type_tag<float>{}); break;
    case DType::Float64: run(type_tag<double>{}); break;
    case DType::Complex64: run(type_tag<std::complex<float>>{}); break;
    default: run(type_tag<std::complex<double>>{}); break;
  }
  return x;
}

}  // namespace pycauset
