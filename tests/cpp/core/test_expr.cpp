// Unit tests of core/expr: trees of nodes evaluated (and assigned in place) against naive loops, on RAM
// and file-backed arrays at sizes that take many tiles under a 1 MiB budget.
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "core/array.hpp"
#include "core/expr/evaluate.hpp"
#include "core/expr/node.hpp"
#include "core/governor.hpp"
#include "storage/buffer_pool.hpp"
#include "storage/errors.hpp"
#include "test_support.hpp"

using namespace pycauset;
using expr::Node;
using expr::NodePtr;
using Op = kernels::ElementwiseOp;

namespace {

// 700 x 513 float64 is 2.7 MiB: each operand is larger than the whole budget, so every evaluation below
// runs over many tiles, reading file-backed leaves through pooled tile buffers. 513 columns leave a
// partial tile at the right edge.
constexpr std::int64_t kRows = 700, kCols = 513;
constexpr std::uint64_t kBudget = 1ull << 20;
const Placement kPlacements[] = {Placement::Ram, Placement::File};

/// Sets a small budget for one case and restores the default afterwards.
struct SmallBudget {
  SmallBudget() {
    BufferPool::instance().trim(0);
    MemoryGovernor::instance().set_limit(kBudget);
  }
  ~SmallBudget() { MemoryGovernor::instance().set_limit(std::nullopt); }
};

StridedRegion f64_region(std::vector<double>& values, std::int64_t rows, std::int64_t cols) {
  StridedRegion r;
  r.data = reinterpret_cast<std::byte*>(values.data());
  r.dtype = DType::Float64;
  r.rows = rows;
  r.cols = cols;
  r.row_stride = cols * 8;
  r.col_stride = 8;
  return r;
}

/// Make a (rows x cols) array of `dtype` at `where` holding f(i, j), converted from double.
Array make(DType dtype, int ndim, std::int64_t rows, std::int64_t cols, Placement where,
           const std::function<double(std::int64_t, std::int64_t)>& f) {
  Array a = Array::zeros(dtype, ndim, rows, cols, where);
  std::vector<double> values(static_cast<std::size_t>(rows * cols));
  for (std::int64_t i = 0; i < rows; ++i) {
    for (std::int64_t j = 0; j < cols; ++j) values[i * cols + j] = f(i, j);
  }
  Buffer::Lease lease = Buffer::lease(a.buffer());
  copy_region(f64_region(values, rows, cols), region_of(a, lease.data()));
  return a;
}

/// Read any array view back as doubles, row-major.
std::vector<double> load(const Array& a) {
  std::vector<double> values(static_cast<std::size_t>(a.size()), -1e300);
  Buffer::Lease lease = Buffer::lease(a.buffer());
  copy_region(region_of(a, lease.data()), f64_region(values, a.rows(), a.cols()));
  return values;
}

/// Return the number of elements where `got` differs from want(i, j) (exact: small integers in doubles).
int mismatches(const Array& got, const std::function<double(std::int64_t, std::int64_t)>& want) {
  const std::vector<double> values = load(got);
  int bad = 0;
  for (std::int64_t i = 0; i < got.rows(); ++i) {
    for (std::int64_t j = 0; j < got.cols(); ++j) {
      if (values[i * got.cols() + j] != want(i, j)) ++bad;
    }
  }
  return bad;
}

NodePtr scalar(double value) { return Node::scalar(DType::Float64, &value); }

double fa(std::int64_t i, std::int64_t j) { return static_cast<double>((i * 7 + j * 3) % 101); }
double fb(std::int64_t i, std::int64_t j) { return static_cast<double>((i * 5 + j * 11) % 97) - 40; }
double fc(std::int64_t i, std::int64_t j) { return static_cast<double>((i + 2 * j) % 13); }

}  // namespace

TEST_CASE(fused_arithmetic_matches_a_naive_loop_on_ram_and_files) {
  SmallBudget budget;
  for (Placement pa : kPlacements) {
    for (Placement pb : kPlacements) {
      Array a = make(DType::Float64, 2, kRows, kCols, pa, fa);
      Array b = make(DType::Float64, 2, kRows, kCols, pb, fb);
      Array c = make(DType::Float64, 2, kRows, kCols, Placement::File, fc);
      // (a + b) * 2 - c / 4 + |b|, every intermediate exact in float64
      NodePtr tree = Node::binary(
          Op::Add,
          Node::binary(Op::Subtract, Node::binary(Op::Multiply, Node::binary(Op::Add, Node::leaf(a), Node::leaf(b)), scalar(2)),
                       Node::binary(Op::Divide, Node::leaf(c), scalar(4))),
          Node::unary(Op::Absolute, Node::leaf(b)));
      Array out = expr::evaluate(tree);
      CHECK_EQ(out.rows(), kRows);
      CHECK_EQ(out.cols(), kCols);
      CHECK(out.dtype() == DType::Float64);
      CHECK_EQ(mismatches(out, [](std::int64_t i, std::int64_t j) {
                 return (fa(i, j) + fb(i, j)) * 2 - fc(i, j) / 4 + std::fabs(fb(i, j));
               }),
               0);
    }
  }
}

