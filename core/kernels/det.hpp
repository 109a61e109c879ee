// Determinant as (sign, log|det|) from an LU factorisation, direct or out-of-core.
#pragma once

#include <complex>

#include "core/array.hpp"
#include "core/kernels/lu.hpp"

namespace pycauset {

/// \brief numpy.linalg.slogdet's pair: det = sign * exp(logabsdet).
struct SlogdetResult {
  std::complex<double> sign;  ///< +-1 for real input, a unit complex number for complex input; 0 if singular
  double logabsdet;           ///< sum of log|U_ii|; -inf if singular
  DType dtype;                ///< the dtype the factorisation computed in (sign's dtype in NumPy)
};

/// \brief Return slogdet(a) for a square matrix. Sums logarithms, so it never overflows.
///
/// Direct path: getrf on a RAM copy. Out-of-core path: OocLu, keeping only U's diagonal and the
/// interchange parity. A singular matrix gives sign 0 and logabsdet -inf, as NumPy (no exception).
SlogdetResult slogdet(const Array& a, LinalgMethod method = LinalgMethod::Auto, const ProgressFn& progress = {});

}  // namespace pycauset
