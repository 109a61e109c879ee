// Unit tests of the out-of-core LU (core/kernels/lu_ooc.hpp) and the inverse, solve and slogdet built on it,
// run under AddressSanitizer at sizes that take many panels under a 1 MiB budget, with an odd order so the
// last panel is partial. The panels live in pooled tile buffers, which ASan watches only because the pool
// poisons what a borrower may not touch (storage/buffer_pool.cpp): an overrun of a panel is reported here.
// Results are checked against naive loops (residuals) and against LAPACK in RAM (the direct path).
#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <memory>
#include <random>
#include <vector>

#include "core/array.hpp"
#include "core/governor.hpp"
#include "core/kernels/det.hpp"
#include "core/kernels/inverse.hpp"
#include "core/kernels/lu_ooc.hpp"
#include "core/kernels/solve.hpp"
#include "storage/buffer_pool.hpp"
#include "storage/errors.hpp"
#include "test_support.hpp"

using namespace pycauset;
using cdouble = std::complex<double>;

namespace {

// 1 MiB, the smallest budget: a 371 x 371 float64 matrix (1.05 MiB) does not fit, and four panels of
// 371 x b elements fit only for b up to 88, so there are 3 panels (float32) to 9 (complex128), the last
// one partial, and an input placed in RAM is spilled.
constexpr std::uint64_t kBudget = 1ull << 20;
constexpr std::int64_t kOrder = 371;
const DType kFloatTypes[] = {DType::Float32, DType::Float64, DType::Complex64, DType::Complex128};

/// Sets the smallest budget for one case, and on leaving checks that every tile went back to the pool
/// and every spill file (inputs, the LU's factor file, spilled results) was removed.
struct SmallBudget {
  SmallBudget() {
    BufferPool::instance().trim(0);
    MemoryGovernor::instance().set_limit(kBudget);
  }
  ~SmallBudget() {
    CHECK_EQ(BufferPool::instance().held_bytes(), BufferPool::instance().cached_bytes());
    CHECK_EQ(MemoryGovernor::instance().info().file_objects, 0u);
    MemoryGovernor::instance().set_limit(std::nullopt);
  }
};

/// Whether the arrays in RAM and the pool's tiles (on loan and cached) fit the budget together.
bool within_budget() {
  const MemoryInfo info = MemoryGovernor::instance().info();
  return info.ram_bytes + info.scratch_bytes <= info.budget;
}

bool complex_dtype(DType dtype) { return dtype == DType::Complex64 || dtype == DType::Complex128; }

/// Machine epsilon of the dtype a factorisation computes in.
double epsilon(DType dtype) {
  return dtype == DType::Float32 || dtype == DType::Complex64 ? std::numeric_limits<float>::epsilon()
                                                              : std::numeric_limits<double>::epsilon();
}

StridedRegion complex_region(std::vector<cdouble>& values, std::int64_t rows, std::int64_t cols) {
  StridedRegion r;
  r.data = reinterpret_cast<std::byte*>(values.data());
  r.dtype = DType::Complex128;
  r.rows = rows;
  r.cols = cols;
  r.row_stride = cols * static_cast<std::int64_t>(sizeof(cdouble));
  r.col_stride = sizeof(cdouble);
  return r;
}

/// Row-major values, uniform in [-1, 1) (imaginary parts too for complex dtypes; integers in [-9, 9]).
/// Such matrices need row interchanges at almost every step, and many cross panel boundaries.
std::vector<cdouble> random_values(DType dtype, std::int64_t rows, std::int64_t cols, unsigned seed) {
  std::mt19937_64 engine(seed);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  std::vector<cdouble> values(static_cast<std::size_t>(rows * cols));
  for (auto& v : values) {
    if (dtype == DType::Int32) {
      v = std::round(9 * uniform(engine));
    } else {
      const double re = uniform(engine);
      v = complex_dtype(dtype) ? cdouble(re, uniform(engine)) : cdouble(re);
    }
  }
  return values;
}

/// An array of `dtype` at `where` holding `values` (converted from complex128 as NumPy's unsafe cast).
Array make(DType dtype, int ndim, std::int64_t rows, std::int64_t cols, Placement where, std::vector<cdouble> values) {
  Array a = Array::zeros(dtype, ndim, rows, cols, where);
  Buffer::Lease lease = Buffer::lease(a.buffer());
  copy_region(complex_region(values, rows, cols), region_of(a, lease.data()));
  return a;
}

/// Read any array back as complex128, row-major.
std::vector<cdouble> load(const Array& a) {
  std::vector<cdouble> values(static_cast<std::size_t>(a.size()));
  Buffer::Lease lease = Buffer::lease(a.buffer());
  copy_region(region_of(a, lease.data()), complex_region(values, a.rows(), a.cols()));
  return values;
}

/// Row-major product of an (m x k) and a (k x n) matrix: naive loops over real and imaginary parts held
/// apart (so the test goes through neither the BLAS it checks nor complex-multiply library calls).
std::vector<cdouble> multiply(const std::vector<cdouble>& x, const std::vector<cdouble>& y, std::int64_t m,
                              std::int64_t k, std::int64_t n) {
  std::vector<double> y_re(y.size()), y_im(y.size());
  for (std::size_t i = 0; i < y.size(); ++i) {
    y_re[i] = y[i].real();
    y_im[i] = y[i].imag();
  }
  std::vector<double> re(static_cast<std::size_t>(m * n), 0.0), im(re.size(), 0.0);
  for (std::int64_t i = 0; i < m; ++i) {
    double* out_re = &re[i * n];
    double* out_im = &im[i * n];
    for (std::int64_t l = 0; l < k; ++l) {
      const double xr = x[i * k + l].real(), xi = x[i * k + l].imag();
      const double* row_re = &y_re[l * n];
      const double* row_im = &y_im[l * n];
      for (std::int64_t j = 0; j < n; ++j) {
        out_re[j] += xr * row_re[j] - xi * row_im[j];
        out_im[j] += xr * row_im[j] + xi * row_re[j];
      }
    }
  }
  std::vector<cdouble> out(re.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = cdouble(re[i], im[i]);
  return out;
}

/// Largest row sum of |entries| (the infinity norm) of a row-major matrix.
double norm_inf(const std::vector<cdouble>& x, std::int64_t rows, std::int64_t cols) {
  double best = 0;
  for (std::int64_t i = 0; i < rows; ++i) {
    double sum = 0;
    for (std::int64_t j = 0; j < cols; ++j) sum += std::abs(x[i * cols + j]);
    best = std::max(best, sum);
  }
  return best;
}

double max_abs(const std::vector<cdouble>& x) {
  double best = 0;
  for (const cdouble& v : x) best = std::max(best, std::abs(v));
  return best;
}

/// Panel width the kernels choose for order n of `dtype` now (they ask for four panels).
std::int64_t budget_panel_width(std::int64_t n, DType dtype) {
  return ooc_panel_width(n, static_cast<int>(itemsize(dtype)), 4);
}

/// A panel partition with many panels and a partial last one: what these tests are for.
void check_partition(std::int64_t n, std::int64_t b) {
  CHECK(b >= 1);
  CHECK((n + b - 1) / b >= 3);
  CHECK(n % b != 0);
}

/// Read all factors of `lu` (rows 0:N of every panel) as the dense column-major N x N matrix L\U of M.
template <class T>
std::vector<T> read_factors(const OocLu<T>& lu) {
  const std::int64_t n = lu.order();
  std::vector<T> f(static_cast<std::size_t>(n * n));
  // read_panel fills a window aligned for unbuffered reads and returns where the panel is in it.
  const std::size_t bytes = (lu.stream_window_bytes() + 4095) / 4096 * 4096;
  std::unique_ptr<std::byte, decltype(&std::free)> window(static_cast<std::byte*>(std::aligned_alloc(4096, bytes)),
                                                          &std::free);
  CHECK(window != nullptr);
  for (std::int64_t k = 0; k < lu.panel_count(); ++k) {
    const T* panel = lu.read_panel(k, 0, n, window.get());  // column-major, leading dimension n
    const std::int64_t w = lu.panel_end(k) - lu.panel_begin(k);
    std::copy(panel, panel + w * n, f.data() + lu.panel_begin(k) * n);
  }
  return f;
}

/// max |L U - P^T M| / (n eps max|M|) for factors of M = A^T (column-major f = L\U, pivots as OocLu's).
template <class T>
double factor_residual(const OocLu<T>& lu, const std::vector<cdouble>& a_row_major, DType dtype) {
  const std::int64_t n = lu.order();
  const std::vector<T> f = read_factors(lu);
  // P^T M, column-major: M(i, j) = A(j, i) = a[j * n + i]; rows interchanged in order.
  std::vector<cdouble> pm(static_cast<std::size_t>(n * n));
  for (std::int64_t j = 0; j < n; ++j) {
    for (std::int64_t i = 0; i < n; ++i) pm[j * n + i] = a_row_major[j * n + i];
  }
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t p = lu.pivots()[i];
    CHECK(p >= i && p < n);
    if (p != i) {
      for (std::int64_t j = 0; j < n; ++j) std::swap(pm[j * n + i], pm[j * n + p]);
    }
  }
  double worst = 0;
  for (std::int64_t j = 0; j < n; ++j) {
    for (std::int64_t i = 0; i < n; ++i) {
      cdouble sum = 0;  // (L U)(i, j) = sum over l <= min(i, j) of L(i, l) U(l, j), L unit lower
      for (std::int64_t l = 0; l <= std::min(i, j); ++l) {
        const cdouble lil = l == i ? cdouble(1) : cdouble(f[l * n + i]);
        sum += lil * cdouble(f[j * n + l]);
      }
      worst = std::max(worst, std::abs(sum - pm[j * n + i]));
    }
  }
  for (std::int64_t i = 0; i < n; ++i) CHECK(lu.diagonal()[i] == f[i * n + i]);
  return worst / (static_cast<double>(n) * epsilon(dtype) * max_abs(a_row_major));
}

/// Whether some interchange swaps a row of one panel with a row of a later panel.
template <class T>
bool pivots_cross_panels(const OocLu<T>& lu) {
  for (std::int64_t i = 0; i < lu.order(); ++i) {
    if (lu.pivots()[i] >= lu.panel_end(i / lu.panel_width())) return true;
  }
  return false;
}

template <class T>
void check_factors(DType dtype, std::int64_t n, std::int64_t panel_width, Placement where, unsigned seed) {
  Array a = make(dtype, 2, n, n, where, random_values(dtype, n, n, seed));
  const std::vector<cdouble> values = load(a);
  detail::ProgressCounter progress({}, 1.0);
  OocLu<T> lu(a, panel_width, progress, /*stop_on_singular=*/true);
  CHECK(!lu.singular());
  if (lu.panel_count() > 1) CHECK(pivots_cross_panels(lu));
  // Rounding gives 0.1-0.3 here (|L| |U| exceeds max|M| a little); one wrong element gives ~1 / (n eps).
  const double residual = factor_residual(lu, values, dtype);
  CHECK(residual < 10.0);
  if (!(residual < 10.0)) {
    std::fprintf(stderr, "  n=%lld b=%lld: residual %g\n", static_cast<long long>(n),
                 static_cast<long long>(panel_width), residual);
  }
}

}  // namespace

