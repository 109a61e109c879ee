// RamBuffer: anonymous mmap so large buffers are page-aligned, lazily zeroed and returned to the OS on free.
#include "storage/ram_buffer.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <mutex>
#include <string>

#include "storage/errors.hpp"

namespace pycauset {

namespace {

constexpr std::uint64_t kGranule = 64 * 1024;
constexpr std::uint64_t kMaxCached = 1ull << 30;

/// Freed mappings by size. A request reuses a cached mapping at most 25% larger than itself.
class Recycler {
 public:
  std::byte* take(std::uint64_t size, std::uint64_t* mapped) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = cached_.lower_bound(size);
    if (it == cached_.end() || it->first > size + size / 4) return nullptr;
    *mapped = it->first;
    std::byte* block = it->second;
    total_ -= it->first;
    cached_.erase(it);
    return block;
  }

  void give(std::byte* block, std::uint64_t mapped) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (total_ + mapped <= kMaxCached) {
        cached_.emplace(mapped, block);
        total_ += mapped;
        return;
      }
    }
    ::munmap(block, mapped);
  }

  void trim(std::uint64_t keep) {
    std::lock_guard<std::mutex> lock(mutex_);
    while (total_ > keep && !cached_.empty()) {
      auto it = std::prev(cached_.end());  // largest first
      ::munmap(it->second, it->first);
      total_ -= it->first;
      cached_.erase(it);
    }
  }

  std::uint64_t total() const noexcept { return total_.load(); }

 private:
  std::mutex mutex_;
  std::multimap<std::uint64_t, std::byte*> cached_;
  std::atomic<std::uint64_t> total_{0};
};

Recycler& recycler() {
  static Recycler* instance = new Recycler();  // leaked: buffers may die during static destruction
  return *instance;
}

}  // namespace

RamBuffer::RamBuffer(std::uint64_t size, bool zeroed) : size_(size) {
  std::uint64_t wanted = std::max<std::uint64_t>(kGranule, (size + kGranule - 1) / kGranule * kGranule);
  if (std::byte* block = recycler().take(wanted, &mapped_size_)) {
    data_ = block;
    if (zeroed) std::memset(data_, 0, static_cast<std::size_t>(size_));
    return;
  }
  mapped_size_ = wanted;
  void* p = ::mmap(nullptr, mapped_size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    recycler().trim(0);  // cached mappings may be what stands in the way
    p = ::mmap(nullptr, mapped_size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  }
  if (p == MAP_FAILED) {
    throw OutOfMemory("cannot allocate " + std::to_string(size) + " bytes of RAM: " + std::strerror(errno));
  }
  data_ = static_cast<std::byte*>(p);  // fresh anonymous pages are zero already
  // Large buffers ask for transparent huge pages (as NumPy does from 4 MiB): first touch then costs one
  // fault per 2 MiB instead of one per 4 KiB.
  if (mapped_size_ >= (std::uint64_t{1} << 22)) ::madvise(p, mapped_size_, MADV_HUGEPAGE);
}

RamBuffer::~RamBuffer() { recycler().give(data_, mapped_size_); }

std::uint64_t RamBuffer::cached_bytes() noexcept { return recycler().total(); }

void RamBuffer::trim_cache(std::uint64_t keep_bytes) noexcept { recycler().trim(keep_bytes); }

void RamBuffer::read_at(std::uint64_t offset, void* dst, std::size_t n) const {
  check_byte_range(offset, n, size_);
  if (n == 0) return;  // memcpy with a null pointer is undefined even for zero bytes
  std::memcpy(dst, data_ + offset, n);
}

void RamBuffer::write_at(std::uint64_t offset, const void* src, std::size_t n) {
  check_byte_range(offset, n, size_);
  if (n == 0) return;
  std::memcpy(data_ + offset, src, n);
}

}  // namespace pycauset
