// Counter-based random generation: element k of a seeded stream depends only on (seed, k).
#pragma once

#include <cstdint>

#include "core/array.hpp"

namespace pycauset {

enum class Distribution { Uniform, Normal };

/// \brief Fill a freshly allocated contiguous array with draws; identical for any thread count.
///
/// Uniform: low + (high - low) * u, u in [0, 1). Normal: loc + scale * z (Box-Muller on two
/// counter draws per element). Integer dtypes receive floor of the uniform draw in [low, high).
void fill_random(const Array& array, Distribution distribution, double a, double b, std::uint64_t seed);

}  // namespace pycauset
