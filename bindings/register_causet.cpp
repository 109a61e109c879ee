// Causal sets: _core.causal_matrix, count_true, count_true_on_or_below_diagonal, longest_chain (see core/causet/).
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings/bindings.hpp"
#include "bindings/progress.hpp"
#include "core/causet/longest_chain.hpp"
#include "core/causet/relations.hpp"
#include "storage/errors.hpp"

namespace py = pybind11;

namespace pycauset::bindings {

void register_causet(py::module_& m) {
  m.def(
      "causal_matrix",
      [](py::array_t<double, py::array::c_style | py::array::forcecast> points, std::vector<double> periods,
         py::object progress) {
        if (points.ndim() != 2) {
          throw ValueError("points must be an (n, d) array, got rank " + std::to_string(points.ndim()));
        }
        const auto n = static_cast<std::int64_t>(points.shape(0));
        const auto d = static_cast<int>(points.shape(1));
        const double* data = points.data();
        causet::CausetProgress report = interruptible_progress(progress);
        py::gil_scoped_release release;
        return causet::causal_matrix(data, n, d, periods, report);
      },
      py::arg("points"), py::arg("periods"), py::arg("progress") = py::none(),
      "Return the strictly upper-triangular bool causal matrix of (n, d) points sorted by time; periods[a] > 0 "
      "makes spatial direction a + 1 periodic (minimum image). progress(done, total) counts pair tests.");
  m.def(
      "count_true",
      [](const Array& bits) {
        py::gil_scoped_release release;
        return causet::count_true(bits);
      },
      py::arg("bits"), "Return the number of true elements of a bool array (popcount of its packed words).");
  m.def(
      "count_true_on_or_below_diagonal",
      [](const Array& c) {
        py::gil_scoped_release release;
        return causet::count_true_on_or_below_diagonal(c);
      },
      py::arg("c"), "Return the number of true elements on or below the diagonal of a square bool matrix.");
  m.def(
      "longest_chain",
      [](const Array& c, py::object progress) {
        causet::CausetProgress report = interruptible_progress(progress);
        py::gil_scoped_release release;
        return causet::longest_chain(c, report);
      },
      py::arg("c"), py::arg("progress") = py::none(),
      "Return the number of elements in a longest chain of a strictly upper-triangular causal matrix.");
}

}  // namespace pycauset::bindings
