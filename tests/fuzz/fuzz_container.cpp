// libFuzzer harness of the .pycauset container reader: any bytes give a valid header or a clean error.
//
// Each input is read twice: as given, and with its header checksum resealed (a fuzzer cannot forge a
// CRC-32C, so without the second read it would never get past the checksum to the field checks). Only
// the reader's documented exceptions (ValueError, TypeError, IoError) are clean; anything else, a
// sanitizer report, or an accepted header that breaks the reader's promises is a crash.
#include <cstdint>
#include <cstring>
#include <vector>

#include "fuzz_support.hpp"
#include "storage/checksum.hpp"
#include "storage/container.hpp"
#include "storage/errors.hpp"

namespace {

using pycauset::ContainerHeader;
using pycauset::fuzz::broken;
using pycauset::fuzz::MemoryFile;

constexpr std::size_t kChecksumAt = ContainerHeader::kHeaderSize - 8;  // the header checksum's offset

/// Check what read_container_header promises about a header it accepted from a file of `file_size` bytes.
void check_accepted(const ContainerHeader& h, std::size_t file_size) {
  if (h.version != ContainerHeader::kVersion) broken("accepted another format version");
  if (h.ndim != 1 && h.ndim != 2) broken("accepted a rank other than 1 or 2");
  if (h.ndim == 1 && h.shape[1] != 0) broken("accepted a vector with a second dimension");
  if (h.dtype.size() >= 16) broken("accepted an unterminated dtype field");
  if ((h.flags & ~ContainerHeader::kFlagBitPacked) != 0) broken("accepted unknown flags");
  if (h.payload_offset < ContainerHeader::kHeaderSize || h.payload_offset % ContainerHeader::kHeaderSize != 0) {
    broken("accepted a payload offset that is not a page boundary after the header");
  }
  if (h.checksum_block == 0) broken("accepted a checksum block size of 0");
  if (h.payload_offset + h.payload_size != file_size) broken("accepted a payload that does not end the file");
}

/// Read `bytes` as a container; on success, check the promises and that encoding the header reads back.
void read_once(MemoryFile& file, const std::vector<unsigned char>& bytes) {
  file.assign(bytes.data(), bytes.size());
  ContainerHeader header;
  try {
    header = pycauset::read_container_header(file.fd(), "fuzz.pycauset");
  } catch (const pycauset::ValueError&) {
    return;
  } catch (const pycauset::TypeError&) {
    return;
  } catch (const pycauset::IoError&) {
    return;
  }
  check_accepted(header, bytes.size());
  // Round trip: the encoder's page, followed by the same payload, must read back as the same header.
  const auto page = pycauset::encode_container_header(header);
  std::vector<unsigned char> again(page.begin(), page.end());
  again.insert(again.end(), bytes.begin() + ContainerHeader::kHeaderSize, bytes.end());
  file.assign(again.data(), again.size());
  try {
    if (!pycauset::same_container_header(pycauset::read_container_header(file.fd(), "fuzz.pycauset"), header)) {
      broken("an accepted header does not survive encode and read");
    }
  } catch (const std::exception&) {
    broken("the encoding of an accepted header is rejected");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static MemoryFile file("fuzz.pycauset");
  std::vector<unsigned char> bytes(data, data + size);
  read_once(file, bytes);
  if (bytes.size() >= ContainerHeader::kHeaderSize) {
    const std::uint64_t crc = pycauset::crc32c(bytes.data(), kChecksumAt);
    std::memcpy(bytes.data() + kChecksumAt, &crc, sizeof crc);  // little-endian, as the format stores it
    read_once(file, bytes);
  }
  return 0;
}
