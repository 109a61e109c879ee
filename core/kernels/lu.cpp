// Shared helpers of the LU-based linear algebra: dtype rules, square checks, direct/out-of-core choice.
#include "core/kernels/lu.hpp"

#include <algorithm>
#include <chrono>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

#include "core/governor.hpp"
#include "core/threads.hpp"

namespace pycauset {

LinalgMethod linalg_method_from_name(const std::string& name) {
  if (name == "auto") return LinalgMethod::Auto;
  if (name == "direct") return LinalgMethod::Direct;
  if (name == "ooc") return LinalgMethod::OutOfCore;
  throw ValueError("method must be 'auto', 'direct' or 'ooc', got '" + name + "'");
}

DType factor_dtype(DType dtype) {
  switch (dtype) {
    case DType::Float32:
    case DType::Float64:
    case DType::Complex64:
    case DType::Complex128: return dtype;
    default: return DType::Float64;  // bool and integers, as numpy.linalg
  }
}

void check_square(const Array& a, const char* op) {
  if (a.ndim() != 2) {
    throw LinAlgError(std::string(op) + ": 1-dimensional array given. Array must be at least two-dimensional");
  }
  if (a.rows() != a.cols()) {
    throw LinAlgError(std::string(op) + ": Last 2 dimensions of the array must be square, got shape (" +
                      std::to_string(a.rows()) + ", " + std::to_string(a.cols()) + ")");
  }
  if (a.rows() >= (std::int64_t{1} << 31)) {
    throw ValueError(std::string(op) + ": order " + std::to_string(a.rows()) + " exceeds LAPACK's 32-bit limit");
  }
}

Array as_dtype(const Array& a, DType dtype) { return a.dtype() == dtype ? a : a.copy_as(dtype); }

bool direct_path_fits(std::uint64_t bytes) {
  auto& gov = MemoryGovernor::instance();
  return bytes <= gov.limit() && gov.tile_budget(bytes) >= bytes;
}

bool use_direct_path(LinalgMethod method, std::uint64_t direct_bytes) {
  if (method == LinalgMethod::Direct) return true;
  if (method == LinalgMethod::OutOfCore) return false;
  return direct_path_fits(direct_bytes);
}

namespace detail {

void for_column_ranges(std::int64_t cols, const std::function<void(std::int64_t, std::int64_t)>& f) {
  const std::int64_t threads = get_num_threads();
  // The same number of ranges for every thread (7 ranges on 2 threads left one thread idle for a
  // seventh of each step), each about 256 columns or wider (every call packs the whole left operand
  // again: at 143 columns a step ran ~20 % slower than at 500), and up to 4 per thread, so that a
  // thread the OS descheduled leaves its remaining ranges to the others instead of stalling the join.
  const std::int64_t per_thread = std::clamp<std::int64_t>(cols / (256 * threads), 1, 4);
  const std::int64_t parts = threads <= 1 ? 1 : std::min(cols / 32, threads * per_thread);
  if (parts <= 1) {
    f(0, cols);
    return;
  }
  SingleThreadedBlas one_thread_each;  // set once by the caller: the tasks only read the setting
  tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, parts, 1),
                    [&](const tbb::blocked_range<std::int64_t>& r) {
                      for (std::int64_t p = r.begin(); p < r.end(); ++p) f(cols * p / parts, cols * (p + 1) / parts);
                    },
                    tbb::simple_partitioner());
}

namespace {
double now_seconds() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}
}  // namespace

void ProgressCounter::add(double flops) {
  done_ += flops;
  if (!fn_ || done_ >= total_) return;  // completion is reported once, by finish()
  double t = now_seconds();
  if (t - last_report_ < 0.05) return;  // the bar redraws at most ~20 times a second
  last_report_ = t;
  fn_(done_, total_);
}

void ProgressCounter::finish() {
  if (fn_) fn_(total_, total_);
}

}  // namespace detail
}  // namespace pycauset
