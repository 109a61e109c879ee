// The .pycauset header: encoding, and validation that turns every bad file into a ValueError naming the problem.
#include "storage/container.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "storage/checksum.hpp"
#include "storage/errors.hpp"
#include "storage/file_buffer.hpp"

namespace pycauset {
namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the container stores native little-endian payloads");

constexpr std::size_t kOffVersion = 16, kOffHeaderSize = 20, kOffDtype = 24, kDtypeBytes = 16, kOffNdim = 40,
                      kOffFlags = 44, kOffShape0 = 48, kOffShape1 = 56, kOffPayloadOffset = 64,
                      kOffPayloadSize = 72, kOffPayloadChecksum = 80, kOffChecksumBlock = 88,
                      kOffHeaderChecksum = ContainerHeader::kHeaderSize - 8;

template <class T>
void put(unsigned char* page, std::size_t offset, T value) {
  std::memcpy(page + offset, &value, sizeof(T));  // little-endian host (asserted above)
}

template <class T>
T get(const unsigned char* page, std::size_t offset) {
  T value;
  std::memcpy(&value, page + offset, sizeof(T));
  return value;
}

/// Close a descriptor on every path out of read_container_header.
struct FdCloser {
  int fd;
  ~FdCloser() { ::close(fd); }
};

std::string quoted(const std::string& path) { return "'" + path + "'"; }

}  // namespace

const std::array<unsigned char, 16>& container_magic() noexcept {
  static const std::array<unsigned char, 16> magic = {0x89, 'P', 'Y', 'C', 'A', 'U', 'S', 'E',
                                                      'T',  '\r', '\n', 0x1a, '\n', 0, 0, 0};
  return magic;
}

std::array<unsigned char, ContainerHeader::kHeaderSize> encode_container_header(const ContainerHeader& header) {
  std::array<unsigned char, ContainerHeader::kHeaderSize> page{};
  std::memcpy(page.data(), container_magic().data(), container_magic().size());
  put<std::uint32_t>(page.data(), kOffVersion, header.version);
  put<std::uint32_t>(page.data(), kOffHeaderSize, ContainerHeader::kHeaderSize);
  if (header.dtype.size() >= kDtypeBytes) throw ValueError("dtype name too long for the container: " + header.dtype);
  std::memcpy(page.data() + kOffDtype, header.dtype.data(), header.dtype.size());
  put<std::uint32_t>(page.data(), kOffNdim, header.ndim);
  put<std::uint32_t>(page.data(), kOffFlags, header.flags);
  put<std::uint64_t>(page.data(), kOffShape0, header.shape[0]);
  put<std::uint64_t>(page.data(), kOffShape1, header.shape[1]);
  put<std::uint64_t>(page.data(), kOffPayloadOffset, header.payload_offset);
  put<std::uint64_t>(page.data(), kOffPayloadSize, header.payload_size);
  put<std::uint64_t>(page.data(), kOffPayloadChecksum, header.payload_checksum);
  put<std::uint32_t>(page.data(), kOffChecksumBlock, header.checksum_block);
  put<std::uint64_t>(page.data(), kOffHeaderChecksum, crc32c(page.data(), kOffHeaderChecksum));
  return page;
}

ContainerHeader read_container_header(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw_io_error("opening", path);
  FdCloser closer{fd};
  return read_container_header(fd, path);
}

bool same_container_header(const ContainerHeader& a, const ContainerHeader& b) noexcept {
  return a.version == b.version && a.dtype == b.dtype && a.ndim == b.ndim && a.flags == b.flags &&
         a.shape == b.shape && a.payload_offset == b.payload_offset && a.payload_size == b.payload_size &&
         a.payload_checksum == b.payload_checksum && a.checksum_block == b.checksum_block;
}

