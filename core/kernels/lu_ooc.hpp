// Out-of-core LU with partial pivoting over full columns: left-looking column panels streamed from a spill file.
#pragma once

#include <cstdint>
#include <future>
#include <vector>

#include "core/array.hpp"
#include "core/kernels/lu.hpp"
#include "core/tiles/io_pipeline.hpp"

namespace pycauset {

/// \brief Return the panel width b for out-of-core kernels of order n that hold `buffers` panels of
///        n x b elements of `item` bytes at once: the largest b the governor's tile budget allows,
///        counting each buffer's window slack and pool rounding (at least 1, at most n; a multiple of
///        32 once it exceeds 64, to keep BLAS blocks aligned).
std::int64_t ooc_panel_width(std::int64_t n, int item, int buffers);

/// \brief LU factorisation M = P L U of M = A^T for a square A that need not fit in memory.
///
/// Why A^T: a row-major A is the column-major matrix M = A^T, so a column panel of M is a run of
/// whole rows of A (one contiguous read), LAPACK needs no transposition, det(M) = det(A), and
/// inv(M) = inv(A)^T is inv(A) in row-major order (see inverse.cpp).
///
/// Algorithm: the left-looking blocked LU of Toledo ("Locality of reference in LU decomposition
/// with partial pivoting", SIAM J. Matrix Anal. Appl. 18(4), 1997; also Golub & Van Loan, Matrix
/// Computations, 4th ed., sec. 3.2.9-3.2.11). For column panel J (columns J0:J1 of width b) in turn:
///   1. read A_J = M(:, J) from the input and apply all interchanges chosen so far (rows >= 0);
///   2. for each earlier panel K < J (streamed, next one prefetched by the I/O worker):
///        U_KJ = L_KK^{-1} A_KJ            (trsm, b x b)
///        A_{K1:N, J} -= L_{K1:N, K} U_KJ   (gemm, (N - K1) x b x b: where the flops are);
///   3. getrf on the tall panel A_{J0:N, J} (all remaining rows: pivots are chosen over full
///      columns, so they can cross panels), store its interchanges globally;
///   4. write the panel to the factor file.
/// Interchanges of later panels are applied lazily to an earlier panel's L rows when it is read
/// (read_panel), so nothing already on disk is rewritten.
///
/// Look-ahead: step 3 runs on one core (a tall getrf is a chain of small steps) while the other
/// core does steps 1-2 of panel J + 1 for every K < J; the update by K = J then comes from memory.
/// Row interchanges commute with these updates (they swap the rows of L_{K1:N,K} with those of
/// A_{K1:N,J+1}), so panel J's interchanges are applied to panel J + 1 after its getrf.
///
/// Memory: 4 panels of N x b elements (two working panels: J factored and written behind while
/// J + 1 is loaded and updated; two streamed panels, double-buffered) plus
/// O(N) pivots and diagonal; b comes from MemoryGovernor::tile_budget. I/O: the input is read once
/// (N^2), the factor written once (N^2) and read about N^3 / (3 b) elements in the left-looking loop.
template <class T>
class PanelStream;

template <class T>
class OocLu {
 public:
  /// \brief Factor `a` (square, dtype T already) into a governor-allocated spill file.
  ///
  /// With `stop_on_singular` an exactly zero pivot throws LinAlgError("Singular matrix") at once;
  /// otherwise the factorisation completes and singular() reports it (det needs that).
  OocLu(const Array& a, std::int64_t panel_width, detail::ProgressCounter& progress, bool stop_on_singular);

  std::int64_t order() const noexcept { return n_; }
  std::int64_t panel_width() const noexcept { return b_; }
  std::int64_t panel_count() const noexcept { return (n_ + b_ - 1) / b_; }
  std::int64_t panel_begin(std::int64_t k) const noexcept { return k * b_; }
  std::int64_t panel_end(std::int64_t k) const noexcept { return std::min(n_, (k + 1) * b_); }
  bool singular() const noexcept { return singular_; }

  /// \brief Return the interchanges, 0-based: row i of M was swapped with row pivots()[i] >= i, in
  ///        order i = 0, 1, ..., so that L U = P^T M.
  const std::vector<std::int64_t>& pivots() const noexcept { return pivots_; }

  /// \brief Return the diagonal of U.
  const std::vector<T>& diagonal() const noexcept { return diagonal_; }

  /// \brief Read factor panel k into `window` and return where its row r0 is (column-major,
  ///        leading dimension N), applying the interchanges of later panels to its L rows if the
  ///        caller needs rows below the panel (r1 > its end).
  ///
  /// When rows [r0, r1) are at least half of N, whole rows of the factor file are read (one
  /// contiguous run, unbuffered where the file system allows: no page-cache copy on the CPU the BLAS
  /// threads need); shorter parts are copied through the page cache (whole rows would be mostly
  /// waste, and the disk would set the pace of the short BLAS work on them). A window holds
  /// stream_window_bytes(). Reads that include L rows below the panel
  /// must run to r1 = N (interchanges reach any row below). Thread-safe for concurrent reads (used
  /// from the I/O worker).
  const T* read_panel(std::int64_t k, std::int64_t r0, std::int64_t r1, std::byte* window) const;

  /// \brief Return the bytes of a window that holds any panel for read_panel.
  std::size_t stream_window_bytes() const;

 private:
  void factor(const Array& a, detail::ProgressCounter& progress, bool stop_on_singular);
  /// Read panel J of the input into A (column-major, leading dimension N) with the interchanges known.
  void load_panel(const Array& a, const Buffer::Lease& input, std::int64_t J, T* A) const;
  /// Update the working panel J (in A) by factored panels [0, panels), read in order by `stream`.
  void update_from_file(T* A, std::int64_t J, std::int64_t panels, PanelStream<T>& stream,
                        detail::ProgressCounter& progress) const;

  std::int64_t n_ = 0, b_ = 1;
  Array factor_;              // N x N spill array holding M's factors column-major (row i = column i of M)
  std::int64_t factored_ = 0;  // interchanges known for rows [0, factored_)
  std::vector<std::int64_t> pivots_;
  std::vector<T> diagonal_;
  std::vector<std::shared_future<void>> written_;  // panel k is on disk once written_[k] is ready
  bool singular_ = false;
};

/// \brief A double-buffered sequence of factor panel reads: while BLAS works on one window, the
///        I/O worker fills the other with the next panel.
template <class T>
class PanelStream {
 public:
  /// \brief One read: rows [r0, r1) of panel `panel` are needed (see OocLu::read_panel).
  struct Read {
    std::int64_t panel, r0, r1;
  };

  /// \brief Start reading reads[0] into window0. Windows hold lu.stream_window_bytes() each.
  PanelStream(const OocLu<T>& lu, std::vector<Read> reads, std::byte* window0, std::byte* window1, tiles::IoWorker& io);
  ~PanelStream();

  /// \brief Wait for the next read, queue the one after it, and return where that read's row r0 is
  ///        (column-major, leading dimension N).
  const T* next();

 private:
  void submit(std::size_t i);
  const OocLu<T>& lu_;
  std::vector<Read> reads_;
  std::byte* windows_[2];
  const T* rows_[2] = {nullptr, nullptr};
  tiles::IoWorker& io_;
  std::future<void> pending_[2];
  std::size_t next_ = 0;
};

}  // namespace pycauset
