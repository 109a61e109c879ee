// The epilogues of the bit product: one sink per band of rows, reductions merged under a mutex at the end.
#include "core/bits/epilogues.hpp"

#include <algorithm>

#include "core/bits/bit_words.hpp"
#include "core/bits/word_rows.hpp"
#include "core/tiles/tile_io.hpp"
#include "storage/errors.hpp"

namespace pycauset::bits {

// ---------------------------------------------------------------------------------------------- masks

MaskBand::MaskBand(const Array* mask, const Buffer::Lease* lease, bool invert, std::int64_t i0, std::int64_t m,
                   std::int64_t j0, std::int64_t n)
    : ld_(words_for(n)), m_(m) {
  words_.assign(static_cast<std::size_t>(m * ld_), mask == nullptr ? ~0ull : 0ull);
  if (mask != nullptr) read_word_rows(mask->sliced(i0, m, 1, j0, n, 1), *lease, 0, m, words_.data(), ld_);
  if (invert) {
    for (auto& w : words_) w = ~w;
  }
  // Keep the bits past column n clear, so that counts over whole words stay exact.
  const int used = static_cast<int>(n & 63);
  if (used != 0 && ld_ > 0) {
    for (std::int64_t r = 0; r < m; ++r) words_[static_cast<std::size_t>(r * ld_ + ld_ - 1)] &= ~0ull << (64 - used);
  }
}

std::uint64_t MaskBand::count(std::int64_t c, std::int64_t nc) const noexcept {
  std::uint64_t total = 0;
  for (std::int64_t r = 0; r < m_; ++r) {
    const std::uint64_t* row = words_.data() + r * ld_;
    for (std::int64_t col = c; col < c + nc;) {
      const std::int64_t w = col >> 6, bit = col & 63;
      const std::int64_t take = std::min<std::int64_t>(64 - bit, c + nc - col);
      std::uint64_t word = row[w] << bit;
      if (take < 64) word &= ~0ull << (64 - take);
      total += static_cast<std::uint64_t>(__builtin_popcountll(word));
      col += take;
    }
  }
  return total;
}

namespace {

/// Visit the set mask bits of band columns [c, c + nc) in row-major order: f(r, col). Works a word at a
/// time, jumping from set bit to set bit, so a sparse mask (a causal matrix's relations) costs little.
template <class F>
void for_each_masked(const MaskBand& mask, std::int64_t m, std::int64_t c, std::int64_t nc, F&& f) {
  const std::int64_t end = c + nc;
  for (std::int64_t r = 0; r < m; ++r) {
    const std::uint64_t* row = mask.row(r);
    for (std::int64_t w = c >> 6; 64 * w < end; ++w) {
      std::uint64_t word = row[w];
      if (64 * w < c) word &= ~0ull >> (c - 64 * w);                  // drop columns before c
      if (64 * w + 64 > end) word &= ~(~0ull >> (end - 64 * w));      // and from `end` on
      while (word != 0) {
        const int t = __builtin_clzll(word);  // bit 63 - t holds column 64 w + t
        f(r, 64 * w + t);
        word &= ~(1ull << (63 - t));
      }
    }
  }
}

// ------------------------------------------------------------------------------------ (a) store counts

class StoreCounts final : public Epilogue {
 public:
  explicit StoreCounts(const Array& out) : out_(out), lease_(Buffer::lease(out.buffer())) {}
  std::unique_ptr<TileSink> open(std::int64_t i0, std::int64_t m, std::int64_t, std::int64_t) override {
    struct Sink final : TileSink {
      StoreCounts* owner;
      std::int64_t i0, m;
      void counts(std::int64_t j, std::int64_t nj, const std::int32_t* counts, std::int64_t ld) override {
        tiles::write_block(owner->out_, owner->lease_, tiles::Block{i0, m, j, nj}, counts, ld, DType::Int32);
      }
      void zeros(std::int64_t, std::int64_t) override {}  // the result was allocated zero-filled
    };
    auto sink = std::make_unique<Sink>();
    sink->owner = this;
    sink->i0 = i0;
    sink->m = m;
    return sink;
  }

