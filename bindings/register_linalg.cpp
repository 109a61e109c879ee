// Factorisations: inverse, solve, det/slogdet, eigh (direct and out-of-core).
#include <pybind11/pybind11.h>

#include "bindings/bindings.hpp"

namespace py = pybind11;

namespace pycauset::bindings {

void register_linalg(py::module_& m) {}

}  // namespace pycauset::bindings
