// Unit tests of core/dtype/dtype.cpp: names, sizes, kinds and the dtype visit.
#include "core/dtype/dtype.hpp"

#include "test_support.hpp"

using namespace pycauset;
using D = DType;

namespace {

// Every dtype, in enum order, with its NumPy name.
const D kAll[kNumDTypes] = {D::Bool, D::Int8, D::Int16, D::Int32, D::Int64, D::UInt8, D::UInt16,
                            D::UInt32, D::UInt64, D::Float32, D::Float64, D::Complex64, D::Complex128};
const char* const kNames[kNumDTypes] = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
                                        "uint32", "uint64", "float32", "float64", "complex64", "complex128"};

}  // namespace

TEST_CASE(names_round_trip_and_unknown_names_list_the_supported_ones) {
  for (int i = 0; i < kNumDTypes; ++i) {
    CHECK_EQ(std::string(dtype_name(kAll[i])), std::string(kNames[i]));
    CHECK(dtype_from_name(kNames[i]) == kAll[i]);
  }
  for (const char* bad : {"float16", "object", "str", "", "Float64"}) {
    CHECK_THROWS_AS(dtype_from_name(bad), TypeError, {
      CHECK(contains(error.what(), std::string("'") + bad + "'"));
      CHECK(contains(error.what(), "complex128"));
    });
  }
  CHECK_EQ(supported_dtype_names(), std::string("bool, int8, int16, int32, int64, uint8, uint16, uint32, uint64, "
                                                "float32, float64, complex64, complex128"));
}

TEST_CASE(sizes_and_storage) {
  const int sizes[kNumDTypes] = {1, 1, 2, 4, 8, 1, 2, 4, 8, 4, 8, 8, 16};
  for (int i = 0; i < kNumDTypes; ++i) {
    CHECK_EQ(itemsize(kAll[i]), sizes[i]);
    CHECK_EQ(storage_bits(kAll[i]), i == 0 ? 1 : 8 * sizes[i]);
    CHECK_EQ(storage_bytes(kAll[i], 10), i == 0 ? 2u : 10u * sizes[i]);
    visit_dtype(kAll[i], [&](auto tag) {
      using T = typename decltype(tag)::type;
      CHECK(dtype_traits<T>::id == kAll[i]);
      CHECK_EQ(static_cast<int>(sizeof(tile_t<T>)), sizes[i]);
    });
  }
  CHECK_EQ(storage_bytes(D::Bool, 0), 0u);
  CHECK_EQ(storage_bytes(D::Bool, 8), 1u);
  CHECK_EQ(storage_bytes(D::Bool, 9), 2u);
  CHECK_EQ(storage_bytes(D::Float64, 0), 0u);
}

TEST_CASE(kinds) {
  for (int i = 0; i < kNumDTypes; ++i) {
    D d = kAll[i];
    CHECK_EQ(is_signed_integer_dtype(d), i >= 1 && i <= 4);
    CHECK_EQ(is_integer_dtype(d), i >= 1 && i <= 8);
    CHECK_EQ(is_float_dtype(d), i == 9 || i == 10);
    CHECK_EQ(is_complex_dtype(d), i >= 11);
  }
}

