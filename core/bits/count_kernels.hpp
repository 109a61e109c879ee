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
void count_block(std::int64_t m, std::int64_t n, std::int64_t kw, const std::uint64_t* a, std::int64_t lda,
                 const std::uint64_t* b, std::int64_t ldb, std::int32_t* c, std::int64_t ldc);
}

}  // namespace pycauset::bits
