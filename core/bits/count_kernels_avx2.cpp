// The count kernel with AVX2: popcount by nibble table lookup (vpshufb) summed into 64-bit lanes by
// vpsadbw, a 3 x 3 register block.
#include "core/bits/count_kernels.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

namespace pycauset::bits::count_avx2 {
namespace {
constexpr int kMR = 3;
constexpr int kNR = 3;

inline __m256i popcount_bytes(__m256i v) {
  const __m256i table = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                                         0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
  const __m256i low = _mm256_set1_epi8(0x0f);
  const __m256i lo = _mm256_shuffle_epi8(table, _mm256_and_si256(v, low));
  const __m256i hi = _mm256_shuffle_epi8(table, _mm256_and_si256(_mm256_srli_epi16(v, 4), low));
  return _mm256_add_epi8(lo, hi);
}

template <int MR, int NR>
inline void micro(std::int64_t kw, const std::uint64_t* a, std::int64_t lda, const std::uint64_t* b, std::int64_t ldb,
                  std::int32_t* c, std::int64_t ldc) {
  __m256i acc[MR][NR];
  for (int r = 0; r < MR; ++r) {
    for (int s = 0; s < NR; ++s) acc[r][s] = _mm256_setzero_si256();
  }
  const __m256i zero = _mm256_setzero_si256();
  std::int64_t w = 0;
  for (; w + 4 <= kw; w += 4) {
    __m256i av[MR];
    for (int r = 0; r < MR; ++r) av[r] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + r * lda + w));
    for (int s = 0; s < NR; ++s) {
      const __m256i bv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + s * ldb + w));
      for (int r = 0; r < MR; ++r) {
        acc[r][s] = _mm256_add_epi64(acc[r][s], _mm256_sad_epu8(popcount_bytes(_mm256_and_si256(av[r], bv)), zero));
      }
    }
  }
  std::uint64_t tail[MR][NR] = {};
  for (; w < kw; ++w) {
    for (int r = 0; r < MR; ++r) {
      for (int s = 0; s < NR; ++s) tail[r][s] += __builtin_popcountll(a[r * lda + w] & b[s * ldb + w]);
    }
  }
  for (int r = 0; r < MR; ++r) {
    for (int s = 0; s < NR; ++s) {
      alignas(32) std::uint64_t lanes[4];
      _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), acc[r][s]);
      c[r * ldc + s] += static_cast<std::int32_t>(lanes[0] + lanes[1] + lanes[2] + lanes[3] + tail[r][s]);
    }
  }
}
}  // namespace
#include "core/bits/count_tiling.inc"
}  // namespace pycauset::bits::count_avx2
#endif
