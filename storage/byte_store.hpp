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