 private:
  Array out_;
  Buffer::Lease lease_;
};

// --------------------------------------------------------------------------------- (b) store a predicate

class StorePredicate final : public Epilogue {
 public:
  StorePredicate(const Array& out, const Array* mask, bool nonzero)
      : out_(out), lease_(Buffer::lease(out.buffer())), mask_(mask), nonzero_(nonzero) {
    if (mask_ != nullptr) mask_lease_ = Buffer::lease(mask_->buffer());
  }

  std::unique_ptr<TileSink> open(std::int64_t i0, std::int64_t m, std::int64_t j0, std::int64_t n) override {
    return std::make_unique<Sink>(this, i0, m, j0, n);
  }

 private:
  /// Collects the band's bits as word rows, then stores each row into the packed output at once.
  struct Sink final : TileSink {
    Sink(StorePredicate* owner, std::int64_t i0, std::int64_t m, std::int64_t j0, std::int64_t n)
        : owner(owner), i0(i0), m(m), j0(j0), n(n), ld(words_for(n)),
          mask(owner->mask_, &owner->mask_lease_, false, i0, m, j0, n),
          bits(static_cast<std::size_t>(m * ld), 0) {}

    void set(std::int64_t r, std::int64_t c) { bits[static_cast<std::size_t>(r * ld + (c >> 6))] |= 1ull << (63 - (c & 63)); }

    void counts(std::int64_t j, std::int64_t nj, const std::int32_t* counts, std::int64_t cld) override {
      const bool nonzero = owner->nonzero_;
      for_each_masked(mask, m, j - j0, nj, [&](std::int64_t r, std::int64_t c) {
        if ((counts[r * cld + (c - (j - j0))] != 0) == nonzero) set(r, c);
      });
    }
    void zeros(std::int64_t j, std::int64_t nj) override {
      if (owner->nonzero_) return;
      for_each_masked(mask, m, j - j0, nj, [&](std::int64_t r, std::int64_t c) { set(r, c); });
    }
    void finish() override {
      ByteStore& store = owner->lease_.store();
      std::byte* base = store.is_file() ? nullptr : store.data();
      std::vector<std::uint8_t> scratch;
      for (std::int64_t r = 0; r < m; ++r) {
        const std::uint64_t bit = static_cast<std::uint64_t>(owner->out_.element_index(i0 + r, j0));
        const std::uint64_t* row = bits.data() + r * ld;
        if (base != nullptr) {
          scatter_bits(row, n, reinterpret_cast<std::uint8_t*>(base), bit);
          continue;
        }
        // A file: read the bytes the row touches, merge its bits, write them back (edges keep their neighbours').
        const std::uint64_t first = bit / 8, count = (bit + static_cast<std::uint64_t>(n) + 7) / 8 - first;
        scratch.resize(count);
        store.read_at(first, scratch.data(), count);
        scatter_bits(row, n, scratch.data(), bit - 8 * first);
        store.write_at(first, scratch.data(), count);
      }
    }

    StorePredicate* owner;
    std::int64_t i0, m, j0, n, ld;
    MaskBand mask;
    std::vector<std::uint64_t> bits;
  };

  Array out_;
  Buffer::Lease lease_;
  const Array* mask_;
  Buffer::Lease mask_lease_;
  bool nonzero_;
};

}  // namespace

std::unique_ptr<Epilogue> store_counts(const Array& out) { return std::make_unique<StoreCounts>(out); }

std::unique_ptr<Epilogue> store_predicate(const Array& out, const Array* mask, bool nonzero) {
  return std::make_unique<StorePredicate>(out, mask, nonzero);
}

// ------------------------------------------------------------------------------------- (c) histogram

class HistogramSink final : public TileSink {
 public:
  HistogramSink(Histogram* owner, std::int64_t i0, std::int64_t m, std::int64_t j0, std::int64_t n)
      : owner_(owner), m_(m), j0_(j0),
        mask_(owner->mask_, &owner->lease_, owner->invert_, i0, m, j0, n),
        bins_(static_cast<std::size_t>(owner->kmax_ + 2), 0) {}
  void counts(std::int64_t j, std::int64_t nj, const std::int32_t* counts, std::int64_t ld) override {
    const std::int64_t top = owner_->kmax_ + 1;
    for_each_masked(mask_, m_, j - j0_, nj, [&](std::int64_t r, std::int64_t c) {
      ++bins_[static_cast<std::size_t>(std::min<std::int64_t>(counts[r * ld + (c - (j - j0_))], top))];
    });
  }
  void zeros(std::int64_t j, std::int64_t nj) override { bins_[0] += static_cast<std::int64_t>(mask_.count(j - j0_, nj)); }
  void finish() override { owner_->merge(bins_); }

