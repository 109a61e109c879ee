// The MemoryGovernor: one process-wide budget deciding where bytes live and how large tiles may be.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/buffer.hpp"
#include "storage/buffer_pool.hpp"

namespace pycauset {

/// \brief Snapshot of the governor's accounting (all payload bytes as stored; bool packed).
struct MemoryInfo {
  std::uint64_t budget = 0;
  std::uint64_t ram_bytes = 0;      ///< live RAM-backed buffers
  std::uint64_t file_bytes = 0;     ///< live file-backed buffers (spill files and loaded files)
  std::uint64_t scratch_bytes = 0;  ///< tile buffers held by the pool (loaned + cached)
  std::uint64_t spills = 0;         ///< spill events so far
  std::uint64_t recycled_bytes = 0; ///< freed RAM mappings kept for reuse (always within the budget's room)
  std::uint64_t ram_objects = 0;
  std::uint64_t file_objects = 0;
  std::uint64_t default_budget = 0;
  std::string spill_dir;
};

/// \brief Where a new buffer should go.
enum class Placement { Auto, Ram, File };

/// \brief Parse "auto", "ram" or "file" (tests and tools force a placement); throws ValueError.
Placement placement_from_name(const std::string& name);

/// \brief Decides placement of new buffers, spills least recently used RAM buffers, sizes tiles.
///
/// A capped allocator decorator in the Arrow sense: every RAM byte of an array and every pooled
/// tile byte is counted against `limit()`. Thread-safe; one mutex guards the accounting and LRU.
class MemoryGovernor {
 public:
  static constexpr std::uint64_t kMinimumBudget = 1ull << 20;  ///< 1 MiB

  /// \brief Return the process-wide governor.
  static MemoryGovernor& instance();

  /// \brief Allocate a buffer of `nbytes`, in RAM when the budget allows, else a spill file.
  ///
  /// Zero-filled unless `zeroed` is false (contents then unspecified: for results written entirely).
  std::shared_ptr<Buffer> allocate(std::uint64_t nbytes, Placement placement = Placement::Auto, bool zeroed = true);

  /// \brief Register an existing store (a loaded file) as a governed buffer.
  std::shared_ptr<Buffer> adopt(std::shared_ptr<ByteStore> store);

  /// \brief Set the budget in bytes (nullopt: back to the default). Throws ValueError below 1 MiB.
  ///        Spills LRU buffers if RAM use now exceeds it.
  void set_limit(std::optional<std::uint64_t> bytes);
  std::uint64_t limit() const;

  /// \brief Return the small-object allowance: min(64 MiB, budget / 4).
  ///
  /// Kernels keep results of at most this size in RAM while the budget has room for them, and the
  /// export guard copies file-backed objects of at most this size into NumPy without an opt-in.
  std::uint64_t small_object_bytes() const;

  /// \brief Return the default budget: half of min(MemAvailable, cgroup limit - cgroup usage).
  static std::uint64_t default_limit();

  /// \brief Return bytes a kernel may use for tiles now: budget minus pinned RAM, at least 1/2 MiB.
  ///
  /// Makes room first by trimming cached tiles and spilling unleased LRU buffers.
  std::uint64_t tile_budget(std::uint64_t wanted);

  /// \brief Lend a tile buffer from the pool (counted against the budget).
  PooledBuffer acquire_tile(std::size_t bytes);

  /// \brief Return whether `nbytes` more of RAM would fit the budget right now (without spilling).
  bool fits_in_ram(std::uint64_t nbytes) const;

  /// \brief Like fits_in_ram, counting the pool's cached tiles as free (they are dropped on demand).
  bool fits_in_ram_beside_cached_tiles(std::uint64_t nbytes) const;

  MemoryInfo info() const;

  // Called by Buffer.
  void on_destroy(Buffer* buffer) noexcept;
  void on_store_changed(Buffer* buffer, bool was_file, bool now_file);

  /// \brief Spill unleased, unexported RAM buffers (LRU first) until `needed` bytes of room exist.
  ///        Returns the room found.
  std::uint64_t make_room(std::uint64_t needed);

  /// \brief Return a fresh monotonic use stamp for LRU ordering.
  std::uint64_t next_stamp() noexcept;

  MemoryGovernor();
  ~MemoryGovernor();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

/// \brief Parse a byte count with an optional binary suffix K/M/G/T ("64M" = 64 * 2^20). Throws ValueError.
std::uint64_t parse_byte_count(const std::string& text);

}  // namespace pycauset
