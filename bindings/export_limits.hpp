// The export guard limit shared by the buffer protocol and to_numpy (set_export_max_bytes).
#pragma once

#include <Python.h>

#include <cstdint>
#include <optional>

#include "core/dtype/dtype.hpp"

namespace pycauset {
class Array;
}

namespace pycauset::bindings {

/// \brief Return whether exporting `nbytes` is within set_export_max_bytes (None: always).
bool export_allowed(std::uint64_t nbytes);

/// \brief Return the limit set by set_export_max_bytes in bytes, or -1 when there is none.
std::int64_t export_max_bytes();

/// \brief Fill a Py_buffer for `array` (read-only, zero-copy). allow_file admits read-only mapped files.
int fill_buffer_view(const Array& array, PyObject* owner, Py_buffer* view, int flags, bool allow_file);

/// \brief Return the buffer-protocol format of a dtype ("d", "Zf", ...), nullptr for bit-packed bool.
const char* buffer_format(DType dtype);

/// \brief What a buffer export describes; `format` is used only when the consumer asks for it.
struct BufferLayout {
  void* data;
  Py_ssize_t len;
  Py_ssize_t itemsize;
  bool readonly;
  int ndim;
  const char* format;
  Py_ssize_t* shape;    ///< owned by the exporter, alive until release
  Py_ssize_t* strides;  ///< owned by the exporter, alive until release
  void* internal;       ///< handed back to the exporter's release
};

/// \brief Fill every field of `view` from `layout` and take a reference to `owner` (all exports share this).
void describe_buffer(Py_buffer* view, PyObject* owner, const BufferLayout& layout, int flags);

/// \brief Release what fill_buffer_view took.
void release_buffer_view(Py_buffer* view);

}  // namespace pycauset::bindings
