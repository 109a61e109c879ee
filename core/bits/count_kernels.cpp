// The portable count kernel and the run-time choice among the copies.
#include "core/bits/count_kernels.hpp"

#include <chrono>
#include <random>
#include <vector>

#include "core/kernels/elementwise_simd.hpp"

namespace pycauset::bits {

namespace count_scalar {
namespace {
constexpr int kMR = 2;
constexpr int kNR = 2;

template <int MR, int NR>
inline void micro(std::int64_t kw, const std::uint64_t* a, std::int64_t lda, const std::uint64_t* b, std::int64_t ldb,
                  std::int32_t* c, std::int64_t ldc) {
  std::uint64_t acc[MR][NR] = {};
  for (std::int64_t w = 0; w < kw; ++w) {
    for (int r = 0; r < MR; ++r) {
      for (int s = 0; s < NR; ++s) acc[r][s] += __builtin_popcountll(a[r * lda + w] & b[s * ldb + w]);
    }
  }
  for (int r = 0; r < MR; ++r) {
    for (int s = 0; s < NR; ++s) c[r * ldc + s] += static_cast<std::int32_t>(acc[r][s]);
  }
}
}  // namespace
#include "core/bits/count_tiling.inc"
}  // namespace count_scalar

namespace {

CountKernel detected() {
  using kernels::SimdLevel;
  const SimdLevel level = kernels::simd_level();  // honours PYCAUSET_SIMD
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  if (level == SimdLevel::Avx512 && __builtin_cpu_supports("avx512vpopcntdq")) return CountKernel::Avx512Vpopcntdq;
  if (level >= SimdLevel::Avx2 && __builtin_cpu_supports("avx2")) return CountKernel::Avx2;
#endif
  return CountKernel::Scalar;
}

}  // namespace

CountKernel count_kernel() {
  static const CountKernel kernel = detected();
  return kernel;
}

const char* count_kernel_name(CountKernel kernel) noexcept {
  switch (kernel) {
    case CountKernel::Avx512Vpopcntdq: return "avx512-vpopcntdq";
    case CountKernel::Avx2: return "avx2";
    case CountKernel::Scalar: break;
  }
  return "scalar";
}

CountBlock count_block(CountKernel kernel) noexcept {
#if defined(__x86_64__) && defined(__GNUC__)
  if (kernel == CountKernel::Avx512Vpopcntdq) return &count_avx512::count_block;
  if (kernel == CountKernel::Avx2) return &count_avx2::count_block;
#endif
  return &count_scalar::count_block;
}

double probe_kernel_rate(CountKernel kernel, double seconds) {
  // 4 x 4 rows of 256 words: 16 KiB of operands, resident in L1 after the first pass.
  constexpr std::int64_t m = 4, n = 4, kw = 256;
  std::vector<std::uint64_t> a(m * kw), b(n * kw);
  std::mt19937_64 rng(1);
  for (auto& w : a) w = rng();
  for (auto& w : b) w = rng();
  std::vector<std::int32_t> c(m * n, 0);
  const CountBlock block = count_block(kernel);
  const auto start = std::chrono::steady_clock::now();
  std::int64_t calls = 0;
  double elapsed = 0;
  do {
    for (int r = 0; r < 1000; ++r) block(m, n, kw, a.data(), kw, b.data(), kw, c.data(), n);
    calls += 1000;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  } while (elapsed < seconds);
  volatile std::int32_t sink = c[0];  // keep the work observable
  (void)sink;
  return static_cast<double>(calls) * m * n * kw * 64 / elapsed;
}

double probe_popcount_peak(double seconds) {
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512vpopcntdq")) return count_avx512::popcount_peak(seconds);
#endif
  return 0.0;
}

}  // namespace pycauset::bits
