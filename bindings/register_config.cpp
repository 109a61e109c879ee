// Process-wide settings: memory budget, threads, BLAS identity, memory_info.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings/bindings.hpp"
#include "core/governor.hpp"
#include "core/interrupt.hpp"
#include "core/kernels/elementwise_simd.hpp"
#include "core/threads.hpp"
#include "storage/spill_dir.hpp"

namespace py = pybind11;

namespace pycauset::bindings {

void register_config(py::module_& m) {
  m.def("set_memory_limit", [](std::optional<std::uint64_t> bytes) {
    py::gil_scoped_release release;
    MemoryGovernor::instance().set_limit(bytes);
  });
  m.def("get_memory_limit", []() { return MemoryGovernor::instance().limit(); });
  m.def("parse_byte_count", &parse_byte_count);
  m.def("memory_info", []() {
    MemoryInfo info = MemoryGovernor::instance().info();
    py::dict d;
    d["budget"] = info.budget;
    d["ram_bytes"] = info.ram_bytes;
    d["file_bytes"] = info.file_bytes;
    d["scratch_bytes"] = info.scratch_bytes;
    d["spills"] = info.spills;
    d["recycled_bytes"] = info.recycled_bytes;
    d["ram_objects"] = info.ram_objects;
    d["file_objects"] = info.file_objects;
    d["default_budget"] = info.default_budget;
    d["spill_dir"] = SpillDir::instance().path();
    return d;
  });
  m.def("set_num_threads", &set_num_threads);
  m.def("get_num_threads", &get_num_threads);
  m.def("blas_core_name", &blas_core_name);
  m.def("blas_config", &blas_config);
  m.def("blas_num_threads", &blas_num_threads);
  m.def(
      "simd_level", []() { return std::string(kernels::simd_level_name(kernels::simd_level())); },
      "The instruction set of the elementwise float loops: 'avx512', 'avx2' or 'baseline' (PYCAUSET_SIMD lowers it).");
  m.def("remove_spill_dir", []() { SpillDir::remove_own(); }, "Remove this process's spill directory, if it made one (at exit).");
  m.def("remove_stale_spill_dirs", &remove_stale_spill_dirs);
  // Long kernels (save, convert_file, load with verify) poll this between tiles: Ctrl-C -> KeyboardInterrupt.
  set_interrupt_check([] {
    if (!Py_IsInitialized()) return;
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
  });
  m.def(
      "on_import",
      []() {
        MemoryGovernor::instance();  // an invalid PYCAUSET_MEMORY_LIMIT raises at import
        get_num_threads();           // an invalid PYCAUSET_NUM_THREADS too
        sweep_stale_spill_dirs();    // creates nothing: a missing spill root fails only a real spill
      },
      "Check the environment settings and remove spill directories of dead processes (called at import).");
}

}  // namespace pycauset::bindings
