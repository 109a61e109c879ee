// Unit tests of core/governor.cpp: byte counts, budgets, placement, LRU spilling, pins, accounting, threads.
#include "core/governor.hpp"

#include <cstring>
#include <fstream>
#include <random>
#include <thread>
#include <vector>

#include "storage/buffer_pool.hpp"
#include "storage/errors.hpp"
#include "storage/file_buffer.hpp"
#include "storage/spill_dir.hpp"
#include "test_support.hpp"

using namespace pycauset;

namespace {

constexpr std::uint64_t MiB = 1ull << 20;

MemoryGovernor& gov() { return MemoryGovernor::instance(); }

/// Fill a buffer with a pattern derived from `seed` (through a lease, as kernels do).
void fill(const std::shared_ptr<Buffer>& buffer, unsigned seed) {
  Buffer::Lease lease = Buffer::lease(buffer);
  std::vector<unsigned char> bytes(buffer->nbytes());
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<unsigned char>(i * 31 + seed);
  lease.store().write_at(0, bytes.data(), bytes.size());
}

/// True when the buffer still holds the pattern of `seed`. Reading takes a lease (marks it used).
bool holds(const std::shared_ptr<Buffer>& buffer, unsigned seed) {
  Buffer::Lease lease = Buffer::lease(buffer);
  std::vector<unsigned char> bytes(buffer->nbytes());
  lease.store().read_at(0, bytes.data(), bytes.size());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] != static_cast<unsigned char>(i * 31 + seed)) return false;
  }
  return true;
}

/// Start each case from an empty pool and a known budget.
void reset(std::uint64_t limit) {
  BufferPool::instance().trim(0);
  gov().set_limit(limit);
}

std::uint64_t meminfo_available() {
  std::ifstream in("/proc/meminfo");
  std::string key, unit;
  std::uint64_t value = 0;
  while (in >> key >> value >> unit) {
    if (key == "MemAvailable:") return value * 1024;
  }
  return 0;
}

}  // namespace

TEST_CASE(parse_byte_count_accepts_numbers_and_binary_suffixes) {
  CHECK_EQ(parse_byte_count("123"), 123u);
  CHECK_EQ(parse_byte_count("0"), 0u);
  CHECK_EQ(parse_byte_count("64M"), 64 * MiB);
  CHECK_EQ(parse_byte_count("1g"), 1ull << 30);
  CHECK_EQ(parse_byte_count("2K"), 2048u);
  CHECK_EQ(parse_byte_count("3t"), 3ull << 40);
  CHECK_EQ(parse_byte_count(" 64MiB "), 64 * MiB);
  CHECK_EQ(parse_byte_count("64 mb"), 64 * MiB);
  CHECK_EQ(parse_byte_count("512B"), 512u);
  CHECK_EQ(parse_byte_count("18446744073709551615"), ~std::uint64_t{0});
}

TEST_CASE(parse_byte_count_rejects_bad_strings_with_value_error) {
  for (const char* bad : {"", "   ", "abc", "-1", "1.5G", "12Q", "1i", "M", "6 4M", "64MM", "0x10", "1e6",
                          "18446744073709551616", "99999999999999999999", "16777216T"}) {
    CHECK_THROWS_AS(parse_byte_count(bad), ValueError, {
      CHECK(contains(error.what(), std::string("'") + bad + "'"));
      CHECK(contains(error.what(), "64M"));
    });
  }
}

TEST_CASE(environment_variable_sets_the_budget) {
  // A fresh governor object reads PYCAUSET_MEMORY_LIMIT in its constructor.
  ::setenv("PYCAUSET_MEMORY_LIMIT", "48M", 1);
  CHECK_EQ(MemoryGovernor().limit(), 48 * MiB);
  ::setenv("PYCAUSET_MEMORY_LIMIT", "lots", 1);
  CHECK_THROWS_AS(MemoryGovernor(), ValueError, {
    CHECK(contains(error.what(), "lots"));
    CHECK(contains(error.what(), "PYCAUSET_MEMORY_LIMIT"));
  });
  ::setenv("PYCAUSET_MEMORY_LIMIT", "1000K", 1);
  CHECK_THROWS_AS(MemoryGovernor(), ValueError, {
    CHECK(contains(error.what(), "PYCAUSET_MEMORY_LIMIT"));
    CHECK(contains(error.what(), "1 MiB"));
  });
  ::unsetenv("PYCAUSET_MEMORY_LIMIT");
  MemoryGovernor plain;
  CHECK_EQ(plain.limit(), plain.info().default_budget);
}

