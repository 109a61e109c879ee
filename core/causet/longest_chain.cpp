// Longest chain: push heights along the set bits of each packed row, in natural order.
#include "core/causet/longest_chain.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "core/causet/packed_bits_internal.hpp"
#include "core/governor.hpp"
#include "core/kernels/bits_internal.hpp"
#include "storage/errors.hpp"

namespace pycauset::causet {

using detail::leading_ones;
using detail::load_word_at;

std::int64_t longest_chain(const Array& c, const CausetProgress& progress) {
  if (c.dtype() != DType::Bool || c.ndim() != 2 || c.rows() != c.cols()) {
    throw ValueError("the longest chain needs a square bool matrix, got a " + std::to_string(c.rows()) + " x " +
                     std::to_string(c.cols()) + " " + dtype_name(c.dtype()) + " array");
  }
  const std::int64_t n = c.rows();
  if (n == 0) return 0;
  if (!(c.row_stride() == n && c.col_stride() == 1)) return longest_chain(c.copy_as(DType::Bool), progress);

  // 64 slack entries: the last word's columns beyond n are updated harmlessly (their flags are 0).
  std::vector<std::int32_t> height(static_cast<std::size_t>(n + 64), 1);
  const std::uint64_t row_bytes = static_cast<std::uint64_t>(n + 7) / 8;
  const std::int64_t band_rows = std::clamp<std::int64_t>(
      static_cast<std::int64_t>(MemoryGovernor::instance().tile_budget(4ull << 20) / row_bytes), 1, n);  // <= 4 MiB
  PooledBuffer band = MemoryGovernor::instance().acquire_tile(static_cast<std::size_t>(band_rows * row_bytes + 32));
  auto* bytes = band.as<std::uint8_t>();
  Buffer::Lease lease = Buffer::lease(c.buffer());
  const std::uint64_t base_bit = static_cast<std::uint64_t>(c.offset());

  for (std::int64_t r0 = 0; r0 < n; r0 += band_rows) {
    const std::int64_t r1 = std::min(n, r0 + band_rows);
    const std::uint64_t bit0 = base_bit + static_cast<std::uint64_t>(r0) * n;
    const std::uint64_t bit1 = base_bit + static_cast<std::uint64_t>(r1) * n;
    const std::size_t nbytes = static_cast<std::size_t>((bit1 + 7) / 8 - bit0 / 8);
    std::memset(bytes + nbytes, 0, 16);
    lease.store().read_at(bit0 / 8, bytes, nbytes);
    const std::int64_t lead = static_cast<std::int64_t>(bit0 % 8);
    for (std::int64_t i = r0; i < r1; ++i) {
      const std::int32_t next = height[static_cast<std::size_t>(i)] + 1;
      const std::int64_t row_bit = lead + (i - r0) * n;
      for (std::int64_t j0 = (i + 1) / 64 * 64; j0 < n; j0 += 64) {
        std::uint64_t word = load_word_at(bytes, row_bit + j0);
        if (n - j0 < 64) word &= leading_ones(static_cast<int>(n - j0));
        if (j0 <= i) word &= ~leading_ones(static_cast<int>(i + 1 - j0));  // only the strict upper triangle
        if (word == 0) continue;
        // Unpack the word to 64 flags and update all 64 heights branch-free: the loop vectorises (16
        // lanes with AVX-512), far cheaper than one dependent scalar update per set bit.
        std::uint8_t packed[8], flags[64];
        const std::uint64_t big_endian = __builtin_bswap64(word);
        std::memcpy(packed, &big_endian, 8);
        unpack_bits(packed, 0, 64, flags);
        std::int32_t* h = height.data() + j0;
        for (int k = 0; k < 64; ++k) h[k] = flags[k] != 0 && h[k] < next ? next : h[k];
      }
    }
    if (progress) progress(static_cast<std::uint64_t>(r1), static_cast<std::uint64_t>(n));
  }
  return *std::max_element(height.begin(), height.begin() + n);
}

}  // namespace pycauset::causet
