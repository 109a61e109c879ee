// A file behind the ByteStore interface: spill files (read-write, deleted on close) and loaded files (read-only).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "storage/byte_store.hpp"

namespace pycauset {

/// \brief Bytes of a file, mapped for pointer access and read/written with pread/pwrite for tile I/O.
///
/// The payload may start at a non-zero offset (a container header or a .npy header precedes it).
/// Mapping never pre-faults; pages arrive on first touch or through read_at.
class FileBuffer final : public ByteStore {
 public:
  /// \brief Create `path` exclusively (mode 0600) with `size` bytes reserved, mapped read-write.
  ///
  /// The file is unlinked when this object dies. Throws IoError (ENOSPC, EFBIG, ...) on failure.
  static std::unique_ptr<FileBuffer> create_spill(const std::string& path, std::uint64_t size);

  /// \brief Map the payload [payload_offset, payload_offset + size) of an existing file read-only.
  static std::unique_ptr<FileBuffer> open_read_only(const std::string& path, std::uint64_t payload_offset,
                                                    std::uint64_t size);

  ~FileBuffer() override;
  FileBuffer(const FileBuffer&) = delete;
  FileBuffer& operator=(const FileBuffer&) = delete;

  std::uint64_t size() const noexcept override { return size_; }
  void read_at(std::uint64_t offset, void* dst, std::size_t n) const override;
  void write_at(std::uint64_t offset, const void* src, std::size_t n) override;
  std::byte* data() noexcept override { return payload_; }
  const std::byte* data() const noexcept override { return payload_; }
  bool is_file() const noexcept override { return true; }
  /// Also true for a spill file inherited through fork(): it belongs to the parent (see `inherited`).
  bool read_only() const noexcept override;
  std::string path() const override { return path_; }
  void prefetch(std::uint64_t offset, std::size_t n) const override;
  std::size_t window_lead(std::uint64_t offset) const noexcept override {
    return static_cast<std::size_t>((payload_offset_ + offset) % kWindowAlignment);
  }
  /// Unbuffered when the file system allows O_DIRECT (else buffered pread into the same place); with
  /// CopyIfWhollyCached, a span whose every page is in the page cache is also a buffered pread.
  void read_window(std::uint64_t offset, std::size_t n, std::byte* window,
                   CachedSpans cached = CachedSpans::Bypass) const override;
  /// The aligned interior goes unbuffered; the partial pages at either end, shared with
  /// neighbouring bytes that are not ours to overwrite, go through the page cache.
  void write_window(std::uint64_t offset, std::size_t n, const std::byte* window) override;

  /// \brief Return the file descriptor (for O_DIRECT-free tile I/O helpers). Owned by this object.
  int fd() const noexcept { return fd_; }

  /// \brief Return true for a spill file this process inherited through fork().
  ///
  /// The file and its shared mapping are the parent's: the child must neither change them nor unlink
  /// the file. Such a file reads as read-only, so the first mutation copies it (Buffer::make_writable),
  /// its mapping is made read-only in the child at fork, and dropping it leaves the file in place.
  bool inherited() const noexcept;

 private:
  FileBuffer() = default;
  void map(bool writable);
  /// In a child just forked: map every inherited spill file read-only (a write can no longer reach it).
  static void protect_inherited_mappings() noexcept;
  /// Throw ValueError for a file loaded read-only (writes are refused before touching it).
  void check_writable() const;
  /// The O_DIRECT descriptor of the same open file, opened on first use; -1 when not supported.
  int direct_fd() const;
  /// True when every page of payload bytes [offset, offset + n) is in the page cache (mincore).
  bool in_page_cache(std::uint64_t offset, std::size_t n) const;

  std::string path_;
  int fd_ = -1;
  bool read_only_ = true;
  bool unlink_on_close_ = false;
  int owner_pid_ = -1;  ///< the process that created a spill file
  std::uint64_t payload_offset_ = 0;
  std::uint64_t size_ = 0;
  std::byte* mapping_ = nullptr;
  std::uint64_t mapping_size_ = 0;
  std::byte* payload_ = nullptr;
  mutable std::once_flag direct_once_;
  mutable int direct_fd_ = -1;
};

/// \brief Read exactly `n` bytes at `offset` of `fd`, retrying short reads. Throws IoError.
void pread_fully(int fd, void* dst, std::size_t n, std::uint64_t offset, const std::string& path);

/// \brief Write exactly `n` bytes at `offset` of `fd`, retrying short writes. Throws IoError.
void pwrite_fully(int fd, const void* src, std::size_t n, std::uint64_t offset, const std::string& path);

}  // namespace pycauset
