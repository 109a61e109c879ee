// convert_file: .npy <-> .pycauset by mapping the source read-only and streaming the target atomically.
#include <algorithm>
#include <cctype>

#include "core/io/file_io.hpp"
#include "core/io/payload_writer.hpp"
#include "storage/atomic_file.hpp"
#include "storage/errors.hpp"
#include "storage/npy_format.hpp"

namespace pycauset::io {
namespace {

enum class FileKind { Npy, Container, Other };

FileKind kind_of(const std::string& path) {
  std::string lower = path;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  auto ends_with = [&](const std::string& suffix) {
    return lower.size() >= suffix.size() && lower.compare(lower.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends_with(".npy")) return FileKind::Npy;
  if (ends_with(".pycauset")) return FileKind::Container;
  return FileKind::Other;
}

/// A NumPy-style name for a descr pycauset may not support, for error messages ("float16", "object").
std::string numpy_name(char kind, std::uint64_t itemsize) {
  const std::string bits = std::to_string(8 * itemsize);
  switch (kind) {
    case 'b': return itemsize == 1 ? "bool" : "bool" + bits;
    case 'i': return "int" + bits;
    case 'u': return "uint" + bits;
    case 'f': return "float" + bits;
    case 'c': return "complex" + bits;
    case 'O': return "object";
    case 'U': return "str";
    case 'S': return "bytes";
    case 'V': return "void";
    case 'M': return "datetime64";
    case 'm': return "timedelta64";
    default: return std::string("kind '") + kind + "'";
  }
}

/// The dtype of a .npy descr, or TypeError naming it and the supported list.
DType dtype_of(const NpyHeader& h, const std::string& path) {
  const std::string name = numpy_name(h.kind, h.itemsize);
  for (int id = 0; id < kNumDTypes; ++id) {
    auto d = static_cast<DType>(id);
    if (name == dtype_name(d)) return d;
  }
  throw TypeError("'" + path + "' holds dtype " + name + " (descr '" + h.descr + "'), which pycauset does not support; " +
                  "supported dtypes are: " + supported_dtype_names());
}

/// The .npy descr of a dtype in native (little-endian) order: "<f8", "|b1", "|u1".
std::string descr_of(DType d) {
  const int size = itemsize(d);
  char kind = 'f';
  if (d == DType::Bool) kind = 'b';
  else if (is_signed_integer_dtype(d)) kind = 'i';
  else if (is_integer_dtype(d)) kind = 'u';
  else if (is_complex_dtype(d)) kind = 'c';
  return std::string(size == 1 ? "|" : "<") + kind + std::to_string(size);
}

void npy_to_container(const std::string& src, const std::string& dst, const ProgressFn& progress) {
  const NpyHeader h = read_npy_header(src);
  if (h.shape.size() != 1 && h.shape.size() != 2) {
    throw ValueError("'" + src + "' holds a rank-" + std::to_string(h.shape.size()) +
                     " array; pycauset supports rank 1 (Vector) and rank 2 (Matrix)");
  }
  const DType dtype = dtype_of(h, src);
  const int ndim = static_cast<int>(h.shape.size());
  const std::uint64_t rows = ndim == 1 ? 1 : h.shape[0];
  const std::uint64_t cols = ndim == 1 ? h.shape[0] : h.shape[1];
  std::uint64_t count = 0, bytes = 0;
  if (__builtin_mul_overflow(rows, cols, &count) || __builtin_mul_overflow(count, h.itemsize, &bytes) ||
      bytes >= (1ull << 62)) {
    throw ValueError("'" + src + "' declares an impossible shape");
  }
  std::unique_ptr<FileBuffer> source = FileBuffer::open_read_only(src, h.data_offset, bytes);

  // The .npy data as a strided region: a Fortran-order array is the transposed view of a C-order one.
  const auto item = static_cast<std::int64_t>(h.itemsize);
  StridedRegion region;
  region.data = source->data();
  region.dtype = dtype;
  region.rows = static_cast<std::int64_t>(rows);
  region.cols = static_cast<std::int64_t>(cols);
  const bool fortran = h.fortran_order && ndim == 2;
  region.row_stride = fortran ? item : region.cols * item;
  region.col_stride = fortran ? region.rows * item : item;
  region.byteswapped = h.byte_order == (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? '>' : '<') && item > 1;

  ContainerHeader header;
  header.dtype = dtype_name(dtype);
  header.ndim = static_cast<std::uint32_t>(ndim);
  header.flags = dtype == DType::Bool ? ContainerHeader::kFlagBitPacked : 0;
  header.shape = ndim == 1 ? std::array<std::uint64_t, 2>{cols, 0} : std::array<std::uint64_t, 2>{rows, cols};
  header.payload_size = payload_bytes(dtype, count, /*packed_bits=*/true);

  AtomicFile out(dst);
  out.reserve(header.payload_offset + header.payload_size);
  PayloadChecksum checksum;
  write_payload(region, /*packed_bits=*/true, out, header.payload_offset, &checksum, source.get(), progress);
  header.payload_checksum = checksum.value();
  const auto page = encode_container_header(header);
  out.write_at(0, page.data(), page.size());
  out.commit();
}

void container_to_npy(const std::string& src, const std::string& dst, const ProgressFn& progress) {
  OpenContainer c = open_container(src);
  StridedRegion region;
  region.data = c.payload->data();
  region.dtype = c.dtype;
  region.rows = c.rows;
  region.cols = c.cols;
  if (c.dtype == DType::Bool) {
    region.packed_bits = true;
    region.row_stride = c.cols;
    region.col_stride = 1;
  } else {
    region.row_stride = c.cols * itemsize(c.dtype);
    region.col_stride = itemsize(c.dtype);
  }
  std::vector<std::uint64_t> shape;
  if (c.ndim == 1) {
    shape = {static_cast<std::uint64_t>(c.cols)};
  } else {
    shape = {static_cast<std::uint64_t>(c.rows), static_cast<std::uint64_t>(c.cols)};
  }
  // Page-aligned data (4096-byte header): mappable, and written with direct I/O like the container.
  const std::string npy_header = encode_npy_header(descr_of(c.dtype), /*fortran_order=*/false, shape, 4096);
  const std::uint64_t data_bytes =
      payload_bytes(c.dtype, static_cast<std::uint64_t>(c.rows * c.cols), /*packed_bits=*/false);

  AtomicFile out(dst);
  out.reserve(npy_header.size() + data_bytes);
  out.write_at(0, npy_header.data(), npy_header.size());
  write_payload(region, /*packed_bits=*/false, out, npy_header.size(), nullptr, c.payload.get(), progress);
  out.commit();
}

}  // namespace

void convert_file(const std::string& src, const std::string& dst, const ProgressFn& progress) {
  const FileKind from = kind_of(src), to = kind_of(dst);
  if (from == FileKind::Npy && to == FileKind::Container) {
    npy_to_container(src, dst, progress);
  } else if (from == FileKind::Container && to == FileKind::Npy) {
    container_to_npy(src, dst, progress);
  } else {
    throw ValueError("cannot convert '" + src + "' to '" + dst +
                     "': supported conversions are .npy -> .pycauset and .pycauset -> .npy (chosen by the extensions)");
  }
}

}  // namespace pycauset::io
