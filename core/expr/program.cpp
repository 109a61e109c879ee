// Compiling an expression tree into a Program: post-order steps, conversions made explicit.
#include "core/expr/program.hpp"

#include <map>
#include <tuple>
#include <utility>

namespace pycauset::expr {

namespace {

class Compiler {
 public:
  explicit Compiler(Program& p) : p_(p) {}

  /// Return the register holding `node` converted to `want`.
  int emit(const NodePtr& node, DType want) {
    auto key = std::make_pair(node.get(), want);
    auto found = memo_.find(key);
    if (found != memo_.end()) return found->second;
    int reg = emit_uncached(node, want);
    memo_[key] = reg;
    return reg;
  }

 private:
  int emit_uncached(const NodePtr& node, DType want) {
    switch (node->kind()) {
      case Node::Kind::Scalar: {
        Constant c;
        c.reg = p_.registers++;
        c.dtype = want;
        c.fill = kernels::cast_kernel(node->dtype(), want);
        c.bytes = node->scalar_bytes();
        p_.constants.push_back(c);
        return c.reg;
      }
      case Node::Kind::Array: {
        // The same view twice (A * A, or A in two places) is one leaf: loaded, and read from a file, once.
        const Array& a = node->array();
        const LeafKey key{a.buffer().get(), a.dtype(), a.offset(), a.row_stride(), a.col_stride(), a.rows(), a.cols(), want};
        if (auto same = leaves_.find(key); same != leaves_.end()) return same->second;
        Step s;
        s.kind = Step::Kind::LoadLeaf;
        s.out = p_.registers++;
        s.leaf = static_cast<int>(p_.leaves.size());
        s.dtype = want;
        s.cast = kernels::cast_kernel(node->dtype(), want);
        p_.leaves.push_back(node->array());
        p_.steps.push_back(s);
        leaves_[key] = s.out;
        return s.out;
      }
      case Node::Kind::Operation:
        break;
    }
    if (node->is_cast()) {
      int inner = emit(node->children()[0], node->dtype());
      return convert(inner, node->dtype(), want);
    }
    const DType compute = node->compute_dtype();
    Step s;
    s.kind = Step::Kind::Operation;
    s.a = emit(node->children()[0], compute);
    s.b = node->children().size() > 1 ? emit(node->children()[1], compute) : s.a;
    s.out = p_.registers++;
    s.dtype = node->dtype();
    s.op = kernels::op_kernel(node->op(), compute);
    p_.steps.push_back(s);
    return convert(s.out, node->dtype(), want);
  }

  int convert(int reg, DType have, DType want) {
    if (have == want) return reg;
    Step s;
    s.kind = Step::Kind::Cast;
    s.a = reg;
    s.out = p_.registers++;
    s.dtype = want;
    s.cast = kernels::cast_kernel(have, want);
    p_.steps.push_back(s);
    return s.out;
  }

  /// A leaf's view (buffer, dtype, offset, strides, shape) and the dtype it is loaded as.
  using LeafKey = std::tuple<const Buffer*, DType, std::int64_t, std::int64_t, std::int64_t, std::int64_t,
                             std::int64_t, DType>;

  Program& p_;
  std::map<std::pair<const Node*, DType>, int> memo_;
  std::map<LeafKey, int> leaves_;
};

}  // namespace

Program compile(const NodePtr& root, DType want, bool output) {
  if (root->kind() == Node::Kind::Scalar) throw ValueError("an expression needs at least one array operand");
  Program p;
  p.ndim = root->ndim();
  p.rows = root->rows();
  p.cols = root->cols();
  p.result_dtype = want;
  Compiler compiler(p);
  p.result = compiler.emit(root, want);
  if (output) {
    // Redirect the last step into the output when it produced the result; else copy it there.
    if (!p.steps.empty() && p.steps.back().out == p.result && p.steps.back().kind != Step::Kind::LoadLeaf) {
      p.steps.back().out = kOutputRegister;
    } else {
      Step s;
      s.kind = Step::Kind::Cast;
      s.a = p.result;
      s.out = kOutputRegister;
      s.dtype = want;
      s.cast = kernels::cast_kernel(want, want);
      p.steps.push_back(s);
    }
    p.result = kOutputRegister;
  }
  return p;
}

}  // namespace pycauset::expr
