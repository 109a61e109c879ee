// Typed column-major wrappers over the BLAS/LAPACK routines the factorisations call (one overload per dtype).
#pragma once

#include <complex>
#include <cstdint>

#include "core/dtype/dtype.hpp"

namespace pycauset::lapack {

using cfloat = std::complex<float>;
using cdouble = std::complex<double>;

using pycauset::real_t;  // the real type under T (float for complex64, ...)

// All matrices are column-major with leading dimension ld (LAPACK's convention). Integers are
// LAPACK's 32-bit ones; callers keep every dimension below 2^31.

/// \brief Factor the m x n matrix a = P L U in place (partial pivoting). Returns LAPACK's info
///        (> 0: U(info, info) is exactly zero). `ipiv` receives 1-based row interchanges.
int getrf(int m, int n, float* a, int lda, int* ipiv);
int getrf(int m, int n, double* a, int lda, int* ipiv);
int getrf(int m, int n, cfloat* a, int lda, int* ipiv);
int getrf(int m, int n, cdouble* a, int lda, int* ipiv);

/// \brief Overwrite the getrf factors of an n x n matrix by its inverse. `work` holds `lwork` elements.
int getri(int n, float* a, int lda, const int* ipiv, float* work, int lwork);
int getri(int n, double* a, int lda, const int* ipiv, double* work, int lwork);
int getri(int n, cfloat* a, int lda, const int* ipiv, cfloat* work, int lwork);
int getri(int n, cdouble* a, int lda, const int* ipiv, cdouble* work, int lwork);

/// \brief Return getri's optimal workspace size in elements.
template <class T>
int getri_lwork(int n);

/// \brief Solve op(A) X = B with the getrf factors of A; trans is 'N', 'T' or 'C'.
int getrs(char trans, int n, int nrhs, const float* a, int lda, const int* ipiv, float* b, int ldb);
int getrs(char trans, int n, int nrhs, const double* a, int lda, const int* ipiv, double* b, int ldb);
int getrs(char trans, int n, int nrhs, const cfloat* a, int lda, const int* ipiv, cfloat* b, int ldb);
int getrs(char trans, int n, int nrhs, const cdouble* a, int lda, const int* ipiv, cdouble* b, int ldb);

/// \brief C = alpha op(A) op(B) + beta C, op in {'N', 'T', 'C'}; C is m x n, the inner size k.
template <class T>
void gemm(char ta, char tb, std::int64_t m, std::int64_t n, std::int64_t k, T alpha, const T* a, std::int64_t lda,
          const T* b, std::int64_t ldb, T beta, T* c, std::int64_t ldc);

/// \brief B = alpha op(A)^{-1} B (side 'L') or alpha B op(A)^{-1} (side 'R'), A triangular
///        (uplo 'L'/'U', diag 'U' unit or 'N').
template <class T>
void trsm(char side, char uplo, char trans, char diag, std::int64_t m, std::int64_t n, T alpha, const T* a,
          std::int64_t lda, T* b, std::int64_t ldb);

/// \brief Eigen-decompose the Hermitian (symmetric) n x n matrix a in place with the divide and
///        conquer driver (syevd/heevd): eigenvalues ascending in w, eigenvectors in the columns of a.
///        Returns info (> 0: failed to converge).
int heevd(char uplo, int n, float* a, int lda, float* w);
int heevd(char uplo, int n, double* a, int lda, double* w);
int heevd(char uplo, int n, cfloat* a, int lda, float* w);
int heevd(char uplo, int n, cdouble* a, int lda, double* w);

/// \brief Return the bytes of workspace heevd needs for order n (for the memory check).
template <class T>
std::uint64_t heevd_work_bytes(int n);

}  // namespace pycauset::lapack
