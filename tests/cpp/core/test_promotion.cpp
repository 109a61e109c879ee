// Unit tests of core/dtype/promotion.cpp: NumPy's result types for array pairs and Python scalars.
#include "core/dtype/dtype.hpp"

#include "test_support.hpp"

using namespace pycauset;
using D = DType;

namespace {

// In enum order. The expected tables below were produced by NumPy 2 (np.result_type(a, b), and
// (np.zeros(1, a) + scalar).dtype for the Python scalars True, 1, 1.0, 1j under NEP 50).
const D kAll[kNumDTypes] = {D::Bool, D::Int8, D::Int16, D::Int32, D::Int64, D::UInt8, D::UInt16,
                            D::UInt32, D::UInt64, D::Float32, D::Float64, D::Complex64, D::Complex128};
const char* const kNames[kNumDTypes] = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
                                        "uint32", "uint64", "float32", "float64", "complex64", "complex128"};

const D kNumpyResultType[kNumDTypes][kNumDTypes] = {
    {D::Bool, D::Int8, D::Int16, D::Int32, D::Int64, D::UInt8, D::UInt16, D::UInt32, D::UInt64, D::Float32, D::Float64, D::Complex64, D::Complex128},
    {D::Int8, D::Int8, D::Int16, D::Int32, D::Int64, D::Int16, D::Int32, D::Int64, D::Float64, D::Float32, D::Float64, D::Complex64, D::Complex128},
    {D::Int16, D::Int16, D::Int16, D::Int32, D::Int64, D::Int16, D::Int32, D::Int64, D::Float64, D::Float32, D::Float64, D::Complex64, D::Complex128},
    {D::Int32, D::Int32, D::Int32, D::Int32, D::Int64, D::Int32, D::Int32, D::Int64, D::Float64, D::Float64, D::Float64, D::Complex128, D::Complex128},
    {D::Int64, D::Int64, D::Int64, D::Int64, D::Int64, D::Int64, D::Int64, D::Int64, D::Float64, D::Float64, D::Float64, D::Complex128, D::Complex128},
    {D::UInt8, D::Int16, D::Int16, D::Int32, D::Int64, D::UInt8, D::UInt16, D::UInt32, D::UInt64, D::Float32, D::Float64, D::Complex64, D::Complex128},
    {D::UInt16, D::Int32, D::Int32, D::Int32, D::Int64, D::UInt16, D::UInt16, D::UInt32, D::UInt64, D::Float32, D::Float64, D::Complex64, D::Complex128},
    {D::UInt32, D::Int64, D::Int64, D::Int64, D::Int64, D::UInt32, D::UInt32, D::UInt32, D::UInt64, D::Float64, D::Float64, D::Complex128, D::Complex128},
    {D::UInt64, D::Float64, D::Float64, D::Float64, D::Float64, D::UInt64, D::UInt64, D::UInt64, D::UInt64, D::Float64, D::Float64, D::Complex128, D::Complex128},
    {D::Float32, D::Float32, D::Float32, D::Float64, D::Float64, D::Float32, D::Float32, D::Float64, D::Float64, D::Float32, D::Float64, D::Complex64, D::Complex128},
    {D::Float64, D::Float64, D::Float64, D::Float64, D::Float64, D::Float64, D::Float64, D::Float64, D::Float64, D::Float64, D::Float64, D::Complex128, D::Complex128},
    {D::Complex64, D::Complex64, D::Complex64, D::Complex128, D::Complex128, D::Complex64, D::Complex64, D::Complex128, D::Complex128, D::Complex64, D::Complex128, D::Complex64, D::Complex128},
    {D::Complex128, D::Complex128, D::Complex128, D::Complex128, D::Complex128, D::Complex128, D::Complex128, D::Complex128, D::Complex128, D::Complex128, D::Complex128, D::Complex128, D::Complex128},
};

const D kNumpyScalarResult[kNumDTypes][4] = {
    {D::Bool, D::Int64, D::Float64, D::Complex128},
    {D::Int8, D::Int8, D::Float64, D::Complex128},
    {D::Int16, D::Int16, D::Float64, D::Complex128},
    {D::Int32, D::Int32, D::Float64, D::Complex128},
    {D::Int64, D::Int64, D::Float64, D::Complex128},
    {D::UInt8, D::UInt8, D::Float64, D::Complex128},
    {D::UInt16, D::UInt16, D::Float64, D::Complex128},
    {D::UInt32, D::UInt32, D::Float64, D::Complex128},
    {D::UInt64, D::UInt64, D::Float64, D::Complex128},
    {D::Float32, D::Float32, D::Float32, D::Complex64},
    {D::Float64, D::Float64, D::Float64, D::Complex128},
    {D::Complex64, D::Complex64, D::Complex64, D::Complex64},
    {D::Complex128, D::Complex128, D::Complex128, D::Complex128},
};

}  // namespace

TEST_CASE(promote_types_matches_numpy_for_every_pair) {
  for (int i = 0; i < kNumDTypes; ++i) {
    for (int j = 0; j < kNumDTypes; ++j) {
      D got = promote_types(kAll[i], kAll[j]);
      if (got != kNumpyResultType[i][j]) {
        test_support::report_failure(__FILE__, __LINE__, std::string("promote_types(") + kNames[i] + ", " + kNames[j] +
                                                             ") = " + dtype_name(got) + ", NumPy says " +
                                                             dtype_name(kNumpyResultType[i][j]));
      }
    }
  }
}

TEST_CASE(promote_with_scalar_follows_nep50) {
  const char kinds[4] = {'b', 'i', 'f', 'c'};
  for (int i = 0; i < kNumDTypes; ++i) {
    for (int k = 0; k < 4; ++k) {
      D got = promote_with_scalar(kAll[i], kinds[k]);
      if (got != kNumpyScalarResult[i][k]) {
        test_support::report_failure(__FILE__, __LINE__, std::string("promote_with_scalar(") + kNames[i] + ", '" +
                                                             kinds[k] + "') = " + dtype_name(got) + ", NumPy says " +
                                                             dtype_name(kNumpyScalarResult[i][k]));
      }
    }
  }
  CHECK_THROWS_AS(promote_with_scalar(D::Float64, 'x'), TypeError, { CHECK(contains(error.what(), "'x'")); });
}
