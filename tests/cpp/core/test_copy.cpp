// Unit tests of core/kernels/copy.cpp: converting, strided, packed-bit and byteswapped copies, RAM and file.
#include <cstring>
#include <vector>

#include "core/array.hpp"
#include "core/governor.hpp"
#include "storage/errors.hpp"
#include "test_support.hpp"

using namespace pycauset;
using D = DType;

namespace {

const D kAll[] = {D::Bool,   D::Int8,    D::Int16,   D::Int32,     D::Int64,     D::UInt8,  D::UInt16,
                  D::UInt32, D::UInt64,  D::Float32, D::Float64,   D::Complex64, D::Complex128};
const Placement kPlacements[] = {Placement::Ram, Placement::File};

/// A NumPy-like int64 region over a row-major vector.
StridedRegion int64_region(std::vector<std::int64_t>& values, std::int64_t rows, std::int64_t cols) {
  StridedRegion r;
  r.data = reinterpret_cast<std::byte*>(values.data());
  r.dtype = D::Int64;
  r.rows = rows;
  r.cols = cols;
  r.row_stride = cols * 8;
  r.col_stride = 8;
  return r;
}

/// Copy int64 values (row-major) into an array view.
void store(const Array& array, std::vector<std::int64_t> values) {
  Buffer::Lease lease = Buffer::lease(array.buffer());
  copy_region(int64_region(values, array.rows(), array.cols()), region_of(array, lease.data()));
}

/// Read an array view as int64 values (row-major).
std::vector<std::int64_t> load(const Array& array) {
  std::vector<std::int64_t> values(static_cast<std::size_t>(array.size()), -99);
  Buffer::Lease lease = Buffer::lease(array.buffer());
  copy_region(region_of(array, lease.data()), int64_region(values, array.rows(), array.cols()));
  return values;
}

std::vector<std::int64_t> iota_mod(std::int64_t n, std::int64_t mod) {
  std::vector<std::int64_t> v(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) v[i] = (i * 5 + 3) % mod;
  return v;
}

}  // namespace

TEST_CASE(every_dtype_pair_converts_small_integers_exactly) {
  // 0..6 is exact in every dtype; bool keeps only nonzero-ness.
  const std::int64_t rows = 5, cols = 9;
  auto values = iota_mod(rows * cols, 7);
  int failures = 0;
  for (Placement where : kPlacements) {
    for (D from : kAll) {
      Array src = Array::zeros(from, 2, rows, cols, where);
      store(src, values);
      for (D to : kAll) {
        Array dst = Array::zeros(to, 2, rows, cols, where);
        copy_array(src, dst);
        auto got = load(dst);
        for (std::size_t k = 0; k < got.size(); ++k) {
          std::int64_t want = (from == D::Bool || to == D::Bool) ? (values[k] != 0) : values[k];
          if (got[k] != want) ++failures;
        }
      }
    }
  }
  CHECK_EQ(failures, 0);
}

TEST_CASE(conversions_follow_numpy_casts) {
  Array f = Array::zeros(D::Float64, 1, 1, 4);
  {
    Buffer::Lease lease = Buffer::lease(f.buffer());
    double v[4] = {-2.75, 0.5, 3.99, -0.0};
    std::memcpy(lease.data(), v, sizeof v);
  }
  CHECK(load(f) == (std::vector<std::int64_t>{-2, 0, 3, 0}));  // truncation toward zero
  Array b = Array::zeros(D::Bool, 1, 1, 4);
  copy_array(f, b);
  CHECK(load(b) == (std::vector<std::int64_t>{1, 1, 1, 0}));  // nonzero -> true, -0.0 -> false
  Array c = Array::zeros(D::Complex128, 1, 1, 2);
  {
    Buffer::Lease lease = Buffer::lease(c.buffer());
    double v[4] = {1.5, 9.0, 0.0, 2.0};  // 1.5+9j, 0+2j
    std::memcpy(lease.data(), v, sizeof v);
  }
  Array r = Array::zeros(D::Float32, 1, 1, 2);
  copy_array(c, r);  // complex -> real drops the imaginary part
  float got[2];
  Buffer::lease(r.buffer()).store().read_at(0, got, sizeof got);
  CHECK(got[0] == 1.5f && got[1] == 0.0f);
  Array cb = Array::zeros(D::Bool, 1, 1, 2);
  copy_array(c, cb);
  CHECK(load(cb) == (std::vector<std::int64_t>{1, 1}));  // 0+2j is nonzero
}

