// Gathering packbits streams into word rows and back, the 64 x 64 bit transpose, popcounts.
#include "core/bits/bit_words.hpp"

#include <cstring>

namespace pycauset::bits {
namespace {

/// Read 8 bytes as a big-endian word: the packbits byte order becomes bit order 63..0.
inline std::uint64_t load_be64(const std::uint8_t* p) noexcept {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  return __builtin_bswap64(w);
}

}  // namespace

void gather_bits(const std::uint8_t* bytes, std::uint64_t bit_offset, std::int64_t nbits, std::uint64_t* out) noexcept {
  if (nbits <= 0) return;
  const std::uint8_t* p = bytes + (bit_offset >> 3);
  const int shift = static_cast<int>(bit_offset & 7);
  const std::int64_t nwords = words_for(nbits);
  // Bytes holding the wanted bits: reading further could fault at the end of a buffer.
  const std::int64_t readable = (shift + nbits + 7) / 8;
  for (std::int64_t k = 0; k < nwords; ++k) {
    const std::int64_t at = 8 * k;
    std::uint64_t hi;
    std::uint8_t next;
    if (at + 9 <= readable) {
      hi = load_be64(p + at);
      next = p[at + 8];
    } else {
      std::uint8_t tail[9] = {};
      std::memcpy(tail, p + at, static_cast<std::size_t>(readable - at));
      hi = load_be64(tail);
      next = tail[8];
    }
    out[k] = shift == 0 ? hi : (hi << shift) | (static_cast<std::uint64_t>(next) >> (8 - shift));
  }
  const int used = static_cast<int>(nbits & 63);
  if (used != 0) out[nwords - 1] &= ~0ull << (64 - used);
}

void scatter_bits(const std::uint64_t* words, std::int64_t nbits, std::uint8_t* bytes, std::uint64_t bit_offset) noexcept {
  std::int64_t done = 0;
  std::uint64_t at = bit_offset;
  // Leading bits up to a byte boundary, then whole bytes, then the trailing bits.
  auto bit = [&](std::int64_t i) { return static_cast<unsigned>((words[i >> 6] >> (63 - (i & 63))) & 1u); };
  for (; done < nbits && (at & 7) != 0; ++done, ++at) {
    const std::uint8_t mask = static_cast<std::uint8_t>(0x80u >> (at & 7));
    bytes[at >> 3] = bit(done) ? (bytes[at >> 3] | mask) : (bytes[at >> 3] & ~mask);
  }
  if ((done & 63) == 0) {
    // Aligned with the words: eight bytes at a time.
    for (; done + 64 <= nbits; done += 64, at += 64) {
      const std::uint64_t be = __builtin_bswap64(words[done >> 6]);
      std::memcpy(bytes + (at >> 3), &be, 8);
    }
  }
  for (; done + 8 <= nbits; done += 8, at += 8) {
    const std::uint64_t word = words[done >> 6];
    const int s = static_cast<int>(done & 63);
    // The 8 bits starting at bit `s` (from the top) of this word, spilling into the next when needed.
    std::uint64_t v = word << s;
    if (s > 56) v |= words[(done >> 6) + 1] >> (64 - s);
    bytes[at >> 3] = static_cast<std::uint8_t>(v >> 56);
  }
  for (; done < nbits; ++done, ++at) {
    const std::uint8_t mask = static_cast<std::uint8_t>(0x80u >> (at & 7));
    bytes[at >> 3] = bit(done) ? (bytes[at >> 3] | mask) : (bytes[at >> 3] & ~mask);
  }
}

void transpose_64x64(std::uint64_t a[64]) noexcept {
  // Swap off-diagonal blocks of 32, then 16, ..., then 1 (Hacker's Delight, transpose32 widened to 64).
  std::uint64_t mask = 0x00000000FFFFFFFFull;
  for (int j = 32; j != 0; j >>= 1, mask ^= mask << j) {
    for (int k = 0; k < 64; k = ((k | j) + 1) & ~j) {
      const std::uint64_t t = (a[k] ^ (a[k | j] >> j)) & mask;
      a[k] ^= t;
      a[k | j] ^= t << j;
    }
  }
}

std::uint64_t popcount_words(const std::uint64_t* words, std::int64_t nwords) noexcept {
  std::uint64_t total = 0;
  for (std::int64_t k = 0; k < nwords; ++k) total += static_cast<std::uint64_t>(__builtin_popcountll(words[k]));
  return total;
}

WordSpan nonzero_span(const std::uint64_t* words, std::int64_t nwords) noexcept {
  WordSpan span;
  std::int64_t first = 0;
  while (first < nwords && words[first] == 0) ++first;
  if (first == nwords) return span;
  std::int64_t last = nwords - 1;
  while (words[last] == 0) --last;
  span.first = first;
  span.last = last;
  return span;
}

}  // namespace pycauset::bits
