// Matrix inverse, direct (getrf + getri) and out-of-core (OocLu + panel-streamed triangular solves).
#include "core/kernels/inverse.hpp"

#include <complex>
#include <numeric>
#include <vector>

#include "core/governor.hpp"
#include "core/kernels/lu_blas_internal.hpp"
#include "core/kernels/lu_ooc.hpp"
#include "core/tiles/tile_io.hpp"

namespace pycauset {
namespace {

/// One LAPACK sequence on RAM: the row-major copy of A is column-major M = A^T, and getri turns it
/// into inv(M) = inv(A)^T, i.e. inv(A) in row-major order, in place.
template <class T>
Array inverse_direct(const Array& a, int lwork) {
  const std::int64_t N = a.rows();
  const DType dt = dtype_traits<T>::id;
  Array result = Array::zeros(dt, 2, N, N, Placement::Ram);
  copy_array(a, result);
  Buffer::Lease lease = Buffer::lease(result.buffer());
  T* m = reinterpret_cast<T*>(lease.data());
  const int n = static_cast<int>(N);
  std::vector<int> ipiv(N);
  if (lapack::getrf(n, n, m, n, ipiv.data()) > 0) throw LinAlgError("Singular matrix");
  PooledBuffer work = MemoryGovernor::instance().acquire_tile(static_cast<std::size_t>(lwork) * sizeof(T));
  if (lapack::getri(n, m, n, ipiv.data(), work.as<T>(), lwork) > 0) throw LinAlgError("Singular matrix");
  return result;
}

/// Out of core. With M = A^T = P L U from OocLu, inv(M) = U^{-1} L^{-1} P^T. For each column block J
/// (the factor's panel partition, width b) compute Z_J = U^{-1} (L^{-1} E_J), E_J = I(:, J):
///   forward:  Y = L^{-1} E_J is zero above row J0, so only panels I >= J are streamed
///             (Y_I = L_II^{-1} Y_I; Y_{I1:N} -= L_{I1:N,I} Y_I)            ~ N^3 / 3 flops in all;
///   backward: Z = U^{-1} Y over all panels, last to first
///             (Y_I = U_II^{-1} Y_I; Y_{0:I0} -= U_{0:I0,I} Y_I)            ~ N^3 flops in all.
/// Column k of Z is column p(k) of inv(M) (P e_k = e_p(k)), i.e. row p(k) of inv(A) in row-major
/// order: one contiguous write of N elements, so the permutation costs nothing extra.
/// Memory: two Y blocks (one written behind while the next is computed) plus two streamed panels,
/// 4 N b elements. I/O: factor reads ~ N^2 (b-independent
/// per block) x N / b blocks = N^3 / b elements; the result is written once (N^2).
template <class T>
Array inverse_ooc(const Array& input, const ProgressFn& fn) {
  const DType dt = dtype_traits<T>::id;
  Array a = as_dtype(input, dt);
  const double N = static_cast<double>(a.rows());
  detail::ProgressCounter progress(fn, 2.0 * N * N * N);
  const std::int64_t n = a.rows();
  OocLu<T> lu(a, ooc_panel_width(n, sizeof(T), 4), progress, /*stop_on_singular=*/true);

  // p: P e_k = e_p(k), from the interchange sequence (L U = P^T M).
  std::vector<std::int64_t> p(n);
  std::iota(p.begin(), p.end(), 0);
  for (std::int64_t i = 0; i < n; ++i) std::swap(p[i], p[lu.pivots()[i]]);

  auto& gov = MemoryGovernor::instance();
  const std::int64_t b = lu.panel_width(), panels = lu.panel_count();
  const std::size_t panel_bytes = static_cast<std::size_t>(n) * b * sizeof(T);
  PooledBuffer ybuf[2] = {gov.acquire_tile(panel_bytes), gov.acquire_tile(panel_bytes)};
  PooledBuffer s0 = gov.acquire_tile(lu.stream_window_bytes()), s1 = gov.acquire_tile(lu.stream_window_bytes());
  // The result is placed after the panels are on loan (the LU's, reused from the pool): it goes to RAM
  // only if it fits beside them. Placed first, it took the room the pool's cached panels were counted
  // in, and the panels were then mapped afresh on top of it: up to twice the budget.
  Array result = Array::zeros(dt, 2, n, n, Placement::Auto);
  Buffer::Lease out = Buffer::lease(result.buffer());

  // One stream of reads for the whole computation, so prefetching crosses block boundaries.
  std::vector<typename PanelStream<T>::Read> reads;
  for (std::int64_t J = 0; J < panels; ++J) {
    for (std::int64_t I = J; I < panels; ++I) reads.push_back({I, lu.panel_begin(I), n});
    for (std::int64_t I = panels - 1; I >= 0; --I) reads.push_back({I, 0, lu.panel_end(I)});
  }
  // Declared after the buffers: destroyed first, so no job outlives the memory it uses.
  tiles::IoWorker reader, writer;
  std::future<void> written[2];
  PanelStream<T> stream(lu, std::move(reads), s0.data(), s1.data(), reader);

  for (std::int64_t J = 0; J < panels; ++J) {
    const std::int64_t J0 = lu.panel_begin(J), w = lu.panel_end(J) - J0;
    T* Y = ybuf[J % 2].as<T>();
    tiles::await_io(written[J % 2]);  // block J - 2 is on disk: reuse its buffer
    std::fill(Y, Y + n * w, T(0));
    for (std::int64_t c = 0; c < w; ++c) Y[c * n + J0 + c] = T(1);
    for (std::int64_t I = J; I < panels; ++I) {  // forward: L Y = E_J
      const std::int64_t I0 = lu.panel_begin(I), I1 = lu.panel_end(I), wi = I1 - I0;
      const T* L = stream.next();  // rows I0:N of panel I, leading dimension n
      {
        tiles::PhaseTimer compute(tiles::Phase::Compute);
        detail::for_column_ranges(w, [&](std::int64_t c0, std::int64_t c1) {
          T* Yc = Y + c0 * n;
          lapack::trsm<T>('L', 'L', 'N', 'U', wi, c1 - c0, T(1), L, n, Yc + I0, n);
          lapack::gemm<T>('N', 'N', n - I1, c1 - c0, wi, T(-1), L + wi, n, Yc + I0, n, T(1), Yc + I1, n);
        });
      }
      progress.add(double(wi) * wi * w + 2.0 * (n - I1) * w * wi);
    }
    for (std::int64_t I = panels - 1; I >= 0; --I) {  // backward: U Z = Y
      const std::int64_t I0 = lu.panel_begin(I), I1 = lu.panel_end(I), wi = I1 - I0;
      const T* U = stream.next();  // rows 0:I1 of panel I, leading dimension n
      {
        tiles::PhaseTimer compute(tiles::Phase::Compute);
        detail::for_column_ranges(w, [&](std::int64_t c0, std::int64_t c1) {
          T* Yc = Y + c0 * n;
          lapack::trsm<T>('L', 'U', 'N', 'N', wi, c1 - c0, T(1), U + I0, n, Yc + I0, n);
          lapack::gemm<T>('N', 'N', I0, c1 - c0, wi, T(-1), U, n, Yc + I0, n, T(1), Yc, n);
        });
      }
      progress.add(double(wi) * wi * w + 2.0 * I0 * w * wi);
    }
    const std::int64_t* rows = p.data() + J0;
    const Buffer::Lease* lease = &out;
    const Array* target = &result;
    written[J % 2] = writer.submit([target, lease, rows, Y, w, n, dt] {
      for (std::int64_t c = 0; c < w; ++c) {  // Z(:, J0 + c) is row p(J0 + c) of inv(A)
        tiles::write_block(*target, *lease, tiles::Block{rows[c], 1, 0, n}, Y + c * n, n, dt,
                           tiles::TileLayout::RowMajor);
      }
    });
  }
  for (auto& done : written) tiles::await_io(done);
  progress.finish();
  return result;
}

template <class T>
Array inverse_typed(const Array& a, LinalgMethod method, const ProgressFn& progress) {
  const std::int64_t n = a.rows();
  const int lwork = lapack::getri_lwork<T>(static_cast<int>(n));
  const std::uint64_t direct_bytes = (static_cast<std::uint64_t>(n) * n + lwork) * sizeof(T);
  if (use_direct_path(method, direct_bytes)) {
    Array result = inverse_direct<T>(a, lwork);
    const double N = static_cast<double>(n);
    detail::ProgressCounter(progress, 2.0 * N * N * N).finish();  // one LAPACK call: report completion
    return result;
  }
  return inverse_ooc<T>(a, progress);
}

}  // namespace

Array inverse(const Array& a, LinalgMethod method, const ProgressFn& progress) {
  check_square(a, "inv");
  const DType dt = factor_dtype(a.dtype());
  if (a.rows() == 0) return Array::zeros(dt, 2, 0, 0);
  switch (dt) {
    case DType::Float32: return inverse_typed<float>(a, method, progress);
    case DType::Float64: return inverse_typed<double>(a, method, progress);
    case DType::Complex64: return inverse_typed<std::complex<float>>(a, method, progress);
    default: return inverse_typed<std::complex<double>>(a, method, progress);
  }
}

}  // namespace pycauset
