// Causal matrix tiles: SoA coordinates, 64 pair tests per packed word, bands of rows written whole.
#include "core/causet/relations.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>

#include "core/causet/packed_bits_internal.hpp"
#include "core/governor.hpp"
#include "core/kernels/elementwise_simd.hpp"
#include "core/threads.hpp"
#include "storage/errors.hpp"

namespace pycauset::causet {
namespace {

using detail::or_word_at;

constexpr int kMaxDim = 4;
constexpr std::int64_t kWordBits = 64;

/// Coordinates by direction (structure of arrays), padded to whole words of columns. Padding points
/// have t = -inf, so dt = -inf and they are never in anyone's future: no masking in the hot loop.
struct Coordinates {
  std::int64_t n = 0;
  std::int64_t padded = 0;
  int d = 0;
  std::vector<double> axis[kMaxDim];      // axis[0] = t, axis[a] = x_a
  std::array<double, kMaxDim> period{};   // +inf for a direction that is not periodic

  Coordinates(const double* points, std::int64_t count, int dim, const std::vector<double>& periods)
      : n(count), padded((count + kWordBits - 1) / kWordBits * kWordBits + kWordBits), d(dim) {
    for (int a = 0; a < d; ++a) axis[a].assign(static_cast<std::size_t>(padded), 0.0);
    std::fill(axis[0].begin() + n, axis[0].end(), -std::numeric_limits<double>::infinity());
    for (int a = 1; a < d; ++a) {
      period[a] = periods[a - 1] > 0 ? periods[a - 1] : std::numeric_limits<double>::infinity();
    }
    for (std::int64_t i = 0; i < n; ++i) {
      for (int a = 0; a < d; ++a) {
        const double v = points[i * d + a];
        if (!std::isfinite(v)) {
          throw ValueError("coordinate " + std::to_string(a) + " of point " + std::to_string(i) +
                           " is not finite; every coordinate must be a finite number");
        }
        if (a > 0 && std::isfinite(period[a]) && !(v >= 0 && v < period[a])) {
          throw ValueError("coordinate " + std::to_string(a) + " of point " + std::to_string(i) + " is " +
                           std::to_string(v) + ", outside [0, " + std::to_string(period[a]) +
                           ") of its periodic direction; wrap it (x mod L) first");
        }
        axis[a][static_cast<std::size_t>(i)] = v;
      }
      if (i > 0 && points[i * d] < points[(i - 1) * d]) {
        throw ValueError("the points are not sorted by time (t[" + std::to_string(i) + "] < t[" +
                         std::to_string(i - 1) + "]); sort them into natural labelling first");
      }
    }
  }
};

// The bit of element k in a word (element 0 is the most significant bit), as a table: a vector loop
// loads it, where a variable shift per lane would need AVX2.
constexpr std::array<std::uint64_t, kWordBits> kElementBit = [] {
  std::array<std::uint64_t, kWordBits> bits{};
  for (int k = 0; k < kWordBits; ++k) bits[k] = 1ull << (63 - k);
  return bits;
}();

#if defined(__GNUC__)
#define PYCAUSET_ALWAYS_INLINE __attribute__((always_inline)) inline
#else
#define PYCAUSET_ALWAYS_INLINE inline
#endif

/// Return the word of relations i -> j for the 64 columns j0 .. j0 + 63 (element k = column j0 + k).
/// D is the dimension. The loop over k is branch-free with an OR reduction, so the compiler turns it
/// into vector compares and masks (2, 4 or 8 columns per instruction, see band_loop).
template <int D>
PYCAUSET_ALWAYS_INLINE std::uint64_t relation_word(const Coordinates& c, std::int64_t i, std::int64_t j0) {
  const double* t = c.axis[0].data() + j0;
  const double ti = c.axis[0][static_cast<std::size_t>(i)];
  const double* x[kMaxDim] = {};
  double xi[kMaxDim] = {}, period[kMaxDim] = {};
  for (int a = 1; a < D; ++a) {
    x[a] = c.axis[a].data() + j0;
    xi[a] = c.axis[a][static_cast<std::size_t>(i)];
    period[a] = c.period[a];
  }
  std::uint64_t word = 0;
  for (int k = 0; k < kWordBits; ++k) {
    const double dt = t[k] - ti;
    double interval = dt * dt;
    for (int a = 1; a < D; ++a) {
      double dx = std::fabs(x[a][k] - xi[a]);
      const double image = period[a] - dx;  // +inf - dx = +inf: no effect when not periodic
      dx = image < dx ? image : dx;
      interval -= dx * dx;
    }
    word |= kElementBit[k] & (0 - static_cast<std::uint64_t>((dt > 0) & (interval > 0)));
  }
  return word;
}

/// Columns per pass over a band: their coordinates (at most 4 x 8 x 4096 bytes = 128 KiB) stay in the L2
/// cache while every row of the band is tested against them. Without this blocking each row streams all
/// later columns from memory, and at n = 10^5 (1.6 MiB of coordinates in 2-D) the loop is memory-bound.
constexpr std::int64_t kColumnBlock = 4096;
static_assert(kColumnBlock % kWordBits == 0, "column blocks must hold whole words");

/// Compute rows [r0, r1) into `band`, zero-filled, holding their packed bits from bit 0 (= bit r0 * n).
template <int D>
PYCAUSET_ALWAYS_INLINE void relation_band(const Coordinates& c, std::int64_t r0, std::int64_t r1, std::uint8_t* band) {
  const std::int64_t n = c.n;
  for (std::int64_t c0 = (r0 + 1) / kWordBits * kWordBits; c0 < n; c0 += kColumnBlock) {
    const std::int64_t c1 = std::min(n, c0 + kColumnBlock);
    for (std::int64_t i = r0; i < r1; ++i) {
      const std::int64_t row_bit = (i - r0) * n;
      // Columns j <= i have dt <= 0 (the points are sorted): start at the word holding column i + 1.
      for (std::int64_t j0 = std::max(c0, (i + 1) / kWordBits * kWordBits); j0 < c1; j0 += kWordBits) {
        const std::uint64_t word = relation_word<D>(c, i, j0);
        if (word != 0) or_word_at(band, row_bit + j0, word);
      }
    }
  }
}

// Run-time dispatch: on x86-64 each band loop is compiled three times, for AVX-512 (8 columns per
// instruction), AVX2 (4) and the portable SSE2 baseline (2), and kernels::simd_level() picks one: the
// widest the CPU supports, lowered by PYCAUSET_SIMD=baseline|avx2|avx512 as for the other kernels. The
// file is compiled with -ffp-contract=off, so no copy fuses a multiply and a subtraction: every copy,
// and a NumPy reference evaluated in the same order, gives the same bits.
using BandLoop = void (*)(const Coordinates&, std::int64_t, std::int64_t, std::uint8_t*);

template <int D>
void band_baseline(const Coordinates& c, std::int64_t r0, std::int64_t r1, std::uint8_t* band) {
  relation_band<D>(c, r0, r1, band);
}

#if defined(__x86_64__) && defined(__GNUC__)
template <int D>
__attribute__((target("avx2"))) void band_avx2(const Coordinates& c, std::int64_t r0, std::int64_t r1,
                                                std::uint8_t* band) {
  relation_band<D>(c, r0, r1, band);
}

template <int D>
__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2"))) void band_avx512(
    const Coordinates& c, std::int64_t r0, std::int64_t r1, std::uint8_t* band) {
  relation_band<D>(c, r0, r1, band);
}
#endif

template <int D>
BandLoop band_loop_for(kernels::SimdLevel level) {
#if defined(__x86_64__) && defined(__GNUC__)
  if (level == kernels::SimdLevel::Avx512) return band_avx512<D>;
  if (level == kernels::SimdLevel::Avx2) return band_avx2<D>;
#endif
  return band_baseline<D>;
}

/// Return the band loop for dimension d at the instruction set in use.
BandLoop band_loop(int d) {
  const kernels::SimdLevel level = kernels::simd_level();
  switch (d) {
    case 2: return band_loop_for<2>(level);
    case 3: return band_loop_for<3>(level);
    default: return band_loop_for<4>(level);
  }
}

}  // namespace

