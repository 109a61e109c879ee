// The tile engine shared by evaluation and reductions: plan tiles, lease operands, run segments.
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <vector>

#include "core/buffer.hpp"
#include "core/expr/program.hpp"
#include "core/progress.hpp"
#include "core/tiles/io_pipeline.hpp"
#include "storage/buffer_pool.hpp"

namespace pycauset::expr::detail {

/// \brief A rectangular tile of the expression: rows [r0, r0 + nr), columns [c0, c0 + nc).
struct Tile {
  std::int64_t index = 0;
  std::int64_t r0 = 0, nr = 0, c0 = 0, nc = 0;
};

/// \brief Where one leaf's elements of the current tile are: base pointer at the tile's (0, 0) element
///        and strides in elements (0 along broadcast axes).
struct TileSource {
  const std::byte* base = nullptr;
  DType dtype = DType::Float64;
  std::int64_t row_stride = 0, col_stride = 0;
};

/// \brief The tile grid: tiles of tile_rows x tile_cols, numbered row-major over the grid.
struct TilePlan {
  std::int64_t rows = 0, cols = 0;
  std::int64_t tile_rows = 1, tile_cols = 1;
  std::int64_t grid_rows = 0, grid_cols = 0;
  int workers = 1;
  std::int64_t tile_count() const noexcept { return grid_rows * grid_cols; }
  Tile tile(std::int64_t k) const noexcept;
};

/// \brief The target of an evaluation whose output tiles are buffered (a file-backed, bit-packed or
///        strided target): each worker computes a tile into a pooled buffer and writes it behind.
struct BufferedOutput {
  Array array;                           ///< the target view
  const Buffer::Lease* lease = nullptr;  ///< leases array.buffer() for the whole evaluation
};

class Evaluator;

/// \brief Per-thread state: registers, pooled tile buffers of buffered leaves, current tile sources.
///
/// Memory: (registers x kSegment x 16 bytes) plus two tile buffers per buffered leaf (the current
/// tile and the one being read ahead; a band window adds alignment slack) and two for a buffered
/// output (the tile being computed and the one being written), each tile_rows x tile_cols elements.
/// Threads: one I/O thread per buffered leaf and one writer for a buffered output.
/// Not thread-safe: one per worker.
class Worker {
 public:
  explicit Worker(const Evaluator& evaluator);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  /// \brief Make the leaves of `tile` addressable: RAM leaves by pointer, file-backed and bool leaves
  ///        read into this worker's pooled tile buffers (bands or blocks, see Evaluator::banded). If
  ///        `upcoming` is a valid tile index, its buffered leaves are read ahead while this tile is
  ///        computed, each on its own I/O thread.
  void load_tile(const Tile& tile, std::int64_t upcoming = -1);

  /// \brief Evaluate the program for row `r` and columns [j, j + n) of the current tile (local
  ///        coordinates, n <= kSegment). Returns the result register; with an output program the last
  ///        step writes to `out` instead, which is returned.
  const void* run_segment(std::int64_t r, std::int64_t j, std::int64_t n, void* out);

  /// \brief Return row `r` of the current tile (local coordinates) as contiguous elements of the result
  ///        dtype when the program is one leaf read in place (no conversion, unit column stride), else
  ///        nullptr. Reductions read such rows in one run instead of segment by segment.
  const void* row_in_place(std::int64_t r) const;

  /// \brief Return where to compute the output of `tile` (row-major, row stride tile.nc): one of this
  ///        worker's two pooled output buffers, once the write that last used it has finished (its
  ///        error, if any, is rethrown here). Only for evaluators with a BufferedOutput.
  std::byte* output_tile(const Tile& tile);

  /// \brief Queue the write of the output just computed into output_tile(tile) on this worker's writer
  ///        thread, so that it overlaps the next tile's compute, and switch to the other buffer. A
  ///        banded output (Evaluator::output_banded) is written unbuffered, anything else by write_block.
  void write_output(const Tile& tile);

  /// \brief Wait for the queued output writes; rethrow the first error. Evaluator::run calls it.
  void finish();

  /// \brief The task this worker will run after the current one (-1: none), set by Evaluator::run so
  ///        that tasks equal to tiles can read their successor ahead.
  std::int64_t next_task = -1;

 private:
  const Evaluator& ev_;
  std::vector<std::byte> scratch_;      // registers x kSegment x 16 bytes
  std::vector<void*> scratch_regs_;    // each register's own storage
  std::vector<const void*> regs_;      // where each register's values are now (own storage or a leaf)
  void point_sources(const Tile& t, std::vector<PooledBuffer>& from);

