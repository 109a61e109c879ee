// Reductions (sum, mean, min, max, norm, trace) fused over expressions, along all elements or one axis.
#pragma once

#include <array>
#include <cstdint>

#include "core/array.hpp"
#include "core/expr/node.hpp"

namespace pycauset::kernels {

/// \brief The reductions of SPEC §5 (trace is a sum over the diagonal expression).
enum class ReduceOp : std::uint8_t { Sum, Mean, Min, Max, Norm };

/// \brief A scalar result: its dtype and raw element bytes (native order).
struct ScalarValue {
  DType dtype = DType::Float64;
  std::array<unsigned char, 16> bytes{};
};

/// \brief Return NumPy's result dtype of a reduction over elements of `dtype` (sum of int8 -> int64,
///        mean of ints -> float64, norm of complex64 -> float32, min/max keep the dtype).
DType reduce_result_dtype(ReduceOp op, DType dtype) noexcept;

/// \brief Reduce every element of the expression `root` in one fused pass (operands read once).
///
/// Accuracy: float sums and norms accumulate in double (complex<double>): 16 partial sums within each
/// row segment of at most 1024 elements (reduce_loops.hpp), segments in order within a tile, tiles
/// pairwise, so a float32 sum of 2^25 ones is exact. Integer sums wrap in int64/uint64 as NumPy's do;
/// integer means sum in double as NumPy's do. min/max propagate NaN and raise ValueError on empty input.
/// Deterministic for a given tile plan, and the same on every instruction set (tile partials are
/// combined in tile order). Call without the GIL.
ScalarValue reduce_all(const expr::NodePtr& root, ReduceOp op);

/// \brief Reduce a 2-D expression along `axis` (0: down the columns, result length cols; 1: along the
///        rows, result length rows) into a new governed vector.
Array reduce_axis(const expr::NodePtr& root, ReduceOp op, int axis);

}  // namespace pycauset::kernels
