// The tile engine: tile plans from the governor's budget, per-worker registers, leaf tiles, TBB tasks.
#include "core/expr/evaluator_internal.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <mutex>

#include "core/governor.hpp"
#include "core/threads.hpp"
#include "core/tiles/tile_io.hpp"

namespace pycauset::expr::detail {

namespace {

constexpr std::int64_t kRamTileElements = 1 << 16;    // parallel grain for all-RAM expressions
constexpr std::int64_t kFileTileElements = 1 << 19;   // 4 MiB of float64 per buffered leaf and tile
constexpr std::size_t kRegisterBytes = kSegment * 16;  // widest element: complex128

}  // namespace

Tile TilePlan::tile(std::int64_t k) const noexcept {
  Tile t;
  t.index = k;
  const std::int64_t i = k / grid_cols, j = k % grid_cols;
  t.r0 = i * tile_rows;
  t.c0 = j * tile_cols;
  t.nr = std::min(tile_rows, rows - t.r0);
  t.nc = std::min(tile_cols, cols - t.c0);
  return t;
}

Evaluator::Evaluator(Program program, int out_buffered_bytes, bool bit_output)
    : program_(std::move(program)) {
  const std::int64_t rows = program_.rows, cols = program_.cols;
  // Buffered leaves arrive by pread into pooled tiles (files) or need unpacking (bits).
  std::int64_t buffered_bytes = out_buffered_bytes;
  bool transposed_leaf = false;
  for (const Array& leaf : program_.leaves) {
    const bool buffered = leaf.is_file() || leaf.dtype() == DType::Bool;
    buffered_.push_back(buffered);
    if (buffered) buffered_bytes += itemsize(leaf.dtype());
    if (leaf.rows() > 1 && leaf.cols() > 1 && std::llabs(leaf.col_stride()) > std::llabs(leaf.row_stride()) &&
        leaf.row_stride() != 0) {
      transposed_leaf = true;
    }
  }
  plan_.rows = rows;
  plan_.cols = cols;
  plan_.workers = std::max(1, get_num_threads());
  std::int64_t elements = kRamTileElements;
  if (buffered_bytes > 0) {
    const std::uint64_t wanted =
        static_cast<std::uint64_t>(plan_.workers) * static_cast<std::uint64_t>(2 * buffered_bytes) * kFileTileElements;
    const std::uint64_t granted = MemoryGovernor::instance().tile_budget(wanted);
    const std::uint64_t registers_bytes =
        static_cast<std::uint64_t>(plan_.workers) * (program_.registers + 1) * kRegisterBytes;
    const std::uint64_t usable = granted > 2 * registers_bytes ? granted - registers_bytes : granted / 2;
    // Buffered leaves are double-buffered (current tile + read-ahead); the output tile is single.
    const std::uint64_t per_element = static_cast<std::uint64_t>(2 * buffered_bytes - out_buffered_bytes);
    elements = static_cast<std::int64_t>(usable / (static_cast<std::uint64_t>(plan_.workers) * per_element));
    elements = std::clamp<std::int64_t>(elements, 256, kFileTileElements);
  }
  if (transposed_leaf) {
    // A transposed operand walks columns: square tiles keep both access patterns cache-friendly.
    std::int64_t side = std::max<std::int64_t>(16, static_cast<std::int64_t>(std::sqrt(static_cast<double>(elements))));
    plan_.tile_cols = std::max<std::int64_t>(1, std::min(cols, side));
    plan_.tile_rows = std::max<std::int64_t>(1, std::min(rows, elements / plan_.tile_cols));
  } else {
    plan_.tile_cols = cols <= elements ? std::max<std::int64_t>(cols, 1) : std::max<std::int64_t>(64, elements / 64 * 64);
    plan_.tile_rows = std::max<std::int64_t>(1, std::min(rows, elements / plan_.tile_cols));
  }
  if (bit_output && plan_.tile_cols == cols && plan_.tile_rows < rows) {
    plan_.tile_rows = std::max<std::int64_t>(8, plan_.tile_rows / 8 * 8);
  }
  plan_.grid_rows = rows == 0 ? 0 : (rows + plan_.tile_rows - 1) / plan_.tile_rows;
  plan_.grid_cols = cols == 0 ? 0 : (cols + plan_.tile_cols - 1) / plan_.tile_cols;
  plan_.workers = static_cast<int>(std::max<std::int64_t>(1, std::min<std::int64_t>(plan_.workers, plan_.tile_count())));
  // Lease last: allocation of the output and the tile budget above may have spilled unleased buffers.
  for (const Array& leaf : program_.leaves) leases_.push_back(Buffer::lease(leaf.buffer()));
}

void Evaluator::run(std::int64_t tasks, const std::function<void(Worker&, std::int64_t)>& task) const {
  if (tasks <= 0) return;
  const int workers = static_cast<int>(std::min<std::int64_t>(plan_.workers, tasks));
  std::atomic<std::int64_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto body = [&](int) {
    try {
      Worker worker(*this);
      std::int64_t t = next++;
      while (t < tasks && !failed.load()) {
        const std::int64_t following = next++;  // claimed now so the worker can read it ahead
        worker.next_task = following < tasks ? following : -1;
        task(worker, t);
        t = following;
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
      failed = true;
    }
  };
  if (workers == 1) {
    body(0);
  } else {
    tbb::parallel_for(0, workers, 1, body);
  }
  if (error) std::rethrow_exception(error);
}

bool Evaluator::any_buffered() const noexcept {
  for (bool b : buffered_) {
    if (b) return true;
  }
  return false;
}

void Evaluator::prefetch(std::int64_t k) const {
  if (k < 0 || k >= plan_.tile_count()) return;
  const Tile t = plan_.tile(k);
  for (std::size_t i = 0; i < program_.leaves.size(); ++i) {
    const Array& leaf = program_.leaves[i];
    if (!leaf.is_file() || leaf.dtype() == DType::Bool) continue;
    const std::int64_t first = leaf.element_index(t.r0, t.c0);
    const std::int64_t last = leaf.element_index(t.r0 + t.nr - 1, t.c0 + t.nc - 1);
    const std::int64_t lo = std::min(first, last), hi = std::max(first, last);
    const std::int64_t bytes = (hi - lo + 1) * itemsize(leaf.dtype());
    if (bytes > (std::int64_t{64} << 20)) continue;  // a transposed walk: the hint would be useless
    leases_[i].store().prefetch(static_cast<std::uint64_t>(lo) * itemsize(leaf.dtype()), static_cast<std::size_t>(bytes));
  }
}

Worker::Worker(const Evaluator& evaluator)
    : ev_(evaluator),
      scratch_(static_cast<std::size_t>(evaluator.program().registers + 1) * kRegisterBytes + 64),
      regs_(static_cast<std::size_t>(evaluator.program().registers), nullptr) {
  const Program& p = ev_.program();
  auto* aligned = reinterpret_cast<std::byte*>((reinterpret_cast<std::uintptr_t>(scratch_.data()) + 63) & ~std::uintptr_t{63});
  scratch_regs_.resize(regs_.size());
  for (int r = 0; r < p.registers; ++r) {
    scratch_regs_[static_cast<std::size_t>(r)] = aligned + static_cast<std::size_t>(r) * kRegisterBytes;
    regs_[static_cast<std::size_t>(r)] = scratch_regs_[static_cast<std::size_t>(r)];
  }
  // Constants are filled once: a whole register of the scalar in the consumer's dtype.
  for (const Constant& c : p.constants) c.fill(c.bytes.data(), 0, scratch_regs_[static_cast<std::size_t>(c.reg)], kSegment);
  const TilePlan& plan = ev_.plan();
  const std::size_t tile_elements = static_cast<std::size_t>(plan.tile_rows * plan.tile_cols);
  leaf_tiles_.resize(p.leaves.size());
  ahead_tiles_.resize(p.leaves.size());
  sources_.resize(p.leaves.size());
  for (std::size_t i = 0; i < p.leaves.size(); ++i) {
    sources_[i].dtype = p.leaves[i].dtype();
    if (ev_.buffered(i)) {
      const std::size_t bytes = tile_elements * itemsize(p.leaves[i].dtype());
      leaf_tiles_[i] = MemoryGovernor::instance().acquire_tile(bytes);
      ahead_tiles_[i] = MemoryGovernor::instance().acquire_tile(bytes);
    }
  }
  if (ev_.any_buffered()) io_ = std::make_unique<tiles::IoWorker>();
}

Worker::~Worker() {
  // The read-ahead writes into ahead_tiles_: let it finish before the buffers go back to the pool.
  if (ahead_.valid()) ahead_.wait();
}

std::byte* Worker::output_tile(DType dtype) {
  const TilePlan& plan = ev_.plan();
  if (out_tile_.data() == nullptr) {
    out_tile_ = MemoryGovernor::instance().acquire_tile(static_cast<std::size_t>(plan.tile_rows * plan.tile_cols) *
                                                        itemsize(dtype));
  }
  return out_tile_.data();
}

void Worker::read_leaves(const Tile& t, std::vector<PooledBuffer>& into) const {
  const Program& p = ev_.program();
  for (std::size_t i = 0; i < p.leaves.size(); ++i) {
    if (!ev_.buffered(i)) continue;
    const Array& leaf = p.leaves[i];
    // Read only the distinct elements: a broadcast axis contributes one row or column.
    const bool bcast_rows = leaf.row_stride() == 0 && t.nr > 1;
    const bool bcast_cols = leaf.col_stride() == 0 && t.nc > 1;
    tiles::Block block{t.r0, bcast_rows ? 1 : t.nr, t.c0, bcast_cols ? 1 : t.nc};
    tiles::read_block(leaf, ev_.lease(i), block, into[i].data(), block.nc, leaf.dtype());
  }
}

void Worker::point_sources(const Tile& t, std::vector<PooledBuffer>& from) {
  const Program& p = ev_.program();
  for (std::size_t i = 0; i < p.leaves.size(); ++i) {
    const Array& leaf = p.leaves[i];
    TileSource& s = sources_[i];
    if (!ev_.buffered(i)) {
      s.base = ev_.lease(i).data() + leaf.element_index(t.r0, t.c0) * itemsize(leaf.dtype());
      s.row_stride = leaf.row_stride();
      s.col_stride = leaf.col_stride();
      continue;
    }
    const bool bcast_rows = leaf.row_stride() == 0 && t.nr > 1;
    const bool bcast_cols = leaf.col_stride() == 0 && t.nc > 1;
    s.base = from[i].data();
    s.row_stride = bcast_rows ? 0 : (bcast_cols ? 1 : t.nc);
    s.col_stride = bcast_cols ? 0 : 1;
  }
}

void Worker::load_tile(const Tile& t, std::int64_t upcoming) {
  if (ahead_.valid()) {
    ahead_.get();  // rethrows an I/O error of the read-ahead
    if (ahead_index_ == t.index) {
      std::swap(leaf_tiles_, ahead_tiles_);
    } else {
      read_leaves(t, leaf_tiles_);
    }
  } else {
    read_leaves(t, leaf_tiles_);
  }
  point_sources(t, leaf_tiles_);
  ahead_index_ = -1;
  if (io_ && upcoming >= 0 && upcoming < ev_.plan().tile_count()) {
    // Overlap the next tile's preads with this tile's compute (double buffering per worker).
    const Tile next = ev_.plan().tile(upcoming);
    ahead_index_ = upcoming;
    ahead_ = io_->submit([this, next] { read_leaves(next, ahead_tiles_); });
  }
}

const void* Worker::run_segment(std::int64_t r, std::int64_t j, std::int64_t n, void* out) {
  const Program& p = ev_.program();
  for (const Step& s : p.steps) {
    void* target = s.out == kOutputRegister ? out : scratch_regs_[static_cast<std::size_t>(s.out)];
    switch (s.kind) {
      case Step::Kind::LoadLeaf: {
        const TileSource& src = sources_[static_cast<std::size_t>(s.leaf)];
        const std::byte* at = src.base + (r * src.row_stride + j * src.col_stride) * itemsize(src.dtype);
        if (src.col_stride == 1 && src.dtype == s.dtype) {
          regs_[static_cast<std::size_t>(s.out)] = at;  // in place: no copy
          continue;
        }
        s.cast(at, src.col_stride, target, n);
        regs_[static_cast<std::size_t>(s.out)] = target;
        break;
      }
      case Step::Kind::Operation:
        s.op(regs_[static_cast<std::size_t>(s.a)], regs_[static_cast<std::size_t>(s.b)], target, n);
        if (s.out != kOutputRegister) regs_[static_cast<std::size_t>(s.out)] = target;
        break;
      case Step::Kind::Cast:
        s.cast(regs_[static_cast<std::size_t>(s.a)], 1, target, n);
        if (s.out != kOutputRegister) regs_[static_cast<std::size_t>(s.out)] = target;
        break;
    }
  }
  return p.result == kOutputRegister ? out : regs_[static_cast<std::size_t>(p.result)];
}

}  // namespace pycauset::expr::detail
