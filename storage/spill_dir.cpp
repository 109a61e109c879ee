// SpillDir: one directory per process, made with mkdir 0700 and guarded by a flock()ed lock file.
#include "storage/spill_dir.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>
#include <random>
#include <string>

#include "storage/errors.hpp"

namespace pycauset {
namespace {

constexpr const char* kLockName = "owner.lock";

std::string random_hex(int digits) {
  static thread_local std::mt19937_64 engine{std::random_device{}()};
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < digits; ++i) out += hex[engine() & 15];
  return out;
}

/// Where spill directories go, and which setting chose it (named in errors, so users know what to fix).
struct SpillRoot {
  std::string path;
  std::string source;  // "PYCAUSET_SPILL_DIR=...", "TMPDIR=..." or "the default /tmp"
};

SpillRoot spill_root() {
  for (const char* name : {"PYCAUSET_SPILL_DIR", "TMPDIR"}) {
    const char* value = std::getenv(name);
    if (value != nullptr && *value != '\0') return {value, std::string(name) + "='" + value + "'"};
  }
  return {"/tmp", "the default /tmp"};
}

std::string base_of(const SpillRoot& root) { return root.path + "/pycauset-" + std::to_string(::getuid()); }

/// Create the missing directories of `dir` as `mkdir -p` does (intermediate ones with the umask's mode).
void make_parents(const std::string& dir) {
  for (std::size_t slash = dir.find('/', 1); slash != std::string::npos; slash = dir.find('/', slash + 1)) {
    ::mkdir(dir.substr(0, slash).c_str(), 0777);  // errors surface at the final mkdir, which names them
  }
  if (::mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST) throw_io_error("creating directory", dir);
}

void remove_tree(const std::string& dir) {
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* entry = ::readdir(d)) {
      std::string name = entry->d_name;
      if (name == "." || name == "..") continue;
      ::unlink((dir + "/" + name).c_str());
    }
    ::closedir(d);
  }
  ::rmdir(dir.c_str());
}

void make_private_dir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) throw_io_error("creating directory", dir);
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) throw_io_error("inspecting directory", dir);
  if (!S_ISDIR(st.st_mode) || st.st_uid != ::getuid()) {
    throw IoError(EACCES, "spill directory '" + dir + "' is not a directory owned by this user");
  }
  // A pre-existing directory that others may write to (made by hand, or by an old umask) would let
  // them plant or swap entries: ours, so make it owner-only again.
  if ((st.st_mode & 077) != 0 && ::chmod(dir.c_str(), 0700) != 0) throw_io_error("making owner-only", dir);
}

}  // namespace

int remove_stale_spill_dirs(const std::string& base) {
  int removed = 0;
  DIR* d = ::opendir(base.c_str());
  if (d == nullptr) return 0;
  while (dirent* entry = ::readdir(d)) {
    std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    std::string dir = base + "/" + name;
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;  // never follow a planted symlink
    int fd = ::open((dir + "/" + kLockName).c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
      // A process that died between making its directory and locking it left no owner.lock: remove the
      // directory once it is old enough that no live process can still be in that window.
      if (errno == ENOENT && ::time(nullptr) - st.st_mtime > 60) {
        remove_tree(dir);
        ++removed;
      }
      continue;
    }
    // A live owner holds an exclusive flock for its whole life; taking it means the owner is gone.
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
      remove_tree(dir);
      ++removed;
    }
    ::close(fd);
  }
  ::closedir(d);
  return removed;
}

void sweep_stale_spill_dirs() noexcept {
  remove_stale_spill_dirs(base_of(spill_root()));  // nothing to sweep when the base does not exist
}

SpillDir::SpillDir() {
  const SpillRoot root = spill_root();
  const std::string base = base_of(root);
  try {
    // Made on first use, so a missing or broken root fails only work that really needs to spill.
    make_parents(root.path);
    make_private_dir(base);
  } catch (const IoError& e) {
    throw IoError(e.error_number(), std::string(e.what()) + "; spill files go under " + root.source +
                                        ": set PYCAUSET_SPILL_DIR to a writable directory");
  }
  remove_stale_spill_dirs(base);
  for (int attempt = 0;; ++attempt) {
    std::string candidate = base + "/" + std::to_string(::getpid()) + "-" + random_hex(8);
    if (::mkdir(candidate.c_str(), 0700) == 0) {
      path_ = candidate;
      break;
    }
    if (errno != EEXIST || attempt > 16) throw_io_error("creating spill directory", candidate);
  }
  // Lock under a temporary name, then rename: a sweeping process must never find owner.lock unlocked
  // in a live directory (it would take the lock and remove our files).
  std::string temporary = path_ + "/" + kLockName + ".new";
  lock_fd_ = ::open(temporary.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (lock_fd_ < 0 || ::flock(lock_fd_, LOCK_EX) != 0 ||
      ::rename(temporary.c_str(), (path_ + "/" + kLockName).c_str()) != 0) {
    throw_io_error("locking spill directory", path_);
  }
  owner_pid_ = static_cast<int>(::getpid());
}

namespace {
// The process's SpillDir, leaked on purpose: spill files may be closed during static destruction.
std::mutex instance_mutex;
SpillDir* instance_dir = nullptr;
}  // namespace

SpillDir& SpillDir::instance() {
  std::lock_guard<std::mutex> lock(instance_mutex);
  if (instance_dir != nullptr && instance_dir->owner_pid_ != static_cast<int>(::getpid())) {
    // A forked child: the inherited directory is the parent's. Closing our copy of its lock descriptor
    // does not unlock it for the parent (flock belongs to the shared open file description), but lets
    // the directory be swept once the parent is gone even while this child lives on.
    ::close(instance_dir->lock_fd_);
    instance_dir = nullptr;  // the parent's object is leaked in this process, like every instance
  }
  if (instance_dir == nullptr) instance_dir = new SpillDir();
  return *instance_dir;
}

std::unique_ptr<FileBuffer> SpillDir::create_file(std::uint64_t size) {
  static std::atomic<std::uint64_t> sequence{0};
  for (int attempt = 0;; ++attempt) {
    std::string name = path_ + "/spill-" + std::to_string(sequence++) + "-" + random_hex(6) + ".bin";
    try {
      return FileBuffer::create_spill(name, size);
    } catch (const IoError& e) {
      if (e.error_number() != EEXIST || attempt > 16) throw;
    }
  }
}

void SpillDir::remove_own() noexcept {
  std::lock_guard<std::mutex> lock(instance_mutex);
  if (instance_dir != nullptr) instance_dir->remove_all();  // a no-op for an inherited directory
}

void SpillDir::remove_all() noexcept {
  if (!path_.empty() && owner_pid_ == static_cast<int>(::getpid())) remove_tree(path_);
}

}  // namespace pycauset
