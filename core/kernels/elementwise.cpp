// Elementwise kernels: the dtype rules of each operation and one contiguous loop per (op, dtype).
#include "core/kernels/elementwise.hpp"

#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "core/kernels/elementwise_internal.hpp"
#include "core/kernels/elementwise_simd.hpp"

namespace pycauset::kernels {

using detail::convert;
using detail::is_bool_v;

bool is_binary(ElementwiseOp op) noexcept {
  switch (op) {
    case ElementwiseOp::Negative: case ElementwiseOp::Positive: case ElementwiseOp::Absolute:
    case ElementwiseOp::Sqrt: case ElementwiseOp::Exp: case ElementwiseOp::Log:
    case ElementwiseOp::Sin: case ElementwiseOp::Cos: case ElementwiseOp::Invert:
    case ElementwiseOp::IsNan: case ElementwiseOp::IsInf: case ElementwiseOp::IsFinite:
      return false;
    default:
      return true;
  }
}

const char* op_name(ElementwiseOp op) noexcept {
  switch (op) {
    case ElementwiseOp::Add: return "add";
    case ElementwiseOp::Subtract: return "subtract";
    case ElementwiseOp::Multiply: return "multiply";
    case ElementwiseOp::Divide: return "true_divide";
    case ElementwiseOp::Power: return "power";
    case ElementwiseOp::Negative: return "negative";
    case ElementwiseOp::Positive: return "positive";
    case ElementwiseOp::Absolute: return "absolute";
    case ElementwiseOp::Sqrt: return "sqrt";
    case ElementwiseOp::Exp: return "exp";
    case ElementwiseOp::Log: return "log";
    case ElementwiseOp::Sin: return "sin";
    case ElementwiseOp::Cos: return "cos";
    case ElementwiseOp::Equal: return "equal";
    case ElementwiseOp::NotEqual: return "not_equal";
    case ElementwiseOp::Less: return "less";
    case ElementwiseOp::LessEqual: return "less_equal";
    case ElementwiseOp::Greater: return "greater";
    case ElementwiseOp::GreaterEqual: return "greater_equal";
    case ElementwiseOp::BitwiseAnd: return "bitwise_and";
    case ElementwiseOp::BitwiseOr: return "bitwise_or";
    case ElementwiseOp::BitwiseXor: return "bitwise_xor";
    case ElementwiseOp::Invert: return "invert";
    case ElementwiseOp::Maximum: return "maximum";
    case ElementwiseOp::Minimum: return "minimum";
    case ElementwiseOp::FloorDivide: return "floor_divide";
    case ElementwiseOp::Remainder: return "remainder";
    case ElementwiseOp::IsNan: return "isnan";
    case ElementwiseOp::IsInf: return "isinf";
    case ElementwiseOp::IsFinite: return "isfinite";
  }
  return "?";
}

namespace {

/// The smallest float NumPy's transcendental loops accept for an input dtype (float16 -> float32).
DType float_for(DType a) {
  switch (a) {
    case DType::Bool: case DType::Int8: case DType::UInt8: case DType::Int16: case DType::UInt16:
      return DType::Float32;
    case DType::Int32: case DType::Int64: case DType::UInt32: case DType::UInt64:
      return DType::Float64;
    default:
      return a;
  }
}

[[noreturn]] void no_loop(ElementwiseOp op, DType a, const std::string& hint) {
  throw TypeError(std::string("numpy ufunc '") + op_name(op) + "' is not supported for dtype " + dtype_name(a) +
                  hint);
}

}  // namespace

DType compute_dtype(ElementwiseOp op, DType a, DType b) {
  switch (op) {
    case ElementwiseOp::Add: case ElementwiseOp::Multiply:
      return promote_types(a, b);
    case ElementwiseOp::Subtract: {
      DType p = promote_types(a, b);
      if (p == DType::Bool) no_loop(op, p, " (as in NumPy, use logical_xor on NumPy arrays instead)");
      return p;
    }
    case ElementwiseOp::Divide: {
      DType p = promote_types(a, b);
      return (p == DType::Bool || is_integer_dtype(p)) ? DType::Float64 : p;
    }
    case ElementwiseOp::Power: {
      DType p = promote_types(a, b);
      return p == DType::Bool ? DType::Int8 : p;  // NumPy: power(bool, bool) computes in int8
    }
    case ElementwiseOp::Negative: case ElementwiseOp::Positive:
      if (a == DType::Bool) no_loop(op, a, " (as in NumPy; use logical_not on NumPy arrays instead)");
      return a;
    case ElementwiseOp::Absolute:
      return a;
    case ElementwiseOp::Sqrt: case ElementwiseOp::Exp: case ElementwiseOp::Log:
    case ElementwiseOp::Sin: case ElementwiseOp::Cos:
      return float_for(a);
    case ElementwiseOp::BitwiseAnd: case ElementwiseOp::BitwiseOr: case ElementwiseOp::BitwiseXor: {
      const DType p = promote_types(a, b);
      if (p != DType::Bool && !is_integer_dtype(p)) {
        throw TypeError(std::string("ufunc '") + op_name(op) + "' not supported for the input types " + dtype_name(a) +
                        " and " + dtype_name(b) + " (as in NumPy: bitwise operations take bool and integer dtypes)");
      }
      return p;
    }
    case ElementwiseOp::Maximum: case ElementwiseOp::Minimum:
      return promote_types(a, b);
    case ElementwiseOp::FloorDivide: case ElementwiseOp::Remainder: {
      const DType p = promote_types(a, b);
      if (is_complex_dtype(p)) no_loop(op, p, " (as in NumPy: complex numbers have no floor division)");
      return p == DType::Bool ? DType::Int8 : p;  // NumPy: floor_divide(bool, bool) computes in int8
    }
    case ElementwiseOp::IsNan: case ElementwiseOp::IsInf: case ElementwiseOp::IsFinite:
      return a;
    case ElementwiseOp::Invert:
      if (a != DType::Bool && !is_integer_dtype(a)) {
        throw TypeError(std::string("ufunc 'invert' not supported for the input type ") + dtype_name(a) +
                        " (as in NumPy: ~ takes bool and integer dtypes)");
      }
      return a;
    default:  // comparisons
      return promote_types(a, b);
  }
}

DType result_dtype(ElementwiseOp op, DType compute) noexcept {
  switch (op) {
    case ElementwiseOp::Equal: case ElementwiseOp::NotEqual: case ElementwiseOp::Less:
    case ElementwiseOp::LessEqual: case ElementwiseOp::Greater: case ElementwiseOp::GreaterEqual:
    case ElementwiseOp::IsNan: case ElementwiseOp::IsInf: case ElementwiseOp::IsFinite:
      return DType::Bool;
    case ElementwiseOp::Absolute:
      return real_dtype(compute);
    default:
      return compute;
  }
}

namespace {

// One functor per operation: `apply` is the scalar body; the loop below is the only loop.
template <ElementwiseOp Op, class D>
struct Functor;

template <class D>
struct Functor<ElementwiseOp::Add, D> {
  using T = tile_t<D>;
  static T apply(T a, T b) {
    if constexpr (is_bool_v<D>) return a | b;
    else if constexpr (std::is_integral_v<T>) return detail::wrap_add(a, b);
    else return a + b;
  }
};
template <class D>
struct Functor<ElementwiseOp::Subtract, D> {
  using T = tile_t<D>;
  static T apply(T a, T b) {
    if constexpr (std::is_integral_v<T>) return detail::wrap_sub(a, b);
    else return a - b;
  }
};
template <class D>
struct Functor<ElementwiseOp::Multiply, D> {
  using T = tile_t<D>;
  static T apply(T a, T b) {
    if constexpr (is_bool_v<D>) return a & b;
    else if constexpr (std::is_integral_v<T>) return detail::wrap_mul(a, b);
    else return a * b;
  }
};
template <class D>
struct Functor<ElementwiseOp::Divide, D> {
  using T = tile_t<D>;
  static T apply(T a, T b) { return a / b; }  // only instantiated for float/complex compute types
};
template <class D>
struct Functor<ElementwiseOp::Power, D> {
  using T = tile_t<D>;
  static T apply(T a, T b) {
    if constexpr (std::is_integral_v<T>) return detail::int_power(a, b);
    else return std::pow(a, b);
  }
};
template <class D>
struct Functor<ElementwiseOp::Negative, D> {
  using T = tile_t<D>;
  static T apply(T a, T) {
    if constexpr (std::is_integral_v<T>) return detail::wrap_neg(a);
    else return -a;
  }
};
template <class D>
struct Functor<ElementwiseOp::Positive, D> {
  using T = tile_t<D>;
  static T apply(T a, T) { return a; }
};

#define PYCAUSET_FLOAT_FUNCTOR(OP, FN)              \
  template <class D>                                \
  struct Functor<ElementwiseOp::OP, D> {            \
    using T = tile_t<D>;                            \
    static T apply(T a, T) { return std::FN(a); }   \
  };
PYCAUSET_FLOAT_FUNCTOR(Sqrt, sqrt)
PYCAUSET_FLOAT_FUNCTOR(Exp, exp)
PYCAUSET_FLOAT_FUNCTOR(Log, log)
PYCAUSET_FLOAT_FUNCTOR(Sin, sin)
PYCAUSET_FLOAT_FUNCTOR(Cos, cos)
#undef PYCAUSET_FLOAT_FUNCTOR

#define PYCAUSET_BITWISE_FUNCTOR(OP, EXPR)        \
  template <class D>                              \
  struct Functor<ElementwiseOp::OP, D> {          \
    using T = tile_t<D>;                          \
    static T apply(T a, T b) { return static_cast<T>(EXPR); } \
  };
PYCAUSET_BITWISE_FUNCTOR(BitwiseAnd, a & b)
PYCAUSET_BITWISE_FUNCTOR(BitwiseOr, a | b)
PYCAUSET_BITWISE_FUNCTOR(BitwiseXor, a ^ b)
#undef PYCAUSET_BITWISE_FUNCTOR

template <class D>
struct Functor<ElementwiseOp::Invert, D> {
  using T = tile_t<D>;
  // Bool tiles hold bytes 0/1: ~ is logical not there, as NumPy's invert of bool.
  static T apply(T a, T) {
    if constexpr (is_bool_v<D>) return static_cast<T>(a ^ 1u);
    else return static_cast<T>(~a);
  }
};

template <class T>
bool less(T a, T b) {
  if constexpr (is_complex<T>::value) return detail::complex_less(a, b);
  else return a < b;
}

template <class T>
bool is_inf(T a) {
  if constexpr (is_complex<T>::value) return std::isinf(a.real()) || std::isinf(a.imag());
  else if constexpr (std::is_floating_point_v<T>) return std::isinf(a);
  else return false;
}

template <class T>
bool is_nan(T a) {
  if constexpr (is_complex<T>::value) return std::isnan(a.real()) || std::isnan(a.imag());
  else if constexpr (std::is_floating_point_v<T>) return std::isnan(a);
  else return false;
}

// maximum/minimum as NumPy's: a NaN in either operand is the result (the first one if both are NaN).
template <class D>
struct Functor<ElementwiseOp::Maximum, D> {
  using T = tile_t<D>;
  static T apply(T a, T b) { return is_nan(a) ? a : is_nan(b) ? b : (less(a, b) ? b : a); }
};
template <class D>
struct Functor<ElementwiseOp::Minimum, D> {
  using T = tile_t<D>;
  static T apply(T a, T b) { return is_nan(a) ? a : is_nan(b) ? b : (less(b, a) ? b : a); }
};

/// NumPy's divmod of floats (npy_divmod): the floor quotient and the remainder with the divisor's sign.
template <class T>
std::pair<T, T> float_divmod(T a, T b) {
  T mod = std::fmod(a, b);
  if (b == T(0)) return {a / b, mod};  // inf or nan, as NumPy (which also warns)
  T div = (a - mod) / b;
  if (mod != T(0)) {
    if ((b < 0) != (mod < 0)) {
      mod += b;
      div -= T(1);
    }
  } else {
    mod = std::copysign(T(0), b);
  }
  T floordiv;
  if (div != T(0)) {
    floordiv = std::floor(div);
    if (div - floordiv > T(0.5)) floordiv += T(1);
  } else {
    floordiv = std::copysign(T(0), a / b);
  }
  return {floordiv, mod};
}

template <class D>
struct Functor<ElementwiseOp::FloorDivide, D> {
  using T = tile_t<D>;
  static T apply(T a, T b) {
    if constexpr (std::is_floating_point_v<T>) {
      return float_divmod(a, b).first;
    } else {
      // Integers: Python's floor division; a zero divisor gives 0, as NumPy (after its warning).
      if (b == T(0)) return T(0);
      if constexpr (std::is_signed_v<T>) {
        if (a == std::numeric_limits<T>::min() && b == T(-1)) return a;  // wraps in NumPy too
        T q = static_cast<T>(a / b);
        if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
        return q;
      } else {
        return static_cast<T>(a / b);
      }
    }
  }
};
template <class D>
struct Functor<ElementwiseOp::Remainder, D> {
  using T = tile_t<D>;
  static T apply(T a, T b) {
    if constexpr (std::is_floating_point_v<T>) {
      return float_divmod(a, b).second;
    } else {
      if (b == T(0)) return T(0);
      if constexpr (std::is_signed_v<T>) {
        if (b == T(-1)) return T(0);
        T r = static_cast<T>(a % b);
        if (r != 0 && ((r < 0) != (b < 0))) r = static_cast<T>(r + b);
        return r;
      } else {
        return static_cast<T>(a % b);
      }
    }
  }
};

#define PYCAUSET_CLASSIFY_FUNCTOR(OP, EXPR)                                 \
  template <class D>                                                        \
  struct Functor<ElementwiseOp::OP, D> {                                    \
    using T = tile_t<D>;                                                    \
    static std::uint8_t apply(T a, T) { return static_cast<std::uint8_t>(EXPR); } \
  };
PYCAUSET_CLASSIFY_FUNCTOR(IsNan, is_nan(a))
PYCAUSET_CLASSIFY_FUNCTOR(IsInf, is_inf(a))
PYCAUSET_CLASSIFY_FUNCTOR(IsFinite, !is_nan(a) && !is_inf(a))
#undef PYCAUSET_CLASSIFY_FUNCTOR

#define PYCAUSET_COMPARE_FUNCTOR(OP, EXPR)                                         \
  template <class D>                                                               \
  struct Functor<ElementwiseOp::OP, D> {                                           \
    using T = tile_t<D>;                                                           \
    static std::uint8_t apply(T a, T b) { return static_cast<std::uint8_t>(EXPR); } \
  };
PYCAUSET_COMPARE_FUNCTOR(Equal, a == b)
PYCAUSET_COMPARE_FUNCTOR(NotEqual, a != b)
PYCAUSET_COMPARE_FUNCTOR(Less, less(a, b))
PYCAUSET_COMPARE_FUNCTOR(LessEqual, less(a, b) || a == b)
PYCAUSET_COMPARE_FUNCTOR(Greater, less(b, a))
PYCAUSET_COMPARE_FUNCTOR(GreaterEqual, less(b, a) || a == b)
#undef PYCAUSET_COMPARE_FUNCTOR

/// The one loop: contiguous, no calls per element (the functor inlines), vectorised by the compiler.
template <ElementwiseOp Op, class D>
void binary_loop(const void* a_, const void* b_, void* out_, std::int64_t n) {
  using T = tile_t<D>;
  using Out = decltype(Functor<Op, D>::apply(T{}, T{}));
  const T* a = static_cast<const T*>(a_);
  const T* b = static_cast<const T*>(b_);
  Out* out = static_cast<Out*>(out_);
  for (std::int64_t k = 0; k < n; ++k) out[k] = Functor<Op, D>::apply(a[k], b[k]);
}

template <ElementwiseOp Op, class D>
void unary_loop(const void* a_, const void*, void* out_, std::int64_t n) {
  using T = tile_t<D>;
  const T* a = static_cast<const T*>(a_);
  T* out = static_cast<T*>(out_);
  for (std::int64_t k = 0; k < n; ++k) out[k] = Functor<Op, D>::apply(a[k], T{});
}

/// isnan / isinf / isfinite: one operand, a bool (byte 0/1) result.
template <ElementwiseOp Op, class D>
void classify_loop(const void* a_, const void*, void* out_, std::int64_t n) {
  using T = tile_t<D>;
  const T* a = static_cast<const T*>(a_);
  std::uint8_t* out = static_cast<std::uint8_t*>(out_);
  for (std::int64_t k = 0; k < n; ++k) out[k] = Functor<Op, D>::apply(a[k], T{});
}

/// abs: integers wrap (abs(-128) == -128 in int8), complex -> magnitude in the real type.
template <class D>
void absolute_loop(const void* a_, const void*, void* out_, std::int64_t n) {
  using T = tile_t<D>;
  const T* a = static_cast<const T*>(a_);
  if constexpr (is_complex<T>::value) {
    using R = typename T::value_type;
    R* out = static_cast<R*>(out_);
    for (std::int64_t k = 0; k < n; ++k) out[k] = std::hypot(a[k].real(), a[k].imag());
  } else {
    T* out = static_cast<T*>(out_);
    if constexpr (is_bool_v<D> || std::is_unsigned_v<T>) {
      for (std::int64_t k = 0; k < n; ++k) out[k] = a[k];
    } else if constexpr (std::is_integral_v<T>) {
      for (std::int64_t k = 0; k < n; ++k) out[k] = a[k] < 0 ? detail::wrap_neg(a[k]) : a[k];
    } else {
      for (std::int64_t k = 0; k < n; ++k) out[k] = std::fabs(a[k]);
    }
  }
}

template <class D>
OpKernel kernel_for(ElementwiseOp op) {
  using T = tile_t<D>;
  constexpr bool is_float = std::is_floating_point_v<T> || is_complex<T>::value;
  switch (op) {
    case ElementwiseOp::Add: return binary_loop<ElementwiseOp::Add, D>;
    case ElementwiseOp::Multiply: return binary_loop<ElementwiseOp::Multiply, D>;
    case ElementwiseOp::Equal: return binary_loop<ElementwiseOp::Equal, D>;
    case ElementwiseOp::NotEqual: return binary_loop<ElementwiseOp::NotEqual, D>;
    case ElementwiseOp::Less: return binary_loop<ElementwiseOp::Less, D>;
    case ElementwiseOp::LessEqual: return binary_loop<ElementwiseOp::LessEqual, D>;
    case ElementwiseOp::Greater: return binary_loop<ElementwiseOp::Greater, D>;
    case ElementwiseOp::GreaterEqual: return binary_loop<ElementwiseOp::GreaterEqual, D>;
    case ElementwiseOp::Absolute: return absolute_loop<D>;
    case ElementwiseOp::Maximum: return binary_loop<ElementwiseOp::Maximum, D>;
    case ElementwiseOp::Minimum: return binary_loop<ElementwiseOp::Minimum, D>;
    case ElementwiseOp::IsNan: return classify_loop<ElementwiseOp::IsNan, D>;
    case ElementwiseOp::IsInf: return classify_loop<ElementwiseOp::IsInf, D>;
    case ElementwiseOp::IsFinite: return classify_loop<ElementwiseOp::IsFinite, D>;
    default: break;
  }
  if constexpr (!is_bool_v<D> && !is_complex<T>::value) {
    switch (op) {
      case ElementwiseOp::FloorDivide: return binary_loop<ElementwiseOp::FloorDivide, D>;
      case ElementwiseOp::Remainder: return binary_loop<ElementwiseOp::Remainder, D>;
      default: break;
    }
  }
  if constexpr (!is_bool_v<D>) {
    switch (op) {
      case ElementwiseOp::Subtract: return binary_loop<ElementwiseOp::Subtract, D>;
      case ElementwiseOp::Power: return binary_loop<ElementwiseOp::Power, D>;
      case ElementwiseOp::Negative: return unary_loop<ElementwiseOp::Negative, D>;
      case ElementwiseOp::Positive: return unary_loop<ElementwiseOp::Positive, D>;
      default: break;
    }
  }
  if constexpr (is_bool_v<D> || std::is_integral_v<T>) {
    switch (op) {
      case ElementwiseOp::BitwiseAnd: return binary_loop<ElementwiseOp::BitwiseAnd, D>;
      case ElementwiseOp::BitwiseOr: return binary_loop<ElementwiseOp::BitwiseOr, D>;
      case ElementwiseOp::BitwiseXor: return binary_loop<ElementwiseOp::BitwiseXor, D>;
      case ElementwiseOp::Invert: return unary_loop<ElementwiseOp::Invert, D>;
      default: break;
    }
  }
  if constexpr (is_float) {
    switch (op) {
      case ElementwiseOp::Divide: return binary_loop<ElementwiseOp::Divide, D>;
      case ElementwiseOp::Sqrt: return unary_loop<ElementwiseOp::Sqrt, D>;
      case ElementwiseOp::Exp: return unary_loop<ElementwiseOp::Exp, D>;
      case ElementwiseOp::Log: return unary_loop<ElementwiseOp::Log, D>;
      case ElementwiseOp::Sin: return unary_loop<ElementwiseOp::Sin, D>;
      case ElementwiseOp::Cos: return unary_loop<ElementwiseOp::Cos, D>;
      default: break;
    }
  }
  throw NotImplemented(std::string("no elementwise kernel for '") + op_name(op) + "' computing in " +
                       dtype_name(dtype_traits<D>::id));
}

template <class To, class From>
void cast_loop(const void* src_, std::int64_t stride, void* dst_, std::int64_t n) {
  const tile_t<From>* src = static_cast<const tile_t<From>*>(src_);
  tile_t<To>* dst = static_cast<tile_t<To>*>(dst_);
  if (stride == 1) {
    for (std::int64_t k = 0; k < n; ++k) dst[k] = convert<To, From>(src[k]);
  } else if (stride == 0) {
    const tile_t<To> value = convert<To, From>(src[0]);
    for (std::int64_t k = 0; k < n; ++k) dst[k] = value;
  } else {
    for (std::int64_t k = 0; k < n; ++k) dst[k] = convert<To, From>(src[k * stride]);
  }
}

}  // namespace

OpKernel op_kernel(ElementwiseOp op, DType compute) {
  // Wider vectors where the CPU has them (float arithmetic, sqrt, abs, comparisons); else the loops above.
  const SimdLevel level = simd_level();
  if (level == SimdLevel::Avx512) {
    if (OpKernel wide = simd_avx512::op_kernel(op, compute)) return wide;
  } else if (level == SimdLevel::Avx2) {
    if (OpKernel wide = simd_avx2::op_kernel(op, compute)) return wide;
  }
  return visit_dtype(compute, [&](auto tag) -> OpKernel {
    using D = typename decltype(tag)::type;
    return kernel_for<D>(op);
  });
}

CastKernel cast_kernel(DType src, DType dst) {
  return visit_dtype(src, [&](auto from_tag) -> CastKernel {
    using From = typename decltype(from_tag)::type;
    return visit_dtype(dst, [&](auto to_tag) -> CastKernel {
      using To = typename decltype(to_tag)::type;
      return cast_loop<To, From>;
    });
  });
}

}  // namespace pycauset::kernels
