// Thread settings: a tbb::global_control for our loops and openblas_set_num_threads for BLAS.
#include "core/threads.hpp"

#include <sched.h>
#include <tbb/global_control.h>

#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>

#include "core/blas_internal.hpp"
#include "storage/errors.hpp"

namespace pycauset {
namespace {

std::mutex g_mutex;
std::unique_ptr<tbb::global_control> g_control;
int g_threads = 0;

int usable_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return CPU_COUNT(&set);
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

void apply(int n) {
  g_control = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, n);
  scipy_openblas_set_num_threads(n);
  g_threads = n;
}

/// \brief Parse a thread-count variable: a positive whole number (OpenMP's nested list "4,2" gives its first
/// entry). Return 0 if unset or empty; throw ValueError naming the variable otherwise.
int thread_count_from(const char* variable) {
  const char* env = std::getenv(variable);
  if (env == nullptr || *env == '\0') return 0;
  // Strict, as for PYCAUSET_MEMORY_LIMIT: atoi took "4x" as 4 and silently ignored "four" or "0".
  const std::string text(env);
  const std::string first = text.substr(0, text.find(','));
  const bool digits = !first.empty() && first.size() <= 7 && first.find_first_not_of("0123456789") == std::string::npos;
  const int parsed = digits ? std::stoi(first) : 0;
  if (parsed < 1) {
    throw ValueError(std::string(variable) + "='" + text + "' is not a positive whole number of threads; set it to "
                     "a count such as 4, or unset it to use every usable core");
  }
  return parsed;
}

void ensure_initialised() {
  if (g_threads != 0) return;
  // PYCAUSET_NUM_THREADS wins; else the variables NumPy users already set for OpenMP and OpenBLAS, so that
  // OMP_NUM_THREADS=1 is not overridden by our first BLAS call.
  int n = 0;
  for (const char* variable : {"PYCAUSET_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"}) {
    n = thread_count_from(variable);
    if (n != 0) break;
  }
  apply(n != 0 ? n : usable_cores());
}

}  // namespace

void set_num_threads(int n) {
  if (n < 1) throw ValueError("number of threads must be at least 1, got " + std::to_string(n));
  std::lock_guard<std::mutex> lock(g_mutex);
  apply(n);
}

int get_num_threads() {
  std::lock_guard<std::mutex> lock(g_mutex);
  ensure_initialised();
  return g_threads;
}

std::string blas_core_name() { return scipy_openblas_get_corename(); }
std::string blas_config() { return scipy_openblas_get_config(); }

int blas_num_threads() {
  get_num_threads();  // initialise first, so the answer is the setting in force
  return scipy_openblas_get_num_threads();
}

// Restore what the BLAS had, not our setting: a limit set from outside (threadpoolctl) survives our calls.
SingleThreadedBlas::SingleThreadedBlas() : previous_((get_num_threads(), scipy_openblas_get_num_threads())) {
  scipy_openblas_set_num_threads(1);
}
SingleThreadedBlas::~SingleThreadedBlas() { scipy_openblas_set_num_threads(previous_); }

}  // namespace pycauset
