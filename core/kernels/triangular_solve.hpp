// Triangular solves A X = B (SciPy's solve_triangular), direct (trsm) or out of core by panels, with an
// optional implicit factor A = I + s·C built from a bool matrix without a float copy of it.
#pragma once

#include "core/array.hpp"
#include "core/kernels/lu.hpp"

namespace pycauset {

/// \brief The triangular factor of a solve: A = (identity_plus ? I : 0) + scale · matrix.
///
/// `matrix` may be of any dtype, bool included (a causal matrix or its transpose): panels of it are
/// converted as they are read, so `I + s Cᵀ` never exists as a float matrix.
struct TriangularFactor {
  Array matrix;
  bool lower = false;
  bool unit_diagonal = false;  ///< the diagonal is taken as ones and not read (SciPy's unit_diagonal)
  double scale = 1.0;
  bool identity_plus = false;
};

/// \brief Options of the right-hand side: X solves A X = rhs_scale · B.
struct TriangularRhs {
  double rhs_scale = 1.0;
  /// B is declared lower triangular (the propagator's B = Φ): with a lower A, column c of X is zero
  /// above row c, so those panels are skipped (half the work).
  bool lower_triangular = false;
};

/// \brief Return X with A X = rhs_scale · B for a square triangular A (`factor`), B an (n,) vector or an
///        (n, k) matrix, as scipy.linalg.solve_triangular.
///
/// Result dtype: NumPy's promotion of A and B, with bool/integers computing in float64 (float64 also
/// when the factor is scaled or shifted). Direct path (A, B and X fit the budget): one trsm on RAM
/// copies. Otherwise out of core: per block of right-hand columns held in RAM, panels of rows of A are
/// read one after another (the next read while the current one is used) and applied as a GEMM update
/// and a trsm on the diagonal block. Throws LinAlgError for a zero diagonal element (not unit),
/// ValueError for mismatched shapes.
Array solve_triangular(const TriangularFactor& factor, const Array& b, const TriangularRhs& rhs = {},
                       LinalgMethod method = LinalgMethod::Auto, const ProgressFn& progress = {});

}  // namespace pycauset
