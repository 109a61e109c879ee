// Bit packing and unpacking, eight elements per step with a multiply trick and a 256-entry table.
#include <array>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/kernels/bits_internal.hpp"

namespace pycauset {
namespace {

// kUnpack[v] holds the 8 bytes (0/1) of v, most significant bit first (little-endian load order).
const std::array<std::uint64_t, 256> kUnpack = [] {
  std::array<std::uint64_t, 256> table{};
  for (int v = 0; v < 256; ++v) {
    std::uint64_t word = 0;
    for (int k = 0; k < 8; ++k) word |= static_cast<std::uint64_t>((v >> (7 - k)) & 1) << (8 * k);
    table[v] = word;
  }
  return table;
}();

// kReverse[v] is v with its 8 bits in the opposite order.
const std::array<std::uint8_t, 256> kReverse = [] {
  std::array<std::uint8_t, 256> table{};
  for (int v = 0; v < 256; ++v) {
    int r = 0;
    for (int b = 0; b < 8; ++b) r |= ((v >> b) & 1) << (7 - b);
    table[v] = static_cast<std::uint8_t>(r);
  }
  return table;
}();

}  // namespace

void unpack_bits(const std::uint8_t* bytes, std::int64_t first, std::int64_t n, std::uint8_t* out) {
  std::int64_t k = 0;
  for (; k < n && ((first + k) & 7) != 0; ++k) out[k] = get_bit(bytes, first + k);
  for (; k + 8 <= n; k += 8) std::memcpy(out + k, &kUnpack[bytes[(first + k) >> 3]], 8);
  for (; k < n; ++k) out[k] = get_bit(bytes, first + k);
}

void pack_bits(const std::uint8_t* in, std::int64_t n, std::uint8_t* bytes, std::int64_t first) {
  std::int64_t k = 0;
  for (; k < n && ((first + k) & 7) != 0; ++k) set_bit(bytes, first + k, in[k] != 0);
#if defined(__SSE2__)
  // 16 bytes at a time (SSE2 is part of x86-64): compare with zero, gather the 16 answers as a bit mask,
  // and reverse the bits of each mask byte (movemask is least significant first, packbits most).
  const __m128i zero = _mm_setzero_si128();
  for (; k + 16 <= n; k += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + k));
    const unsigned nonzero = ~static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, zero))) & 0xffffu;
    bytes[(first + k) >> 3] = kReverse[nonzero & 0xff];
    bytes[((first + k) >> 3) + 1] = kReverse[nonzero >> 8];
  }
#endif
  for (; k + 8 <= n; k += 8) {
    std::uint64_t word;
    std::memcpy(&word, in + k, 8);
    // NumPy bool bytes may hold any non-zero value (views of uint8, C extensions): reduce each byte
    // to 0/1 first. Bit 7 of ((b & 0x7f) + 0x7f) | b is set exactly when b != 0, without carries.
    constexpr std::uint64_t kLow7 = 0x7f7f7f7f7f7f7f7full;
    word = ((((word & kLow7) + kLow7) | word) >> 7) & 0x0101010101010101ull;
    // Byte j of `word` lands on bit 7-j of the top byte; the bytes are 0/1 so no carries cross bytes.
    bytes[(first + k) >> 3] = static_cast<std::uint8_t>((word * 0x8040201008040201ull) >> 56);
  }
  for (; k < n; ++k) set_bit(bytes, first + k, in[k] != 0);
}

}  // namespace pycauset
