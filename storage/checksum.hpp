// CRC-32C (Castagnoli), the checksum of the .pycauset container's header and payload blocks.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pycauset {

/// \brief Extend the CRC-32C `crc` (0 for a fresh start) over `n` bytes at `data`.
///
/// Uses the SSE4.2 crc32 instruction when the CPU has it, else a table. Pure function; thread-safe.
/// crc32c("123456789") == 0xE3069283 (the standard check value).
std::uint32_t crc32c(const void* data, std::size_t n, std::uint32_t crc = 0) noexcept;

}  // namespace pycauset
