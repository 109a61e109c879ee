// The one list of supported element types, their traits, and the visit that turns a runtime id into a type.
#pragma once

#include <complex>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>

#include "storage/errors.hpp"

namespace pycauset {

/// \brief A bit-packed boolean element; tiles unpack it to one byte (0 or 1) per element.
struct bit_t {
  std::uint8_t value;
};

// X-macro: (enum name, C++ element type, NumPy name). Adding a dtype means adding one line here.
#define PYCAUSET_FOR_EACH_DTYPE(X)          \
  X(Bool, bit_t, "bool")                    \
  X(Int8, std::int8_t, "int8")              \
  X(Int16, std::int16_t, "int16")           \
  X(Int32, std::int32_t, "int32")           \
  X(Int64, std::int64_t, "int64")           \
  X(UInt8, std::uint8_t, "uint8")           \
  X(UInt16, std::uint16_t, "uint16")        \
  X(UInt32, std::uint32_t, "uint32")        \
  X(UInt64, std::uint64_t, "uint64")        \
  X(Float32, float, "float32")              \
  X(Float64, double, "float64")             \
  X(Complex64, std::complex<float>, "complex64") \
  X(Complex128, std::complex<double>, "complex128")

/// \brief Runtime element-type id.
enum class DType : std::uint8_t {
#define PYCAUSET_ENUM(name, type, text) name,
  PYCAUSET_FOR_EACH_DTYPE(PYCAUSET_ENUM)
#undef PYCAUSET_ENUM
};

constexpr int kNumDTypes = 13;

/// \brief Compile-time facts about one element type.
template <class T>
struct dtype_traits;

#define PYCAUSET_TRAITS(name, type, text)                                          \
  template <>                                                                      \
  struct dtype_traits<type> {                                                      \
    static constexpr DType id = DType::name;                                       \
    static constexpr const char* name_str = text;                                  \
  };
PYCAUSET_FOR_EACH_DTYPE(PYCAUSET_TRAITS)
#undef PYCAUSET_TRAITS

template <class T>
struct is_complex : std::false_type {};
template <class R>
struct is_complex<std::complex<R>> : std::true_type {};

/// \brief The real type under T (float for std::complex<float>, T itself for real types).
template <class T>
struct real_of {
  using type = T;
};
template <class R>
struct real_of<std::complex<R>> {
  using type = R;
};
template <class T>
using real_t = typename real_of<T>::type;

/// \brief The type a tile holds for T: bits unpack to uint8 (0/1), everything else is itself.
template <class T>
using tile_t = std::conditional_t<std::is_same_v<T, bit_t>, std::uint8_t, T>;

/// \brief Map a dtype id to its C++ type: `visit_dtype(id, [](auto tag) { using T = typename decltype(tag)::type; })`.
template <class T>
struct type_tag {
  using type = T;
};

template <class F>
decltype(auto) visit_dtype(DType id, F&& f) {
  switch (id) {
#define PYCAUSET_CASE(name, type, text) \
  case DType::name:                     \
    return std::forward<F>(f)(type_tag<type>{});
    PYCAUSET_FOR_EACH_DTYPE(PYCAUSET_CASE)
#undef PYCAUSET_CASE
  }
  throw TypeError("unknown dtype id");
}

/// \brief Return the NumPy name of a dtype ("float64").
const char* dtype_name(DType id) noexcept;

/// \brief Parse a NumPy dtype name; throws TypeError naming the supported list.
DType dtype_from_name(const std::string& name);

/// \brief Return the comma-separated list of supported dtype names (for error messages).
std::string supported_dtype_names();

/// \brief Return the bytes per element as NumPy reports them (bool: 1).
int itemsize(DType id) noexcept;

/// \brief Return the bits per stored element (bool: 1, others 8 * itemsize).
int storage_bits(DType id) noexcept;

/// \brief Return the stored bytes for `count` elements (bool packs 8 per byte, rounded up).
std::uint64_t storage_bytes(DType id, std::uint64_t count) noexcept;

/// \brief Return the stored bytes of a rows x cols array, checking the sizes first.
///
/// Every allocation and every file reader calls this before trusting a shape: NumPy's nbytes
/// (rows * cols * itemsize, bool counting one byte per element) must fit in int64, as in NumPy,
/// or the products wrap around modulo 2^64 and a huge shape looks tiny. Throws ValueError.
std::uint64_t checked_storage_bytes(DType id, std::uint64_t rows, std::uint64_t cols);

/// \brief As checked_storage_bytes, for readers with their own message: return false when too big.
bool try_storage_bytes(DType id, std::uint64_t rows, std::uint64_t cols, std::uint64_t* bytes) noexcept;

bool is_complex_dtype(DType id) noexcept;
bool is_float_dtype(DType id) noexcept;    ///< float32/float64
bool is_integer_dtype(DType id) noexcept;  ///< signed or unsigned integers (not bool)
bool is_signed_integer_dtype(DType id) noexcept;

/// \brief Return the real dtype under a complex one (complex64 -> float32); other dtypes map to themselves.
DType real_dtype(DType id) noexcept;

/// \brief Return the NumPy result type of combining two arrays of these dtypes (np.result_type).
DType promote_types(DType a, DType b);

/// \brief Return the smallest dtype of the same kind holding a Python scalar of kind `scalar_kind`
///        ('b' bool, 'i' int, 'f' float, 'c' complex) combined with an array of `array_dtype` (NEP 50).
DType promote_with_scalar(DType array_dtype, char scalar_kind);

}  // namespace pycauset
