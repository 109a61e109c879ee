// Filling views with one value: zeros/ones/full, scalar slice assignment, identity diagonals.
#pragma once

#include "core/array.hpp"

namespace pycauset {

/// \brief Set every element of the view to the value stored in `value` (one element of the array's dtype,
///        bool as one byte 0/1). Leases the buffer; copy-on-write first. Parallel, GIL-free.
void fill(const Array& array, const void* value);

/// \brief Set element (i, j) from raw element bytes (bool: one byte 0/1).
void set_element(const Array& array, std::int64_t i, std::int64_t j, const void* value);

/// \brief Read element (i, j) into raw element bytes (bool: one byte 0/1); `out` holds >= 16 bytes.
void get_element(const Array& array, std::int64_t i, std::int64_t j, void* out);

}  // namespace pycauset
