// Unit tests of storage/file_buffer.cpp: spill files, read-only loaded files, size limits, short I/O.
#include "storage/file_buffer.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstring>

#include "storage/byte_store_contract.hpp"
#include "test_support.hpp"

using pycauset::FileBuffer;

namespace {

int file_counter = 0;

std::string fresh_path() { return test_support::scratch_dir() + "/file-" + std::to_string(file_counter++) + ".bin"; }

std::unique_ptr<pycauset::ByteStore> make_spill(std::uint64_t n) { return FileBuffer::create_spill(fresh_path(), n); }

/// Write `bytes` to a new file at `path` with plain POSIX calls.
void write_file(const std::string& path, const std::vector<unsigned char>& bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  ::close(fd);
}

}  // namespace

TEST_CASE(spill_file_meets_byte_store_contract) { byte_store_contract::run_all(make_spill); }

TEST_CASE(spill_file_is_private_exclusive_and_unlinked_on_death) {
  std::string path = fresh_path();
  {
    auto file = FileBuffer::create_spill(path, 12345);
    CHECK(file->is_file());
    CHECK(!file->read_only());
    CHECK_EQ(file->path(), path);
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK_EQ(st.st_mode & 07777, 0600u);
    CHECK_EQ(static_cast<std::uint64_t>(st.st_size), 12345u);
    // Exclusive: a second spill file at the same path is refused, and the first one is left alone.
    CHECK_THROWS_AS(FileBuffer::create_spill(path, 10), pycauset::IoError,
                    { CHECK_EQ(error.error_number(), EEXIST); CHECK(contains(error.what(), path)); });
    CHECK(test_support::exists(path));
  }
  CHECK(!test_support::exists(path));
}

TEST_CASE(spill_file_writes_through_the_mapping_reach_the_file) {
  std::string path = fresh_path();
  auto file = FileBuffer::create_spill(path, 8192);
  std::memcpy(file->data() + 4000, "pycauset", 8);
  char back[8] = {};
  pycauset::pread_fully(file->fd(), back, 8, 4000, path);
  CHECK(std::memcmp(back, "pycauset", 8) == 0);
}

TEST_CASE(read_only_file_reads_payload_after_header_and_refuses_writes) {
  std::string path = fresh_path();
  auto bytes = byte_store_contract::pattern(5000, 3);
  write_file(path, bytes);
  auto file = FileBuffer::open_read_only(path, 100, 4900);
  CHECK(file->read_only());
  CHECK(file->is_file());
  CHECK_EQ(file->size(), 4900u);
  std::vector<unsigned char> got(4900);
  file->read_at(0, got.data(), got.size());
  CHECK(std::equal(got.begin(), got.end(), bytes.begin() + 100));
  CHECK_EQ(static_cast<unsigned char>(file->data()[1]), bytes[101]);
  CHECK_NOTHROW(file->prefetch(0, 4900));
  unsigned char zero = 0;
  CHECK_THROWS_AS(file->write_at(0, &zero, 1), pycauset::ValueError, { CHECK(contains(error.what(), "read-only")); });
  // The refused write left the file untouched; the file survives the object (it is not a spill file).
  file.reset();
  auto again = FileBuffer::open_read_only(path, 0, 5000);
  std::vector<unsigned char> all(5000);
  again->read_at(0, all.data(), all.size());
  CHECK(all == bytes);
}

TEST_CASE(read_only_file_reads_windows_after_its_header_and_refuses_window_writes) {
  std::string path = fresh_path();
  auto bytes = byte_store_contract::pattern(20000, 4);
  write_file(path, bytes);
  auto file = FileBuffer::open_read_only(path, 100, 19900);
  CHECK_EQ(file->window_lead(0), 100u);
  CHECK_EQ(file->window_lead(3996), 0u);
  for (std::uint64_t offset : {0u, 3996u, 4000u, 19000u}) {
    const std::size_t n = 19900 - offset;
    byte_store_contract::Window window(file->window_bytes(offset, n));
    file->read_window(offset, n, window.bytes);
    CHECK(std::memcmp(window.bytes + file->window_lead(offset), bytes.data() + 100 + offset, n) == 0);
  }
  byte_store_contract::Window window(4096);
  CHECK_THROWS_AS(file->write_window(0, 10, window.bytes), pycauset::ValueError,
                  { CHECK(contains(error.what(), "read-only")); });
}

