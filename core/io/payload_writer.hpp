// Streams a strided region of addressable memory into a file as a row-major payload, tile by tile.
#pragma once

#include <cstdint>

#include "core/array.hpp"
#include "core/progress.hpp"
#include "storage/atomic_file.hpp"
#include "storage/container.hpp"

namespace pycauset::io {

/// \brief Write `src` to `out` at byte `offset` in row-major order, in src's dtype and native byte order.
///
/// `packed_bits` chooses the bool layout in the file: bit-packed (the container) or one byte per
/// element (.npy); other dtypes ignore it. Elements are copied in linear tiles [k0, k1) of the logical
/// row-major order: each tile is gathered into a pooled buffer by copy_region (unpacking, packing or
/// byteswapping as needed; a transposed or sliced view is just strides) and written with one pwrite.
/// When the source already is the payload byte for byte, tiles are written straight from it.
/// If `checksum` is given, the container's blockwise CRC-32C is accumulated while streaming.
/// `source_store`, when given, is the store `src.data` points into: if it is a file, payload-layout
/// bytes are read from it with pread instead of through the mapping.
/// Pipeline: tile t+1 is gathered (TBB-parallel) and checksummed while tile t is written by another
/// thread. Memory bound: two tiles, together at most MemoryGovernor::tile_budget(128 MiB). GIL-free.
/// `progress`, if given, is called between tiles with (payload bytes written, payload bytes), throttled.
void write_payload(const StridedRegion& src, bool packed_bits, AtomicFile& out, std::uint64_t offset,
                   PayloadChecksum* checksum, const ByteStore* source_store = nullptr,
                   const ProgressFn& progress = {});

/// \brief Return the payload checksum of the `size` bytes of `store` (read in pooled tiles with pread).
///
/// `progress`, if given, is called between tiles with (bytes checksummed, `size`), throttled.
std::uint64_t payload_checksum_of(const ByteStore& store, std::uint64_t size, std::uint32_t block_bytes,
                                  const ProgressFn& progress = {});

/// \brief Return the bytes `count` elements of `dtype` take in a payload with the given bool layout.
std::uint64_t payload_bytes(DType dtype, std::uint64_t count, bool packed_bits) noexcept;

}  // namespace pycauset::io
