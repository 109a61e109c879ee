// Unit tests of progress reporting: the ThrottledProgress throttle, and the reports of the tile loops of
// evaluation, save, verified load and convert_file on arrays that take many tiles under a 1 MiB budget.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/array.hpp"
#include "core/expr/evaluate.hpp"
#include "core/expr/node.hpp"
#include "core/governor.hpp"
#include "core/io/file_io.hpp"
#include "core/progress.hpp"
#include "storage/buffer_pool.hpp"
#include "test_support.hpp"

using namespace pycauset;
using expr::Node;

namespace {

/// Sets a small budget for one case (many tiles) and restores the default afterwards.
struct SmallBudget {
  SmallBudget() {
    BufferPool::instance().trim(0);
    MemoryGovernor::instance().set_limit(1ull << 20);
  }
  ~SmallBudget() { MemoryGovernor::instance().set_limit(std::nullopt); }
};

/// Every (done, total) a kernel reported, in order.
struct Recorder {
  std::vector<std::pair<double, double>> calls;
  ProgressFn fn() {
    return [this](double done, double total) { calls.emplace_back(done, total); };
  }
};

/// A recorded sequence is a progress report of `total`: it starts at 0, never goes back, keeps one total,
/// and ends at the total, reached exactly once.
void check_reports(const Recorder& r, double total) {
  REQUIRE(r.calls.size() >= 2);
  CHECK_EQ(r.calls.front().first, 0.0);
  int finals = 0;
  for (std::size_t k = 0; k < r.calls.size(); ++k) {
    CHECK_EQ(r.calls[k].second, total);
    if (k > 0) CHECK(r.calls[k].first >= r.calls[k - 1].first);
    if (r.calls[k].first >= total) ++finals;
  }
  CHECK_EQ(finals, 1);
  CHECK_EQ(r.calls.back().first, total);
}

}  // namespace

TEST_CASE(throttle_reports_the_first_call_at_most_every_few_ms_and_the_final_state_once) {
  Recorder r;
  ThrottledProgress report(r.fn(), 1000);
  for (int done = 0; done < 1000; ++done) report.report(done);  // far faster than one per 5 ms
  CHECK(r.calls.size() < 50);
  CHECK_EQ(r.calls.front().first, 0.0);
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const std::size_t before = r.calls.size();
  report.report(999);  // due again after the interval
  CHECK_EQ(r.calls.size(), before + 1);
  report.report(1000);
  report.finish();
  report.report(1000);
  CHECK_EQ(r.calls.back().first, 1000.0);
  CHECK_EQ(r.calls.size(), before + 2);  // the final state once, however often it is reported
}

TEST_CASE(throttle_without_a_callback_does_nothing) {
  ThrottledProgress report({}, 10);
  report.report(0);
  report.finish();  // no callback to call: nothing happens, nothing throws
}

TEST_CASE(evaluation_reports_bytes_of_the_result_for_every_placement) {
  SmallBudget budget;
  for (Placement where : {Placement::Ram, Placement::File}) {
    Array a = Array::zeros(DType::Float64, 2, 700, 513, where);  // 2.7 MiB: many tiles
    const double two = 2.0;
    Recorder r;
    Array out = expr::evaluate(Node::binary(kernels::ElementwiseOp::Add, Node::leaf(a), Node::scalar(DType::Float64, &two)),
                               r.fn());
    check_reports(r, 700.0 * 513 * 8);
    Recorder in_place;
    expr::assign(Node::leaf(a), out, in_place.fn());
    check_reports(in_place, 700.0 * 513 * 8);
  }
  // bool trees on packed words report in bands of rows, rescaled to bytes of packed bits.
  Array b = Array::zeros(DType::Bool, 2, 700, 513, Placement::File);
  Recorder bits;
  expr::evaluate(Node::unary(kernels::ElementwiseOp::Invert, Node::leaf(b)), bits.fn());
  check_reports(bits, 700.0 * 513 / 8);
}

TEST_CASE(save_verified_load_and_convert_file_report_bytes) {
  SmallBudget budget;
  const std::string dir = test_support::scratch_dir();
  Array a = Array::zeros(DType::Int32, 2, 900, 700, Placement::File);  // 2.4 MiB
  const double bytes = 900.0 * 700 * 4;
  Recorder saved, loaded, to_npy, from_npy;
  io::save(a.transposed(), dir + "/p.pycauset", saved.fn());  // a gathered view
  check_reports(saved, bytes);
  io::load(dir + "/p.pycauset", /*verify=*/true, loaded.fn());
  check_reports(loaded, bytes);
  io::convert_file(dir + "/p.pycauset", dir + "/p.npy", to_npy.fn());
  check_reports(to_npy, bytes);
  io::convert_file(dir + "/p.npy", dir + "/q.pycauset", from_npy.fn());
  check_reports(from_npy, bytes);
  Recorder unverified;
  io::load(dir + "/q.pycauset", /*verify=*/false, unverified.fn());
  CHECK(unverified.calls.empty());  // O(1): nothing to report
}