TEST_CASE(windows_read_the_same_bytes_from_disk_and_from_the_page_cache) {
  // With CopyIfWhollyCached a window read goes unbuffered unless its whole span is cached; both agree.
  constexpr auto kCopy = pycauset::ByteStore::CachedSpans::CopyIfWhollyCached;
  const std::size_t align = pycauset::ByteStore::kWindowAlignment;
  const std::size_t size = 5 * align + 333;
  auto file = FileBuffer::create_spill(fresh_path(), size);
  auto bytes = byte_store_contract::pattern(size, 77);
  file->write_at(0, bytes.data(), size);
  const std::pair<std::uint64_t, std::size_t> ranges[] = {{0, size}, {align - 5, 2 * align + 9}, {3 * align + 1, 100}};
  for (bool cached : {false, true}) {
    if (cached) {
      std::vector<unsigned char> whole(size);
      file->read_at(0, whole.data(), size);  // now every page is in the cache
    } else {
      REQUIRE(::fdatasync(file->fd()) == 0);
      REQUIRE(::posix_fadvise(file->fd(), 0, 0, POSIX_FADV_DONTNEED) == 0);
    }
    for (auto [offset, n] : ranges) {
      byte_store_contract::Window window(file->window_bytes(offset, n));
      std::memset(window.bytes, 0, file->window_bytes(offset, n));
      file->read_window(offset, n, window.bytes, kCopy);
      CHECK(std::memcmp(window.bytes + file->window_lead(offset), bytes.data() + offset, n) == 0);
    }
  }
  // A byte written through the mapping (a dirty page) is seen by an unbuffered read of its span.
  file->data()[2 * align + 10] = std::byte{0x5a};
  bytes[2 * align + 10] = 0x5a;
  REQUIRE(::posix_fadvise(file->fd(), 0, 0, POSIX_FADV_DONTNEED) == 0);
  byte_store_contract::Window window(file->window_bytes(0, size));
  file->read_window(0, size, window.bytes, kCopy);
  CHECK(std::memcmp(window.bytes, bytes.data(), size) == 0);
}

TEST_CASE(truncated_file_is_detected) {
  std::string path = fresh_path();
  write_file(path, byte_store_contract::pattern(1000, 1));
  CHECK_THROWS_AS(FileBuffer::open_read_only(path, 64, 1000), pycauset::ValueError, {
    CHECK(contains(error.what(), "truncated"));
    CHECK(contains(error.what(), "1064"));
    CHECK(contains(error.what(), "1000"));
  });
  CHECK_NOTHROW(FileBuffer::open_read_only(path, 64, 936));
}

TEST_CASE(missing_file_is_io_error_naming_path) {
  std::string path = test_support::scratch_dir() + "/does-not-exist.bin";
  CHECK_THROWS_AS(FileBuffer::open_read_only(path, 0, 1), pycauset::IoError, {
    CHECK_EQ(error.error_number(), ENOENT);
    CHECK(contains(error.what(), path));
  });
}

TEST_CASE(pread_fully_reports_unexpected_end_of_file) {
  std::string path = fresh_path();
  write_file(path, byte_store_contract::pattern(10, 1));
  int fd = ::open(path.c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  unsigned char bytes[20];
  CHECK_NOTHROW(pycauset::pread_fully(fd, bytes, 10, 0, path));
  CHECK_THROWS_AS(pycauset::pread_fully(fd, bytes, 20, 0, path), pycauset::IoError,
                  { CHECK_EQ(error.error_number(), EIO); CHECK(contains(error.what(), "end of file")); });
  // Writing to a read-only descriptor fails with the OS's errno.
  CHECK_THROWS_AS(pycauset::pwrite_fully(fd, bytes, 1, 0, path), pycauset::IoError,
                  { CHECK_EQ(error.error_number(), EBADF); });
  ::close(fd);
}

TEST_CASE(file_size_limit_gives_efbig_with_cause) {
  // In a child: ignore SIGXFSZ (else the kernel kills us) and cap file sizes at 1 MiB.
  std::string path = fresh_path();
  int status = test_support::run_in_child([&] {
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit{1 << 20, 1 << 20};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) return 10;
    try {
      FileBuffer::create_spill(path, 4 << 20);
      return 11;  // should not get here
    } catch (const pycauset::IoError& e) {
      if (e.error_number() != EFBIG) return 12;
      if (!contains(e.what(), "file-size limit") || !contains(e.what(), path)) return 13;
    }
    if (test_support::exists(path)) return 14;  // the failed spill file must not be left behind
    // A spill file under the limit works, and tile writes past the limit fail the same way.
    auto file = FileBuffer::create_spill(path, 1 << 20);
    std::vector<unsigned char> bytes(4096, 1);
    try {
      pycauset::pwrite_fully(file->fd(), bytes.data(), bytes.size(), 1 << 20, path);
      return 15;
    } catch (const pycauset::IoError& e) {
      if (e.error_number() != EFBIG || !contains(e.what(), "file-size limit")) return 16;
    }
    return 0;
  });
  CHECK(WIFEXITED(status));
  CHECK_EQ(WEXITSTATUS(status), 0);
}
