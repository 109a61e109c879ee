// The _core extension module: creates nothing itself, only calls each area's registration.
#include "bindings/bindings.hpp"

PYBIND11_MODULE(_core, m) {
  m.doc() = "pycauset native core (private; use the pycauset package)";
  using namespace pycauset::bindings;
  register_errors(m);
  register_config(m);
  register_array(m);
  register_numpy_bridge(m);
  register_creation(m);
  register_io(m);
  register_expressions(m);
  register_matmul(m);
  register_linalg(m);
  register_bits(m);
  register_triangular(m);
  register_causet(m);
}
