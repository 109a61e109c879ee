// Tile I/O: move rectangular blocks of any Array view between its storage and a dense tile buffer.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/array.hpp"
#include "core/buffer.hpp"

namespace pycauset::tiles {

/// \brief A rectangular block of an array view: rows [r0, r0 + nr), columns [c0, c0 + nc).
struct Block {
  std::int64_t r0 = 0, nr = 0;
  std::int64_t c0 = 0, nc = 0;
};

/// \brief Memory order of a dense tile buffer.
///
/// RowMajor: element (i, j) of the block sits at `tile[i * ld + j]`.
/// ColMajor: element (i, j) of the block sits at `tile[j * ld + i]` (BLAS "transposed" operand).
enum class TileLayout { RowMajor, ColMajor };

/// \brief Return the layout in which `a` is stored: ColMajor for a transposed view (unit row stride,
///        non-unit column stride), else RowMajor. Reading a block in this layout moves long runs.
TileLayout natural_layout(const Array& a) noexcept;

/// \brief Return a 2-D view of the same elements with rows and columns swapped (works for vectors too,
///        turning a 1 x n row into an n x 1 column). O(1).
Array transpose_view(const Array& a);

/// \brief Read a block of `src` into the dense tile `dst`, converting to `dst_dtype`.
///
/// `dst` holds elements of `dst_dtype` (bool: one byte, 0 or 1, per element) in `layout` with
/// leading dimension `ld` (elements; ld >= nc for RowMajor, ld >= nr for ColMajor).
/// Same-dtype blocks of a file-backed view whose runs are contiguous are read with one pread per
/// run (never paging through the mapping) unless the runs are short (< 512 bytes, e.g. a column of a
/// row-major file), which go through the mapping; RAM is memcpy'd; anything else (strided slices,
/// dtype conversion, bits) goes through copy_region. `lease` must lease `src.buffer()`.
/// Thread-safety: concurrent reads of any blocks are safe.
void read_block(const Array& src, const Buffer::Lease& lease, const Block& block, void* dst, std::int64_t ld,
                DType dst_dtype, TileLayout layout = TileLayout::RowMajor);

/// \brief Write the dense tile `src` (elements of `src_dtype`, `layout`, leading dimension `ld`)
///        into a block of `dst`, converting to dst's dtype.
///
/// Same-dtype blocks of contiguous file-backed arrays are written with one pwrite per row run.
/// `lease` must lease `dst.buffer()`, which must be writable. Thread-safety: concurrent writes of
/// disjoint blocks are safe, except bool arrays whose blocks share a byte of packed bits.
void write_block(const Array& dst, const Buffer::Lease& lease, const Block& block, const void* src, std::int64_t ld,
                 DType src_dtype, TileLayout layout = TileLayout::RowMajor);

// Bands of whole rows: when the rows of a file-backed array lie back to back, rows [r0, r0 + nr)
// are one run of bytes, moved with a single unbuffered transfer through a window (see
// ByteStore::read_window): the streaming kernels' way to read and write without the page cache.

/// \brief Return true when the rows of `a` lie back to back (row-major, no gaps between rows).
bool rows_back_to_back(const Array& a) noexcept;

/// \brief Return true when `a` is file-backed, of dtype `want` (not bool), and its rows lie back to
///        back in the file, so that every band of whole rows is one run.
bool bands_stream(const Array& a, const Buffer::Lease& lease, DType want) noexcept;

/// \brief Return the window size (bytes) that holds any band of `nr` rows of `a`.
std::size_t band_window_bytes(const Array& a, std::int64_t nr) noexcept;

/// \brief Return where element (r0, 0) of a band starting at row r0 sits in a window (row-major, ld = cols).
std::byte* band_in_window(const Array& a, const Buffer::Lease& lease, std::int64_t r0, std::byte* window) noexcept;

/// \brief Read rows [r0, r0 + nr) of `src` (bands_stream must hold) into `window`, a kWindowAlignment-
///        aligned buffer of band_window_bytes(src, nr) bytes (`cached`: see ByteStore::CachedSpans).
///        Thread-safe.
void read_band(const Array& src, const Buffer::Lease& lease, std::int64_t r0, std::int64_t nr, std::byte* window,
               ByteStore::CachedSpans cached = ByteStore::CachedSpans::Bypass);

/// \brief Write rows [r0, r0 + nr) of `dst` (bands_stream must hold) from the band held in `window`
///        at band_in_window(dst, lease, r0, window). Concurrent writes of disjoint bands are safe.
void write_band(const Array& dst, const Buffer::Lease& lease, std::int64_t r0, std::int64_t nr,
                const std::byte* window);

/// \brief A block usable in place: pointer to its (0, 0) element, layout and leading dimension.
struct InPlaceBlock {
  const std::byte* data = nullptr;  ///< nullptr when the block cannot be used in place
  TileLayout layout = TileLayout::RowMajor;
  std::int64_t ld = 0;  ///< elements
};

/// \brief Return the block as a pointer into RAM when no copy is needed: RAM-backed buffer, dtype
///        equal to `want`, not bool, and unit stride along rows or columns (so BLAS can read it with a
///        transpose flag). Otherwise `data == nullptr` and the caller reads the block into a tile.
///
/// File-backed buffers never qualify: kernels read them with explicit pread rather than letting
/// BLAS page through the mapping.
InPlaceBlock in_place_block(const Array& a, const Buffer::Lease& lease, const Block& block, DType want) noexcept;

/// \brief Cumulative bytes moved between files and tiles by read_block/write_block (for benchmarks).
struct TileIoStats {
  std::uint64_t bytes_read = 0;     ///< read from file-backed buffers
  std::uint64_t bytes_written = 0;  ///< written to file-backed buffers
  std::uint64_t bytes_streamed = 0; ///< the part of both moved as whole-row bands (read_band/write_band)
  double wait_seconds = 0;          ///< kernel time spent waiting for tile reads/write-backs (I/O not hidden)
  // The phase profile of the out-of-core kernels (benchmarks/ooc_profile.py): where their time goes.
  double read_seconds = 0;     ///< time inside read_block/read_band (on I/O workers: hidden unless waited for)
  double write_seconds = 0;    ///< time inside write_block/write_band
  double compute_seconds = 0;  ///< time inside tile products and factorisations on the compute thread
};

/// \brief The phases a kernel's time is counted in (see TileIoStats).
enum class Phase { Read, Write, Compute };

/// \brief Count the lifetime of this object as time spent in `phase` (process-wide, thread-safe).
///
/// Two clock reads per scope: meant for whole tile transfers and tile products, never per element.
class PhaseTimer {
 public:
  explicit PhaseTimer(Phase phase) noexcept;
  ~PhaseTimer();
  PhaseTimer(const PhaseTimer&) = delete;
  PhaseTimer& operator=(const PhaseTimer&) = delete;

 private:
  Phase phase_;
  std::int64_t start_nanoseconds_;
};

/// \brief Add `seconds` a kernel waited for its I/O worker to the process-wide counter. Thread-safe.
void add_io_wait(double seconds) noexcept;

/// \brief Return the process-wide tile I/O counters. Thread-safe.
TileIoStats tile_io_stats() noexcept;

}  // namespace pycauset::tiles
