// What the bit product does with each finished tile of counts: store them, store a predicate as bits,
// or reduce them (histograms, a maximum, a weighted sum), so that no N x N integer matrix is ever stored.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "core/array.hpp"
#include "core/buffer.hpp"

namespace pycauset::bits {

/// \brief Receives the tiles of one band of rows [i0, i0 + m) within columns [j0, j0 + n) of the product,
///        all from one thread, in increasing column order. Different sinks run concurrently.
class TileSink {
 public:
  virtual ~TileSink() = default;
  /// \brief Take counts of columns [j, j + nj): `counts[r * ld + c]` is entry (i0 + r, j + c).
  virtual void counts(std::int64_t j, std::int64_t nj, const std::int32_t* counts, std::int64_t ld) = 0;
  /// \brief Take columns [j, j + nj) whose counts are all zero (a block the product skipped).
  virtual void zeros(std::int64_t j, std::int64_t nj) = 0;
  /// \brief Called after the band's last tile.
  virtual void finish() {}
};

/// \brief A consumer of the product's count tiles (see the kinds below). Thread-safe through its sinks.
class Epilogue {
 public:
  virtual ~Epilogue() = default;
  /// \brief Open the sink of rows [i0, i0 + m) x columns [j0, j0 + n). `i0` is a multiple of 64.
  virtual std::unique_ptr<TileSink> open(std::int64_t i0, std::int64_t m, std::int64_t j0, std::int64_t n) = 0;
};

/// \brief The bits of a mask (a bool array of the product's shape) for one sink, as word rows.
class MaskBand {
 public:
  MaskBand() = default;
  /// \brief Read rows [i0, i0 + m) x columns [j0, j0 + n) of `mask` (no mask: every bit set), negated when `invert`.
  MaskBand(const Array* mask, const Buffer::Lease* lease, bool invert, std::int64_t i0, std::int64_t m,
           std::int64_t j0, std::int64_t n);
  /// \brief Return the word row r of the band (column c at bit 63 - c % 64 of word c / 64).
  const std::uint64_t* row(std::int64_t r) const noexcept { return words_.data() + r * ld_; }
  /// \brief Return the number of set bits in band columns [c, c + nc) of every row.
  std::uint64_t count(std::int64_t c, std::int64_t nc) const noexcept;

 private:
  std::vector<std::uint64_t> words_;
  std::int64_t ld_ = 0, m_ = 0;
};

/// \brief (a) Store the counts into `out` (an integer array of the product's shape, zero-filled:
///        skipped blocks stay zero), converting to its dtype.
std::unique_ptr<Epilogue> store_counts(const Array& out);

/// \brief (b) Store `mask AND (count == 0)` (or `count != 0` when `nonzero`) as bits into the bool array
///        `out` of the product's shape. `mask` may be nullptr (all set).
std::unique_ptr<Epilogue> store_predicate(const Array& out, const Array* mask, bool nonzero);

/// \brief (c) The histogram of counts over entries whose mask bit is set (clear when `invert`):
///        bins 0..kmax, then one bin for counts above kmax. Per-sink counters, merged at the end.
class Histogram : public Epilogue {
 public:
  Histogram(const Array* mask, bool invert, std::int64_t kmax);
  std::unique_ptr<TileSink> open(std::int64_t i0, std::int64_t m, std::int64_t j0, std::int64_t n) override;
  /// \brief Return the bins (kmax + 2 of them).
  std::vector<std::int64_t> bins() const;
  /// \brief Add a sink's bins (called by the sinks).
  void merge(const std::vector<std::int64_t>& part);

 private:
  friend class HistogramSink;
  const Array* mask_;
  Buffer::Lease lease_;
  bool invert_;
  std::int64_t kmax_;
  mutable std::mutex mutex_;
  std::vector<std::int64_t> bins_;
};

/// \brief (d) Histograms per row and per column of the counts over masked entries: `rows()` is
///        rows x (kmax + 2), `columns()` is cols x (kmax + 2), row-major, same bins as Histogram.
class LineHistograms : public Epilogue {
 public:
  LineHistograms(const Array* mask, bool invert, std::int64_t kmax, std::int64_t rows, std::int64_t cols);
  std::unique_ptr<TileSink> open(std::int64_t i0, std::int64_t m, std::int64_t j0, std::int64_t n) override;
  const std::vector<std::int64_t>& rows() const noexcept { return rows_; }
  const std::vector<std::int64_t>& columns() const noexcept { return columns_; }

 private:
  friend class LineHistogramSink;
  const Array* mask_;
  Buffer::Lease lease_;
  bool invert_;
  std::int64_t kmax_;
  std::mutex mutex_;
  std::vector<std::int64_t> rows_, columns_;
};

/// \brief (e) The sum of `weights[min(count, weights.size() - 1)]` over masked entries (long double).
class WeightedSum : public Epilogue {
 public:
  WeightedSum(const Array* mask, bool invert, std::vector<double> weights);
  std::unique_ptr<TileSink> open(std::int64_t i0, std::int64_t m, std::int64_t j0, std::int64_t n) override;
  long double total() const;

 private:
  friend class WeightedSumSink;
  const Array* mask_;
  Buffer::Lease lease_;
  bool invert_;
  std::vector<double> weights_;
  mutable std::mutex mutex_;
  long double total_ = 0;
};

/// \brief The largest count over masked entries and where it is (the first in row-major order on ties);
///        count -1 and position (-1, -1) when no entry is masked.
class MaxCount : public Epilogue {
 public:
  struct Result {
    std::int64_t count = -1, i = -1, j = -1;
  };
  MaxCount(const Array* mask, bool invert);
  std::unique_ptr<TileSink> open(std::int64_t i0, std::int64_t m, std::int64_t j0, std::int64_t n) override;
  Result result() const;
  void merge(const Result& part);

 private:
  friend class MaxCountSink;
  const Array* mask_;
  Buffer::Lease lease_;
  bool invert_;
  mutable std::mutex mutex_;
  Result best_;
};

}  // namespace pycauset::bits
