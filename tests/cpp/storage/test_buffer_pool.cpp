// Unit tests of storage/buffer_pool.cpp: rounding, reuse, best fit, trim accounting, threads.
#include "storage/buffer_pool.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "storage/errors.hpp"
#include "test_support.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define POOL_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_TEST_ASAN 1
#endif
#endif
#ifdef POOL_TEST_ASAN
#include <sanitizer/asan_interface.h>
#endif

using pycauset::BufferPool;
using pycauset::PooledBuffer;

namespace {
constexpr std::size_t kGranule = 64 * 1024;
constexpr std::size_t kHugePage = 2 * 1024 * 1024;

/// The VmFlags line of the mapping in /proc/self/smaps that contains `address` ("" if none does).
std::string vm_flags_of(const void* address) {
  std::ifstream smaps("/proc/self/smaps");
  const auto at = reinterpret_cast<std::uintptr_t>(address);
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    std::uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream range(line);
    if (range >> std::hex >> lo >> dash >> hi && dash == '-') {
      inside = lo <= at && at < hi;
    } else if (inside && line.rfind("VmFlags:", 0) == 0) {
      return line;
    }
  }
  return "";
}

bool is_mapped(const void* address, std::size_t bytes) {
  std::vector<unsigned char> pages((bytes + 4095) / 4096);
  return ::mincore(const_cast<void*>(address), bytes, pages.data()) == 0 || errno != ENOMEM;
}
}  // namespace

TEST_CASE(acquire_rounds_up_to_granule_and_counts_loans) {
  BufferPool pool;
  {
    PooledBuffer a = pool.acquire(1);
    CHECK_EQ(a.size(), kGranule);
    REQUIRE(a.data() != nullptr);
    CHECK_EQ(reinterpret_cast<std::uintptr_t>(a.data()) % 4096, 0u);
    std::memset(a.data(), 0x7f, 1);  // the byte asked for (the rest is poisoned under ASan)
    CHECK_EQ(pool.held_bytes(), kGranule);
    CHECK_EQ(pool.cached_bytes(), 0u);
    PooledBuffer b = pool.acquire(kGranule + 1);
    CHECK_EQ(b.size(), 2 * kGranule);
    CHECK_EQ(pool.held_bytes(), 3 * kGranule);
    PooledBuffer zero = pool.acquire(0);
    CHECK_EQ(zero.size(), kGranule);
  }
  CHECK_EQ(pool.held_bytes(), 4 * kGranule);
  CHECK_EQ(pool.cached_bytes(), 4 * kGranule);
  pool.trim(0);
  CHECK_EQ(pool.held_bytes(), 0u);
  CHECK_EQ(pool.cached_bytes(), 0u);
}

TEST_CASE(large_blocks_start_on_a_huge_page_and_ask_for_huge_pages) {
  BufferPool pool;
  const std::size_t bytes = 5 * kHugePage + 3 * kGranule;  // not a multiple of the huge page
  std::byte* start = nullptr;
  {
    PooledBuffer block = pool.acquire(bytes);
    start = block.data();
    CHECK_EQ(block.size(), bytes);  // aligned, but not rounded beyond the granule: the budget counts the same
    CHECK_EQ(reinterpret_cast<std::uintptr_t>(start) % kHugePage, 0u);
    std::memset(block.data(), 0x5a, block.size());
    CHECK(contains(vm_flags_of(start), " hg"));  // MADV_HUGEPAGE
    PooledBuffer small = pool.acquire(kHugePage - kGranule);  // below a huge page: plain pages
    std::memset(small.data(), 1, small.size());
    CHECK(!contains(vm_flags_of(small.data()), " hg"));
  }
  CHECK_EQ(pool.held_bytes(), bytes + kHugePage - kGranule);
  pool.trim(0);
  CHECK(!is_mapped(start, bytes));  // trim unmapped exactly what was mapped
  CHECK_EQ(pool.held_bytes(), 0u);
}

TEST_CASE(released_block_is_reused) {
  BufferPool pool;
  std::byte* first = nullptr;
  {
    PooledBuffer a = pool.acquire(1000);
    first = a.data();
    a.as<int>()[0] = 42;
  }
  PooledBuffer again = pool.acquire(kGranule);
  CHECK(again.data() == first);
  CHECK_EQ(pool.cached_bytes(), 0u);
  CHECK_EQ(pool.held_bytes(), kGranule);
}

TEST_CASE(reuse_lends_only_cached_blocks) {
  BufferPool pool;
  CHECK(pool.reuse(kGranule).data() == nullptr);  // nothing cached: no new mapping either
  CHECK_EQ(pool.held_bytes(), 0u);
  std::byte* first = nullptr;
  {
    PooledBuffer a = pool.acquire(3 * kGranule);
    first = a.data();
  }
  CHECK(pool.reuse(kGranule).data() == nullptr);  // 3x the request: not a fit
  PooledBuffer again = pool.reuse(2 * kGranule);
  CHECK(again.data() == first);
  CHECK_EQ(pool.cached_bytes(), 0u);
  CHECK_EQ(pool.held_bytes(), 3 * kGranule);
}

