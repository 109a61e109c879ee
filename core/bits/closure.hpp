// Transitive closure of a strictly upper-triangular relation (a DAG in natural order) on packed words.
#pragma once

#include "core/array.hpp"

namespace pycauset::bits {

/// \brief Return the transitive closure of the strictly upper-triangular bool matrix `c`: entry (i, j) is
///        true when a chain i = x_0 ≺ x_1 ≺ ... ≺ x_m = j exists in `c`.
///
/// Rows are closed in reverse natural order, `row_i ← row_i OR (OR over j in row_i of closed row_j)`, so
/// every row is closed once all later rows are. Out of core in bands of rows: a band first takes in the
/// closed later bands (read from the result, one band at a time), then closes itself from the bottom up.
/// Memory: two bands of word rows, sized from the governor's tile budget. Throws ValueError if `c` is
/// not square or not strictly upper triangular.
Array transitive_closure(const Array& c);

}  // namespace pycauset::bits
