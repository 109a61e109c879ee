// Files: save, load and convert_file (filled in with the container format).
#include <pybind11/pybind11.h>

#include "bindings/bindings.hpp"

namespace py = pybind11;

namespace pycauset::bindings {

void register_io(py::module_& m) {}

}  // namespace pycauset::bindings
