// Triangular solves: _core.solve_triangular (SciPy's signature) and the implicit factor I + s·M of a
// bool matrix that the retarded propagator uses.
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>

#include "bindings/bindings.hpp"
#include "bindings/progress.hpp"
#include "core/kernels/triangular_solve.hpp"

namespace py = pybind11;

namespace pycauset::bindings {

void register_triangular(py::module_& m) {
  m.def(
      "solve_triangular",
      [](const Array& a, const Array& b, bool lower, bool unit_diagonal, double scale, bool identity_plus,
         double rhs_scale, bool rhs_lower, const std::string& method, const py::object& progress) {
        TriangularFactor factor{a, lower, unit_diagonal, scale, identity_plus};
        TriangularRhs rhs{rhs_scale, rhs_lower};
        const LinalgMethod how = linalg_method_from_name(method);
        const ProgressFn report = interruptible_progress(progress);
        py::gil_scoped_release release;
        return solve_triangular(factor, b, rhs, how, report);
      },
      py::arg("a"), py::arg("b"), py::arg("lower") = false, py::arg("unit_diagonal") = false,
      py::arg("scale") = 1.0, py::arg("identity_plus") = false, py::arg("rhs_scale") = 1.0,
      py::arg("rhs_lower") = false, py::arg("method") = "auto", py::arg("progress") = py::none(),
      "X with A X = rhs_scale * b, A = (I if identity_plus) + scale * a triangular (lower / upper, unit_diagonal: "
      "ones taken on the diagonal). a may be bool (converted panel by panel). rhs_lower: b is lower triangular.");
}

}  // namespace pycauset::bindings
