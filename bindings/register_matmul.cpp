// Matrix products: _core.matmul (direct BLAS path and out-of-core tiled GEMM) and tile I/O counters.
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>

#include "bindings/bindings.hpp"
#include "bindings/progress.hpp"
#include "core/kernels/gemm.hpp"
#include "core/tiles/tile_io.hpp"

namespace py = pybind11;

namespace pycauset::bindings {

void register_matmul(py::module_& m) {
  m.def(
      "matmul",
      [](const Array& a, const Array& b, py::object progress) {
        // Called after every tile product: a long out-of-core product stays interruptible.
        GemmProgress report = interruptible_progress(progress);
        py::gil_scoped_release release;
        return matmul(a, b, report);
      },
      py::arg("a"), py::arg("b"), py::arg("progress") = py::none(),
      "Return a @ b with NumPy's matmul rules (vector @ vector gives a 1 x 1 matrix). `progress`, if given, is "
      "called as progress(done, total) in multiply-add units.");
  m.def(
      "tile_io_stats",
      []() {
        tiles::TileIoStats s = tiles::tile_io_stats();
        py::dict out;
        out["bytes_read"] = s.bytes_read;
        out["bytes_written"] = s.bytes_written;
        out["bytes_streamed"] = s.bytes_streamed;
        out["wait_seconds"] = s.wait_seconds;
        out["read_seconds"] = s.read_seconds;
        out["write_seconds"] = s.write_seconds;
        out["compute_seconds"] = s.compute_seconds;
        return out;
      },
      "Cumulative bytes the tile kernels read from and wrote to file-backed storage (bytes_streamed: the part "
      "moved as whole-row bands, unbuffered where the file system allows), seconds kernels waited for I/O, and the "
      "phase profile: seconds spent reading and writing tiles (I/O threads) and in tile products (compute).");
}

}  // namespace pycauset::bindings
