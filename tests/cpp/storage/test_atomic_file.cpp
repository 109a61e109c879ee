// Unit tests of storage/atomic_file.cpp: commit replaces, abandon leaves no trace, failures keep the old file.
#include "storage/atomic_file.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

#include "storage/errors.hpp"
#include "test_support.hpp"

using pycauset::AtomicFile;

namespace {

int counter = 0;

std::string fresh_dir() {
  std::string dir = test_support::scratch_dir() + "/atomic-" + std::to_string(counter++);
  REQUIRE(::mkdir(dir.c_str(), 0755) == 0);
  return dir;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

}  // namespace

TEST_CASE(commit_replaces_the_target_and_keeps_its_mode) {
  std::string dir = fresh_dir();
  std::string target = dir + "/t.bin";
  write_text(target, "old contents");
  REQUIRE(::chmod(target.c_str(), 0640) == 0);
  {
    AtomicFile out(target);
    CHECK(contains(out.temp_path(), dir + "/.t.bin."));
    CHECK(test_support::exists(out.temp_path()));
    out.reserve(5);
    out.write_at(0, "new!!", 5);
    CHECK_EQ(read_all(target), std::string("old contents"));  // nothing visible before commit
    out.commit();
  }
  CHECK_EQ(read_all(target), std::string("new!!"));
  struct stat st {};
  REQUIRE(::stat(target.c_str(), &st) == 0);
  CHECK_EQ(st.st_mode & 07777, 0640u);
  CHECK_EQ(test_support::list_dir(dir).size(), 1u);
}

TEST_CASE(abandoned_writer_removes_its_temp_file) {
  std::string dir = fresh_dir();
  std::string target = dir + "/t.bin";
  write_text(target, "keep me");
  {
    AtomicFile out(target);
    out.write_at(0, "partial", 7);
  }
  CHECK_EQ(read_all(target), std::string("keep me"));
  CHECK_EQ(test_support::list_dir(dir).size(), 1u);
}

TEST_CASE(readers_of_the_old_inode_keep_their_data) {
  std::string dir = fresh_dir();
  std::string target = dir + "/t.bin";
  write_text(target, "version one");
  int old_fd = ::open(target.c_str(), O_RDONLY);
  REQUIRE(old_fd >= 0);
  AtomicFile out(target);
  out.write_at(0, "version two", 11);
  out.commit();
  char buf[11];
  REQUIRE(::pread(old_fd, buf, 11, 0) == 11);
  CHECK_EQ(std::string(buf, 11), std::string("version one"));
  ::close(old_fd);
  CHECK_EQ(read_all(target), std::string("version two"));
}

TEST_CASE(missing_directory_and_directory_target_are_io_errors) {
  std::string dir = fresh_dir();
  CHECK_THROWS_AS(AtomicFile(dir + "/no/such/file"), pycauset::IoError, {
    CHECK_EQ(error.error_number(), ENOENT);
    CHECK(contains(error.what(), dir + "/no/such/file"));
  });
  CHECK_THROWS_AS(AtomicFile(dir), pycauset::IoError, { CHECK_EQ(error.error_number(), EISDIR); });
}

TEST_CASE(file_size_limit_fails_at_reserve_and_keeps_the_old_file) {
  std::string dir = fresh_dir();
  std::string target = dir + "/t.bin";
  write_text(target, "precious");
  // In a child: the size limit is process-wide, and SIGXFSZ must be ignored to get EFBIG.
  int status = test_support::run_in_child([&] {
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit{};
    ::getrlimit(RLIMIT_FSIZE, &limit);
    limit.rlim_cur = 4096;
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) return 2;
    try {
      AtomicFile out(target);
      out.reserve(1 << 20);
      return 3;  // should not get here
    } catch (const pycauset::IoError& e) {
      return e.error_number() == EFBIG && contains(e.what(), "file-size limit") ? 0 : 4;
    }
  });
  REQUIRE(WIFEXITED(status));
  CHECK_EQ(WEXITSTATUS(status), 0);
  CHECK_EQ(read_all(target), std::string("precious"));
  CHECK_EQ(test_support::list_dir(dir).size(), 1u);
}

TEST_CASE(an_impossible_reservation_fails_before_reserving_anything) {
  std::string dir = fresh_dir();
  std::string target = dir + "/t.bin";
  {
    AtomicFile out(target);
    // 4 EiB: more than any disk here, and than some file systems' largest file. Nothing is reserved.
    CHECK_THROWS_AS(out.reserve(1ull << 62), pycauset::IoError, {
      const bool space = error.error_number() == ENOSPC && contains(error.what(), "the disk is full");
      const bool size = error.error_number() == EFBIG && contains(error.what(), "maximum file size");
      CHECK(space || size);
      CHECK(!contains(error.what(), "ulimit"));
    });
  }
  CHECK_EQ(test_support::list_dir(dir).size(), 0u);
}

TEST_CASE(large_aligned_writes_and_small_writes_mix_correctly) {
  // 2 MiB aligned (direct I/O where supported) beside small unaligned writes through the page cache.
  std::string dir = fresh_dir();
  std::string target = dir + "/big.bin";
  const std::size_t big = 2 << 20;
  void* raw = nullptr;
  REQUIRE(::posix_memalign(&raw, 4096, big) == 0);
  auto* block = static_cast<unsigned char*>(raw);
  for (std::size_t i = 0; i < big; ++i) block[i] = static_cast<unsigned char>(i * 7 + 3);
  {
    AtomicFile out(target);
    out.reserve(4096 + big + 5);
    out.write_at(0, "head", 4);
    out.write_at(4096, block, big);
    out.write_at(4096 + big, "tail!", 5);
    out.commit();
  }
  std::string data = read_all(target);
  REQUIRE(data.size() == 4096 + big + 5);
  CHECK_EQ(data.substr(0, 4), std::string("head"));
  CHECK(std::memcmp(data.data() + 4096, block, big) == 0);
  CHECK_EQ(data.substr(4096 + big), std::string("tail!"));
  std::free(raw);
}
