// Shared pieces of the libFuzzer harnesses: an in-memory file for the readers, and a loud failure.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace pycauset::fuzz {

/// \brief An anonymous in-memory file (memfd) that a reader can open by path or use by descriptor.
///
/// The fuzzers call the readers exactly as loading a real file does, without touching the disk.
class MemoryFile {
 public:
  explicit MemoryFile(const char* name) : fd_(::memfd_create(name, MFD_CLOEXEC)) {
    if (fd_ < 0) {
      std::perror("memfd_create");
      std::abort();
    }
  }
  ~MemoryFile() { ::close(fd_); }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;

  /// \brief Replace the contents by `size` bytes at `data`.
  void assign(const void* data, std::size_t size) {
    if (::ftruncate(fd_, 0) != 0) std::abort();
    const auto* bytes = static_cast<const unsigned char*>(data);
    std::size_t done = 0;
    while (done < size) {
      const ssize_t n = ::pwrite(fd_, bytes + done, size - done, static_cast<off_t>(done));
      if (n <= 0) std::abort();
      done += static_cast<std::size_t>(n);
    }
  }

  int fd() const noexcept { return fd_; }
  /// \brief Return a path that opens this file (/proc/self/fd/N).
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

 private:
  int fd_;
};

/// \brief Report a broken promise of a reader and abort, so libFuzzer saves the input as a crash.
[[noreturn]] inline void broken(const char* what) {
  std::fprintf(stderr, "fuzz: %s\n", what);
  std::abort();
}

}  // namespace pycauset::fuzz
