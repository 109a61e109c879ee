// IoWorker: a std::thread draining a FIFO of packaged tasks; await_io: waiting on one, counted.
#include "core/tiles/io_pipeline.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "core/tiles/tile_io.hpp"

namespace pycauset::tiles {

class IoWorker::Impl {
 public:
  Impl() : thread([this] { run(); }) {}

  ~Impl() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stopping = true;
    }
    wake.notify_one();
    thread.join();
  }

  std::future<void> submit(std::function<void()> job) {
    std::packaged_task<void()> task(std::move(job));
    std::future<void> done = task.get_future();
    {
      std::lock_guard<std::mutex> lock(mutex);
      queue.push_back(std::move(task));
    }
    wake.notify_one();
    return done;
  }

 private:
  void run() {
    for (;;) {
      std::packaged_task<void()> task;
      {
        std::unique_lock<std::mutex> lock(mutex);
        wake.wait(lock, [this] { return stopping || !queue.empty(); });
        if (queue.empty()) return;  // stopping and drained
        task = std::move(queue.front());
        queue.pop_front();
      }
      task();  // exceptions land in the task's future
    }
  }

  std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::packaged_task<void()>> queue;
  bool stopping = false;
  std::thread thread;  // last member: starts after the queue exists, joins before it dies
};

IoWorker::IoWorker() : impl_(std::make_unique<Impl>()) {}
IoWorker::~IoWorker() = default;

std::future<void> IoWorker::submit(std::function<void()> job) { return impl_->submit(std::move(job)); }

namespace {

/// Wait for `job` to be ready, adding the time waited (if any) to the I/O-wait counter.
template <class Future>
void wait_counted(const Future& job) {
  if (job.wait_for(std::chrono::seconds(0)) == std::future_status::ready) return;
  const auto t0 = std::chrono::steady_clock::now();
  job.wait();
  add_io_wait(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

}  // namespace

void await_io(std::future<void>& job) {
  if (!job.valid()) return;
  wait_counted(job);
  job.get();
}

void await_io(const std::shared_future<void>& job) {
  if (!job.valid()) return;
  wait_counted(job);
  job.get();
}

}  // namespace pycauset::tiles
