// Tile I/O: explicit pread/pwrite (files) or memcpy (RAM) of contiguous runs; copy_region for the rest.
#include "core/tiles/tile_io.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>

#include "storage/errors.hpp"

namespace pycauset::tiles {
namespace {

std::atomic<std::uint64_t> g_bytes_read{0};
std::atomic<std::uint64_t> g_bytes_written{0};
std::atomic<std::uint64_t> g_bytes_streamed{0};
std::atomic<std::uint64_t> g_wait_nanoseconds{0};
std::atomic<std::uint64_t> g_phase_nanoseconds[3] = {};  // indexed by Phase

std::int64_t now_nanoseconds() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// The dense tile as a StridedRegion (bool: one byte per element, unpacked).
StridedRegion tile_region(const void* data, DType dtype, std::int64_t rows, std::int64_t cols, std::int64_t ld) {
  StridedRegion r;
  r.data = static_cast<std::byte*>(const_cast<void*>(data));
  r.dtype = dtype;
  r.rows = rows;
  r.cols = cols;
  r.row_stride = ld * itemsize(dtype);
  r.col_stride = itemsize(dtype);
  return r;
}

/// A block described in the orientation in which it is moved (row-major runs).
struct Oriented {
  Array view;
  Block block;
};

Oriented orient(const Array& a, const Block& block, TileLayout layout) {
  if (layout == TileLayout::RowMajor) return {a, block};
  // Element (i, j) at tile[j * ld + i] is row-major storage of the transposed block.
  return {transpose_view(a), Block{block.c0, block.nc, block.r0, block.nr}};
}

/// Runs shorter than this are not worth a pread each: copy them through the mapping instead.
constexpr std::int64_t kMinimumRunBytes = 512;

/// True when each block row of `v` is one contiguous run of bytes of the same dtype as the tile,
/// and (for files) the runs are long enough, or few enough, for one pread/pwrite each.
bool runs_are_contiguous(const Array& v, const Block& b, DType tile_dtype, bool file) {
  if (v.dtype() != tile_dtype || v.dtype() == DType::Bool || b.nr <= 0 || b.nc <= 0) return false;
  if (b.nc > 1 && v.col_stride() != 1) return false;
  const bool one_run = b.nr == 1 || v.row_stride() == b.nc;
  return !file || one_run || b.nc * itemsize(v.dtype()) >= kMinimumRunBytes;
}

/// Call `move(byte_offset_in_store, tile_row_pointer_offset_bytes, nbytes)` once per contiguous run.
template <class F>
void for_each_run(const Array& v, const Block& b, std::int64_t ld, F&& move) {
  const std::int64_t item = itemsize(v.dtype());
  const std::int64_t first = v.offset() + b.r0 * v.row_stride() + b.c0 * v.col_stride();
  // Whole rows stacked back to back on both sides: one run for the whole block.
  if (b.nr == 1 || (v.row_stride() == b.nc && ld == b.nc)) {
    move(static_cast<std::uint64_t>(first * item), std::int64_t{0}, static_cast<std::size_t>(b.nr * b.nc * item));
    return;
  }
  for (std::int64_t i = 0; i < b.nr; ++i) {
    move(static_cast<std::uint64_t>((first + i * v.row_stride()) * item), i * ld * item,
         static_cast<std::size_t>(b.nc * item));
  }
}

void check_block(const Array& a, const Block& b, std::int64_t ld, TileLayout layout) {
  if (b.r0 < 0 || b.nr < 0 || b.c0 < 0 || b.nc < 0 || b.r0 + b.nr > a.rows() || b.c0 + b.nc > a.cols()) {
    throw IndexError("tile block rows [" + std::to_string(b.r0) + ", " + std::to_string(b.r0 + b.nr) + "), cols [" +
                     std::to_string(b.c0) + ", " + std::to_string(b.c0 + b.nc) + ") outside an array of shape (" +
                     std::to_string(a.rows()) + ", " + std::to_string(a.cols()) + ")");
  }
  std::int64_t minimum = layout == TileLayout::RowMajor ? b.nc : b.nr;
  if (ld < minimum) {
    throw ValueError("tile leading dimension " + std::to_string(ld) + " is smaller than the block extent " +
                     std::to_string(minimum));
  }
}

}  // namespace

TileLayout natural_layout(const Array& a) noexcept {
  bool transposed = a.rows() > 1 && a.row_stride() == 1 && (a.cols() > 1 && a.col_stride() != 1);
  // A 1 x n row stored with unit column stride is row-major; an n x 1 column with unit row stride
  // is the same bytes either way, so prefer the orientation whose runs are long.
  if (a.cols() == 1 && a.rows() > 1 && a.row_stride() == 1) transposed = true;
  return transposed ? TileLayout::ColMajor : TileLayout::RowMajor;
}

Array transpose_view(const Array& a) {
  return Array(a.buffer(), a.dtype(), 2, a.cols(), a.rows(), a.offset(), a.col_stride(), a.row_stride());
}

void read_block(const Array& src, const Buffer::Lease& lease, const Block& block, void* dst, std::int64_t ld,
                DType dst_dtype, TileLayout layout) {
  check_block(src, block, ld, layout);
  if (block.nr == 0 || block.nc == 0) return;
  PhaseTimer timer(Phase::Read);
  Oriented o = orient(src, block, layout);
  if (runs_are_contiguous(o.view, o.block, dst_dtype, lease.store().is_file())) {
    auto* out = static_cast<std::byte*>(dst);
    ByteStore& store = lease.store();
    const bool file = store.is_file();
    if (file) {
      // Announce every run first: the kernel then queues all of their reads at once, instead of one
      // synchronous read per short run when the data are not in the page cache (cold disk, memory cap).
      for_each_run(o.view, o.block, ld, [&](std::uint64_t at, std::int64_t, std::size_t n) { store.prefetch(at, n); });
    }
    for_each_run(o.view, o.block, ld, [&](std::uint64_t at, std::int64_t to, std::size_t n) {
      if (file) {
        store.read_at(at, out + to, n);
        g_bytes_read += n;
      } else {
        std::memcpy(out + to, store.data() + at, n);
      }
    });
    return;
  }
  // Strided slices, conversions and bits: the general copy (through the mapping for files).
  const Array& v = o.view;
  const Block& b = o.block;
  Array part = v.sliced(b.r0, b.nr, 1, b.c0, b.nc, 1);
  copy_region(region_of(part, lease.data()), tile_region(dst, dst_dtype, b.nr, b.nc, ld));
}

void write_block(const Array& dst, const Buffer::Lease& lease, const Block& block, const void* src, std::int64_t ld,
                 DType src_dtype, TileLayout layout) {
  check_block(dst, block, ld, layout);
  if (block.nr == 0 || block.nc == 0) return;
  PhaseTimer timer(Phase::Write);
  Oriented o = orient(dst, block, layout);
  if (runs_are_contiguous(o.view, o.block, src_dtype, lease.store().is_file())) {
    auto* in = static_cast<const std::byte*>(src);
    ByteStore& store = lease.store();
    const bool file = store.is_file();
    for_each_run(o.view, o.block, ld, [&](std::uint64_t at, std::int64_t from, std::size_t n) {
      if (file) {
        store.write_at(at, in + from, n);
        g_bytes_written += n;
      } else {
        std::memcpy(store.data() + at, in + from, n);
      }
    });
    return;
  }
  const Array& v = o.view;
  const Block& b = o.block;
  Array part = v.sliced(b.r0, b.nr, 1, b.c0, b.nc, 1);
  copy_region(tile_region(src, src_dtype, b.nr, b.nc, ld), region_of(part, lease.data()));
}

InPlaceBlock in_place_block(const Array& a, const Buffer::Lease& lease, const Block& block, DType want) noexcept {
  InPlaceBlock out;
  if (lease.store().is_file() || a.dtype() != want || a.dtype() == DType::Bool || lease.data() == nullptr) return out;
  const std::int64_t rs = a.row_stride(), cs = a.col_stride();
  const std::int64_t item = itemsize(a.dtype());
  const std::byte* origin = lease.data() + (a.offset() + block.r0 * rs + block.c0 * cs) * item;
  if ((cs == 1 || block.nc <= 1) && (block.nr <= 1 || rs >= block.nc)) {
    out.layout = TileLayout::RowMajor;
    out.ld = block.nr <= 1 ? std::max<std::int64_t>(block.nc, 1) : rs;
  } else if ((rs == 1 || block.nr <= 1) && (block.nc <= 1 || cs >= block.nr)) {
    out.layout = TileLayout::ColMajor;
    out.ld = block.nc <= 1 ? std::max<std::int64_t>(block.nr, 1) : cs;
  } else {
    return out;  // genuinely strided (or reversed) slice: the caller copies it into a tile
  }
  out.data = origin;
  return out;
}

bool rows_back_to_back(const Array& a) noexcept {
  return (a.cols() <= 1 || a.col_stride() == 1) && (a.rows() <= 1 || a.row_stride() == a.cols());
}

bool bands_stream(const Array& a, const Buffer::Lease& lease, DType want) noexcept {
  return lease.store().is_file() && a.dtype() == want && a.dtype() != DType::Bool && rows_back_to_back(a);
}

namespace {

std::uint64_t band_offset(const Array& a, std::int64_t r0) {
  return static_cast<std::uint64_t>((a.offset() + r0 * a.row_stride()) * itemsize(a.dtype()));
}

std::size_t band_bytes(const Array& a, std::int64_t nr) {
  return static_cast<std::size_t>(nr * a.cols() * itemsize(a.dtype()));
}

}  // namespace

std::size_t band_window_bytes(const Array& a, std::int64_t nr) noexcept {
  constexpr std::size_t align = ByteStore::kWindowAlignment;
  return (band_bytes(a, nr) + 2 * align - 1) / align * align;  // room for any lead below one alignment unit
}

std::byte* band_in_window(const Array& a, const Buffer::Lease& lease, std::int64_t r0, std::byte* window) noexcept {
  return window + lease.store().window_lead(band_offset(a, r0));
}

void read_band(const Array& src, const Buffer::Lease& lease, std::int64_t r0, std::int64_t nr, std::byte* window,
               ByteStore::CachedSpans cached) {
  check_block(src, Block{r0, nr, 0, src.cols()}, src.cols(), TileLayout::RowMajor);
  PhaseTimer timer(Phase::Read);
  const std::size_t n = band_bytes(src, nr);
  lease.store().read_window(band_offset(src, r0), n, window, cached);
  g_bytes_read += n;
  g_bytes_streamed += n;
}

void write_band(const Array& dst, const Buffer::Lease& lease, std::int64_t r0, std::int64_t nr,
                const std::byte* window) {
  check_block(dst, Block{r0, nr, 0, dst.cols()}, dst.cols(), TileLayout::RowMajor);
  PhaseTimer timer(Phase::Write);
  const std::size_t n = band_bytes(dst, nr);
  lease.store().write_window(band_offset(dst, r0), n, window);
  g_bytes_written += n;
  g_bytes_streamed += n;
}

TileIoStats tile_io_stats() noexcept {
  auto seconds = [](const std::atomic<std::uint64_t>& ns) { return double(ns.load()) * 1e-9; };
  TileIoStats s;
  s.bytes_read = g_bytes_read.load();
  s.bytes_written = g_bytes_written.load();
  s.bytes_streamed = g_bytes_streamed.load();
  s.wait_seconds = seconds(g_wait_nanoseconds);
  s.read_seconds = seconds(g_phase_nanoseconds[int(Phase::Read)]);
  s.write_seconds = seconds(g_phase_nanoseconds[int(Phase::Write)]);
  s.compute_seconds = seconds(g_phase_nanoseconds[int(Phase::Compute)]);
  return s;
}

PhaseTimer::PhaseTimer(Phase phase) noexcept : phase_(phase), start_nanoseconds_(now_nanoseconds()) {}

PhaseTimer::~PhaseTimer() {
  g_phase_nanoseconds[int(phase_)] += static_cast<std::uint64_t>(now_nanoseconds() - start_nanoseconds_);
}

void add_io_wait(double seconds) noexcept { g_wait_nanoseconds += static_cast<std::uint64_t>(seconds * 1e9); }

}  // namespace pycauset::tiles
