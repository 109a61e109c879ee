// The one place where C++ exceptions become Python exceptions (each also a PyCausetError).
#include <pybind11/pybind11.h>

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
      PyErr_SetString(guard_error->ptr(), e.what());
    } catch (const pycauset::OutOfMemory& e) {
      PyErr_SetString(memory_error->ptr(), e.what());
    } catch (const pycauset::IoError& e) {
      py::object args = py::make_tuple(e.error_number(), e.what());
      PyErr_SetObject(os_error->ptr(), args.ptr());
    } catch (const pycauset::TypeError& e) {
      PyErr_SetString(type_error->ptr(), e.what());
    } catch (const pycauset::ValueError& e) {
      PyErr_SetString(value_error->ptr(), e.what());
    } catch (const pycauset::IndexError& e) {
      PyErr_SetString(index_error->ptr(), e.what());
    } catch (const pycauset::LinAlgError& e) {
      PyErr_SetString(linalg_error->ptr(), e.what());
    } catch (const pycauset::NotImplemented& e) {
      PyErr_SetString(not_implemented->ptr(), e.what());
    } catch (const std::bad_alloc&) {
      PyErr_SetString(memory_error->ptr(), "out of memory (std::bad_alloc); lower the memory limit so more data spills to disk");
    }
  });
}

}  // namespace pycauset::bindings
