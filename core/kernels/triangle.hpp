// triu / tril: the upper or lower triangle of a matrix (NumPy's diagonal offset k), streaming any size.
#pragma once

#include <cstdint>

#include "core/array.hpp"

namespace pycauset {

/// \brief Return a new matrix holding the elements of `a` on and above diagonal `k` (upper) or on and below
///        it (lower), zeros elsewhere, as numpy.triu / numpy.tril.
///
/// Bands of rows in parallel; bool matrices are masked on packed words (a causal matrix is
/// `triangle(C, 1, true)`), other dtypes tile by tile. Placed by the governor: larger than the budget,
/// the result is a spill file and the input streams. Throws ValueError for vectors.
Array triangle(const Array& a, std::int64_t k, bool upper);

}  // namespace pycauset
