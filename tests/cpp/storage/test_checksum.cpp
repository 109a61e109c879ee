// Unit tests of storage/checksum.cpp: the CRC-32C check value, and hardware/table paths agreeing at every split.
#include "storage/checksum.hpp"

#include <cstdint>
#include <random>
#include <vector>

#include "test_support.hpp"

using pycauset::crc32c;

namespace {

/// Bit-by-bit reference CRC-32C (reflected polynomial 0x82F63B78), independent of the implementation.
std::uint32_t reference_crc(const unsigned char* p, std::size_t n) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
  }
  return ~c;
}

std::vector<unsigned char> random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 generator(seed);
  std::vector<unsigned char> out(n);
  for (auto& b : out) b = static_cast<unsigned char>(generator());
  return out;
}

}  // namespace

TEST_CASE(standard_check_value) {
  CHECK_EQ(crc32c("123456789", 9), 0xE3069283u);
  CHECK_EQ(crc32c("", 0), 0u);
  // RFC 3720 (iSCSI) test vector: 32 bytes of zeros.
  std::vector<unsigned char> zeros(32, 0);
  CHECK_EQ(crc32c(zeros.data(), zeros.size()), 0x8A9136AAu);
}

TEST_CASE(matches_reference_for_lengths_around_the_three_stream_threshold) {
  // The fast path switches at 3 x 8 KiB; check lengths on both sides and odd tails.
  auto data = random_bytes(3 * 8192 * 2 + 77, 1);
  for (std::size_t n : {1ul, 7ul, 8ul, 9ul, 4095ul, 24575ul, 24576ul, 24577ul, 49152ul, data.size()}) {
    CHECK_EQ(crc32c(data.data(), n), reference_crc(data.data(), n));
  }
}

TEST_CASE(incremental_equals_one_shot) {
  auto data = random_bytes(200000, 2);
  const std::uint32_t whole = crc32c(data.data(), data.size());
  for (std::size_t step : {1ul, 13ul, 4096ul, 30000ul}) {
    std::uint32_t running = 0;
    for (std::size_t i = 0; i < data.size(); i += step) {
      running = crc32c(data.data() + i, std::min(step, data.size() - i), running);
    }
    CHECK_EQ(running, whole);
  }
}

TEST_CASE(detects_a_single_flipped_bit) {
  auto data = random_bytes(100000, 3);
  const std::uint32_t before = crc32c(data.data(), data.size());
  data[54321] ^= 0x04;
  CHECK(crc32c(data.data(), data.size()) != before);
}