  void read_leaf(std::size_t leaf, const Tile& t, std::byte* into) const;

  std::vector<PooledBuffer> leaf_tiles_;  // one per leaf (empty for RAM pointer leaves)
  std::vector<PooledBuffer> ahead_tiles_; // the tile being read ahead
  std::vector<TileSource> sources_;
  // One I/O thread per buffered leaf: the leaves' reads of a tile are in flight together, which a
  // shared virtual disk serves faster than one request at a time.
  std::vector<std::unique_ptr<tiles::IoWorker>> io_;
  std::vector<std::future<void>> ahead_;
  std::int64_t ahead_index_ = -1;
  // Output tiles double-buffered: one is computed into while the writer stores the other.
  PooledBuffer out_tiles_[2];
  std::future<void> out_written_[2];
  int out_current_ = 0;
  std::unique_ptr<tiles::IoWorker> writer_;
};

/// \brief Leases the operands of a compiled program, plans tiles and runs tasks on TBB workers.
///
/// Construction leases every leaf (pinning RAM leaves in place) after the caller has allocated its
/// output. Tile sizes come from the governor's tile budget, so anonymous memory stays within the
/// budget plus O(tiles) however large the file-backed operands are.
class Evaluator {
 public:
  /// \brief `output`: the target when output tiles are buffered (nullptr for reductions and for
  ///        targets written in place); a bool target gets tile rows in multiples of 8, so that
  ///        packed-bit tiles own whole bytes.
  explicit Evaluator(Program program, const BufferedOutput* output = nullptr);

  const Program& program() const noexcept { return program_; }
  const TilePlan& plan() const noexcept { return plan_; }

  /// \brief Run everything on one thread (bit-packed outputs whose tiles would share bytes).
  void set_serial() noexcept { plan_.workers = 1; }

  /// \brief Run `task(worker, t)` for t in [0, tasks) on up to plan().workers threads, in order of t.
  ///        The GIL must already be released. Exceptions propagate (the first one wins).
  ///
  /// `progress`, if given, is called with (tasks finished, tasks) by the calling thread between its tasks
  /// (throttled, as check_interrupt), and once with (tasks, tasks) when every task and write has finished.
  void run(std::int64_t tasks, const std::function<void(Worker&, std::int64_t)>& task,
           const ProgressFn& progress = {}) const;

  /// \brief Hint the OS to read ahead the file-backed leaves of tiles [first, end) (no-op for RAM).
  void prefetch(std::int64_t first, std::int64_t end) const;

  /// \brief For tasks that run tiles in order: keep the tiles up to hint_distance() ahead of tile `k`
  ///        hinted. The first task hints the whole window, every later one the tile that enters it.
  void prefetch_ahead(std::int64_t k) const;

  /// \brief How many tiles ahead of the one being computed are hinted: about kHintAheadBytes of each
  ///        file-backed leaf, and at least one tile per worker.
  std::int64_t hint_distance() const noexcept { return hint_distance_; }

  bool buffered(std::size_t leaf) const noexcept { return buffered_[leaf]; }
  /// \brief True when every tile of buffered `leaf` is a band of whole rows lying back to back in its
  ///        file, read as one windowed transfer (unbuffered unless already in the page cache).
  bool banded(std::size_t leaf) const noexcept { return banded_[leaf]; }
  /// \brief Bytes of one tile buffer of buffered `leaf` (a band window has alignment slack).
  std::size_t leaf_tile_bytes(std::size_t leaf) const noexcept;
  const Buffer::Lease& lease(std::size_t leaf) const noexcept { return leases_[leaf]; }

  /// \brief The buffered output target, or nullptr.
  const BufferedOutput* output() const noexcept { return output_ ? &*output_ : nullptr; }
  /// \brief True when every output tile is a band of whole rows lying back to back in a file, written
  ///        as one unbuffered transfer from warm pooled memory (no page cache to fill first).
  bool output_banded() const noexcept { return output_banded_; }
  /// \brief Bytes of one output tile buffer (a band window has alignment slack).
  std::size_t output_tile_bytes() const noexcept;

 private:
  Program program_;
  TilePlan plan_;
  std::vector<Buffer::Lease> leases_;
  std::vector<bool> buffered_;
  std::vector<bool> banded_;
  std::optional<BufferedOutput> output_;
  bool output_banded_ = false;
  std::int64_t hint_distance_ = 1;
};

}  // namespace pycauset::expr::detail
