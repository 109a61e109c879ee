// The streaming GEMM: the out-of-core product when whole rows of the file-backed operands lie back to back.
//
//   for each band I of bm rows of A and C               A(I, :) one contiguous run, read once
//     for each band P of bk rows of B (snake order)     B(P, :) one contiguous run, read once per band I
//       C(I, :) (+)= A(I, P) B(P, :)                     one tile product on resident windows
//     write C(I, :) back                                 one contiguous run, on the I/O worker
//
// Every transfer moves a whole band with unbuffered I/O into a pooled window: the disk DMAs straight
// into memory that BLAS reads next, with no page cache to fill, copy out of or reclaim. Under a memory
// cap that reclaim, more than the disk, was what held back the blocked plan of gemm_ooc.cpp, whose
// blocks are many short runs and so must go through the page cache. The price is traffic: B is read
// ceil(m / bm) times, where square blocks read ~2mnk/sqrt(M) words in all. A disk that streams at
// GB/s delivers that extra volume faster than BLAS consumes it, so this plan is taken whenever bands
// of a useful height fit the budget (plan_bands); otherwise the blocked plan runs.
// Each operand is either used in place (RAM, BLAS-compatible layout) or streamed by bands, each
// with a ring of two windows: the I/O worker fills (or drains) one while the product uses the other.
#include <algorithm>
#include <future>
#include <vector>

#include "core/governor.hpp"
#include "core/kernels/gemm_internal.hpp"
#include "core/tiles/io_pipeline.hpp"

namespace pycauset::detail {
namespace {

using tiles::Block;
using tiles::InPlaceBlock;
using tiles::TileLayout;

/// Bands lower than this (unless they cover the whole dimension) make ?gemm calls too thin and re-read
/// B too often. Each pass over B does 2 bm flops per byte of B (float64), so at 128 rows a disk that
/// streams 1.3 GB/s keeps up with ~80 GFLOP/s; the blocked plan, the alternative at such budgets,
/// reads short runs through the page cache and under a memory cap measured at half that rate.
constexpr std::int64_t kMinimumBand = 128;

/// Depths tried for B's bands, deepest first: deep enough for a full-speed ?gemm (at 128 its C
/// traffic showed), shallow enough to leave most of the budget to A's and C's bands, whose height
/// sets how often B is re-read.
constexpr std::int64_t kBandDepths[] = {512, 384, 256};

/// Band heights of the plan; bm == 0 when no useful plan fits.
struct BandPlan {
  std::int64_t bm = 0, bk = 0;
};

/// One operand: in place, or streamed through a ring of two band windows (ring.holds: band indices).
struct Streamed {
  const Array* array = nullptr;
  const Buffer::Lease* lease = nullptr;
  InPlaceBlock whole;  ///< data == nullptr when streamed
  std::int64_t band_rows = 0;
  TileRing ring;

