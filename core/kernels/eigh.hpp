// Eigen-decomposition of a Hermitian (real symmetric) matrix with LAPACK's divide and conquer driver, in RAM.
#pragma once

#include <utility>

#include "core/array.hpp"

namespace pycauset {

/// \brief Return (w, v) as numpy.linalg.eigh: eigenvalues ascending (real dtype) and the unit
///        eigenvectors in the columns of v. Only the `uplo` ('L' or 'U') triangle of `a` is read.
///
/// Runs syevd/heevd on a RAM copy (bool/integer input computes in float64). There is no
/// out-of-core path: if the copy, v and LAPACK's workspace (about 4 N^2 elements) exceed the
/// memory budget it throws OutOfMemory naming the budget and pycauset.set_memory_limit.
/// Throws LinAlgError if the driver fails to converge.
std::pair<Array, Array> eigh(const Array& a, char uplo = 'L');

}  // namespace pycauset
