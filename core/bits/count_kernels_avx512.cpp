// The count kernel with AVX-512 VPOPCNTDQ: 512 bits of AND + popcount + add per instruction triple,
// a 4 x 4 register block (16 accumulators) so that each loaded vector serves four products.
#include "core/bits/count_kernels.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#include <chrono>

// GCC 12's AVX-512 headers build some intrinsics from an "undefined" register that its own
// -Wuninitialized then reports: noise from the headers, not from this code.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace pycauset::bits::count_avx512 {
namespace {
constexpr int kMR = 4;
constexpr int kNR = 4;

// The sum of the eight lanes (GCC 12's _mm512_reduce_add_epi64 trips -Wuninitialized).
inline std::uint64_t sum_lanes(__m512i v) {
  const __m256i half = _mm256_add_epi64(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1));
  alignas(32) std::uint64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), half);
  return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

template <int MR, int NR>
inline void micro(std::int64_t kw, const std::uint64_t* a, std::int64_t lda, const std::uint64_t* b, std::int64_t ldb,
                  std::int32_t* c, std::int64_t ldc) {
  __m512i acc[MR][NR];
  for (int r = 0; r < MR; ++r) {
    for (int s = 0; s < NR; ++s) acc[r][s] = _mm512_setzero_si512();
  }
  auto step = [&](std::int64_t w, __mmask8 mask) {
    __m512i av[MR];
    for (int r = 0; r < MR; ++r) av[r] = _mm512_maskz_loadu_epi64(mask, a + r * lda + w);
    for (int s = 0; s < NR; ++s) {
      const __m512i bv = _mm512_maskz_loadu_epi64(mask, b + s * ldb + w);
      for (int r = 0; r < MR; ++r) {
        acc[r][s] = _mm512_add_epi64(acc[r][s], _mm512_popcnt_epi64(_mm512_and_si512(av[r], bv)));
      }
    }
  };
  std::int64_t w = 0;
  for (; w + 8 <= kw; w += 8) step(w, 0xFF);
  if (w < kw) step(w, static_cast<__mmask8>((1u << (kw - w)) - 1));
  for (int r = 0; r < MR; ++r) {
    for (int s = 0; s < NR; ++s) c[r * ldc + s] += static_cast<std::int32_t>(sum_lanes(acc[r][s]));
  }
}
}  // namespace
#include "core/bits/count_tiling.inc"

double popcount_peak(double seconds) {
  // Twelve independent chains of VPOPCNTQ, enough to cover its latency: the throughput bound alone.
  __m512i v[12];
  for (int j = 0; j < 12; ++j) v[j] = _mm512_set1_epi64(0x0123456789abcdefll * (j + 1));
  const auto start = std::chrono::steady_clock::now();
  std::int64_t rounds = 0;
  double elapsed = 0;
  do {
    for (int r = 0; r < 100000; ++r) {
      for (int j = 0; j < 12; ++j) v[j] = _mm512_popcnt_epi64(v[j]);
      // Opaque to the optimiser: the chains cannot be folded away.
      asm volatile("" : "+v"(v[0]), "+v"(v[1]), "+v"(v[2]), "+v"(v[3]), "+v"(v[4]), "+v"(v[5]), "+v"(v[6]),
                   "+v"(v[7]), "+v"(v[8]), "+v"(v[9]), "+v"(v[10]), "+v"(v[11]));
    }
    rounds += 100000;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  } while (elapsed < seconds);
  return static_cast<double>(rounds) * 12 * 512 / elapsed;
}
}  // namespace pycauset::bits::count_avx512
#endif
