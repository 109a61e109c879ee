// Unit tests of storage/spill_dir.cpp: layout and permissions, stale-directory cleanup, fork safety.
#include "storage/spill_dir.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <set>
#include <thread>

#include "storage/errors.hpp"
#include "test_support.hpp"

using pycauset::SpillDir;

namespace {

std::string base_dir() { return test_support::scratch_dir() + "/pycauset-" + std::to_string(::getuid()); }

unsigned mode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

/// In a child: create this process's spill directory and a spill file, print the directory to `fd`.
int make_dir_and_report(int fd) {
  const std::string& path = SpillDir::instance().path();
  SpillDir::instance().create_file(100).release();  // leaked on purpose: the child dies without cleanup
  std::string line = path + "\n";
  return ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) ? 0 : 20;
}

std::string read_line(int fd) {
  std::string line;
  char c;
  while (::read(fd, &c, 1) == 1 && c != '\n') line += c;
  return line;
}

/// Fork a child that creates a spill directory and exits without any cleanup; return that directory.
std::string dead_child_spill_dir() {
  int fds[2];
  if (::pipe(fds) != 0) return {};
  int status = test_support::run_in_child([&] { return make_dir_and_report(fds[1]); });
  ::close(fds[1]);
  std::string path = read_line(fds[0]);
  ::close(fds[0]);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  return path;
}

}  // namespace

// Runs first: the dead child's directory must be swept when this process creates its own.
TEST_CASE(start_up_removes_dead_process_directories) {
  std::string dead = dead_child_spill_dir();
  REQUIRE(!dead.empty());
  CHECK(test_support::exists(dead + "/owner.lock"));
  CHECK_EQ(test_support::list_dir(dead).size(), 2u);  // the lock and the leaked spill file
  const std::string& mine = SpillDir::instance().path();
  CHECK(!test_support::exists(dead));
  CHECK(test_support::exists(mine));
}

TEST_CASE(spill_dir_layout_and_permissions) {
  const std::string& path = SpillDir::instance().path();
  CHECK_EQ(path.rfind(base_dir() + "/" + std::to_string(::getpid()) + "-", 0), 0u);
  CHECK_EQ(mode_of(base_dir()), 0700u);
  CHECK_EQ(mode_of(path), 0700u);
  CHECK(test_support::exists(path + "/owner.lock"));
  std::string file_path;
  {
    auto file = SpillDir::instance().create_file(4096);
    file_path = file->path();
    CHECK_EQ(file_path.rfind(path + "/", 0), 0u);
    CHECK_EQ(mode_of(file_path), 0600u);
    CHECK_EQ(file->size(), 4096u);
  }
  CHECK(!test_support::exists(file_path));
}

