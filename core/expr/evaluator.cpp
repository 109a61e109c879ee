// The tile engine: tile plans from the governor's budget, per-worker registers, leaf tiles, TBB tasks.
#include "core/expr/evaluator_internal.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <mutex>
#include <thread>

#include "core/governor.hpp"
#include "core/interrupt.hpp"
#include "core/threads.hpp"
#include "core/tiles/tile_io.hpp"

namespace pycauset::expr::detail {

namespace {

constexpr std::int64_t kRamTileElements = 1 << 16;    // parallel grain for all-RAM expressions
constexpr std::int64_t kFileTileElements = 1 << 19;   // 4 MiB of float64 per buffered leaf and tile
// Bands of whole rows read unbuffered: each transfer is all the disk sees of a leaf until the next
// one, so larger bands keep more of its queue busy. On the reference VM 16 MiB bands read the
// four-operand chain at 1.24-1.65 GB/s, 8 MiB bands at 0.87-1.58, buffered preads at 0.74-1.24
// (documentation/internals/expressions.md). Their buffers take at most half the budget, so that
// arrays are not spilled just to make the bands larger.
constexpr std::int64_t kBandTileElements = 1 << 21;
constexpr std::size_t kRegisterBytes = kSegment * 16;  // widest element: complex128
// Page-cache read-ahead kept in flight per leaf read in blocks (buffered pread). The disk serves many
// outstanding requests faster than a few: on the reference VM a four-operand chain read this way at
// 1.5-1.8 GB/s with hints one tile per worker ahead (8 MiB) and at 2.0-2.4 GB/s with 48 MiB.
constexpr std::int64_t kHintAheadBytes = std::int64_t{48} << 20;

/// Elements per tile when some leaves (or the output) are buffered, from the tile budget: per worker,
/// registers plus two tiles per buffered leaf (current and read-ahead) and two for a buffered output
/// (computed into and written behind). `buffered_bytes`: bytes per element of all of them, once each.
/// `bands`: every buffered leaf is read in whole-row bands, which may be larger.
std::int64_t buffered_tile_elements(int workers, std::int64_t buffered_bytes, int registers, bool bands) {
  const std::int64_t largest = bands ? kBandTileElements : kFileTileElements;
  const std::uint64_t per_tile_element = static_cast<std::uint64_t>(workers) * static_cast<std::uint64_t>(2 * buffered_bytes);
  std::uint64_t wanted = per_tile_element * static_cast<std::uint64_t>(largest);
  if (bands) {
    const std::uint64_t half_budget = MemoryGovernor::instance().limit() / 2;
    wanted = std::max(per_tile_element * static_cast<std::uint64_t>(kFileTileElements), std::min(wanted, half_budget));
  }
  const std::uint64_t granted = MemoryGovernor::instance().tile_budget(wanted);
  const std::uint64_t registers_bytes = static_cast<std::uint64_t>(workers) * (registers + 1) * kRegisterBytes;
  const std::uint64_t usable = granted > 2 * registers_bytes ? granted - registers_bytes : granted / 2;
  const auto elements = static_cast<std::int64_t>(usable / per_tile_element);
  return std::clamp<std::int64_t>(elements, 256, largest);
}

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

Evaluator::Evaluator(Program program, const BufferedOutput* output) : program_(std::move(program)) {
  const std::int64_t rows = program_.rows, cols = program_.cols;
  const bool bit_output = output != nullptr && output->array.dtype() == DType::Bool;
  // Buffered leaves arrive by pread into pooled tiles (files) or need unpacking (bits).
  std::int64_t buffered_bytes = output != nullptr ? itemsize(output->array.dtype()) : 0;
  bool transposed_leaf = false, all_bandable = true;
  for (const Array& leaf : program_.leaves) {
    const bool buffered = leaf.is_file() || leaf.dtype() == DType::Bool;
    buffered_.push_back(buffered);
    if (buffered) buffered_bytes += itemsize(leaf.dtype());
    // What tiles::bands_stream will confirm once the leaf is leased (below).
    const bool bandable = leaf.is_file() && leaf.dtype() != DType::Bool && tiles::rows_back_to_back(leaf);
    if (buffered && !bandable) all_bandable = false;
    if (leaf.rows() > 1 && leaf.cols() > 1 && std::llabs(leaf.col_stride()) > std::llabs(leaf.row_stride()) &&
        leaf.row_stride() != 0) {
      transposed_leaf = true;
    }
  }
  plan_.rows = rows;
  plan_.cols = cols;
  plan_.workers = std::max(1, get_num_threads());
  const std::int64_t elements =
      buffered_bytes == 0
          ? kRamTileElements
          : buffered_tile_elements(plan_.workers, buffered_bytes, program_.registers,
                                   all_bandable && cols <= kBandTileElements);
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
  int widest_file_item = 0;
  for (const Array& leaf : program_.leaves) {
    if (leaf.is_file()) widest_file_item = std::max(widest_file_item, itemsize(leaf.dtype()));
  }
  const std::int64_t leaf_tile_bytes = std::max<std::int64_t>(1, plan_.tile_rows * plan_.tile_cols * widest_file_item);
  hint_distance_ = std::max<std::int64_t>(plan_.workers, (kHintAheadBytes + leaf_tile_bytes - 1) / leaf_tile_bytes);
  // Lease last: allocation of the output and the tile budget above may have spilled unleased buffers.
  for (const Array& leaf : program_.leaves) leases_.push_back(Buffer::lease(leaf.buffer()));
  const bool whole_rows = plan_.tile_cols == cols;
  for (std::size_t i = 0; i < program_.leaves.size(); ++i) {
    const Array& leaf = program_.leaves[i];
    banded_.push_back(buffered_[i] && whole_rows && tiles::bands_stream(leaf, leases_[i], leaf.dtype()));
  }
  if (output != nullptr) {
    output_ = *output;
    output_banded_ = whole_rows && tiles::bands_stream(output->array, *output->lease, output->array.dtype());
  }
}

std::size_t Evaluator::output_tile_bytes() const noexcept {
  if (output_banded_) return tiles::band_window_bytes(output_->array, plan_.tile_rows);
  return static_cast<std::size_t>(plan_.tile_rows * plan_.tile_cols) * itemsize(output_->array.dtype());
}

std::size_t Evaluator::leaf_tile_bytes(std::size_t leaf) const noexcept {
  const Array& a = program_.leaves[leaf];
  if (banded_[leaf]) return tiles::band_window_bytes(a, plan_.tile_rows);
  return static_cast<std::size_t>(plan_.tile_rows * plan_.tile_cols) * itemsize(a.dtype());
}

void Evaluator::run(std::int64_t tasks, const std::function<void(Worker&, std::int64_t)>& task,
                    const ProgressFn& progress) const {
  if (tasks <= 0) return;
  const int workers = static_cast<int>(std::min<std::int64_t>(plan_.workers, tasks));
  std::atomic<std::int64_t> next{0};
  std::atomic<std::int64_t> finished{0};  // tasks done by any worker, for the progress report
  ThrottledProgress report(progress, static_cast<double>(tasks));
  report.report(0);  // the bar appears at once, not after the first tile
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  // Ctrl-C is checked by the thread that called us (Python only delivers signals there), between tiles.
  const std::thread::id caller = std::this_thread::get_id();
  auto body = [&](int) {
    try {
      Worker worker(*this);
      const bool checks_interrupt = std::this_thread::get_id() == caller;
      std::int64_t t = next++;
      while (t < tasks && !failed.load()) {
        if (checks_interrupt) check_interrupt();
        const std::int64_t following = next++;  // claimed now so the worker can read it ahead
        worker.next_task = following < tasks ? following : -1;
        task(worker, t);
        ++finished;
        // Never the total here: the final report waits until the output writes have been joined, below.
        if (checks_interrupt) report.report(static_cast<double>(std::min(finished.load(), tasks - 1)));
        t = following;
      }
      worker.finish();
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
  report.finish();  // every worker has joined its output writes
}

void Evaluator::prefetch(std::int64_t first, std::int64_t end) const {
  first = std::max<std::int64_t>(first, 0);
  end = std::min(end, plan_.tile_count());
  if (first >= end) return;
  const Tile a = plan_.tile(first), b = plan_.tile(end - 1);
  for (std::size_t i = 0; i < program_.leaves.size(); ++i) {
    const Array& leaf = program_.leaves[i];
    // Banded leaves bypass the page cache: a hint would make the kernel read them a second time.
    if (!leaf.is_file() || leaf.dtype() == DType::Bool || banded_[i]) continue;
    const std::int64_t first_element = leaf.element_index(a.r0, a.c0);
    const std::int64_t last_element = leaf.element_index(b.r0 + b.nr - 1, b.c0 + b.nc - 1);
    const std::int64_t lo = std::min(first_element, last_element), hi = std::max(first_element, last_element);
    const std::int64_t bytes = (hi - lo + 1) * itemsize(leaf.dtype());
    if (bytes > 2 * kHintAheadBytes) continue;  // a transposed walk: the hint would be useless
    leases_[i].store().prefetch(static_cast<std::uint64_t>(lo) * itemsize(leaf.dtype()), static_cast<std::size_t>(bytes));
  }
}

void Evaluator::prefetch_ahead(std::int64_t k) const {
  // Tiles below one per worker are being read now; the kernel's own read-ahead covers them.
  if (k == 0) {
    prefetch(plan_.workers, hint_distance_ + 1);
  } else {
    prefetch(k + hint_distance_, k + hint_distance_ + 1);
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
  leaf_tiles_.resize(p.leaves.size());
  ahead_tiles_.resize(p.leaves.size());
  sources_.resize(p.leaves.size());
  io_.resize(p.leaves.size());
  ahead_.resize(p.leaves.size());
  for (std::size_t i = 0; i < p.leaves.size(); ++i) {
    sources_[i].dtype = p.leaves[i].dtype();
    if (ev_.buffered(i)) {
      const std::size_t bytes = ev_.leaf_tile_bytes(i);
      leaf_tiles_[i] = MemoryGovernor::instance().acquire_tile(bytes);
      ahead_tiles_[i] = MemoryGovernor::instance().acquire_tile(bytes);
      io_[i] = std::make_unique<tiles::IoWorker>();
    }
  }
}

Worker::~Worker() {
  // The read-ahead fills ahead_tiles_ and the writer drains out_tiles_: let both finish before the
  // buffers go back to the pool (after a failure; normally finish() has waited already).
  for (std::future<void>& reading : ahead_) {
    if (reading.valid()) reading.wait();
  }
  for (std::future<void>& writing : out_written_) {
    if (writing.valid()) writing.wait();
  }
}

std::byte* Worker::output_tile(const Tile& t) {
  tiles::await_io(out_written_[out_current_]);  // the buffer is free again (rethrows a failed write)
  PooledBuffer& buffer = out_tiles_[out_current_];
  if (buffer.data() == nullptr) buffer = MemoryGovernor::instance().acquire_tile(ev_.output_tile_bytes());
  const BufferedOutput& out = *ev_.output();
  return ev_.output_banded() ? tiles::band_in_window(out.array, *out.lease, t.r0, buffer.data()) : buffer.data();
}

void Worker::write_output(const Tile& t) {
  if (!writer_) writer_ = std::make_unique<tiles::IoWorker>();
  const BufferedOutput& out = *ev_.output();
  const std::byte* buffer = out_tiles_[out_current_].data();
  const bool band = ev_.output_banded();
  out_written_[out_current_] = writer_->submit([&out, t, buffer, band] {
    if (band) {
      tiles::write_band(out.array, *out.lease, t.r0, t.nr, buffer);
    } else {
      tiles::write_block(out.array, *out.lease, tiles::Block{t.r0, t.nr, t.c0, t.nc}, buffer, t.nc,
                         out.array.dtype());
    }
  });
  out_current_ ^= 1;
}

void Worker::finish() {
  for (std::future<void>& writing : out_written_) tiles::await_io(writing);
}

void Worker::read_leaf(std::size_t i, const Tile& t, std::byte* into) const {
  const Array& leaf = ev_.program().leaves[i];
  if (ev_.banded(i)) {
    // Elementwise work is I/O-bound: a band already in the page cache is copied, not read again.
    tiles::read_band(leaf, ev_.lease(i), t.r0, t.nr, into, ByteStore::CachedSpans::CopyIfWhollyCached);
    return;
  }
  // Read only the distinct elements: a broadcast axis contributes one row or column.
  const bool bcast_rows = leaf.row_stride() == 0 && t.nr > 1;
  const bool bcast_cols = leaf.col_stride() == 0 && t.nc > 1;
  tiles::Block block{t.r0, bcast_rows ? 1 : t.nr, t.c0, bcast_cols ? 1 : t.nc};
  tiles::read_block(leaf, ev_.lease(i), block, into, block.nc, leaf.dtype());
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
    if (ev_.banded(i)) {
      s.base = tiles::band_in_window(leaf, ev_.lease(i), t.r0, from[i].data());
      s.row_stride = leaf.cols();
      s.col_stride = 1;
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
  for (std::future<void>& reading : ahead_) tiles::await_io(reading);  // rethrows an error of the read-ahead
  const std::size_t leaves = ev_.program().leaves.size();
  // ahead_index_ names the tile whose reads were queued (set only when some leaf was queued).
  if (ahead_index_ == t.index) {
    std::swap(leaf_tiles_, ahead_tiles_);
  } else {
    for (std::size_t i = 0; i < leaves; ++i) {
      if (ev_.buffered(i)) read_leaf(i, t, leaf_tiles_[i].data());
    }
  }
  point_sources(t, leaf_tiles_);
  ahead_index_ = -1;
  if (upcoming < 0 || upcoming >= ev_.plan().tile_count()) return;
  // Overlap the next tile's reads with this tile's compute (double buffering per worker), every
  // leaf on its own I/O thread so that all of them are in flight at once.
  const Tile next = ev_.plan().tile(upcoming);
  for (std::size_t i = 0; i < leaves; ++i) {
    if (!ev_.buffered(i)) continue;
    ahead_index_ = upcoming;
    std::byte* into = ahead_tiles_[i].data();
    ahead_[i] = io_[i]->submit([this, i, next, into] { read_leaf(i, next, into); });
  }
}

const void* Worker::row_in_place(std::int64_t r) const {
  const Program& p = ev_.program();
  if (p.steps.size() != 1 || p.steps[0].kind != Step::Kind::LoadLeaf || p.result != p.steps[0].out) return nullptr;
  const TileSource& src = sources_[static_cast<std::size_t>(p.steps[0].leaf)];
  if (src.col_stride != 1 || src.dtype != p.steps[0].dtype) return nullptr;
  return src.base + r * src.row_stride * itemsize(src.dtype);
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
