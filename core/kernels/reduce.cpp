// Reductions over expressions: typed accumulators, pairwise segment sums, deterministic tile partials.
#include "core/kernels/reduce.hpp"

#include <cmath>
#include <complex>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "core/expr/evaluator_internal.hpp"
#include "core/kernels/reduce_loops.hpp"
#include "core/tiles/tile_io.hpp"

namespace pycauset::kernels {

DType reduce_result_dtype(ReduceOp op, DType dtype) noexcept {
  const bool integral = dtype == DType::Bool || is_integer_dtype(dtype);
  switch (op) {
    case ReduceOp::Sum:
      if (dtype == DType::Bool || is_signed_integer_dtype(dtype)) return DType::Int64;
      if (is_integer_dtype(dtype)) return DType::UInt64;
      return dtype;
    case ReduceOp::Mean:
      return integral ? DType::Float64 : dtype;
    case ReduceOp::Norm:
      return integral ? DType::Float64 : real_dtype(dtype);
    default:
      return dtype;
  }
}

namespace {

using expr::kSegment;
static_assert(kSegment == kReduceBlock, "a row reduced in one run must add like its segments, one by one");

/// Accumulator and scalar bodies of one reduction over elements of dtype type D.
template <ReduceOp Op, class D>
struct Reducer {
  using T = tile_t<D>;
  static constexpr bool kComplex = is_complex<T>::value;
  static constexpr bool kFloat = std::is_floating_point_v<T> || kComplex;
  static constexpr bool kMinMax = Op == ReduceOp::Min || Op == ReduceOp::Max;
  // Which segments run in reduce_loops: all real elements.
  static constexpr bool kVectorLoops = !kComplex;

  // Sum: int64/uint64 for integers (wrapping), double or complex<double> for floats. Mean: double for
  // integers too (NumPy's mean sums integers in float64, so a mean never wraps).
  using SumAcc = std::conditional_t<kComplex, std::complex<double>,
                 std::conditional_t<kFloat || Op == ReduceOp::Mean, double,
                 std::conditional_t<std::is_same_v<D, bit_t> || std::is_signed_v<T>, std::int64_t, std::uint64_t>>>;
  struct MinMaxAcc {
    T value{};
    bool has = false;
    bool nan = false;
  };
  using Acc = std::conditional_t<kMinMax, MinMaxAcc, std::conditional_t<Op == ReduceOp::Norm, double, SumAcc>>;

  /// The value one element contributes to a sum-like accumulator.
  static Acc term(T x) {
    if constexpr (Op == ReduceOp::Norm) {
      if constexpr (kComplex) return std::norm(std::complex<double>(x.real(), x.imag()));
      else return static_cast<double>(x) * static_cast<double>(x);
    } else if constexpr (kComplex) {
      return std::complex<double>(x.real(), x.imag());
    } else if constexpr (std::is_integral_v<Acc>) {
      return static_cast<Acc>(x);
    } else {
      return static_cast<double>(x);
    }
  }

  static bool before(T a, T b) {  // a strictly better than b for this op
    if constexpr (kComplex) {
      const bool less = a.real() < b.real() || (a.real() == b.real() && a.imag() < b.imag());
      const bool greater = a.real() > b.real() || (a.real() == b.real() && a.imag() > b.imag());
      return Op == ReduceOp::Min ? less : greater;
    } else {
      return Op == ReduceOp::Min ? a < b : a > b;
    }
  }

  static bool is_nan(T x) {
    if constexpr (kComplex) return x.real() != x.real() || x.imag() != x.imag();
    else if constexpr (kFloat) return x != x;
    else return false;
  }

  static Acc identity() { return Acc{}; }

  static void combine(Acc& a, const Acc& b) {
    if constexpr (kMinMax) {
      if (!b.has) return;
      if (!a.has || before(b.value, a.value)) a.value = b.value;
      a.has = true;
      a.nan = a.nan || b.nan;
    } else if constexpr (std::is_integral_v<Acc>) {
      a = static_cast<Acc>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));  // wraps like NumPy
    } else {
      a += b;
    }
  }

