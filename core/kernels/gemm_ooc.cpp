// The tiled GEMM pipeline: plan blocks from the tile budget, prefetch operand tiles, write back C tiles.
//
// When the operands do not fit the budget and their rows lie back to back in their files, the
// streaming plan of gemm_stream.cpp (whole-row bands, unbuffered I/O) runs instead; this blocked plan
// covers everything else (transposed or strided file views, dtype conversions, bool, tiny budgets).
//
// C = A B with A (m x k), B (k x n), C (m x n) is computed block by block:
//
//   for each C block (I, J)                        bm x bn, resident in a tile (or in place in RAM)
//     for each inner block P (snake order)         bk
//       C(I, J) (+)= A(I, P) B(P, J)                one tile product (BLAS ?gemm or the integer loop)
//     write C(I, J) back                            on the I/O worker, while the next block computes
//
// Every operand that cannot be used in place (file-backed, strided, another dtype, bool) is read
// into a ring of two pooled tile buffers: while the product runs on one, the I/O worker reads the
// next step's block into the other. Reads of A and B total m n k (1/bn + 1/bm) elements, so C
// blocks as large as the budget allows give the classic ~2 m n k / sqrt(M) traffic
// (Hong & Kung 1981; the blocked out-of-core GEMM of Toledo, "A survey of out-of-core algorithms
// in numerical linear algebra", 1999). Memory bound (elements): 2 bm bn [C, if tiled]
// + 2 bm bk [A, if tiled] + 2 bk bn [B, if tiled] <= tile_budget / itemsize; operands in RAM cost
// nothing extra. When everything fits, the plan is one block covering everything and the loop
// makes exactly one tile product: with RAM operands and result, one BLAS call on the RAM buffers
// (the direct path).
#include <algorithm>
#include <cmath>
#include <future>
#include <vector>

#include "core/governor.hpp"
#include "core/kernels/gemm_internal.hpp"
#include "core/tiles/io_pipeline.hpp"
#include "storage/errors.hpp"

