// The reduction loops built for the portable x86-64 baseline (SSE2) or any other CPU: always available.
#define PYCAUSET_REDUCE_NAMESPACE reduce_baseline
#include "core/kernels/reduce_loops.inc"