 private:
  Histogram* owner_;
  std::int64_t m_, j0_;
  MaskBand mask_;
  std::vector<std::int64_t> bins_;
};

Histogram::Histogram(const Array* mask, bool invert, std::int64_t kmax)
    : mask_(mask), invert_(invert), kmax_(kmax), bins_(static_cast<std::size_t>(kmax + 2), 0) {
  if (kmax < 0) throw ValueError("histogram: kmax must be >= 0, got " + std::to_string(kmax));
  if (mask_ != nullptr) lease_ = Buffer::lease(mask_->buffer());
}

std::unique_ptr<TileSink> Histogram::open(std::int64_t i0, std::int64_t m, std::int64_t j0, std::int64_t n) {
  return std::make_unique<HistogramSink>(this, i0, m, j0, n);
}

void Histogram::merge(const std::vector<std::int64_t>& part) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (std::size_t k = 0; k < bins_.size(); ++k) bins_[k] += part[k];
}

std::vector<std::int64_t> Histogram::bins() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return bins_;
}

// ---------------------------------------------------------------------------- (d) per-line histograms

class LineHistogramSink final : public TileSink {
 public:
  LineHistogramSink(LineHistograms* owner, std::int64_t i0, std::int64_t m, std::int64_t j0, std::int64_t n)
      : owner_(owner), i0_(i0), m_(m), j0_(j0), width_(owner->kmax_ + 2),
        mask_(owner->mask_, &owner->lease_, owner->invert_, i0, m, j0, n),
        columns_(static_cast<std::size_t>(n * width_), 0) {}
  void add(std::int64_t r, std::int64_t c, std::int64_t bin) {
    // Rows of this band belong to this sink alone; columns are merged at the end.
    ++owner_->rows_[static_cast<std::size_t>((i0_ + r) * width_ + bin)];
    ++columns_[static_cast<std::size_t>(c * width_ + bin)];
  }
  void counts(std::int64_t j, std::int64_t nj, const std::int32_t* counts, std::int64_t ld) override {
    const std::int64_t top = width_ - 1;
    for_each_masked(mask_, m_, j - j0_, nj, [&](std::int64_t r, std::int64_t c) {
      add(r, c, std::min<std::int64_t>(counts[r * ld + (c - (j - j0_))], top));
    });
  }
  void zeros(std::int64_t j, std::int64_t nj) override {
    for_each_masked(mask_, m_, j - j0_, nj, [&](std::int64_t r, std::int64_t c) { add(r, c, 0); });
  }
  void finish() override {
    std::lock_guard<std::mutex> lock(owner_->mutex_);
    auto* out = owner_->columns_.data() + j0_ * width_;
    for (std::size_t k = 0; k < columns_.size(); ++k) out[k] += columns_[k];
  }

 private:
  LineHistograms* owner_;
  std::int64_t i0_, m_, j0_, width_;
  MaskBand mask_;
  std::vector<std::int64_t> columns_;
};

LineHistograms::LineHistograms(const Array* mask, bool invert, std::int64_t kmax, std::int64_t rows, std::int64_t cols)
    : mask_(mask), invert_(invert), kmax_(kmax),
      rows_(static_cast<std::size_t>(rows * (kmax + 2)), 0), columns_(static_cast<std::size_t>(cols * (kmax + 2)), 0) {
  if (kmax < 0) throw ValueError("line histograms: kmax must be >= 0, got " + std::to_string(kmax));
  if (mask_ != nullptr) lease_ = Buffer::lease(mask_->buffer());
}

std::unique_ptr<TileSink> LineHistograms::open(std::int64_t i0, std::int64_t m, std::int64_t j0, std::int64_t n) {
  return std::make_unique<LineHistogramSink>(this, i0, m, j0, n);
}

// ------------------------------------------------------------------------------------ (e) weighted sum