Array causal_matrix(const double* points, std::int64_t n, int d, const std::vector<double>& periods,
                    const CausetProgress& progress) {
  if (d < 2 || d > kMaxDim) {
    throw ValueError("causal matrices are built for dimension d = 2, 3 or 4, got d = " + std::to_string(d));
  }
  if (n < 0) throw ValueError("the number of points must be >= 0, got " + std::to_string(n));
  if (static_cast<int>(periods.size()) != d - 1) {
    throw ValueError("expected " + std::to_string(d - 1) + " spatial periods (0 = not periodic), got " +
                     std::to_string(periods.size()));
  }
  for (double p : periods) {
    if (!(p >= 0) || !std::isfinite(p)) {
      throw ValueError("spatial periods must be finite and >= 0 (0 = not periodic), got " + std::to_string(p));
    }
  }
  const Coordinates coords(points, n, d, periods);
  const BandLoop compute_band = band_loop(d);
  Array result = Array::zeros(DType::Bool, 2, n, n);
  if (n < 2) return result;

  // Bands of whole rows starting on a multiple of 8 rows: their packed bits start on a byte, so bands
  // never share a byte and are written independently. Two bands in flight per thread fit the budget.
  const std::int64_t threads = std::max(1, get_num_threads());
  const std::uint64_t row_bytes = static_cast<std::uint64_t>(n + 7) / 8;
  const std::uint64_t granted = MemoryGovernor::instance().tile_budget(2 * threads * 64 * row_bytes);
  std::int64_t band_rows = static_cast<std::int64_t>(granted / std::max<std::uint64_t>(1, 2 * threads * row_bytes));
  band_rows = std::clamp<std::int64_t>(band_rows / 8 * 8, 8, 256);
  const std::int64_t bands = (n + band_rows - 1) / band_rows;
  // Pair tests done before a band: the strict upper triangle above it, for progress in pair units.
  auto pairs_before = [n](std::int64_t row) {
    return static_cast<std::uint64_t>(row) * static_cast<std::uint64_t>(n) -
           static_cast<std::uint64_t>(row) * static_cast<std::uint64_t>(row + 1) / 2;
  };
  const std::uint64_t total_pairs = pairs_before(n);

  Buffer::Lease lease = Buffer::lease(result.buffer());
  ByteStore& store = lease.store();
  // Batches of bands between progress calls: the calling thread reports (and may be interrupted)
  // between batches, while TBB spreads each batch over the threads.
  const std::int64_t batch = 4 * threads;
  for (std::int64_t first = 0; first < bands; first += batch) {
    const std::int64_t last = std::min(bands, first + batch);
    tbb::parallel_for(first, last, [&](std::int64_t b) {
      const std::int64_t r0 = b * band_rows;
      const std::int64_t r1 = std::min(n, r0 + band_rows);
      const std::uint64_t bit0 = static_cast<std::uint64_t>(r0) * static_cast<std::uint64_t>(n);
      const std::uint64_t bit1 = static_cast<std::uint64_t>(r1) * static_cast<std::uint64_t>(n);
      const std::size_t nbytes = static_cast<std::size_t>((bit1 + 7) / 8 - bit0 / 8);
      // 16 bytes of slack: or_word_at touches up to 9 bytes past a word's first byte.
      PooledBuffer band = MemoryGovernor::instance().acquire_tile(nbytes + 16);
      std::memset(band.data(), 0, nbytes + 16);
      compute_band(coords, r0, r1, band.as<std::uint8_t>());
      store.write_at(bit0 / 8, band.data(), nbytes);
    });
    if (progress) {
      const std::int64_t done_rows = std::min(n, last * band_rows);
      progress(pairs_before(done_rows), total_pairs);
    }
  }
  return result;
}

}  // namespace pycauset::causet
