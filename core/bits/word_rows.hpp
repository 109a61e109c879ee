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

}  // namespace pycauset::bits