namespace pycauset::detail {
namespace {

using tiles::Block;
using tiles::InPlaceBlock;
using tiles::TileLayout;

constexpr std::uint64_t kPoolGranule = 64 * 1024;  // BufferPool rounds every buffer up to this

/// Block sizes of the plan (each at least 1, at most the dimension).
struct Plan {
  std::int64_t bm = 1, bn = 1, bk = 1;
};

/// Inner blocks at least this deep keep ?gemm at full speed (packing cost amortised).
constexpr std::int64_t kMinimumInner = 256;

/// Choose blocks for an m x n x k product whose tiled operands must fit `words` elements.
///
/// With cm x cn C blocks, A is read cn times and B cm times: traffic = m k cn [A tiled] + k n cm
/// [B tiled]. For each cm the smallest feasible cn is found (feasible: the C ring fits and leaves
/// room for inner blocks at least kMinimumInner deep); the plan of least traffic wins, ties going
/// to fewer tile products. The inner depth takes all the remaining room.
Plan plan_blocks(std::int64_t m, std::int64_t n, std::int64_t k, bool a_tiled, bool b_tiled, bool c_tiled,
                 double words) {
  const double whole = (a_tiled ? double(m) * k : 0) + (b_tiled ? double(k) * n : 0) + (c_tiled ? double(m) * n : 0);
  if (whole <= words) return Plan{m, n, k};
  const double min_inner = std::min<double>(double(k), double(kMinimumInner));
  // Deepest inner block that fits beside a bm x bn C ring (0 when none of depth min_inner does).
  auto inner_room = [&](std::int64_t bm, std::int64_t bn) -> double {
    const double fixed = c_tiled ? 2.0 * bm * bn : 0.0;  // current C block + the one being written back
    const double per_inner = 2.0 * ((a_tiled ? bm : 0) + (b_tiled ? bn : 0));  // two A and two B tiles
    if (fixed > words) return 0;
    if (per_inner == 0) return double(k);
    const double room = std::floor((words - fixed) / per_inner);
    return room >= min_inner ? std::min(room, double(k)) : 0;
  };
  auto block_of = [](std::int64_t extent, std::int64_t count) { return balanced(extent, (extent + count - 1) / count); };
  bool found = false;
  Plan best;
  double best_traffic = 0, best_products = 0;
  std::int64_t previous_bm = -1;
  for (std::int64_t cm = 1; cm <= m; ++cm) {
    const std::int64_t bm = block_of(m, cm);
    if (bm == previous_bm) continue;
    previous_bm = bm;
    const double row_blocks = double((m + bm - 1) / bm);
    if (found && b_tiled && double(k) * n * row_blocks > best_traffic) break;  // only grows from here
    if (inner_room(bm, 1) == 0) continue;
    std::int64_t lo = 1, hi = n;  // smallest cn with room: room grows as cn grows
    while (lo < hi) {
      const std::int64_t mid = lo + (hi - lo) / 2;
      if (inner_room(bm, block_of(n, mid)) > 0) hi = mid; else lo = mid + 1;
    }
    const std::int64_t bn = block_of(n, lo);
    const std::int64_t bk = balanced(k, std::int64_t(inner_room(bm, bn)));
    const double col_blocks = double((n + bn - 1) / bn);
    const double traffic = (a_tiled ? double(m) * k * col_blocks : 0) + (b_tiled ? double(k) * n * row_blocks : 0);
    const double products = row_blocks * col_blocks * double((k + bk - 1) / bk);
    if (!found || traffic < best_traffic || (traffic == best_traffic && products < best_products)) {
      found = true;
      best = Plan{bm, bn, bk};
      best_traffic = traffic;
      best_products = products;
    }
  }
  if (found) return best;
  // Not even 1 x 1 C blocks leave room for min_inner: take whatever depth fits.
  const double per_inner = 2.0 * ((a_tiled ? 1 : 0) + (b_tiled ? 1 : 0));
  const double room = std::floor((words - (c_tiled ? 2.0 : 0.0)) / std::max(per_inner, 1.0));
  return Plan{1, 1, balanced(k, std::int64_t(std::max(1.0, room)))};
}

/// How one operand's blocks reach the tile product: in place (a pointer into RAM) or through tiles.
struct Operand {
  const Array* array = nullptr;
  const Buffer::Lease* lease = nullptr;
  DType dtype = DType::Float64;  ///< compute dtype of the tiles
  InPlaceBlock whole;            ///< whole-array in-place view, or data == nullptr when tiled
  TileLayout layout = TileLayout::RowMajor;
  TileRing ring;  ///< used when tiled

