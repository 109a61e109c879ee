// One thread setting for pycauset's TBB loops and the BLAS it calls, so the two never multiply.
#pragma once

#include <string>

namespace pycauset {

/// \brief Set the number of threads for TBB loops and for BLAS/LAPACK calls. Throws ValueError if n < 1.
void set_num_threads(int n);

/// \brief Return the current thread setting (default: PYCAUSET_NUM_THREADS, else OMP_NUM_THREADS, else
/// OPENBLAS_NUM_THREADS, else the usable cores).
int get_num_threads();

/// \brief Return the OpenBLAS core name chosen at load time (e.g. "SkylakeX") and its config string.
std::string blas_core_name();
/// \brief Return the BLAS's own current thread count (differs from get_num_threads() under a threadpoolctl limit).
int blas_num_threads();
std::string blas_config();

/// \brief Run `f` with BLAS limited to one thread (for BLAS calls made inside TBB tasks). Not reentrant across threads.
class SingleThreadedBlas {
 public:
  SingleThreadedBlas();
  ~SingleThreadedBlas();
  SingleThreadedBlas(const SingleThreadedBlas&) = delete;
  SingleThreadedBlas& operator=(const SingleThreadedBlas&) = delete;

 private:
  int previous_;
};

}  // namespace pycauset
