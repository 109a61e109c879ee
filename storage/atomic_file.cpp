// AtomicFile: O_EXCL temp file in the target's directory, fsync, rename, fsync of the directory.
#include "storage/atomic_file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <random>
#include <set>

#include "storage/errors.hpp"
#include "storage/file_buffer.hpp"
#include "storage/space_check.hpp"

namespace pycauset {
namespace {

std::string directory_of(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string base_name_of(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

/// Follow the symbolic links at `path`, dangling ones too, to the file a plain open(O_CREAT) of `path`
/// would write; a path that is not a link is returned as is.
std::string follow_links(std::string path) {
  for (int hop = 0; hop < 40; ++hop) {  // 40: the kernel's own limit (MAXSYMLINKS)
    struct stat link {};
    if (::lstat(path.c_str(), &link) != 0 || !S_ISLNK(link.st_mode)) return path;
    std::string target(4096, '\0');
    const ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
    if (n < 0) throw_io_error("reading the symbolic link", path);
    target.resize(static_cast<std::size_t>(n));
    path = !target.empty() && target.front() == '/' ? target : directory_of(path) + "/" + target;
  }
  throw_io_error("saving to", path, ELOOP);
}

std::string random_suffix() {
  static thread_local std::mt19937_64 generator{std::random_device{}() ^ static_cast<std::uint64_t>(::getpid())};
  const char* digits = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string out;
  std::uint64_t value = generator();
  for (int i = 0; i < 10; ++i, value /= 36) out += digits[value % 36];
  return out;
}

/// True for `.<base>.<10 random characters>.tmp`, the names AtomicFile gives the temp files of `base`.
bool is_temp_name_of(const std::string& name, const std::string& base) {
  const std::string head = "." + base + ".", tail = ".tmp";
  if (name.size() != head.size() + 10 + tail.size()) return false;
  if (name.compare(0, head.size(), head) != 0 || name.compare(name.size() - tail.size(), tail.size(), tail) != 0) {
    return false;
  }
  for (std::size_t k = head.size(); k < head.size() + 10; ++k) {
    if (!std::isdigit(static_cast<unsigned char>(name[k])) && !std::islower(static_cast<unsigned char>(name[k]))) {
      return false;
    }
  }
  return true;
}

/// The pid in `.<base>.<10 random characters>.<pid>.new`, the pending name a writer creates and locks
/// before renaming it to its `.tmp` name; 0 for any other name.
pid_t pending_writer_of(const std::string& name, const std::string& base) {
  const std::string head = "." + base + ".", tail = ".new";
  if (name.size() < head.size() + 12 + tail.size() || name.compare(0, head.size(), head) != 0 ||
      name.compare(name.size() - tail.size(), tail.size(), tail) != 0 || name[head.size() + 10] != '.') {
    return 0;
  }
  const std::string digits = name.substr(head.size() + 11, name.size() - head.size() - 11 - tail.size());
  if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) return 0;
  return static_cast<pid_t>(std::stol(digits));
}

/// Remove temp files of `base` in `directory` whose writer died (a killed save leaves a full-size one).
/// A live writer holds a flock on its temp file for its whole life, so a lock that can be taken means
/// the writer is gone, as for spill directories. A pending `.new` file is not locked yet for an instant
/// after its creation, so the lock cannot tell a dead writer from a live one there: its name carries
/// the writer's pid, and it is removed once that process no longer exists (a kill in that instant
/// left an empty file forever).
void sweep_stale_temp_files(const std::string& directory, const std::string& base) noexcept {
  // Once per target and process ("at the next start", as for spill directories): a directory of many
  // files is not listed again at every save of a checkpoint.
  static std::mutex swept_mutex;
  static auto* swept = new std::set<std::string>();  // leaked: saves may run during static destruction
  {
    std::lock_guard<std::mutex> lock(swept_mutex);
    if (!swept->insert(directory + "/" + base).second) return;
  }
  DIR* d = ::opendir(directory.c_str());
  if (d == nullptr) return;
  while (dirent* entry = ::readdir(d)) {
    const std::string name = entry->d_name;
    const pid_t pending_writer = pending_writer_of(name, base);
    if (pending_writer > 0) {
      struct stat st {};
      const std::string path = directory + "/" + name;
      if (::kill(pending_writer, 0) != 0 && errno == ESRCH && ::lstat(path.c_str(), &st) == 0 &&
          S_ISREG(st.st_mode) && st.st_uid == ::geteuid()) {
        ::unlink(path.c_str());
      }
      continue;
    }
    if (!is_temp_name_of(name, base)) continue;
    const std::string path = directory + "/" + name;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) continue;
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == ::geteuid() &&
        ::flock(fd, LOCK_EX | LOCK_NB) == 0) {
      ::unlink(path.c_str());
    }
    ::close(fd);
  }
  ::closedir(d);
}

}  // namespace

