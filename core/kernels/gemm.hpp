// Matrix products with NumPy's matmul semantics: one tiled kernel, direct (one tile) or out-of-core.
#pragma once

#include <cstdint>
#include <functional>

#include "core/array.hpp"

namespace pycauset {

/// \brief Progress callback: `done` of `total` multiply-add units (m * n * k) finished so far.
///
/// Called from the thread running the kernel, at tile granularity; it may throw to cancel.
using GemmProgress = std::function<void(std::uint64_t done, std::uint64_t total)>;

/// \brief Compute `a @ b` as NumPy's matmul does, into a freshly allocated result.
///
/// Shapes: (m, k) @ (k, n) -> (m, n); a vector on the left acts as a row (1, k) and on the right as a
/// column (k, 1), and its dimension is dropped from the result; vector @ vector is the inner product,
/// returned as a 1 x 1 matrix (the caller turns it into a scalar). Result dtype: promote_types.
/// float32/64 and complex64/128 go through BLAS ?gemm (transposed views via transpose flags, no
/// copies); integer dtypes wrap around as NumPy; bool @ bool is logical (OR of ANDs).
///
/// The result is allocated through the MemoryGovernor (RAM if it fits, else a spill file). When the
/// operands are RAM-resident and the result fits, this is one BLAS call on the RAM buffers (the
/// direct path); otherwise the out-of-core path streams tiles through pooled buffers with the I/O
/// overlapped with compute (see gemm_ooc.cpp for the plan and its memory bound).
/// Throws ValueError on a shape mismatch. Releases nothing itself: call it without the GIL.
Array matmul(const Array& a, const Array& b, const GemmProgress& progress = {});

/// \brief Throw NumPy's ValueError unless `left` (m x k) and `right` (k x n, vectors already in their
///        2-D matmul form) share the inner dimension.
void check_matmul_shapes(const Array& left, const Array& right);

}  // namespace pycauset
