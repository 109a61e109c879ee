// The popcount micro-kernels of the bit product, one per instruction set, chosen at run time.
#pragma once

#include <cstdint>

namespace pycauset::bits {

/// \brief Add AND-popcounts of word rows: `c[i * ldc + j] += Σ_w popcount(a[i * lda + w] & b[j * ldb + w])`
///        for i < m, j < n, w < kw. Rows of `a` are rows of the left operand, rows of `b` are columns of
///        the right one, so this is a block of the integer product. Counts must fit int32 (kw < 2^25).
using CountBlock = void (*)(std::int64_t m, std::int64_t n, std::int64_t kw, const std::uint64_t* a,
                            std::int64_t lda, const std::uint64_t* b, std::int64_t ldb, std::int32_t* c,
                            std::int64_t ldc);

/// \brief Instruction sets of the count kernel.
enum class CountKernel : int { Scalar = 0, Avx2 = 1, Avx512Vpopcntdq = 2 };

/// \brief Return the kernel in use: the widest the CPU supports, lowered by PYCAUSET_SIMD
///        (baseline → scalar, avx2 → avx2; avx512 needs the VPOPCNTDQ extension, else avx2 is used).
CountKernel count_kernel();

/// \brief Return "scalar", "avx2" or "avx512-vpopcntdq".
const char* count_kernel_name(CountKernel kernel) noexcept;

/// \brief Return the block routine of `kernel` (the scalar one when the build has no SIMD copies).
CountBlock count_block(CountKernel kernel) noexcept;

/// \brief Measure, on the calling thread for about `seconds`, the rate (bit triples per second) of `kernel`
///        on operands that stay in L1: the ceiling of the full product, which also streams its operands
///        from L2/memory, hands tiles to epilogues and skips work.
double probe_kernel_rate(CountKernel kernel, double seconds);

/// \brief Measure the raw popcount throughput of this core (bits counted per second by independent
///        VPOPCNTQ on registers, AVX-512 only; 0 when the CPU lacks it): the hardware peak of any
///        popcount-based product, before the ANDs, adds and loads it also needs.
double probe_popcount_peak(double seconds);

// The copies, each in its own file compiled for its instruction set (flags in CMakeLists.txt).
namespace count_scalar {
void count_block(std::int64_t m, std::int64_t n, std::int64_t kw, const std::uint64_t* a, std::int64_t lda,
                 const std::uint64_t* b, std::int64_t ldb, std::int32_t* c, std::int64_t ldc);
}
namespace count_avx2 {
void count_block(std::int64_t m, std::int64_t n, std::int64_t kw, const std::uint64_t* a, std::int64_t lda,
                 const std::uint64_t* b, std::int64_t ldb, std::int32_t* c, std::int64_t ldc);
}
namespace count_avx512 {
double popcount_peak(double seconds);
void count_block(std::int64_t m, std::int64_t n, std::int64_t kw, const std::uint64_t* a, std::int64_t lda,
                 const std::uint64_t* b, std::int64_t ldb, std::int32_t* c, std::int64_t ldc);
}

}  // namespace pycauset::bits
