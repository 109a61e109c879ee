// Unit tests of core/causet: packed words at every bit offset, the causal matrix against pair-by-pair tests
// (every dimension, periodic or not, word and band edges, RAM and file), counts, the longest chain, and
// the validation of the kernel's inputs.
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/causet/longest_chain.hpp"
#include "core/causet/packed_bits_internal.hpp"
#include "core/causet/relations.hpp"
#include "core/kernels/bits_internal.hpp"
#include "test_support.hpp"

using namespace pycauset;
using namespace pycauset::causet;

namespace {

/// n random points of [0, 1)^d sorted by t, row-major.
std::vector<double> sorted_points(std::int64_t n, int d, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<std::vector<double>> rows(static_cast<std::size_t>(n), std::vector<double>(static_cast<std::size_t>(d)));
  for (auto& row : rows)
    for (auto& v : row) v = uniform(rng);
  std::sort(rows.begin(), rows.end());
  std::vector<double> flat;
  for (const auto& row : rows) flat.insert(flat.end(), row.begin(), row.end());
  return flat;
}

/// The relation of one pair, written out as the definition says.
bool precedes(const std::vector<double>& p, int d, std::int64_t i, std::int64_t j, const std::vector<double>& periods) {
  const double dt = p[static_cast<std::size_t>(j * d)] - p[static_cast<std::size_t>(i * d)];
  double interval = dt * dt;
  for (int a = 1; a < d; ++a) {
    double dx = std::fabs(p[static_cast<std::size_t>(j * d + a)] - p[static_cast<std::size_t>(i * d + a)]);
    if (periods[static_cast<std::size_t>(a - 1)] > 0) dx = std::min(dx, periods[static_cast<std::size_t>(a - 1)] - dx);
    interval -= dx * dx;
  }
  return dt > 0 && interval > 0;
}

/// All bits of a bool array, row-major (read through the store, so file-backed arrays work too).
std::vector<std::uint8_t> bits_of(const Array& a) {
  const Buffer::Lease lease = Buffer::lease(a.buffer());
  std::vector<std::uint8_t> bytes(a.buffer()->nbytes());
  if (!bytes.empty()) lease.store().read_at(0, bytes.data(), bytes.size());
  std::vector<std::uint8_t> out(static_cast<std::size_t>(a.size()));
  for (std::int64_t k = 0; k < a.size(); ++k) out[static_cast<std::size_t>(k)] = get_bit(bytes.data(), k);
  return out;
}

}  // namespace

TEST_CASE(packed_words_load_and_store_at_every_bit_offset) {
  std::mt19937_64 rng(3);
  for (int offset = 0; offset < 16; ++offset) {
    const std::uint64_t word = rng();
    std::vector<std::uint8_t> bytes(16 + 9, 0);
    detail::or_word_at(bytes.data(), offset, word);
    for (int k = 0; k < 64; ++k) CHECK_EQ(int(get_bit(bytes.data(), offset + k)), int((word >> (63 - k)) & 1));
    for (int k = 0; k < offset; ++k) CHECK_EQ(int(get_bit(bytes.data(), k)), 0);
    CHECK_EQ(detail::load_word_at(bytes.data(), offset), word);
  }
  CHECK_EQ(detail::leading_ones(0), 0ull);
  CHECK_EQ(detail::leading_ones(3), 0xE000000000000000ull);
  CHECK_EQ(detail::leading_ones(64), ~0ull);
}

TEST_CASE(causal_matrix_equals_the_pairwise_definition) {
  for (int d = 2; d <= 4; ++d) {
    for (std::int64_t n : {1, 2, 7, 8, 9, 63, 64, 65, 130, 300}) {
      for (double period : {0.0, 1.0}) {
        const std::vector<double> periods(static_cast<std::size_t>(d - 1), period);
        const std::vector<double> p = sorted_points(n, d, static_cast<unsigned>(n * 10 + d));
        const Array c = causal_matrix(p.data(), n, d, periods);
        REQUIRE(c.dtype() == DType::Bool && c.rows() == n && c.cols() == n);
        const std::vector<std::uint8_t> bits = bits_of(c);
        std::int64_t mismatches = 0, relations = 0;
        for (std::int64_t i = 0; i < n; ++i)
          for (std::int64_t j = 0; j < n; ++j) {
            const bool want = precedes(p, d, i, j, periods);
            relations += want;
            mismatches += bits[static_cast<std::size_t>(i * n + j)] != want;
          }
        CHECK_EQ(mismatches, 0);
        CHECK_EQ(count_true(c), static_cast<std::uint64_t>(relations));
        CHECK_EQ(count_true_on_or_below_diagonal(c), 0ull);
      }
    }
  }
}

