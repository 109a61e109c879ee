// matmul: NumPy's shape and dtype rules around the one tiled GEMM kernel.
#include "core/kernels/gemm.hpp"

#include <string>

#include "core/bits/bit_matmul.hpp"
#include "core/bits/bool_dense.hpp"
#include "core/governor.hpp"
#include "core/kernels/gemm_internal.hpp"
#include "core/tiles/tile_io.hpp"
#include "storage/errors.hpp"

namespace pycauset {

void check_matmul_shapes(const Array& left, const Array& right) {
  if (right.rows() != left.cols()) {
    throw ValueError("matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc signature "
                     "(n?,k),(k,m?)->(n?,m?) (size " + std::to_string(right.rows()) + " is different from " +
                     std::to_string(left.cols()) + ")");
  }
}

Array matmul(const Array& a, const Array& b, const GemmProgress& progress) {
  // NumPy: a vector on the left is a row (1, k) -- already our storage form -- and on the right a column (k, 1).
  const Array left = a;
  const Array right = b.ndim() == 1 ? tiles::transpose_view(b) : b;
  const std::int64_t m = left.rows(), k = left.cols(), n = right.cols();
  check_matmul_shapes(left, right);
  const DType dtype = promote_types(a.dtype(), b.dtype());
  // Two bool operands: the packed-word product (OR of ANDs), never unpacking the bits.
  if (a.dtype() == DType::Bool && b.dtype() == DType::Bool) {
    return bits::bit_matmul(a, b, DType::Bool, [&](std::uint64_t done, std::uint64_t total) {
      if (progress) progress(done, total);
    });
  }
  Array c;
  if (dtype != DType::Bool && bits::prefers_bool_times_dense(left, right)) {
    c = bits::bool_times_dense(left, right, dtype);  // C @ x: sums over set bits, no float copy of C
  } else if (a.ndim() == 1 && b.dtype() == DType::Bool && bits::prefers_bool_times_dense(tiles::transpose_view(right),
                                                                                          tiles::transpose_view(a))) {
    // x @ C = (Cᵀ @ xᵀ)ᵀ; for a vector x the n x 1 result is the 1 x n row as stored.
    c = bits::bool_times_dense(tiles::transpose_view(right), tiles::transpose_view(a), dtype);
  }
  if (c.buffer() == nullptr) {
    // Pin the operands while the result is placed: the governor must not spill them to make room.
    const Buffer::Lease pin_a = Buffer::lease(a.buffer());
    const Buffer::Lease pin_b = Buffer::lease(b.buffer());
    // Every element is written when k > 0 (the first k-block stores, later ones accumulate); an empty
    // inner dimension leaves the zeros of the empty sum, as NumPy does.
    // A file-backed operand streams through tiles taken from the budget: a result that would fill most of
    // what is left goes to a file and streams as well, rather than starving the kernel of tile memory.
    const std::uint64_t c_bytes = static_cast<std::uint64_t>(m) * static_cast<std::uint64_t>(n) *
                                  static_cast<std::uint64_t>(itemsize(dtype));
    const bool streaming = (a.is_file() || b.is_file()) &&
                           !MemoryGovernor::instance().fits_in_ram_beside_cached_tiles(2 * c_bytes);
    const Placement where = streaming ? Placement::File : Placement::Auto;
    c = k > 0 ? Array::uninitialized(dtype, 2, m, n, where) : Array::zeros(dtype, 2, m, n, where);
    if (m > 0 && n > 0 && k > 0) detail::tiled_gemm(left, right, c, progress);
  }
  if (a.ndim() == 1 && b.ndim() == 2) return Array(c.buffer(), dtype, 1, 1, n, 0, n, 1);
  if (a.ndim() == 2 && b.ndim() == 1) return Array(c.buffer(), dtype, 1, 1, m, 0, m, 1);
  return c;  // matrix @ matrix, or the 1 x 1 inner product of two vectors
}

}  // namespace pycauset
