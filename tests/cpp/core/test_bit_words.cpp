// Unit tests of core/bits/bit_words.cpp: gathering and scattering word rows at every bit offset, the
// 64 x 64 transpose, popcounts and nonzero spans.
#include "core/bits/bit_words.hpp"

#include <random>
#include <vector>

#include "test_support.hpp"

using namespace pycauset::bits;

namespace {

int packed_bit(const std::vector<std::uint8_t>& bytes, std::uint64_t index) {
  return (bytes[index / 8] >> (7 - index % 8)) & 1;
}

int word_bit(const std::vector<std::uint64_t>& words, std::int64_t index) {
  return static_cast<int>((words[static_cast<std::size_t>(index / 64)] >> (63 - index % 64)) & 1u);
}

}  // namespace

TEST_CASE(gather_matches_the_packed_bits_at_every_offset_and_length) {
  std::mt19937_64 rng(3);
  std::vector<std::uint8_t> bytes(40);
  for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
  int mismatches = 0;
  for (std::uint64_t offset = 0; offset < 70; ++offset) {
    for (std::int64_t n = 1; offset + n <= 8 * bytes.size() && n <= 200; n += 7) {
      // Exactly the bytes holding the bits, so a read past them would be caught by ASan.
      const std::uint64_t first = offset / 8, last = (offset + n + 7) / 8;
      std::vector<std::uint8_t> exact(bytes.begin() + first, bytes.begin() + last);
      std::vector<std::uint64_t> words(static_cast<std::size_t>(words_for(n)), ~0ull);
      gather_bits(exact.data(), offset - 8 * first, n, words.data());
      for (std::int64_t i = 0; i < n; ++i) mismatches += word_bit(words, i) != packed_bit(bytes, offset + i);
      for (std::int64_t i = n; i < 64 * words_for(n); ++i) mismatches += word_bit(words, i) != 0;  // padding clear
    }
  }
  CHECK_EQ(mismatches, 0);
}

TEST_CASE(scatter_writes_only_its_bits) {
  std::mt19937_64 rng(4);
  int mismatches = 0;
  for (std::uint64_t offset = 0; offset < 70; ++offset) {
    for (std::int64_t n = 1; n <= 200; n += 5) {
      std::vector<std::uint64_t> words(static_cast<std::size_t>(words_for(n)));
      for (auto& w : words) w = rng();
      std::vector<std::uint8_t> bytes(48), before;
      for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
      before = bytes;
      scatter_bits(words.data(), n, bytes.data(), offset);
      for (std::uint64_t i = 0; i < 8 * bytes.size(); ++i) {
        const bool inside = i >= offset && i < offset + n;
        const int expected = inside ? word_bit(words, static_cast<std::int64_t>(i - offset)) : packed_bit(before, i);
        mismatches += packed_bit(bytes, i) != expected;
      }
    }
  }
  CHECK_EQ(mismatches, 0);
}

TEST_CASE(transpose_64x64_swaps_rows_and_columns) {
  std::mt19937_64 rng(5);
  std::uint64_t block[64], original[64];
  for (int r = 0; r < 64; ++r) original[r] = block[r] = rng();
  transpose_64x64(block);
  int mismatches = 0;
  for (int r = 0; r < 64; ++r) {
    for (int c = 0; c < 64; ++c) {
      mismatches += ((block[c] >> (63 - r)) & 1u) != ((original[r] >> (63 - c)) & 1u);
    }
  }
  CHECK_EQ(mismatches, 0);
  transpose_64x64(block);
  for (int r = 0; r < 64; ++r) CHECK_EQ(block[r], original[r]);
}

TEST_CASE(popcount_and_nonzero_span) {
  const std::vector<std::uint64_t> words = {0, 0, 0x8000000000000001ull, 0, 0xffull, 0};
  CHECK_EQ(popcount_words(words.data(), 6), 10u);
  const WordSpan span = nonzero_span(words.data(), 6);
  CHECK_EQ(span.first, 2);
  CHECK_EQ(span.last, 4);
  const std::vector<std::uint64_t> zeros(3, 0);
  CHECK(nonzero_span(zeros.data(), 3).empty());
}
