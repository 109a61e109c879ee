// Bit products: _core.bit_matmul (np.matmul of bool operands, any result dtype) and the fused epilogues
// (histogram, predicate, per-line histograms, weighted sum, maximum) that the causal-set layer builds on.
// `triangular=True` declares both operands strictly upper triangular (checked while packing; zero blocks
// are skipped whether declared or not).
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>

#include "bindings/bindings.hpp"
#include "bindings/progress.hpp"
#include "core/bits/bit_matmul.hpp"
#include "core/bits/closure.hpp"
#include "core/bits/count_kernels.hpp"
#include "core/bits/word_rows.hpp"
#include "storage/errors.hpp"

namespace py = pybind11;

namespace pycauset::bindings {
namespace {

/// Run the bit product of a and b into `epilogue` without the GIL.
bits::BitProductStats run(const Array& a, const Array& b, bits::Epilogue& epilogue, bool triangular,
                          py::object progress) {
  const bits::BitProgress report = interruptible_progress(progress);
  py::gil_scoped_release release;
  return bits::bit_product(a, b, epilogue, report, triangular);
}

py::dict stats_dict(const bits::BitProductStats& s) {
  py::dict out;
  out["bit_triples"] = s.bit_triples;
  out["full_triples"] = s.full_triples;
  out["column_chunks"] = s.column_chunks;
  out["kernel"] = s.kernel;
  return out;
}

void check_mask(const Array& a, const Array& b, const std::optional<Array>& mask) {
  if (!mask) return;
  if (mask->dtype() != DType::Bool || mask->rows() != a.rows() || mask->cols() != b.cols()) {
    throw ValueError("mask: expected a bool matrix of the product's shape (" + std::to_string(a.rows()) + ", " +
                     std::to_string(b.cols()) + "), got " + dtype_name(mask->dtype()) + " (" +
                     std::to_string(mask->rows()) + ", " + std::to_string(mask->cols()) + ")");
  }
}

}  // namespace

void register_bits(py::module_& m) {
  m.def("bit_kernel", []() { return bits::count_kernel_name(bits::count_kernel()); },
        "The popcount kernel of bit products: 'avx512-vpopcntdq', 'avx2' or 'scalar' (lowered by PYCAUSET_SIMD).");
  m.def(
      "bit_kernel_probe",
      [](double seconds) {
        double kernel = 0, peak = 0;
        {
          py::gil_scoped_release release;
          kernel = bits::probe_kernel_rate(bits::count_kernel(), seconds);
          peak = bits::probe_popcount_peak(seconds);
        }
        py::dict out;
        out["kernel_in_l1_bits_per_s"] = kernel;
        out["popcount_peak_bits_per_s"] = peak;
        return out;
      },
      py::arg("seconds") = 0.5,
      "Single-thread ceilings for benchmarks: the count kernel on L1-resident operands, and VPOPCNTQ's raw "
      "throughput (bits counted per second; 0 without AVX-512 VPOPCNTDQ).");
  m.def(
      "copy_bits",
      [](const Array& a) {
        py::gil_scoped_release release;
        return bits::copy_bits(a);
      },
      py::arg("a"), "A contiguous copy of a bool view on packed words (a transposed view by 64x64 bit transposes).");
  m.def(
      "transitive_closure",
      [](const Array& c) {
        py::gil_scoped_release release;
        return bits::transitive_closure(c);
      },
      py::arg("c"), "The transitive closure of a strictly upper-triangular bool matrix (packed words, out of core).");
  m.def(
      "bit_matmul",
      [](const Array& a, const Array& b, const std::string& dtype, bool triangular, py::object progress) {
        const DType out = dtype_from_name(dtype);
        const bits::BitProgress report = interruptible_progress(progress);
        bits::BitProductStats stats;
        Array c;
        {
          py::gil_scoped_release release;
          c = bits::bit_matmul(a, b, out, report, &stats, triangular);
        }
        return py::make_tuple(c, stats_dict(stats));
      },
      py::arg("a"), py::arg("b"), py::arg("dtype"), py::arg("triangular") = false, py::arg("progress") = py::none(),
      "(a @ b in `dtype`, stats) for bool a, b: 'bool' gives the logical product, other dtypes the counts "
      "popcount(row_i(a) & col_j(b)) (np.matmul(a, b, dtype=...)).");
  m.def(
      "bit_product_histogram",
      [](const Array& a, const Array& b, std::optional<Array> mask, std::int64_t kmax, bool triangular,
         bool invert_mask, py::object progress) {
        check_mask(a, b, mask);
        bits::Histogram histogram(mask ? &*mask : nullptr, invert_mask, kmax);
        run(a, b, histogram, triangular, std::move(progress));
        const std::vector<std::int64_t> bins = histogram.bins();
        return py::array_t<std::int64_t>(static_cast<py::ssize_t>(bins.size()), bins.data());
      },
      py::arg("a"), py::arg("b"), py::arg("mask"), py::arg("kmax"), py::arg("triangular") = false, py::arg("invert_mask") = false,
      py::arg("progress") = py::none(),
      "int64 bins 0..kmax, then the count above kmax, of (a@b)[i, j] over entries where mask is set (clear "
      "when invert_mask; mask None: every entry).");
  m.def(
      "bit_product_predicate",
      [](const Array& a, const Array& b, std::optional<Array> mask, bool triangular, bool nonzero, py::object progress) {
        check_mask(a, b, mask);
        Array out;
        {
          const Buffer::Lease pin_a = Buffer::lease(a.buffer());
          const Buffer::Lease pin_b = Buffer::lease(b.buffer());
          out = Array::zeros(DType::Bool, 2, a.rows(), b.cols());
        }
        std::unique_ptr<bits::Epilogue> store = bits::store_predicate(out, mask ? &*mask : nullptr, nonzero);
        run(a, b, *store, triangular, std::move(progress));
        return out;
      },
      py::arg("a"), py::arg("b"), py::arg("mask"), py::arg("triangular") = false, py::arg("nonzero") = false, py::arg("progress") = py::none(),
      "The bool matrix mask AND ((a@b) == 0) (or != 0 when nonzero): the link matrix for a = b = mask = C.");
  m.def(
      "bit_product_line_histograms",
      [](const Array& a, const Array& b, std::optional<Array> mask, std::int64_t kmax, bool triangular,
         bool invert_mask, py::object progress) {
        check_mask(a, b, mask);
        bits::LineHistograms lines(mask ? &*mask : nullptr, invert_mask, kmax, a.rows(), b.cols());
        run(a, b, lines, triangular, std::move(progress));
        const py::ssize_t width = kmax + 2;
        py::array_t<std::int64_t> rows({static_cast<py::ssize_t>(a.rows()), width}, lines.rows().data());
        py::array_t<std::int64_t> cols({static_cast<py::ssize_t>(b.cols()), width}, lines.columns().data());
        return py::make_tuple(rows, cols);
      },
      py::arg("a"), py::arg("b"), py::arg("mask"), py::arg("kmax"), py::arg("triangular") = false, py::arg("invert_mask") = false,
      py::arg("progress") = py::none(),
      "(per-row, per-column) int64 histograms of (a@b) over masked entries, bins as bit_product_histogram.");
  m.def(
      "bit_product_weighted_sum",
      [](const Array& a, const Array& b, std::optional<Array> mask, std::vector<double> weights, bool triangular,
         bool invert_mask, py::object progress) {
        check_mask(a, b, mask);
        bits::WeightedSum sum(mask ? &*mask : nullptr, invert_mask, std::move(weights));
        run(a, b, sum, triangular, std::move(progress));
        return static_cast<double>(sum.total());
      },
      py::arg("a"), py::arg("b"), py::arg("mask"), py::arg("weights"), py::arg("triangular") = false, py::arg("invert_mask") = false,
      py::arg("progress") = py::none(),
      "Sum over masked entries of weights[min((a@b)[i, j], len(weights) - 1)], accumulated in long double.");
  m.def(
      "bit_product_max",
      [](const Array& a, const Array& b, std::optional<Array> mask, bool triangular, bool invert_mask,
         py::object progress) {
        check_mask(a, b, mask);
        bits::MaxCount best(mask ? &*mask : nullptr, invert_mask);
        run(a, b, best, triangular, std::move(progress));
        const bits::MaxCount::Result r = best.result();
        return py::make_tuple(r.count, r.i, r.j);
      },
      py::arg("a"), py::arg("b"), py::arg("mask"), py::arg("triangular") = false, py::arg("invert_mask") = false,
      py::arg("progress") = py::none(),
      "(count, i, j): the largest (a@b)[i, j] over masked entries, first in row-major order; (-1, -1, -1) if none.");
}

}  // namespace pycauset::bindings
