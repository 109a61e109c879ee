// Expression nodes: construction with NumPy dtype and broadcasting rules, and structural rewrites.
#include "core/expr/node.hpp"

#include <algorithm>
#include <cstring>
#include <string>

namespace pycauset::expr {

namespace {

std::string shape_text(int ndim, std::int64_t rows, std::int64_t cols) {
  if (ndim == 0) return "()";
  if (ndim == 1) return "(" + std::to_string(cols) + ",)";
  return "(" + std::to_string(rows) + "," + std::to_string(cols) + ")";
}

/// A view of `a` broadcast to rows x cols: axes of length 1 get stride 0.
Array broadcast_view(const Array& a, int ndim, std::int64_t rows, std::int64_t cols) {
  if (a.ndim() == ndim && a.rows() == rows && a.cols() == cols) return a;
  std::int64_t rs = (a.rows() == 1 && rows != 1) ? 0 : a.row_stride();
  std::int64_t cs = (a.cols() == 1 && cols != 1) ? 0 : a.col_stride();
  return Array(a.buffer(), a.dtype(), ndim, rows, cols, a.offset(), rs, cs);
}

}  // namespace

std::array<std::int64_t, 3> broadcast_shapes(int ndim_a, std::int64_t rows_a, std::int64_t cols_a, int ndim_b,
                                             std::int64_t rows_b, std::int64_t cols_b) {
  if (ndim_a == 0) return {ndim_b, rows_b, cols_b};
  if (ndim_b == 0) return {ndim_a, rows_a, cols_a};
  auto axis = [&](std::int64_t x, std::int64_t y) -> std::int64_t {
    if (x == y || y == 1) return x;
    if (x == 1) return y;
    throw ValueError("operands could not be broadcast together with shapes " + shape_text(ndim_a, rows_a, cols_a) +
                     " " + shape_text(ndim_b, rows_b, cols_b));
  };
  std::int64_t cols = axis(cols_a, cols_b);
  std::int64_t rows = axis(rows_a, rows_b);
  return {std::max(ndim_a, ndim_b), rows, cols};
}

NodePtr Node::leaf(const Array& array) {
  auto n = std::make_shared<Node>();
  n->kind_ = Kind::Array;
  n->dtype_ = n->compute_ = array.dtype();
  n->ndim_ = array.ndim();
  n->rows_ = array.rows();
  n->cols_ = array.cols();
  n->array_ = array;
  return n;
}

NodePtr Node::scalar(DType dtype, const void* bytes) {
  auto n = std::make_shared<Node>();
  n->kind_ = Kind::Scalar;
  n->dtype_ = n->compute_ = dtype;
  std::memcpy(n->scalar_.data(), bytes, static_cast<std::size_t>(itemsize(dtype)));
  return n;
}

NodePtr Node::unary(ElementwiseOp op, const NodePtr& a) {
  if (kernels::is_binary(op)) throw ValueError(std::string("'") + kernels::op_name(op) + "' takes two operands");
  auto n = std::make_shared<Node>();
  n->kind_ = Kind::Operation;
  n->op_ = op;
  n->compute_ = kernels::compute_dtype(op, a->dtype(), a->dtype());
  n->dtype_ = kernels::result_dtype(op, n->compute_);
  n->ndim_ = a->ndim_;
  n->rows_ = a->rows_;
  n->cols_ = a->cols_;
  n->children_ = {a};
  return n;
}

NodePtr Node::binary(ElementwiseOp op, const NodePtr& a, const NodePtr& b) {
  if (!kernels::is_binary(op)) throw ValueError(std::string("'") + kernels::op_name(op) + "' takes one operand");
  auto shape = broadcast_shapes(a->ndim_, a->rows_, a->cols_, b->ndim_, b->rows_, b->cols_);
  auto n = std::make_shared<Node>();
  n->kind_ = Kind::Operation;
  n->op_ = op;
  n->compute_ = kernels::compute_dtype(op, a->dtype(), b->dtype());
  n->dtype_ = kernels::result_dtype(op, n->compute_);
  n->ndim_ = static_cast<int>(shape[0]);
  n->rows_ = shape[1];
  n->cols_ = shape[2];
  n->children_ = {a->broadcast_to(n->ndim_, n->rows_, n->cols_), b->broadcast_to(n->ndim_, n->rows_, n->cols_)};
  return n;
}

NodePtr Node::cast(const NodePtr& a, DType dtype) {
  if (a->dtype() == dtype) return a;
  auto n = std::make_shared<Node>();
  n->kind_ = Kind::Operation;
  n->op_ = ElementwiseOp::Positive;
  n->is_cast_ = true;
  n->compute_ = n->dtype_ = dtype;
  n->ndim_ = a->ndim_;
  n->rows_ = a->rows_;
  n->cols_ = a->cols_;
  n->children_ = {a};
  return n;
}

NodePtr Node::map_leaves(const std::function<Array(const Array&)>& f, int ndim, std::int64_t rows,
                         std::int64_t cols) const {
  if (kind_ == Kind::Scalar) return std::make_shared<Node>(*this);
  auto n = std::make_shared<Node>(*this);
  n->ndim_ = ndim;
  n->rows_ = rows;
  n->cols_ = cols;
  if (kind_ == Kind::Array) {
    n->array_ = f(array_);
    return n;
  }
  for (auto& child : n->children_) child = child->map_leaves(f, ndim, rows, cols);
  return n;
}

NodePtr Node::broadcast_to(int ndim, std::int64_t rows, std::int64_t cols) const {
  if (kind_ == Kind::Scalar || (ndim_ == ndim && rows_ == rows && cols_ == cols)) {
    return kind_ == Kind::Scalar ? std::make_shared<Node>(*this) : map_leaves([](const Array& a) { return a; }, ndim, rows, cols);
  }
  return map_leaves([&](const Array& a) { return broadcast_view(a, ndim, rows, cols); }, ndim, rows, cols);
}

NodePtr Node::transposed() const {
  if (ndim_ != 2) return map_leaves([](const Array& a) { return a; }, ndim_, rows_, cols_);
  return map_leaves([](const Array& a) { return a.transposed(); }, 2, cols_, rows_);
}

NodePtr Node::sliced(std::int64_t r0, std::int64_t rcount, std::int64_t rstep, std::int64_t c0, std::int64_t ccount,
                     std::int64_t cstep) const {
  return map_leaves([&](const Array& a) { return a.sliced(r0, rcount, rstep, c0, ccount, cstep); }, ndim_, rcount,
                    ccount);
}

NodePtr Node::diagonal() const {
  if (ndim_ != 2) throw ValueError("the diagonal (trace) needs a 2-D matrix, got a 1-D vector");
  const std::int64_t n = std::min(rows_, cols_);
  return map_leaves(
      [&](const Array& a) {
        return Array(a.buffer(), a.dtype(), 1, 1, n, a.offset(), 0, a.row_stride() + a.col_stride());
      },
      1, 1, n);
}

void Node::for_each_leaf(const std::function<void(const Array&)>& f) const {
  if (kind_ == Kind::Array) f(array_);
  for (const auto& child : children_) child->for_each_leaf(f);
}

}  // namespace pycauset::expr
