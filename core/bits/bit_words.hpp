// Packed bit rows as 64-bit words: the form every bit kernel computes on.
//
// A bool array stores its elements as one bit each in numpy.packbits order (most significant bit first
// within each byte, rows back to back with no padding). The kernels instead want each row to start on a
// word: a "word row" of n elements is ceil(n / 64) words, element 64w + t sitting at bit 63 - t of word w
// (most significant first, so a word is the big-endian reading of eight packbits bytes), bits past the
// end zero. Popcounts of ANDs do not care about the order; stores back into packbits do.
#pragma once

#include <cstdint>

namespace pycauset::bits {

/// \brief Return the number of 64-bit words holding `nbits` bits.
constexpr std::int64_t words_for(std::int64_t nbits) noexcept { return (nbits + 63) / 64; }

/// \brief Gather `nbits` bits of a packbits stream, starting at bit `bit_offset` of `bytes`, into the word
///        row `out` (words_for(nbits) words, trailing bits zero). Reads only the bytes holding those bits.
void gather_bits(const std::uint8_t* bytes, std::uint64_t bit_offset, std::int64_t nbits, std::uint64_t* out) noexcept;

/// \brief Store the first `nbits` bits of the word row `words` into a packbits stream at bit `bit_offset`
///        of `bytes`, leaving every other bit of the stream as it was.
void scatter_bits(const std::uint64_t* words, std::int64_t nbits, std::uint8_t* bytes, std::uint64_t bit_offset) noexcept;

/// \brief Transpose a 64 x 64 bit block in place: bit (63 - c) of block[r] trades with bit (63 - r) of block[c].
void transpose_64x64(std::uint64_t block[64]) noexcept;

/// \brief Return the number of set bits in `nwords` words.
std::uint64_t popcount_words(const std::uint64_t* words, std::int64_t nwords) noexcept;

/// \brief The span of nonzero words of one word row: [first, last] (first > last when the row is zero).
struct WordSpan {
  std::int64_t first = 0;
  std::int64_t last = -1;
  bool empty() const noexcept { return first > last; }
};

/// \brief Return the span of nonzero words of a word row of `nwords` words.
WordSpan nonzero_span(const std::uint64_t* words, std::int64_t nwords) noexcept;

}  // namespace pycauset::bits