TEST_CASE(minimum_budget_is_enforced_and_failure_leaves_limit) {
  reset(4 * MiB);
  CHECK_THROWS_AS(gov().set_limit(MiB - 1), ValueError, {
    CHECK(contains(error.what(), "1048575"));
    CHECK(contains(error.what(), "1 MiB"));
  });
  CHECK_THROWS_AS(gov().set_limit(0), ValueError);
  CHECK_EQ(gov().limit(), 4 * MiB);
  CHECK_NOTHROW(gov().set_limit(MiB));
  CHECK_EQ(gov().limit(), MiB);
  gov().set_limit(std::nullopt);
  CHECK_EQ(gov().limit(), gov().info().default_budget);
}

TEST_CASE(default_budget_respects_mem_available) {
  std::uint64_t first = meminfo_available();
  std::uint64_t budget = MemoryGovernor::default_limit();
  std::uint64_t available = std::max(first, meminfo_available());  // other processes may free memory meanwhile
  REQUIRE(available > 0);
  CHECK(budget >= MemoryGovernor::kMinimumBudget);
  // Half of the smaller of MemAvailable and the cgroup's room; MemAvailable may move a little meanwhile.
  CHECK(budget <= available / 2 + 64 * MiB);
  CHECK(budget <= available);
}

TEST_CASE(placement_ram_while_it_fits_then_file) {
  reset(8 * MiB);
  MemoryInfo before = gov().info();
  auto small = gov().allocate(3 * MiB);
  auto second = gov().allocate(5 * MiB);  // exactly fills the budget
  auto big = gov().allocate(9 * MiB);     // larger than the budget: straight to a file, nothing spilled
  auto forced_file = gov().allocate(1000, Placement::File);
  auto forced_ram = gov().allocate(MiB, Placement::Ram);  // explicit RAM ignores the budget
  CHECK(!small->is_file());
  CHECK(!second->is_file());
  CHECK(big->is_file());
  CHECK(forced_file->is_file());
  CHECK(!forced_ram->is_file());
  CHECK_EQ(big->path().rfind(SpillDir::instance().path() + "/", 0), 0u);
  MemoryInfo after = gov().info();
  CHECK_EQ(after.ram_bytes - before.ram_bytes, 9 * MiB);
  CHECK_EQ(after.file_bytes - before.file_bytes, 9 * MiB + 1000);
  CHECK_EQ(after.ram_objects - before.ram_objects, 3u);
  CHECK_EQ(after.file_objects - before.file_objects, 2u);
  CHECK_EQ(after.spills, before.spills);
  CHECK(small->store()->data() != nullptr);
  {
    // Fresh buffers read as zeros, in RAM and in files.
    unsigned char head[4] = {1, 1, 1, 1}, tail[4] = {1, 1, 1, 1};
    Buffer::Lease lease = Buffer::lease(big);
    lease.store().read_at(0, head, 4);
    lease.store().read_at(big->nbytes() - 4, tail, 4);
    CHECK(head[0] == 0 && head[3] == 0 && tail[0] == 0 && tail[3] == 0);
  }
  small.reset();
  second.reset();
  big.reset();
  forced_file.reset();
  forced_ram.reset();
  MemoryInfo end = gov().info();
  CHECK_EQ(end.ram_bytes, before.ram_bytes);
  CHECK_EQ(end.file_bytes, before.file_bytes);
  CHECK_EQ(end.ram_objects, before.ram_objects);
  CHECK_EQ(end.file_objects, before.file_objects);
}

