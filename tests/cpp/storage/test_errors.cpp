// Unit tests of storage/errors.cpp: the taxonomy's base classes and the OS error messages.
#include "storage/errors.hpp"

#include <sys/resource.h>
#include <sys/wait.h>

#include "test_support.hpp"

using namespace pycauset;

TEST_CASE(io_error_names_action_path_reason_and_cause) {
  CHECK_THROWS_AS(throw_io_error("writing", "/data/x.bin", ENOSPC), IoError, {
    CHECK_EQ(error.error_number(), ENOSPC);
    CHECK(contains(error.what(), "writing '/data/x.bin' failed"));
    CHECK(contains(error.what(), std::strerror(ENOSPC)));
    CHECK(contains(error.what(), "disk is full"));
    CHECK(contains(error.what(), "PYCAUSET_SPILL_DIR"));
  });
  // EFBIG names `ulimit -f` only when a limit is set; otherwise the file system's maximum file size.
  rlimit limit{};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &limit) == 0);
  const bool limited = limit.rlim_cur != RLIM_INFINITY;
  CHECK_THROWS_AS(throw_io_error("reserving", "f", EFBIG), IoError, {
    CHECK(contains(error.what(), limited ? "file-size limit" : "maximum file size"));
    CHECK(limited || !contains(error.what(), "ulimit"));
  });
  const int status = test_support::run_in_child([] {
    rlimit low{};
    ::getrlimit(RLIMIT_FSIZE, &low);
    low.rlim_cur = 4096;
    if (::setrlimit(RLIMIT_FSIZE, &low) != 0) return 2;
    try {
      throw_io_error("reserving", "f", EFBIG);
    } catch (const IoError& e) {
      return contains(e.what(), "file-size limit") && contains(e.what(), "ulimit -f") ? 0 : 3;
    }
  });
  REQUIRE(WIFEXITED(status));
  CHECK_EQ(WEXITSTATUS(status), 0);
  CHECK_THROWS_AS(throw_io_error("opening", "f", EACCES), IoError, { CHECK(contains(error.what(), "permissions")); });
  CHECK_THROWS_AS(throw_io_error("opening", "f", ENOENT), IoError, {
    CHECK_EQ(error.error_number(), ENOENT);
    CHECK(!contains(error.what(), "disk is full"));
  });
}

TEST_CASE(io_error_defaults_to_current_errno) {
  errno = EROFS;
  CHECK_THROWS_AS(throw_io_error("writing", "f"), IoError, { CHECK_EQ(error.error_number(), EROFS); });
}

TEST_CASE(taxonomy_base_classes) {
  // Callers may catch by standard base; the bindings rely on ExportGuardError being an OutOfMemory.
  CHECK_THROWS_AS(throw ValueError("v"), std::invalid_argument);
  CHECK_THROWS_AS(throw TypeError("t"), std::invalid_argument);
  CHECK_THROWS_AS(throw IndexError("i"), std::out_of_range);
  CHECK_THROWS_AS(throw IoError(EIO, "io"), std::runtime_error);
  CHECK_THROWS_AS(throw ExportGuardError("g"), OutOfMemory);
  CHECK_THROWS_AS(throw LinAlgError("l"), std::runtime_error);
  CHECK_THROWS_AS(throw NotImplemented("n"), std::logic_error);
}
