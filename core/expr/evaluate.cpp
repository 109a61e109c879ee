// Evaluating expressions: the output side of the tile engine (direct RAM rows or buffered tiles).
#include "core/expr/evaluate.hpp"

#include <algorithm>

#include "core/expr/bit_evaluator.hpp"
#include "core/expr/evaluator_internal.hpp"

namespace pycauset::expr {

namespace {

bool same_view(const Array& a, const Array& b) {
  return a.offset() == b.offset() && a.row_stride() == b.row_stride() && a.col_stride() == b.col_stride() &&
         a.rows() == b.rows() && a.cols() == b.cols() && a.dtype() == b.dtype();
}

/// Bit-packed outputs: parallel tiles must not share a byte of packed bits.
bool bits_tiles_disjoint(const Array& dst, const detail::TilePlan& plan) {
  if (plan.tile_count() <= 1) return true;
  if (!dst.is_contiguous() || dst.offset() % 8 != 0) return false;
  if (plan.tile_cols == plan.cols) return (plan.tile_rows * plan.cols) % 8 == 0;
  return plan.rows == 1 && plan.tile_cols % 8 == 0;
}

/// Progress in tiles (or bands of rows) rescaled to bytes of the result, the unit the user's bar shows.
ProgressFn in_result_bytes(const ProgressFn& progress, DType dtype, std::int64_t rows, std::int64_t cols) {
  if (!progress) return {};
  const double count = static_cast<double>(rows) * static_cast<double>(cols);
  const double bytes = dtype == DType::Bool ? count / 8 : count * itemsize(dtype);  // bool: packed bits
  return [progress, bytes](double done, double total) { progress(done / total * bytes, bytes); };
}

/// Evaluate `root` (already of dst's shape) into dst, which no leaf aliases except as the same view.
void write_into(const NodePtr& root, const Array& dst, const ProgressFn& progress) {
  const DType dtype = dst.dtype();
  const bool direct = !dst.is_file() && dtype != DType::Bool && dst.col_stride() == 1;
  Buffer::Lease out_lease = Buffer::lease(dst.buffer());
  const detail::BufferedOutput buffered{dst, &out_lease};
  detail::Evaluator ev(compile(root, dtype, /*output=*/true), direct ? nullptr : &buffered);
  const detail::TilePlan& plan = ev.plan();
  if (dtype == DType::Bool && !bits_tiles_disjoint(dst, plan)) ev.set_serial();
  const int size = itemsize(dtype);
  ev.run(plan.tile_count(), [&](detail::Worker& w, std::int64_t k) {
    ev.prefetch_ahead(k);
    const detail::Tile t = plan.tile(k);
    w.load_tile(t, w.next_task);
    std::byte* buffer = direct ? nullptr : w.output_tile(t);
    for (std::int64_t r = 0; r < t.nr; ++r) {
      for (std::int64_t j = 0; j < t.nc; j += kSegment) {
        const std::int64_t n = std::min(kSegment, t.nc - j);
        std::byte* out = direct ? out_lease.data() + dst.element_index(t.r0 + r, t.c0 + j) * size
                                : buffer + (r * t.nc + j) * size;
        w.run_segment(r, j, n, out);
      }
    }
    if (!direct) w.write_output(t);  // written behind, while the next tile is computed
  }, in_result_bytes(progress, dtype, dst.rows(), dst.cols()));
}

}  // namespace

Array evaluate(const NodePtr& root, const ProgressFn& progress) {
  if (is_packed_bit_tree(root)) {  // & | ^ ~ of bool arrays: on packed words, in bands of rows
    return evaluate_bits(root, in_result_bytes(progress, DType::Bool, root->rows(), root->cols()));
  }
  // Every element is written; bool keeps zeros so the padding bits of the last packed byte are defined.
  Array out = root->dtype() == DType::Bool ? Array::zeros(root->dtype(), root->ndim(), root->rows(), root->cols())
                                           : Array::uninitialized(root->dtype(), root->ndim(), root->rows(), root->cols());
  write_into(root, out, progress);
  return out;
}

void assign(const NodePtr& root, const Array& dst, const ProgressFn& progress) {
  auto shape = broadcast_shapes(root->ndim(), root->rows(), root->cols(), dst.ndim(), dst.rows(), dst.cols());
  if (shape[1] != dst.rows() || shape[2] != dst.cols()) {
    throw ValueError("non-broadcastable output operand: the expression's shape does not broadcast to the "
                     "target's shape");
  }
  NodePtr tree = root->broadcast_to(dst.ndim(), dst.rows(), dst.cols());
  bool aliased = false;
  tree->for_each_leaf([&](const Array& leaf) {
    if (leaf.buffer() == dst.buffer() && !same_view(leaf, dst)) aliased = true;
  });
  if (aliased) {
    // Another view of the target (A += A.T): finish reading before writing anything.
    Array result = evaluate(tree, progress);
    dst.make_writable();
    copy_array(result, dst);
    return;
  }
  dst.make_writable();
  write_into(tree, dst, progress);
}

}  // namespace pycauset::expr
