// A tiny self-contained check framework for the C++ unit tests (one executable per source file).
//
// Usage:
//   TEST_CASE(ram_buffer_reads_back) { CHECK_EQ(1 + 1, 2); CHECK_THROWS(f(), pycauset::ValueError); }
// Every test executable gets a `main` from this header: it points PYCAUSET_SPILL_DIR at a fresh private
// directory (so spill files of different test runs never meet), runs all cases in order, prints one line
// per failed check, and exits non-zero when any check failed. A case stops at its first failed REQUIRE.
#pragma once

#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

namespace test_support {

/// \brief One registered test case.
struct TestCase {
  const char* name;
  void (*body)();
};

inline std::vector<TestCase>& registry() {
  static std::vector<TestCase> cases;
  return cases;
}

inline int& failures() {
  static int count = 0;
  return count;
}

/// \brief Thrown by REQUIRE to abandon the current case after a fatal check.
struct RequireFailed {};

/// \brief Registers a case at static-initialisation time.
struct Registrar {
  Registrar(const char* name, void (*body)()) { registry().push_back({name, body}); }
};

inline void report_failure(const char* file, int line, const std::string& message) {
  ++failures();
  std::fprintf(stderr, "%s:%d: FAILED: %s\n", file, line, message.c_str());
}

template <class T>
std::string show(const T& value) {
  std::ostringstream out;
  if constexpr (std::is_same_v<T, unsigned char> || std::is_same_v<T, signed char> || std::is_same_v<T, std::byte>) {
    out << static_cast<int>(value);
  } else if constexpr (std::is_enum_v<T>) {
    out << static_cast<long long>(value);
  } else {
    out << value;
  }
  return out.str();
}

/// \brief Return the private scratch directory of this test run (also PYCAUSET_SPILL_DIR).
inline std::string& scratch_dir() {
  static std::string dir;
  return dir;
}

/// \brief Remove a directory tree (files and sub-directories). Best effort.
inline void remove_tree(const std::string& path) {
  if (DIR* d = ::opendir(path.c_str())) {
    while (dirent* entry = ::readdir(d)) {
      std::string name = entry->d_name;
      if (name == "." || name == "..") continue;
      std::string child = path + "/" + name;
      struct stat st {};
      if (::lstat(child.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
        remove_tree(child);
      } else {
        ::unlink(child.c_str());
      }
    }
    ::closedir(d);
  }
  ::rmdir(path.c_str());
}

/// \brief Return true if `path` exists (file or directory).
inline bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

/// \brief Return the entries of a directory (without "." and "..").
inline std::vector<std::string> list_dir(const std::string& path) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(path.c_str())) {
    while (dirent* entry = ::readdir(d)) {
      std::string name = entry->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    ::closedir(d);
  }
  return names;
}

/// \brief Run `body` in a forked child; return its exit status (as from waitpid) for WIFEXITED etc.
///
/// The child runs `body` and `_exit`s with its return value, so no atexit handler or destructor of the
/// parent's objects runs twice. Only fork before threads exist, or accept that only this thread survives.
inline int run_in_child(const std::function<int()>& body) {
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    int code = 111;
    try {
      code = body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child: uncaught exception: %s\n", e.what());
    }
    std::fflush(nullptr);
    ::_exit(code);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

}  // namespace test_support

#define TS_CONCAT_INNER(a, b) a##b
#define TS_CONCAT(a, b) TS_CONCAT_INNER(a, b)

/// Define and register a test case.
#define TEST_CASE(name)                                                         \
  static void name();                                                           \
  static ::test_support::Registrar TS_CONCAT(registrar_, name){#name, &name};   \
  static void name()

/// Record a failure when `cond` is false; the case goes on.
#define CHECK(cond)                                                                              \
  do {                                                                                           \
    if (!(cond)) ::test_support::report_failure(__FILE__, __LINE__, "CHECK(" #cond ")");         \
  } while (0)

/// Record a failure and abandon the case when `cond` is false.
#define REQUIRE(cond)                                                                            \
  do {                                                                                           \
    if (!(cond)) {                                                                               \
      ::test_support::report_failure(__FILE__, __LINE__, "REQUIRE(" #cond ")");                  \
      throw ::test_support::RequireFailed{};                                                     \
    }                                                                                            \
  } while (0)

/// Record a failure showing both values when `a == b` is false.
#define CHECK_EQ(a, b)                                                                           \
  do {                                                                                           \
    const auto& ts_a = (a);                                                                      \
    const auto& ts_b = (b);                                                                      \
    if (!(ts_a == ts_b)) {                                                                       \
      ::test_support::report_failure(__FILE__, __LINE__,                                         \
                                     "CHECK_EQ(" #a ", " #b "): " + ::test_support::show(ts_a) + \
                                         " != " + ::test_support::show(ts_b));                   \
    }                                                                                            \
  } while (0)

/// Record a failure unless `expr` throws `type` (or a subclass); binds the exception as `error`
/// for the optional follow-up block: CHECK_THROWS_AS(f(), ValueError, { CHECK(...error.what()...); }).
#define CHECK_THROWS_AS(expr, type, ...)                                                          \
  do {                                                                                            \
    bool ts_thrown = false;                                                                       \
    try {                                                                                         \
      (void)(expr);                                                                               \
    } catch (const type& error) {                                                                 \
      ts_thrown = true;                                                                           \
      (void)error;                                                                                \
      __VA_ARGS__                                                                                 \
    } catch (const std::exception& other) {                                                       \
      ts_thrown = true;                                                                           \
      ::test_support::report_failure(__FILE__, __LINE__,                                          \
                                     "CHECK_THROWS_AS(" #expr ", " #type "): threw another type: " + \
                                         std::string(other.what()));                              \
    }                                                                                             \
    if (!ts_thrown) {                                                                             \
      ::test_support::report_failure(__FILE__, __LINE__, "CHECK_THROWS_AS(" #expr ", " #type "): nothing thrown"); \
    }                                                                                             \
  } while (0)

/// Record a failure if `expr` throws.
#define CHECK_NOTHROW(expr)                                                                       \
  do {                                                                                            \
    try {                                                                                         \
      (void)(expr);                                                                               \
    } catch (const std::exception& e) {                                                           \
      ::test_support::report_failure(__FILE__, __LINE__, "CHECK_NOTHROW(" #expr "): " + std::string(e.what())); \
    }                                                                                             \
  } while (0)

/// Return true when `text` contains `part` (for message checks).
inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

#ifndef TEST_SUPPORT_NO_MAIN
int main(int argc, char** argv) {
  // A private spill root per run, set before any code reads PYCAUSET_SPILL_DIR.
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/pycauset-cpptest-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) {
    std::perror("mkdtemp");
    return 2;
  }
  test_support::scratch_dir() = buffer.data();
  ::setenv("PYCAUSET_SPILL_DIR", buffer.data(), 1);
  std::string only = argc > 1 ? argv[1] : "";
  int ran = 0;
  for (const auto& test : test_support::registry()) {
    if (!only.empty() && only != test.name) continue;
    int before = test_support::failures();
    try {
      test.body();
    } catch (const test_support::RequireFailed&) {
    } catch (const std::exception& e) {
      test_support::report_failure(__FILE__, __LINE__, std::string(test.name) + ": uncaught exception: " + e.what());
    }
    ++ran;
    std::printf("%s %s\n", test_support::failures() == before ? "ok    " : "FAILED", test.name);
  }
  test_support::remove_tree(test_support::scratch_dir());
  std::printf("%d cases, %d failed checks\n", ran, test_support::failures());
  return test_support::failures() == 0 && ran > 0 ? 0 : 1;
}
#endif
