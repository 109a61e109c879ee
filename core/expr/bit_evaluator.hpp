// Evaluating bool-only expressions on packed 64-bit words: & | ^ ~ == != of bool arrays never unpack.
#pragma once

#include "core/array.hpp"
#include "core/expr/node.hpp"
#include "core/progress.hpp"

namespace pycauset::expr {

/// \brief Return true when every operation of `root` is a bitwise or equality operation on bool operands
///        (& | ^ ~ == !=) and every leaf is a bool array or a bool scalar: such a tree is evaluated on
///        words, 64 elements per instruction.
bool is_packed_bit_tree(const NodePtr& root);

/// \brief Evaluate a packed bit tree (see is_packed_bit_tree) into a new bool array placed by the
///        governor: bands of 64 rows in parallel, each row's leaves gathered as word rows, the program run
///        word by word, the result stored as packed bits (RAM directly, files one write per band).
Array evaluate_bits(const NodePtr& root, const ProgressFn& progress = {});

}  // namespace pycauset::expr
