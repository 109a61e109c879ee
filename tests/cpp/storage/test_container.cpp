// Unit tests of storage/container.cpp: header encode/validate round trip and each rejection, in check order.
#include "storage/container.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>

#include "storage/checksum.hpp"
#include "storage/errors.hpp"
#include "test_support.hpp"

using pycauset::ContainerHeader;

namespace {

int counter = 0;

std::string write_file(const std::vector<unsigned char>& bytes) {
  std::string path = test_support::scratch_dir() + "/c-" + std::to_string(counter++) + ".pycauset";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  ::close(fd);
  return path;
}

ContainerHeader sample_header() {
  ContainerHeader h;
  h.dtype = "float32";
  h.ndim = 2;
  h.shape = {3, 5};
  h.payload_size = 3 * 5 * 4;
  h.payload_checksum = 0xDEADBEEF;
  return h;
}

/// Header page + payload bytes.
std::vector<unsigned char> sample_file(const ContainerHeader& h) {
  auto page = pycauset::encode_container_header(h);
  std::vector<unsigned char> file(page.begin(), page.end());
  file.resize(file.size() + h.payload_size, 0x5a);
  return file;
}

/// Re-seal the header checksum after an edit (to reach the checks behind it).
void reseal(std::vector<unsigned char>& file) {
  std::uint64_t crc = pycauset::crc32c(file.data(), ContainerHeader::kHeaderSize - 8);
  std::memcpy(file.data() + ContainerHeader::kHeaderSize - 8, &crc, 8);
}

template <class T>
void poke(std::vector<unsigned char>& file, std::size_t offset, T value) {
  std::memcpy(file.data() + offset, &value, sizeof(T));
}

std::string message_of(const std::vector<unsigned char>& file) {
  try {
    pycauset::read_container_header(write_file(file));
  } catch (const pycauset::ValueError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE(header_round_trips) {
  auto h = pycauset::read_container_header(write_file(sample_file(sample_header())));
  CHECK_EQ(h.version, ContainerHeader::kVersion);
  CHECK_EQ(h.dtype, std::string("float32"));
  CHECK_EQ(h.ndim, 2u);
  CHECK_EQ(h.shape[0], 3u);
  CHECK_EQ(h.shape[1], 5u);
  CHECK_EQ(h.payload_offset, 4096u);
  CHECK_EQ(h.payload_size, 60u);
  CHECK_EQ(h.payload_checksum, 0xDEADBEEFu);
  CHECK_EQ(h.checksum_block, 65536u);
}

TEST_CASE(layout_matches_the_documented_offsets) {
  auto file = sample_file(sample_header());
  CHECK(std::memcmp(file.data(), "\x89PYCAUSET\r\n\x1a\n\0\0\0", 16) == 0);
  std::uint32_t version;
  std::memcpy(&version, file.data() + 16, 4);
  CHECK_EQ(version, 1u);
  CHECK(std::memcmp(file.data() + 24, "float32\0", 8) == 0);
  std::uint64_t cols;
  std::memcpy(&cols, file.data() + 56, 8);
  CHECK_EQ(cols, 5u);
}

TEST_CASE(rejects_each_problem_with_its_own_words) {
  const auto good = sample_file(sample_header());
  CHECK(contains(message_of({'a', 'b', 'c'}), "is not a pycauset file"));
  CHECK(contains(message_of({}), "is not a pycauset file"));
  std::vector<unsigned char> npy = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0, 0};
  CHECK(contains(message_of(npy), "NumPy .npy file"));

  auto future = good;
  poke<std::uint32_t>(future, 16, 2);
  CHECK(contains(message_of(future), "format version 2, but this pycauset reads format version 1"));

  CHECK(contains(message_of(std::vector<unsigned char>(good.begin(), good.begin() + 1000)), "truncated"));

  auto flipped = good;
  flipped[50] ^= 1;
  CHECK(contains(message_of(flipped), "header checksum"));

  auto rank = good;
  poke<std::uint32_t>(rank, 40, 3);
  reseal(rank);
  CHECK(contains(message_of(rank), "rank 3"));

  auto offset = good;
  poke<std::uint64_t>(offset, 64, 100);
  reseal(offset);
  CHECK(contains(message_of(offset), "payload offset"));

  auto short_payload = good;
  short_payload.pop_back();
  CHECK(contains(message_of(short_payload), "truncated"));

  auto huge = good;
  poke<std::uint64_t>(huge, 72, ~0ull);
  reseal(huge);
  CHECK(contains(message_of(huge), "truncated"));

  auto trailing = good;
  trailing.push_back(0);
  CHECK(contains(message_of(trailing), "after the payload"));

  auto junk = good;  // "float32\0" then a non-zero byte inside the 16-byte dtype field
  junk[24 + 9] = 'x';
  reseal(junk);
  CHECK(contains(message_of(junk), "bytes after the dtype name 'float32' are not zero"));
}

TEST_CASE(payload_checksum_chains_block_crcs) {
  pycauset::PayloadChecksum checksum;
  CHECK_EQ(checksum.value(), 0u);
  checksum.add_block_crc(0x01020304u);
  const unsigned char le[4] = {0x04, 0x03, 0x02, 0x01};
  CHECK_EQ(checksum.value(), pycauset::crc32c(le, 4));
}