  /// Pairwise sum of n complex terms (blocks of 128 with 8 partial sums, as NumPy's pairwise_sum).
  static Acc pairwise(const T* x, std::int64_t n) {
    if (n <= 128) {
      Acc s[8] = {};
      std::int64_t k = 0;
      for (; k + 8 <= n; k += 8) {
        for (int l = 0; l < 8; ++l) s[l] += term(x[k + l]);
      }
      Acc r = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
      for (; k < n; ++k) r += term(x[k]);
      return r;
    }
    std::int64_t half = n / 2;
    half -= half % 8;
    return pairwise(x, half) + pairwise(x + half, n - half);
  }

  /// acc <- combine(acc, the n contiguous elements at x).
  static void accumulate(Acc& acc, const T* x, std::int64_t n) {
    if constexpr (kVectorLoops) {
      // Real elements: the vectorised loops of this CPU (reduce_loops.hpp), one indirect call a run.
      const ReduceLoops<T>& loops = reduce_loops<T>();
      if constexpr (kMinMax) {
        if (n == 0) return;
        Acc run;
        run.has = true;
        run.nan = (Op == ReduceOp::Min ? loops.min : loops.max)(x, n, &run.value);
        combine(acc, run);
      } else if constexpr (Op == ReduceOp::Norm) {
        acc = loops.sum_squares(x, n, acc);
      } else if constexpr (Op == ReduceOp::Mean) {
        acc = loops.sum_in_double(x, n, acc);
      } else {
        acc = static_cast<Acc>(loops.sum(x, n, static_cast<loop_sum_t<T>>(acc)));
      }
    } else if constexpr (kMinMax) {  // complex: lexicographic
      if (n == 0) return;
      Acc run;
      run.has = true;
      T best = x[0];
      bool nan = false;
      for (std::int64_t k = 0; k < n; ++k) {
        nan = nan || is_nan(x[k]);
        if (before(x[k], best)) best = x[k];
      }
      run.value = best;
      run.nan = nan;
      combine(acc, run);
    } else {
      for (std::int64_t k = 0; k < n; k += kReduceBlock) {  // complex sums and norms
        combine(acc, pairwise(x + k, std::min(kReduceBlock, n - k)));
      }
    }
  }

  /// acc <- combine(acc, row r of the worker's current tile, `cols` elements): a row read in place in
  /// one run, anything else computed segment by segment.
  static void accumulate_row(Acc& acc, expr::detail::Worker& w, std::int64_t r, std::int64_t cols) {
    if (const void* row = w.row_in_place(r)) {
      accumulate(acc, static_cast<const T*>(row), cols);
      return;
    }
    for (std::int64_t j = 0; j < cols; j += kSegment) {
      const std::int64_t n = std::min(kSegment, cols - j);
      accumulate(acc, static_cast<const T*>(w.run_segment(r, j, n, nullptr)), n);
    }
  }

  /// acc[k] <- combine(acc[k], x[k]): folding one row into per-column accumulators.
  static void fold(Acc* acc, const T* x, std::int64_t n) {
    if constexpr (kMinMax) {
      for (std::int64_t k = 0; k < n; ++k) {
        Acc one;
        one.value = x[k];
        one.has = true;
        one.nan = is_nan(x[k]);
        combine(acc[k], one);
      }
    } else {
      for (std::int64_t k = 0; k < n; ++k) combine(acc[k], term(x[k]));
    }
  }

  /// The final value in its natural type (T for min/max, the accumulator or its mean, sqrt for norms);
  /// `count` elements were reduced.
  static auto finish(const Acc& acc, std::int64_t count) {
    if constexpr (kMinMax) {
      if (!acc.has) {
        throw ValueError(std::string("zero-size array to reduction operation ") +
                         (Op == ReduceOp::Min ? "minimum" : "maximum") + " which has no identity");
      }
      T value = acc.value;
      if constexpr (kComplex) {
        if (acc.nan) value = T(std::numeric_limits<typename T::value_type>::quiet_NaN(), 0);
      } else if constexpr (kFloat) {
        if (acc.nan) value = std::numeric_limits<T>::quiet_NaN();
      }
      return value;
    } else if constexpr (Op == ReduceOp::Norm) {
      return std::sqrt(acc);
    } else if constexpr (Op == ReduceOp::Mean) {
      if constexpr (kComplex) return acc / static_cast<double>(count);
      else return static_cast<double>(acc) / static_cast<double>(count);
    } else {
      return acc;
    }
  }
};

