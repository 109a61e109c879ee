// The blocked bit product: pack B's columns once per chunk, stream bands of A's rows past them.
#include "core/bits/bit_product.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "core/bits/bands.hpp"
#include "core/bits/bit_words.hpp"
#include "core/bits/count_kernels.hpp"
#include "core/bits/word_rows.hpp"
#include "core/governor.hpp"
#include "core/threads.hpp"
#include "storage/errors.hpp"

namespace pycauset::bits {
namespace {

constexpr std::int64_t kBand = 64;        // rows of a per band (a multiple of 64: sinks' outputs never share a byte)
constexpr std::int64_t kBlockCols = 256;  // columns of b per block: the counts tile is 64 x 256 int32 (64 KiB)
constexpr std::int64_t kDepth = 256;      // words of k per pass of the count kernel: 4 rows of b (8 KiB) stay in L1

/// The packed columns [j0, j0 + n) of b, and for each block of kBlockCols of them the span of nonzero words.
struct PackedColumns {
  PooledBuffer storage;
  std::uint64_t* words = nullptr;
  std::int64_t j0 = 0, n = 0, ld = 0;
  std::vector<WordSpan> block_spans;
};

/// Index of the first / last set bit of a word row whose nonzero words span `span` (not empty).
std::int64_t first_bit(const std::uint64_t* row, const WordSpan& span) {
  return 64 * span.first + __builtin_clzll(row[span.first]);
}
std::int64_t last_bit(const std::uint64_t* row, const WordSpan& span) {
  return 64 * span.last + 63 - __builtin_ctzll(row[span.last]);
}

[[noreturn]] void not_strictly_upper(const char* operand, std::int64_t i, std::int64_t j) {
  throw ValueError(std::string("bit product: operand ") + operand + " was declared strictly upper triangular, but its " +
                   "entry (" + std::to_string(i) + ", " + std::to_string(j) + ") on or below the diagonal is set");
}

void pack_columns(const Array& b, const Buffer::Lease& lease, std::int64_t j0, std::int64_t n, std::int64_t ld,
                  bool strictly_upper, PackedColumns& out) {
  out.j0 = j0;
  out.n = n;
  out.ld = ld;
  const std::int64_t blocks = (n + kBlockCols - 1) / kBlockCols;
  out.block_spans.assign(static_cast<std::size_t>(blocks), WordSpan{});
  // Columns in slices of 64 per task: each task writes whole word rows of its own columns.
  const std::int64_t slices = (n + 63) / 64;
  for_each_band(slices, [&](std::int64_t s) {
    const std::int64_t c0 = 64 * s, nc = std::min<std::int64_t>(64, n - c0);
    std::uint64_t* rows = out.words + c0 * ld;
    std::fill(rows, rows + nc * ld, 0ull);
    read_word_columns(b, lease, j0 + c0, nc, rows, ld);
  });
  for (std::int64_t blk = 0; blk < blocks; ++blk) {
    WordSpan span{ld, -1};
    for (std::int64_t c = blk * kBlockCols; c < std::min(n, (blk + 1) * kBlockCols); ++c) {
      const WordSpan row = nonzero_span(out.words + c * ld, ld);
      if (row.empty()) continue;
      // Column j of a strictly upper-triangular b has bits only in rows k < j.
      if (strictly_upper && last_bit(out.words + c * ld, row) >= j0 + c) {
        not_strictly_upper("b", last_bit(out.words + c * ld, row), j0 + c);
      }
      span.first = std::min(span.first, row.first);
      span.last = std::max(span.last, row.last);
    }
    out.block_spans[static_cast<std::size_t>(blk)] = span;
  }
}

/// One band of rows of a against the packed chunk: counts block by block, handed to the sink.
std::uint64_t multiply_band(const Array& a, const Buffer::Lease& lease_a, std::int64_t i0, std::int64_t ld,
                            const PackedColumns& cols, CountBlock kernel, bool strictly_upper, Epilogue& epilogue) {
  const std::int64_t m = std::min(kBand, a.rows() - i0);
  thread_local std::vector<std::uint64_t> band;
  thread_local std::vector<std::int32_t> counts;
  band.assign(static_cast<std::size_t>(kBand * ld), 0ull);
  counts.resize(static_cast<std::size_t>(kBand * kBlockCols));
  read_word_rows(a, lease_a, i0, m, band.data(), ld);
  WordSpan rows{ld, -1};
  for (std::int64_t r = 0; r < m; ++r) {
    const WordSpan span = nonzero_span(band.data() + r * ld, ld);
    if (span.empty()) continue;
    // Row i of a strictly upper-triangular a has bits only in columns k > i.
    if (strictly_upper && first_bit(band.data() + r * ld, span) <= i0 + r) {
      not_strictly_upper("a", i0 + r, first_bit(band.data() + r * ld, span));
    }
    rows.first = std::min(rows.first, span.first);
    rows.last = std::max(rows.last, span.last);
  }
  std::unique_ptr<TileSink> sink = epilogue.open(i0, m, cols.j0, cols.n);
  std::uint64_t bits_done = 0;
  for (std::size_t blk = 0; blk < cols.block_spans.size(); ++blk) {
    const std::int64_t c0 = static_cast<std::int64_t>(blk) * kBlockCols;
    const std::int64_t nc = std::min(kBlockCols, cols.n - c0);
    // Only words where some row of the band and some column of the block are nonzero can count.
    const std::int64_t first = std::max(rows.first, cols.block_spans[blk].first);
    const std::int64_t last = std::min(rows.last, cols.block_spans[blk].last);
    if (first > last) {
      sink->zeros(cols.j0 + c0, nc);
      continue;
    }
    std::fill(counts.begin(), counts.begin() + m * nc, 0);
    for (std::int64_t w = first; w <= last; w += kDepth) {
      const std::int64_t kw = std::min(kDepth, last + 1 - w);
      kernel(m, nc, kw, band.data() + w, ld, cols.words + c0 * ld + w, ld, counts.data(), nc);
    }
    // Bits of k covered by the words multiplied (the last word of a row may be partly padding).
    const std::int64_t covered = std::min(a.cols(), 64 * (last + 1)) - 64 * first;
    bits_done += static_cast<std::uint64_t>(m * nc * covered);
    sink->counts(cols.j0 + c0, nc, counts.data(), nc);
  }
  sink->finish();
  return bits_done;
}

}  // namespace

BitProductStats bit_product(const Array& a, const Array& b, Epilogue& epilogue, const BitProgress& progress,
                            bool strictly_upper) {
  if (a.dtype() != DType::Bool || b.dtype() != DType::Bool) {
    throw ValueError(std::string("bit product: both operands must be bool, got ") + dtype_name(a.dtype()) + " and " +
                     dtype_name(b.dtype()));
  }
  const std::int64_t m = a.rows(), k = a.cols(), n = b.cols();
  if (b.rows() != k) {
    throw ValueError("bit product: shapes (" + std::to_string(m) + ", " + std::to_string(k) + ") and (" +
                     std::to_string(b.rows()) + ", " + std::to_string(n) + ") are not aligned: " + std::to_string(k) +
                     " (dim 1) != " + std::to_string(b.rows()) + " (dim 0)");
  }
  BitProductStats stats;
  const CountKernel which = count_kernel();
  stats.kernel = count_kernel_name(which);
  stats.full_triples = static_cast<std::uint64_t>(m) * static_cast<std::uint64_t>(n) * static_cast<std::uint64_t>(k);
  if (m == 0 || n == 0) return stats;
  if (k >= (std::int64_t{1} << 31)) throw ValueError("bit product: an inner dimension of 2^31 or more overflows the int32 counts");
  const CountBlock kernel = count_block(which);
  const std::int64_t ld = std::max<std::int64_t>(1, words_for(k));

  const Buffer::Lease lease_a = Buffer::lease(a.buffer());
  const Buffer::Lease lease_b = Buffer::lease(b.buffer());
  // Budget: each thread holds a band of a (64 word rows) and a counts tile; the packed columns of b take the
  // rest, in chunks of whole 64-column slices when they do not all fit.
  MemoryGovernor& governor = MemoryGovernor::instance();
  const std::uint64_t row_bytes = static_cast<std::uint64_t>(ld) * 8;
  const std::uint64_t per_thread = kBand * row_bytes + kBand * kBlockCols * 4;
  const std::uint64_t threads = static_cast<std::uint64_t>(get_num_threads());
  const std::uint64_t wanted = static_cast<std::uint64_t>(n) * row_bytes + threads * per_thread;
  const std::uint64_t budget = governor.tile_budget(wanted);
  const std::uint64_t for_columns = budget > threads * per_thread ? budget - threads * per_thread : 0;
  std::int64_t chunk = static_cast<std::int64_t>(for_columns / row_bytes) / 64 * 64;
  chunk = std::clamp<std::int64_t>(chunk, 64, n);

  PackedColumns cols;
  cols.storage = governor.acquire_tile(static_cast<std::size_t>(chunk * row_bytes));
  cols.words = reinterpret_cast<std::uint64_t*>(cols.storage.data());

  const std::int64_t bands = (m + kBand - 1) / kBand;
  std::atomic<std::uint64_t> done{0};
  const std::uint64_t steps_total = static_cast<std::uint64_t>(bands) * static_cast<std::uint64_t>((n + chunk - 1) / chunk);
  std::uint64_t steps_done = 0;
  for (std::int64_t j0 = 0; j0 < n; j0 += chunk) {
    ++stats.column_chunks;
    pack_columns(b, lease_b, j0, std::min(chunk, n - j0), ld, strictly_upper, cols);
    // Rounds of bands, so that the calling thread reports progress (and sees Ctrl-C) about every 0.2 s.
    std::int64_t round = std::max<std::int64_t>(2, 2 * static_cast<std::int64_t>(threads));
    for (std::int64_t first = 0; first < bands;) {
      const std::int64_t last = std::min(bands, first + round);
      const auto start = std::chrono::steady_clock::now();
      check_interrupt();
      tbb::parallel_for(first, last, std::int64_t{1}, [&](std::int64_t band) {
        done += multiply_band(a, lease_a, band * kBand, ld, cols, kernel, strictly_upper, epilogue);
      });
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      steps_done += last - first;
      if (progress) progress(steps_done, steps_total);
      first = last;
      if (seconds < 0.05) round = std::min<std::int64_t>(round * 2, 1 << 16);
      if (seconds > 0.4 && round > 2) round /= 2;
    }
  }
  stats.bit_triples = done.load();
  return stats;
}

}  // namespace pycauset::bits
