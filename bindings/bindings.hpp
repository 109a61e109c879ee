// Registration entry points of the _core module, one per area (see module.cpp).
#pragma once

#include <pybind11/pybind11.h>

namespace pycauset::bindings {

void register_errors(pybind11::module_& m);
void register_array(pybind11::module_& m);
void register_numpy_bridge(pybind11::module_& m);
void register_config(pybind11::module_& m);
void register_creation(pybind11::module_& m);
void register_io(pybind11::module_& m);
void register_expressions(pybind11::module_& m);
void register_matmul(pybind11::module_& m);
void register_linalg(pybind11::module_& m);
void register_bits(pybind11::module_& m);
void register_triangular(pybind11::module_& m);
void register_causet(pybind11::module_& m);

}  // namespace pycauset::bindings
