// Word rows from bool views: direct gathers for runs of bits, an unpacking copy for everything else.
#include "core/bits/word_rows.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "core/bits/bands.hpp"
#include "core/bits/bit_words.hpp"
#include "core/kernels/bits_internal.hpp"
#include "core/tiles/tile_io.hpp"
#include "storage/errors.hpp"

namespace pycauset::bits {
namespace {

/// Rows of `a` are runs of bits at offset + r * row_stride.
void read_runs(const Array& a, const Buffer::Lease& lease, std::int64_t r0, std::int64_t nr, std::uint64_t* out,
               std::int64_t ld) {
  const std::int64_t cols = a.cols();
  const ByteStore& store = lease.store();
  const std::byte* base = store.is_file() ? nullptr : store.data();
  if (base != nullptr) {
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(base);
    for (std::int64_t r = 0; r < nr; ++r) {
      gather_bits(bytes, static_cast<std::uint64_t>(a.element_index(r0 + r, 0)), cols, out + r * ld);
    }
    return;
  }
  // File-backed: one pread covering the band when its rows lie close together, else one per row.
  const std::int64_t first_bit = std::min(a.element_index(r0, 0), a.element_index(r0 + nr - 1, 0));
  const std::int64_t last_bit = std::max(a.element_index(r0, 0), a.element_index(r0 + nr - 1, 0)) + cols;
  const std::uint64_t span_first = static_cast<std::uint64_t>(first_bit) / 8;
  const std::uint64_t span_bytes = (static_cast<std::uint64_t>(last_bit) + 7) / 8 - span_first;
  const std::uint64_t row_bytes = static_cast<std::uint64_t>(cols + 7) / 8 + 1;
  thread_local std::vector<std::uint8_t> scratch;
  // One read of the whole span beats one per row unless most of it lies between the rows (a few columns of
  // a wide matrix): up to 1 MiB, or 16 times the wanted bytes, is read whole.
  const std::uint64_t wanted = row_bytes * static_cast<std::uint64_t>(nr);
  if (span_bytes <= std::max<std::uint64_t>(16 * wanted, 1u << 20)) {
    scratch.resize(span_bytes);
    store.read_at(span_first, scratch.data(), span_bytes);
    for (std::int64_t r = 0; r < nr; ++r) {
      const std::uint64_t bit = static_cast<std::uint64_t>(a.element_index(r0 + r, 0)) - 8 * span_first;
      gather_bits(scratch.data(), bit, cols, out + r * ld);
    }
    return;
  }
  for (std::int64_t r = 0; r < nr; ++r) {
    const std::uint64_t bit = static_cast<std::uint64_t>(a.element_index(r0 + r, 0));
    const std::uint64_t first = bit / 8;
    const std::uint64_t n = (bit + cols + 7) / 8 - first;
    scratch.resize(n);
    store.read_at(first, scratch.data(), n);
    gather_bits(scratch.data(), bit - 8 * first, cols, out + r * ld);
  }
}

/// Any other view: unpack a block to bytes (0/1) through the tile reader, then pack the bytes to words.
void read_unpacked(const Array& a, const Buffer::Lease& lease, std::int64_t r0, std::int64_t nr, std::uint64_t* out,
                   std::int64_t ld) {
  const std::int64_t cols = a.cols();
  thread_local std::vector<std::uint8_t> unpacked, packed;
  unpacked.resize(static_cast<std::size_t>(cols));
  packed.resize(static_cast<std::size_t>((cols + 7) / 8 + 8));
  for (std::int64_t r = 0; r < nr; ++r) {
    tiles::read_block(a, lease, tiles::Block{r0 + r, 1, 0, cols}, unpacked.data(), cols, DType::Bool);
    std::fill(packed.begin(), packed.end(), 0);
    pack_bits(unpacked.data(), cols, packed.data(), 0);
    gather_bits(packed.data(), 0, cols, out + r * ld);
  }
}

}  // namespace

void read_word_rows(const Array& a, const Buffer::Lease& lease, std::int64_t r0, std::int64_t nr, std::uint64_t* out,
                    std::int64_t ld) {
  if (nr <= 0 || a.cols() == 0) return;
  if (a.col_stride() == 1 || a.cols() == 1) {
    read_runs(a, lease, r0, nr, out, ld);
  } else if (a.row_stride() == 1) {
    // A transposed view: its rows are columns of runs, turned by 64 x 64 bit transposes.
    read_word_columns(tiles::transpose_view(a), lease, r0, nr, out, ld);
  } else {
    read_unpacked(a, lease, r0, nr, out, ld);
  }
}

void read_word_columns(const Array& a, const Buffer::Lease& lease, std::int64_t c0, std::int64_t nc,
                       std::uint64_t* out, std::int64_t ld) {
  const Array columns = tiles::transpose_view(a).sliced(c0, nc, 1, 0, a.rows(), 1);
  if (nc <= 0 || a.rows() == 0) return;
  if (columns.col_stride() == 1 || a.col_stride() != 1) {
    read_word_rows(columns, lease, 0, nc, out, ld);  // a transposed view: columns are runs already
    return;
  }
  // Rows of `a` are runs: read 64 of them at a time (only the wanted columns) and transpose 64 x 64 blocks.
  const std::int64_t k = a.rows();
  const std::int64_t col_words = words_for(nc);
  std::vector<std::uint64_t> strip(static_cast<std::size_t>(64 * col_words));
  std::uint64_t block[64];
  for (std::int64_t k0 = 0; k0 < k; k0 += 64) {
    const std::int64_t kn = std::min<std::int64_t>(64, k - k0);
    std::fill(strip.begin(), strip.end(), 0);
    read_word_rows(a.sliced(k0, kn, 1, c0, nc, 1), lease, 0, kn, strip.data(), col_words);
    for (std::int64_t w = 0; w < col_words; ++w) {
      for (int r = 0; r < 64; ++r) block[r] = strip[static_cast<std::size_t>(r * col_words + w)];
      transpose_64x64(block);
      const std::int64_t jn = std::min<std::int64_t>(64, nc - 64 * w);
      for (std::int64_t t = 0; t < jn; ++t) out[(64 * w + t) * ld + k0 / 64] = block[t];
    }
  }
}

void write_word_rows(const Array& out, const Buffer::Lease& lease, std::int64_t r0, std::int64_t nr,
                     const std::uint64_t* rows, std::int64_t ld) {
  const std::int64_t cols = out.cols();
  if (nr <= 0 || cols == 0) return;
  ByteStore& store = lease.store();
  const std::uint64_t first_bit = static_cast<std::uint64_t>(out.element_index(r0, 0));
  if (!store.is_file()) {
    auto* bytes = reinterpret_cast<std::uint8_t*>(store.data());
    for (std::int64_t r = 0; r < nr; ++r) scatter_bits(rows + r * ld, cols, bytes, first_bit + r * cols);
    return;
  }
  // A file: stage the band's bytes (the edge bytes read first, so neighbours' bits survive), write once.
  const std::uint64_t first_byte = first_bit / 8;
  const std::uint64_t end_byte = (first_bit + static_cast<std::uint64_t>(nr * cols) + 7) / 8;
  std::vector<std::uint8_t> staged(end_byte - first_byte, 0);
  store.read_at(first_byte, staged.data(), 1);
  store.read_at(end_byte - 1, staged.data() + staged.size() - 1, 1);
  for (std::int64_t r = 0; r < nr; ++r) {
    scatter_bits(rows + r * ld, cols, staged.data(), first_bit - 8 * first_byte + r * cols);
  }
  store.write_at(first_byte, staged.data(), staged.size());
}

Array copy_bits(const Array& a) {
  if (a.dtype() != DType::Bool) {
    throw TypeError(std::string("copy_bits: expected a bool array, got ") + dtype_name(a.dtype()) +
                    "; use copy() or astype() for other dtypes");
  }
  Array out;
  {
    const Buffer::Lease pin = Buffer::lease(a.buffer());
    out = Array::zeros(DType::Bool, a.ndim(), a.rows(), a.cols());
  }
  const std::int64_t rows = a.rows(), nw = words_for(a.cols());
  if (rows == 0 || a.cols() == 0) return out;
  const Buffer::Lease in = Buffer::lease(a.buffer());
  const Buffer::Lease dst = Buffer::lease(out.buffer());
  for_each_band((rows + 63) / 64, [&](std::int64_t band) {
    const std::int64_t r0 = 64 * band, nr = std::min<std::int64_t>(64, rows - r0);
    std::vector<std::uint64_t> words(static_cast<std::size_t>(nr * nw), 0);
    read_word_rows(a, in, r0, nr, words.data(), nw);
    write_word_rows(out, dst, r0, nr, words.data(), nw);
  });
  return out;
}

}  // namespace pycauset::bits
