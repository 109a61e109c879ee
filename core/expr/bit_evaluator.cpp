// The packed-word evaluator: a bool expression compiled to a postfix list of word operations.
#include "core/expr/bit_evaluator.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <vector>

#include "core/bits/bands.hpp"
#include "core/bits/bit_words.hpp"
#include "core/bits/word_rows.hpp"
#include "storage/errors.hpp"

namespace pycauset::expr {
namespace {

using kernels::ElementwiseOp;

bool is_word_op(ElementwiseOp op) {
  switch (op) {
    case ElementwiseOp::BitwiseAnd: case ElementwiseOp::BitwiseOr: case ElementwiseOp::BitwiseXor:
    case ElementwiseOp::Invert: case ElementwiseOp::Equal: case ElementwiseOp::NotEqual:
      return true;
    default:
      return false;
  }
}

/// One instruction: `slot = op(slot a, slot b)`, or a leaf load / constant into `slot`.
struct Step {
  enum class Kind { Leaf, Constant, Op } kind = Kind::Op;
  ElementwiseOp op = ElementwiseOp::BitwiseAnd;
  int a = -1, b = -1;
  std::size_t leaf = 0;     // index into the leaves (Leaf)
  std::uint64_t word = 0;   // all ones or zeros (Constant)
};

struct Program {
  std::vector<Step> steps;  // postfix: the last step holds the result
  std::vector<Array> leaves;
};

int compile(const NodePtr& node, Program& program) {
  Step step;
  switch (node->kind()) {
    case Node::Kind::Array:
      step.kind = Step::Kind::Leaf;
      step.leaf = program.leaves.size();
      program.leaves.push_back(node->array());
      break;
    case Node::Kind::Scalar:
      step.kind = Step::Kind::Constant;
      step.word = node->scalar_bytes()[0] != 0 ? ~0ull : 0ull;
      break;
    case Node::Kind::Operation:
      step.op = node->op();
      step.a = compile(node->children()[0], program);
      if (node->children().size() > 1) step.b = compile(node->children()[1], program);
      break;
  }
  program.steps.push_back(step);
  return static_cast<int>(program.steps.size()) - 1;
}

/// Run the program over one row of `nw` words; slots hold nw words each.
void run_row(const Program& program, std::vector<std::vector<std::uint64_t>>& slots,
             const std::vector<Buffer::Lease>& leases, std::int64_t row, std::int64_t nw) {
  for (std::size_t s = 0; s < program.steps.size(); ++s) {
    const Step& step = program.steps[s];
    std::uint64_t* out = slots[s].data();
    if (step.kind == Step::Kind::Leaf) {
      bits::read_word_rows(program.leaves[step.leaf], leases[step.leaf], row, 1, out, nw);
      continue;
    }
    if (step.kind == Step::Kind::Constant) {
      std::fill(out, out + nw, step.word);
      continue;
    }
    const std::uint64_t* a = slots[static_cast<std::size_t>(step.a)].data();
    const std::uint64_t* b = step.b >= 0 ? slots[static_cast<std::size_t>(step.b)].data() : nullptr;
    switch (step.op) {
      case ElementwiseOp::BitwiseAnd: for (std::int64_t w = 0; w < nw; ++w) out[w] = a[w] & b[w]; break;
      case ElementwiseOp::BitwiseOr: for (std::int64_t w = 0; w < nw; ++w) out[w] = a[w] | b[w]; break;
      case ElementwiseOp::BitwiseXor:
      case ElementwiseOp::NotEqual: for (std::int64_t w = 0; w < nw; ++w) out[w] = a[w] ^ b[w]; break;
      case ElementwiseOp::Equal: for (std::int64_t w = 0; w < nw; ++w) out[w] = ~(a[w] ^ b[w]); break;
      case ElementwiseOp::Invert: for (std::int64_t w = 0; w < nw; ++w) out[w] = ~a[w]; break;
      default: throw NotImplemented("packed bit evaluation of this operation");  // excluded by is_packed_bit_tree
    }
  }
}

}  // namespace

bool is_packed_bit_tree(const NodePtr& root) {
  switch (root->kind()) {
    case Node::Kind::Array: return root->array().dtype() == DType::Bool;
    case Node::Kind::Scalar: return root->dtype() == DType::Bool;
    case Node::Kind::Operation:
      if (root->is_cast() || !is_word_op(root->op()) || root->compute_dtype() != DType::Bool) return false;
      return std::all_of(root->children().begin(), root->children().end(), is_packed_bit_tree);
  }
  return false;
}

Array evaluate_bits(const NodePtr& root, const ProgressFn& progress) {
  Program program;
  compile(root, program);
  const std::int64_t rows = root->rows(), cols = root->cols();
  Array out = Array::zeros(DType::Bool, root->ndim(), rows, cols);
  if (rows == 0 || cols == 0) return out;
  std::vector<Buffer::Lease> leases;
  for (const Array& leaf : program.leaves) leases.push_back(Buffer::lease(leaf.buffer()));
  const Buffer::Lease out_lease = Buffer::lease(out.buffer());
  const std::int64_t nw = bits::words_for(cols);
  // Bands of 64 rows start on a byte of the packed output (64 * cols bits), so bands never share a byte.
  const std::int64_t bands = (rows + 63) / 64;
  bits::for_each_band(bands, [&](std::int64_t band) {
    const std::int64_t r0 = 64 * band, nr = std::min<std::int64_t>(64, rows - r0);
    std::vector<std::vector<std::uint64_t>> slots(program.steps.size(), std::vector<std::uint64_t>(nw));
    std::vector<std::uint64_t> result(static_cast<std::size_t>(nr * nw));
    for (std::int64_t r = 0; r < nr; ++r) {
      run_row(program, slots, leases, r0 + r, nw);
      std::copy(slots.back().begin(), slots.back().end(), result.begin() + r * nw);
    }
    bits::write_word_rows(out, out_lease, r0, nr, result.data(), nw);
  }, progress);
  return out;
}

}  // namespace pycauset::expr