TEST_CASE(a_file_backed_causal_matrix_equals_the_ram_one) {
  const std::int64_t n = 3001;  // 1.07 MiB of bits
  const std::vector<double> p = sorted_points(n, 3, 5);
  const Array ram = causal_matrix(p.data(), n, 3, {0.0, 0.0});
  MemoryGovernor::instance().set_limit(1ull << 20);  // 1 MiB: the result cannot live in RAM
  const Array file = causal_matrix(p.data(), n, 3, {0.0, 0.0});
  CHECK(file.is_file());
  CHECK(bits_of(file) == bits_of(ram));
  CHECK_EQ(count_true(file), count_true(ram));
  CHECK_EQ(longest_chain(file), longest_chain(ram));
  MemoryGovernor::instance().set_limit(std::nullopt);
}

TEST_CASE(counts_of_views_and_the_lower_triangle) {
  const std::int64_t n = 77;
  Array a = Array::zeros(DType::Bool, 2, n, n, Placement::Ram);
  {
    const Buffer::Lease lease = Buffer::lease(a.buffer());
    auto* bytes = reinterpret_cast<std::uint8_t*>(lease.data());
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t j = 0; j < n; ++j) set_bit(bytes, i * n + j, (i * 7 + j * 3) % 5 == 0);
  }
  std::uint64_t all = 0, lower = 0, block = 0;
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < n; ++j) {
      const bool set = (i * 7 + j * 3) % 5 == 0;
      all += set;
      lower += set && j <= i;
      block += set && i >= 3 && i < 40 && j >= 5 && j < 70;
    }
  CHECK_EQ(count_true(a), all);
  CHECK_EQ(count_true_on_or_below_diagonal(a), lower);
  CHECK_EQ(count_true(a.sliced(3, 37, 1, 5, 65, 1)), block);   // rows not back to back: copied first
  CHECK_EQ(count_true(a.transposed()), all);
  CHECK_THROWS_AS(count_true(Array::zeros(DType::Int8, 2, 2, 2)), TypeError);
  CHECK_THROWS_AS(count_true_on_or_below_diagonal(Array::zeros(DType::Bool, 2, 2, 3)), ValueError);
}

TEST_CASE(longest_chain_of_chains_antichains_and_sprinklings) {
  for (std::int64_t n : {0, 1, 2, 65, 200}) {
    Array chain = Array::zeros(DType::Bool, 2, n, n, Placement::Ram);
    const Buffer::Lease lease = Buffer::lease(chain.buffer());
    auto* bytes = reinterpret_cast<std::uint8_t*>(lease.data());
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t j = i + 1; j < n; ++j) set_bit(bytes, i * n + j, true);
    CHECK_EQ(longest_chain(chain), n);
    CHECK_EQ(longest_chain(Array::zeros(DType::Bool, 2, n, n)), n > 0 ? 1 : 0);
  }
  const std::int64_t n = 400;
  const std::vector<double> p = sorted_points(n, 2, 9);
  const Array c = causal_matrix(p.data(), n, 2, {0.0});
  std::vector<std::int64_t> height(static_cast<std::size_t>(n), 1);
  for (std::int64_t j = 0; j < n; ++j)
    for (std::int64_t i = 0; i < j; ++i)
      if (precedes(p, 2, i, j, {0.0})) height[j] = std::max(height[j], height[i] + 1);
  CHECK_EQ(longest_chain(c), *std::max_element(height.begin(), height.end()));
}

TEST_CASE(causal_matrix_rejects_bad_input) {
  const std::vector<double> unsorted = {1.0, 0.0, 0.0, 0.0};
  CHECK_THROWS_AS(causal_matrix(unsorted.data(), 2, 2, {0.0}), ValueError, {
    CHECK(std::string(error.what()).find("not sorted by time") != std::string::npos);
  });
  const std::vector<double> nan = {0.0, std::numeric_limits<double>::quiet_NaN()};
  CHECK_THROWS_AS(causal_matrix(nan.data(), 1, 2, {0.0}), ValueError);
  const std::vector<double> outside = {0.0, 1.5};
  CHECK_THROWS_AS(causal_matrix(outside.data(), 1, 2, {1.0}), ValueError, {
    CHECK(std::string(error.what()).find("periodic") != std::string::npos);
  });
  const std::vector<double> point = {0.0, 0.0, 0.0, 0.0, 0.0};
  CHECK_THROWS_AS(causal_matrix(point.data(), 1, 5, {0.0, 0.0, 0.0, 0.0}), ValueError);
  CHECK_THROWS_AS(causal_matrix(point.data(), 1, 2, {0.0, 0.0}), ValueError);
  CHECK_THROWS_AS(causal_matrix(point.data(), 1, 2, {-1.0}), ValueError);
}
