// The one byte-level interface of storage: a fixed-size run of bytes held in RAM or in a file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "storage/errors.hpp"

namespace pycauset {

/// \brief Fixed-size bytes that can be read and written at offsets, whatever holds them.
///
/// Implementations: RamBuffer (anonymous memory) and FileBuffer (a file, optionally mapped).
/// Thread-safety: read_at and write_at of disjoint ranges may run concurrently from any threads;
/// overlapping writes need outside synchronisation, as with plain memory.
class ByteStore {
 public:
  virtual ~ByteStore() = default;

  /// \brief Return the number of payload bytes.
  virtual std::uint64_t size() const noexcept = 0;

  /// \brief Copy `n` bytes starting at `offset` into `dst`. Thread-safe for any ranges.
  virtual void read_at(std::uint64_t offset, void* dst, std::size_t n) const = 0;

  /// \brief Copy `n` bytes from `src` to `offset`. Throws ValueError on a read-only store.
  virtual void write_at(std::uint64_t offset, const void* src, std::size_t n) = 0;

  /// \brief Return a pointer to the whole payload if it is addressable (RAM or mapped), else nullptr.
  ///
  /// The pointer stays valid for the lifetime of this object.
  virtual std::byte* data() noexcept = 0;
  virtual const std::byte* data() const noexcept = 0;

  /// \brief Return true for file-backed stores.
  virtual bool is_file() const noexcept = 0;

  /// \brief Return true when writes are refused (a loaded file mapped read-only).
  virtual bool read_only() const noexcept = 0;

  /// \brief Return the backing file path, or "" for RAM.
  virtual std::string path() const = 0;

  /// \brief Advise the OS that [offset, offset+n) will be read soon (no-op for RAM).
  virtual void prefetch(std::uint64_t offset, std::size_t n) const {}

  // Windowed transfers for streaming kernels. A window is a caller buffer aligned to kWindowAlignment;
  // the bytes of [offset, offset + n) sit in it at window + window_lead(offset). File stores move
  // the whole aligned span with unbuffered (O_DIRECT) I/O, straight between the disk and the window:
  // no page cache to fill, copy or reclaim. The default is read_at/write_at at that position.

  /// \brief For reads: whether bytes already in the page cache are copied from it (I/O-bound callers:
  ///        memory beats the disk) or the disk is read regardless (compute-bound callers: a DMA costs
  ///        no CPU, a copy does).
  enum class CachedSpans { Bypass, CopyIfWhollyCached };

  /// \brief Alignment of windows and of the file spans moved through them.
  static constexpr std::size_t kWindowAlignment = 4096;

  /// \brief Return where in a window the byte at `offset` lands (< kWindowAlignment).
  virtual std::size_t window_lead(std::uint64_t offset) const noexcept { return 0; }

  /// \brief Return the window size that holds `n` bytes starting at `offset`, slack included.
  std::size_t window_bytes(std::uint64_t offset, std::size_t n) const noexcept {
    return (window_lead(offset) + n + kWindowAlignment - 1) / kWindowAlignment * kWindowAlignment;
  }

  /// \brief Fill `window` (aligned, window_bytes(offset, n) long) so that it holds [offset, offset + n)
  ///        at window + window_lead(offset). The slack around it receives neighbouring bytes.
  virtual void read_window(std::uint64_t offset, std::size_t n, std::byte* window,
                           CachedSpans cached = CachedSpans::Bypass) const {
    read_at(offset, window + window_lead(offset), n);
  }

  /// \brief Store the `n` bytes at window + window_lead(offset) to [offset, offset + n); the slack
  ///        of the window is not written. Throws ValueError on a read-only store.
  virtual void write_window(std::uint64_t offset, std::size_t n, const std::byte* window) {
    write_at(offset, window + window_lead(offset), n);
  }
};

/// \brief Throw IndexError unless [offset, offset + n) lies inside a store of `size` bytes.
///
/// Stores call this in read_at/write_at: a stray range would otherwise corrupt memory (RAM) or
/// silently grow the file past its mapping (spill files).
inline void check_byte_range(std::uint64_t offset, std::uint64_t n, std::uint64_t size) {
  if (offset > size || n > size - offset) {
    throw IndexError("byte range [" + std::to_string(offset) + ", " + std::to_string(offset) + " + " +
                     std::to_string(n) + ") is outside a store of " + std::to_string(size) + " bytes");
  }
}

}  // namespace pycauset