TEST_CASE(lru_spills_oldest_untouched_first_and_keeps_values) {
  reset(4 * MiB);
  auto a = gov().allocate(MiB), b = gov().allocate(MiB), c = gov().allocate(MiB);
  fill(a, 1);
  fill(b, 2);
  fill(c, 3);
  { Buffer::Lease touch = Buffer::lease(a); }  // order of use now: b, c, a
  std::uint64_t spills = gov().info().spills;
  auto d = gov().allocate(2 * MiB);  // 1 MiB short: exactly one victim, the least recently used
  CHECK(b->is_file());
  CHECK(!c->is_file());
  CHECK(!a->is_file());
  CHECK(!d->is_file());
  CHECK_EQ(gov().info().spills, spills + 1);
  auto e = gov().allocate(MiB);  // next victim: c
  CHECK(c->is_file());
  CHECK(!a->is_file());
  CHECK(!e->is_file());
  CHECK_EQ(gov().info().spills, spills + 2);
  CHECK(holds(a, 1));
  CHECK(holds(b, 2));
  CHECK(holds(c, 3));
  // Spilled files live in this process's spill directory and vanish with their buffer.
  std::string path = b->path();
  CHECK_EQ(path.rfind(SpillDir::instance().path() + "/", 0), 0u);
  CHECK(test_support::exists(path));
  b.reset();
  CHECK(!test_support::exists(path));
}

TEST_CASE(leased_and_exported_buffers_are_never_spilled) {
  reset(2 * MiB);
  auto leased = gov().allocate(MiB), exported = gov().allocate(MiB);
  fill(exported, 9);
  Buffer::Lease lease = Buffer::lease(leased);
  exported->add_export();
  std::uint64_t spills = gov().info().spills;
  auto newcomer = gov().allocate(MiB);
  CHECK(newcomer->is_file());
  CHECK(!leased->is_file());
  CHECK(!exported->is_file());
  CHECK_EQ(gov().info().spills, spills);
  gov().set_limit(MiB);  // over budget now, yet nothing may move
  CHECK(!leased->is_file());
  CHECK(!exported->is_file());
  CHECK(gov().make_room(MiB) == 0);
  exported->remove_export();
  CHECK_EQ(exported->exports(), 0);
  gov().set_limit(2 * MiB);
  gov().make_room(MiB);  // now the unpinned one can go
  CHECK(exported->is_file());
  CHECK(holds(exported, 9));
  CHECK(!leased->is_file());
}

TEST_CASE(allocation_that_cannot_fit_spills_nobody) {
  reset(3 * MiB);
  auto pinned = gov().allocate(MiB), idle = gov().allocate(MiB);
  Buffer::Lease lease = Buffer::lease(pinned);
  std::uint64_t spills = gov().info().spills;
  // Spilling `idle` would leave 2 MiB: still too small for 3 MiB, so it must stay in RAM.
  auto big = gov().allocate(3 * MiB);
  CHECK(big->is_file());
  CHECK(!idle->is_file());
  CHECK_EQ(gov().info().spills, spills);
}

TEST_CASE(lowering_the_limit_spills_until_within_budget) {
  reset(8 * MiB);
  auto a = gov().allocate(2 * MiB), b = gov().allocate(2 * MiB), c = gov().allocate(2 * MiB);
  fill(a, 4);
  fill(b, 5);
  fill(c, 6);
  MemoryInfo before = gov().info();
  gov().set_limit(3 * MiB);  // 6 MiB in RAM: the two oldest must go
  CHECK(a->is_file());
  CHECK(b->is_file());
  CHECK(!c->is_file());
  MemoryInfo after = gov().info();
  CHECK_EQ(before.ram_bytes - after.ram_bytes, 4 * MiB);
  CHECK_EQ(after.file_bytes - before.file_bytes, 4 * MiB);
  CHECK_EQ(after.spills - before.spills, 2u);
  CHECK(after.ram_bytes + after.scratch_bytes <= 3 * MiB);
  CHECK(holds(a, 4) && holds(b, 5) && holds(c, 6));
}