TEST_CASE(rows_and_columns_broadcast_as_numpy) {
  SmallBudget budget;
  for (Placement where : kPlacements) {
    Array m = make(DType::Float64, 2, kRows, kCols, where, fa);
    Array row = make(DType::Float64, 1, 1, kCols, where, [](std::int64_t, std::int64_t j) { return double(j); });
    Array column = make(DType::Float64, 2, kRows, 1, where, [](std::int64_t i, std::int64_t) { return double(i % 50); });
    Array out = expr::evaluate(Node::binary(Op::Subtract, Node::binary(Op::Add, Node::leaf(m), Node::leaf(row)),
                                            Node::leaf(column)));
    CHECK_EQ(out.ndim(), 2);
    CHECK_EQ(mismatches(out, [](std::int64_t i, std::int64_t j) { return fa(i, j) + j - (i % 50); }), 0);
    // A row and a column alone broadcast to their outer shape.
    Array outer = expr::evaluate(Node::binary(Op::Multiply, Node::leaf(column), Node::leaf(row)));
    CHECK_EQ(outer.rows(), kRows);
    CHECK_EQ(outer.cols(), kCols);
    CHECK_EQ(mismatches(outer, [](std::int64_t i, std::int64_t j) { return double(i % 50) * j; }), 0);
  }
}

TEST_CASE(views_of_file_backed_leaves_read_the_right_elements) {
  SmallBudget budget;
  const std::int64_t n = 600;  // square, so a transpose adds to the original
  for (Placement where : kPlacements) {
    Array a = make(DType::Float64, 2, n, n, where, fa);
    Array b = make(DType::Float64, 2, n, n, where, fb);
    Array t = expr::evaluate(Node::binary(Op::Add, Node::leaf(a.transposed()), Node::leaf(b)));
    CHECK_EQ(mismatches(t, [](std::int64_t i, std::int64_t j) { return fa(j, i) + fb(i, j); }), 0);
    // Every third row from the end, every second column from 1: a negative row step and a column step.
    Array s = a.sliced(n - 1, n / 3, -3, 1, (n - 1) / 2, 2);
    Array out = expr::evaluate(Node::binary(Op::Multiply, Node::leaf(s), scalar(3)));
    CHECK_EQ(mismatches(out, [&](std::int64_t i, std::int64_t j) { return 3 * fa(n - 1 - 3 * i, 1 + 2 * j); }), 0);
  }
}

TEST_CASE(mixed_dtypes_promote_and_comparisons_give_bool) {
  SmallBudget budget;
  for (Placement where : kPlacements) {
    Array i32 = make(DType::Int32, 2, kRows, kCols, where, fb);
    Array f32 = make(DType::Float32, 2, kRows, kCols, where, fa);
    NodePtr sum = Node::binary(Op::Add, Node::leaf(i32), Node::leaf(f32));
    CHECK(sum->dtype() == DType::Float64);  // NumPy: int32 + float32 -> float64
    CHECK_EQ(mismatches(expr::evaluate(sum), [](std::int64_t i, std::int64_t j) { return fb(i, j) + fa(i, j); }), 0);
    Array less = expr::evaluate(Node::binary(Op::Less, Node::leaf(i32), Node::leaf(f32)));
    CHECK(less.dtype() == DType::Bool);
    CHECK_EQ(mismatches(less, [](std::int64_t i, std::int64_t j) { return fb(i, j) < fa(i, j) ? 1.0 : 0.0; }), 0);
  }
}

TEST_CASE(in_place_assignment_with_and_without_aliasing) {
  SmallBudget budget;
  const std::int64_t n = 600;
  for (Placement where : kPlacements) {
    Array a = make(DType::Float64, 2, n, n, where, fa);
    Array b = make(DType::Float64, 2, n, n, where, fb);
    // a += b: the leaf is exactly the target, read and written in one pass.
    expr::assign(Node::binary(Op::Add, Node::leaf(a), Node::leaf(b)), a);
    CHECK_EQ(mismatches(a, [](std::int64_t i, std::int64_t j) { return fa(i, j) + fb(i, j); }), 0);
    // a = a.T - b reads elements the same pass would already have overwritten: it needs the temporary.
    Array c = make(DType::Float64, 2, n, n, where, fa);
    expr::assign(Node::binary(Op::Subtract, Node::leaf(c.transposed()), Node::leaf(b)), c);
    CHECK_EQ(mismatches(c, [](std::int64_t i, std::int64_t j) { return fa(j, i) - fb(i, j); }), 0);
    // An int32 target converts the float64 result (truncation, as NumPy's unsafe casting).
    Array target = Array::zeros(DType::Int32, 2, n, n, where);
    expr::assign(Node::binary(Op::Divide, Node::leaf(b), scalar(2)), target);
    CHECK_EQ(mismatches(target, [](std::int64_t i, std::int64_t j) { return std::trunc(fb(i, j) / 2); }), 0);
  }
}

TEST_CASE(bad_trees_are_refused_with_the_numpy_errors) {
  Array a = Array::zeros(DType::Float64, 2, 3, 4);
  Array b = Array::zeros(DType::Float64, 2, 5, 4);
  CHECK_THROWS_AS(Node::binary(Op::Add, Node::leaf(a), Node::leaf(b)), ValueError, {
    CHECK(std::string(error.what()).find("(3,4)") != std::string::npos ||
          std::string(error.what()).find("(3, 4)") != std::string::npos);
  });
  Array bits = Array::zeros(DType::Bool, 2, 3, 4);
  CHECK_THROWS_AS(Node::unary(Op::Negative, Node::leaf(bits)), TypeError);
  CHECK_THROWS_AS(Node::binary(Op::BitwiseAnd, Node::leaf(a), Node::leaf(a)), TypeError);
}

TEST_CASE(an_empty_expression_evaluates_to_an_empty_array) {
  Array a = Array::zeros(DType::Float64, 2, 0, 7);
  Array out = expr::evaluate(Node::binary(Op::Add, Node::leaf(a), scalar(1)));
  CHECK_EQ(out.rows(), 0);
  CHECK_EQ(out.cols(), 7);
}
