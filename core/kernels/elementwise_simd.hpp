// Wider-vector copies of the hottest elementwise loops, picked at run time by what the CPU supports.
#pragma once

#include "core/kernels/elementwise.hpp"

namespace pycauset::kernels {

/// \brief Instruction sets the float loops are compiled for, besides the portable (SSE2) baseline.
enum class SimdLevel : int { Baseline = 0, Avx2 = 1, Avx512 = 2 };

/// \brief Return the level in use: the widest the CPU and OS support, lowered by the environment
///        variable PYCAUSET_SIMD=baseline|avx2|avx512 (read once; another value is a ValueError).
SimdLevel simd_level();

/// \brief Return "baseline", "avx2" or "avx512".
const char* simd_level_name(SimdLevel level) noexcept;

// One table per instruction set (elementwise_simd_avx2.cpp, elementwise_simd_avx512.cpp, both made from
// elementwise_simd_loops.inc): the float32/float64 loop of `op`, or nullptr for what they do not cover.
namespace simd_avx2 {
OpKernel op_kernel(ElementwiseOp op, DType compute) noexcept;
}
namespace simd_avx512 {
OpKernel op_kernel(ElementwiseOp op, DType compute) noexcept;
}

}  // namespace pycauset::kernels
