// A Python progress callable as a ProgressFn: what the file and expression bindings pass into their kernels.
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

}  // namespace pycauset::bindings
