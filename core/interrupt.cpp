// check_interrupt: a throttled call of the check the bindings install (see interrupt.hpp).
#include "core/interrupt.hpp"

#include <atomic>
#include <chrono>

namespace pycauset {
namespace {

std::atomic<void (*)()> installed_check{nullptr};

}  // namespace

void set_interrupt_check(void (*check)()) { installed_check = check; }

void check_interrupt() {
  void (*check)() = installed_check.load();
  if (check == nullptr) return;
  // The check takes the GIL: at most 20 times a second per thread, so tile loops never queue on it.
  using Clock = std::chrono::steady_clock;
  thread_local Clock::time_point next_due{};
  const Clock::time_point now = Clock::now();
  if (now < next_due) return;
  next_due = now + std::chrono::milliseconds(50);
  check();
}

}  // namespace pycauset
