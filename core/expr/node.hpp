// Expression nodes: an immutable tree of elementwise operations over arrays and scalars (data, not code).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "core/array.hpp"
#include "core/kernels/elementwise.hpp"

namespace pycauset::expr {

using kernels::ElementwiseOp;

class Node;
using NodePtr = std::shared_ptr<const Node>;

/// \brief One node of a lazy elementwise expression: an array leaf, a scalar leaf, or an operation.
///
/// Nodes are immutable and shared; a leaf owns its array handle (a shared buffer), so an expression
/// outlives the Python objects it was built from. Every node has its full broadcast shape in the
/// canonical 2-D form (a vector is 1 x n with ndim 1); an array leaf holds a view already broadcast
/// to that shape (zero strides along broadcast axes). Scalars have no shape and broadcast anywhere.
/// Thread-safety: immutable after construction; safe to share between threads.
class Node {
 public:
  enum class Kind : std::uint8_t { Array, Scalar, Operation };

  /// \brief Make a leaf over an array view (shares its buffer).
  static NodePtr leaf(const Array& array);

  /// \brief Make a scalar leaf of `dtype` whose value is the raw element bytes `bytes` (itemsize long;
  ///        bool: one byte 0/1).
  static NodePtr scalar(DType dtype, const void* bytes);

  /// \brief Make `op(a)`; throws TypeError where NumPy has no loop (e.g. negative of bool).
  static NodePtr unary(ElementwiseOp op, const NodePtr& a);

  /// \brief Make `op(a, b)`, broadcasting NumPy-style; throws ValueError naming both shapes when they
  ///        do not broadcast, TypeError where NumPy has no loop.
  static NodePtr binary(ElementwiseOp op, const NodePtr& a, const NodePtr& b);

  /// \brief Make an explicit conversion of `a` to `dtype` (used by in-place assignment).
  static NodePtr cast(const NodePtr& a, DType dtype);

  Kind kind() const noexcept { return kind_; }
  ElementwiseOp op() const noexcept { return op_; }
  bool is_cast() const noexcept { return is_cast_; }
  /// \brief Return the dtype of the node's values.
  DType dtype() const noexcept { return dtype_; }
  /// \brief Return the dtype the operation computes in (its operands are converted to it).
  DType compute_dtype() const noexcept { return compute_; }
  int ndim() const noexcept { return ndim_; }  ///< 0 for scalars
  std::int64_t rows() const noexcept { return rows_; }
  std::int64_t cols() const noexcept { return cols_; }
  const Array& array() const noexcept { return array_; }
  const std::array<unsigned char, 16>& scalar_bytes() const noexcept { return scalar_; }
  const std::vector<NodePtr>& children() const noexcept { return children_; }

  /// \brief Return the same tree with every array leaf replaced by `f(leaf array)`; the new views must
  ///        all have one common shape (given as ndim, rows, cols), which becomes the tree's shape.
  NodePtr map_leaves(const std::function<Array(const Array&)>& f, int ndim, std::int64_t rows,
                     std::int64_t cols) const;

  /// \brief Return the tree broadcast to (ndim, rows, cols) (leaves get zero-stride views).
  NodePtr broadcast_to(int ndim, std::int64_t rows, std::int64_t cols) const;

  /// \brief Return the expression's transpose (leaves transposed; vectors unchanged).
  NodePtr transposed() const;

  /// \brief Return the basic slice of the expression (same arguments as Array::sliced).
  NodePtr sliced(std::int64_t r0, std::int64_t rcount, std::int64_t rstep, std::int64_t c0, std::int64_t ccount,
                 std::int64_t cstep) const;

  /// \brief Return the main diagonal as a vector expression (matrices only).
  NodePtr diagonal() const;

  /// \brief Visit every array leaf (depth first, left to right).
  void for_each_leaf(const std::function<void(const Array&)>& f) const;

  Node() = default;

 private:
  Kind kind_ = Kind::Scalar;
  ElementwiseOp op_ = ElementwiseOp::Positive;
  bool is_cast_ = false;
  DType dtype_ = DType::Float64;
  DType compute_ = DType::Float64;
  int ndim_ = 0;
  std::int64_t rows_ = 1, cols_ = 1;
  Array array_;
  std::array<unsigned char, 16> scalar_{};
  std::vector<NodePtr> children_;
};

/// \brief Return the NumPy broadcast of two shapes in canonical 2-D form, or throw ValueError.
std::array<std::int64_t, 3> broadcast_shapes(int ndim_a, std::int64_t rows_a, std::int64_t cols_a, int ndim_b,
                                             std::int64_t rows_b, std::int64_t cols_b);

}  // namespace pycauset::expr
