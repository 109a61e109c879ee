// save and load: a header page in front of a payload streamed by write_payload; load maps it read-only.
#include "core/io/file_io.hpp"

#include "core/governor.hpp"
#include "core/io/payload_writer.hpp"
#include "storage/atomic_file.hpp"
#include "storage/errors.hpp"

namespace pycauset::io {
namespace {

std::string quoted(const std::string& path) { return "'" + path + "'"; }

/// Find a dtype by NumPy name without throwing TypeError: an unknown name in a file is a ValueError.
bool find_dtype(const std::string& name, DType& out) {
  for (int id = 0; id < kNumDTypes; ++id) {
    if (name == dtype_name(static_cast<DType>(id))) {
      out = static_cast<DType>(id);
      return true;
    }
  }
  return false;
}

}  // namespace

void save(const Array& array, const std::string& path, const ProgressFn& progress) {
  Buffer::Lease lease = Buffer::lease(array.buffer());
  const std::uint64_t count = static_cast<std::uint64_t>(array.size());
  std::byte* data = lease.data();
  if (data == nullptr && count > 0) throw NotImplemented("saving needs an addressable (RAM or mapped) buffer");
  const StridedRegion src = region_of(array, data);

  ContainerHeader header;
  header.dtype = dtype_name(array.dtype());
  header.ndim = static_cast<std::uint32_t>(array.ndim());
  header.flags = array.dtype() == DType::Bool ? ContainerHeader::kFlagBitPacked : 0;
  if (array.ndim() == 1) {
    header.shape = {static_cast<std::uint64_t>(array.cols()), 0};
  } else {
    header.shape = {static_cast<std::uint64_t>(array.rows()), static_cast<std::uint64_t>(array.cols())};
  }
  header.payload_size = payload_bytes(array.dtype(), count, /*packed_bits=*/true);

  AtomicFile out(path);
  // Reserve everything first: a full disk or a size limit fails before any data is written.
  out.reserve(header.payload_offset + header.payload_size);
  PayloadChecksum checksum;
  write_payload(src, /*packed_bits=*/true, out, header.payload_offset, &checksum, &lease.store(), progress);
  header.payload_checksum = checksum.value();
  // The header goes last, so even the temp file never holds a valid header over a partial payload.
  const auto page = encode_container_header(header);
  out.write_at(0, page.data(), page.size());
  out.commit();
}

OpenContainer open_container(const std::string& path) {
  OpenContainer c;
  c.header = read_container_header(path);
  const ContainerHeader& h = c.header;
  auto corrupt = [&](const std::string& what) { return ValueError(quoted(path) + " is corrupt: " + what); };
  if (!find_dtype(h.dtype, c.dtype)) {
    throw ValueError(quoted(path) + " holds dtype '" + h.dtype + "', which this pycauset does not know; supported: " +
                     supported_dtype_names());
  }
  const bool packed = (h.flags & ContainerHeader::kFlagBitPacked) != 0;
  if (packed != (c.dtype == DType::Bool)) throw corrupt("the bit-packing flag does not match dtype " + h.dtype);
  c.ndim = static_cast<int>(h.ndim);
  const std::uint64_t rows = h.ndim == 1 ? 1 : h.shape[0];
  const std::uint64_t cols = h.ndim == 1 ? h.shape[0] : h.shape[1];
  // Checked: unchecked, rows * cols * itemsize wraps modulo 2^64 and a huge shape matches a tiny payload.
  std::uint64_t expected = 0;
  if (!try_storage_bytes(c.dtype, rows, cols, &expected)) {
    throw corrupt("impossible shape (" + std::to_string(h.shape[0]) + ", " + std::to_string(h.shape[1]) + ") of " +
                  h.dtype + ": more than 2**63 - 1 bytes");
  }
  if (h.payload_size != expected) {
    throw corrupt("the payload size " + std::to_string(h.payload_size) + " does not match shape and dtype (expected " +
                  std::to_string(expected) + ")");
  }
  c.rows = static_cast<std::int64_t>(rows);
  c.cols = static_cast<std::int64_t>(cols);
  c.payload = FileBuffer::open_read_only(path, h.payload_offset, h.payload_size);
  // The path is opened twice: if a concurrent save renamed a new file in between, the mapping is not
  // the file just validated. Re-read the header through the mapped file's descriptor to be sure.
  if (!same_container_header(read_container_header(c.payload->fd(), path), h)) {
    throw ValueError(quoted(path) + " was replaced while it was being loaded (a concurrent save?); load it again");
  }
  return c;
}

Array load(const std::string& path, bool verify, const ProgressFn& progress) {
  OpenContainer c = open_container(path);
  if (verify) {
    const std::uint64_t actual =
        payload_checksum_of(*c.payload, c.header.payload_size, c.header.checksum_block, progress);
    if (actual != c.header.payload_checksum) {
      throw ValueError(quoted(path) + " is corrupt: the payload checksum does not match (stored " +
                       std::to_string(c.header.payload_checksum) + ", computed " + std::to_string(actual) + ")");
    }
  }
  std::shared_ptr<ByteStore> store(std::move(c.payload));
  std::shared_ptr<Buffer> buffer = MemoryGovernor::instance().adopt(std::move(store));
  return Array(std::move(buffer), c.dtype, c.ndim, c.rows, c.cols, 0, c.cols, 1);
}

}  // namespace pycauset::io
