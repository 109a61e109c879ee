// NumPy's type promotion for the supported dtypes, derived from kinds and sizes rather than tabulated.
#include "core/dtype/dtype.hpp"

namespace pycauset {
namespace {

enum Kind { kBool = 0, kUnsigned = 1, kSigned = 2, kFloat = 3, kComplex = 4 };

Kind kind_of(DType d) {
  if (d == DType::Bool) return kBool;
  if (is_signed_integer_dtype(d)) return kSigned;
  if (is_integer_dtype(d)) return kUnsigned;
  if (is_float_dtype(d)) return kFloat;
  return kComplex;
}

DType signed_of_bytes(int bytes) {
  switch (bytes) {
    case 1: return DType::Int8;
    case 2: return DType::Int16;
    case 4: return DType::Int32;
    default: return DType::Int64;
  }
}

/// Bytes of the float needed to hold every value of an integer of `bytes` bytes exactly enough for NumPy:
/// int8/16 fit float32 (NumPy: int16 + float32 -> float32); int32/64 need float64.
int float_bytes_for_integer(int bytes) { return bytes <= 2 ? 4 : 8; }

DType float_of_bytes(int bytes) { return bytes <= 4 ? DType::Float32 : DType::Float64; }
DType complex_of_float_bytes(int bytes) { return bytes <= 4 ? DType::Complex64 : DType::Complex128; }

/// Precision in bytes of the real part of a float or complex dtype.
int real_bytes(DType d) { return d == DType::Complex64 ? 4 : d == DType::Complex128 ? 8 : itemsize(d); }

}  // namespace

DType promote_types(DType a, DType b) {
  Kind ka = kind_of(a), kb = kind_of(b);
  if (ka > kb || (ka == kb && itemsize(a) < itemsize(b))) {
    std::swap(a, b);
    std::swap(ka, kb);
  }
  // Now kind(a) <= kind(b).
  if (a == b) return a;
  if (ka == kBool) return b;
  if (ka == kb) return itemsize(a) >= itemsize(b) ? a : b;
  if (ka == kUnsigned && kb == kSigned) {
    // The signed type must be strictly wider than the unsigned one; uint64 has no such partner.
    if (itemsize(b) > itemsize(a)) return b;
    if (itemsize(a) >= 8) return DType::Float64;
    return signed_of_bytes(itemsize(a) * 2);
  }
  if (kb == kFloat) {  // integer with float
    int need = float_bytes_for_integer(itemsize(a));
    return float_of_bytes(std::max(need, itemsize(b)));
  }
  // kb == kComplex: a is an integer or a float.
  int need = ka == kFloat ? real_bytes(a) : float_bytes_for_integer(itemsize(a));
  return complex_of_float_bytes(std::max(need, real_bytes(b)));
}

DType promote_with_scalar(DType array_dtype, char scalar_kind) {
  // NEP 50: a Python scalar is "weak": it only raises the kind, never the precision within a kind.
  Kind k = kind_of(array_dtype);
  switch (scalar_kind) {
    case 'b':
      return array_dtype;
    case 'i':
      return k == kBool ? DType::Int64 : array_dtype;
    case 'f':
      if (k == kFloat || k == kComplex) return array_dtype;
      return DType::Float64;
    case 'c':
      if (k == kComplex) return array_dtype;
      if (k == kFloat) return complex_of_float_bytes(itemsize(array_dtype));
      return DType::Complex128;
    default:
      throw TypeError(std::string("unsupported scalar kind '") + scalar_kind + "'");
  }
}

}  // namespace pycauset
