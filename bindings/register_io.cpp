// Files: save, load and convert_file over the .pycauset container and .npy (see core/io/file_io.hpp).
#include <pybind11/pybind11.h>

#include "bindings/bindings.hpp"
#include "core/io/file_io.hpp"

namespace py = pybind11;

namespace pycauset::bindings {

void register_io(py::module_& m) {
  m.def(
      "_save",
      [](const Array& array, const std::string& path) {
        py::gil_scoped_release release;
        io::save(array, path);
      },
      py::arg("array"), py::arg("path"), "Write an array to a .pycauset container, atomically (streams tiles).");
  m.def(
      "_load",
      [](const std::string& path, bool verify) {
        py::gil_scoped_release release;
        return io::load(path, verify);
      },
      py::arg("path"), py::arg("verify") = false,
      "Map a .pycauset container read-only as a file-backed array; verify=True checks the payload checksum.");
  m.def(
      "_convert_file",
      [](const std::string& src, const std::string& dst) {
        py::gil_scoped_release release;
        io::convert_file(src, dst);
      },
      py::arg("src"), py::arg("dst"), "Convert between .npy and .pycauset, streaming and atomically.");
}

}  // namespace pycauset::bindings
