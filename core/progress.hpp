// Progress reporting of long operations: the callback type and a throttle, so that loops may report freely.
#pragma once

#include <chrono>
#include <functional>
#include <utility>

namespace pycauset {

/// \brief Progress callback: (work done so far, total expected), in the operation's own unit (floating-point
///        operations, bytes). May be empty. Called from the thread that started the operation; the callee takes
///        care of its own locking (the bindings' callbacks take the GIL, honour Ctrl-C and may throw).
using ProgressFn = std::function<void(double done, double total)>;

/// \brief Forward progress to a ProgressFn at most every few milliseconds, and the final state exactly once.
///
/// Why: the bindings' callback takes the GIL; called for every small tile of a fast loop it would cost more
/// than the work. A report costs one clock read when nothing is due, nothing at all without a callback.
class ThrottledProgress {
 public:
  ThrottledProgress(ProgressFn fn, double total) : fn_(std::move(fn)), total_(total) {}

  /// \brief Report `done` units of work if a few milliseconds passed since the last report (always when
  ///        `done` reaches the total, once).
  void report(double done) {
    if (!fn_ || finished_) return;
    const Clock::time_point now = Clock::now();
    const bool final = done >= total_;
    if (!final && now < next_due_) return;
    next_due_ = now + kInterval;
    finished_ = final;
    fn_(done, total_);
  }

  /// \brief Report completion (for loops that end without reporting the total).
  void finish() { report(total_); }

 private:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds kInterval{5};
  ProgressFn fn_;
  double total_;
  Clock::time_point next_due_{};
  bool finished_ = false;
};

}  // namespace pycauset
