// Shared vocabulary of the LU-based linear algebra: path selection, progress reporting, input checks.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/array.hpp"
#include "core/progress.hpp"  // ProgressFn: (floating-point operations done, total)

namespace pycauset {

/// \brief Which implementation a factorisation uses.
///
/// Auto picks Direct when operands, result and LAPACK workspace fit the MemoryGovernor budget, else
/// OutOfCore. Forcing a path exists for tests and benchmarks.
enum class LinalgMethod { Auto, Direct, OutOfCore };

/// \brief Parse "auto" / "direct" / "ooc"; throws ValueError naming the choices.
LinalgMethod linalg_method_from_name(const std::string& name);

/// \brief Return the floating dtype a factorisation of `dtype` computes in (NumPy's rule: bool and
///        integers become float64; float32/float64/complex64/complex128 stay).
DType factor_dtype(DType dtype);

/// \brief Throw LinAlgError unless `a` is a square matrix; `op` names the operation in the message.
void check_square(const Array& a, const char* op);

/// \brief Return `a` itself if it already has dtype `dtype`, else a converted copy (placed by the governor).
Array as_dtype(const Array& a, DType dtype);

/// \brief Return whether `bytes` of working memory can be granted in RAM now (may spill LRU buffers).
bool direct_path_fits(std::uint64_t bytes);

/// \brief Choose Direct or OutOfCore for a method request and the direct path's memory need.
bool use_direct_path(LinalgMethod method, std::uint64_t direct_bytes);

namespace detail {

/// \brief Call f(c0, c1) on a split of the columns [0, cols) into 1-4 ranges per thread (the same
///        number for every thread, ~256 columns or wider), in parallel (TBB), with single-threaded
///        BLAS inside each call.
///
/// Why: the triangular solves and updates of the blocked algorithms are independent per column,
/// so splitting the right-hand columns gives each core one large BLAS call with no handshakes
/// inside it; OpenBLAS's own threading synchronises several times per call, which costs dearly on
/// a loaded machine. Ranges are at least 32 (preferably 256) columns wide; with one thread or
/// too few columns f runs once on the caller with BLAS threads as configured.
void for_column_ranges(std::int64_t cols, const std::function<void(std::int64_t, std::int64_t)>& f);

/// \brief Count flops and forward them to a ProgressFn, at most every few milliseconds.
class ProgressCounter {
 public:
  ProgressCounter(ProgressFn fn, double total) : fn_(std::move(fn)), total_(total) {}
  /// \brief Add `flops` of finished work and report if enough time passed.
  void add(double flops);
  /// \brief Report completion.
  void finish();

 private:
  ProgressFn fn_;
  double total_;
  double done_ = 0;
  double last_report_ = -1;
};

}  // namespace detail
}  // namespace pycauset
