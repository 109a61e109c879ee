// Words of 64 bits at any bit position of a numpy.packbits-ordered byte run (most significant bit first).
#pragma once

#include <cstdint>
#include <cstring>

namespace pycauset::causet::detail {

// A word holds 64 consecutive elements with the first one in bit 63, so that its big-endian bytes are
// exactly the packed bytes: element k of the word is (word >> (63 - k)) & 1.

/// \brief Return the 64 bits starting at bit `pos` of `bytes` (9 bytes from byte pos / 8 must be readable).
inline std::uint64_t load_word_at(const std::uint8_t* bytes, std::int64_t pos) noexcept {
  const std::uint8_t* p = bytes + (pos >> 3);
  const int shift = static_cast<int>(pos & 7);
  std::uint64_t big;
  std::memcpy(&big, p, 8);
  big = __builtin_bswap64(big);
  if (shift == 0) return big;
  return (big << shift) | (static_cast<std::uint64_t>(p[8]) >> (8 - shift));
}

/// \brief OR the 64 bits of `word` into `bytes` starting at bit `pos` (9 bytes must be writable).
inline void or_word_at(std::uint8_t* bytes, std::int64_t pos, std::uint64_t word) noexcept {
  std::uint8_t* p = bytes + (pos >> 3);
  const int shift = static_cast<int>(pos & 7);
  std::uint64_t big;
  std::memcpy(&big, p, 8);
  big |= __builtin_bswap64(word >> shift);
  std::memcpy(p, &big, 8);
  if (shift != 0) p[8] |= static_cast<std::uint8_t>(word << (8 - shift));
}

/// \brief Return a word whose first `count` elements are set (count in 0..64).
inline std::uint64_t leading_ones(int count) noexcept {
  return count >= 64 ? ~0ull : count <= 0 ? 0ull : ~(~0ull >> count);
}

/// \brief Pack 64 bytes 0/1 into one word, byte k becoming element k.
inline std::uint64_t pack_word(const std::uint8_t* flags) noexcept {
  std::uint64_t word = 0;
  for (int b = 0; b < 8; ++b) {
    std::uint64_t chunk;
    std::memcpy(&chunk, flags + 8 * b, 8);
    // Byte j of `chunk` lands on bit 7 - j of the top byte; inputs are 0/1 so no carries cross bytes.
    const std::uint64_t byte = ((chunk & 0x0101010101010101ull) * 0x8040201008040201ull) >> 56;
    word |= byte << (56 - 8 * b);
  }
  return word;
}

}  // namespace pycauset::causet::detail
