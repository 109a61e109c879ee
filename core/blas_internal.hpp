// Declarations of the OpenBLAS / LAPACK entry points pycauset calls (scipy-openblas32 symbol prefix).
#pragma once

#include <complex>

#include <cblas.h>  // scipy-openblas32: scipy_cblas_* names, CBLAS enums

extern "C" {
// LAPACK (Fortran interface, 32-bit integers).
void scipy_sgetrf_(const int* m, const int* n, float* a, const int* lda, int* ipiv, int* info);
void scipy_dgetrf_(const int* m, const int* n, double* a, const int* lda, int* ipiv, int* info);
void scipy_cgetrf_(const int* m, const int* n, std::complex<float>* a, const int* lda, int* ipiv, int* info);
void scipy_zgetrf_(const int* m, const int* n, std::complex<double>* a, const int* lda, int* ipiv, int* info);
void scipy_sgetri_(const int* n, float* a, const int* lda, const int* ipiv, float* work, const int* lwork, int* info);
void scipy_dgetri_(const int* n, double* a, const int* lda, const int* ipiv, double* work, const int* lwork, int* info);
void scipy_cgetri_(const int* n, std::complex<float>* a, const int* lda, const int* ipiv, std::complex<float>* work,
                   const int* lwork, int* info);
void scipy_zgetri_(const int* n, std::complex<double>* a, const int* lda, const int* ipiv, std::complex<double>* work,
                   const int* lwork, int* info);
void scipy_sgetrs_(const char* trans, const int* n, const int* nrhs, const float* a, const int* lda, const int* ipiv,
                   float* b, const int* ldb, int* info);
void scipy_dgetrs_(const char* trans, const int* n, const int* nrhs, const double* a, const int* lda, const int* ipiv,
                   double* b, const int* ldb, int* info);
void scipy_cgetrs_(const char* trans, const int* n, const int* nrhs, const std::complex<float>* a, const int* lda,
                   const int* ipiv, std::complex<float>* b, const int* ldb, int* info);
void scipy_zgetrs_(const char* trans, const int* n, const int* nrhs, const std::complex<double>* a, const int* lda,
                   const int* ipiv, std::complex<double>* b, const int* ldb, int* info);
void scipy_ssyevd_(const char* jobz, const char* uplo, const int* n, float* a, const int* lda, float* w, float* work,
                   const int* lwork, int* iwork, const int* liwork, int* info);
void scipy_dsyevd_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w,
                   double* work, const int* lwork, int* iwork, const int* liwork, int* info);
void scipy_cheevd_(const char* jobz, const char* uplo, const int* n, std::complex<float>* a, const int* lda, float* w,
                   std::complex<float>* work, const int* lwork, float* rwork, const int* lrwork, int* iwork,
                   const int* liwork, int* info);
void scipy_zheevd_(const char* jobz, const char* uplo, const int* n, std::complex<double>* a, const int* lda,
                   double* w, std::complex<double>* work, const int* lwork, double* rwork, const int* lrwork,
                   int* iwork, const int* liwork, int* info);
}
