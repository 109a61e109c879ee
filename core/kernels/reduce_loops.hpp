// The contiguous inner loops of the reductions (sum, sum of squares, min, max), one copy per instruction set.
#pragma once

#include <cstdint>
#include <type_traits>

namespace pycauset::kernels {

/// \brief What a sum over elements of type T accumulates in: double for float32/float64, the 64-bit
///        integer of T's signedness for integers (wrapping, as NumPy's int64/uint64 accumulators).
template <class T>
using loop_sum_t = std::conditional_t<std::is_floating_point_v<T>, double,
                   std::conditional_t<std::is_signed_v<T>, std::int64_t, std::uint64_t>>;

/// \brief Elements per block of the sums in double: each block is summed on its own (below).
constexpr std::int64_t kReduceBlock = 1024;

/// \brief The loops over `n` contiguous elements of type T (a real dtype: float, double or an integer).
///
/// Sums return `acc` plus the sum of the elements. Sums in double (float sums, integer means, sums of
/// squares) cut the run into blocks of kReduceBlock elements and add the block sums to `acc` in order;
/// each block keeps 16 partial sums, element k going to partial k mod 16, added in a fixed tree at the
/// end. So a partial adds at most 64 terms, a run gives the same bits as its blocks passed one call at a
/// time, and the additions and their order are the same on every instruction set: a sum does not depend
/// on the CPU it ran on. Float32 elements are summed in double, as the portable reducer does; integers
/// are converted to double first, as NumPy's mean does. Integer sums wrap. min/max need n >= 1; they
/// store the extreme element in `*best` and return true if some element is NaN (NumPy then returns NaN).
/// Thread-safety: pure functions.
template <class T>
struct ReduceLoops {
  loop_sum_t<T> (*sum)(const T* x, std::int64_t n, loop_sum_t<T> acc) = nullptr;  ///< in double (floats) or wrapping
  double (*sum_in_double)(const T* x, std::int64_t n, double acc) = nullptr;  ///< every element converted to double
  double (*sum_squares)(const T* x, std::int64_t n, double acc) = nullptr;    ///< of the elements converted to double
  bool (*min)(const T* x, std::int64_t n, T* best) = nullptr;
  bool (*max)(const T* x, std::int64_t n, T* best) = nullptr;
};

/// \brief Return the loops for T of the instruction set in use (simd_level(), which honours PYCAUSET_SIMD),
///        chosen once. Defined for the real element types (int8 ... uint64, float, double).
template <class T>
const ReduceLoops<T>& reduce_loops();

// One copy per instruction set, each made from reduce_loops.inc in its own file with its own -m flags
// (CMakeLists.txt): reduce_loops_baseline.cpp (SSE2), reduce_loops_avx2.cpp, reduce_loops_avx512.cpp.
namespace reduce_baseline {
template <class T>
ReduceLoops<T> loops() noexcept;
}
namespace reduce_avx2 {
template <class T>
ReduceLoops<T> loops() noexcept;
}
namespace reduce_avx512 {
template <class T>
ReduceLoops<T> loops() noexcept;
}

}  // namespace pycauset::kernels
