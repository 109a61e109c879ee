// The .pycauset container: one 4096-byte header page, then the payload (the array's bytes, row-major).
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace pycauset {

/// \brief Fields of a .pycauset header, and the byte layout that stores them.
///
/// Byte layout of the header page (all integers little-endian; the page is 4096 bytes):
///
/// | offset | size | field                                                                      |
/// |-------:|-----:|----------------------------------------------------------------------------|
/// |      0 |   16 | magic: `\x89PYCAUSET\r\n\x1a\n` then three zero bytes (PNG-style: catches   |
/// |        |      | text-mode mangling and is not valid UTF-8)                                 |
/// |     16 |    4 | format version (u32), currently 1                                          |
/// |     20 |    4 | header size in bytes (u32) = 4096                                          |
/// |     24 |   16 | dtype: NumPy name in ASCII ("float64", "bool"), zero-padded                 |
/// |     40 |    4 | ndim (u32): 1 or 2                                                         |
/// |     44 |    4 | flags (u32): bit 0 = payload is bit-packed (set exactly for bool)          |
/// |     48 |    8 | shape[0] (u64): rows, or the length of a vector                            |
/// |     56 |    8 | shape[1] (u64): columns; 0 for a vector                                    |
/// |     64 |    8 | payload offset (u64) = 4096, so the payload is page-aligned for mmap       |
/// |     72 |    8 | payload size in bytes (u64)                                                |
/// |     80 |    8 | payload checksum (u64; the low 32 bits hold it, see below)                 |
/// |     88 |    4 | checksum block size in bytes (u32) = 65536                                 |
/// |     92 | 3996 | reserved, zero                                                             |
/// |   4088 |    8 | header checksum (u64): CRC-32C of bytes [0, 4088), low 32 bits             |
///
/// Payload: the logical elements in row-major (C) order, native little-endian, without padding
/// between rows. bool is bit-packed 8 elements per byte, most significant bit first (the
/// `numpy.packbits` order and the in-memory layout); unused bits of the last byte are zero.
///
/// Payload checksum: split the payload into blocks of `checksum block size` bytes (the last may be
/// shorter), take the CRC-32C of each block, and take the CRC-32C of those values concatenated as u32
/// little-endian. Blocks make the checksum parallel and streamable in tiles; an empty payload gives 0.
struct ContainerHeader {
  static constexpr std::uint32_t kVersion = 1;           ///< the version this build writes and reads
  static constexpr std::uint32_t kHeaderSize = 4096;     ///< also the payload offset
  static constexpr std::uint32_t kChecksumBlock = 65536; ///< bytes per payload checksum block
  static constexpr std::uint32_t kFlagBitPacked = 1;

  std::uint32_t version = kVersion;
  std::string dtype;  ///< NumPy name, at most 15 characters
  std::uint32_t ndim = 2;
  std::uint32_t flags = 0;
  std::array<std::uint64_t, 2> shape{0, 0};
  std::uint64_t payload_offset = kHeaderSize;
  std::uint64_t payload_size = 0;
  std::uint64_t payload_checksum = 0;
  std::uint32_t checksum_block = kChecksumBlock;
};

/// \brief Return the 16 magic bytes that open every .pycauset file.
const std::array<unsigned char, 16>& container_magic() noexcept;

/// \brief Serialise `header` into a 4096-byte page, computing the header checksum.
std::array<unsigned char, ContainerHeader::kHeaderSize> encode_container_header(const ContainerHeader& header);

/// \brief Read and validate the header of the file `path` (magic, version, header checksum, sizes).
///
/// Checks in this order, each failure a ValueError naming the path: magic ("is not a pycauset
/// file"), version ("format version N ... this pycauset reads version 1"), short header
/// ("truncated"), header checksum ("header is corrupt"), field sanity (ndim, flags, offsets,
/// payload size not larger than the file allows), and the file size ("truncated"). Shape/dtype
/// consistency is checked by the caller, which knows dtypes. I/O errors throw IoError.
ContainerHeader read_container_header(const std::string& path);

/// \brief Read and validate the header of the open file `fd` (as above); `path` names it in messages.
ContainerHeader read_container_header(int fd, const std::string& path);

/// \brief Return true when two headers describe the same payload (every field equal).
bool same_container_header(const ContainerHeader& a, const ContainerHeader& b) noexcept;

/// \brief Accumulates the blockwise payload checksum described above, block by block in order.
class PayloadChecksum {
 public:
  /// \brief Add the CRC-32C of the next payload block.
  void add_block_crc(std::uint32_t block_crc) noexcept;
  /// \brief Return the checksum of the blocks added so far.
  std::uint64_t value() const noexcept { return state_; }

 private:
  std::uint32_t state_ = 0;
};

}  // namespace pycauset
