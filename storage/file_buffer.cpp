// FileBuffer: exclusive creation, space reservation (so a full disk is an error, not a SIGBUS), mapping.
#include "storage/file_buffer.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <set>

#include "storage/errors.hpp"
#include "storage/space_check.hpp"

namespace pycauset {

void pread_fully(int fd, void* dst, std::size_t n, std::uint64_t offset, const std::string& path) {
  auto* out = static_cast<char*>(dst);
  while (n > 0) {
    ssize_t got = ::pread(fd, out, n, static_cast<off_t>(offset));
    if (got < 0) {
      if (errno == EINTR) continue;
      throw_io_error("reading", path);
    }
    if (got == 0) throw_io_error("reading (unexpected end of file)", path, EIO);
    out += got;
    offset += static_cast<std::uint64_t>(got);
    n -= static_cast<std::size_t>(got);
  }
}

void pwrite_fully(int fd, const void* src, std::size_t n, std::uint64_t offset, const std::string& path) {
  auto* in = static_cast<const char*>(src);
  while (n > 0) {
    ssize_t put = ::pwrite(fd, in, n, static_cast<off_t>(offset));
    if (put < 0) {
      if (errno == EINTR) continue;
      throw_io_error("writing", path);
    }
    in += put;
    offset += static_cast<std::uint64_t>(put);
    n -= static_cast<std::size_t>(put);
  }
}

namespace {

// Every live spill file, so that a forked child can make the parent's mappings read-only at once.
// The fork handlers hold the mutex across fork(): the child never finds it locked by a vanished thread.
std::mutex spill_files_mutex;
std::set<FileBuffer*>& spill_files() {
  static auto* files = new std::set<FileBuffer*>();  // leaked: spill files may die during static destruction
  return *files;
}

void install_fork_handlers(void (*in_child)()) {
  static std::once_flag once;
  std::call_once(once, [in_child] {
    ::pthread_atfork([] { spill_files_mutex.lock(); }, [] { spill_files_mutex.unlock(); },
                     in_child);
  });
}

}  // namespace

void FileBuffer::protect_inherited_mappings() noexcept {
  for (FileBuffer* file : spill_files()) {
    if (file->mapping_ != nullptr) ::mprotect(file->mapping_, file->mapping_size_, PROT_READ);
  }
  spill_files_mutex.unlock();
}

bool FileBuffer::inherited() const noexcept { return unlink_on_close_ && owner_pid_ != ::getpid(); }

bool FileBuffer::read_only() const noexcept { return read_only_ || inherited(); }

std::unique_ptr<FileBuffer> FileBuffer::create_spill(const std::string& path, std::uint64_t size) {
  install_fork_handlers(&FileBuffer::protect_inherited_mappings);
  std::unique_ptr<FileBuffer> file(new FileBuffer());
  file->owner_pid_ = static_cast<int>(::getpid());
  file->path_ = path;
  file->size_ = size;
  file->read_only_ = false;
  file->fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (file->fd_ < 0) throw_io_error("creating spill file", path);
  file->unlink_on_close_ = true;
  if (size > 0) {
    // Reserve the blocks now: running out of disk later, through the mapping, would be a SIGBUS.
    check_room_for_file(file->fd_, size, "reserving space for spill file", path);
    int rc = EINTR;
    while (rc == EINTR) rc = ::posix_fallocate(file->fd_, 0, static_cast<off_t>(size));  // a signal is no failure
    if (rc == EOPNOTSUPP || rc == EINVAL) {
      if (::ftruncate(file->fd_, static_cast<off_t>(size)) != 0) throw_io_error("sizing spill file", path);
    } else if (rc != 0) {
      throw_io_error("reserving space for spill file", path, rc);
    }
  }
  file->map(/*writable=*/true);
  std::lock_guard<std::mutex> lock(spill_files_mutex);
  spill_files().insert(file.get());
  return file;
}

std::unique_ptr<FileBuffer> FileBuffer::open_read_only(const std::string& path, std::uint64_t payload_offset,
                                                       std::uint64_t size) {
  std::unique_ptr<FileBuffer> file(new FileBuffer());
  file->path_ = path;
  file->size_ = size;
  file->payload_offset_ = payload_offset;
  file->read_only_ = true;
  file->fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (file->fd_ < 0) throw_io_error("opening", path);
  struct stat st {};
  if (::fstat(file->fd_, &st) != 0) throw_io_error("inspecting", path);
  if (static_cast<std::uint64_t>(st.st_size) < payload_offset + size) {
    throw ValueError("file '" + path + "' is truncated: expected " + std::to_string(payload_offset + size) +
                     " bytes, found " + std::to_string(st.st_size));
  }
  file->map(/*writable=*/false);
  return file;
}

void FileBuffer::map(bool writable) {
  mapping_size_ = payload_offset_ + size_;
  if (mapping_size_ == 0) return;
  int prot = PROT_READ | (writable ? PROT_WRITE : 0);
  void* p = ::mmap(nullptr, mapping_size_, prot, MAP_SHARED, fd_, 0);
  if (p == MAP_FAILED) throw_io_error("mapping", path_);
  mapping_ = static_cast<std::byte*>(p);
  payload_ = mapping_ + payload_offset_;
}

FileBuffer::~FileBuffer() {
  if (unlink_on_close_) {
    std::lock_guard<std::mutex> lock(spill_files_mutex);
    spill_files().erase(this);
  }
  if (direct_fd_ >= 0) ::close(direct_fd_);
  if (mapping_ != nullptr) ::munmap(mapping_, mapping_size_);
  if (fd_ >= 0) ::close(fd_);
  if (unlink_on_close_ && !inherited()) ::unlink(path_.c_str());  // a forked child leaves the parent's file
}

void FileBuffer::read_at(std::uint64_t offset, void* dst, std::size_t n) const {
  check_byte_range(offset, n, size_);
  pread_fully(fd_, dst, n, payload_offset_ + offset, path_);
}

void FileBuffer::check_writable() const {
  if (read_only_) throw ValueError("file '" + path_ + "' is mapped read-only");
  if (inherited()) {
    throw ValueError("spill file '" + path_ + "' belongs to the parent of this forked process; copy the object "
                     "(obj.copy()) to change it here");
  }
}

void FileBuffer::write_at(std::uint64_t offset, const void* src, std::size_t n) {
  check_writable();
  check_byte_range(offset, n, size_);
  pwrite_fully(fd_, src, n, payload_offset_ + offset, path_);
}

void FileBuffer::prefetch(std::uint64_t offset, std::size_t n) const {
  ::posix_fadvise(fd_, static_cast<off_t>(payload_offset_ + offset), static_cast<off_t>(n), POSIX_FADV_WILLNEED);
}

namespace {

constexpr std::uint64_t kAlign = ByteStore::kWindowAlignment;

bool is_aligned(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % kAlign == 0; }

/// pread/pwrite on an O_DIRECT descriptor until `n` bytes (at least `need`) moved. Returns false when
/// the kernel refuses the alignment (EINVAL) before anything moved, so the caller can go buffered.
template <class Transfer>
bool transfer_direct(Transfer&& transfer, std::byte* p, std::size_t n, std::size_t need, std::uint64_t at,
                     const char* what, const std::string& path) {
  std::size_t done = 0;
  while (done < need) {
    ssize_t r = transfer(p + done, n - done, static_cast<off_t>(at + done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && errno == EINVAL && done == 0) return false;
    if (r < 0) throw_io_error(what, path);
    if (r == 0) throw_io_error(std::string(what) + " (unexpected end of file)", path, EIO);
    done += static_cast<std::size_t>(r);
  }
  return true;
}

}  // namespace

int FileBuffer::direct_fd() const {
  // Reopen the same open file (not the path, which a save may since have replaced) with O_DIRECT.
  std::call_once(direct_once_, [this] {
    const std::string self = "/proc/self/fd/" + std::to_string(fd_);
    direct_fd_ = ::open(self.c_str(), (read_only_ ? O_RDONLY : O_RDWR) | O_DIRECT | O_CLOEXEC);
  });
  return direct_fd_;
}

bool FileBuffer::in_page_cache(std::uint64_t offset, std::size_t n) const {
  static const std::uint64_t page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  std::uint64_t at = (payload_offset_ + offset) / page * page;
  const std::uint64_t end = payload_offset_ + offset + n;
  constexpr std::uint64_t kPagesPerCall = 4096;  // ask in slices, so a cold span answers early
  unsigned char resident[kPagesPerCall];
  while (at < end) {
    const std::uint64_t pages = std::min<std::uint64_t>(kPagesPerCall, (end - at + page - 1) / page);
    if (::mincore(mapping_ + at, static_cast<std::size_t>(pages * page), resident) != 0) return false;
    for (std::uint64_t i = 0; i < pages; ++i) {
      if ((resident[i] & 1) == 0) return false;
    }
    at += pages * page;
  }
  return true;
}

void FileBuffer::read_window(std::uint64_t offset, std::size_t n, std::byte* window, CachedSpans cached) const {
  check_byte_range(offset, n, size_);
  if (n == 0) return;
  const std::size_t lead = window_lead(offset);
  const bool copy_from_cache = cached == CachedSpans::CopyIfWhollyCached && in_page_cache(offset, n);
  const int fd = is_aligned(window) && !copy_from_cache ? direct_fd() : -1;
  if (fd >= 0) {
    // The aligned span may run past the end of the file: a short final read is fine once we have ours.
    auto read = [fd](std::byte* p, std::size_t len, off_t at) { return ::pread(fd, p, len, at); };
    if (transfer_direct(read, window, window_bytes(offset, n), lead + n, payload_offset_ + offset - lead, "reading",
                        path_)) {
      return;
    }
  }
  pread_fully(fd_, window + lead, n, payload_offset_ + offset, path_);
}

void FileBuffer::write_window(std::uint64_t offset, std::size_t n, const std::byte* window) {
  check_writable();
  check_byte_range(offset, n, size_);
  const std::byte* src = window + window_lead(offset);
  const std::uint64_t begin = payload_offset_ + offset, end = begin + n;
  const std::uint64_t inner_begin = (begin + kAlign - 1) / kAlign * kAlign, inner_end = end / kAlign * kAlign;
  const int fd = is_aligned(window) && inner_end > inner_begin ? direct_fd() : -1;
  if (fd >= 0) {
    auto write = [fd](std::byte* p, std::size_t len, off_t at) { return ::pwrite(fd, p, len, at); };
    auto* inner = const_cast<std::byte*>(src + (inner_begin - begin));
    const std::size_t inner_n = static_cast<std::size_t>(inner_end - inner_begin);
    if (transfer_direct(write, inner, inner_n, inner_n, inner_begin, "writing", path_)) {
      if (inner_begin > begin) pwrite_fully(fd_, src, static_cast<std::size_t>(inner_begin - begin), begin, path_);
      if (end > inner_end) {
        pwrite_fully(fd_, src + (inner_end - begin), static_cast<std::size_t>(end - inner_end), inner_end, path_);
      }
      return;
    }
  }
  pwrite_fully(fd_, src, n, begin, path_);
}

}  // namespace pycauset