TEST_CASE(budget_gives_many_panels_and_a_partial_last_one) {
  SmallBudget budget;
  for (DType dtype : kFloatTypes) check_partition(kOrder, budget_panel_width(kOrder, dtype));
  // Panels never exceed what the budget allows: four of them fit beside nothing else in RAM.
  const std::int64_t b = budget_panel_width(kOrder, DType::Float64);
  CHECK(4 * static_cast<std::uint64_t>(kOrder) * b * 8 <= kBudget);
}

TEST_CASE(factors_reproduce_the_matrix_for_every_panel_width) {
  SmallBudget budget;
  // A width of BLAS blocks, an odd width, one column per panel, and a single panel; file and RAM input.
  const std::int64_t n = 157;
  for (std::int64_t b : {std::int64_t{64}, std::int64_t{37}, std::int64_t{1}, n}) {
    check_factors<double>(DType::Float64, n, b, Placement::File, 11);
    check_factors<double>(DType::Float64, n, b, Placement::Auto, 12);
  }
  check_factors<std::complex<float>>(DType::Complex64, kOrder, budget_panel_width(kOrder, DType::Complex64),
                                     Placement::File, 13);
}

TEST_CASE(inverse_of_every_dtype_has_a_small_residual) {
  SmallBudget budget;
  const std::int64_t n = kOrder;
  const DType inputs[] = {DType::Float32, DType::Float64, DType::Complex64, DType::Complex128, DType::Int32};
  unsigned seed = 100;
  for (DType dtype : inputs) {
    for (Placement where : {Placement::File, Placement::Auto}) {
      Array a = make(dtype, 2, n, n, where, random_values(dtype, n, n, ++seed));
      const std::vector<cdouble> values = load(a);  // as rounded to dtype
      Array x = inverse(a, LinalgMethod::OutOfCore);
      CHECK(within_budget());  // the result goes to RAM only if it fits beside the panels
      const DType computed = dtype == DType::Int32 ? DType::Float64 : dtype;
      CHECK(x.dtype() == computed);
      CHECK_EQ(x.rows(), n);
      CHECK_EQ(x.cols(), n);
      const std::vector<cdouble> xv = load(x);
      // Each column of inv(A^T) solves a system backward stably, so X A - I (the transpose of
      // A^T X^T - I) is small relative to n eps |X| |A|; a misplaced element makes it O(1). Applied to
      // random vectors (Freivalds): X (A v) - v costs n^2, and sees every element of X and A.
      const std::vector<cdouble> vs = random_values(DType::Complex128, n, 3, seed);
      const std::vector<cdouble> r = multiply(xv, multiply(values, vs, n, n, 3), n, n, 3);
      double worst = 0;
      for (std::size_t i = 0; i < r.size(); ++i) worst = std::max(worst, std::abs(r[i] - vs[i]));
      const double ratio = worst / (n * epsilon(computed) * norm_inf(xv, n, n) * norm_inf(values, n, n));
      CHECK(ratio < 1.0);
      if (!(ratio < 1.0)) std::fprintf(stderr, "  inverse dtype %d: residual ratio %g\n", int(dtype), ratio);
      CHECK(load(a) == values);  // the input is never modified
    }
  }
}

