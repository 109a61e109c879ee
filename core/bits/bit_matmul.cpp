// bit_matmul: NumPy's shape rules around the bit product with a storing epilogue.
#include "core/bits/bit_matmul.hpp"

#include <string>

#include "core/kernels/gemm.hpp"
#include "core/tiles/tile_io.hpp"
#include "storage/errors.hpp"

namespace pycauset::bits {

Array bit_matmul(const Array& a, const Array& b, DType out, const BitProgress& progress, BitProductStats* stats,
                 bool strictly_upper) {
  // A vector on the left is a row (1, k), as stored; on the right a column (k, 1).
  const Array left = a;
  const Array right = b.ndim() == 1 ? tiles::transpose_view(b) : b;
  const std::int64_t m = left.rows(), n = right.cols();
  check_matmul_shapes(left, right);
  Array c;
  {
    const Buffer::Lease pin_a = Buffer::lease(a.buffer());
    const Buffer::Lease pin_b = Buffer::lease(b.buffer());
    c = Array::zeros(out, 2, m, n);
  }
  std::unique_ptr<Epilogue> store = out == DType::Bool ? store_predicate(c, nullptr, true) : store_counts(c);
  const BitProductStats done = bit_product(left, right, *store, progress, strictly_upper);
  if (stats != nullptr) *stats = done;
  if (a.ndim() == 1 && b.ndim() == 2) return Array(c.buffer(), out, 1, 1, n, 0, n, 1);
  if (a.ndim() == 2 && b.ndim() == 1) return Array(c.buffer(), out, 1, 1, m, 0, m, 1);
  return c;
}

}  // namespace pycauset::bits
