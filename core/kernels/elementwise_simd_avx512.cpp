// The elementwise float loops built for AVX512 (compile flags in CMakeLists.txt); used only when
// simd_level() says the CPU has it.
#define PYCAUSET_SIMD_NAMESPACE simd_avx512
#include "core/kernels/elementwise_simd_loops.inc"
