// Which instruction set the elementwise loops use: detected once, optionally lowered from the environment.
#include "core/kernels/elementwise_simd.hpp"

#include <algorithm>
#include <cstdlib>
#include <string>

#include "storage/errors.hpp"

namespace pycauset::kernels {
namespace {

SimdLevel detected() noexcept {
#if defined(__x86_64__) && defined(__GNUC__)
  // libgcc's checks include the OS's support (XCR0) for the AVX and AVX-512 register state.
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl")) {
    return SimdLevel::Avx512;
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return SimdLevel::Avx2;
#endif
  return SimdLevel::Baseline;
}

SimdLevel from_environment(SimdLevel best) {
  const char* env = std::getenv("PYCAUSET_SIMD");
  if (env == nullptr || *env == '\0') return best;
  const std::string want(env);
  for (SimdLevel level : {SimdLevel::Baseline, SimdLevel::Avx2, SimdLevel::Avx512}) {
    if (want == simd_level_name(level)) return std::min(best, level);  // never above what the CPU has
  }
  throw ValueError("PYCAUSET_SIMD='" + want + "' is not one of baseline, avx2, avx512");
}

}  // namespace

const char* simd_level_name(SimdLevel level) noexcept {
  switch (level) {
    case SimdLevel::Avx512: return "avx512";
    case SimdLevel::Avx2: return "avx2";
    case SimdLevel::Baseline: break;
  }
  return "baseline";
}

SimdLevel simd_level() {
  static const SimdLevel level = from_environment(detected());  // a throw leaves it to be tried again
  return level;
}

}  // namespace pycauset::kernels
