// Evaluating expressions: into a new governed array, or in place into an existing one.
#pragma once

#include "core/array.hpp"
#include "core/expr/node.hpp"
#include "core/progress.hpp"

namespace pycauset::expr {

/// \brief Evaluate `root` into a new contiguous array placed by the MemoryGovernor (RAM or spill file).
///
/// One fused pass over tiles: each tile's operands are read once (RAM by pointer, files by pread
/// into pooled tile buffers), every operation runs on row segments in L2-resident registers, and the
/// result is written once. No temporaries of operand size exist; anonymous memory stays within the
/// budget plus O(workers x tiles). Parallel over tiles (TBB); call without the GIL. `progress`, if given,
/// is called between tiles with (result bytes done, result bytes), throttled.
Array evaluate(const NodePtr& root, const ProgressFn& progress = {});

/// \brief Write `root` into `dst` (the in-place operators `A += B`), converting to dst's dtype.
///
/// `root` must broadcast to dst's shape. Aliasing rule: a leaf that is exactly dst's view is read
/// and written element by element in the same pass (safe); any other view of dst's buffer (A.T, a
/// shifted slice, a broadcast row) makes the result go through a temporary first. Copy-on-write of a
/// loaded file happens before writing. `progress` as for evaluate, in bytes of dst.
void assign(const NodePtr& root, const Array& dst, const ProgressFn& progress = {});

}  // namespace pycauset::expr
