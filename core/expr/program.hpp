// A compiled expression: the tree flattened once into typed steps over registers of one row segment.
#pragma once

#include <cstdint>
#include <vector>

#include "core/expr/node.hpp"
#include "core/kernels/elementwise.hpp"

namespace pycauset::expr {

/// \brief Elements per register: one row segment. 1024 x 16 bytes keeps a dozen registers in L2.
constexpr std::int64_t kSegment = 1024;

/// \brief One step of a program; every step writes one register for the current segment.
struct Step {
  enum class Kind : std::uint8_t { LoadLeaf, Operation, Cast };
  Kind kind = Kind::Operation;
  int out = 0;          ///< register written
  int a = -1, b = -1;   ///< registers read (Operation: a, b; Cast: a)
  int leaf = -1;        ///< LoadLeaf: index into Program::leaves
  DType dtype = DType::Float64;          ///< dtype of the register written
  kernels::OpKernel op = nullptr;        ///< Operation
  kernels::CastKernel cast = nullptr;    ///< LoadLeaf (from the leaf's dtype, strided) and Cast
};

/// \brief A constant register: a scalar converted once to the dtype its consumer computes in.
struct Constant {
  int reg = 0;
  DType dtype = DType::Float64;
  kernels::CastKernel fill = nullptr;  ///< cast from the scalar's dtype with stride 0
  std::array<unsigned char, 16> bytes{};
};

/// \brief The flattened tree: leaves, constants and steps in evaluation order.
///
/// Compilation happens once per evaluation; a shared subtree (the same node used twice) gets one
/// register. Registers are write-once within a segment, so steps never clobber their inputs.
struct Program {
  std::vector<Array> leaves;      ///< distinct array leaves, views already broadcast to the root shape
  std::vector<Constant> constants;
  std::vector<Step> steps;
  int registers = 0;
  int result = -1;                ///< register holding the root's values
  DType result_dtype = DType::Float64;
  int ndim = 2;
  std::int64_t rows = 0, cols = 0;
};

/// \brief Compile `root` so that the result register holds its values converted to `want`.
///
/// When `output` is true the last step writes to the caller's output pointer (a Cast step is added
/// if the root is a leaf or has another dtype), marked by `result == kOutputRegister`.
Program compile(const NodePtr& root, DType want, bool output);

/// \brief Register id meaning "the caller's output segment".
constexpr int kOutputRegister = -2;

}  // namespace pycauset::expr
