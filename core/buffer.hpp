// A governed buffer: the bytes of one array family, whose backing (RAM or file) the governor may swap.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "storage/byte_store.hpp"

namespace pycauset {

class MemoryGovernor;

/// \brief Shared bytes behind one or more array views, placed and moved by the MemoryGovernor.
///
/// The backing store can be replaced (spill RAM -> file, copy-on-write of a read-only file) only
/// while no kernel holds a lease and, for spills, no NumPy export pins the pointer. Thread-safe.
class Buffer {
 public:
  /// \brief Keeps the backing in place while a kernel runs; gives the store to read and write.
  class Lease {
   public:
    Lease() = default;
    explicit Lease(std::shared_ptr<Buffer> buffer);
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) noexcept;
    ~Lease();
    ByteStore& store() const noexcept { return *store_; }
    std::byte* data() const noexcept { return store_->data(); }

   private:
    std::shared_ptr<Buffer> buffer_;
    std::shared_ptr<ByteStore> store_;
  };

  Buffer(std::shared_ptr<ByteStore> store, std::uint64_t nbytes);
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  /// \brief Return the payload size in bytes.
  std::uint64_t nbytes() const noexcept { return nbytes_; }

  /// \brief Return the current backing store (shared, so it outlives a swap while in use).
  std::shared_ptr<ByteStore> store() const;

  bool is_file() const;
  bool read_only() const;
  std::string path() const;

  /// \brief Pin the backing for a kernel (see Lease). Marks the buffer recently used.
  static Lease lease(const std::shared_ptr<Buffer>& buffer) { return Lease(buffer); }

  /// \brief Count a NumPy export of the raw pointer; pinned buffers are never spilled.
  void add_export() noexcept { ++exports_; }
  void remove_export() noexcept { --exports_; }
  int exports() const noexcept { return exports_.load(); }

  /// \brief Replace a read-only backing (a loaded file) by a private writable copy (copy-on-write).
  void make_writable();

  /// \brief Mark as most recently used.
  void touch() noexcept;

 private:
  friend class MemoryGovernor;
  mutable std::mutex mutex_;
  std::shared_ptr<ByteStore> store_;
  std::uint64_t nbytes_;
  std::atomic<int> leases_{0};
  std::atomic<int> exports_{0};
  std::atomic<std::uint64_t> last_use_{0};
  bool registered_ = false;  // known to the governor's LRU (guarded by the governor's mutex)
};

}  // namespace pycauset