TEST_CASE(transposed_and_reversed_views_cross_chunk_boundaries) {
  for (Placement where : kPlacements) {
    const std::int64_t rows = 7, cols = 5000;  // cols > the 4096-element chunk
    Array src = Array::zeros(D::Float64, 2, rows, cols, where);
    auto values = iota_mod(rows * cols, 1000003);
    store(src, values);
    Array t = Array::zeros(D::Int32, 2, cols, rows, where);
    copy_array(src.transposed(), t);
    auto got = load(t);
    int bad = 0;
    for (std::int64_t i = 0; i < rows; ++i)
      for (std::int64_t j = 0; j < cols; ++j) bad += got[j * rows + i] != values[i * cols + j];
    CHECK_EQ(bad, 0);
    // Reversed rows and every other column, backwards: src[::-1, ::-2].
    Array rev = src.sliced(rows - 1, rows, -1, cols - 1, cols / 2, -2);
    auto back = load(rev);
    bad = 0;
    for (std::int64_t i = 0; i < rows; ++i)
      for (std::int64_t j = 0; j < cols / 2; ++j)
        bad += back[i * (cols / 2) + j] != values[(rows - 1 - i) * cols + (cols - 1 - 2 * j)];
    CHECK_EQ(bad, 0);
  }
}

TEST_CASE(packed_bits_at_unaligned_offsets_leave_neighbours_alone) {
  for (Placement where : kPlacements) {
    // Row 1 of a 3 x 300001 bool matrix starts at bit 300001 (not a byte boundary) and is longer than
    // one parallel task of the packed path, so tasks must split at byte boundaries.
    const std::int64_t cols = 300001;
    Array m = Array::zeros(D::Bool, 2, 3, cols, where);
    auto ones = std::vector<std::int64_t>(static_cast<std::size_t>(3 * cols), 1);
    store(m, ones);
    auto pattern = iota_mod(cols, 3);  // 0, 2, 1, 0, ...: a third are false
    Array source = Array::zeros(D::Int8, 1, 1, cols, where);
    store(source, pattern);
    copy_array(source, m.row(1));
    auto got = load(m);
    int bad = 0;
    for (std::int64_t j = 0; j < cols; ++j) {
      bad += got[j] != 1 || got[2 * cols + j] != 1;
      bad += got[cols + j] != (pattern[j] != 0);
    }
    CHECK_EQ(bad, 0);
    // A strided bool column (bit stride = cols) round-trips through int16.
    Array col = Array::zeros(D::Int16, 1, 1, 3, where);
    copy_array(m.column(4), col);
    CHECK(load(col) == (std::vector<std::int64_t>{1, pattern[4] != 0, 1}));
  }
}

TEST_CASE(byteswapped_source_is_converted_to_native_order) {
  std::vector<std::uint32_t> big = {0x01000000u, 0x02010000u, 0xffffffffu};  // 1, 258, -1 as big-endian int32
  StridedRegion src;
  src.data = reinterpret_cast<std::byte*>(big.data());
  src.dtype = D::Int32;
  src.rows = 1;
  src.cols = 3;
  src.row_stride = 12;
  src.col_stride = 4;
  src.byteswapped = true;
  Array dst = Array::zeros(D::Int64, 1, 1, 3);
  {
    Buffer::Lease lease = Buffer::lease(dst.buffer());
    copy_region(src, region_of(dst, lease.data()));
  }
  CHECK(load(dst) == (std::vector<std::int64_t>{1, 258, -1}));
  Buffer::Lease lease = Buffer::lease(dst.buffer());
  StridedRegion bad_dst = region_of(dst, lease.data());
  bad_dst.byteswapped = true;
  CHECK_THROWS_AS(copy_region(src, bad_dst), ValueError, { CHECK(contains(error.what(), "byte order")); });
}

TEST_CASE(shape_mismatch_is_value_error_and_leaves_destination) {
  Array a = Array::zeros(D::Float64, 2, 2, 3), b = Array::zeros(D::Float64, 2, 3, 2);
  store(b, {1, 2, 3, 4, 5, 6});
  CHECK_THROWS_AS(copy_array(a, b), ValueError, {
    CHECK(contains(error.what(), "(2, 3)"));
    CHECK(contains(error.what(), "(3, 2)"));
  });
  CHECK(load(b) == (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6}));
}

TEST_CASE(overlapping_views_of_one_buffer_copy_as_if_through_a_temporary) {
  for (Placement where : kPlacements) {
    Array m = Array::zeros(D::Float64, 2, 4, 3, where);
    store(m, {0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32});
    copy_array(m.sliced(1, 3, 1, 0, 3, 1), m.sliced(0, 3, 1, 0, 3, 1));  // m[0:3] = m[1:4]
    CHECK(load(m) == (std::vector<std::int64_t>{10, 11, 12, 20, 21, 22, 30, 31, 32, 30, 31, 32}));
    Array sq = Array::zeros(D::Int32, 2, 3, 3, where);
    store(sq, {1, 2, 3, 4, 5, 6, 7, 8, 9});
    copy_array(sq.transposed(), sq);  // in-place transpose through the same buffer
    CHECK(load(sq) == (std::vector<std::int64_t>{1, 4, 7, 2, 5, 8, 3, 6, 9}));
  }
}

TEST_CASE(empty_arrays_copy_nothing) {
  Array a = Array::zeros(D::Float64, 2, 0, 5), b = Array::zeros(D::Bool, 2, 0, 5);
  CHECK_NOTHROW(copy_array(a, b));
  Array v = Array::zeros(D::Int8, 1, 1, 0), w = Array::zeros(D::Complex64, 1, 1, 0, Placement::File);
  CHECK_NOTHROW(copy_array(v, w));
}
