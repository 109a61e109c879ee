// The one place where C++ exceptions become Python exceptions (each also a PyCausetError).
#include <pybind11/pybind11.h>

#include <cstring>

#include "bindings/bindings.hpp"
#include "storage/errors.hpp"

namespace py = pybind11;

namespace pycauset::bindings {
namespace {

py::object make_class(py::module_& m, const char* name, py::tuple bases, const char* doc) {
  py::object cls = py::reinterpret_steal<py::object>(
      PyErr_NewExceptionWithDoc((std::string("pycauset._core.") + name).c_str(), doc, bases.ptr(), nullptr));
  if (!cls) throw py::error_already_set();
  m.attr(name) = cls;
  return cls;
}

/// Raise `type` with `message`; bytes that are not UTF-8 (a non-UTF-8 file name) become \xNN escapes.
void set_error(PyObject* type, const char* message) {
  py::object text = py::reinterpret_steal<py::object>(
      PyUnicode_DecodeUTF8(message, static_cast<Py_ssize_t>(std::strlen(message)), "backslashreplace"));
  PyErr_SetObject(type, text.ptr());
}

}  // namespace

void register_errors(py::module_& m) {
  py::object base = make_class(m, "PyCausetError", py::make_tuple(py::reinterpret_borrow<py::object>(PyExc_Exception)),
                               "Base class of every pycauset error.");
  auto builtin = [](PyObject* type) { return py::reinterpret_borrow<py::object>(type); };
  // Leaked on purpose: translators run until interpreter exit.
  static py::object* value_error = new py::object(make_class(m, "PyCausetValueError", py::make_tuple(base, builtin(PyExc_ValueError)), nullptr));
  static py::object* type_error = new py::object(make_class(m, "PyCausetTypeError", py::make_tuple(base, builtin(PyExc_TypeError)), nullptr));
  static py::object* index_error = new py::object(make_class(m, "PyCausetIndexError", py::make_tuple(base, builtin(PyExc_IndexError)), nullptr));
  static py::object* os_error = new py::object(make_class(m, "PyCausetOSError", py::make_tuple(base, builtin(PyExc_OSError)), nullptr));
  static py::object* memory_error = new py::object(make_class(m, "PyCausetMemoryError", py::make_tuple(base, builtin(PyExc_MemoryError)), nullptr));
  static py::object* guard_error = new py::object(make_class(m, "ExportGuardError", py::make_tuple(*memory_error),
      "Raised when exporting a file-backed or oversized object to NumPy without allow_huge=True."));
  static py::object* not_implemented = new py::object(make_class(m, "PyCausetNotImplementedError", py::make_tuple(base, builtin(PyExc_NotImplementedError)), nullptr));
  py::object linalg_base = py::module_::import("numpy.linalg").attr("LinAlgError");
  static py::object* linalg_error = new py::object(make_class(m, "PyCausetLinAlgError", py::make_tuple(base, linalg_base), nullptr));

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const pycauset::ExportGuardError& e) {
      set_error(guard_error->ptr(), e.what());
    } catch (const pycauset::OutOfMemory& e) {
      set_error(memory_error->ptr(), e.what());
    } catch (const pycauset::IoError& e) {
      py::object text = py::reinterpret_steal<py::object>(
          PyUnicode_DecodeUTF8(e.what(), static_cast<Py_ssize_t>(std::strlen(e.what())), "backslashreplace"));
      py::object args = py::make_tuple(e.error_number(), text);
      PyErr_SetObject(os_error->ptr(), args.ptr());
    } catch (const pycauset::TypeError& e) {
      set_error(type_error->ptr(), e.what());
    } catch (const pycauset::ValueError& e) {
      set_error(value_error->ptr(), e.what());
    } catch (const pycauset::IndexError& e) {
      set_error(index_error->ptr(), e.what());
    } catch (const pycauset::LinAlgError& e) {
      set_error(linalg_error->ptr(), e.what());
    } catch (const pycauset::NotImplemented& e) {
      set_error(not_implemented->ptr(), e.what());
    } catch (const std::bad_alloc&) {
      PyErr_SetString(memory_error->ptr(), "out of memory (std::bad_alloc); lower the memory limit so more data spills to disk");
    }
  });
}

}  // namespace pycauset::bindings
