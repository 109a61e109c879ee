// Parallel loops over bands of rows that stay interruptible: rounds of bands, a Ctrl-C check between rounds.
#pragma once

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cstdint>

#include "core/interrupt.hpp"
#include "core/progress.hpp"
#include "core/threads.hpp"

namespace pycauset::bits {

/// \brief Run `body(band)` for every band in [0, bands), in parallel (TBB), in rounds of a few bands per
///        thread; between rounds the calling thread runs check_interrupt(), so Ctrl-C stops a long pass
///        within a round (the exception unwinds after the round's bands have finished). `progress`, if
///        given, is called with (bands done, bands) after rounds, throttled.
template <class Body>
void for_each_band(std::int64_t bands, const Body& body, const ProgressFn& progress = {}) {
  const std::int64_t round = std::max<std::int64_t>(8, 4 * static_cast<std::int64_t>(get_num_threads()));
  ThrottledProgress report(progress, static_cast<double>(bands));
  report.report(0);  // the bar appears at once, not after the first round
  for (std::int64_t first = 0; first < bands; first += round) {
    check_interrupt();
    const std::int64_t end = std::min(bands, first + round);
    tbb::parallel_for(first, end, std::int64_t{1}, body);
    report.report(static_cast<double>(end));
  }
}

}  // namespace pycauset::bits
