// Private pieces of the GEMM kernel shared between gemm.cpp, gemm_ooc.cpp, gemm_blas.cpp, gemm_integer.cpp.
#pragma once

#include <cstdint>
#include <future>

#include "core/array.hpp"
#include "core/governor.hpp"
#include "core/kernels/gemm.hpp"
#include "core/tiles/io_pipeline.hpp"
#include "core/tiles/tile_io.hpp"

namespace pycauset::detail {

/// \brief One operand of a tile product: pointer to element (0, 0), its layout and leading dimension.
struct TileOperand {
  const void* data = nullptr;
  tiles::TileLayout layout = tiles::TileLayout::RowMajor;
  std::int64_t ld = 0;
};

/// \brief Compute C = A B (accumulate = false) or C += A B (accumulate = true) on dense tiles.
///
/// A is m x k, B is k x n, both in their layout; C is row-major m x n with leading dimension ldc.
/// All three hold elements of the compute dtype the function was made for.
using TileProduct = void (*)(std::int64_t m, std::int64_t n, std::int64_t k, const TileOperand& a,
                             const TileOperand& b, void* c, std::int64_t ldc, bool accumulate);

/// \brief Return the BLAS ?gemm tile product for float32/64, complex64/128 (nullptr for other dtypes).
TileProduct blas_tile_product(DType dtype) noexcept;

/// \brief Return the typed, TBB-parallel tile product for integer dtypes (nullptr otherwise; bool @ bool
///        runs on packed words in core/bits).
///
/// It requires B in RowMajor layout (the inner loop runs along rows of B and C).
TileProduct integer_tile_product(DType dtype) noexcept;

/// \brief Return blas_tile_product's product run as independent ranges of C's rows in parallel, one
///        single-threaded BLAS call each (nullptr for the dtypes it has none for): the out-of-core
///        plans' tile product.
///
/// Why: OpenBLAS's own threads hand work to each other several times per call and spin while they
/// wait; when the I/O worker takes a core for a moment, the other BLAS thread spins with it. Ranges
/// pulled by TBB threads never wait for each other, so the I/O costs only the CPU it uses. The
/// direct path keeps one multi-threaded call: split, each thread would pack all of B again.
TileProduct blas_row_range_product(DType dtype) noexcept;

/// \brief Split `extent` into equal blocks of at most `limit`; return their size (no thin remainder block).
std::int64_t balanced(std::int64_t extent, std::int64_t limit);

/// \brief The tile operand for element (r0, c0) of an operand used in place (`whole`: its whole-array view).
inline TileOperand in_place_view(const tiles::InPlaceBlock& whole, std::int64_t r0, std::int64_t c0, std::int64_t item) {
  const std::int64_t at = whole.layout == tiles::TileLayout::RowMajor ? r0 * whole.ld + c0 : c0 * whole.ld + r0;
  return TileOperand{whole.data + at * item, whole.layout, whole.ld};
}

/// \brief Two pooled tile buffers the I/O worker fills in turn: the product uses one while the next
///        block is read into the other. Records which block each slot holds and when its transfer is done.
struct TileRing {
  PooledBuffer slot[2];
  std::int64_t holds[2] = {-1, -1};
  std::future<void> ready[2];

  /// \brief Make sure block `id` is in a slot, never touching slot `busy` (the product's): if it is not
  ///        there yet, take the other slot (a pool buffer of `bytes`) and queue `read(buffer)` on `io`.
  ///        Return the slot. `read` must keep what it touches alive until the job has run.
  template <class Read>
  int stage(std::int64_t id, int busy, std::size_t bytes, tiles::IoWorker& io, Read read) {
    for (int s = 0; s < 2; ++s) {
      if (holds[s] == id) return s;
    }
    const int s = busy == 0 ? 1 : 0;
    if (slot[s].data() == nullptr) slot[s] = MemoryGovernor::instance().acquire_tile(bytes);
    holds[s] = id;
    std::byte* buffer = slot[s].data();
    ready[s] = io.submit([read, buffer] { read(buffer); });
    return s;
  }

  /// \brief Return slot `s`'s buffer once its transfer is done (rethrowing a failed one).
  std::byte* data(int s) {
    tiles::await_io(ready[s]);
    return slot[s].data();
  }
};

/// \brief The streaming plan (gemm_stream.cpp): c = a @ b by whole-row bands moved with unbuffered I/O.
///
/// Returns false, having done nothing, when some operand can be neither used in place nor streamed by
/// bands (strided, transposed file, another dtype, bool) or no bands of a useful height fit
/// `budget_bytes`; the caller then runs the blocked plan. `b_row_major`: the product needs row-major B.
bool streamed_gemm(const Array& a, const Array& b, const Array& c, const Buffer::Lease& lease_a,
                   const Buffer::Lease& lease_b, const Buffer::Lease& lease_c, TileProduct product,
                   bool b_row_major, std::uint64_t budget_bytes, const GemmProgress& progress);

/// \brief Compute c = a @ b for 2-D views a (m x k), b (k x n) into the contiguous, zero-filled,
///        freshly allocated c (m x n, dtype = compute dtype), streaming tiles as the budget requires.
void tiled_gemm(const Array& a, const Array& b, const Array& c, const GemmProgress& progress);

}  // namespace pycauset::detail
