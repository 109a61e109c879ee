// Factorisations: inverse, solve, det/slogdet, eigh (direct and out-of-core), GIL released around each kernel.
#include <pybind11/complex.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings/bindings.hpp"
#include "core/kernels/det.hpp"
#include "core/kernels/eigh.hpp"
#include "core/kernels/inverse.hpp"
#include "core/kernels/solve.hpp"

namespace py = pybind11;

namespace pycauset::bindings {
namespace {

/// Wrap an optional Python callable(done, total) as a ProgressFn that takes the GIL to honour Ctrl-C
/// and to call it.
///
/// Always a function, even without a callback: the kernels report progress between panels (at most
/// ~20 times a second), which is where a pending KeyboardInterrupt stops them, as for matmul. The
/// exception unwinds the kernel like any error: its spill temporaries are removed, inputs untouched.
/// The lambda holds a borrowed pointer (the caller's argument outlives the kernel), so copying the
/// ProgressFn inside the GIL-free kernel never touches reference counts.
ProgressFn progress_fn(const py::object& callback) {
  PyObject* raw = callback.is_none() ? nullptr : callback.ptr();
  return [raw](double done, double total) {
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    if (raw == nullptr) return;
    py::handle callback_handle(raw);
    callback_handle(done, total);
  };
}

}  // namespace

void register_linalg(py::module_& m) {
  m.def(
      "inv",
      [](const Array& a, const std::string& method, const py::object& progress) {
        LinalgMethod how = linalg_method_from_name(method);
        ProgressFn fn = progress_fn(progress);
        py::gil_scoped_release release;
        return inverse(a, how, fn);
      },
      py::arg("a"), py::arg("method") = "auto", py::arg("progress") = py::none(),
      "Return inv(a); method 'auto' | 'direct' | 'ooc'; progress(done_flops, total_flops) or None.");
  m.def(
      "solve",
      [](const Array& a, const Array& b, const std::string& method, const py::object& progress) {
        LinalgMethod how = linalg_method_from_name(method);
        ProgressFn fn = progress_fn(progress);
        py::gil_scoped_release release;
        return solve(a, b, how, fn);
      },
      py::arg("a"), py::arg("b"), py::arg("method") = "auto", py::arg("progress") = py::none(),
      "Return x with a @ x = b (one LU factorisation).");
  m.def(
      "slogdet",
      [](const Array& a, const std::string& method, const py::object& progress) {
        LinalgMethod how = linalg_method_from_name(method);
        ProgressFn fn = progress_fn(progress);
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
