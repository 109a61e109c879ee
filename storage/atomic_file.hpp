// Atomic replacement of a file: write a private temp file beside the target, then rename it over the target.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace pycauset {

/// \brief Writes a new version of `target` so that readers see either the old file or the new one, whole.
///
/// The temp file `.<name>.<random>.tmp` is created exclusively (O_EXCL) in the target's directory,
/// so the final rename never crosses file systems. `commit()` fsyncs the data, renames the temp file
/// over the target and fsyncs the directory. If anything fails before the rename, or the object is
/// destroyed without `commit()`, the temp file is unlinked and the target is untouched. A process that
/// maps the old target keeps reading the old inode. Not thread-safe: one writer per object, although
/// `write_at` of disjoint ranges may run from several threads.
///
/// The temp file stays flock()ed while its writer lives. A save killed midway (SIGKILL) leaves its
/// temp file behind; the first AtomicFile for that target in each process removes every such file
/// whose lock it can take, i.e. whose writer is gone.
class AtomicFile {
 public:
  /// \brief Create the temp file for `target`. Throws IoError (ENOENT, EACCES, ...) naming the target.
  explicit AtomicFile(std::string target);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  /// \brief Reserve `size` bytes on disk now, so a full disk or a file-size limit fails here, not midway.
  void reserve(std::uint64_t size);

  /// \brief Write `n` bytes at `offset` of the temp file (pwrite, retrying short writes). Throws IoError.
  ///
  /// Writes of at least 1 MiB whose address, offset and length are 4096-aligned use O_DIRECT where
  /// the file system supports it (no page-cache copy); others go through the page cache.
  void write_at(std::uint64_t offset, const void* data, std::size_t n);

  /// \brief Start writing [offset, offset + n) to disk now, and wait for [wait_offset, wait_offset + wait_n).
  ///
  /// Streaming writers call this per tile so that disk writeback overlaps with producing the next
  /// tiles (commit's fsync then finds little left to do) and dirty pages stay bounded. Advisory:
  /// errors are ignored here and surface from commit's fsync.
  void start_writeback(std::uint64_t offset, std::uint64_t n, std::uint64_t wait_offset = 0, std::uint64_t wait_n = 0);

  /// \brief Flush, rename over the target, flush the directory. Throws IoError; then the target is intact.
  void commit();

  /// \brief Return the final path.
  const std::string& target() const noexcept { return target_; }

  /// \brief Return the temp file's path (for diagnostics and tests).
  const std::string& temp_path() const noexcept { return temp_; }

 private:
  void discard() noexcept;

  std::string target_;
  std::string directory_;
  std::string temp_;
  static constexpr std::size_t kDirectMinimum = 1 << 20;  ///< smaller writes go through the page cache
  int fd_ = -1;
  int direct_fd_ = -2;  ///< O_DIRECT descriptor of the temp file: -2 not opened yet, -1 unsupported
  bool committed_ = false;
};

}  // namespace pycauset