AtomicFile::AtomicFile(std::string target) : target_(std::move(target)) {
  if (target_.empty() || target_.back() == '/') throw_io_error("saving to", target_, EISDIR);
  // Saving through a symbolic link replaces the file it points to (as writing through it would), not the
  // link; a dangling link creates the file it names, as open(path, "w") does.
  target_ = follow_links(target_);
  directory_ = directory_of(target_);
  struct stat existing {};
  bool target_exists = ::stat(target_.c_str(), &existing) == 0;
  if (target_exists && S_ISDIR(existing.st_mode)) throw_io_error("saving to", target_, EISDIR);
  sweep_stale_temp_files(directory_, base_name_of(target_));
  std::string pending;
  for (int attempt = 0; fd_ < 0; ++attempt) {
    const std::string stem = directory_ + "/." + base_name_of(target_) + "." + random_suffix();
    temp_ = stem + ".tmp";
    pending = stem + "." + std::to_string(::getpid()) + ".new";  // the pid lets a sweep tell a dead writer
    // 0666 filtered by the umask: the same permissions a plain open() of the target would give.
    fd_ = ::open(pending.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ < 0 && (errno != EEXIST || attempt > 100)) throw_io_error("creating a temporary file to save", target_);
  }
  // Lock under a pending name, then rename: a sweeping process must never find an unlocked .tmp of a
  // live save (it would remove it).
  if (::flock(fd_, LOCK_EX) != 0 || ::rename(pending.c_str(), temp_.c_str()) != 0) {
    const int error = errno;
    ::unlink(pending.c_str());
    ::close(fd_);
    fd_ = -1;
    temp_.clear();
    throw_io_error("creating a temporary file to save", target_, error);
  }
  // Replacing a file keeps its permission bits (owner and group are the writer's, as with any new file).
  if (target_exists && S_ISREG(existing.st_mode)) (void)::fchmod(fd_, existing.st_mode & 07777);
}

AtomicFile::~AtomicFile() { discard(); }

void AtomicFile::discard() noexcept {
  if (direct_fd_ >= 0) {
    ::close(direct_fd_);
    direct_fd_ = -2;
  }
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (!committed_ && !temp_.empty()) {
    ::unlink(temp_.c_str());
    temp_.clear();
  }
}

void AtomicFile::reserve(std::uint64_t size) {
  if (size == 0) return;
  check_room_for_file(fd_, size, "reserving space for", target_);
  int rc;
  do {
    rc = ::posix_fallocate(fd_, 0, static_cast<off_t>(size));
  } while (rc == EINTR);  // a signal during a long reservation is not a failure
  if (rc == EOPNOTSUPP || rc == EINVAL) {
    // File systems without fallocate: size the file; a full disk then surfaces from pwrite.
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) throw_io_error("sizing the file for", target_);
  } else if (rc != 0) {
    throw_io_error("reserving " + std::to_string(size) + " bytes for", target_, rc);
  }
}

void AtomicFile::write_at(std::uint64_t offset, const void* data, std::size_t n) {
  // Large page-aligned writes bypass the page cache: copying into fresh cache pages costs more CPU
  // than the disk write itself, and a saved payload is rarely read back soon.
  constexpr std::uint64_t kAlign = 4096;
  const bool aligned = offset % kAlign == 0 && n % kAlign == 0 && reinterpret_cast<std::uintptr_t>(data) % kAlign == 0;
  if (aligned && n >= kDirectMinimum) {
    if (direct_fd_ == -2) {
      direct_fd_ = ::open(temp_.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC);  // -1: not supported here
    }
    if (direct_fd_ >= 0) {
      pwrite_fully(direct_fd_, data, n, offset, target_);
      return;
    }
  }
  pwrite_fully(fd_, data, n, offset, target_);
}

void AtomicFile::start_writeback(std::uint64_t offset, std::uint64_t n, std::uint64_t wait_offset,
                                 std::uint64_t wait_n) {
#ifdef SYNC_FILE_RANGE_WRITE
  if (wait_n > 0) {
    (void)::sync_file_range(fd_, static_cast<off_t>(wait_offset), static_cast<off_t>(wait_n),
                            SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
  }
  if (n > 0) (void)::sync_file_range(fd_, static_cast<off_t>(offset), static_cast<off_t>(n), SYNC_FILE_RANGE_WRITE);
#endif
}

void AtomicFile::commit() {
  if (direct_fd_ >= 0) {
    ::close(direct_fd_);
    direct_fd_ = -2;
  }
  if (::fsync(fd_) != 0) throw_io_error("flushing", target_);
  if (::close(fd_) != 0) {
    fd_ = -1;
    throw_io_error("closing", target_);
  }
  fd_ = -1;
  if (::rename(temp_.c_str(), target_.c_str()) != 0) throw_io_error("renaming the temporary file onto", target_);
  committed_ = true;
  // The rename is durable only once the directory entry is on disk.
  int dir_fd = ::open(directory_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    (void)::fsync(dir_fd);
    ::close(dir_fd);
  }
}

}  // namespace pycauset
