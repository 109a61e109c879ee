// Products of a bool matrix with a thin dense operand (C @ x, Cᵀ @ x): a loop over set bits, no float copy of C.
#pragma once

#include "core/array.hpp"

namespace pycauset::bits {

/// \brief Return true when `bool_times_dense(a, x, ...)` is the better route for a @ x: `a` is bool, `x` is a
///        real float or integer matrix with at most a few columns (a vector, a handful of right-hand sides).
bool prefers_bool_times_dense(const Array& a, const Array& x) noexcept;

/// \brief Return `a @ x` (a: m x k bool, any view; x: k x n real float or integer) in dtype `out`.
///
/// Row i of the result is the sum of the rows x[j] over the set bits j of row i of `a`, taken in increasing
/// j (so the result does not depend on the thread count), accumulated in double (float dtypes) or int64
/// (integers, wrapping to `out` as NumPy). Rows of `a` are read as packed words in bands of 64 (a
/// transposed view, Cᵀ, is turned by 64 x 64 bit transposes), `x` is read once into RAM. Cost: one pass
/// over the bits plus (set bits) x n additions, against m k n for a dense product of a float copy.
Array bool_times_dense(const Array& a, const Array& x, DType out);

}  // namespace pycauset::bits
