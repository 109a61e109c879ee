// Out-of-core LU: left-looking column panels with full-column partial pivoting (see lu_ooc.hpp).
#include "core/kernels/lu_ooc.hpp"

#include <algorithm>
#include <complex>
#include <optional>
#include <utility>

#include <tbb/task_group.h>

#include "core/governor.hpp"
#include "core/threads.hpp"
#include "core/kernels/lu_blas_internal.hpp"
#include "core/tiles/tile_io.hpp"

namespace pycauset {

std::int64_t ooc_panel_width(std::int64_t n, int item, int buffers) {
  if (n <= 0) return 1;
  const std::uint64_t per_column = static_cast<std::uint64_t>(buffers) * n * item;
  // Per buffer beyond its n x b elements: a window's alignment slack (panel streams read whole rows
  // unbuffered) and the pool's rounding up to its 64 KiB granule.
  const std::uint64_t per_buffer = 2 * ByteStore::kWindowAlignment + 64 * 1024;
  const std::uint64_t extra = static_cast<std::uint64_t>(buffers) * per_buffer;
  const std::uint64_t budget = MemoryGovernor::instance().tile_budget(per_column * n + extra);
  const std::uint64_t room = budget > extra ? budget - extra : 0;
  const std::int64_t widest = std::clamp<std::int64_t>(static_cast<std::int64_t>(room / per_column), 1, n);
  // Balance the panels (no thin last panel): the fewest panels the budget allows, equally wide.
  const std::int64_t panels = (n + widest - 1) / widest;
  std::int64_t b = (n + panels - 1) / panels;
  if (b > 64 && b < n) {
    const std::int64_t up = (b + 31) / 32 * 32;
    b = up <= widest ? up : b - b % 32;
  }
  return b;
}

namespace {

/// Apply the interchanges pivots[first:last) to a column-major block whose first row is row r0 of M.
template <class T>
void apply_interchanges(T* block, std::int64_t ld, std::int64_t cols, std::int64_t r0,
                        const std::vector<std::int64_t>& pivots, std::int64_t first, std::int64_t last) {
  if (first >= last) return;
  // Column by column: each column (ld elements) stays in cache while its swaps run.
  for (std::int64_t c = 0; c < cols; ++c) {
    T* col = block + c * ld - r0;
    for (std::int64_t i = first; i < last; ++i) {
      const std::int64_t p = pivots[i];
      if (p != i) std::swap(col[i], col[p]);
    }
  }
}

// Flop counts in real multiply-add pairs x 2 (complex work is counted as real work; only the ratio
// done / total reaches the progress bar).
double getrf_flops(double m, double n) { return m * n * n - n * n * n / 3.0; }
double trsm_flops(double m, double n) { return m * m * n; }
double gemm_flops(double m, double n, double k) { return 2.0 * m * n * k; }

}  // namespace

template <class T>
OocLu<T>::OocLu(const Array& a, std::int64_t panel_width, detail::ProgressCounter& progress, bool stop_on_singular)
    : n_(a.rows()), b_(std::max<std::int64_t>(1, std::min(panel_width, a.rows()))) {
  pivots_.assign(n_, 0);
  diagonal_.assign(n_, T(0));
  factor(a, progress, stop_on_singular);
}

namespace {

/// Update the working panel A (columns [0, w), leading dimension N) by factored panel K, whose rows
/// K0:N (unit L_KK with U_KK above its diagonal on top, L_{K1:N,K} below) are at L, leading dimension
/// ld: U_KJ = L_KK^{-1} A_KJ, then A_{K1:N,J} -= L_{K1:N,K} U_KJ. Both cores, by column ranges.
template <class T>
void update_by_panel(T* A, std::int64_t N, std::int64_t w, const T* L, std::int64_t ld, std::int64_t K0,
                     std::int64_t K1, detail::ProgressCounter& progress) {
  const std::int64_t wk = K1 - K0;
  {
    tiles::PhaseTimer compute(tiles::Phase::Compute);
    detail::for_column_ranges(w, [&](std::int64_t c0, std::int64_t c1) {
      T* Ac = A + c0 * N;  // columns c0:c1 of the working panel
      lapack::trsm<T>('L', 'L', 'N', 'U', wk, c1 - c0, T(1), L, ld, Ac + K0, N);
      lapack::gemm<T>('N', 'N', N - K1, c1 - c0, wk, T(-1), L + wk, ld, Ac + K0, N, T(1), Ac + K1, N);
    });
  }
  progress.add(trsm_flops(wk, w) + gemm_flops(N - K1, w, wk));
}

}  // namespace

template <class T>
void OocLu<T>::load_panel(const Array& a, const Buffer::Lease& input, std::int64_t J, T* A) const {
  const std::int64_t J0 = panel_begin(J), w = panel_end(J) - J0;
  tiles::read_block(a, input, tiles::Block{J0, w, 0, n_}, A, n_, dtype_traits<T>::id, tiles::TileLayout::RowMajor);
  apply_interchanges(A, n_, w, 0, pivots_, 0, factored_);
}

template <class T>
void OocLu<T>::update_from_file(T* A, std::int64_t J, std::int64_t panels, PanelStream<T>& stream,
                                detail::ProgressCounter& progress) const {
  const std::int64_t w = panel_end(J) - panel_begin(J);
  for (std::int64_t K = 0; K < panels; ++K) {
    const std::int64_t K0 = panel_begin(K);
    update_by_panel(A, n_, w, stream.next(), n_, K0, panel_end(K), progress);
  }
}

template <class T>
void OocLu<T>::factor(const Array& a, detail::ProgressCounter& progress, bool stop_on_singular) {
  const DType dt = dtype_traits<T>::id;
  const std::int64_t N = n_, P = panel_count();
  auto& gov = MemoryGovernor::instance();
  factor_ = Array::zeros(dt, 2, N, N, Placement::File);
  written_.assign(P, {});
  Buffer::Lease input = Buffer::lease(a.buffer());
  Buffer::Lease output = Buffer::lease(factor_.buffer());
  const std::size_t panel_bytes = static_cast<std::size_t>(N) * b_ * sizeof(T);
  // Two working panels: J is factored (then written behind) while J + 1 is loaded and updated.
  PooledBuffer work[2] = {gov.acquire_tile(panel_bytes), gov.acquire_tile(panel_bytes)};
  PooledBuffer window0 = gov.acquire_tile(stream_window_bytes());
  PooledBuffer window1 = gov.acquire_tile(stream_window_bytes());
  std::vector<int> ipiv(b_);
  // Declared after the buffers: destroyed first, so no job outlives the memory it uses.
  tiles::IoWorker reader, writer;

  load_panel(a, input, 0, work[0].as<T>());
  for (std::int64_t J = 0; J < P; ++J) {
    const std::int64_t J0 = panel_begin(J), J1 = panel_end(J), w = J1 - J0;
    T* A = work[J % 2].as<T>();  // the working panel M(:, J0:J1), column-major, leading dimension N
    // The look-ahead's reads (panels < J, for panel J + 1) start now, so that the first one arrives
    // while step 1 computes instead of keeping the look-ahead waiting.
    std::optional<PanelStream<T>> lookahead;
    if (J > 0 && J + 1 < P) {
      std::vector<typename PanelStream<T>::Read> reads;
      for (std::int64_t K = 0; K < J; ++K) reads.push_back({K, panel_begin(K), N});
      lookahead.emplace(*this, std::move(reads), window0.data(), window1.data(), reader);
    }
    // 1. A holds M(:, J) with the interchanges of panels < J - 1, updated by panels < J - 1 (the
    //    look-ahead below). Finish it: panel J - 1's interchanges, then its update, from memory.
    if (J > 0) {
      const std::int64_t K0 = panel_begin(J - 1);
      apply_interchanges(A, N, w, 0, pivots_, K0, J0);
      update_by_panel(A, N, w, work[(J - 1) % 2].as<T>() + K0, N, K0, J0, progress);
    }
    // 2. Factor the tall panel over all remaining rows (pivots may come from any row below J0) on one
    //    core, while the other loads panel J + 1 and updates it by panels < J from the file
    //    (look-ahead). Row interchanges and these updates commute (the update's rows of L are
    //    interchanged with them), so panel J's interchanges can wait for step 1 of the next round.
    int info = 0;
    auto factor_panel = [&] {
      info = lapack::getrf(static_cast<int>(N - J0), static_cast<int>(w), A + J0, static_cast<int>(N), ipiv.data());
    };
    {
      // One BLAS thread per task: a tall getrf is a long chain of small steps whose thread handshakes
      // cost more than the second core gives back; the look-ahead splits its own work by columns.
      SingleThreadedBlas one_thread_each;
      if (J + 1 < P) {
        T* next = work[(J + 1) % 2].as<T>();
        tbb::task_group panel;
        panel.run(factor_panel);
        try {
          if (J > 0) tiles::await_io(written_[J - 1]);  // `next` held panel J - 1
          load_panel(a, input, J + 1, next);
          if (lookahead) update_from_file(next, J + 1, J, *lookahead, progress);
        } catch (...) {
          panel.wait();  // the task uses this frame
          throw;
        }
        panel.wait();
      } else {
        tiles::PhaseTimer compute(tiles::Phase::Compute);  // (overlapped, the getrf is not the compute thread's time)
        factor_panel();
      }
    }
    if (info > 0) {
      singular_ = true;
      if (stop_on_singular) throw LinAlgError("Singular matrix");
    }
    for (std::int64_t i = 0; i < w; ++i) {
      pivots_[J0 + i] = J0 + ipiv[i] - 1;
      diagonal_[J0 + i] = A[i * N + J0 + i];
    }
    factored_ = J1;
    progress.add(getrf_flops(N - J0, w));

    // 3. Store the panel behind the computation (one contiguous run of the factor file); a later
    //    read of this panel waits for it (read_panel).
    const Array* f = &factor_;
    const Buffer::Lease* out = &output;
    written_[J] = writer.submit([f, out, J0, w, N, A, dt] {
      tiles::write_block(*f, *out, tiles::Block{J0, w, 0, N}, A, N, dt, tiles::TileLayout::RowMajor);
    }).share();
  }
  for (auto& done : written_) tiles::await_io(done);
}

template <class T>
std::size_t OocLu<T>::stream_window_bytes() const {
  return tiles::band_window_bytes(factor_, b_);
}

template <class T>
const T* OocLu<T>::read_panel(std::int64_t k, std::int64_t r0, std::int64_t r1, std::byte* window) const {
  const std::int64_t K0 = panel_begin(k), K1 = panel_end(k), w = K1 - K0;
  if (k < static_cast<std::int64_t>(written_.size()) && written_[k].valid()) written_[k].wait();
  Buffer::Lease lease = Buffer::lease(factor_.buffer());
  // Rows K0:K1 of the factor array are columns K0:K1 of M: they arrive column-major, ld = N.
  T* panel;
  if (2 * (r1 - r0) >= n_) {
    // Most of each row is needed: read whole rows unbuffered (DMA, no CPU).
    tiles::read_band(factor_, lease, K0, w, window);
    panel = reinterpret_cast<T*>(tiles::band_in_window(factor_, lease, K0, window));
  } else {
    // A short part: whole rows would be mostly waste, and the BLAS work on it is short too, so the
    // disk would set the pace; copy just [r0, r1) of each row through the page cache instead.
    panel = reinterpret_cast<T*>(window);
    tiles::read_block(factor_, lease, tiles::Block{K0, w, r0, r1 - r0}, panel + r0, n_, dtype_traits<T>::id,
                      tiles::TileLayout::RowMajor);
  }
  // The panel was stored with interchanges [0, K1) applied; later ones touch only rows >= K1.
  if (r1 > K1 && K1 < factored_) apply_interchanges(panel, n_, w, 0, pivots_, K1, factored_);
  return panel + r0;
}

template <class T>
PanelStream<T>::PanelStream(const OocLu<T>& lu, std::vector<Read> reads, std::byte* window0, std::byte* window1,
                            tiles::IoWorker& io)
    : lu_(lu), reads_(std::move(reads)), windows_{window0, window1}, io_(io) {
  if (!reads_.empty()) submit(0);
}

template <class T>
PanelStream<T>::~PanelStream() {
  // Never leave the worker writing into windows the caller is about to release.
  for (auto& f : pending_) {
    if (f.valid()) f.wait();
  }
}

template <class T>
void PanelStream<T>::submit(std::size_t i) {
  std::byte* window = windows_[i % 2];
  const T** rows = &rows_[i % 2];
  const Read r = reads_[i];
  const OocLu<T>* lu = &lu_;
  pending_[i % 2] = io_.submit([lu, window, rows, r] { *rows = lu->read_panel(r.panel, r.r0, r.r1, window); });
}

template <class T>
const T* PanelStream<T>::next() {
  const std::size_t i = next_++;
  tiles::await_io(pending_[i % 2]);  // rethrows an I/O error of the read
  const T* rows = rows_[i % 2];
  if (i + 1 < reads_.size()) submit(i + 1);
  return rows;
}

template class OocLu<float>;
template class OocLu<double>;
template class OocLu<std::complex<float>>;
template class OocLu<std::complex<double>>;
template class PanelStream<float>;
template class PanelStream<double>;
template class PanelStream<std::complex<float>>;
template class PanelStream<std::complex<double>>;

}  // namespace pycauset