TEST_CASE(best_fit_never_pins_a_block_over_twice_the_request) {
  BufferPool pool;
  { PooledBuffer big = pool.acquire(4 * kGranule); }
  CHECK_EQ(pool.cached_bytes(), 4 * kGranule);
  {
    PooledBuffer small = pool.acquire(kGranule);  // 4x the request: a fresh block
    CHECK_EQ(small.size(), kGranule);
    CHECK_EQ(pool.cached_bytes(), 4 * kGranule);
    PooledBuffer middle = pool.acquire(2 * kGranule + 1);  // rounds to 3 granules; 4 <= 6: reused
    CHECK_EQ(middle.size(), 4 * kGranule);
    CHECK_EQ(pool.cached_bytes(), 0u);
    CHECK_EQ(pool.held_bytes(), 5 * kGranule);
  }
  CHECK_EQ(pool.cached_bytes(), 5 * kGranule);
}

TEST_CASE(trim_frees_largest_cached_blocks_first_and_spares_loans) {
  BufferPool pool;
  {
    PooledBuffer a = pool.acquire(kGranule), b = pool.acquire(2 * kGranule), c = pool.acquire(4 * kGranule);
  }
  PooledBuffer loaned = pool.acquire(8 * kGranule);
  CHECK_EQ(pool.cached_bytes(), 7 * kGranule);
  pool.trim(4 * kGranule);  // drops the 4-granule block: 3 granules remain cached
  CHECK_EQ(pool.cached_bytes(), 3 * kGranule);
  CHECK_EQ(pool.held_bytes(), 11 * kGranule);
  pool.trim(0);
  CHECK_EQ(pool.cached_bytes(), 0u);
  CHECK_EQ(pool.held_bytes(), 8 * kGranule);
  std::memset(loaned.data(), 1, loaned.size());  // the loan survived the trims
}

TEST_CASE(pooled_buffer_moves_return_exactly_once) {
  BufferPool pool;
  PooledBuffer a = pool.acquire(kGranule);
  PooledBuffer b(std::move(a));
  CHECK(a.data() == nullptr);
  CHECK_EQ(a.size(), 0u);
  PooledBuffer c = pool.acquire(2 * kGranule);
  c = std::move(b);  // c's old block goes back to the pool now
  CHECK_EQ(pool.cached_bytes(), 2 * kGranule);
  CHECK_EQ(c.size(), kGranule);
  c = std::move(c);
  CHECK_EQ(c.size(), kGranule);
  PooledBuffer empty;
  c = std::move(empty);
  CHECK_EQ(pool.cached_bytes(), 3 * kGranule);
  CHECK_EQ(pool.held_bytes(), 3 * kGranule);
}

TEST_CASE(impossible_request_is_out_of_memory) {
  BufferPool pool;
  CHECK_THROWS_AS(pool.acquire(std::size_t{1} << 62), pycauset::OutOfMemory,
                  { CHECK(contains(error.what(), "tile buffer")); });
  CHECK_EQ(pool.held_bytes(), 0u);
}

TEST_CASE(concurrent_acquire_and_release_keep_exact_accounting) {
  BufferPool pool;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&pool, t] {
      for (int i = 0; i < 300; ++i) {
        std::size_t bytes = static_cast<std::size_t>(((i * 7 + t) % 5) + 1) * kGranule - 100;
        PooledBuffer buffer = pool.acquire(bytes);
        std::memset(buffer.data(), t, bytes);
        if (i % 50 == 0) pool.trim(kGranule * 4);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK_EQ(pool.held_bytes(), pool.cached_bytes());
  pool.trim(0);
  CHECK_EQ(pool.held_bytes(), 0u);
}

TEST_CASE(under_asan_only_the_bytes_asked_for_are_addressable) {
#ifdef POOL_TEST_ASAN
  BufferPool pool;
  std::byte* data = nullptr;
  {
    PooledBuffer a = pool.acquire(1000);
    data = a.data();
    CHECK(!__asan_address_is_poisoned(data));
    CHECK(!__asan_address_is_poisoned(data + 999));
    CHECK(__asan_address_is_poisoned(data + 1000));  // the rounding up to the granule
    CHECK(__asan_address_is_poisoned(data + kGranule - 1));
  }
  CHECK(__asan_address_is_poisoned(data));  // cached: touching it is a use after return
  {
    PooledBuffer again = pool.acquire(kGranule);  // the same block, now asked for whole
    CHECK(again.data() == data);
    CHECK(!__asan_address_is_poisoned(data + kGranule - 1));
  }
  pool.trim(0);
  CHECK(!__asan_address_is_poisoned(data));  // unmapped clean: a later mapping there starts unpoisoned

  // And ASan does report a write one element past a tile (in a child, whose report is discarded).
  const int status = test_support::run_in_child([] {
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 2);
    BufferPool child_pool;
    PooledBuffer tile = child_pool.acquire(300 * 8);
    volatile double* values = tile.as<double>();
    values[300] = 1.0;
    return 0;
  });
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) != 0);
#else
  std::printf("  (not built with AddressSanitizer: nothing to check)\n");
#endif
}

TEST_CASE(instance_is_one_pool) { CHECK(&BufferPool::instance() == &BufferPool::instance()); }