class WeightedSumSink final : public TileSink {
 public:
  WeightedSumSink(WeightedSum* owner, std::int64_t i0, std::int64_t m, std::int64_t j0, std::int64_t n)
      : owner_(owner), m_(m), j0_(j0), mask_(owner->mask_, &owner->lease_, owner->invert_, i0, m, j0, n) {}
  void counts(std::int64_t j, std::int64_t nj, const std::int32_t* counts, std::int64_t ld) override {
    const auto& w = owner_->weights_;
    const std::int64_t top = static_cast<std::int64_t>(w.size()) - 1;
    for_each_masked(mask_, m_, j - j0_, nj, [&](std::int64_t r, std::int64_t c) {
      sum_ += w[static_cast<std::size_t>(std::min<std::int64_t>(counts[r * ld + (c - (j - j0_))], top))];
    });
  }
  void zeros(std::int64_t j, std::int64_t nj) override {
    sum_ += static_cast<long double>(owner_->weights_[0]) * static_cast<long double>(mask_.count(j - j0_, nj));
  }
  void finish() override {
    std::lock_guard<std::mutex> lock(owner_->mutex_);
    owner_->total_ += sum_;
  }

 private:
  WeightedSum* owner_;
  std::int64_t m_, j0_;
  MaskBand mask_;
  long double sum_ = 0;
};

WeightedSum::WeightedSum(const Array* mask, bool invert, std::vector<double> weights)
    : mask_(mask), invert_(invert), weights_(std::move(weights)) {
  if (weights_.empty()) throw ValueError("weighted sum: the weight table is empty; give at least one weight");
  if (mask_ != nullptr) lease_ = Buffer::lease(mask_->buffer());
}

std::unique_ptr<TileSink> WeightedSum::open(std::int64_t i0, std::int64_t m, std::int64_t j0, std::int64_t n) {
  return std::make_unique<WeightedSumSink>(this, i0, m, j0, n);
}

long double WeightedSum::total() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return total_;
}

// ---------------------------------------------------------------------------------------- maximum

namespace {
bool better(std::int64_t count, std::int64_t i, std::int64_t j, const MaxCount::Result& than) {
  if (count != than.count) return count > than.count;
  return i < than.i || (i == than.i && j < than.j);
}
}  // namespace

class MaxCountSink final : public TileSink {
 public:
  MaxCountSink(MaxCount* owner, std::int64_t i0, std::int64_t m, std::int64_t j0, std::int64_t n)
      : owner_(owner), i0_(i0), m_(m), j0_(j0), mask_(owner->mask_, &owner->lease_, owner->invert_, i0, m, j0, n) {}
  void counts(std::int64_t j, std::int64_t nj, const std::int32_t* counts, std::int64_t ld) override {
    for_each_masked(mask_, m_, j - j0_, nj, [&](std::int64_t r, std::int64_t c) {
      const std::int64_t v = counts[r * ld + (c - (j - j0_))];
      if (best_.count < 0 || better(v, i0_ + r, j0_ + c, best_)) best_ = {v, i0_ + r, j0_ + c};
    });
  }
  void zeros(std::int64_t j, std::int64_t nj) override {
    if (best_.count > 0) return;
    for_each_masked(mask_, m_, j - j0_, nj, [&](std::int64_t r, std::int64_t c) {
      if (best_.count < 0 || better(0, i0_ + r, j0_ + c, best_)) best_ = {0, i0_ + r, j0_ + c};
    });
  }
  void finish() override { owner_->merge(best_); }

 private:
  MaxCount* owner_;
  std::int64_t i0_, m_, j0_;
  MaskBand mask_;
  MaxCount::Result best_;
};

MaxCount::MaxCount(const Array* mask, bool invert) : mask_(mask), invert_(invert) {
  if (mask_ != nullptr) lease_ = Buffer::lease(mask_->buffer());
}

std::unique_ptr<TileSink> MaxCount::open(std::int64_t i0, std::int64_t m, std::int64_t j0, std::int64_t n) {
  return std::make_unique<MaxCountSink>(this, i0, m, j0, n);
}

void MaxCount::merge(const Result& part) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (part.count >= 0 && (best_.count < 0 || better(part.count, part.i, part.j, best_))) best_ = part;
}

MaxCount::Result MaxCount::result() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return best_;
}

}  // namespace pycauset::bits
