// Lazy expressions: building and evaluating fused elementwise trees, reductions.
#include <pybind11/pybind11.h>

#include <map>
#include <string>

#include "bindings/bindings.hpp"
#include "bindings/progress.hpp"
#include "core/expr/evaluate.hpp"
#include "core/expr/node.hpp"
#include "core/kernels/reduce.hpp"

namespace py = pybind11;

namespace pycauset::bindings {
namespace {

using expr::Node;
using expr::NodePtr;
using kernels::ElementwiseOp;
using kernels::ReduceOp;

/// The Python handle of an expression tree (shared, immutable).
struct Expr {
  NodePtr node;
};

ElementwiseOp parse_op(const std::string& name) {
  static const std::map<std::string, ElementwiseOp> ops = {
      {"add", ElementwiseOp::Add}, {"subtract", ElementwiseOp::Subtract}, {"multiply", ElementwiseOp::Multiply},
      {"true_divide", ElementwiseOp::Divide}, {"power", ElementwiseOp::Power},
      {"negative", ElementwiseOp::Negative}, {"positive", ElementwiseOp::Positive},
      {"absolute", ElementwiseOp::Absolute}, {"sqrt", ElementwiseOp::Sqrt}, {"exp", ElementwiseOp::Exp},
      {"log", ElementwiseOp::Log}, {"sin", ElementwiseOp::Sin}, {"cos", ElementwiseOp::Cos},
      {"equal", ElementwiseOp::Equal}, {"not_equal", ElementwiseOp::NotEqual}, {"less", ElementwiseOp::Less},
      {"less_equal", ElementwiseOp::LessEqual}, {"greater", ElementwiseOp::Greater},
      {"greater_equal", ElementwiseOp::GreaterEqual}, {"bitwise_and", ElementwiseOp::BitwiseAnd},
      {"bitwise_or", ElementwiseOp::BitwiseOr}, {"bitwise_xor", ElementwiseOp::BitwiseXor},
      {"invert", ElementwiseOp::Invert}, {"maximum", ElementwiseOp::Maximum}, {"minimum", ElementwiseOp::Minimum},
      {"floor_divide", ElementwiseOp::FloorDivide}, {"remainder", ElementwiseOp::Remainder},
      {"isnan", ElementwiseOp::IsNan}, {"isinf", ElementwiseOp::IsInf}, {"isfinite", ElementwiseOp::IsFinite},
  };
  auto found = ops.find(name);
  if (found == ops.end()) throw ValueError("unknown elementwise operation '" + name + "'");
  return found->second;
}

ReduceOp parse_reduction(const std::string& name) {
  static const std::map<std::string, ReduceOp> ops = {
      {"sum", ReduceOp::Sum}, {"mean", ReduceOp::Mean}, {"min", ReduceOp::Min},
      {"max", ReduceOp::Max}, {"norm", ReduceOp::Norm},
  };
  auto found = ops.find(name);
  if (found == ops.end()) throw ValueError("unknown reduction '" + name + "'");
  return found->second;
}

/// Run a reduction without the GIL; a scalar comes back as (dtype name, bytes), an axis as an Array.
py::object reduce(const Expr& e, const std::string& name, int axis) {
  const ReduceOp op = parse_reduction(name);
  if (axis < 0) {
    kernels::ScalarValue value;
    {
      py::gil_scoped_release release;
      value = kernels::reduce_all(e.node, op);
    }
    return py::make_tuple(std::string(dtype_name(value.dtype)),
                          py::bytes(reinterpret_cast<const char*>(value.bytes.data()),
                                    static_cast<std::size_t>(itemsize(value.dtype))));
  }
  Array out;
  {
    py::gil_scoped_release release;
    out = kernels::reduce_axis(e.node, op, axis);
  }
  return py::cast(out);
}

}  // namespace

void register_expressions(py::module_& m) {
  py::class_<Expr>(m, "Expr", "A lazy elementwise expression tree (immutable; owns its operands).")
      .def_property_readonly("dtype_name", [](const Expr& e) { return std::string(dtype_name(e.node->dtype())); })
      .def_property_readonly("ndim", [](const Expr& e) { return e.node->ndim(); })
      .def_property_readonly("_rows", [](const Expr& e) { return e.node->rows(); })
      .def_property_readonly("_cols", [](const Expr& e) { return e.node->cols(); })
      .def_property_readonly("_leaf_count", [](const Expr& e) {
        int n = 0;
        e.node->for_each_leaf([&](const Array&) { ++n; });
        return n;
      })
      .def("_transposed", [](const Expr& e) { return Expr{e.node->transposed()}; })
      .def("_sliced", [](const Expr& e, std::int64_t r0, std::int64_t rn, std::int64_t rs, std::int64_t c0,
                         std::int64_t cn, std::int64_t cs) { return Expr{e.node->sliced(r0, rn, rs, c0, cn, cs)}; })
      .def("_row", [](const Expr& e, std::int64_t i) {
        return Expr{e.node->map_leaves([&](const Array& a) { return a.row(i); }, 1, 1, e.node->cols())};
      })
      .def("_column", [](const Expr& e, std::int64_t j) {
        return Expr{e.node->map_leaves([&](const Array& a) { return a.column(j); }, 1, 1, e.node->rows())};
      })
      .def("_diagonal", [](const Expr& e) { return Expr{e.node->diagonal()}; })
      .def("_uses_buffer_of", [](const Expr& e, const Array& a) {
        bool found = false;
        e.node->for_each_leaf([&](const Array& leaf) { found = found || leaf.buffer() == a.buffer(); });
        return found;
      })
      .def("_eval", [](const Expr& e, const py::object& progress) {
        const ProgressFn report = python_progress(progress);
        py::gil_scoped_release release;
        return expr::evaluate(e.node, report);
      }, py::arg("progress") = py::none(),
         "Evaluate into a new array placed by the memory governor (one fused pass, GIL released); "
         "progress(done_bytes, total_bytes) of the result.")
      .def("_assign_to", [](const Expr& e, const Array& dst, const py::object& progress) {
        const ProgressFn report = python_progress(progress);
        py::gil_scoped_release release;
        expr::assign(e.node, dst, report);
      }, py::arg("dst"), py::arg("progress") = py::none(),
         "Write the expression into dst in place (converting; aliasing handled; copy-on-write first).")
      .def("_reduce", &reduce, py::arg("name"), py::arg("axis") = -1,
           "Reduce (sum/mean/min/max/norm) over all elements (axis=-1) or along axis 0/1.");

  m.def("expr_leaf", [](const Array& a) { return Expr{Node::leaf(a)}; }, "An expression leaf over an array view.");
  m.def("expr_scalar", [](const std::string& dtype, py::bytes raw) {
    const DType d = dtype_from_name(dtype);
    std::string bytes = raw;
    if (static_cast<int>(bytes.size()) != itemsize(d)) {
      throw ValueError("scalar bytes: expected " + std::to_string(itemsize(d)) + " for " + dtype + ", got " +
                       std::to_string(bytes.size()));
    }
    return Expr{Node::scalar(d, bytes.data())};
  }, "A scalar leaf of `dtype` from its raw element bytes.");
  m.def("expr_unary", [](const std::string& op, const Expr& a) { return Expr{Node::unary(parse_op(op), a.node)}; });
  m.def("expr_binary", [](const std::string& op, const Expr& a, const Expr& b) {
    return Expr{Node::binary(parse_op(op), a.node, b.node)};
  });
  m.def("expr_cast", [](const Expr& a, const std::string& dtype) {
    return Expr{Node::cast(a.node, dtype_from_name(dtype))};
  });
}

}  // namespace pycauset::bindings
