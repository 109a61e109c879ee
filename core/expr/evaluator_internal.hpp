// The tile engine shared by evaluation and reductions: plan tiles, lease operands, run segments.
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <vector>

#include "core/buffer.hpp"
#include "core/expr/program.hpp"
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

class Evaluator;

/// \brief Per-thread state: registers, pooled tile buffers of buffered leaves, current tile sources.
///
/// Memory: (registers x kSegment x 16 bytes) plus two tile buffers per buffered leaf (the current
/// tile and the one being read ahead) and one for a buffered output, each tile_rows x tile_cols
/// elements. Not thread-safe: one per worker.
class Worker {
 public:
  explicit Worker(const Evaluator& evaluator);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  /// \brief Make the leaves of `tile` addressable: RAM leaves by pointer, file-backed and bool leaves
  ///        read (pread) into this worker's pooled tile buffers. If `upcoming` is a valid tile index,
  ///        its buffered leaves are read ahead on a background I/O thread while this tile is computed.
  void load_tile(const Tile& tile, std::int64_t upcoming = -1);

  /// \brief Evaluate the program for row `r` and columns [j, j + n) of the current tile (local
  ///        coordinates, n <= kSegment). Returns the result register; with an output program the last
  ///        step writes to `out` instead, which is returned.
  const void* run_segment(std::int64_t r, std::int64_t j, std::int64_t n, void* out);

  /// \brief Return a pooled buffer of tile_rows x tile_cols elements of `dtype` (for outputs, lazily made).
  std::byte* output_tile(DType dtype);

  /// \brief The task this worker will run after the current one (-1: none), set by Evaluator::run so
  ///        that tasks equal to tiles can read their successor ahead.
  std::int64_t next_task = -1;

 private:
  const Evaluator& ev_;
  std::vector<std::byte> scratch_;      // registers x kSegment x 16 bytes
  std::vector<void*> scratch_regs_;    // each register's own storage
  std::vector<const void*> regs_;      // where each register's values are now (own storage or a leaf)
  void read_leaves(const Tile& t, std::vector<PooledBuffer>& into) const;
  void point_sources(const Tile& t, std::vector<PooledBuffer>& from);

  std::vector<PooledBuffer> leaf_tiles_;  // one per leaf (empty for RAM pointer leaves)
  std::vector<PooledBuffer> ahead_tiles_; // the tile being read ahead
  std::vector<TileSource> sources_;
  std::unique_ptr<tiles::IoWorker> io_;   // only when some leaf is buffered
  std::future<void> ahead_;
  std::int64_t ahead_index_ = -1;
  PooledBuffer out_tile_;
};

/// \brief Leases the operands of a compiled program, plans tiles and runs tasks on TBB workers.
///
/// Construction leases every leaf (pinning RAM leaves in place) after the caller has allocated its
/// output. Tile sizes come from the governor's tile budget, so anonymous memory stays within the
/// budget plus O(tiles) however large the file-backed operands are.
class Evaluator {
 public:
  /// \brief `out_buffered_bytes`: bytes per element of a buffered output tile (0 if none);
  ///        `bit_output`: round tile rows to multiples of 8 so that packed-bit tiles own whole bytes.
  Evaluator(Program program, int out_buffered_bytes, bool bit_output = false);

  const Program& program() const noexcept { return program_; }
  const TilePlan& plan() const noexcept { return plan_; }

  /// \brief Run everything on one thread (bit-packed outputs whose tiles would share bytes).
  void set_serial() noexcept { plan_.workers = 1; }

  /// \brief Run `task(worker, t)` for t in [0, tasks) on up to plan().workers threads, in order of t.
  ///        The GIL must already be released. Exceptions propagate (the first one wins).
  void run(std::int64_t tasks, const std::function<void(Worker&, std::int64_t)>& task) const;

  /// \brief Hint the OS to read ahead the file-backed leaves of tile `k` (no-op for RAM).
  void prefetch(std::int64_t k) const;

  bool buffered(std::size_t leaf) const noexcept { return buffered_[leaf]; }
  bool any_buffered() const noexcept;
  const Buffer::Lease& lease(std::size_t leaf) const noexcept { return leases_[leaf]; }

 private:
  Program program_;
  TilePlan plan_;
  std::vector<Buffer::Lease> leases_;
  std::vector<bool> buffered_;
};

}  // namespace pycauset::expr::detail
