// Linear solve A X = B by one LU factorisation (never forming the inverse), direct or out-of-core.
#pragma once

#include "core/array.hpp"
#include "core/kernels/lu.hpp"

namespace pycauset {

/// \brief Return X with A X = B for square A; B is a vector (n,) or a matrix (n, k), as numpy.linalg.solve.
///
/// The result dtype is NumPy's: promote(A, B), with bool/integers computing in float64.
/// Direct path: getrf + getrs on RAM copies. Out-of-core path: OocLu, then per block of right-hand
/// columns a forward sweep with U^T and a backward sweep with L^T over the streamed factor panels.
/// Throws LinAlgError("Singular matrix") for an exactly zero pivot, ValueError for mismatched shapes.
Array solve(const Array& a, const Array& b, LinalgMethod method = LinalgMethod::Auto, const ProgressFn& progress = {});

}  // namespace pycauset
