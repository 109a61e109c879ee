// Unit tests of storage/npy_format.cpp: header round trips, versions 1-3, descr parsing, malformed headers.
#include "storage/npy_format.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "storage/errors.hpp"
#include "test_support.hpp"

using pycauset::encode_npy_header;
using pycauset::read_npy_header;

namespace {

int counter = 0;

std::string write_file(const std::string& bytes) {
  std::string path = test_support::scratch_dir() + "/npy-" + std::to_string(counter++) + ".npy";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  ::close(fd);
  return path;
}

/// A header of a given major version around a dict literal, padded like numpy.save pads it.
std::string npy_with_dict(int major, const std::string& dict) {
  std::size_t prefix = major == 1 ? 10 : 12;
  std::size_t total = (prefix + dict.size() + 1 + 63) / 64 * 64;
  std::size_t len = total - prefix;
  std::string out("\x93NUMPY", 6);
  out += static_cast<char>(major);
  out += '\0';
  for (std::size_t b = 0; b < prefix - 8; ++b) out += static_cast<char>((len >> (8 * b)) & 0xFF);
  out += dict;
  out.append(total - prefix - dict.size() - 1, ' ');
  out += '\n';
  return out;
}

}  // namespace

TEST_CASE(encoded_header_is_aligned_and_reads_back) {
  std::string header = encode_npy_header("<f8", false, {3, 4});
  CHECK_EQ(header.size() % 64, 0u);
  CHECK_EQ(header.back(), '\n');
  CHECK(contains(header, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }"));
  auto h = read_npy_header(write_file(header + std::string(96, '\0')));
  CHECK_EQ(h.major, 1);
  CHECK_EQ(h.descr, std::string("<f8"));
  CHECK_EQ(h.byte_order, '<');
  CHECK_EQ(h.kind, 'f');
  CHECK_EQ(h.itemsize, 8u);
  CHECK(!h.fortran_order);
  REQUIRE(h.shape.size() == 2);
  CHECK_EQ(h.shape[0], 3u);
  CHECK_EQ(h.shape[1], 4u);
  CHECK_EQ(h.data_offset, header.size());
}

TEST_CASE(one_dimensional_shape_has_trailing_comma) {
  CHECK(contains(encode_npy_header("|b1", false, {5}), "'shape': (5,)"));
  auto h = read_npy_header(write_file(encode_npy_header("|b1", false, {5})));
  CHECK_EQ(h.byte_order, '|');
  CHECK_EQ(h.kind, 'b');
  REQUIRE(h.shape.size() == 1);
  CHECK_EQ(h.shape[0], 5u);
  auto scalar = read_npy_header(write_file(encode_npy_header("<i4", false, {})));
  CHECK(scalar.shape.empty());
}

TEST_CASE(versions_two_and_three_big_endian_fortran_and_key_order) {
  for (int major : {2, 3}) {
    auto h = read_npy_header(write_file(npy_with_dict(major, "{'shape': (2, 7), 'fortran_order': True, 'descr': '>c16'}")));
    CHECK_EQ(h.major, major);
    CHECK_EQ(h.data_offset % 64, 0u);
    CHECK_EQ(h.byte_order, '>');
    CHECK_EQ(h.kind, 'c');
    CHECK_EQ(h.itemsize, 16u);
    CHECK(h.fortran_order);
  }
  auto native = read_npy_header(write_file(npy_with_dict(1, "{\"descr\": \"=u2\", \"fortran_order\": False, \"shape\": (3L,)}")));
  CHECK_EQ(native.byte_order, '<');
  CHECK_EQ(native.shape[0], 3u);
}

TEST_CASE(rejects_foreign_malformed_and_structured_files) {
  CHECK_THROWS_AS(read_npy_header(write_file("hello world, not numpy")), pycauset::ValueError,
                  { CHECK(contains(error.what(), "is not a NumPy .npy file")); });
  CHECK_THROWS_AS(read_npy_header(write_file(npy_with_dict(9, "{}"))), pycauset::ValueError,
                  { CHECK(contains(error.what(), "version 9.0")); });
  CHECK_THROWS_AS(read_npy_header(write_file(npy_with_dict(1, "{'descr': '<f8', 'shape': (2,)}"))), pycauset::ValueError,
                  { CHECK(contains(error.what(), "malformed")); });
  CHECK_THROWS_AS(read_npy_header(write_file(npy_with_dict(1, "{'descr': '<f8', 'fortran_order': Maybe, 'shape': (2,)}"))),
                  pycauset::ValueError);
  CHECK_THROWS_AS(read_npy_header(write_file(npy_with_dict(1, "{'descr': [('x', '<f8')], 'fortran_order': False, 'shape': (2,)}"))),
                  pycauset::TypeError, { CHECK(contains(error.what(), "structured")); });
  std::string cut = npy_with_dict(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,)}");
  CHECK_THROWS_AS(read_npy_header(write_file(cut.substr(0, 30))), pycauset::ValueError,
                  { CHECK(contains(error.what(), "truncated")); });
  CHECK_THROWS_AS(read_npy_header(test_support::scratch_dir() + "/missing.npy"), pycauset::IoError,
                  { CHECK_EQ(error.error_number(), ENOENT); });
}

TEST_CASE(as_strict_as_numpy_and_reads_its_type_codes) {
  const std::string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
  std::string minor = npy_with_dict(1, dict);
  minor[7] = 1;  // version 1.1
  CHECK_THROWS_AS(read_npy_header(write_file(minor)), pycauset::ValueError,
                  { CHECK(contains(error.what(), "version 1.1")); });
  CHECK_THROWS_AS(read_npy_header(write_file(npy_with_dict(1, dict + " junk"))), pycauset::ValueError,
                  { CHECK(contains(error.what(), "after the header dict")); });
  for (const char* descr : {"<f8garbage", "<f99999999999999999999999", "<", ""}) {
    std::string text = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (2,), }";
    CHECK_THROWS_AS(read_npy_header(write_file(npy_with_dict(1, text))), pycauset::ValueError,
                    { CHECK(contains(error.what(), "malformed .npy dtype descr")); });
  }
  struct Alias {
    const char* descr;
    char kind;
    std::uint64_t itemsize;
  };
  for (Alias a : {Alias{"<q", 'i', 8}, Alias{"<d", 'f', 8}, Alias{"|?", 'b', 1}, Alias{">h", 'i', 2},
                  Alias{"<D", 'c', 16}, Alias{"|O", 'O', 0}, Alias{"<M8[ns]", 'M', 8}}) {
    std::string text = std::string("{'descr': '") + a.descr + "', 'fortran_order': False, 'shape': (2,), }";
    auto h = read_npy_header(write_file(npy_with_dict(1, text)));
    CHECK_EQ(h.kind, a.kind);
    CHECK_EQ(h.itemsize, a.itemsize);
  }
}
