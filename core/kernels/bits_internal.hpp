// Bit-packed bool helpers in numpy.packbits order (most significant bit first within each byte).
#pragma once

#include <cstdint>
#include <cstring>

namespace pycauset {

inline std::uint8_t get_bit(const std::uint8_t* bytes, std::int64_t index) {
  return (bytes[index >> 3] >> (7 - (index & 7))) & 1u;
}

inline void set_bit(std::uint8_t* bytes, std::int64_t index, bool value) {
  std::uint8_t mask = static_cast<std::uint8_t>(1u << (7 - (index & 7)));
  bytes[index >> 3] = value ? (bytes[index >> 3] | mask) : (bytes[index >> 3] & ~mask);
}

/// \brief Expand `n` bits starting at bit `first` into bytes 0/1.
void unpack_bits(const std::uint8_t* bytes, std::int64_t first, std::int64_t n, std::uint8_t* out);

/// \brief Pack `n` bytes into bits starting at bit `first` (other bits untouched); any non-zero byte is true.
void pack_bits(const std::uint8_t* in, std::int64_t n, std::uint8_t* bytes, std::int64_t first);

}  // namespace pycauset
