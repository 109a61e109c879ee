// CRC-32C: three interleaved SSE4.2 streams for long runs (the instruction has 3-cycle latency), a table otherwise.
#include "storage/checksum.hpp"

#include <array>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <nmmintrin.h>
#define PYCAUSET_HAVE_SSE42_PATH 1
#endif

namespace pycauset {
namespace {

constexpr std::uint32_t kPolynomial = 0x82F63B78u;  // reflected Castagnoli polynomial

const std::array<std::uint32_t, 256> kTable = [] {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPolynomial : c >> 1;
    table[i] = c;
  }
  return table;
}();

std::uint32_t crc_table(const unsigned char* p, std::size_t n, std::uint32_t state) noexcept {
  for (std::size_t i = 0; i < n; ++i) state = kTable[(state ^ p[i]) & 0xFFu] ^ (state >> 8);
  return state;
}

#ifdef PYCAUSET_HAVE_SSE42_PATH
// Multiply a CRC state by x^(8*len) mod P: the shift that lets three streams be joined into one.
std::uint32_t gf2_multiply(std::uint32_t a, std::uint32_t b) noexcept {
  std::uint32_t product = 0;
  for (int i = 0; i < 32; ++i) {
    if (a & 0x80000000u) product ^= b;
    a <<= 1;
    b = (b & 1) ? (b >> 1) ^ kPolynomial : b >> 1;
  }
  return product;
}

/// x^(8n) mod P in reflected form, by square-and-multiply on x^8.
std::uint32_t shift_constant(std::size_t n) noexcept {
  std::uint32_t result = 0x80000000u;  // the polynomial 1
  std::uint32_t power = 0x00800000u;   // x^8
  while (n > 0) {
    if (n & 1) result = gf2_multiply(result, power);
    power = gf2_multiply(power, power);
    n >>= 1;
  }
  return result;
}

constexpr std::size_t kStripe = 8192;  // bytes per stream per round: three streams of 8 KiB
const std::uint32_t kShiftStripe = shift_constant(kStripe);
const std::uint32_t kShiftTwoStripes = shift_constant(2 * kStripe);

__attribute__((target("sse4.2"))) std::uint32_t crc_hw(const unsigned char* p, std::size_t n,
                                                         std::uint32_t state) noexcept {
  std::uint64_t s0 = state;
  while (n >= 3 * kStripe) {
    // Three independent chains hide the instruction's latency; they are merged by shifting.
    std::uint64_t s1 = 0, s2 = 0;
    for (std::size_t i = 0; i < kStripe; i += 8) {
      std::uint64_t a, b, c;
      std::memcpy(&a, p + i, 8);
      std::memcpy(&b, p + kStripe + i, 8);
      std::memcpy(&c, p + 2 * kStripe + i, 8);
      s0 = _mm_crc32_u64(s0, a);
      s1 = _mm_crc32_u64(s1, b);
      s2 = _mm_crc32_u64(s2, c);
    }
    std::uint32_t merged = gf2_multiply(static_cast<std::uint32_t>(s0), kShiftTwoStripes) ^
                           gf2_multiply(static_cast<std::uint32_t>(s1), kShiftStripe) ^ static_cast<std::uint32_t>(s2);
    s0 = merged;
    p += 3 * kStripe;
    n -= 3 * kStripe;
  }
  for (; n >= 8; n -= 8, p += 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    s0 = _mm_crc32_u64(s0, word);
  }
  std::uint32_t s = static_cast<std::uint32_t>(s0);
  for (; n > 0; --n, ++p) s = _mm_crc32_u8(s, *p);
  return s;
}

const bool kHaveSse42 = [] {
  __builtin_cpu_init();  // static initialisers may run before libgcc has filled the CPU model
  return __builtin_cpu_supports("sse4.2") != 0;
}();
#endif

}  // namespace

std::uint32_t crc32c(const void* data, std::size_t n, std::uint32_t crc) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint32_t state = ~crc;
#ifdef PYCAUSET_HAVE_SSE42_PATH
  if (kHaveSse42) return ~crc_hw(p, n, state);
#endif
  return ~crc_table(p, n, state);
}

}  // namespace pycauset