  bool tiled() const { return whole.data == nullptr; }
};

/// The tile product's view of `block` of operand `x` held in `slot` (or in place).
TileOperand operand_view(Operand& x, const Block& block, int slot) {
  if (!x.tiled()) return in_place_view(x.whole, block.r0, block.c0, itemsize(x.dtype));
  return TileOperand{x.ring.data(slot), x.layout, x.layout == TileLayout::RowMajor ? block.nc : block.nr};
}

/// Make sure block `id` of `x` is in a slot (read on the worker if needed), never touching slot `busy`
/// (in use by the current product). Return the slot, or -1 for in-place operands.
int stage(Operand& x, std::int64_t id, const Block& block, int busy, std::size_t slot_bytes, tiles::IoWorker& io) {
  if (!x.tiled()) return -1;
  const std::int64_t ld = x.layout == TileLayout::RowMajor ? block.nc : block.nr;
  return x.ring.stage(id, busy, slot_bytes, io, [&x, block, ld](std::byte* dst) {
    tiles::read_block(*x.array, *x.lease, block, dst, ld, x.dtype, x.layout);
  });
}

/// One step of the loop: C block (i, j), inner block p (block indices).
struct Step {
  std::int64_t i, j, p;
  bool first_p, last_p;
};

}  // namespace

std::int64_t balanced(std::int64_t extent, std::int64_t limit) {
  limit = std::max<std::int64_t>(1, std::min(limit, extent));
  std::int64_t count = (extent + limit - 1) / limit;
  return std::max<std::int64_t>(1, (extent + count - 1) / count);
}

void tiled_gemm(const Array& a, const Array& b, const Array& c, const GemmProgress& progress) {
  const std::int64_t m = a.rows(), k = a.cols(), n = b.cols();
  const DType dtype = c.dtype();
  const std::int64_t item = itemsize(dtype);
  TileProduct product = blas_tile_product(dtype);
  const bool integer = product == nullptr;
  if (integer) product = integer_tile_product(dtype);
  if (product == nullptr) throw NotImplemented(std::string("matmul is not implemented for ") + dtype_name(dtype));

  // Leases first: pinned operands are never spilled to make room for tiles.
  const Buffer::Lease lease_a = Buffer::lease(a.buffer());
  const Buffer::Lease lease_b = Buffer::lease(b.buffer());
  const Buffer::Lease lease_c = Buffer::lease(c.buffer());

  Operand A, B;
  A.array = &a, A.lease = &lease_a, A.dtype = dtype;
  B.array = &b, B.lease = &lease_b, B.dtype = dtype;
  A.whole = tiles::in_place_block(a, lease_a, Block{0, m, 0, k}, dtype);
  B.whole = tiles::in_place_block(b, lease_b, Block{0, k, 0, n}, dtype);
  A.layout = tiles::natural_layout(a);
  B.layout = tiles::natural_layout(b);
  if (integer) {
    // The integer loop runs along rows of B: give it row-major B tiles.
    if (!B.tiled() && B.whole.layout != TileLayout::RowMajor) B.whole = InPlaceBlock{};
    B.layout = TileLayout::RowMajor;
  }
  const InPlaceBlock c_whole = tiles::in_place_block(c, lease_c, Block{0, m, 0, n}, dtype);
  // The products write row-major C; the fresh result always is, but never write through anything else.
  const bool c_tiled = c_whole.data == nullptr || c_whole.layout != TileLayout::RowMajor;

  // Plan from the budget: ask for the single-tile amount; take what the governor grants.
  const std::uint64_t single = static_cast<std::uint64_t>(item) *
                               static_cast<std::uint64_t>((A.tiled() ? m * k : 0) + (B.tiled() ? k * n : 0) +
                                                          (c_tiled ? m * n : 0));
  Plan plan{std::max<std::int64_t>(m, 1), std::max<std::int64_t>(n, 1), std::max<std::int64_t>(k, 1)};
  if (single > 0) {
    // Out of core: BLAS tile products as row ranges (blas_row_range_product says why); the direct
    // path below keeps its one multi-threaded call (measured 0.88-0.91x NumPy at N = 4096-8192 when
    // split). The integer loop is TBB-parallel already.
    if (!integer) product = blas_row_range_product(dtype);
    const std::uint64_t granted = MemoryGovernor::instance().tile_budget(single + 6 * kPoolGranule);
    const std::uint64_t overhead = std::min<std::uint64_t>(6 * kPoolGranule, granted / 4);
    // Too large for one tile: stream whole-row bands when the operands allow it (gemm_stream.cpp).
    if (single + overhead > granted &&
        streamed_gemm(a, b, c, lease_a, lease_b, lease_c, product, integer, granted - overhead, progress)) {
      return;
    }
    plan = plan_blocks(m, n, k, A.tiled(), B.tiled(), c_tiled, double(granted - overhead) / double(item));
  }
  const std::int64_t mb = (m + plan.bm - 1) / plan.bm, nb = (n + plan.bn - 1) / plan.bn;
  const std::int64_t kb = (k + plan.bk - 1) / plan.bk;

  std::vector<Step> steps;
  steps.reserve(static_cast<std::size_t>(mb * nb * kb));
  bool forward = true;
  for (std::int64_t i = 0; i < mb; ++i) {
    for (std::int64_t j = 0; j < nb; ++j) {
      // Snake over p: the last A/B block of one C block is the first of the next, so it is reused.
      for (std::int64_t q = 0; q < kb; ++q) {
        std::int64_t p = forward ? q : kb - 1 - q;
        steps.push_back(Step{i, j, p, q == 0, q == kb - 1});
      }
      forward = !forward;
    }
  }
  auto block_a = [&](const Step& s) {
    return Block{s.i * plan.bm, std::min(plan.bm, m - s.i * plan.bm), s.p * plan.bk, std::min(plan.bk, k - s.p * plan.bk)};
  };
  auto block_b = [&](const Step& s) {
    return Block{s.p * plan.bk, std::min(plan.bk, k - s.p * plan.bk), s.j * plan.bn, std::min(plan.bn, n - s.j * plan.bn)};
  };
  auto block_c = [&](const Step& s) {
    return Block{s.i * plan.bm, std::min(plan.bm, m - s.i * plan.bm), s.j * plan.bn, std::min(plan.bn, n - s.j * plan.bn)};
  };
  auto id_a = [&](const Step& s) { return s.i * kb + s.p; };
  auto id_b = [&](const Step& s) { return s.p * nb + s.j; };
  const std::size_t bytes_a = static_cast<std::size_t>(plan.bm * plan.bk * item);
  const std::size_t bytes_b = static_cast<std::size_t>(plan.bk * plan.bn * item);
  const std::size_t bytes_c = static_cast<std::size_t>(plan.bm * plan.bn * item);

  // C tiles: a ring of two, one accumulating while the other is written back.
  PooledBuffer c_slot[2];
  std::future<void> c_written[2];
  int c_current = 1;
  // Declared last: destroyed first, so queued jobs finish while buffers and leases are alive.
  tiles::IoWorker io;

  const std::uint64_t total = static_cast<std::uint64_t>(m) * static_cast<std::uint64_t>(n) * static_cast<std::uint64_t>(k);
  std::uint64_t done = 0;
  int cur_a = stage(A, id_a(steps[0]), block_a(steps[0]), -1, bytes_a, io);
  int cur_b = stage(B, id_b(steps[0]), block_b(steps[0]), -1, bytes_b, io);
  for (std::size_t s = 0; s < steps.size(); ++s) {
    const Step& step = steps[s];
    int next_a = -1, next_b = -1;
    if (s + 1 < steps.size()) {
      // Prefetch: the worker reads the next step's blocks while this step computes.
      next_a = stage(A, id_a(steps[s + 1]), block_a(steps[s + 1]), cur_a, bytes_a, io);
      next_b = stage(B, id_b(steps[s + 1]), block_b(steps[s + 1]), cur_b, bytes_b, io);
    }
    const Block cb = block_c(step);
    void* c_data = nullptr;
    std::int64_t ldc = 0;
    if (c_tiled) {
      if (step.first_p) {
        c_current ^= 1;
        tiles::await_io(c_written[c_current]);  // its previous block is on disk
        if (c_slot[c_current].data() == nullptr) c_slot[c_current] = MemoryGovernor::instance().acquire_tile(bytes_c);
      }
      c_data = c_slot[c_current].data();
      ldc = cb.nc;
    } else {
      c_data = const_cast<std::byte*>(c_whole.data) + (cb.r0 * c_whole.ld + cb.c0) * item;
      ldc = c_whole.ld;
    }
    const Block ab = block_a(step), bb = block_b(step);
    const TileOperand ta = operand_view(A, ab, cur_a);
    const TileOperand tb = operand_view(B, bb, cur_b);
    {
      tiles::PhaseTimer timer(tiles::Phase::Compute);
      product(cb.nr, cb.nc, ab.nc, ta, tb, c_data, ldc, !step.first_p);
    }
    if (c_tiled && step.last_p) {
      const Array* cp = &c;
      const Buffer::Lease* lc = &lease_c;
      const std::int64_t ld = ldc;
      c_written[c_current] = io.submit([cp, lc, cb, c_data, ld, dtype] {
        tiles::write_block(*cp, *lc, cb, c_data, ld, dtype, TileLayout::RowMajor);
      });
    }
    done += static_cast<std::uint64_t>(cb.nr) * static_cast<std::uint64_t>(cb.nc) * static_cast<std::uint64_t>(ab.nc);
    if (progress) progress(done, total);
    cur_a = next_a;
    cur_b = next_b;
  }
  for (auto& written : c_written) tiles::await_io(written);
}

}  // namespace pycauset::detail
