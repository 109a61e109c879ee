// The native Array class: view accessors, element access, and the read-only buffer protocol.
#include <pybind11/complex.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <cstring>

#include "bindings/bindings.hpp"
#include "bindings/export_limits.hpp"
#include "core/array.hpp"
#include "core/kernels/fill.hpp"
#include "core/kernels/triangle.hpp"

namespace py = pybind11;

namespace pycauset::bindings {
namespace {

/// What a live buffer export holds: the bytes (so a later swap cannot free them) and the layout.
struct ExportHold {
  std::shared_ptr<Buffer> buffer;
  std::shared_ptr<ByteStore> store;
  Py_ssize_t shape[2];
  Py_ssize_t strides[2];
};


}  // namespace

const char* buffer_format(DType d) {
  switch (d) {
    case DType::Int8: return "b";
    case DType::Int16: return "h";
    case DType::Int32: return "i";
    case DType::Int64: return "q";
    case DType::UInt8: return "B";
    case DType::UInt16: return "H";
    case DType::UInt32: return "I";
    case DType::UInt64: return "Q";
    case DType::Float32: return "f";
    case DType::Float64: return "d";
    case DType::Complex64: return "Zf";
    case DType::Complex128: return "Zd";
    default: return nullptr;
  }
}

int fill_buffer_view(const Array& array, PyObject* owner, Py_buffer* view, int flags, bool allow_file) {
  view->obj = nullptr;
  if (flags & PyBUF_WRITABLE) {
    PyErr_SetString(PyExc_BufferError, "pycauset exports read-only buffers; use to_numpy(copy=True) for a writable copy");
    return -1;
  }
  if (array.dtype() == DType::Bool) {
    PyErr_SetString(PyExc_BufferError, "bool arrays are bit-packed; use packbits() or np.asarray (unpacked copy)");
    return -1;
  }
  // Pin first, then read the store: a spill landing in between could otherwise hand NumPy a stale copy.
  array.buffer()->add_export();
  auto store = array.buffer()->store();
  if (store->is_file() && !(allow_file && store->read_only())) {
    array.buffer()->remove_export();
    PyErr_SetString(PyExc_BufferError, "file-backed arrays do not export buffers; use pycauset.to_numpy(..., allow_huge=True)");
    return -1;
  }
  if (!allow_file && !export_allowed(array.nbytes())) {
    array.buffer()->remove_export();
    PyErr_Format(PyExc_BufferError,
                 "a buffer export of %llu bytes exceeds the export limit of %lld bytes set by "
                 "pycauset.set_export_max_bytes; raise the limit, or pass allow_huge=True, as in "
                 "pycauset.to_numpy(obj, copy=False, allow_huge=True)",
                 static_cast<unsigned long long>(array.nbytes()), static_cast<long long>(export_max_bytes()));
    return -1;
  }
  auto* hold = new ExportHold{array.buffer(), store, {}, {}};
  const Py_ssize_t item = itemsize(array.dtype());
  int ndim = array.ndim();
  if (ndim == 1) {
    hold->shape[0] = array.cols();
    hold->strides[0] = array.col_stride() * item;
  } else {
    hold->shape[0] = array.rows();
    hold->shape[1] = array.cols();
    hold->strides[0] = array.row_stride() * item;
    hold->strides[1] = array.col_stride() * item;
  }
  describe_buffer(view, owner,
                  BufferLayout{store->data() + array.offset() * item, static_cast<Py_ssize_t>(array.size()) * item, item,
                               /*readonly=*/true, ndim, buffer_format(array.dtype()), hold->shape, hold->strides, hold},
                  flags);
  return 0;
}

void describe_buffer(Py_buffer* view, PyObject* owner, const BufferLayout& layout, int flags) {
  view->buf = layout.data;
  view->obj = owner;
  Py_INCREF(owner);
  view->len = layout.len;
  view->itemsize = layout.itemsize;
  view->readonly = layout.readonly ? 1 : 0;
  view->ndim = layout.ndim;
  view->format = (flags & PyBUF_FORMAT) ? const_cast<char*>(layout.format) : nullptr;
  view->shape = layout.shape;
  view->strides = layout.strides;
  view->suboffsets = nullptr;
  view->internal = layout.internal;
}

void release_buffer_view(Py_buffer* view) {
  auto* hold = static_cast<ExportHold*>(view->internal);
  if (hold != nullptr) {
    hold->buffer->remove_export();
    delete hold;
    view->internal = nullptr;
  }
}

namespace {

int array_getbuffer(PyObject* self, Py_buffer* view, int flags) {
  try {
    const Array& array = py::handle(self).cast<const Array&>();
    return fill_buffer_view(array, self, view, flags, /*allow_file=*/false);
  } catch (py::error_already_set& e) {
    e.restore();
    return -1;
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_BufferError, e.what());
    return -1;
  }
}

void array_releasebuffer(PyObject*, Py_buffer* view) { release_buffer_view(view); }

void check_index(const Array& a, std::int64_t i, std::int64_t j) {
  if (i < 0 || i >= a.rows() || j < 0 || j >= a.cols()) throw IndexError("index out of range");
}

}  // namespace

