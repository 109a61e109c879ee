// eigh: syevd/heevd on a column-major RAM copy; the eigenvectors come back through one strided copy.
#include "core/kernels/eigh.hpp"

#include <complex>

#include "core/governor.hpp"
#include "core/kernels/lu.hpp"
#include "core/kernels/lu_blas_internal.hpp"
#include "core/tiles/tile_io.hpp"

namespace pycauset {
namespace {

template <class T>
std::pair<Array, Array> eigh_typed(const Array& a, char uplo) {
  using R = lapack::real_t<T>;
  const DType dt = dtype_traits<T>::id;
  const std::int64_t n = a.rows();
  const std::uint64_t matrix_bytes = static_cast<std::uint64_t>(n) * n * sizeof(T);
  const std::uint64_t need = 2 * matrix_bytes + lapack::heevd_work_bytes<T>(static_cast<int>(n)) + n * sizeof(R);
  // Make room (spilling least recently used arrays) up to the need; what the budget cannot hold may come
  // from the fixed over-budget allowance, so small problems run even at the 1 MiB minimum budget.
  auto& governor = MemoryGovernor::instance();
  const std::uint64_t room = governor.tile_budget(need);
  if (need > room + kInRamOverBudgetAllowance) {
    throw OutOfMemory("eigh of a " + std::to_string(n) + "x" + std::to_string(n) + " " + dtype_name(dt) +
                      " matrix runs in RAM and needs about " + std::to_string((need + (1 << 20) - 1) >> 20) +
                      " MiB (matrix copy, eigenvectors and LAPACK workspace), more than the memory budget of " +
                      std::to_string(governor.limit() >> 20) + " MiB has room for (" + std::to_string(room >> 20) +
                      " MiB) plus eigh's over-budget allowance of " + std::to_string(kInRamOverBudgetAllowance >> 20) +
                      " MiB; raise the budget with pycauset.set_memory_limit(bytes) (there is no out-of-core eigh)");
  }
  Array w = Array::zeros(real_dtype(dt), 1, 1, n, Placement::Ram);
  Array v = Array::zeros(dt, 2, n, n, Placement::Ram);
  PooledBuffer mbuf = MemoryGovernor::instance().acquire_tile(matrix_bytes);
  T* M = mbuf.as<T>();
  {
    Buffer::Lease la = Buffer::lease(a.buffer());
    tiles::read_block(a, la, tiles::Block{0, n, 0, n}, M, n, dt, tiles::TileLayout::ColMajor);
  }
  {
    Buffer::Lease lw = Buffer::lease(w.buffer());
    const int ni = static_cast<int>(n);
    const int info = lapack::heevd(uplo, ni, M, ni, reinterpret_cast<R*>(lw.data()));
    if (info > 0) throw LinAlgError("Eigenvalues did not converge");
  }
  Buffer::Lease lv = Buffer::lease(v.buffer());
  tiles::write_block(v, lv, tiles::Block{0, n, 0, n}, M, n, dt, tiles::TileLayout::ColMajor);
  return {w, v};
}

}  // namespace

std::pair<Array, Array> eigh(const Array& a, char uplo) {
  check_square(a, "eigh");
  if (uplo != 'L' && uplo != 'U') throw ValueError(std::string("eigh: UPLO must be 'L' or 'U', got '") + uplo + "'");
  const DType dt = factor_dtype(a.dtype());
  switch (dt) {
    case DType::Float32: return eigh_typed<float>(a, uplo);
    case DType::Float64: return eigh_typed<double>(a, uplo);
    case DType::Complex64: return eigh_typed<std::complex<float>>(a, uplo);
    default: return eigh_typed<std::complex<double>>(a, uplo);
  }
}

}  // namespace pycauset
