// fill_random: splitmix64 over (seed, element index), so tiles and threads can draw in any order.
#include "core/kernels/random.hpp"

#include <tbb/parallel_for.h>

#include <cmath>

#include "core/kernels/convert_internal.hpp"
#include "storage/errors.hpp"

namespace pycauset {
namespace {

inline std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/// Uniform double in [0, 1) with 53 random bits, for stream position `counter`.
inline double uniform01(std::uint64_t key, std::uint64_t counter) {
  return static_cast<double>(mix64(key + counter * 0x9e3779b97f4a7c15ull) >> 11) * 0x1.0p-53;
}

inline double draw(Distribution d, double a, double b, std::uint64_t key, std::uint64_t counter) {
  if (d == Distribution::Uniform) return a + (b - a) * uniform01(key, counter);
  double u1 = uniform01(key, 2 * counter), u2 = uniform01(key, 2 * counter + 1);
  double radius = std::sqrt(-2.0 * std::log1p(-u1));  // 1 - u1 in (0, 1]: never log(0)
  return a + b * radius * std::cos(6.283185307179586 * u2);
}

}  // namespace

void fill_random(const Array& array, Distribution distribution, double a, double b, std::uint64_t seed) {
  if (!array.is_whole_buffer()) throw ValueError("fill_random needs a freshly allocated contiguous array");
  if (array.dtype() == DType::Bool) throw TypeError("random generation does not support dtype bool");
  const std::uint64_t key = mix64(seed ^ 0x5851f42d4c957f2dull);
  Buffer::Lease lease = Buffer::lease(array.buffer());
  const std::int64_t total = array.size();
  const std::int64_t grain = 1 << 16;
  visit_dtype(array.dtype(), [&](auto tag) {
    using T = tile_t<typename decltype(tag)::type>;
    if constexpr (!std::is_same_v<typename decltype(tag)::type, bit_t>) {
      T* out = reinterpret_cast<T*>(lease.data());
      tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, total, grain), [&](const tbb::blocked_range<std::int64_t>& r) {
        for (std::int64_t k = r.begin(); k != r.end(); ++k) {
          double value = draw(distribution, a, b, key, static_cast<std::uint64_t>(k));
          if constexpr (std::is_integral_v<T>) value = std::floor(value);
          if constexpr (is_complex<T>::value) {
            // Complex dtypes draw the real and imaginary parts from two independent positions.
            double imag = draw(distribution, a, b, key ^ 0xa0761d6478bd642full, static_cast<std::uint64_t>(k));
            out[k] = T(static_cast<typename T::value_type>(value), static_cast<typename T::value_type>(imag));
          } else {
            out[k] = static_cast<T>(value);
          }
        }
      });
    }
  });
}

}  // namespace pycauset
