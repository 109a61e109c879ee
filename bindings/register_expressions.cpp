// Lazy expressions: building and evaluating fused elementwise trees, reductions.
#include <pybind11/pybind11.h>

#include "bindings/bindings.hpp"

namespace py = pybind11;

namespace pycauset::bindings {

void register_expressions(py::module_& m) {}

}  // namespace pycauset::bindings
