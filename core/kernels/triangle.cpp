// triu / tril by bands of rows: packed words for bool, dense tiles for every other dtype.
#include "core/kernels/triangle.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/bits/bands.hpp"
#include "core/bits/bit_words.hpp"
#include "core/bits/word_rows.hpp"
#include "core/tiles/tile_io.hpp"
#include "storage/errors.hpp"

namespace pycauset {
namespace {

constexpr std::int64_t kBandRows = 64;  // a multiple of 8: bool bands never share a byte of the output

/// The columns [first, last) kept in row i.
std::pair<std::int64_t, std::int64_t> kept(std::int64_t i, std::int64_t k, bool upper, std::int64_t cols) {
  if (upper) return {std::clamp<std::int64_t>(i + k, 0, cols), cols};
  return {0, std::clamp<std::int64_t>(i + k + 1, 0, cols)};
}

/// Clear the bits of a word row outside [first, last).
void keep_bits(std::uint64_t* row, std::int64_t nw, std::int64_t first, std::int64_t last) {
  for (std::int64_t w = 0; w < nw; ++w) {
    const std::int64_t lo = std::clamp<std::int64_t>(first - 64 * w, 0, 64);
    const std::int64_t hi = std::clamp<std::int64_t>(last - 64 * w, 0, 64);
    // Bit 63 - t holds column 64 w + t: keep t in [lo, hi).
    const std::uint64_t from_lo = lo == 64 ? 0 : ~0ull >> lo;
    const std::uint64_t to_hi = hi == 0 ? 0 : ~0ull << (64 - hi);
    row[w] &= from_lo & to_hi;
  }
}

}  // namespace

Array triangle(const Array& a, std::int64_t k, bool upper) {
  if (a.ndim() != 2) {
    throw ValueError(std::string(upper ? "triu" : "tril") + ": expected a 2-D matrix, got a vector (NumPy would "
                     "broadcast it to a square matrix; use pycauset.matrix(...) of a 2-D array)");
  }
  const std::int64_t rows = a.rows(), cols = a.cols();
  Array out;
  {
    const Buffer::Lease pin = Buffer::lease(a.buffer());  // not spilled while the result is placed
    out = Array::zeros(a.dtype(), 2, rows, cols);
  }
  if (rows == 0 || cols == 0) return out;
  const Buffer::Lease in = Buffer::lease(a.buffer());
  const Buffer::Lease dst = Buffer::lease(out.buffer());
  const std::int64_t bands = (rows + kBandRows - 1) / kBandRows;
  if (a.dtype() == DType::Bool) {
    const std::int64_t nw = bits::words_for(cols);
    bits::for_each_band(bands, [&](std::int64_t band) {
      const std::int64_t r0 = band * kBandRows, nr = std::min(kBandRows, rows - r0);
      std::vector<std::uint64_t> words(static_cast<std::size_t>(nr * nw), 0);
      bits::read_word_rows(a, in, r0, nr, words.data(), nw);
      for (std::int64_t r = 0; r < nr; ++r) {
        const auto [first, last] = kept(r0 + r, k, upper, cols);
        keep_bits(words.data() + r * nw, nw, first, last);
      }
      bits::write_word_rows(out, dst, r0, nr, words.data(), nw);
    });
    return out;
  }
  const int size = itemsize(a.dtype());
  bits::for_each_band(bands, [&](std::int64_t band) {
    const std::int64_t r0 = band * kBandRows, nr = std::min(kBandRows, rows - r0);
    std::vector<std::byte> tile(static_cast<std::size_t>(nr * cols * size));
    tiles::read_block(a, in, tiles::Block{r0, nr, 0, cols}, tile.data(), cols, a.dtype());
    for (std::int64_t r = 0; r < nr; ++r) {
      const auto [first, last] = kept(r0 + r, k, upper, cols);
      std::byte* row = tile.data() + r * cols * size;
      std::memset(row, 0, static_cast<std::size_t>(first * size));
      std::memset(row + last * size, 0, static_cast<std::size_t>((cols - last) * size));
    }
    tiles::write_block(out, dst, tiles::Block{r0, nr, 0, cols}, tile.data(), cols, a.dtype());
  });
  return out;
}

}  // namespace pycauset
