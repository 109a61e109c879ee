// The LAPACK/BLAS side of the factorisations: typed column-major wrappers over scipy-openblas32.
#include <algorithm>
#include <vector>

#include "core/blas_internal.hpp"
#include "core/kernels/lu_blas_internal.hpp"


namespace pycauset::lapack {
namespace {

CBLAS_TRANSPOSE cblas_trans(char t) {
  return t == 'N' ? CblasNoTrans : (t == 'T' ? CblasTrans : CblasConjTrans);
}

}  // namespace

#define PYCAUSET_GETRF(T, fn)                              \
  int getrf(int m, int n, T* a, int lda, int* ipiv) {      \
    int info = 0;                                          \
    fn(&m, &n, a, &lda, ipiv, &info);                      \
    return info;                                           \
  }
PYCAUSET_GETRF(float, scipy_sgetrf_)
PYCAUSET_GETRF(double, scipy_dgetrf_)
PYCAUSET_GETRF(cfloat, scipy_cgetrf_)
PYCAUSET_GETRF(cdouble, scipy_zgetrf_)
#undef PYCAUSET_GETRF

#define PYCAUSET_GETRI(T, fn)                                                          \
  int getri(int n, T* a, int lda, const int* ipiv, T* work, int lwork) {               \
    int info = 0;                                                                      \
    fn(&n, a, &lda, ipiv, work, &lwork, &info);                                        \
    return info;                                                                       \
  }                                                                                    \
  template <>                                                                          \
  int getri_lwork<T>(int n) {                                                          \
    T query{};                                                                         \
    int lwork = -1, info = 0, lda = std::max(1, n);                                    \
    fn(&n, nullptr, &lda, nullptr, &query, &lwork, &info);                             \
    return std::max(n, static_cast<int>(std::real(query)));                            \
  }
PYCAUSET_GETRI(float, scipy_sgetri_)
PYCAUSET_GETRI(double, scipy_dgetri_)
PYCAUSET_GETRI(cfloat, scipy_cgetri_)
PYCAUSET_GETRI(cdouble, scipy_zgetri_)
#undef PYCAUSET_GETRI

#define PYCAUSET_GETRS(T, fn)                                                                    \
  int getrs(char trans, int n, int nrhs, const T* a, int lda, const int* ipiv, T* b, int ldb) {  \
    int info = 0;                                                                                \
    fn(&trans, &n, &nrhs, a, &lda, ipiv, b, &ldb, &info);                                        \
    return info;                                                                                 \
  }
PYCAUSET_GETRS(float, scipy_sgetrs_)
PYCAUSET_GETRS(double, scipy_dgetrs_)
PYCAUSET_GETRS(cfloat, scipy_cgetrs_)
PYCAUSET_GETRS(cdouble, scipy_zgetrs_)
#undef PYCAUSET_GETRS

template <>
void gemm<float>(char ta, char tb, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const float* a,
                 std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c, std::int64_t ldc) {
  if (m == 0 || n == 0) return;
  scipy_cblas_sgemm(CblasColMajor, cblas_trans(ta), cblas_trans(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
template <>
void gemm<double>(char ta, char tb, std::int64_t m, std::int64_t n, std::int64_t k, double alpha, const double* a,
                  std::int64_t lda, const double* b, std::int64_t ldb, double beta, double* c, std::int64_t ldc) {
  if (m == 0 || n == 0) return;
  scipy_cblas_dgemm(CblasColMajor, cblas_trans(ta), cblas_trans(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
template <>
void gemm<cfloat>(char ta, char tb, std::int64_t m, std::int64_t n, std::int64_t k, cfloat alpha, const cfloat* a,
                  std::int64_t lda, const cfloat* b, std::int64_t ldb, cfloat beta, cfloat* c, std::int64_t ldc) {
  if (m == 0 || n == 0) return;
  scipy_cblas_cgemm(CblasColMajor, cblas_trans(ta), cblas_trans(tb), m, n, k, &alpha, a, lda, b, ldb, &beta, c, ldc);
}
template <>
void gemm<cdouble>(char ta, char tb, std::int64_t m, std::int64_t n, std::int64_t k, cdouble alpha,
                   const cdouble* a, std::int64_t lda, const cdouble* b, std::int64_t ldb, cdouble beta, cdouble* c,
                   std::int64_t ldc) {
  if (m == 0 || n == 0) return;
  scipy_cblas_zgemm(CblasColMajor, cblas_trans(ta), cblas_trans(tb), m, n, k, &alpha, a, lda, b, ldb, &beta, c, ldc);
}

#define PYCAUSET_TRSM_ARGS                                                                              \
  CblasColMajor, side == 'L' ? CblasLeft : CblasRight, uplo == 'L' ? CblasLower : CblasUpper,           \
      cblas_trans(trans), diag == 'U' ? CblasUnit : CblasNonUnit, m, n
template <>
void trsm<float>(char side, char uplo, char trans, char diag, std::int64_t m, std::int64_t n, float alpha,
                 const float* a, std::int64_t lda, float* b, std::int64_t ldb) {
  if (m == 0 || n == 0) return;
  scipy_cblas_strsm(PYCAUSET_TRSM_ARGS, alpha, a, lda, b, ldb);
}
template <>
void trsm<double>(char side, char uplo, char trans, char diag, std::int64_t m, std::int64_t n, double alpha,
                  const double* a, std::int64_t lda, double* b, std::int64_t ldb) {
  if (m == 0 || n == 0) return;
  scipy_cblas_dtrsm(PYCAUSET_TRSM_ARGS, alpha, a, lda, b, ldb);
}
template <>
void trsm<cfloat>(char side, char uplo, char trans, char diag, std::int64_t m, std::int64_t n, cfloat alpha,
                  const cfloat* a, std::int64_t lda, cfloat* b, std::int64_t ldb) {
  if (m == 0 || n == 0) return;
  scipy_cblas_ctrsm(PYCAUSET_TRSM_ARGS, &alpha, a, lda, b, ldb);
}
template <>
void trsm<cdouble>(char side, char uplo, char trans, char diag, std::int64_t m, std::int64_t n, cdouble alpha,
                   const cdouble* a, std::int64_t lda, cdouble* b, std::int64_t ldb) {
  if (m == 0 || n == 0) return;
  scipy_cblas_ztrsm(PYCAUSET_TRSM_ARGS, &alpha, a, lda, b, ldb);
}
#undef PYCAUSET_TRSM_ARGS

// syevd/heevd: a workspace query first, then the call (the workspace is O(n^2), counted by the caller
// through heevd_work_bytes before it commits to the direct path).
#define PYCAUSET_SYEVD(T, R, fn)                                                              \
  int heevd(char uplo, int n, T* a, int lda, R* w) {                                          \
    char jobz = 'V';                                                                          \
    int info = 0, lwork = -1, liwork = -1, iquery = 0;                                        \
    T query{};                                                                                \
    fn(&jobz, &uplo, &n, a, &lda, w, &query, &lwork, &iquery, &liwork, &info);                \
    lwork = std::max(1, static_cast<int>(query));                                             \
    liwork = std::max(1, iquery);                                                             \
    std::vector<T> work(lwork);                                                               \
    std::vector<int> iwork(liwork);                                                           \
    fn(&jobz, &uplo, &n, a, &lda, w, work.data(), &lwork, iwork.data(), &liwork, &info);      \
    return info;                                                                              \
  }
PYCAUSET_SYEVD(float, float, scipy_ssyevd_)
PYCAUSET_SYEVD(double, double, scipy_dsyevd_)
#undef PYCAUSET_SYEVD

#define PYCAUSET_HEEVD(T, R, fn)                                                                              \
  int heevd(char uplo, int n, T* a, int lda, R* w) {                                                          \
    char jobz = 'V';                                                                                          \
    int info = 0, lwork = -1, lrwork = -1, liwork = -1, iquery = 0;                                           \
    T query{};                                                                                                \
    R rquery{};                                                                                               \
    fn(&jobz, &uplo, &n, a, &lda, w, &query, &lwork, &rquery, &lrwork, &iquery, &liwork, &info);              \
    lwork = std::max(1, static_cast<int>(query.real()));                                                      \
    lrwork = std::max(1, static_cast<int>(rquery));                                                           \
    liwork = std::max(1, iquery);                                                                             \
    std::vector<T> work(lwork);                                                                               \
    std::vector<R> rwork(lrwork);                                                                             \
    std::vector<int> iwork(liwork);                                                                           \
    fn(&jobz, &uplo, &n, a, &lda, w, work.data(), &lwork, rwork.data(), &lrwork, iwork.data(), &liwork,       \
       &info);                                                                                                \
    return info;                                                                                              \
  }
PYCAUSET_HEEVD(cfloat, float, scipy_cheevd_)
PYCAUSET_HEEVD(cdouble, double, scipy_zheevd_)
#undef PYCAUSET_HEEVD

// LAPACK's documented minimum workspaces for jobz = 'V' (work + rwork + iwork).
template <>
std::uint64_t heevd_work_bytes<float>(int n) {
  std::uint64_t k = n;
  return (1 + 6 * k + 2 * k * k) * 4 + (3 + 5 * k) * 4;
}
template <>
std::uint64_t heevd_work_bytes<double>(int n) {
  std::uint64_t k = n;
  return (1 + 6 * k + 2 * k * k) * 8 + (3 + 5 * k) * 4;
}
template <>
std::uint64_t heevd_work_bytes<cfloat>(int n) {
  std::uint64_t k = n;
  return (2 * k + k * k) * 8 + (1 + 5 * k + 2 * k * k) * 4 + (3 + 5 * k) * 4;
}
template <>
std::uint64_t heevd_work_bytes<cdouble>(int n) {
  std::uint64_t k = n;
  return (2 * k + k * k) * 16 + (1 + 5 * k + 2 * k * k) * 8 + (3 + 5 * k) * 4;
}

}  // namespace pycauset::lapack