ContainerHeader read_container_header(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw_io_error("inspecting", path);
  if (S_ISDIR(st.st_mode)) throw_io_error("loading", path, EISDIR);
  const std::uint64_t file_size = static_cast<std::uint64_t>(st.st_size);

  std::array<unsigned char, ContainerHeader::kHeaderSize> page{};
  const std::size_t have = static_cast<std::size_t>(std::min<std::uint64_t>(file_size, page.size()));
  pread_fully(fd, page.data(), have, 0, path);

  const auto& magic = container_magic();
  if (have < magic.size() || std::memcmp(page.data(), magic.data(), magic.size()) != 0) {
    std::string hint;
    if (have >= 6 && std::memcmp(page.data(), "\x93NUMPY", 6) == 0) {
      hint = " (it is a NumPy .npy file: use numpy.load, or pycauset.convert_file(src, 'x.pycauset'))";
    }
    throw ValueError(quoted(path) + " is not a pycauset file: it does not start with the .pycauset magic bytes" +
                     hint);
  }
  if (have < kOffVersion + 4) throw ValueError(quoted(path) + " is truncated: the header is incomplete");
  ContainerHeader h;
  h.version = get<std::uint32_t>(page.data(), kOffVersion);
  if (h.version != ContainerHeader::kVersion) {
    throw ValueError(quoted(path) + " uses pycauset file format version " + std::to_string(h.version) +
                     ", but this pycauset reads format version " + std::to_string(ContainerHeader::kVersion) +
                     (h.version > ContainerHeader::kVersion ? "; upgrade pycauset to load it" : ""));
  }
  if (have < page.size()) {
    throw ValueError(quoted(path) + " is truncated: the header needs " + std::to_string(page.size()) +
                     " bytes, the file has " + std::to_string(file_size));
  }
  const auto stored_crc = get<std::uint64_t>(page.data(), kOffHeaderChecksum);
  const auto actual_crc = crc32c(page.data(), kOffHeaderChecksum);
  if (stored_crc != actual_crc) {
    throw ValueError(quoted(path) + " is corrupt: the header checksum does not match (stored " +
                     std::to_string(stored_crc) + ", computed " + std::to_string(actual_crc) + ")");
  }

  const char* dtype_field = reinterpret_cast<const char*>(page.data() + kOffDtype);
  h.dtype.assign(dtype_field, strnlen(dtype_field, kDtypeBytes));
  h.ndim = get<std::uint32_t>(page.data(), kOffNdim);
  h.flags = get<std::uint32_t>(page.data(), kOffFlags);
  h.shape = {get<std::uint64_t>(page.data(), kOffShape0), get<std::uint64_t>(page.data(), kOffShape1)};
  h.payload_offset = get<std::uint64_t>(page.data(), kOffPayloadOffset);
  h.payload_size = get<std::uint64_t>(page.data(), kOffPayloadSize);
  h.payload_checksum = get<std::uint64_t>(page.data(), kOffPayloadChecksum);
  h.checksum_block = get<std::uint32_t>(page.data(), kOffChecksumBlock);
  const auto header_size = get<std::uint32_t>(page.data(), kOffHeaderSize);

  auto corrupt = [&](const std::string& what) { return ValueError(quoted(path) + " is corrupt: " + what); };
  if (header_size != ContainerHeader::kHeaderSize) throw corrupt("header size " + std::to_string(header_size));
  if (h.dtype.size() == kDtypeBytes) throw corrupt("the dtype field is not terminated");
  // The name is zero-padded: anything after its NUL means the field is not what a writer produced.
  for (std::size_t k = h.dtype.size(); k < kDtypeBytes; ++k) {
    if (page[kOffDtype + k] != 0) throw corrupt("bytes after the dtype name '" + h.dtype + "' are not zero");
  }
  if (h.ndim != 1 && h.ndim != 2) throw corrupt("rank " + std::to_string(h.ndim) + " (expected 1 or 2)");
  if ((h.flags & ~ContainerHeader::kFlagBitPacked) != 0) throw corrupt("unknown flags " + std::to_string(h.flags));
  if (h.ndim == 1 && h.shape[1] != 0) throw corrupt("a vector with a second dimension");
  if (h.payload_offset < ContainerHeader::kHeaderSize || h.payload_offset % ContainerHeader::kHeaderSize != 0) {
    throw corrupt("payload offset " + std::to_string(h.payload_offset) + " is not a page boundary after the header");
  }
  if (h.checksum_block == 0) throw corrupt("checksum block size 0");
  if (h.payload_size > file_size || h.payload_offset > file_size - h.payload_size) {
    throw ValueError(quoted(path) + " is truncated: the header promises " +
                     std::to_string(h.payload_size) + " payload bytes at offset " + std::to_string(h.payload_offset) +
                     ", the file has " + std::to_string(file_size) + " bytes");
  }
  if (file_size != h.payload_offset + h.payload_size) {
    throw corrupt("the file has " + std::to_string(file_size - h.payload_offset - h.payload_size) +
                  " bytes after the payload");
  }
  return h;
}

void PayloadChecksum::add_block_crc(std::uint32_t block_crc) noexcept {
  unsigned char bytes[4];
  std::memcpy(bytes, &block_crc, 4);
  state_ = crc32c(bytes, 4, state_);
}

}  // namespace pycauset
