// Eigen-decomposition of a Hermitian (real symmetric) matrix with LAPACK's divide and conquer driver, in RAM.
#pragma once

#include <utility>

#include "core/array.hpp"

namespace pycauset {

/// \brief Bytes beyond the budget's room that a routine with no out-of-core algorithm (eigh; eigvalsh and
///        svd in the facade) may use for its in-RAM run: 16 MiB.
///
/// Every operation must work at any budget of at least 1 MiB, and anonymous memory may exceed the budget
/// by a small constant. This is that constant for the in-RAM-only routines: with it, eigh of a float64
/// matrix up to n = 700 runs at the 1 MiB minimum budget; a larger need raises OutOfMemory naming the
/// need, the budget and the allowance instead of silently using unbounded memory.
inline constexpr std::uint64_t kInRamOverBudgetAllowance = 16ull << 20;

/// \brief Return (w, v) as numpy.linalg.eigh: eigenvalues ascending (real dtype) and the unit
///        eigenvectors in the columns of v. Only the `uplo` ('L' or 'U') triangle of `a` is read.
///
/// Runs syevd/heevd on a RAM copy (bool/integer input computes in float64). There is no
/// out-of-core path: the copy, v and LAPACK's workspace (about 4 N^2 elements) must fit the room the
/// budget can make (least recently used arrays are spilled for it) plus kInRamOverBudgetAllowance,
/// else it throws OutOfMemory naming the need, the budget and pycauset.set_memory_limit.
/// Throws LinAlgError if the driver fails to converge.
std::pair<Array, Array> eigh(const Array& a, char uplo = 'L');

}  // namespace pycauset
