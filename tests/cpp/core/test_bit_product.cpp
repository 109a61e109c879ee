// Unit tests of core/bits: the count kernels of every instruction set against a naive count, and the bit
// product with each epilogue against a dense reference, on RAM arrays at word and block edges.
#include "core/bits/bit_product.hpp"

#include <cmath>
#include <random>
#include <vector>

#include "core/bits/count_kernels.hpp"
#include "core/kernels/bits_internal.hpp"
#include "test_support.hpp"

using namespace pycauset;
using namespace pycauset::bits;

namespace {

/// A RAM bool array from a dense 0/1 matrix.
Array make_bits(const std::vector<std::uint8_t>& dense, std::int64_t rows, std::int64_t cols) {
  Array a = Array::zeros(DType::Bool, 2, rows, cols, Placement::Ram);
  const Buffer::Lease lease = Buffer::lease(a.buffer());
  auto* bytes = reinterpret_cast<std::uint8_t*>(lease.data());
  for (std::int64_t i = 0; i < rows * cols; ++i) set_bit(bytes, i, dense[static_cast<std::size_t>(i)] != 0);
  return a;
}

std::vector<std::uint8_t> random_dense(std::int64_t n, double p, unsigned seed) {
  std::mt19937 rng(seed);
  std::bernoulli_distribution bit(p);
  std::vector<std::uint8_t> out(static_cast<std::size_t>(n));
  for (auto& x : out) x = bit(rng);
  return out;
}

std::vector<std::int64_t> dense_counts(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b,
                                       std::int64_t m, std::int64_t k, std::int64_t n) {
  std::vector<std::int64_t> c(static_cast<std::size_t>(m * n), 0);
  for (std::int64_t i = 0; i < m; ++i)
    for (std::int64_t l = 0; l < k; ++l)
      if (a[static_cast<std::size_t>(i * k + l)])
        for (std::int64_t j = 0; j < n; ++j) c[static_cast<std::size_t>(i * n + j)] += b[static_cast<std::size_t>(l * n + j)];
  return c;
}

}  // namespace

TEST_CASE(every_count_kernel_matches_a_naive_count) {
  std::mt19937_64 rng(11);
  const std::int64_t m = 7, n = 9, kw = 21;  // edges of the 4x4 and 3x3 register blocks, a masked tail
  std::vector<std::uint64_t> a(static_cast<std::size_t>(m * kw)), b(static_cast<std::size_t>(n * kw));
  for (auto& w : a) w = rng();
  for (auto& w : b) w = rng();
  std::vector<std::int32_t> expected(static_cast<std::size_t>(m * n), 5);
  for (std::int64_t i = 0; i < m; ++i)
    for (std::int64_t j = 0; j < n; ++j)
      for (std::int64_t w = 0; w < kw; ++w)
        expected[static_cast<std::size_t>(i * n + j)] += __builtin_popcountll(a[i * kw + w] & b[j * kw + w]);
  for (CountKernel kernel : {CountKernel::Scalar, CountKernel::Avx2, CountKernel::Avx512Vpopcntdq}) {
    if (static_cast<int>(kernel) > static_cast<int>(count_kernel())) continue;  // not on this CPU
    std::vector<std::int32_t> c(static_cast<std::size_t>(m * n), 5);
    count_block(kernel)(m, n, kw, a.data(), kw, b.data(), kw, c.data(), n);
    CHECK(c == expected);
  }
}

TEST_CASE(histogram_max_and_weighted_sum_match_the_dense_counts) {
  const std::int64_t m = 70, k = 130, n = 300;
  const auto a = random_dense(m * k, 0.5, 1), b = random_dense(k * n, 0.3, 2), mask = random_dense(m * n, 0.5, 3);
  const Array A = make_bits(a, m, k), B = make_bits(b, k, n), M = make_bits(mask, m, n);
  const auto counts = dense_counts(a, b, m, k, n);
  const std::int64_t kmax = 20;
  Histogram histogram(&M, false, kmax);
  bit_product(A, B, histogram);
  std::vector<std::int64_t> expected(kmax + 2, 0);
  MaxCount::Result best;
  long double sum = 0;
  const std::vector<double> weights = {1.5, -2.0, 0.25};
  for (std::int64_t e = 0; e < m * n; ++e) {
    if (!mask[static_cast<std::size_t>(e)]) continue;
    const std::int64_t c = counts[static_cast<std::size_t>(e)];
    ++expected[static_cast<std::size_t>(std::min(c, kmax + 1))];
    if (c > best.count) best = {c, e / n, e % n};
    sum += weights[static_cast<std::size_t>(std::min<std::int64_t>(c, 2))];
  }
  CHECK(histogram.bins() == expected);
  MaxCount max(&M, false);
  bit_product(A, B, max);
  CHECK_EQ(max.result().count, best.count);
  CHECK_EQ(max.result().i, best.i);
  CHECK_EQ(max.result().j, best.j);
  WeightedSum weighted(&M, false, weights);
  bit_product(A, B, weighted);
  CHECK(std::abs(static_cast<double>(weighted.total() - sum)) < 1e-9);
}

TEST_CASE(stored_counts_and_predicate_match_the_dense_counts) {
  const std::int64_t m = 65, k = 64, n = 129;
  const auto a = random_dense(m * k, 0.2, 4), b = random_dense(k * n, 0.2, 5);
  const Array A = make_bits(a, m, k), B = make_bits(b, k, n);
  const auto counts = dense_counts(a, b, m, k, n);
  Array stored = Array::zeros(DType::Int32, 2, m, n, Placement::Ram);
  auto store = store_counts(stored);
  bit_product(A, B, *store);
  Array zero = Array::zeros(DType::Bool, 2, m, n, Placement::Ram);
  auto predicate = store_predicate(zero, nullptr, false);
  bit_product(A, B, *predicate);
  const Buffer::Lease s = Buffer::lease(stored.buffer()), z = Buffer::lease(zero.buffer());
  const auto* values = reinterpret_cast<const std::int32_t*>(s.data());
  const auto* bits = reinterpret_cast<const std::uint8_t*>(z.data());
  int mismatches = 0;
  for (std::int64_t e = 0; e < m * n; ++e) {
    mismatches += values[e] != counts[static_cast<std::size_t>(e)];
    mismatches += get_bit(bits, e) != (counts[static_cast<std::size_t>(e)] == 0);
  }
  CHECK_EQ(mismatches, 0);
}

TEST_CASE(strictly_upper_declaration_is_checked) {
  const std::int64_t n = 1000;  // several bands and column blocks, so that zero blocks exist
  std::vector<std::uint8_t> c(static_cast<std::size_t>(n * n), 0);
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = i + 1; j < n; j += 3) c[static_cast<std::size_t>(i * n + j)] = 1;
  const Array C = make_bits(c, n, n);
  Histogram ok(nullptr, false, 3);
  const BitProductStats stats = bit_product(C, C, ok, {}, true);
  CHECK(stats.bit_triples < stats.full_triples / 2);
  c[static_cast<std::size_t>(400 * n + 400)] = 1;
  const Array bad = make_bits(c, n, n);
  Histogram refused(nullptr, false, 3);
  CHECK_THROWS_AS(bit_product(bad, bad, refused, {}, true), ValueError);
}
