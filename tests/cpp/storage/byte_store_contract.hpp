// The ByteStore contract as checks, run by test_ram_buffer and test_file_buffer over each kind of store.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <cstdint>
#include <functional>
#include <memory>
#include <numeric>
#include <thread>
#include <vector>

#include "storage/byte_store.hpp"
#include "storage/errors.hpp"
#include "test_support.hpp"

namespace byte_store_contract {

/// Makes a fresh writable store of the given size.
using Factory = std::function<std::unique_ptr<pycauset::ByteStore>(std::uint64_t)>;

inline std::vector<unsigned char> pattern(std::size_t n, unsigned seed) {
  std::vector<unsigned char> bytes(n);
  for (std::size_t i = 0; i < n; ++i) bytes[i] = static_cast<unsigned char>((i * 131 + seed * 7 + 1) & 0xff);
  return bytes;
}

/// A new store has its size and reads as zeros everywhere (RAM pages and reserved file blocks alike).
inline void new_store_is_zero(const Factory& make) {
  const std::uint64_t n = 3 * 4096 + 17;
  auto store = make(n);
  CHECK_EQ(store->size(), n);
  std::vector<unsigned char> got(n, 0xee);
  store->read_at(0, got.data(), got.size());
  CHECK(std::all_of(got.begin(), got.end(), [](unsigned char b) { return b == 0; }));
  REQUIRE(store->data() != nullptr);
  CHECK_EQ(store->data()[n - 1], std::byte{0});
}

/// write_at/read_at round-trip at offsets 0, 1 and unaligned ones crossing a page, sizes 0, 1 and odd.
inline void round_trip_at_offsets(const Factory& make) {
  const std::uint64_t n = 3 * 4096 + 17;
  auto store = make(n);
  std::vector<unsigned char> mirror(n, 0);
  struct Piece {
    std::uint64_t offset;
    std::size_t size;
  };
  const Piece pieces[] = {{0, 0}, {0, 1}, {1, 1}, {1, 7}, {4093, 9}, {4096 - 3, 4096 + 5}, {n - 1, 1}, {n, 0}, {777, 0}};
  unsigned seed = 1;
  for (const Piece& piece : pieces) {
    auto bytes = pattern(piece.size, seed++);
    store->write_at(piece.offset, bytes.data(), bytes.size());
    std::copy(bytes.begin(), bytes.end(), mirror.begin() + static_cast<std::ptrdiff_t>(piece.offset));
    std::vector<unsigned char> back(piece.size, 0xee);
    store->read_at(piece.offset, back.data(), back.size());
    CHECK(back == bytes);
  }
  std::vector<unsigned char> whole(n);
  store->read_at(0, whole.data(), whole.size());
  CHECK(whole == mirror);
  // The pointer view and the offset view are the same bytes.
  CHECK(std::equal(mirror.begin(), mirror.end(), reinterpret_cast<const unsigned char*>(store->data())));
  store->data()[5] = std::byte{0x5a};
  unsigned char one = 0;
  store->read_at(5, &one, 1);
  CHECK_EQ(one, 0x5a);
}

/// Ranges past the end are refused with IndexError, including offset + size overflowing 64 bits.
inline void out_of_range_is_refused(const Factory& make) {
  auto store = make(100);
  unsigned char bytes[8] = {};
  CHECK_THROWS_AS(store->read_at(96, bytes, 8), pycauset::IndexError, { CHECK(contains(error.what(), "100")); });
  CHECK_THROWS_AS(store->write_at(101, bytes, 0), pycauset::IndexError);
  CHECK_THROWS_AS(store->write_at(93, bytes, 8), pycauset::IndexError);
  CHECK_THROWS_AS(store->read_at(~std::uint64_t{0} - 2, bytes, 8), pycauset::IndexError);
  CHECK_NOTHROW(store->write_at(92, bytes, 8));
  CHECK_EQ(store->size(), 100u);
}

/// A zero-byte store accepts empty reads and writes at offset 0.
inline void empty_store(const Factory& make) {
  auto store = make(0);
  CHECK_EQ(store->size(), 0u);
  unsigned char byte = 0;
  CHECK_NOTHROW(store->read_at(0, &byte, 0));
  CHECK_NOTHROW(store->write_at(0, &byte, 0));
  CHECK_THROWS_AS(store->write_at(0, &byte, 1), pycauset::IndexError);
}

/// Disjoint ranges may be written concurrently from several threads.
inline void concurrent_disjoint_writes(const Factory& make) {
  const std::size_t chunk = 10007;
  const int threads = 4;
  auto store = make(chunk * threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      auto bytes = pattern(chunk, static_cast<unsigned>(t + 10));
      for (std::size_t off = 0; off < chunk; off += 1000) {
        std::size_t n = std::min<std::size_t>(1000, chunk - off);
        store->write_at(t * chunk + off, bytes.data() + off, n);
      }
    });
  }
  for (auto& w : workers) w.join();
  for (int t = 0; t < threads; ++t) {
    std::vector<unsigned char> back(chunk);
    store->read_at(t * chunk, back.data(), chunk);
    CHECK(back == pattern(chunk, static_cast<unsigned>(t + 10)));
  }
}

