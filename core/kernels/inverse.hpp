// Matrix inverse: getrf + getri in RAM, or the out-of-core LU followed by blocked triangular solves.
#pragma once

#include "core/array.hpp"
#include "core/kernels/lu.hpp"

namespace pycauset {

/// \brief Return inv(a) for a square matrix (bool/integer input computes in float64).
///
/// Direct path (result + getri workspace fit the budget): one getrf + getri sequence on the result's
/// RAM buffer. Out-of-core path: OocLu (left-looking, full-column pivoting) into a spill file, then
/// inv(A) written block by block to a governor-placed array (see inverse.cpp for the algorithm).
/// Throws LinAlgError("Singular matrix") on an exactly zero pivot; the input is never modified.
Array inverse(const Array& a, LinalgMethod method = LinalgMethod::Auto, const ProgressFn& progress = {});

}  // namespace pycauset
