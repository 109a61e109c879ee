// Unit tests of core/kernels/bits.cpp: packbits-order unpack/pack at every bit offset and length.
#include "core/kernels/bits_internal.hpp"

#include <random>
#include <vector>

#include "test_support.hpp"

using namespace pycauset;

namespace {

/// Bit `index` in numpy.packbits order (MSB first), computed the slow obvious way.
int reference_bit(const std::vector<std::uint8_t>& bytes, std::int64_t index) {
  return (bytes[static_cast<std::size_t>(index / 8)] >> (7 - index % 8)) & 1;
}

}  // namespace

TEST_CASE(get_and_set_bit_use_msb_first_order) {
  std::uint8_t bytes[2] = {0, 0};
  set_bit(bytes, 0, true);
  set_bit(bytes, 9, true);
  CHECK_EQ(bytes[0], 0x80);
  CHECK_EQ(bytes[1], 0x40);
  CHECK_EQ(get_bit(bytes, 0), 1);
  CHECK_EQ(get_bit(bytes, 1), 0);
  CHECK_EQ(get_bit(bytes, 9), 1);
  set_bit(bytes, 0, false);
  CHECK_EQ(bytes[0], 0);
}

TEST_CASE(unpack_matches_reference_at_every_offset_and_length) {
  std::mt19937 rng(7);
  std::vector<std::uint8_t> bytes(16);
  for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
  int mismatches = 0;
  for (std::int64_t first = 0; first < 17; ++first) {
    for (std::int64_t n = 0; n <= 100 && first + n <= 128; ++n) {
      std::vector<std::uint8_t> out(static_cast<std::size_t>(n) + 1, 0xcc);
      unpack_bits(bytes.data(), first, n, out.data());
      for (std::int64_t k = 0; k < n; ++k) mismatches += out[k] != reference_bit(bytes, first + k);
      mismatches += out[static_cast<std::size_t>(n)] != 0xcc;  // nothing written past n
    }
  }
  CHECK_EQ(mismatches, 0);
}

TEST_CASE(pack_writes_exactly_its_bits_at_every_offset_and_length) {
  std::mt19937 rng(11);
  int mismatches = 0;
  for (std::int64_t first = 0; first < 17; ++first) {
    for (std::int64_t n = 0; n <= 100 && first + n <= 128; ++n) {
      std::vector<std::uint8_t> in(static_cast<std::size_t>(n));
      for (auto& v : in) v = static_cast<std::uint8_t>(rng() & 1);
      std::vector<std::uint8_t> bytes(16), before;
      for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
      before = bytes;
      pack_bits(in.data(), n, bytes.data(), first);
      for (std::int64_t k = 0; k < 128; ++k) {
        bool inside = k >= first && k < first + n;
        int want = inside ? in[static_cast<std::size_t>(k - first)] : reference_bit(before, k);
        mismatches += reference_bit(bytes, k) != want;
      }
    }
  }
  CHECK_EQ(mismatches, 0);
}

TEST_CASE(pack_then_unpack_round_trips_long_runs) {
  const std::int64_t n = 100003;
  std::vector<std::uint8_t> in(n), out(n);
  std::mt19937 rng(3);
  for (auto& v : in) v = static_cast<std::uint8_t>(rng() & 1);
  std::vector<std::uint8_t> bytes((n + 5 + 7) / 8, 0);
  pack_bits(in.data(), n, bytes.data(), 5);
  unpack_bits(bytes.data(), 5, n, out.data());
  CHECK(in == out);
}

TEST_CASE(pack_treats_every_nonzero_byte_as_true) {
  // NumPy bool arrays viewed from uint8 hold bytes 2..255; NumPy reads each non-zero byte as True.
  std::vector<std::uint8_t> in(256);
  for (std::size_t v = 0; v < in.size(); ++v) in[v] = static_cast<std::uint8_t>(v);
  int mismatches = 0;
  for (std::int64_t first = 0; first < 9; ++first) {
    std::vector<std::uint8_t> bytes(34, 0);
    pack_bits(in.data(), 256, bytes.data(), first);
    for (std::int64_t k = 0; k < 256; ++k) mismatches += reference_bit(bytes, first + k) != (in[k] != 0);
  }
  CHECK_EQ(mismatches, 0);
}
