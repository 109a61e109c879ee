// Files: save, load and convert_file over the .pycauset container and .npy (see core/io/file_io.hpp).
#include <pybind11/pybind11.h>

#include "bindings/bindings.hpp"
#include "bindings/progress.hpp"
#include "core/io/file_io.hpp"

namespace py = pybind11;

namespace pycauset::bindings {

void register_io(py::module_& m) {
  m.def(
      "_save",
      [](const Array& array, const std::string& path, const py::object& progress) {
        const ProgressFn report = python_progress(progress);
        py::gil_scoped_release release;
        io::save(array, path, report);
      },
      py::arg("array"), py::arg("path"), py::arg("progress") = py::none(),
      "Write an array to a .pycauset container, atomically (streams tiles); progress(done_bytes, total_bytes).");
  m.def(
      "_load",
      [](const std::string& path, bool verify, const py::object& progress) {
        const ProgressFn report = python_progress(progress);
        py::gil_scoped_release release;
        return io::load(path, verify, report);
      },
      py::arg("path"), py::arg("verify") = false, py::arg("progress") = py::none(),
      "Map a .pycauset container read-only as a file-backed array; verify=True checks the payload checksum "
      "(progress(done_bytes, total_bytes) during that pass).");
  m.def(
      "_convert_file",
      [](const std::string& src, const std::string& dst, const py::object& progress) {
        const ProgressFn report = python_progress(progress);
        py::gil_scoped_release release;
        io::convert_file(src, dst, report);
      },
      py::arg("src"), py::arg("dst"), py::arg("progress") = py::none(),
      "Convert between .npy and .pycauset, streaming and atomically; progress(done_bytes, total_bytes).");
}

}  // namespace pycauset::bindings
