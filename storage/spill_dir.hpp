// The per-process spill directory: unique, owner-only spill files, cleaned up even after crashes.
#pragma once

#include <memory>
#include <string>

#include "storage/file_buffer.hpp"

namespace pycauset {

/// \brief Owns `<root>/pycauset-<uid>/<pid>-<random>/`, where this process's spill files live.
///
/// The root is PYCAUSET_SPILL_DIR, else TMPDIR, else /tmp; it is created (with its parents) on the
/// first spill, not before, and errors name the setting it came from. The directory holds a lock file that
/// stays flock()ed while the process lives; at start-up, sibling directories whose lock can be taken
/// belonged to dead processes and are removed. A process made by fork() gets a directory of its own on
/// its first use, so one process's exit cleanup never removes files another still uses. Thread-safe.
class SpillDir {
 public:
  /// \brief Return this process's spill directory, creating it on first use (and again after fork).
  static SpillDir& instance();

  /// \brief Create a new spill file of `size` bytes (exclusive, mode 0600), unlinked when it dies.
  std::unique_ptr<FileBuffer> create_file(std::uint64_t size);

  /// \brief Return the directory path.
  const std::string& path() const noexcept { return path_; }

  /// \brief Remove the directory and everything in it (called at exit). Does nothing in a forked
  ///        child that inherited this object: the directory belongs to the parent.
  void remove_all() noexcept;

  /// \brief Remove this process's directory if it has one; never creates one (the exit hook).
  ///
  /// Unlike `instance().remove_all()`, a forked child that never spilled does not make (and sweep)
  /// a directory just to delete it.
  static void remove_own() noexcept;

 private:
  SpillDir();
  std::string path_;
  int lock_fd_ = -1;
  int owner_pid_ = -1;
};

/// \brief Remove spill directories under `base` whose owning process is gone; return how many.
int remove_stale_spill_dirs(const std::string& base);

/// \brief Remove stale spill directories under the spill root, creating nothing and never failing
///        (at import: a missing or unusable root must not break work that never spills).
void sweep_stale_spill_dirs() noexcept;

}  // namespace pycauset