/// Convert a natural result value to the stored element type of the result dtype.
template <class O, class N>
O cast_value(const N& v) {
  if constexpr (is_complex<O>::value) {
    using Re = typename O::value_type;
    if constexpr (is_complex<N>::value) return O(static_cast<Re>(v.real()), static_cast<Re>(v.imag()));
    else return O(static_cast<Re>(v), Re{});
  } else if constexpr (is_complex<N>::value) {
    return static_cast<O>(v.real());
  } else {
    return static_cast<O>(v);
  }
}

/// Combine partials in index order by halving (pairwise), deterministic for a given plan.
template <class R>
typename R::Acc combine_pairwise(std::vector<typename R::Acc>& parts, std::size_t lo, std::size_t hi) {
  if (hi - lo == 1) return parts[lo];
  const std::size_t mid = lo + (hi - lo) / 2;
  typename R::Acc a = combine_pairwise<R>(parts, lo, mid);
  R::combine(a, combine_pairwise<R>(parts, mid, hi));
  return a;
}

template <ReduceOp Op, class D>
ScalarValue reduce_all_typed(const expr::NodePtr& root) {
  using R = Reducer<Op, D>;
  const DType out_dtype = reduce_result_dtype(Op, dtype_traits<D>::id);
  expr::detail::Evaluator ev(expr::compile(root, root->dtype(), false));
  const auto& plan = ev.plan();
  std::vector<typename R::Acc> parts(static_cast<std::size_t>(std::max<std::int64_t>(1, plan.tile_count())), R::identity());
  ev.run(plan.tile_count(), [&](expr::detail::Worker& w, std::int64_t k) {
    ev.prefetch_ahead(k);
    const expr::detail::Tile t = plan.tile(k);
    w.load_tile(t, w.next_task);
    typename R::Acc acc = R::identity();
    for (std::int64_t r = 0; r < t.nr; ++r) R::accumulate_row(acc, w, r, t.nc);
    parts[static_cast<std::size_t>(k)] = acc;
  });
  const typename R::Acc total = combine_pairwise<R>(parts, 0, parts.size());
  ScalarValue out;
  out.dtype = out_dtype;
  visit_dtype(out_dtype, [&](auto tag) {
    using Out = typename decltype(tag)::type;
    const tile_t<Out> value = cast_value<tile_t<Out>>(R::finish(total, root->rows() * root->cols()));
    std::memcpy(out.bytes.data(), &value, sizeof(value));
  });
  return out;
}

