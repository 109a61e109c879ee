// The reduction loops built for avx2 (compile flags in CMakeLists.txt); used only when simd_level() says
// the CPU has it.
#define PYCAUSET_REDUCE_NAMESPACE reduce_avx2
#include "core/kernels/reduce_loops.inc"
