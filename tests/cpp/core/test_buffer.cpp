// Unit tests of core/buffer.cpp: leases pin the store, export counts, copy-on-write of read-only files.
#include "core/buffer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <vector>

#include "core/governor.hpp"
#include "storage/errors.hpp"
#include "storage/file_buffer.hpp"
#include "storage/ram_buffer.hpp"
#include "test_support.hpp"

using namespace pycauset;

namespace {

constexpr std::uint64_t MiB = 1ull << 20;

MemoryGovernor& gov() { return MemoryGovernor::instance(); }

/// Write a file of `n` bytes (i % 251) and adopt it read-only, as loading a saved matrix does.
std::shared_ptr<Buffer> adopt_read_only_file(const std::string& path, std::size_t n) {
  std::vector<unsigned char> bytes(n);
  for (std::size_t i = 0; i < n; ++i) bytes[i] = static_cast<unsigned char>(i % 251);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || ::write(fd, bytes.data(), n) != static_cast<ssize_t>(n)) throw IoError(errno, "test setup");
  ::close(fd);
  return gov().adopt(FileBuffer::open_read_only(path, 0, n));
}

}  // namespace

TEST_CASE(lease_pins_the_store_and_counts_moves_exactly_once) {
  gov().set_limit(4 * MiB);
  auto buffer = gov().allocate(MiB);
  {
    Buffer::Lease first = Buffer::lease(buffer);
    CHECK(first.data() == buffer->store()->data());
    Buffer::Lease moved(std::move(first));
    Buffer::Lease assigned;
    assigned = std::move(moved);
    CHECK(assigned.data() == buffer->store()->data());
    // One live lease: the governor may not move the bytes.
    gov().set_limit(MiB);
    CHECK(gov().make_room(MiB) == 0);
    CHECK(!buffer->is_file());
    Buffer::Lease other = Buffer::lease(buffer);
    assigned = std::move(other);  // drops one of two leases
    CHECK(gov().make_room(MiB) == 0);
    CHECK(!buffer->is_file());
  }
  // All leases gone: now it can be spilled.
  gov().make_room(MiB);
  CHECK(buffer->is_file());
  gov().set_limit(4 * MiB);
}

TEST_CASE(store_swapped_by_spill_stays_alive_for_its_holders) {
  gov().set_limit(2 * MiB);
  auto buffer = gov().allocate(MiB);
  std::shared_ptr<ByteStore> old_store = buffer->store();
  std::memset(old_store->data(), 7, MiB);
  gov().set_limit(MiB);
  gov().make_room(MiB);
  REQUIRE(buffer->is_file());
  CHECK(buffer->store() != old_store);
  CHECK_EQ(static_cast<int>(old_store->data()[MiB - 1]), 7);  // still valid memory, now a stale copy
  unsigned char byte = 0;
  Buffer::lease(buffer).store().read_at(MiB - 1, &byte, 1);
  CHECK_EQ(byte, 7);
  gov().set_limit(4 * MiB);
}

TEST_CASE(exports_are_counted) {
  auto buffer = gov().allocate(100);
  CHECK_EQ(buffer->exports(), 0);
  buffer->add_export();
  buffer->add_export();
  CHECK_EQ(buffer->exports(), 2);
  buffer->remove_export();
  buffer->remove_export();
  CHECK_EQ(buffer->exports(), 0);
}

TEST_CASE(make_writable_copies_a_read_only_file_and_moves_accounting) {
  gov().set_limit(4 * MiB);
  std::string path = test_support::scratch_dir() + "/loaded.bin";
  const std::size_t n = 300000;
  MemoryInfo before = gov().info();
  auto buffer = adopt_read_only_file(path, n);
  CHECK(buffer->read_only());
  CHECK(buffer->is_file());
  CHECK_EQ(gov().info().file_bytes - before.file_bytes, n);
  buffer->make_writable();
  CHECK(!buffer->read_only());
  CHECK(!buffer->is_file());  // fits the budget: the private copy is in RAM
  MemoryInfo after = gov().info();
  CHECK_EQ(after.file_bytes, before.file_bytes);
  CHECK_EQ(after.ram_bytes - before.ram_bytes, n);
  CHECK_EQ(after.ram_objects - before.ram_objects, 1u);
  std::vector<unsigned char> got(n);
  {
    Buffer::Lease lease = Buffer::lease(buffer);
    lease.store().read_at(0, got.data(), n);
    unsigned char mark = 0xff;
    lease.store().write_at(0, &mark, 1);
  }
  bool same = true;
  for (std::size_t i = 0; i < n; ++i) same = same && got[i] == i % 251;
  CHECK(same);
  // The loaded file itself was never written.
  auto original = FileBuffer::open_read_only(path, 0, n);
  unsigned char first = 1;
  original->read_at(0, &first, 1);
  CHECK_EQ(first, 0);
  CHECK_NOTHROW(buffer->make_writable());  // already writable: nothing happens
  CHECK_EQ(gov().info().ram_bytes, after.ram_bytes);
}

TEST_CASE(make_writable_under_a_tiny_budget_goes_to_a_spill_file) {
  gov().set_limit(MiB);
  auto buffer = adopt_read_only_file(test_support::scratch_dir() + "/big.bin", 3 * MiB / 2);
  MemoryInfo before = gov().info();
  buffer->make_writable();
  CHECK(buffer->is_file());
  CHECK(!buffer->read_only());
  CHECK_EQ(gov().info().file_bytes, before.file_bytes);
  CHECK_EQ(gov().info().file_objects, before.file_objects);
  unsigned char byte = 0;
  Buffer::lease(buffer).store().read_at(1000, &byte, 1);
  CHECK_EQ(byte, 1000 % 251);
  gov().set_limit(4 * MiB);
}

TEST_CASE(make_writable_while_leased_fails_and_changes_nothing) {
  auto buffer = adopt_read_only_file(test_support::scratch_dir() + "/leased.bin", 5000);
  MemoryInfo before = gov().info();
  {
    Buffer::Lease lease = Buffer::lease(buffer);
    CHECK_THROWS_AS(buffer->make_writable(), ValueError, { CHECK(contains(error.what(), "kernel")); });
  }
  CHECK(buffer->read_only());
  MemoryInfo after = gov().info();
  CHECK_EQ(after.ram_bytes, before.ram_bytes);
  CHECK_EQ(after.file_bytes, before.file_bytes);
  CHECK_EQ(after.ram_objects, before.ram_objects);
  CHECK_EQ(after.file_objects, before.file_objects);
}
