// write_payload: linear tiles of the logical row-major order -> pooled buffer -> checksum -> pwrite.
#include "core/io/payload_writer.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <future>
#include <vector>

#include "core/governor.hpp"
#include "core/interrupt.hpp"
#include "storage/checksum.hpp"

namespace pycauset::io {
namespace {

constexpr std::uint64_t kBlock = ContainerHeader::kChecksumBlock;  // tiles are whole checksum blocks
constexpr std::uint64_t kWantedTile = 64ull << 20;

/// The sub-block rows [i, i+nrows) x cols [j, j+ncols) of a region.
StridedRegion block_of(const StridedRegion& r, std::int64_t i, std::int64_t nrows, std::int64_t j, std::int64_t ncols) {
  StridedRegion b = r;
  b.rows = nrows;
  b.cols = ncols;
  const std::int64_t shift = i * r.row_stride + j * r.col_stride;
  if (r.packed_bits) {
    b.bit_offset += shift;
  } else {
    b.data += shift;
  }
  return b;
}

/// True when the region's memory already is its row-major payload (same bool layout, native order).
bool is_payload_layout(const StridedRegion& r, bool packed_bits) {
  if (r.byteswapped || r.packed_bits != packed_bits) return false;
  const std::int64_t unit = r.packed_bits ? 1 : itemsize(r.dtype);
  const bool cols_ok = r.cols <= 1 || r.col_stride == unit;
  const bool rows_ok = r.rows <= 1 || r.row_stride == r.cols * unit;
  const bool aligned = !r.packed_bits || r.bit_offset % 8 == 0;
  return cols_ok && rows_ok && aligned;
}

/// Copy src to dst; a column-major-ish source (a transposed view) goes in panels of kPanel columns.
///
/// Copying whole rows of a transposed view reads the source down its columns, one page per element;
/// in panels, consecutive rows reuse the same cache lines and TLB entries, as a blocked transpose.
void copy_panels(const StridedRegion& src, const StridedRegion& dst) {
  constexpr std::int64_t kPanel = 64;
  const bool column_major = src.rows > 1 && src.cols > kPanel && std::llabs(src.col_stride) > std::llabs(src.row_stride);
  if (!column_major) {
    copy_region(src, dst);
    return;
  }
  const std::int64_t panels = (src.cols + kPanel - 1) / kPanel;
  // Packed destinations share bytes between neighbouring panels of a row: those must not run concurrently.
  auto run = [&](std::int64_t p) {
    const std::int64_t j = p * kPanel, n = std::min(kPanel, src.cols - j);
    copy_region(block_of(src, 0, src.rows, j, n), block_of(dst, 0, dst.rows, j, n));
  };
  if (dst.packed_bits) {
    for (std::int64_t p = 0; p < panels; ++p) run(p);
  } else {
    tbb::parallel_for(std::int64_t{0}, panels, run);
  }
}

/// Gather the logical elements [k0, k1) of src into dst_base (row-major, element k0 first).
void gather(const StridedRegion& src, bool packed_bits, std::int64_t k0, std::int64_t k1, std::byte* dst_base) {
  const std::int64_t cols = src.cols;
  const bool packed = packed_bits && src.dtype == DType::Bool;
  const std::int64_t item = packed ? 0 : itemsize(src.dtype);
  // Whole rows go in 2-D copies of at most ~4M elements: a strided or bit-gathered source can take a
  // second per tile, and Ctrl-C is checked between copies.
  constexpr std::int64_t kGatherStep = std::int64_t{1} << 22;
  for (std::int64_t k = k0; k < k1;) {
    check_interrupt();
    const std::int64_t i = k / cols, j = k % cols;
    std::int64_t nrows = 1, ncols;
    if (j == 0 && k1 - k >= cols) {
      nrows = std::min((k1 - k) / cols, std::max<std::int64_t>(1, kGatherStep / cols));
      ncols = cols;
    } else {
      ncols = std::min(cols - j, k1 - k);
    }
    StridedRegion dst;
    dst.dtype = src.dtype;
    dst.rows = nrows;
    dst.cols = ncols;
    const std::int64_t rel = k - k0;
    if (packed) {
      dst.data = dst_base;
      dst.packed_bits = true;
      dst.bit_offset = rel;
      dst.row_stride = cols;
      dst.col_stride = 1;
    } else {
      dst.data = dst_base + rel * item;
      dst.row_stride = cols * item;
      dst.col_stride = item;
    }
    copy_panels(block_of(src, i, nrows, j, ncols), dst);
    k += nrows * ncols;
  }
}

/// Add the blockwise CRCs of one tile (whose start is a block boundary of the payload), blocks in parallel.
void add_checksum(const std::byte* data, std::uint64_t n, std::uint64_t block, PayloadChecksum& checksum) {
  const std::uint64_t blocks = (n + block - 1) / block;
  std::vector<std::uint32_t> crcs(static_cast<std::size_t>(blocks));
  tbb::parallel_for(std::uint64_t{0}, blocks, [&](std::uint64_t b) {
    const std::uint64_t start = b * block;
    crcs[b] = crc32c(data + start, static_cast<std::size_t>(std::min(block, n - start)));
  });
  for (std::uint32_t c : crcs) checksum.add_block_crc(c);
}

/// Bytes per tile when two tiles are in use at once for a payload of `total` bytes; a multiple of `unit`.
///
/// Every streaming loop here asks the same way, so the pool's cached tiles fit the next request.
std::uint64_t plan_tile_bytes(std::uint64_t total, std::uint64_t unit) {
  const std::uint64_t per_tile = std::min(kWantedTile, (total + unit - 1) / unit * unit);
  const std::uint64_t tile = MemoryGovernor::instance().tile_budget(2 * per_tile) / 2;
  return std::max(unit, tile / unit * unit);
}

}  // namespace

std::uint64_t payload_bytes(DType dtype, std::uint64_t count, bool packed_bits) noexcept {
  if (dtype == DType::Bool && packed_bits) return (count + 7) / 8;
  return count * static_cast<std::uint64_t>(itemsize(dtype));
}

void write_payload(const StridedRegion& src, bool packed_bits, AtomicFile& out, std::uint64_t offset,
                   PayloadChecksum* checksum, const ByteStore* source_store, const ProgressFn& progress) {
  const std::int64_t count = src.rows * src.cols;
  if (count == 0) return;
  const bool packed = packed_bits && src.dtype == DType::Bool;
  const std::uint64_t total = payload_bytes(src.dtype, static_cast<std::uint64_t>(count), packed);
  auto& governor = MemoryGovernor::instance();
  // Two tiles: one being filled while the other is written.
  const std::uint64_t tile_bytes = plan_tile_bytes(total, kBlock);
  // Elements per tile: whole bytes of the payload, and (being a multiple of 64 KiB) whole elements.
  const std::int64_t tile_elems =
      static_cast<std::int64_t>(packed ? tile_bytes * 8 : tile_bytes / static_cast<std::uint64_t>(itemsize(src.dtype)));
  const bool direct = is_payload_layout(src, packed);
  // Bytes already in payload layout inside a file are read with pread: cheaper than faulting in the mapping.
  const bool read_file = direct && source_store != nullptr && source_store->is_file() && source_store->data() != nullptr;
  const std::byte* direct_base = src.data + (packed ? src.bit_offset / 8 : 0);

  PooledBuffer tiles[2];
  std::future<void> pending;  // the write in flight; declared after the tiles so it is joined before they go
  std::uint64_t previous_start = 0, previous_bytes = 0;
  ThrottledProgress report(progress, static_cast<double>(total));
  report.report(0);  // the bar appears at once, not after the first tile (a gathered tile can take seconds)

  std::int64_t t = 0;
  for (std::int64_t k0 = 0; k0 < count; k0 += tile_elems, ++t) {
    check_interrupt();  // Ctrl-C: unwinding joins the write in flight, and AtomicFile removes its temp file
    const std::int64_t k1 = std::min<std::int64_t>(count, k0 + tile_elems);
    const std::uint64_t byte0 = payload_bytes(src.dtype, static_cast<std::uint64_t>(k0), packed);
    const std::uint64_t nbytes = payload_bytes(src.dtype, static_cast<std::uint64_t>(k1), packed) - byte0;
    const std::byte* bytes;
    PooledBuffer& tile = tiles[t % 2];
    // A final partial byte of packed bits may hold neighbouring bits in memory: gather it to zero them.
    const bool as_is = direct && !(packed && k1 % 8 != 0);
    if (as_is && !read_file) {
      bytes = direct_base + byte0;
    } else {
      if (tile.data() == nullptr) tile = governor.acquire_tile(static_cast<std::size_t>(tile_bytes));
      if (as_is) {
        source_store->read_at(static_cast<std::uint64_t>(direct_base - source_store->data()) + byte0, tile.data(),
                              static_cast<std::size_t>(nbytes));
      } else {
        if (packed) tile.data()[nbytes - 1] = std::byte{0};
        gather(src, packed, k0, k1, tile.data());
      }
      bytes = tile.data();
    }
    if (checksum != nullptr) add_checksum(bytes, nbytes, kBlock, *checksum);
    if (pending.valid()) pending.get();  // the other tile is free again (and its write error surfaces)
    report.report(static_cast<double>(byte0));  // everything before this tile is written
    auto write = [&out, bytes, nbytes, at = offset + byte0, wait_at = offset + previous_start,
                  wait_n = previous_bytes] {
      out.write_at(at, bytes, static_cast<std::size_t>(nbytes));
      // Start disk writeback now; wait for the tile before, so dirty pages stay about two tiles.
      out.start_writeback(at, nbytes, wait_at, wait_n);
    };
    if (k1 == count) {
      write();  // the last tile has nothing left to overlap with
    } else {
      pending = std::async(std::launch::async, write);
    }
    previous_start = byte0;
    previous_bytes = nbytes;
  }
  if (pending.valid()) pending.get();
  report.finish();
}

std::uint64_t payload_checksum_of(const ByteStore& store, std::uint64_t size, std::uint32_t block_bytes,
                                  const ProgressFn& progress) {
  PayloadChecksum checksum;
  if (size == 0) return checksum.value();
  ThrottledProgress report(progress, static_cast<double>(size));
  report.report(0);  // the bar appears before the first tile is read
  auto& governor = MemoryGovernor::instance();
  const std::uint64_t tile_bytes = plan_tile_bytes(size, block_bytes);
  // Two tiles: the next one is read (pread, another thread) while the current one is checksummed.
  PooledBuffer tiles[2] = {governor.acquire_tile(static_cast<std::size_t>(tile_bytes)),
                           governor.acquire_tile(static_cast<std::size_t>(std::min(tile_bytes, size)))};
  auto read_tile = [&](std::uint64_t t) {
    const std::uint64_t off = t * tile_bytes;
    store.read_at(off, tiles[t % 2].data(), static_cast<std::size_t>(std::min(tile_bytes, size - off)));
  };
  const std::uint64_t count = (size + tile_bytes - 1) / tile_bytes;
  std::future<void> next;  // declared after the tiles: joined before they are returned
  read_tile(0);
  for (std::uint64_t t = 0; t < count; ++t) {
    check_interrupt();  // load(verify=True) of a huge file stays interruptible
    if (next.valid()) next.get();
    if (t + 1 < count) next = std::async(std::launch::async, read_tile, t + 1);
    const std::uint64_t off = t * tile_bytes;
    add_checksum(tiles[t % 2].data(), std::min(tile_bytes, size - off), block_bytes, checksum);
    report.report(static_cast<double>(std::min(size, off + tile_bytes)));
  }
  return checksum.value();
}

}  // namespace pycauset::io
