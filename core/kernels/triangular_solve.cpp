// solve_triangular: the direct trsm, and the panel-streaming out-of-core sweep (forward or backward).
#include "core/kernels/triangular_solve.hpp"

#include <complex>
#include <future>
#include <string>
#include <vector>

#include "core/governor.hpp"
#include "core/kernels/lu_blas_internal.hpp"
#include "core/kernels/lu_ooc.hpp"
#include "core/tiles/io_pipeline.hpp"
#include "core/tiles/tile_io.hpp"

namespace pycauset {
namespace {

using tiles::Block;
using tiles::TileLayout;

/// Rows [r0, r0 + nr) x columns [c0, c0 + nc) of A = (I?) + s M into a row-major buffer (leading dim nc).
template <class T>
void load_factor(const TriangularFactor& f, const Buffer::Lease& lease, std::int64_t r0, std::int64_t nr,
                 std::int64_t c0, std::int64_t nc, T* out) {
  const DType dt = dtype_traits<T>::id;
  tiles::read_block(f.matrix, lease, Block{r0, nr, c0, nc}, out, nc, dt, TileLayout::RowMajor);
  if (f.scale != 1.0) {
    const T s = static_cast<T>(f.scale);
    for (std::int64_t e = 0; e < nr * nc; ++e) out[e] *= s;
  }
  for (std::int64_t r = 0; r < nr; ++r) {
    const std::int64_t c = r0 + r - c0;  // the diagonal in this block
    if (c < 0 || c >= nc) continue;
    if (f.unit_diagonal) out[r * nc + c] = T(1);
    else if (f.identity_plus) out[r * nc + c] += T(1);
  }
}

[[noreturn]] void singular_at(std::int64_t i) {
  throw LinAlgError("singular matrix: resolution failed at diagonal " + std::to_string(i) +
                    " (a zero on the diagonal of the triangular factor)");
}

template <class T>
void check_diagonal(const T* block, std::int64_t ld, std::int64_t r0, std::int64_t nr, std::int64_t diag_col) {
  for (std::int64_t r = 0; r < nr; ++r) {
    if (block[r * ld + diag_col + r] == T(0)) singular_at(r0 + r);
  }
}

/// Direct: the row-major copy of A read column-major is Aᵀ; with X kept column-major, trsm('L', uplo', 'T')
/// solves (Aᵀ)ᵀ X = A X = B.
template <class T>
void solve_direct(const TriangularFactor& f, const Array& b, const TriangularRhs& rhs, const Array& x) {
  const DType dt = dtype_traits<T>::id;
  const std::int64_t n = f.matrix.rows(), k = b.cols();
  auto& gov = MemoryGovernor::instance();
  PooledBuffer abuf = gov.acquire_tile(static_cast<std::size_t>(n) * n * sizeof(T));
  PooledBuffer ybuf = gov.acquire_tile(static_cast<std::size_t>(n) * k * sizeof(T));
  T* A = abuf.as<T>();
  T* Y = ybuf.as<T>();
  {
    const Buffer::Lease la = Buffer::lease(f.matrix.buffer());
    load_factor(f, la, 0, n, 0, n, A);
    const Buffer::Lease lb = Buffer::lease(b.buffer());
    tiles::read_block(b, lb, Block{0, n, 0, k}, Y, n, dt, TileLayout::ColMajor);
  }
  if (!f.unit_diagonal) check_diagonal(A, n, 0, n, 0);
  if (rhs.rhs_scale != 1.0) {
    for (std::int64_t e = 0; e < n * k; ++e) Y[e] *= static_cast<T>(rhs.rhs_scale);
  }
  detail::for_column_ranges(k, [&](std::int64_t c0, std::int64_t c1) {
    lapack::trsm<T>('L', f.lower ? 'U' : 'L', 'T', f.unit_diagonal ? 'U' : 'N', n, c1 - c0, T(1), A, n, Y + c0 * n, n);
  });
  const Buffer::Lease lx = Buffer::lease(x.buffer());
  tiles::write_block(x, lx, Block{0, n, 0, k}, Y, n, dt, TileLayout::ColMajor);
}

/// Out of core. Per block of w right-hand columns (Y, column-major n x w, in RAM):
///   lower, panels first to last:  Y_I -= A[I, 0:I0] Y[0:I0];  Y_I = A_II^{-1} Y_I
///   upper, panels last to first:  Y_I -= A[I, I1:n] Y[I1:n];  Y_I = A_II^{-1} Y_I
/// A panel is the row band of A that the step needs (lower: columns 0:I1, upper: I0:n), read row-major,
/// which column-major is its transpose: hence the 'T' in gemm and trsm. The next panel is read on an
/// I/O thread while the current one is applied. Memory: Y plus two panels.
template <class T>
void solve_ooc(const TriangularFactor& f, const Array& b, const TriangularRhs& rhs, const Array& x,
               const ProgressFn& fn) {
  const DType dt = dtype_traits<T>::id;
  const std::int64_t n = f.matrix.rows(), k = b.cols();
  const std::int64_t bw = ooc_panel_width(n, sizeof(T), 3);
  // When both A and B are lower triangular, the rows of a column block above its first panel stay zero:
  // the panels start there, and so do their columns (the gemm would only multiply zeros: half of all the
  // flops of a triangular right-hand side).
  auto first_panel_of = [&](std::int64_t c0) { return (f.lower && rhs.lower_triangular) ? c0 / bw : 0; };
  // Progress counts 2 * (panel rows) * (panel columns) * (block columns) per step, as the loop below does.
  double planned = 0;
  for (std::int64_t c0 = 0; c0 < k; c0 += bw) {
    const std::int64_t zero_rows = first_panel_of(c0) * bw;
    for (std::int64_t I0 = zero_rows; I0 < n; I0 += bw) {
      const std::int64_t I1 = std::min(n, I0 + bw);
      planned += 2.0 * double(I1 - I0) * double(f.lower ? I1 - zero_rows : n - I0) * double(std::min(bw, k - c0));
    }
  }
  detail::ProgressCounter progress(fn, planned);
  auto& gov = MemoryGovernor::instance();
  const std::size_t panel_bytes = static_cast<std::size_t>(n) * bw * sizeof(T);
  PooledBuffer ybuf = gov.acquire_tile(panel_bytes);
  PooledBuffer slot[2] = {gov.acquire_tile(panel_bytes), gov.acquire_tile(panel_bytes)};
  T* Y = ybuf.as<T>();
  const Buffer::Lease la = Buffer::lease(f.matrix.buffer());
  const Buffer::Lease lb = Buffer::lease(b.buffer());
  const Buffer::Lease lx = Buffer::lease(x.buffer());
  const std::int64_t panels = (n + bw - 1) / bw;
  tiles::IoWorker io;

  for (std::int64_t c0 = 0; c0 < k; c0 += bw) {
    const std::int64_t w = std::min(bw, k - c0);
    tiles::read_block(b, lb, Block{0, n, c0, w}, Y, n, dt, TileLayout::ColMajor);
    if (rhs.rhs_scale != 1.0) {
      for (std::int64_t e = 0; e < n * w; ++e) Y[e] *= static_cast<T>(rhs.rhs_scale);
    }
    const std::int64_t first_panel = first_panel_of(c0);
    const std::int64_t zero_rows = first_panel * bw;
    std::vector<std::int64_t> order;
    for (std::int64_t p = first_panel; p < panels; ++p) order.push_back(f.lower ? p : panels - 1 - p);
    auto extent = [&](std::int64_t I) {
      const std::int64_t I0 = I * bw, I1 = std::min(n, I0 + bw);
      const std::int64_t col0 = f.lower ? zero_rows : I0, col1 = f.lower ? I1 : n;
      return std::array<std::int64_t, 4>{I0, I1, col0, col1};
    };
    auto queue = [&](std::size_t step) {
      const auto e = extent(order[step]);
      T* dst = slot[step % 2].as<T>();
      return io.submit([&f, &la, e, dst] { load_factor(f, la, e[0], e[1] - e[0], e[2], e[3] - e[2], dst); });
    };
    std::future<void> pending = order.empty() ? std::future<void>() : queue(0);
    for (std::size_t step = 0; step < order.size(); ++step) {
      tiles::await_io(pending);
      if (step + 1 < order.size()) pending = queue(step + 1);
      const auto [I0, I1, col0, col1] = extent(order[step]);
      const std::int64_t wi = I1 - I0, ld = col1 - col0;
      const T* P = slot[step % 2].as<T>();  // row-major wi x ld: column-major, its transpose
      const T* diag = P + (I0 - col0);
      if (!f.unit_diagonal) check_diagonal(P, ld, I0, wi, I0 - col0);
      detail::for_column_ranges(w, [&](std::int64_t a0, std::int64_t a1) {
        T* Yc = Y + a0 * n;
        if (f.lower && I0 > col0) {
          lapack::gemm<T>('T', 'N', wi, a1 - a0, I0 - col0, T(-1), P, ld, Yc + col0, n, T(1), Yc + I0, n);
        } else if (!f.lower && I1 < n) {
          lapack::gemm<T>('T', 'N', wi, a1 - a0, n - I1, T(-1), P + wi, ld, Yc + I1, n, T(1), Yc + I0, n);
        }
        lapack::trsm<T>('L', f.lower ? 'U' : 'L', 'T', f.unit_diagonal ? 'U' : 'N', wi, a1 - a0, T(1), diag, ld,
                        Yc + I0, n);
      });
      progress.add(2.0 * double(wi) * double(ld) * double(w));
    }
    tiles::write_block(x, lx, Block{0, n, c0, w}, Y, n, dt, TileLayout::ColMajor);
  }
  progress.finish();
}

}  // namespace

Array solve_triangular(const TriangularFactor& factor, const Array& b, const TriangularRhs& rhs, LinalgMethod method,
                       const ProgressFn& progress) {
  const Array& a = factor.matrix;
  check_square(a, "solve_triangular");
  const std::int64_t n = a.rows();
  const Array b2 = b.ndim() == 1 ? tiles::transpose_view(b) : b;
  if (b2.rows() != n) {
    throw ValueError("solve_triangular: shapes of a (" + std::to_string(n) + ", " + std::to_string(n) + ") and b (" +
                     std::to_string(b2.rows()) + (b.ndim() == 1 ? ",)" : ", " + std::to_string(b2.cols()) + ")") +
                     " are incompatible: b needs " + std::to_string(n) + " rows");
  }
  const bool shifted = factor.scale != 1.0 || factor.identity_plus || rhs.rhs_scale != 1.0;
  DType dt = factor_dtype(promote_types(a.dtype(), b.dtype()));
  if (shifted && (dt == DType::Float32 || dt == DType::Complex64)) dt = dt == DType::Float32 ? DType::Float64 : DType::Complex128;
  const std::int64_t k = b2.cols();
  Array x;
  {
    const Buffer::Lease pin_a = Buffer::lease(a.buffer()), pin_b = Buffer::lease(b.buffer());
    x = b.ndim() == 1 ? Array::zeros(dt, 1, 1, n) : Array::zeros(dt, 2, n, k);
  }
  if (n == 0 || k == 0) return x;
  const Array x2 = b.ndim() == 1 ? tiles::transpose_view(x) : x;
  const std::uint64_t direct_bytes = static_cast<std::uint64_t>(n) * (n + k) * itemsize(dt);
  const bool direct = use_direct_path(method, direct_bytes);
  auto run = [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (direct) solve_direct<T>(factor, b2, rhs, x2);
    else solve_ooc<T>(factor, b2, rhs, x2, progress);
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
