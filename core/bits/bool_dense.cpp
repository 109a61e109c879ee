// bool @ dense by set bits: bands of 64 rows in parallel, each row summing the rows of x its bits select.
#include "core/bits/bool_dense.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <vector>

#include "core/bits/bands.hpp"
#include "core/bits/bit_words.hpp"
#include "core/bits/word_rows.hpp"
#include "core/tiles/tile_io.hpp"

namespace pycauset::bits {
namespace {

constexpr std::int64_t kMaxColumns = 8;  // wider x: BLAS on converted tiles wins

bool real_dense(DType d) noexcept { return d == DType::Float32 || d == DType::Float64 || is_integer_dtype(d); }

template <int Width, class Acc>
void multiply_width(const Array& a, const Buffer::Lease& lease, const std::vector<Acc>& x, std::int64_t n,
                    std::vector<Acc>& y);

template <class Acc>
void multiply(const Array& a, const Buffer::Lease& lease, const std::vector<Acc>& x, std::int64_t n,
              std::vector<Acc>& y) {
  // The common widths (a vector, a block of 8 right-hand sides) get loops of fixed length.
  switch (n) {
    case 1: return multiply_width<1>(a, lease, x, n, y);
    case 2: return multiply_width<2>(a, lease, x, n, y);
    case 4: return multiply_width<4>(a, lease, x, n, y);
    case 8: return multiply_width<8>(a, lease, x, n, y);
    default: return multiply_width<0>(a, lease, x, n, y);
  }
}

template <int Width, class Acc>
void multiply_width(const Array& a, const Buffer::Lease& lease, const std::vector<Acc>& x, std::int64_t n,
                    std::vector<Acc>& y) {
  const std::int64_t m = a.rows(), nw = words_for(a.cols());
  const std::int64_t bands = (m + 63) / 64;
  for_each_band(bands, [&](std::int64_t band) {
    const std::int64_t r0 = 64 * band, nr = std::min<std::int64_t>(64, m - r0);
    std::vector<std::uint64_t> rows(static_cast<std::size_t>(nr * nw), 0);
    read_word_rows(a, lease, r0, nr, rows.data(), nw);
    for (std::int64_t r = 0; r < nr; ++r) {
      Acc* out = y.data() + (r0 + r) * n;
      const std::uint64_t* row = rows.data() + r * nw;
      if constexpr (Width > 0) {
        // A fixed width: the row's sums stay in registers until the row is done (ascending j, as below).
        Acc acc[Width] = {};
        for (std::int64_t w = 0; w < nw; ++w) {
          std::uint64_t word = row[w];
          while (word != 0) {
            const int t = __builtin_clzll(word);
            word &= ~(1ull << (63 - t));
            const Acc* add = x.data() + (64 * w + t) * Width;
            for (int c = 0; c < Width; ++c) acc[c] += add[c];
          }
        }
        for (int c = 0; c < Width; ++c) out[c] += acc[c];
      } else {
        for (std::int64_t w = 0; w < nw; ++w) {
          std::uint64_t word = row[w];
          while (word != 0) {
            const int t = __builtin_clzll(word);
            word &= ~(1ull << (63 - t));
            const Acc* add = x.data() + (64 * w + t) * n;
            for (std::int64_t c = 0; c < n; ++c) out[c] += add[c];
          }
        }
      }
    }
  });
}

}  // namespace

bool prefers_bool_times_dense(const Array& a, const Array& x) noexcept {
  return a.dtype() == DType::Bool && a.ndim() == 2 && real_dense(x.dtype()) && x.cols() <= kMaxColumns;
}

Array bool_times_dense(const Array& a, const Array& x, DType out) {
  const std::int64_t m = a.rows(), k = a.cols(), n = x.cols();
  const Buffer::Lease lease_a = Buffer::lease(a.buffer());
  const Buffer::Lease lease_x = Buffer::lease(x.buffer());
  Array result = Array::uninitialized(out, 2, m, n);
  const Buffer::Lease lease_y = Buffer::lease(result.buffer());
  auto run = [&](auto zero, DType acc_dtype) {
    using Acc = decltype(zero);
    std::vector<Acc> xs(static_cast<std::size_t>(k * n)), ys(static_cast<std::size_t>(m * n), Acc{0});
    if (k > 0 && n > 0) tiles::read_block(x, lease_x, tiles::Block{0, k, 0, n}, xs.data(), n, acc_dtype);
    if (k > 0) multiply(a, lease_a, xs, n, ys);
    if (m > 0 && n > 0) tiles::write_block(result, lease_y, tiles::Block{0, m, 0, n}, ys.data(), n, acc_dtype);
  };
  if (is_integer_dtype(out)) {
    run(std::int64_t{0}, DType::Int64);
  } else {
    run(double{0}, DType::Float64);
  }
  return result;
}

}  // namespace pycauset::bits
