// The height of a causal set: the number of elements in a longest chain, by DP over packed rows.
#pragma once

#include <cstdint>

#include "core/array.hpp"
#include "core/causet/relations.hpp"

namespace pycauset::causet {

/// \brief Return the number of elements in a longest chain of the order whose causal matrix is `c`.
///
/// `c` is a square strictly upper-triangular bool matrix (natural labelling). Dynamic programming in
/// natural order: h[i] = 1 + max{h[k] : k precedes i}; when row i is reached every predecessor of i
/// has been processed, so h[i] is final and is pushed to the set bits j of row i, a word of 64 columns
/// at a time (unpacked to flags, a branch-free vector loop): h[j] = max(h[j], h[i] + 1). Cost: about
/// n^2 / 2 vectorised column updates (only non-zero words), rows
/// read in bands from the store (RAM or file); extra memory 4 n bytes plus one band.
/// Returns 0 for n = 0.
/// \throws ValueError if `c` is not a square bool matrix.
std::int64_t longest_chain(const Array& c, const CausetProgress& progress = {});

}  // namespace pycauset::causet
