// Transitive closure band by band, from the last band to the first.
#include "core/bits/closure.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/bits/bands.hpp"
#include "core/bits/bit_words.hpp"
#include "core/bits/word_rows.hpp"
#include "core/governor.hpp"
#include "storage/errors.hpp"

namespace pycauset::bits {
namespace {

/// row_i |= row_j for every set bit j of row_i in columns [lo, hi), with rows j taken from `closed`
/// (word rows of rows [closed_r0, ...), all already closed). Bits row_i gains inside [lo, hi) are visited
/// too: harmless (their rows are subsets of what was ORed already) and it keeps the loop simple.
void take_in(std::uint64_t* row, std::int64_t nw, std::int64_t lo, std::int64_t hi, const std::uint64_t* closed,
             std::int64_t closed_r0) {
  for (std::int64_t w = lo >> 6; 64 * w < hi; ++w) {
    std::uint64_t word = row[w];
    if (64 * w < lo) word &= ~0ull >> (lo - 64 * w);
    if (64 * w + 64 > hi) word &= ~(~0ull >> (hi - 64 * w));
    while (word != 0) {
      const int t = __builtin_clzll(word);
      word &= ~(1ull << (63 - t));
      const std::int64_t j = 64 * w + t;
      const std::uint64_t* other = closed + (j - closed_r0) * nw;
      // Row j is strictly upper triangular: nothing before word j / 64.
      for (std::int64_t v = j >> 6; v < nw; ++v) row[v] |= other[v];
    }
  }
}

}  // namespace

Array transitive_closure(const Array& c) {
  if (c.dtype() != DType::Bool || c.ndim() != 2 || c.rows() != c.cols()) {
    throw ValueError(std::string("transitive closure: expected a square bool matrix, got ") + dtype_name(c.dtype()) +
                     " of shape (" + std::to_string(c.rows()) + ", " + std::to_string(c.cols()) + ")");
  }
  const std::int64_t n = c.rows();
  Array out;
  {
    const Buffer::Lease pin = Buffer::lease(c.buffer());
    out = Array::zeros(DType::Bool, 2, n, n);
  }
  if (n == 0) return out;
  const std::int64_t nw = words_for(n);
  const std::uint64_t row_bytes = static_cast<std::uint64_t>(nw) * 8;
  // Two bands (the one being closed and one closed band read back) share the tile budget.
  const std::uint64_t budget = MemoryGovernor::instance().tile_budget(2 * static_cast<std::uint64_t>(n) * row_bytes);
  std::int64_t band = static_cast<std::int64_t>(budget / (2 * row_bytes)) / 64 * 64;
  band = std::clamp<std::int64_t>(band, 64, ((n + 63) / 64) * 64);
  PooledBuffer mine_buffer = MemoryGovernor::instance().acquire_tile(static_cast<std::size_t>(band * row_bytes));
  PooledBuffer theirs_buffer;
  auto* mine = reinterpret_cast<std::uint64_t*>(mine_buffer.data());
  std::uint64_t* theirs = nullptr;

  const Buffer::Lease in = Buffer::lease(c.buffer());
  const Buffer::Lease result = Buffer::lease(out.buffer());
  const std::int64_t bands = (n + band - 1) / band;
  for (std::int64_t b = bands - 1; b >= 0; --b) {
    const std::int64_t r0 = b * band, nr = std::min(band, n - r0), r1 = r0 + nr;
    std::fill(mine, mine + nr * nw, 0ull);
    read_word_rows(c, in, r0, nr, mine, nw);
    for (std::int64_t r = 0; r < nr; ++r) {
      const WordSpan span = nonzero_span(mine + r * nw, nw);
      if (!span.empty() && 64 * span.first + __builtin_clzll(mine[r * nw + span.first]) <= r0 + r) {
        throw ValueError("transitive closure: expected a strictly upper-triangular matrix (natural labelling), "
                         "but row " + std::to_string(r0 + r) + " has an entry on or below the diagonal");
      }
    }
    // Later bands are closed already: take them in, one at a time, in increasing order.
    for (std::int64_t later = b + 1; later < bands; ++later) {
      const std::int64_t l0 = later * band, ln = std::min(band, n - l0);
      if (theirs == nullptr) {
        theirs_buffer = MemoryGovernor::instance().acquire_tile(static_cast<std::size_t>(band * row_bytes));
        theirs = reinterpret_cast<std::uint64_t*>(theirs_buffer.data());
      }
      std::fill(theirs, theirs + ln * nw, 0ull);
      read_word_rows(out, result, l0, ln, theirs, nw);
      for_each_band(nr, [&](std::int64_t r) { take_in(mine + r * nw, nw, l0, l0 + ln, theirs, l0); });
    }
    // Then the band itself, bottom up: rows below r are closed when row r takes them in.
    for (std::int64_t r = nr - 1; r >= 0; --r) {
      if (r % 64 == 0) check_interrupt();
      take_in(mine + r * nw, nw, r0 + r + 1, r1, mine, r0);
    }
    write_word_rows(out, result, r0, nr, mine, nw);
  }
  return out;
}

}  // namespace pycauset::bits