TEST_CASE(stale_sweep_removes_dead_and_keeps_live_directories) {
  // A live child: it holds its directory until we close `release`.
  int report[2], release[2];
  REQUIRE(::pipe(report) == 0 && ::pipe(release) == 0);
  std::fflush(nullptr);
  pid_t live_pid = ::fork();
  if (live_pid == 0) {
    ::close(report[0]);
    ::close(release[1]);
    int code = make_dir_and_report(report[1]);
    char c;
    while (::read(release[0], &c, 1) > 0) {
    }
    ::_exit(code);
  }
  ::close(report[1]);
  ::close(release[0]);
  std::string live = read_line(report[0]);
  ::close(report[0]);
  REQUIRE(!live.empty());
  // Made after the live child started, whose own start-up would otherwise have swept it already.
  std::string dead = dead_child_spill_dir();
  REQUIRE(test_support::exists(dead));
  // Unrelated entries in the base directory are left alone.
  std::string junk_dir = base_dir() + "/not-a-spill-dir";
  ::mkdir(junk_dir.c_str(), 0700);

  CHECK_EQ(pycauset::remove_stale_spill_dirs(base_dir()), 1);
  CHECK(!test_support::exists(dead));
  CHECK(test_support::exists(live));
  CHECK(test_support::exists(SpillDir::instance().path()));
  CHECK(test_support::exists(junk_dir));

  ::close(release[1]);
  int status = 0;
  ::waitpid(live_pid, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CHECK_EQ(pycauset::remove_stale_spill_dirs(base_dir()), 1);
  CHECK(!test_support::exists(live));
  CHECK(test_support::exists(SpillDir::instance().path()));
  CHECK_EQ(pycauset::remove_stale_spill_dirs(base_dir() + "/missing"), 0);
  ::rmdir(junk_dir.c_str());
}

TEST_CASE(forked_child_gets_its_own_directory_and_cleans_only_that) {
  const std::string parent = SpillDir::instance().path();
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  int status = test_support::run_in_child([&] {
    const std::string& child = SpillDir::instance().path();
    std::string line = child + "\n";
    if (::write(fds[1], line.data(), line.size()) != static_cast<ssize_t>(line.size())) return 20;
    auto file = SpillDir::instance().create_file(10);
    if (file->path().rfind(child + "/", 0) != 0) return 21;
    file.reset();
    SpillDir::instance().remove_all();  // what the child's exit hook does
    return 0;
  });
  ::close(fds[1]);
  std::string child = read_line(fds[0]);
  ::close(fds[0]);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CHECK(child != parent);
  CHECK(!child.empty() && !test_support::exists(child));
  CHECK(test_support::exists(parent + "/owner.lock"));
  // The parent's directory still works.
  CHECK_NOTHROW(SpillDir::instance().create_file(10));
}

TEST_CASE(concurrent_create_file_gives_distinct_files) {
  std::vector<std::thread> threads;
  std::vector<std::string> paths(64);
  std::vector<std::unique_ptr<pycauset::FileBuffer>> files(64);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < 64; i += 4) {
        files[i] = SpillDir::instance().create_file(100);
        paths[i] = files[i]->path();
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK_EQ(std::set<std::string>(paths.begin(), paths.end()).size(), 64u);
}

TEST_CASE(spill_root_that_is_not_a_directory_is_refused) {
  int status = test_support::run_in_child([] {
    std::string root = test_support::scratch_dir() + "/bad-root";
    ::mkdir(root.c_str(), 0700);
    std::string trap = root + "/pycauset-" + std::to_string(::getuid());
    FILE* f = std::fopen(trap.c_str(), "w");
    if (f == nullptr) return 30;
    std::fclose(f);
    ::setenv("PYCAUSET_SPILL_DIR", root.c_str(), 1);
    try {
      SpillDir::instance();
      return 31;
    } catch (const pycauset::IoError& e) {
      return contains(e.what(), trap) ? 0 : 32;
    }
  });
  CHECK(WIFEXITED(status));
  CHECK_EQ(WEXITSTATUS(status), 0);
}

TEST_CASE(remove_all_removes_the_directory) {
  int status = test_support::run_in_child([] {
    std::string path = SpillDir::instance().path();
    auto file = SpillDir::instance().create_file(10);
    SpillDir::instance().remove_all();
    return test_support::exists(path) ? 40 : 0;
  });
  CHECK(WIFEXITED(status));
  CHECK_EQ(WEXITSTATUS(status), 0);
  CHECK(test_support::exists(SpillDir::instance().path()));
}

TEST_CASE(remove_own_never_creates_a_directory) {
  const std::string parent = SpillDir::instance().path();
  auto before = test_support::list_dir(base_dir());
  int status = test_support::run_in_child([&] {
    SpillDir::remove_own();  // a forked child that never spilled: nothing to make, nothing to remove
    if (test_support::list_dir(base_dir()) != before) return 50;
    std::string mine = SpillDir::instance().path();
    SpillDir::remove_own();
    return test_support::exists(mine) ? 51 : 0;
  });
  CHECK(WIFEXITED(status));
  CHECK_EQ(WEXITSTATUS(status), 0);
  CHECK(test_support::exists(parent + "/owner.lock"));
}
