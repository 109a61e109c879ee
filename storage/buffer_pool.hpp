// A long-lived pool of page-aligned tile buffers, reused so hot loops never first-touch fresh memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace pycauset {

class BufferPool;

/// \brief A tile buffer on loan from the pool; returns itself when destroyed. Move-only.
class PooledBuffer {
 public:
  PooledBuffer() = default;
  PooledBuffer(PooledBuffer&& other) noexcept;
  PooledBuffer& operator=(PooledBuffer&& other) noexcept;
  ~PooledBuffer();

  std::byte* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  template <class T>
  T* as() const noexcept { return reinterpret_cast<T*>(data_); }

 private:
  friend class BufferPool;
  PooledBuffer(BufferPool* pool, std::byte* data, std::size_t size) : pool_(pool), data_(data), size_(size) {}
  BufferPool* pool_ = nullptr;
  std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

/// \brief Caches freed blocks by size (rounded to 64 KiB) and hands them out again.
///
/// `held_bytes()` counts blocks on loan plus blocks cached; the MemoryGovernor includes it in the
/// budget and calls `trim()` when it needs room. Thread-safe.
class BufferPool {
 public:
  /// \brief Return the process-wide pool.
  static BufferPool& instance();

  /// \brief Lend a buffer of at least `bytes` bytes (contents unspecified). Throws OutOfMemory.
  PooledBuffer acquire(std::size_t bytes);

  /// \brief Lend a cached block that suits `bytes` (between it and twice it), or an empty buffer
  ///        when none does. Never maps new memory, so held_bytes() does not grow.
  PooledBuffer reuse(std::size_t bytes);

  /// \brief Release cached (not loaned) blocks until at most `keep_bytes` are cached.
  void trim(std::size_t keep_bytes = 0);

  std::size_t held_bytes() const noexcept;    ///< loaned + cached
  std::size_t cached_bytes() const noexcept;  ///< cached only

  BufferPool();
  ~BufferPool();

 private:
  friend class PooledBuffer;
  void give_back(std::byte* data, std::size_t size) noexcept;
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pycauset