TEST_CASE(solve_with_many_right_hand_sides_and_a_vector_has_a_small_residual) {
  SmallBudget budget;
  const std::int64_t n = 379, k = 150;  // k spans several right-hand blocks of the panel width
  unsigned seed = 200;
  for (DType dtype : kFloatTypes) {
    check_partition(n, budget_panel_width(n, dtype));
    const std::vector<cdouble> av = random_values(dtype, n, n, ++seed);
    const std::vector<cdouble> bv = random_values(dtype, n, k, ++seed);
    Array a = make(dtype, 2, n, n, Placement::File, av);
    Array b = make(dtype, 2, n, k, Placement::File, bv);
    const std::vector<cdouble> a_stored = load(a), b_stored = load(b);  // as rounded to dtype
    Array x = solve(a, b, LinalgMethod::OutOfCore);
    CHECK(within_budget());
    CHECK_EQ(x.rows(), n);
    CHECK_EQ(x.cols(), k);
    const std::vector<cdouble> xv = load(x);
    // Backward stable per column: |A X - B| <= n eps |A| |X| elementwise, roughly. Applied to random
    // vectors u (Freivalds): |(A X - B) u| <= max|A X - B| sum|u|, at a cost of n (n + k) per vector.
    const std::vector<cdouble> us = random_values(DType::Complex128, k, 2, seed);
    const std::vector<cdouble> axu = multiply(a_stored, multiply(xv, us, n, k, 2), n, n, 2);
    const std::vector<cdouble> bu = multiply(b_stored, us, n, k, 2);
    double worst = 0, u_sum = 0;
    for (std::size_t i = 0; i < axu.size(); ++i) worst = std::max(worst, std::abs(axu[i] - bu[i]));
    for (const cdouble& u : us) u_sum += std::abs(u);  // both vectors: at least the larger sum
    const double ratio = worst / (n * epsilon(dtype) * norm_inf(a_stored, n, n) * max_abs(xv) * u_sum);
    CHECK(ratio < 1.0);
    if (!(ratio < 1.0)) std::fprintf(stderr, "  solve dtype %d: residual ratio %g\n", int(dtype), ratio);
    CHECK(load(b) == b_stored);

    // A vector right-hand side (stored 1 x n): one column. A real and a complex dtype suffice.
    if (dtype != DType::Float64 && dtype != DType::Complex64) continue;
    const std::vector<cdouble> vv = random_values(dtype, 1, n, ++seed);
    Array v = make(dtype, 1, 1, n, Placement::Auto, vv);
    const std::vector<cdouble> v_stored = load(v);
    Array y = solve(a, v, LinalgMethod::OutOfCore);
    CHECK_EQ(y.ndim(), 1);
    const std::vector<cdouble> yv = load(y);
    std::vector<cdouble> rv = multiply(a_stored, yv, n, n, 1);
    for (std::int64_t i = 0; i < n; ++i) rv[i] -= v_stored[i];
    CHECK(max_abs(rv) / (n * epsilon(dtype) * norm_inf(a_stored, n, n) * max_abs(yv)) < 1.0);
  }
}