/// An aligned scratch buffer for window transfers, freed on scope exit.
struct Window {
  explicit Window(std::size_t n) : bytes(static_cast<std::byte*>(std::aligned_alloc(pycauset::ByteStore::kWindowAlignment, n))) {}
  ~Window() { std::free(bytes); }
  std::byte* bytes;
};

/// Windowed transfers move exactly [offset, offset + n) at any alignment (the slack of the window is not
/// written back), for aligned windows (unbuffered where possible) and unaligned ones (buffered).
inline void windows_move_exactly_their_range(const Factory& make) {
  const std::size_t align = pycauset::ByteStore::kWindowAlignment;
  const std::size_t size = 3 * align + 777;
  auto store = make(size);
  auto mirror = pattern(size, 41);
  store->write_at(0, mirror.data(), size);
  const std::pair<std::uint64_t, std::size_t> ranges[] = {{0, 10}, {100, 5000}, {align, 2 * align}, {align - 96, 200},
                                                          {3 * align + 700, 77}, {size - 1, 1}, {1, size - 1}, {0, size}};
  unsigned seed = 50;
  for (auto [offset, n] : ranges) {
    for (std::size_t skew : {std::size_t{0}, std::size_t{8}}) {  // 8: an unaligned window, the buffered path
      const std::size_t lead = store->window_lead(offset);
      CHECK(lead < align);
      const std::size_t bytes = store->window_bytes(offset, n);
      CHECK(bytes % align == 0 && bytes >= lead + n);
      Window window(bytes + align);
      std::byte* w = window.bytes + skew;
      auto fresh = pattern(n, seed++);
      std::memset(w, 0xee, bytes);  // slack that must not reach the store
      std::memcpy(w + lead, fresh.data(), n);
      store->write_window(offset, n, w);
      std::copy(fresh.begin(), fresh.end(), mirror.begin() + static_cast<std::ptrdiff_t>(offset));
      std::vector<unsigned char> whole(size);
      store->read_at(0, whole.data(), size);
      CHECK(whole == mirror);
      std::memset(w, 0, bytes);
      store->read_window(offset, n, w);
      CHECK(std::memcmp(w + lead, mirror.data() + offset, n) == 0);
    }
  }
  Window window(2 * align);
  CHECK_THROWS_AS(store->read_window(size - 4, 8, window.bytes), pycauset::IndexError);
  CHECK_THROWS_AS(store->write_window(size + 1, 0, window.bytes), pycauset::IndexError);
}

/// Run every contract check against stores made by `make`.
inline void run_all(const Factory& make) {
  windows_move_exactly_their_range(make);
  new_store_is_zero(make);
  round_trip_at_offsets(make);
  out_of_range_is_refused(make);
  empty_store(make);
  concurrent_disjoint_writes(make);
}

}  // namespace byte_store_contract
