// Which copy of the reduction loops runs: the instruction set of simd_level(), resolved once per type.
#include "core/kernels/reduce_loops.hpp"

#include "core/kernels/elementwise_simd.hpp"

namespace pycauset::kernels {
namespace {

template <class T>
ReduceLoops<T> select() {
  switch (simd_level()) {  // honours PYCAUSET_SIMD
    case SimdLevel::Avx512: return reduce_avx512::loops<T>();
    case SimdLevel::Avx2: return reduce_avx2::loops<T>();
    case SimdLevel::Baseline: break;
  }
  return reduce_baseline::loops<T>();
}

}  // namespace

template <class T>
const ReduceLoops<T>& reduce_loops() {
  static const ReduceLoops<T> chosen = select<T>();
  return chosen;
}

template const ReduceLoops<std::int8_t>& reduce_loops<std::int8_t>();
template const ReduceLoops<std::int16_t>& reduce_loops<std::int16_t>();
template const ReduceLoops<std::int32_t>& reduce_loops<std::int32_t>();
template const ReduceLoops<std::int64_t>& reduce_loops<std::int64_t>();
template const ReduceLoops<std::uint8_t>& reduce_loops<std::uint8_t>();
template const ReduceLoops<std::uint16_t>& reduce_loops<std::uint16_t>();
template const ReduceLoops<std::uint32_t>& reduce_loops<std::uint32_t>();
template const ReduceLoops<std::uint64_t>& reduce_loops<std::uint64_t>();
template const ReduceLoops<float>& reduce_loops<float>();
template const ReduceLoops<double>& reduce_loops<double>();

}  // namespace pycauset::kernels