void register_array(py::module_& m) {
  m.def("triangle", [](const Array& a, std::int64_t k, bool upper) {
    py::gil_scoped_release release;
    return triangle(a, k, upper);
  }, py::arg("a"), py::arg("k"), py::arg("upper"),
     "numpy.triu (upper) or numpy.tril of a matrix as a new matrix; bool on packed words; streams any size.");
  m.def("promote_types", [](const std::string& a, const std::string& b) {
    return std::string(dtype_name(promote_types(dtype_from_name(a), dtype_from_name(b))));
  }, "NumPy's result dtype for two array dtypes (the one promotion function).");
  m.def("promote_with_scalar", [](const std::string& a, const std::string& kind) {
    if (kind.size() != 1) throw ValueError("scalar kind must be one of b, i, f, c");
    return std::string(dtype_name(promote_with_scalar(dtype_from_name(a), kind[0])));
  }, "NumPy (NEP 50) result dtype of an array with a Python scalar of kind b/i/f/c.");
  m.def("supported_dtypes", []() { return supported_dtype_names(); });
  py::class_<Array>(m, "Array", py::custom_type_setup([](PyHeapTypeObject* heap_type) {
                      heap_type->ht_type.tp_as_buffer = &heap_type->as_buffer;
                      heap_type->as_buffer.bf_getbuffer = array_getbuffer;
                      heap_type->as_buffer.bf_releasebuffer = array_releasebuffer;
                    }))
      .def(py::init<const Array&>(), "Share the handle of another array (same buffer, same view).")
      .def_property_readonly("dtype_name", [](const Array& a) { return std::string(dtype_name(a.dtype())); })
      .def_property_readonly("ndim", &Array::ndim)
      .def_property_readonly("_rows", &Array::rows)
      .def_property_readonly("_cols", &Array::cols)
      .def_property_readonly("size", &Array::size)
      .def_property_readonly("nbytes", &Array::nbytes)
      .def_property_readonly("_stored_bytes", [](const Array& a) { return a.buffer()->nbytes(); })
      .def_property_readonly("storage", [](const Array& a) { return a.is_file() ? "file" : "ram"; })
      .def_property_readonly("path", [](const Array& a) -> py::object {
        std::string p = a.buffer()->path();
        if (p.empty()) return py::none();
        // As os.fsdecode: a file name that is not UTF-8 keeps its bytes as surrogate escapes.
        return py::reinterpret_steal<py::object>(PyUnicode_DecodeFSDefaultAndSize(p.data(), static_cast<Py_ssize_t>(p.size())));
      })
      .def_property_readonly("_read_only_file", [](const Array& a) { return a.buffer()->read_only(); })
      .def_property_readonly("_is_contiguous", &Array::is_contiguous)
      .def_property_readonly("_is_whole_buffer", &Array::is_whole_buffer)
      .def("_same_buffer", [](const Array& a, const Array& b) { return a.buffer() == b.buffer(); })
      .def("_transposed", &Array::transposed)
      .def("_sliced", &Array::sliced)
      .def("_view", [](const Array& a, int ndim, std::int64_t rows, std::int64_t cols, std::int64_t offset,
                       std::int64_t row_stride, std::int64_t col_stride) {
        // A general strided view (diagonals, zero-stride broadcasts); every reachable element must lie in the buffer.
        std::int64_t capacity = a.dtype() == DType::Bool ? static_cast<std::int64_t>(a.buffer()->nbytes()) * 8
                                                         : static_cast<std::int64_t>(a.buffer()->nbytes()) / itemsize(a.dtype());
        if (rows > 0 && cols > 0) {
          std::int64_t lo = offset + std::min<std::int64_t>(0, (rows - 1) * row_stride) + std::min<std::int64_t>(0, (cols - 1) * col_stride);
          std::int64_t hi = offset + std::max<std::int64_t>(0, (rows - 1) * row_stride) + std::max<std::int64_t>(0, (cols - 1) * col_stride);
          if (lo < 0 || hi >= capacity) throw IndexError("strided view reaches outside its buffer");
        }
        return Array(a.buffer(), a.dtype(), ndim, rows, cols, offset, row_stride, col_stride);
      })
      .def("_component", [](const Array& a, int part) {
        // The real (part 0) or imaginary (part 1) parts of a complex array as a strided view of the same
        // buffer (NumPy's .real/.imag): in units of the real type, every offset and stride doubles.
        DType real = real_dtype(a.dtype());
        if (real == a.dtype()) throw TypeError("_component needs a complex array, got " + std::string(dtype_name(a.dtype())));
        return Array(a.buffer(), real, a.ndim(), a.rows(), a.cols(), 2 * a.offset() + part, 2 * a.row_stride(),
                     2 * a.col_stride());
      })
      .def_property_readonly("_offset", &Array::offset)
      .def_property_readonly("_row_stride", &Array::row_stride)
      .def_property_readonly("_col_stride", &Array::col_stride)
      .def("_row", &Array::row)
      .def("_column", &Array::column)
      .def("_copy_as", [](const Array& a, const std::string& dtype) {
        DType d = dtype_from_name(dtype);
        py::gil_scoped_release release;
        return a.copy_as(d);
      })
      .def("_copy_from", [](const Array& dst, const Array& src) {
        py::gil_scoped_release release;
        copy_array(src, dst);
      })
      .def("_fill_raw", [](const Array& a, py::bytes value) {
        std::string raw = value;
        py::gil_scoped_release release;
        fill(a, raw.data());
      })
      .def("_get_raw", [](const Array& a, std::int64_t i, std::int64_t j) {
        check_index(a, i, j);
        char out[16];
        {
          py::gil_scoped_release release;
          get_element(a, i, j, out);
        }
        return py::bytes(out, static_cast<std::size_t>(itemsize(a.dtype())));
      })
      .def("_set_raw", [](const Array& a, std::int64_t i, std::int64_t j, py::bytes value) {
        check_index(a, i, j);
        std::string raw = value;
        py::gil_scoped_release release;
        set_element(a, i, j, raw.data());
      })
      .def_property_readonly("_exports", [](const Array& a) { return a.buffer()->exports(); });
}

}  // namespace pycauset::bindings
