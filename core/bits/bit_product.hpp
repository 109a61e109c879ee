// The product of two bool matrices on packed words: counts popcount(row_i(A) AND col_j(B)), handed tile by
// tile to an epilogue (store, predicate, histograms, sums), in RAM or out of core.
#pragma once

#include <cstdint>
#include <functional>

#include "core/array.hpp"
#include "core/bits/epilogues.hpp"

namespace pycauset::bits {

/// \brief Progress callback: `done` of `total` steps (a band of 64 rows against a chunk of columns). Called between rounds of tiles on
///        the calling thread; it may throw to cancel (the product then stops within a round).
using BitProgress = std::function<void(std::uint64_t done, std::uint64_t total)>;

/// \brief What a product did, for benchmarks.
struct BitProductStats {
  std::uint64_t bit_triples = 0;   ///< useful AND-popcount bit triples computed (zero blocks skipped)
  std::uint64_t full_triples = 0;  ///< m * n * k
  std::int64_t column_chunks = 0;  ///< passes over A (1 when the packed columns of B fit the budget)
  const char* kernel = "";         ///< the count kernel used
};

/// \brief Compute the counts C[i, j] = popcount(row_i(a) AND col_j(b)) of two 2-D bool views
///        (a: m x k, b: k x n) and hand every tile of them to `epilogue`, never storing C.
///
/// Plan: the columns of `b` are packed once into word rows (bit-transposed in 64 x 64 blocks), in column
/// chunks as large as the memory budget allows; bands of 64 rows of `a` are gathered and multiplied by a
/// register-blocked popcount kernel (AVX-512 VPOPCNTDQ, AVX2 or scalar, chosen at run time). Blocks where
/// the rows of the band or the columns of the block have no nonzero word in common are skipped, so a
/// strictly upper-triangular `a @ a` costs about k^3 / 6 bit triples. Rows and columns in any view, RAM or
/// file-backed. Memory: the packed chunk of b plus 2 bands of a per thread, within the governor's tile budget.
/// `strictly_upper`: the caller declares both operands strictly upper triangular (a causal matrix); the
/// declaration is checked as the operands are packed, at no extra pass (ValueError if it does not hold).
/// Throws ValueError on non-bool operands or a shape mismatch. Releases nothing itself: call it without the GIL.
BitProductStats bit_product(const Array& a, const Array& b, Epilogue& epilogue, const BitProgress& progress = {},
                            bool strictly_upper = false);

}  // namespace pycauset::bits
