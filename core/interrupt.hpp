// Cooperative cancellation: long kernels poll check_interrupt() between tiles; the bindings install the check.
#pragma once

namespace pycauset {

/// \brief Install the process-wide interrupt check, a function that throws to cancel (the bindings' one
///        turns a pending Ctrl-C into KeyboardInterrupt). Thread-safe.
void set_interrupt_check(void (*check)());

/// \brief Run the installed check if ~50 ms passed since this thread's last one; may throw to cancel.
///
/// Call it from the thread that started the kernel, between tiles, at points where an exception unwinds
/// cleanly (temporaries removed, inputs untouched). Costs a clock read when nothing is due.
void check_interrupt();

}  // namespace pycauset
