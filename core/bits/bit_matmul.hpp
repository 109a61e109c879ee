// NumPy's matmul for two bool operands: the bool product (OR of ANDs) or, with an integer or float result
// dtype, the counts, as np.matmul(a, b, dtype=t) gives them.
#pragma once

#include "core/array.hpp"
#include "core/bits/bit_product.hpp"

namespace pycauset::bits {

/// \brief Return `a @ b` of two bool arrays in dtype `out`: bool gives NumPy's logical product, any other
///        dtype the counts popcount(row_i(a) AND col_j(b)) converted as NumPy casts them (wrapping in
///        narrow integers). Vectors as in NumPy's matmul (vector @ vector: a 1 x 1 matrix). Placed by the
///        governor; runs out of core. Throws ValueError on a shape mismatch. `strictly_upper`: see bit_product.
Array bit_matmul(const Array& a, const Array& b, DType out, const BitProgress& progress = {},
                 BitProductStats* stats = nullptr, bool strictly_upper = false);

}  // namespace pycauset::bits
