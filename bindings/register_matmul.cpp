// Matrix products: direct BLAS path and the out-of-core tiled GEMM.
#include <pybind11/pybind11.h>

#include "bindings/bindings.hpp"

namespace py = pybind11;

namespace pycauset::bindings {

void register_matmul(py::module_& m) {}

}  // namespace pycauset::bindings
