// Scalar bodies of the elementwise functors and the NumPy-style conversions between element types.
#pragma once

#include <cmath>
#include <complex>
#include <cstdint>
#include <type_traits>

#include "core/dtype/dtype.hpp"

namespace pycauset::kernels::detail {

template <class T>
constexpr bool is_bool_v = std::is_same_v<T, bit_t>;

/// \brief Convert one element of dtype type From (stored as tile_t<From>) to To (stored as tile_t<To>).
template <class To, class From>
inline tile_t<To> convert(tile_t<From> x) {
  if constexpr (is_bool_v<To>) {
    return static_cast<std::uint8_t>(x != tile_t<From>{});
  } else if constexpr (is_complex<To>::value) {
    using R = typename To::value_type;
    if constexpr (is_complex<From>::value) {
      return To(static_cast<R>(x.real()), static_cast<R>(x.imag()));
    } else {
      return To(static_cast<R>(x), R{});
    }
  } else if constexpr (is_complex<From>::value) {
    return static_cast<To>(x.real());  // NumPy's ComplexWarning cast: drop the imaginary part
  } else {
    return static_cast<To>(x);
  }
}

/// \brief The unsigned type integer arithmetic wraps in (avoids signed-overflow UB; promotes small
///        types to unsigned int so that uint16 * uint16 cannot overflow a signed int).
template <class T>
using wrap_t = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;

template <class T>
inline T wrap_add(T a, T b) { return static_cast<T>(static_cast<wrap_t<T>>(a) + static_cast<wrap_t<T>>(b)); }
template <class T>
inline T wrap_sub(T a, T b) { return static_cast<T>(static_cast<wrap_t<T>>(a) - static_cast<wrap_t<T>>(b)); }
template <class T>
inline T wrap_mul(T a, T b) { return static_cast<T>(static_cast<wrap_t<T>>(a) * static_cast<wrap_t<T>>(b)); }
template <class T>
inline T wrap_neg(T a) { return static_cast<T>(wrap_t<T>{0} - static_cast<wrap_t<T>>(a)); }

/// \brief Integer power by repeated squaring, wrapping like NumPy (exponent >= 0 checked by the caller).
template <class T>
inline T int_power(T base, T exponent) {
  wrap_t<T> result = 1, b = static_cast<wrap_t<T>>(base);
  auto e = static_cast<std::make_unsigned_t<T>>(exponent);
  while (e != 0) {
    if (e & 1u) result = static_cast<wrap_t<T>>(static_cast<T>(result * b));
    b = static_cast<wrap_t<T>>(static_cast<T>(b * b));
    e >>= 1;
  }
  return static_cast<T>(result);
}

/// \brief NumPy's ordering of complex numbers: lexicographic on (real, imag).
template <class C>
inline bool complex_less(const C& a, const C& b) {
  return a.real() < b.real() || (a.real() == b.real() && a.imag() < b.imag());
}

}  // namespace pycauset::kernels::detail