TEST_CASE(slogdet_matches_lapack_in_ram) {
  SmallBudget budget;
  const std::int64_t n = 517;  // larger: det needs no residual loop
  unsigned seed = 300;
  for (DType dtype : kFloatTypes) {
    check_partition(n, budget_panel_width(n, dtype));
    Array a = make(dtype, 2, n, n, Placement::File, random_values(dtype, n, n, ++seed));
    const SlogdetResult ooc = slogdet(a, LinalgMethod::OutOfCore);
    CHECK(within_budget());
    const SlogdetResult direct = slogdet(a, LinalgMethod::Direct);  // getrf on a RAM copy
    // Both run partial pivoting on the same matrix, in a different order of operations.
    const double tolerance = 1e4 * epsilon(dtype);
    CHECK(std::abs(ooc.sign - direct.sign) < tolerance);
    CHECK(std::abs(std::abs(ooc.sign) - 1.0) < tolerance);
    CHECK(std::abs(ooc.logabsdet - direct.logabsdet) < tolerance * std::abs(direct.logabsdet));
    if (!complex_dtype(dtype)) CHECK(ooc.sign == direct.sign);
  }
}

TEST_CASE(a_zero_row_in_the_last_panel_is_singular) {
  SmallBudget budget;
  const std::int64_t n = kOrder;
  for (DType dtype : {DType::Float64, DType::Complex64}) {
    std::vector<cdouble> values = random_values(dtype, n, n, 400);
    // Row n - 2 of A is column n - 2 of M = A^T: a zero column gives an exactly zero pivot in the
    // partial last panel, after every update from the panels before it.
    for (std::int64_t j = 0; j < n; ++j) values[(n - 2) * n + j] = 0.0;
    Array a = make(dtype, 2, n, n, Placement::File, values);
    CHECK_THROWS_AS(inverse(a, LinalgMethod::OutOfCore), LinAlgError,
                    { CHECK(contains(error.what(), "Singular matrix")); });
    Array b = make(dtype, 2, n, 3, Placement::Auto, random_values(dtype, n, 3, 401));
    CHECK_THROWS_AS(solve(a, b, LinalgMethod::OutOfCore), LinAlgError);
    const SlogdetResult d = slogdet(a, LinalgMethod::OutOfCore);
    CHECK(d.sign == 0.0);
    CHECK(std::isinf(d.logabsdet) && d.logabsdet < 0);
  }
}
