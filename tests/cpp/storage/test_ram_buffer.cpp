// Unit tests of storage/ram_buffer.cpp: the ByteStore contract plus RAM-specific behaviour.
#include "storage/ram_buffer.hpp"

#include "storage/byte_store_contract.hpp"
#include "test_support.hpp"

using pycauset::RamBuffer;

namespace {
std::unique_ptr<pycauset::ByteStore> make_ram(std::uint64_t n) { return std::make_unique<RamBuffer>(n); }
}  // namespace

TEST_CASE(ram_buffer_meets_byte_store_contract) { byte_store_contract::run_all(make_ram); }

TEST_CASE(ram_buffer_identity) {
  RamBuffer ram(10);
  CHECK(!ram.is_file());
  CHECK(!ram.read_only());
  CHECK_EQ(ram.path(), std::string());
  CHECK_NOTHROW(ram.prefetch(0, 10));
}

TEST_CASE(ram_buffer_is_page_aligned_and_lazily_zero) {
  // 1 GiB is only reserved: pages are not touched until written, so this costs nothing.
  RamBuffer big(1ull << 30);
  REQUIRE(big.data() != nullptr);
  CHECK_EQ(reinterpret_cast<std::uintptr_t>(big.data()) % 4096, 0u);
  CHECK_EQ(big.data()[(1ull << 30) - 1], std::byte{0});
}

TEST_CASE(ram_buffer_refused_by_os_is_out_of_memory) {
  CHECK_THROWS_AS(RamBuffer(1ull << 62), pycauset::OutOfMemory, { CHECK(contains(error.what(), "bytes of RAM")); });
}
