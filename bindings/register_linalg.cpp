// Factorisations: inverse, solve, det/slogdet, eigh (direct and out-of-core), GIL released around each kernel.
#include <pybind11/complex.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings/bindings.hpp"
#include "bindings/progress.hpp"
#include "core/kernels/det.hpp"
#include "core/kernels/eigh.hpp"
#include "core/kernels/inverse.hpp"
#include "core/kernels/solve.hpp"

namespace py = pybind11;

namespace pycauset::bindings {

void register_linalg(py::module_& m) {
  m.def(
      "inv",
      [](const Array& a, const std::string& method, const py::object& progress) {
        LinalgMethod how = linalg_method_from_name(method);
        ProgressFn fn = interruptible_progress(progress);
        py::gil_scoped_release release;
        return inverse(a, how, fn);
      },
      py::arg("a"), py::arg("method") = "auto", py::arg("progress") = py::none(),
      "Return inv(a); method 'auto' | 'direct' | 'ooc'; progress(done_flops, total_flops) or None.");
  m.def(
      "solve",
      [](const Array& a, const Array& b, const std::string& method, const py::object& progress) {
        LinalgMethod how = linalg_method_from_name(method);
        ProgressFn fn = interruptible_progress(progress);
        py::gil_scoped_release release;
        return solve(a, b, how, fn);
      },
      py::arg("a"), py::arg("b"), py::arg("method") = "auto", py::arg("progress") = py::none(),
      "Return x with a @ x = b (one LU factorisation).");
  m.def(
      "slogdet",
      [](const Array& a, const std::string& method, const py::object& progress) {
        LinalgMethod how = linalg_method_from_name(method);
        ProgressFn fn = interruptible_progress(progress);
        SlogdetResult r;
        {
          py::gil_scoped_release release;
          r = slogdet(a, how, fn);
        }
        return py::make_tuple(r.sign, r.logabsdet, dtype_name(r.dtype));
      },
      py::arg("a"), py::arg("method") = "auto", py::arg("progress") = py::none(),
      "Return (sign as complex, logabsdet as float, dtype name of the factorisation).");
  m.def(
      "eigh",
      [](const Array& a, const std::string& uplo) {
        if (uplo.size() != 1) throw ValueError("UPLO must be 'L' or 'U', got '" + uplo + "'");
        py::gil_scoped_release release;
        return eigh(a, uplo[0]);
      },
      py::arg("a"), py::arg("uplo") = "L", "Return (w, v) of a Hermitian matrix (syevd/heevd in RAM).");
  m.attr("IN_RAM_OVER_BUDGET_ALLOWANCE") = kInRamOverBudgetAllowance;
}

}  // namespace pycauset::bindings
