// Reading the rows (and columns) of any bool array view, RAM or file-backed, as word rows.
#pragma once

#include <cstdint>

#include "core/array.hpp"
#include "core/buffer.hpp"

namespace pycauset::bits {

/// \brief Read rows [r0, r0 + nr) of the bool view `a` (all its columns) as word rows into `out`,
///        `ld` words apart (ld >= words_for(a.cols())); words past the row's end are left as they are.
///
/// Rows stored as runs of bits (unit column stride) are gathered straight from RAM, or read with one
/// pread per band (file-backed); any other view (transposed, strided) goes through an unpacking copy.
/// `lease` must lease `a.buffer()`. Thread-safe.
void read_word_rows(const Array& a, const Buffer::Lease& lease, std::int64_t r0, std::int64_t nr, std::uint64_t* out,
                    std::int64_t ld);

/// \brief Read columns [c0, c0 + nc) of the bool view `a` (all its rows) as word rows into `out`,
///        `ld` words apart (ld >= words_for(a.rows())): row j of `out` is column c0 + j of `a`.
///
/// Columns of a transposed view are rows of its storage and are gathered directly; otherwise strips
/// of 64 rows are read and turned by 64 x 64 bit transposes. Runs on the calling thread.
void read_word_columns(const Array& a, const Buffer::Lease& lease, std::int64_t c0, std::int64_t nc,
                       std::uint64_t* out, std::int64_t ld);

/// \brief Store `nr` word rows (`ld` words apart) as rows [r0, r0 + nr) of the contiguous bool array `out`
///        (all its columns): RAM directly, a file with one write for the whole band.
///
/// Bands written concurrently must not share a byte of the packed output: start them on rows where
/// r0 * cols is a multiple of 8 (e.g. r0 a multiple of 8). `lease` must lease `out.buffer()`.
void write_word_rows(const Array& out, const Buffer::Lease& lease, std::int64_t r0, std::int64_t nr,
                     const std::uint64_t* rows, std::int64_t ld);

/// \brief Return a contiguous copy of the bool view `a` (any view: a transposed one is turned by 64 x 64 bit
///        transposes), bands of 64 rows in parallel, placed by the governor.
Array copy_bits(const Array& a);

}  // namespace pycauset::bits
