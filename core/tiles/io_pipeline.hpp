// A background I/O worker: kernels queue tile reads and write-backs that overlap with their compute.
#pragma once

#include <functional>
#include <future>
#include <memory>

namespace pycauset::tiles {

/// \brief One background thread running queued I/O jobs in submission order.
///
/// Typical use in an out-of-core kernel: `auto next = io.submit([&] { read_block(...); });` before
/// computing on the current tiles, then `next.get()` before using the next tile (which also rethrows
/// any exception of the job, e.g. an IoError). Write-backs are submitted the same way; wait for all
/// of their futures before the kernel returns or releases the tile buffers.
///
/// Ownership: jobs must keep whatever they touch alive until their future is ready.
/// Thread-safety: submit() may be called from any thread. The destructor runs the jobs still
/// queued, then joins the thread (it never abandons a half-written tile).
class IoWorker {
 public:
  IoWorker();
  ~IoWorker();
  IoWorker(const IoWorker&) = delete;
  IoWorker& operator=(const IoWorker&) = delete;

  /// \brief Queue `job`; return a future that becomes ready when it has run (holding its exception).
  std::future<void> submit(std::function<void()> job);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

/// \brief Wait for an I/O job (no-op if `job` holds no state) and rethrow its exception, counting the
///        time spent waiting as I/O the pipeline did not hide (tile_io_stats().wait_seconds).
void await_io(std::future<void>& job);

/// \brief The same for a shared job (which stays valid for its other waiters).
void await_io(const std::shared_future<void>& job);

}  // namespace pycauset::tiles
