// The causal matrix of points of flat spacetime, built in tiles of packed bits; counting its relations.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/array.hpp"

namespace pycauset::causet {

/// \brief Called between tiles as progress(done, total): the calling thread, never a worker. May throw
///        (e.g. to interrupt), which abandons the kernel and frees its result.
using CausetProgress = std::function<void(std::uint64_t done, std::uint64_t total)>;

/// \brief Build the causal matrix C of `n` points of d-dimensional Minkowski space.
///
/// `points` holds n rows of d float64 coordinates (t, x_1, ..., x_{d-1}), row-major, sorted by t
/// (natural labelling). C[i, j] is true iff i precedes j: dt = t_j - t_i > 0 and
/// dt^2 > |dx|^2, where a spatial direction a with periods[a] = L > 0 takes the minimum image
/// |dx_a| -> min(|dx_a|, L - |dx_a|) (coordinates in [0, L)); periods[a] = 0 means not periodic.
/// The squared interval is evaluated as ((dt*dt - dx_1*dx_1) - dx_2*dx_2) - ..., without fused
/// multiply-adds, so a NumPy reference evaluated in that order agrees bit for bit.
///
/// The result is a strictly upper-triangular n x n bool Array allocated through the MemoryGovernor
/// (a spill file when over budget). Bands of 8k rows (whose packed bits start on a byte) are computed
/// by TBB tasks in pooled buffers and stored with one write per band. Peak extra memory: the SoA copy
/// of the points (8 n d bytes) plus two bands per thread.
///
/// \param periods d - 1 entries (>= 0).
/// \throws ValueError if d is not 2..4, the shapes disagree, a coordinate is not finite, or the points
///         are not sorted by time.
Array causal_matrix(const double* points, std::int64_t n, int d, const std::vector<double>& periods,
                    const CausetProgress& progress = {});

/// \brief Return the number of true elements of a bool array (a popcount over packed words).
///
/// Any view works; rows lying back to back (a causal matrix, a band of its rows) are counted straight
/// from the store in parallel chunks, other views are copied first. Thread-safe.
/// \throws TypeError if `bits` is not bool.
std::uint64_t count_true(const Array& bits);

/// \brief Return the number of true elements on or below the diagonal of a square bool matrix (zero
///        exactly when it is strictly upper triangular, as a causal matrix in natural labelling must be).
///
/// Reads only the lower-left part of each band of rows: O(n^2 / 128) word operations. Thread-safe.
/// \throws ValueError if `c` is not a square bool matrix.
std::uint64_t count_true_on_or_below_diagonal(const Array& c);

}  // namespace pycauset::causet
