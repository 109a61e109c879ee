// Factories: zero-filled arrays and seeded random arrays.
#include <pybind11/pybind11.h>

#include "bindings/bindings.hpp"
#include "core/array.hpp"
#include "core/kernels/random.hpp"

namespace py = pybind11;

namespace pycauset::bindings {

void register_creation(py::module_& m) {
  m.def("zeros", [](const std::string& dtype, int ndim, std::int64_t rows, std::int64_t cols, const std::string& placement) {
    DType d = dtype_from_name(dtype);
    Placement where = placement_from_name(placement);
    py::gil_scoped_release release;
    return Array::zeros(d, ndim, rows, cols, where);
  }, py::arg("dtype"), py::arg("ndim"), py::arg("rows"), py::arg("cols"), py::arg("placement") = "auto");
  m.def("random", [](const std::string& dtype, int ndim, std::int64_t rows, std::int64_t cols,
                     const std::string& distribution, double a, double b, std::uint64_t seed) {
    DType d = dtype_from_name(dtype);
    Distribution dist = distribution == "normal" ? Distribution::Normal : Distribution::Uniform;
    py::gil_scoped_release release;
    Array out = Array::zeros(d, ndim, rows, cols);
    fill_random(out, dist, a, b, seed);
    return out;
  });
}

}  // namespace pycauset::bindings
