// Counting true elements of a bool array: popcounts of packed words read straight from the store.
#include <tbb/blocked_range.h>
#include <tbb/parallel_reduce.h>

#include <algorithm>

#include "core/causet/packed_bits_internal.hpp"
#include "core/causet/relations.hpp"
#include "core/governor.hpp"
#include "core/threads.hpp"
#include "storage/errors.hpp"

namespace pycauset::causet {
namespace {

using detail::leading_ones;
using detail::load_word_at;

constexpr std::uint64_t kChunkBytes = 8ull << 20;  // packed bits per task, at most (the governor may grant less)

/// Return the number of set bits in [first, first + count) of `bytes` (9 bytes of slack after the range).
std::uint64_t count_ones(const std::uint8_t* bytes, std::int64_t first, std::int64_t count) {
  std::uint64_t ones = 0;
  std::int64_t k = 0;
  // Up to the first byte boundary bit by bit; then whole 8-byte words, whose bit order does not matter
  // to a popcount (no byte swap); then the tail.
  for (; k < count && ((first + k) & 7) != 0; ++k) ones += (bytes[(first + k) >> 3] >> (7 - ((first + k) & 7))) & 1u;
  const std::uint8_t* aligned = bytes + ((first + k) >> 3);
  std::int64_t words = (count - k) / 64;
  for (std::int64_t w = 0; w < words; ++w) {
    std::uint64_t word;
    std::memcpy(&word, aligned + 8 * w, 8);
    ones += static_cast<std::uint64_t>(__builtin_popcountll(word));
  }
  k += 64 * words;
  if (k < count) {
    const std::uint64_t tail = load_word_at(bytes, first + k) & leading_ones(static_cast<int>(count - k));
    ones += static_cast<std::uint64_t>(__builtin_popcountll(tail));
  }
  return ones;
}

/// Count the set bits in [bit0, bit0 + nbits) of a store, in parallel chunks read with read_at.
std::uint64_t count_bit_range(const ByteStore& store, std::uint64_t bit0, std::uint64_t nbits) {
  if (nbits == 0) return 0;
  // Chunks of whole bytes from the tile budget, shared by the threads (RAM stores are counted in place).
  const std::uint64_t threads = static_cast<std::uint64_t>(std::max(1, get_num_threads()));
  const std::uint64_t granted = MemoryGovernor::instance().tile_budget(threads * kChunkBytes) / threads;
  const std::uint64_t chunk_bits = 8 * std::clamp<std::uint64_t>(granted, 4096, kChunkBytes);
  const std::uint64_t chunks = (nbits + chunk_bits - 1) / chunk_bits;
  return tbb::parallel_reduce(
      tbb::blocked_range<std::uint64_t>(0, chunks), std::uint64_t{0},
      [&](const tbb::blocked_range<std::uint64_t>& range, std::uint64_t ones) {
        for (std::uint64_t c = range.begin(); c != range.end(); ++c) {
          const std::uint64_t lo = bit0 + c * chunk_bits;
          const std::uint64_t hi = std::min(bit0 + nbits, lo + chunk_bits);
          const std::uint64_t byte0 = lo / 8, byte1 = (hi + 7) / 8;
          const std::size_t nbytes = static_cast<std::size_t>(byte1 - byte0);
          if (!store.is_file() && store.data() != nullptr && byte1 + 9 <= store.size()) {
            // RAM: count in place (the 9 bytes of slack that load_word_at may read lie inside the store).
            ones += count_ones(reinterpret_cast<const std::uint8_t*>(store.data()) + byte0,
                               static_cast<std::int64_t>(lo - 8 * byte0), static_cast<std::int64_t>(hi - lo));
            continue;
          }
          PooledBuffer chunk = MemoryGovernor::instance().acquire_tile(nbytes + 16);
          std::memset(chunk.data() + nbytes, 0, 16);
          store.read_at(byte0, chunk.data(), nbytes);
          ones += count_ones(chunk.as<std::uint8_t>(), static_cast<std::int64_t>(lo - 8 * byte0),
                             static_cast<std::int64_t>(hi - lo));
        }
        return ones;
      },
      [](std::uint64_t a, std::uint64_t b) { return a + b; });
}

}  // namespace

std::uint64_t count_true(const Array& bits) {
  if (bits.dtype() != DType::Bool) {
    throw TypeError(std::string("count_true needs a bool array, got ") + dtype_name(bits.dtype()));
  }
  if (bits.size() == 0) return 0;
  const bool rows_back_to_back = (bits.rows() <= 1 || bits.row_stride() == bits.cols()) &&
                                 (bits.cols() <= 1 || bits.col_stride() == 1);
  if (!rows_back_to_back) return count_true(bits.copy_as(DType::Bool));
  Buffer::Lease lease = Buffer::lease(bits.buffer());
  return count_bit_range(lease.store(), static_cast<std::uint64_t>(bits.offset()),
                         static_cast<std::uint64_t>(bits.size()));
}

std::uint64_t count_true_on_or_below_diagonal(const Array& c) {
  if (c.dtype() != DType::Bool || c.ndim() != 2 || c.rows() != c.cols()) {
    throw ValueError("a causal matrix must be a square bool matrix, got a " + std::to_string(c.rows()) + " x " +
                     std::to_string(c.cols()) + " " + dtype_name(c.dtype()) + " array");
  }
  const std::int64_t n = c.rows();
  if (n == 0) return 0;
  if (!(c.row_stride() == n && c.col_stride() == 1)) return count_true_on_or_below_diagonal(c.copy_as(DType::Bool));
  Buffer::Lease lease = Buffer::lease(c.buffer());
  const ByteStore& store = lease.store();
  const std::uint64_t base_bit = static_cast<std::uint64_t>(c.offset());
  const std::uint64_t row_bytes = static_cast<std::uint64_t>(n + 7) / 8;
  const std::uint64_t threads = static_cast<std::uint64_t>(std::max(1, get_num_threads()));
  const std::uint64_t granted = MemoryGovernor::instance().tile_budget(threads << 20) / threads;  // <= 1 MiB each
  const std::int64_t band_rows = std::clamp<std::int64_t>(static_cast<std::int64_t>(granted / row_bytes), 1, n);
  const std::int64_t bands = (n + band_rows - 1) / band_rows;
  return tbb::parallel_reduce(
      tbb::blocked_range<std::int64_t>(0, bands), std::uint64_t{0},
      [&](const tbb::blocked_range<std::int64_t>& range, std::uint64_t ones) {
        for (std::int64_t b = range.begin(); b != range.end(); ++b) {
          const std::int64_t r0 = b * band_rows, r1 = std::min(n, r0 + band_rows);
          const std::uint64_t bit0 = base_bit + static_cast<std::uint64_t>(r0) * n;
          const std::uint64_t bit1 = base_bit + static_cast<std::uint64_t>(r1) * n;
          const std::size_t nbytes = static_cast<std::size_t>((bit1 + 7) / 8 - bit0 / 8);
          PooledBuffer band = MemoryGovernor::instance().acquire_tile(nbytes + 16);
          std::memset(band.data() + nbytes, 0, 16);
          store.read_at(bit0 / 8, band.data(), nbytes);
          const std::int64_t lead = static_cast<std::int64_t>(bit0 % 8);
          for (std::int64_t i = r0; i < r1; ++i) {
            ones += count_ones(band.as<std::uint8_t>(), lead + (i - r0) * n, i + 1);  // columns 0..i
          }
        }
        return ones;
      },
      [](std::uint64_t a, std::uint64_t b) { return a + b; });
}

}  // namespace pycauset::causet