template <ReduceOp Op, class D>
Array reduce_axis_typed(const expr::NodePtr& root, int axis) {
  using R = Reducer<Op, D>;
  using T = tile_t<D>;
  using Acc = typename R::Acc;
  const DType out_dtype = reduce_result_dtype(Op, dtype_traits<D>::id);
  expr::detail::Evaluator ev(expr::compile(root, root->dtype(), false));
  const auto& plan = ev.plan();
  const std::int64_t rows = root->rows(), cols = root->cols();
  const std::int64_t length = axis == 0 ? cols : rows;
  std::vector<Acc> result(static_cast<std::size_t>(length), R::identity());
  if (axis == 1) {
    // Partials per (column block, row), combined over column blocks in order.
    std::vector<Acc> parts(static_cast<std::size_t>(plan.grid_cols * rows), R::identity());
    ev.run(plan.tile_count(), [&](expr::detail::Worker& w, std::int64_t k) {
      ev.prefetch_ahead(k);
      const expr::detail::Tile t = plan.tile(k);
      w.load_tile(t, w.next_task);
      const std::int64_t block = k % plan.grid_cols;
      for (std::int64_t r = 0; r < t.nr; ++r) {
        Acc acc = R::identity();
        R::accumulate_row(acc, w, r, t.nc);
        parts[static_cast<std::size_t>(block * rows + t.r0 + r)] = acc;
      }
    });
    for (std::int64_t b = 0; b < plan.grid_cols; ++b) {
      for (std::int64_t r = 0; r < rows; ++r) R::combine(result[static_cast<std::size_t>(r)], parts[static_cast<std::size_t>(b * rows + r)]);
    }
  } else {
    // Row groups: task (g, column block) folds row tiles g, g + G, ... into its own accumulators.
    const std::int64_t groups = std::max<std::int64_t>(1, std::min<std::int64_t>(plan.grid_rows, 8));
    std::vector<Acc> parts(static_cast<std::size_t>(groups * cols), R::identity());
    ev.run(groups * plan.grid_cols, [&](expr::detail::Worker& w, std::int64_t task) {
      const std::int64_t g = task / plan.grid_cols, block = task % plan.grid_cols;
      for (std::int64_t i = g; i < plan.grid_rows; i += groups) {
        const expr::detail::Tile t = plan.tile(i * plan.grid_cols + block);
        ev.prefetch((i + groups) * plan.grid_cols + block, (i + groups) * plan.grid_cols + block + 1);
        w.load_tile(t, i + groups < plan.grid_rows ? (i + groups) * plan.grid_cols + block : -1);
        Acc* acc = parts.data() + g * cols + t.c0;
        for (std::int64_t r = 0; r < t.nr; ++r) {
          for (std::int64_t j = 0; j < t.nc; j += kSegment) {
            const std::int64_t n = std::min(kSegment, t.nc - j);
            R::fold(acc + j, static_cast<const T*>(w.run_segment(r, j, n, nullptr)), n);
          }
        }
      }
    });
    for (std::int64_t g = 0; g < groups; ++g) {
      for (std::int64_t c = 0; c < cols; ++c) R::combine(result[static_cast<std::size_t>(c)], parts[static_cast<std::size_t>(g * cols + c)]);
    }
  }
  const std::int64_t count = axis == 0 ? rows : cols;
  Array out = out_dtype == DType::Bool ? Array::zeros(out_dtype, 1, 1, length)  // defined padding bits
                                       : Array::uninitialized(out_dtype, 1, 1, length);  // written whole below
  visit_dtype(out_dtype, [&](auto tag) {
    using Out = typename decltype(tag)::type;
    std::vector<tile_t<Out>> values(static_cast<std::size_t>(length));
    for (std::int64_t i = 0; i < length; ++i) values[static_cast<std::size_t>(i)] = cast_value<tile_t<Out>>(R::finish(result[static_cast<std::size_t>(i)], count));
    Buffer::Lease lease = Buffer::lease(out.buffer());
    tiles::write_block(out, lease, tiles::Block{0, 1, 0, length}, values.data(), length, out_dtype);
  });
  return out;
}

template <class F>
decltype(auto) dispatch(ReduceOp op, DType dtype, F&& f) {
  return visit_dtype(dtype, [&](auto tag) {
    using D = typename decltype(tag)::type;
    switch (op) {
      case ReduceOp::Sum: return f(std::integral_constant<ReduceOp, ReduceOp::Sum>{}, tag);
      case ReduceOp::Mean: return f(std::integral_constant<ReduceOp, ReduceOp::Mean>{}, tag);
      case ReduceOp::Min: return f(std::integral_constant<ReduceOp, ReduceOp::Min>{}, tag);
      case ReduceOp::Max: return f(std::integral_constant<ReduceOp, ReduceOp::Max>{}, tag);
      case ReduceOp::Norm: break;
    }
    (void)sizeof(D);
    return f(std::integral_constant<ReduceOp, ReduceOp::Norm>{}, tag);
  });
}

}  // namespace

ScalarValue reduce_all(const expr::NodePtr& root, ReduceOp op) {
  return dispatch(op, root->dtype(), [&](auto op_c, auto tag) {
    using D = typename decltype(tag)::type;
    return reduce_all_typed<decltype(op_c)::value, D>(root);
  });
}

Array reduce_axis(const expr::NodePtr& root, ReduceOp op, int axis) {
  if (root->ndim() != 2) throw ValueError("axis " + std::to_string(axis) + " is out of bounds for array of dimension 1");
  if (axis != 0 && axis != 1) throw ValueError("axis " + std::to_string(axis) + " is out of bounds for array of dimension 2");
  return dispatch(op, root->dtype(), [&](auto op_c, auto tag) {
    using D = typename decltype(tag)::type;
    return reduce_axis_typed<decltype(op_c)::value, D>(root, axis);
  });
}

}  // namespace pycauset::kernels
