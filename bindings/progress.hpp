// A Python progress callable as a kernel's between-tiles hook: with or without a Ctrl-C check.
#pragma once

#include <pybind11/pybind11.h>

#include "core/progress.hpp"

namespace pycauset::bindings {

/// \brief Wrap an optional Python callable(done, total) as a ProgressFn, or an empty one for None.
///
/// The kernels run without the GIL and call the function between tiles (throttled to every few ms); it takes
/// the GIL for the call only. Ctrl-C is the kernels' own check_interrupt's business, so None costs nothing.
/// The lambda holds a borrowed pointer (the caller's argument outlives the kernel), so copying the ProgressFn
/// inside the GIL-free kernel never touches reference counts. A Python exception in the callable unwinds the
/// kernel like any error (temporary files removed, the target untouched).
inline ProgressFn python_progress(const pybind11::object& callback) {
  if (callback.is_none()) return {};
  PyObject* raw = callback.ptr();
  return [raw](double done, double total) {
    pybind11::gil_scoped_acquire gil;
    const pybind11::handle callable(raw);
    callable(done, total);
  };
}

/// \brief Wrap an optional Python callable(done, total) as a kernel's hook that also honours Ctrl-C.
///
/// For the kernels that have no check_interrupt of their own (matmul, the factorisations, the bit product,
/// the causal-set kernels): it is called between tiles or panels even without a callback, takes the GIL,
/// and a pending KeyboardInterrupt unwinds the kernel like any error (temporaries removed, inputs untouched).
/// Generic in the units, so it converts to each kernel's callback type (ProgressFn, GemmProgress, ...).
/// Like python_progress it holds a borrowed pointer: the caller's argument must outlive the kernel, and
/// copies made inside the GIL-free kernel never touch reference counts.
inline auto interruptible_progress(const pybind11::object& callback) {
  PyObject* raw = callback.is_none() ? nullptr : callback.ptr();
  return [raw](auto done, auto total) {
    pybind11::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) throw pybind11::error_already_set();
    if (raw == nullptr) return;
    const pybind11::handle callable(raw);
    callable(done, total);
  };
}

}  // namespace pycauset::bindings
