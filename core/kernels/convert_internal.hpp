// Element conversion with NumPy's unsafe-cast semantics, shared by copy, fill and the evaluators.
#pragma once

#include <complex>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "core/dtype/dtype.hpp"

namespace pycauset {
namespace detail {

/// \brief Convert one value from S to D the way NumPy's astype does (tile types: bool is uint8 0/1).
template <class D, class S>
inline D convert_value(const S& s) {
  constexpr bool kToBool = std::is_same_v<D, bool>;
  if constexpr (kToBool) {
    return s != S{};
  } else if constexpr (is_complex<D>::value) {
    if constexpr (is_complex<S>::value) {
      return D(static_cast<typename D::value_type>(s.real()), static_cast<typename D::value_type>(s.imag()));
    } else {
      return D(static_cast<typename D::value_type>(s), 0);
    }
  } else if constexpr (is_complex<S>::value) {
    return static_cast<D>(s.real());
  } else {
    return static_cast<D>(s);
  }
}

/// \brief Reverse the byte order of a value (each component separately for complex).
template <class T>
inline T byteswap_value(T v) {
  if constexpr (is_complex<T>::value) {
    return T(byteswap_value(v.real()), byteswap_value(v.imag()));
  } else {
    unsigned char bytes[sizeof(T)];
    std::memcpy(bytes, &v, sizeof(T));
    for (std::size_t i = 0; i < sizeof(T) / 2; ++i) std::swap(bytes[i], bytes[sizeof(T) - 1 - i]);
    std::memcpy(&v, bytes, sizeof(T));
    return v;
  }
}

}  // namespace detail
}  // namespace pycauset