TEST_CASE(tile_budget_and_pool_bytes_count_against_the_budget) {
  reset(4 * MiB);
  auto pinned = gov().allocate(3 * MiB);
  Buffer::Lease lease = Buffer::lease(pinned);
  CHECK_EQ(gov().tile_budget(8 * MiB), MiB);         // budget minus pinned RAM
  CHECK_EQ(gov().tile_budget(256 * 1024), 512 * 1024u);  // never below the 512 KiB floor
  CHECK_EQ(gov().tile_budget(700 * 1024), 700 * 1024u);
  {
    PooledBuffer tile = gov().acquire_tile(512 * 1024);
    CHECK_EQ(gov().info().scratch_bytes, 512 * 1024u);
    CHECK(!gov().fits_in_ram(MiB));
    CHECK(gov().fits_in_ram(512 * 1024));
    auto newcomer = gov().allocate(MiB);  // tile memory is budget too: no room left in RAM
    CHECK(newcomer->is_file());
  }
  // A cached tile counts as available to the next kernel, which gets it back without new memory, even
  // when it asks for more than the budget holds; it is trimmed only to make room for arrays.
  CHECK_EQ(gov().info().scratch_bytes, 512 * 1024u);
  CHECK_EQ(gov().tile_budget(8 * MiB), MiB);
  CHECK_EQ(gov().info().scratch_bytes, 512 * 1024u);
  {
    PooledBuffer tile = gov().acquire_tile(512 * 1024);
    CHECK_EQ(gov().info().scratch_bytes, 512 * 1024u);
  }
  CHECK_EQ(gov().tile_budget(MiB), MiB);
  auto fits_after_trim = gov().allocate(MiB);
  CHECK(!fits_after_trim->is_file());
  CHECK_EQ(gov().info().scratch_bytes, 0u);
}

TEST_CASE(cached_tiles_above_the_budget_are_no_room) {
  // An in-RAM routine may exceed the budget by its allowance (eigh; a forced direct path); its tile then
  // stays cached. The next kernel may reuse those bytes, but only as much of them as the budget holds.
  reset(MiB);
  { PooledBuffer big = gov().acquire_tile(3 * MiB); }
  CHECK_EQ(gov().info().scratch_bytes, 3 * MiB);
  CHECK_EQ(gov().tile_budget(8 * MiB), MiB);
  CHECK(gov().fits_in_ram_beside_cached_tiles(MiB));
  CHECK(!gov().fits_in_ram_beside_cached_tiles(MiB + 1));
  // Arrays in RAM reduce it as before: a pinned 256 KiB array leaves 768 KiB.
  auto pinned = gov().allocate(256 * 1024, Placement::Ram);
  Buffer::Lease lease = Buffer::lease(pinned);
  CHECK_EQ(gov().tile_budget(8 * MiB), 768 * 1024u);
}

TEST_CASE(adopted_store_is_counted_as_file) {
  reset(4 * MiB);
  std::string path = test_support::scratch_dir() + "/adopted.bin";
  auto spill = FileBuffer::create_spill(path, 4096);
  MemoryInfo before = gov().info();
  {
    auto buffer = gov().adopt(std::shared_ptr<ByteStore>(std::move(spill)));
    CHECK(buffer->is_file());
    CHECK_EQ(gov().info().file_bytes - before.file_bytes, 4096u);
    CHECK_EQ(gov().info().file_objects - before.file_objects, 1u);
  }
  CHECK_EQ(gov().info().file_bytes, before.file_bytes);
}

