// BufferPool: a free list of anonymous mappings keyed by size.
#include "storage/buffer_pool.hpp"

#include <sys/mman.h>

#include <atomic>
#include <cstring>
#include <map>
#include <mutex>
#include <string>

#include "storage/errors.hpp"

// AddressSanitizer watches malloc's memory, not mmap's: without help it sees no overrun of a tile.
#if defined(__SANITIZE_ADDRESS__)
#define PYCAUSET_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PYCAUSET_ASAN 1
#endif
#endif
#ifdef PYCAUSET_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace pycauset {

class BufferPool::Impl {
 public:
  std::mutex mutex;
  std::multimap<std::size_t, std::byte*> cached;  // size -> block
  std::atomic<std::size_t> loaned{0};
  std::atomic<std::size_t> cached_total{0};
};

namespace {
constexpr std::size_t kGranule = 64 * 1024;
constexpr std::size_t kHugePage = 2 * 1024 * 1024;
std::size_t round_up(std::size_t n) { return (n + kGranule - 1) / kGranule * kGranule; }

/// Anonymous memory of `size` bytes, or nullptr. Blocks of a huge page or more start on a 2 MiB
/// boundary and ask for transparent huge pages: an unbuffered read into such a block reaches the disk
/// as 4 MiB requests (two physically contiguous segments each) instead of requests capped by the
/// device's segment count at about 1 MiB of scattered 4 KiB pages, which on the reference VM read
/// 2.4-2.5 GB/s against 1.1-2.0. The size is not rounded up, so the budget counts the same bytes.
std::byte* map_block(std::size_t size) {
  if (size < kHugePage) {
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? nullptr : static_cast<std::byte*>(p);
  }
  void* p = ::mmap(nullptr, size + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  auto* raw = static_cast<std::byte*>(p);
  const std::size_t head = (kHugePage - reinterpret_cast<std::uintptr_t>(raw) % kHugePage) % kHugePage;
  if (head > 0) ::munmap(raw, head);  // the slack was never touched: returning it costs nothing
  ::munmap(raw + head + size, kHugePage - head);
  ::madvise(raw + head, size, MADV_HUGEPAGE);
  return raw + head;
}

// Under ASan, bytes a borrower may not touch are poisoned: a loaned block beyond the bytes asked for (the
// rounding up to the granule, or the rest of a larger cached block), and a cached block as a whole (a
// use after return). So an overrun of a tile by a kernel is reported where it happens. No-ops otherwise.
#ifdef PYCAUSET_ASAN
void mark_loaned(std::byte* data, std::size_t asked, std::size_t size) {
  ASAN_UNPOISON_MEMORY_REGION(data, asked);
  ASAN_POISON_MEMORY_REGION(data + asked, size - asked);
}
void mark_cached(std::byte* data, std::size_t size) { ASAN_POISON_MEMORY_REGION(data, size); }
// Before munmap: a later mapping at the same address must not inherit the poison.
void mark_unmapped(std::byte* data, std::size_t size) { ASAN_UNPOISON_MEMORY_REGION(data, size); }
#else
void mark_loaned(std::byte*, std::size_t, std::size_t) {}
void mark_cached(std::byte*, std::size_t) {}
void mark_unmapped(std::byte*, std::size_t) {}
#endif
}  // namespace

PooledBuffer::PooledBuffer(PooledBuffer&& other) noexcept
    : pool_(other.pool_), data_(other.data_), size_(other.size_) {
  other.pool_ = nullptr;
  other.data_ = nullptr;
  other.size_ = 0;
}

PooledBuffer& PooledBuffer::operator=(PooledBuffer&& other) noexcept {
  if (this != &other) {
    if (pool_ != nullptr) pool_->give_back(data_, size_);
    pool_ = other.pool_;
    data_ = other.data_;
    size_ = other.size_;
    other.pool_ = nullptr;
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

PooledBuffer::~PooledBuffer() {
  if (pool_ != nullptr) pool_->give_back(data_, size_);
}

BufferPool::BufferPool() : impl_(std::make_unique<Impl>()) {}
BufferPool::~BufferPool() { trim(0); }

BufferPool& BufferPool::instance() {
  static BufferPool* pool = new BufferPool();  // leaked: buffers may return during static destruction
  return *pool;
}

PooledBuffer BufferPool::reuse(std::size_t bytes) {
  std::size_t size = round_up(bytes == 0 ? 1 : bytes);
  std::lock_guard<std::mutex> lock(impl_->mutex);
  // Best fit among cached blocks no more than twice the request, so small asks do not pin big blocks.
  auto it = impl_->cached.lower_bound(size);
  if (it == impl_->cached.end() || it->first > 2 * size) return PooledBuffer();
  std::size_t got = it->first;
  std::byte* data = it->second;
  impl_->cached.erase(it);
  impl_->cached_total -= got;
  impl_->loaned += got;
  mark_loaned(data, bytes, got);
  return PooledBuffer(this, data, got);
}

// The borrower may use the `bytes` it asked for; size() is the whole block, as the budget counts it.
PooledBuffer BufferPool::acquire(std::size_t bytes) {
  if (PooledBuffer cached = reuse(bytes); cached.data() != nullptr) return cached;
  std::size_t size = round_up(bytes == 0 ? 1 : bytes);
  std::byte* p = map_block(size);
  if (p == nullptr) {
    trim(0);
    p = map_block(size);
    if (p == nullptr) throw OutOfMemory("cannot allocate a tile buffer of " + std::to_string(size) + " bytes");
  }
  impl_->loaned += size;
  mark_loaned(p, bytes, size);
  return PooledBuffer(this, p, size);
}

void BufferPool::give_back(std::byte* data, std::size_t size) noexcept {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->loaned -= size;
  mark_cached(data, size);
  impl_->cached.emplace(size, data);
  impl_->cached_total += size;
}

void BufferPool::trim(std::size_t keep_bytes) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  // Free the largest blocks first: they are the least likely to be reused exactly.
  while (impl_->cached_total > keep_bytes && !impl_->cached.empty()) {
    auto it = std::prev(impl_->cached.end());
    mark_unmapped(it->second, it->first);
    ::munmap(it->second, it->first);
    impl_->cached_total -= it->first;
    impl_->cached.erase(it);
  }
}

std::size_t BufferPool::held_bytes() const noexcept { return impl_->loaned + impl_->cached_total; }
std::size_t BufferPool::cached_bytes() const noexcept { return impl_->cached_total; }

}  // namespace pycauset