  bool streamed() const { return whole.data == nullptr; }
};

/// The band plan for one depth of B's bands (bm == 0 when bands of kMinimumBand rows do not fit).
BandPlan plan_bands_of_depth(std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t item, bool a_streamed,
                             bool b_streamed, bool c_streamed, double budget_bytes, std::int64_t depth) {
  constexpr double slack = 2.0 * ByteStore::kWindowAlignment;  // per window (alignment lead and tail)
  BandPlan plan;
  plan.bk = b_streamed ? balanced(k, depth) : k;
  const double fixed = b_streamed ? 2.0 * (double(plan.bk) * n * item + slack) : 0.0;
  const double per_row = 2.0 * item * ((a_streamed ? double(k) : 0.0) + (c_streamed ? double(n) : 0.0));
  const double windows = 2.0 * ((a_streamed ? 1 : 0) + (c_streamed ? 1 : 0));
  const double room = budget_bytes - fixed - windows * slack;
  if (room <= 0) return BandPlan{};
  const double fit = per_row == 0 ? double(m) : std::floor(room / per_row);
  if (fit < double(std::min(m, kMinimumBand))) return BandPlan{};
  plan.bm = balanced(m, static_cast<std::int64_t>(std::min(fit, double(m))));
  return plan;
}

/// The band plan with the fewest passes over B (ties: the deeper bands); bm == 0 when none fits.
BandPlan plan_bands(std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t item, bool a_streamed,
                    bool b_streamed, bool c_streamed, double budget_bytes) {
  BandPlan best;
  for (const std::int64_t depth : kBandDepths) {
    const BandPlan plan =
        plan_bands_of_depth(m, n, k, item, a_streamed, b_streamed, c_streamed, budget_bytes, depth);
    if (plan.bm == 0) continue;
    if (best.bm == 0 || (m + plan.bm - 1) / plan.bm < (m + best.bm - 1) / best.bm) best = plan;
    if (!b_streamed) break;  // the depth is k whatever is tried
  }
  return best;
}

/// Make sure band `id` of `x` (rows [id * band_rows, ...)) sits in a window, reading it on the worker if
/// needed, never touching window `busy`. Return the window index.
int stage_band(Streamed& x, std::int64_t id, int busy, tiles::IoWorker& io) {
  const std::int64_t r0 = id * x.band_rows, nr = std::min(x.band_rows, x.array->rows() - r0);
  return x.ring.stage(id, busy, tiles::band_window_bytes(*x.array, x.band_rows), io,
                      [&x, r0, nr](std::byte* window) { tiles::read_band(*x.array, *x.lease, r0, nr, window); });
}

/// The tile operand for rows [r0, ...) x columns [c0, ...) of `x`, whose band `id` is in `slot`.
TileOperand view_of(Streamed& x, std::int64_t r0, std::int64_t c0, std::int64_t item, int slot, std::int64_t id) {
  if (!x.streamed()) return in_place_view(x.whole, r0, c0, item);
  const std::byte* band = tiles::band_in_window(*x.array, *x.lease, id * x.band_rows, x.ring.data(slot));
  const std::int64_t ld = x.array->cols();
  return TileOperand{band + ((r0 - id * x.band_rows) * ld + c0) * item, TileLayout::RowMajor, ld};
}

/// Return whether `x` can take part in place (RAM, BLAS layout, `want` dtype) or streamed, filling `whole`.
bool classify(Streamed& x, DType want, bool need_row_major) {
  x.whole = tiles::in_place_block(*x.array, *x.lease, Block{0, x.array->rows(), 0, x.array->cols()}, want);
  if (x.whole.data != nullptr && need_row_major && x.whole.layout != TileLayout::RowMajor) x.whole = InPlaceBlock{};
  return !x.streamed() || tiles::bands_stream(*x.array, *x.lease, want);
}

}  // namespace

bool streamed_gemm(const Array& a, const Array& b, const Array& c, const Buffer::Lease& lease_a,
                   const Buffer::Lease& lease_b, const Buffer::Lease& lease_c, TileProduct product,
                   bool b_row_major, std::uint64_t budget_bytes, const GemmProgress& progress) {
  const std::int64_t m = a.rows(), k = a.cols(), n = b.cols();
  const DType dtype = c.dtype();
  const std::int64_t item = itemsize(dtype);
  Streamed A, B, C;
  A.array = &a, A.lease = &lease_a;
  B.array = &b, B.lease = &lease_b;
  C.array = &c, C.lease = &lease_c;
  if (!classify(A, dtype, false) || !classify(B, dtype, b_row_major) || !classify(C, dtype, true)) return false;
  if (!A.streamed() && !B.streamed() && !C.streamed()) return false;  // all in RAM: the direct path
  const BandPlan plan = plan_bands(m, n, k, item, A.streamed(), B.streamed(), C.streamed(), double(budget_bytes));
  if (plan.bm == 0) return false;
  A.band_rows = plan.bm, C.band_rows = plan.bm, B.band_rows = plan.bk;

  const std::int64_t mb = (m + plan.bm - 1) / plan.bm, kb = (k + plan.bk - 1) / plan.bk;
  const std::uint64_t total = static_cast<std::uint64_t>(m) * static_cast<std::uint64_t>(n) * static_cast<std::uint64_t>(k);
  std::uint64_t done = 0;
  // Declared last: destroyed first, so queued jobs finish while windows and leases are alive.
  tiles::IoWorker io;

  // The sequence of B bands: snake order, so each band of A starts on the band of B the last one ended on.
  std::vector<std::int64_t> b_order;
  for (std::int64_t i = 0; i < mb; ++i) {
    for (std::int64_t q = 0; q < kb; ++q) b_order.push_back(i % 2 == 0 ? q : kb - 1 - q);
  }
  int cur_a = A.streamed() ? stage_band(A, 0, -1, io) : -1;
  int cur_b = B.streamed() ? stage_band(B, b_order[0], -1, io) : -1;
  int cur_c = 1;
  for (std::int64_t i = 0; i < mb; ++i) {
    const std::int64_t r0 = i * plan.bm, nr = std::min(plan.bm, m - r0);
    if (C.streamed()) {
      cur_c ^= 1;
      tiles::await_io(C.ring.ready[cur_c]);  // the band it held is written back
      if (C.ring.slot[cur_c].data() == nullptr) {
        C.ring.slot[cur_c] = MemoryGovernor::instance().acquire_tile(tiles::band_window_bytes(c, plan.bm));
      }
    }
    std::byte* c_data = C.streamed() ? tiles::band_in_window(c, lease_c, r0, C.ring.slot[cur_c].data())
                                     : const_cast<std::byte*>(C.whole.data) + r0 * C.whole.ld * item;
    const std::int64_t ldc = C.streamed() ? n : C.whole.ld;
    for (std::int64_t q = 0; q < kb; ++q) {
      const std::size_t step = static_cast<std::size_t>(i * kb + q);
      const std::int64_t p = b_order[step];
      // Queue the next B band first (needed soonest), then the next A band (needed at the next i).
      int next_b = cur_b;
      if (B.streamed() && step + 1 < b_order.size()) next_b = stage_band(B, b_order[step + 1], cur_b, io);
      if (A.streamed() && q == 0 && i + 1 < mb) stage_band(A, i + 1, cur_a, io);
      const std::int64_t k0 = p * plan.bk, nk = std::min(plan.bk, k - k0);
      const TileOperand ta = view_of(A, r0, k0, item, cur_a, i);
      const TileOperand tb = view_of(B, k0, 0, item, cur_b, p);
      {
        tiles::PhaseTimer timer(tiles::Phase::Compute);
        product(nr, n, nk, ta, tb, c_data, ldc, q != 0);
      }
      done += static_cast<std::uint64_t>(nr) * static_cast<std::uint64_t>(n) * static_cast<std::uint64_t>(nk);
      if (progress) progress(done, total);
      cur_b = next_b;
    }
    if (C.streamed()) {
      const std::byte* window = C.ring.slot[cur_c].data();
      C.ring.ready[cur_c] = io.submit([&c, &lease_c, r0, nr, window] { tiles::write_band(c, lease_c, r0, nr, window); });
    }
    if (A.streamed() && i + 1 < mb) cur_a = A.ring.holds[0] == i + 1 ? 0 : 1;
  }
  for (auto& written : C.ring.ready) tiles::await_io(written);
  return true;
}

}  // namespace pycauset::detail
