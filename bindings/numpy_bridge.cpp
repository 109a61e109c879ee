// The one compiled choke-point for NumPy data: import from ndarrays, export into ndarrays, zero-copy views.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings/bindings.hpp"
#include "bindings/export_limits.hpp"
#include "core/array.hpp"
#include "core/governor.hpp"
#include "storage/ram_buffer.hpp"

namespace py = pybind11;

namespace pycauset::bindings {
namespace {

/// Describe a NumPy array (any strides, rank 0..2 already checked by the facade) as a region.
StridedRegion region_of_ndarray(const py::array& a, DType dtype, bool byteswapped) {
  StridedRegion r;
  r.data = static_cast<std::byte*>(const_cast<void*>(a.data()));
  r.dtype = dtype;
  r.byteswapped = byteswapped;
  if (a.ndim() == 1) {
    r.rows = 1;
    r.cols = a.shape(0);
    r.row_stride = 0;
    r.col_stride = a.strides(0);
  } else if (a.ndim() == 2) {
    r.rows = a.shape(0);
    r.cols = a.shape(1);
    r.row_stride = a.strides(0);
    r.col_stride = a.strides(1);
  } else {
    throw ValueError("expected a 1-D or 2-D array, got rank " + std::to_string(a.ndim()));
  }
  return r;
}

/// A read-only zero-copy export that the facade has already passed through the export guard: of a RAM
/// buffer, or of a file mapped read-only (to_numpy(copy=False) of a loaded file). No limit is checked here.
struct MappedView {
  Array array;
};

/// A zero-copy uint8 view of packed bool bits (packbits()).
struct PackedBitsView {
  Array array;
  Py_ssize_t shape[1];
  Py_ssize_t strides[1];
};

/// A private contiguous copy whose bytes NumPy takes over, writable: to_numpy's copy lands in a recycled,
/// already-touched RAM mapping (fast) instead of fresh pages that NumPy's allocation would fault in one by
/// one. Like memory NumPy allocates itself, it is outside the governor's accounting; when NumPy lets go,
/// the mapping returns to RamBuffer's recycler. Nothing else references it, so it may be writable.
struct OwnedCopy {
  std::unique_ptr<RamBuffer> ram;
  DType dtype;
  int ndim;
  Py_ssize_t shape[2];
  Py_ssize_t strides[2];
};

OwnedCopy make_owned_copy(const Array& source) {
  const std::int64_t item = itemsize(source.dtype());
  OwnedCopy copy{std::make_unique<RamBuffer>(static_cast<std::uint64_t>(source.size()) * item, /*zeroed=*/false),
                 source.dtype(), source.ndim(), {}, {}};
  copy.shape[0] = source.ndim() == 1 ? source.cols() : source.rows();
  copy.shape[1] = source.cols();
  copy.strides[0] = source.ndim() == 1 ? item : source.cols() * item;
  copy.strides[1] = item;
  StridedRegion target;
  target.data = copy.ram->data();
  target.dtype = source.dtype();
  target.rows = source.rows();
  target.cols = source.cols();
  target.row_stride = source.cols() * item;
  target.col_stride = item;
  Buffer::Lease lease = Buffer::lease(source.buffer());
  copy_region(region_of(source, lease.data()), target);
  return copy;
}

int owned_copy_getbuffer(PyObject* self, Py_buffer* view, int flags) {
  OwnedCopy& copy = py::handle(self).cast<OwnedCopy&>();
  const Py_ssize_t item = itemsize(copy.dtype);
  describe_buffer(view, self,
                  BufferLayout{copy.ram->data(), static_cast<Py_ssize_t>(copy.ram->size()), item, /*readonly=*/false,
                               copy.ndim, buffer_format(copy.dtype), copy.shape, copy.strides, nullptr},
                  flags);
  return 0;
}

std::atomic<std::int64_t> g_export_max{-1};

}  // namespace

std::int64_t export_max_bytes() { return g_export_max.load(); }

bool export_allowed(std::uint64_t nbytes) {
  std::int64_t limit = g_export_max.load();
  return limit < 0 || nbytes <= static_cast<std::uint64_t>(limit);
}

void register_numpy_bridge(py::module_& m) {
  m.def("import_numpy", [](py::array source, const std::string& source_dtype, bool byteswapped,
                           const std::string& target_dtype, int ndim, const std::string& placement) {
    DType src = dtype_from_name(source_dtype), dst = dtype_from_name(target_dtype);
    StridedRegion in = region_of_ndarray(source, src, byteswapped);
    Placement where = placement_from_name(placement);
    py::gil_scoped_release release;
    Array out = Array::uninitialized(dst, ndim, in.rows, in.cols, where);
    Buffer::Lease lease = Buffer::lease(out.buffer());
    copy_region(in, region_of(out, lease.data()));
    return out;
  }, "Copy an ndarray (any strides and byte order) into a new governed array.", py::arg("source"),
     py::arg("source_dtype"), py::arg("byteswapped"), py::arg("target_dtype"), py::arg("ndim"), py::arg("placement") = "auto");

  m.def("assign_numpy", [](const Array& target, py::array source, const std::string& source_dtype, bool byteswapped) {
    StridedRegion in = region_of_ndarray(source, dtype_from_name(source_dtype), byteswapped);
    py::gil_scoped_release release;
    target.make_writable();
    Buffer::Lease lease = Buffer::lease(target.buffer());
    copy_region(in, region_of(target, lease.data()));
  }, "Copy an ndarray of the same (broadcast) shape into an existing view.");

  m.def("export_numpy", [](const Array& source, py::array out) {
    if (!(out.flags() & py::array::c_style) || !out.writeable()) throw ValueError("export target must be a writable C-contiguous array");
    StridedRegion dst = region_of_ndarray(out, dtype_from_name(py::str(out.dtype().attr("name"))), false);
    dst.packed_bits = false;
    py::gil_scoped_release release;
    Buffer::Lease lease = Buffer::lease(source.buffer());
    copy_region(region_of(source, lease.data()), dst);
  }, "Copy an array into a NumPy array of the same shape, converting dtype.");

  m.def("set_export_max_bytes", [](std::optional<std::int64_t> n) {
    if (n && *n < 0) throw ValueError("export limit must be >= 0 bytes or None");
    g_export_max = n ? *n : -1;
  });
  m.def("get_export_max_bytes", []() -> std::optional<std::int64_t> {
    std::int64_t v = g_export_max.load();
    if (v < 0) return std::nullopt;
    return v;
  });
  m.def("small_export_allowance", []() { return MemoryGovernor::instance().small_object_bytes(); },
        "Return min(64 MiB, budget / 4): file-backed objects up to this size export without allow_huge.");

  py::class_<OwnedCopy>(m, "OwnedCopy", py::custom_type_setup([](PyHeapTypeObject* heap_type) {
                          heap_type->ht_type.tp_as_buffer = &heap_type->as_buffer;
                          heap_type->as_buffer.bf_getbuffer = owned_copy_getbuffer;
                          heap_type->as_buffer.bf_releasebuffer = nullptr;
                        }))
      .def(py::init([](const Array& source) {
        if (source.dtype() == DType::Bool) throw ValueError("bool exports unpack into NumPy memory; use export_numpy");
        py::gil_scoped_release release;
        return make_owned_copy(source);
      }), "Copy an array into private RAM that a NumPy array then owns (writable, C order).");

  py::class_<MappedView>(m, "MappedView", py::custom_type_setup([](PyHeapTypeObject* heap_type) {
                           heap_type->ht_type.tp_as_buffer = &heap_type->as_buffer;
                      heap_type->as_buffer.bf_getbuffer = [](PyObject* self, Py_buffer* view, int flags) -> int {
                             const MappedView& v = py::handle(self).cast<const MappedView&>();
                             return fill_buffer_view(v.array, self, view, flags, /*allow_file=*/true);
                           };
                           heap_type->as_buffer.bf_releasebuffer = [](PyObject*, Py_buffer* view) { release_buffer_view(view); };
                         }))
      .def(py::init([](const Array& a) { return MappedView{a}; }));

  py::class_<PackedBitsView>(m, "PackedBits", py::custom_type_setup([](PyHeapTypeObject* heap_type) {
                               heap_type->ht_type.tp_as_buffer = &heap_type->as_buffer;
                      heap_type->as_buffer.bf_getbuffer = [](PyObject* self, Py_buffer* view, int flags) -> int {
                                 PackedBitsView& v = py::handle(self).cast<PackedBitsView&>();
                                 if (flags & PyBUF_WRITABLE) {
                                   PyErr_SetString(PyExc_BufferError, "packed bits are exported read-only");
                                   return -1;
                                 }
                                 v.array.buffer()->add_export();  // pin before reading the store (spill race)
                                 auto store = v.array.buffer()->store();
                                 v.shape[0] = static_cast<Py_ssize_t>((v.array.size() + 7) / 8);
                                 v.strides[0] = 1;
                                 describe_buffer(view, self,
                                                 BufferLayout{store->data() + v.array.offset() / 8, v.shape[0], 1,
                                                              /*readonly=*/true, 1, "B", v.shape, v.strides,
                                                              new std::shared_ptr<ByteStore>(store)},
                                                 flags);
                                 return 0;
                               };
                               heap_type->as_buffer.bf_releasebuffer = [](PyObject* self, Py_buffer* view) {
                                 py::handle(self).cast<PackedBitsView&>().array.buffer()->remove_export();
                                 delete static_cast<std::shared_ptr<ByteStore>*>(view->internal);
                               };
                             }))
      .def(py::init([](const Array& a) {
        if (a.dtype() != DType::Bool || !a.is_contiguous()) throw ValueError("packed bits view needs a contiguous bool array");
        return PackedBitsView{a, {0}, {1}};
      }));
}

}  // namespace pycauset::bindings