TEST_CASE(concurrent_allocate_lease_free_keeps_exact_accounting) {
  // Each thread's own (seeded, so deterministic) live set exceeds 1 MiB at some point, so spills
  // happen whatever the scheduling.
  reset(MiB);
  MemoryInfo before = gov().info();
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &bad] {
      std::mt19937 rng(static_cast<unsigned>(t) + 1);
      std::vector<std::pair<std::shared_ptr<Buffer>, unsigned>> live;
      for (int i = 0; i < 60; ++i) {
        std::uint64_t n = (rng() % 8 + 1) * 64 * 1024 + rng() % 100;
        auto buffer = gov().allocate(n);
        unsigned seed = static_cast<unsigned>(t * 1000 + i);
        fill(buffer, seed);
        live.emplace_back(buffer, seed);
        if (rng() % 3 == 0) {
          PooledBuffer tile = gov().acquire_tile(64 * 1024);
          std::memset(tile.data(), t, tile.size());
          gov().tile_budget(MiB);
        }
        if (live.size() > 6) {
          std::size_t victim = rng() % live.size();
          if (!holds(live[victim].first, live[victim].second)) ++bad;
          live.erase(live.begin() + static_cast<std::ptrdiff_t>(victim));
        }
      }
      for (auto& entry : live) {
        if (!holds(entry.first, entry.second)) ++bad;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK_EQ(bad.load(), 0);
  MemoryInfo after = gov().info();
  CHECK_EQ(after.ram_bytes, before.ram_bytes);
  CHECK_EQ(after.file_bytes, before.file_bytes);
  CHECK_EQ(after.ram_objects, before.ram_objects);
  CHECK_EQ(after.file_objects, before.file_objects);
  CHECK(after.spills > before.spills);
}

TEST_CASE(small_buffers_spill_only_when_big_ones_are_not_enough) {
  reset(2 * MiB);
  auto tiny = gov().allocate(1024);  // oldest, but not worth a file while a big buffer can go instead
  auto big = gov().allocate(MiB);
  auto newcomer = gov().allocate(3 * MiB / 2);
  CHECK(big->is_file());
  CHECK(!tiny->is_file());
  CHECK(!newcomer->is_file());
  // Only small buffers left to spill: the second pass takes them, oldest first.
  reset(MiB);
  std::vector<std::shared_ptr<Buffer>> smalls;
  for (int i = 0; i < 15; ++i) smalls.push_back(gov().allocate(60 * 1024));
  newcomer.reset();
  tiny.reset();
  auto wanted = gov().allocate(200 * 1024);  // 900 KiB + 200 KiB > 1 MiB: a few small ones must go
  CHECK(!wanted->is_file());
  CHECK(smalls.front()->is_file());
  CHECK(!smalls.back()->is_file());
  int spilled = 0;
  for (std::size_t i = 0; i < smalls.size(); ++i) {
    if (smalls[i]->is_file()) {
      ++spilled;
      CHECK_EQ(static_cast<std::size_t>(spilled), i + 1);  // a prefix of the LRU order
    }
  }
  CHECK(spilled >= 2 && spilled <= 4);
}

TEST_CASE(other_threads_allocate_while_a_spill_writes) {
  // Lowering the limit spills a 256 MiB buffer, a write long enough to watch. An allocation by another
  // thread must finish while it runs: the spill used to hold the governor mutex for the whole write,
  // stalling every allocation, tile request and free of the process behind it.
  reset(1024 * MiB);
  auto small_file = gov().allocate(4096, Placement::File);  // makes the spill directory
  const std::string dir = SpillDir::instance().path();
  const std::size_t files_before = test_support::list_dir(dir).size();
  auto big = gov().allocate(256 * MiB, Placement::Ram, /*zeroed=*/false);
  {
    Buffer::Lease lease = Buffer::lease(big);
    std::memset(lease.data(), 0x5a, static_cast<std::size_t>(big->nbytes()));
  }
  const std::uint64_t spills_before = gov().info().spills;
  std::thread lowering([] { gov().set_limit(8 * MiB); });
  // The spill file exists before its bytes are written: from then on the spill is writing.
  while (test_support::list_dir(dir).size() == files_before) std::this_thread::yield();
  auto during = gov().allocate(4096);
  const bool allocated_during_the_spill = gov().info().spills == spills_before;
  lowering.join();
  CHECK(allocated_during_the_spill);
  CHECK_EQ(gov().info().spills, spills_before + 1);
  CHECK(big->is_file());
  {
    Buffer::Lease lease = Buffer::lease(big);
    const std::byte* data = lease.data();
    CHECK(data[0] == std::byte{0x5a} && data[big->nbytes() / 2] == std::byte{0x5a} &&
          data[big->nbytes() - 1] == std::byte{0x5a});
  }
  gov().set_limit(std::nullopt);
}
