// libFuzzer harness of the .npy header parser: any bytes give a valid header or a clean error.
//
// Only the parser's documented exceptions (ValueError, TypeError, IoError) are clean; anything else, a
// sanitizer report, or an accepted header that breaks the parser's promises (data offset inside the
// file, a supported version, a shape that re-encodes and parses back identically) is a crash.
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "storage/errors.hpp"
#include "storage/npy_format.hpp"

namespace {

using pycauset::NpyHeader;
using pycauset::fuzz::broken;
using pycauset::fuzz::MemoryFile;

/// Parse the file; nullopt-like `false` for a clean rejection.
bool parse(const MemoryFile& file, NpyHeader& out) {
  try {
    out = pycauset::read_npy_header(file.path());
    return true;
  } catch (const pycauset::ValueError&) {
  } catch (const pycauset::TypeError&) {
  } catch (const pycauset::IoError&) {
  }
  return false;
}

void check_accepted(const NpyHeader& h, std::size_t file_size) {
  if (h.minor != 0 || h.major < 1 || h.major > 3) broken("accepted an unsupported version");
  if (h.data_offset > file_size) broken("accepted a header that runs past the end of the file");
  if (h.data_offset < 10) broken("accepted a data offset inside the magic");
  if (h.byte_order != '<' && h.byte_order != '>' && h.byte_order != '|') broken("accepted an unknown byte order");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static MemoryFile file("fuzz.npy");
  file.assign(data, size);
  NpyHeader header;
  if (!parse(file, header)) return 0;
  check_accepted(header, size);
  // Round trip: the header pycauset would write for these fields parses back to the same fields.
  std::string encoded;
  try {
    encoded = pycauset::encode_npy_header(header.descr, header.fortran_order, header.shape);
  } catch (const std::exception&) {
    broken("an accepted header cannot be encoded");
  }
  file.assign(encoded.data(), encoded.size());
  NpyHeader again;
  if (!parse(file, again)) broken("the encoding of an accepted header is rejected");
  if (again.descr != header.descr || again.fortran_order != header.fortran_order || again.shape != header.shape ||
      again.kind != header.kind || again.itemsize != header.itemsize || again.byte_order != header.byte_order) {
    broken("an accepted header does not survive encode and parse");
  }
  return 0;
}
