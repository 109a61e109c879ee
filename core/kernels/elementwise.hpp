// Elementwise kernels: one typed contiguous loop per (operation, dtype) and per (source, target) cast.
#pragma once

#include <cstdint>

#include "core/dtype/dtype.hpp"

namespace pycauset::kernels {

/// \brief The elementwise operations of expressions (the op tag of a node).
enum class ElementwiseOp : std::uint8_t {
  Add, Subtract, Multiply, Divide,        // binary arithmetic
  Power,                                  // binary; the exponent is a scalar in practice
  Negative, Positive, Absolute,           // unary
  Sqrt, Exp, Log, Sin, Cos,               // unary floating-point functions
  Equal, NotEqual, Less, LessEqual, Greater, GreaterEqual,  // comparisons (result bool)
  BitwiseAnd, BitwiseOr, BitwiseXor,      // binary, bool and integer dtypes only
  Invert,                                 // unary: ~ (logical not for bool)
  Maximum, Minimum,                       // binary, NaN-propagating
  FloorDivide, Remainder,                 // binary: // and % with Python's (floor) semantics
  IsNan, IsInf, IsFinite,                 // unary, result bool
};

/// \brief Return true for operations taking two operands.
bool is_binary(ElementwiseOp op) noexcept;

/// \brief Return the NumPy ufunc name of an operation ("add", "sqrt", ...).
const char* op_name(ElementwiseOp op) noexcept;

/// \brief Return the dtype in which an operation computes, given its operand dtype(s), as NumPy's
///        ufunc type resolution does; throws TypeError for combinations NumPy rejects.
///
/// `b` is ignored for unary operations. Where NumPy would pick float16 (sqrt of int8), pycauset,
/// which has no float16, picks float32.
DType compute_dtype(ElementwiseOp op, DType a, DType b);

/// \brief Return the dtype of the result of `op` computed in `compute` (bool for comparisons, the
///        real type for abs of complex, else `compute`).
DType result_dtype(ElementwiseOp op, DType compute) noexcept;

/// \brief out[k] = op(a[k], b[k]) for k < n, all contiguous; operands in `compute`, out in result_dtype.
///
/// `b` is unused by unary operations. Bool elements are bytes holding 0 or 1 (tile_t<bit_t>).
/// Loops are plain contiguous loops the compiler vectorises; no call per element.
using OpKernel = void (*)(const void* a, const void* b, void* out, std::int64_t n);

/// \brief Return the kernel of `op` computing in `compute`.
OpKernel op_kernel(ElementwiseOp op, DType compute);

/// \brief dst[k] = convert(src[k * stride]) for k < n (stride in elements; 0 broadcasts one value).
///
/// Conversions follow C/NumPy unsafe casting: complex -> real drops the imaginary part, nonzero ->
/// true for bool. Bool elements are unpacked bytes (0/1).
using CastKernel = void (*)(const void* src, std::int64_t stride, void* dst, std::int64_t n);

/// \brief Return the cast kernel from `src` to `dst` element type.
CastKernel cast_kernel(DType src, DType dst);

}  // namespace pycauset::kernels
