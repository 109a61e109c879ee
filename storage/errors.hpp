// The closed error taxonomy shared by every layer; bindings/errors.cpp maps each kind to Python once.
#pragma once

#include <cerrno>
#include <new>
#include <stdexcept>
#include <string>

namespace pycauset {

/// \brief Invalid argument or data (wrong shape, rank, corrupt file, budget too small) -> ValueError.
class ValueError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// \brief Unsupported or mismatched element type -> TypeError.
class TypeError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// \brief Index outside the valid range -> IndexError.
class IndexError : public std::out_of_range {
 public:
  using std::out_of_range::out_of_range;
};

/// \brief Operating-system I/O failure carrying errno (full disk, permissions, size limit) -> OSError.
class IoError : public std::runtime_error {
 public:
  IoError(int error_number, const std::string& message)
      : std::runtime_error(message), errno_(error_number) {}
  /// \brief Return the errno value of the failed system call.
  int error_number() const noexcept { return errno_; }

 private:
  int errno_;
};

/// \brief An allocation the memory budget or the OS refused -> MemoryError.
class OutOfMemory : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// \brief Export refused by the export guard -> pycauset.ExportGuardError (a MemoryError).
class ExportGuardError : public OutOfMemory {
 public:
  using OutOfMemory::OutOfMemory;
};

/// \brief Singular matrix or failed factorisation -> numpy.linalg.LinAlgError.
class LinAlgError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// \brief Operation not available for these operands -> NotImplementedError.
class NotImplemented : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/// \brief Throw IoError for the current errno, naming what was being done and to which path.
[[noreturn]] void throw_io_error(const std::string& what, const std::string& path, int error_number = errno);

}  // namespace pycauset
