// .npy header parsing: a small reader for the dict literal numpy.save writes, strict about what it accepts.
#include "storage/npy_format.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstring>

#include "storage/errors.hpp"
#include "storage/file_buffer.hpp"

namespace pycauset {
namespace {

struct FdCloser {
  int fd;
  ~FdCloser() { ::close(fd); }
};

/// A cursor over the header text that reads Python literals: 'str', True/False, (ints,).
class LiteralReader {
 public:
  LiteralReader(const std::string& text, const std::string& path) : text_(text), path_(path) {}

  void skip_space() {
    // Python's whitespace, as NumPy's literal_eval of the header sees it (not isspace: '\v' is an error there).
    while (pos_ < text_.size() && std::strchr(" \t\n\r\f", text_[pos_]) != nullptr && text_[pos_] != '\0') ++pos_;
  }
  bool peek(char c) {
    skip_space();
    return pos_ < text_.size() && text_[pos_] == c;
  }
  void expect(char c) {
    if (!peek(c)) fail(std::string("expected '") + c + "'");
    ++pos_;
  }
  std::string string_literal() {
    skip_space();
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"')) fail("expected a string");
    char quote = text_[pos_++];
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      if (text_[pos_] == '\\') fail("escapes are not expected in a dtype");
      out += text_[pos_++];
    }
    if (pos_ >= text_.size()) fail("unterminated string");
    ++pos_;
    return out;
  }
  bool bool_literal() {
    skip_space();
    if (text_.compare(pos_, 4, "True") == 0) {
      pos_ += 4;
      return true;
    }
    if (text_.compare(pos_, 5, "False") == 0) {
      pos_ += 5;
      return false;
    }
    fail("expected True or False");
  }
  std::vector<std::uint64_t> int_tuple() {
    expect('(');
    std::vector<std::uint64_t> out;
    while (!peek(')')) {
      skip_space();
      if (pos_ >= text_.size() || !std::isdigit(static_cast<unsigned char>(text_[pos_]))) fail("expected a dimension");
      std::uint64_t value = 0;
      const bool leading_zero = text_[pos_] == '0';
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
        if (value > (~0ull - 9) / 10) fail("dimension too large");
        value = value * 10 + static_cast<std::uint64_t>(text_[pos_++] - '0');
      }
      // Python (so NumPy) rejects "06": a leading zero is allowed only in zero itself ("0", "00").
      if (leading_zero && value != 0) fail("a dimension with a leading zero");
      if (pos_ < text_.size() && text_[pos_] == 'L') ++pos_;  // Python 2 long suffix
      out.push_back(value);
      if (peek(',')) {
        ++pos_;
      } else if (!peek(')')) {
        fail("expected ',' or ')' in shape");
      }
    }
    ++pos_;
    return out;
  }
  bool at_end() {
    skip_space();
    return pos_ == text_.size();
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw ValueError("'" + path_ + "' has a malformed .npy header (" + what + " at character " + std::to_string(pos_) +
                     " of " + text_ + ")");
  }

 private:
  const std::string& text_;
  const std::string& path_;
  std::size_t pos_ = 0;
};

/// NumPy's one-letter type codes ('<d' is '<f8'; np.dtype accepts them in a descr), on LP64 Linux.
bool type_code(char code, char& kind, std::uint64_t& itemsize) {
  static const struct {
    char code, kind;
    std::uint64_t itemsize;
  } kCodes[] = {{'?', 'b', 1}, {'b', 'i', 1}, {'B', 'u', 1}, {'h', 'i', 2}, {'H', 'u', 2}, {'i', 'i', 4},
                {'I', 'u', 4}, {'l', 'i', 8}, {'L', 'u', 8}, {'q', 'i', 8}, {'Q', 'u', 8}, {'p', 'i', 8},
                {'P', 'u', 8}, {'e', 'f', 2}, {'f', 'f', 4}, {'d', 'f', 8}, {'g', 'f', 16}, {'F', 'c', 8},
                {'D', 'c', 16}, {'G', 'c', 32}};
  for (const auto& c : kCodes) {
    if (c.code == code) {
      kind = c.kind;
      itemsize = c.itemsize;
      return true;
    }
  }
  return false;
}

/// Split a descr such as "<f8" (or an alias such as "<d") into byte order, kind and item size.
void parse_descr(NpyHeader& h, const std::string& path) {
  const std::string& d = h.descr;
  auto malformed = [&]() { return ValueError("'" + path + "' has a malformed .npy dtype descr '" + d + "'"); };
  std::size_t i = 0;
  char order = '|';
  if (!d.empty() && (d[0] == '<' || d[0] == '>' || d[0] == '|' || d[0] == '=')) order = d[i++];
  if (order == '=') order = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? '<' : '>';
  h.byte_order = order;
  if (i + 1 == d.size() && type_code(d[i], h.kind, h.itemsize)) return;
  if (i >= d.size() || !std::isalpha(static_cast<unsigned char>(d[i]))) throw malformed();
  h.kind = d[i++];  // "|O" has no size; unsupported kinds are named by the caller
  // Exactly kind + size, as np.dtype requires: "<f8garbage" and sizes that overflow are not dtypes.
  std::uint64_t size = 0;
  for (; i < d.size() && std::isdigit(static_cast<unsigned char>(d[i])); ++i) {
    if (size > 1000000) throw malformed();
    size = size * 10 + static_cast<std::uint64_t>(d[i] - '0');
  }
  const bool time_unit = (h.kind == 'M' || h.kind == 'm') && i < d.size() && d[i] == '[' && d.back() == ']';
  if (i != d.size() && !time_unit) throw malformed();  // "<M8[ns]": a datetime, refused by name later
  h.itemsize = size;
}

}  // namespace

NpyHeader read_npy_header(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw_io_error("opening", path);
  FdCloser closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw_io_error("inspecting", path);
  if (S_ISDIR(st.st_mode)) throw_io_error("reading", path, EISDIR);
  const auto file_size = static_cast<std::uint64_t>(st.st_size);

  unsigned char prefix[12] = {};
  const std::size_t have = static_cast<std::size_t>(std::min<std::uint64_t>(file_size, sizeof(prefix)));
  pread_fully(fd, prefix, have, 0, path);
  if (have < 10 || std::memcmp(prefix, "\x93NUMPY", 6) != 0) {
    throw ValueError("'" + path + "' is not a NumPy .npy file: it does not start with the .npy magic bytes");
  }
  NpyHeader h;
  h.major = prefix[6];
  h.minor = prefix[7];
  std::uint64_t header_len = 0, text_start = 0;
  // NumPy reads exactly 1.0, 2.0 and 3.0 (a minor version could change the layout): so do we.
  if (h.minor == 0 && h.major == 1) {
    header_len = prefix[8] | (static_cast<std::uint64_t>(prefix[9]) << 8);
    text_start = 10;
  } else if (h.minor == 0 && (h.major == 2 || h.major == 3)) {
    if (have < 12) throw ValueError("'" + path + "' is truncated: its .npy header is incomplete");
    header_len = prefix[8] | (static_cast<std::uint64_t>(prefix[9]) << 8) |
                 (static_cast<std::uint64_t>(prefix[10]) << 16) | (static_cast<std::uint64_t>(prefix[11]) << 24);
    text_start = 12;
  } else {
    throw ValueError("'" + path + "' uses .npy format version " + std::to_string(h.major) + "." +
                     std::to_string(h.minor) + "; supported versions are 1.0, 2.0 and 3.0");
  }
  h.data_offset = text_start + header_len;
  if (h.data_offset > file_size) throw ValueError("'" + path + "' is truncated: its .npy header is incomplete");
  std::string text(static_cast<std::size_t>(header_len), '\0');
  pread_fully(fd, text.data(), text.size(), text_start, path);

  LiteralReader reader(text, path);
  bool seen_descr = false, seen_order = false, seen_shape = false;
  reader.expect('{');
  while (!reader.peek('}')) {
    std::string key = reader.string_literal();
    reader.expect(':');
    if (key == "descr") {
      if (reader.peek('[')) {
        throw TypeError("'" + path + "' holds a structured (record) dtype; pycauset supports plain numeric and bool dtypes");
      }
      h.descr = reader.string_literal();
      seen_descr = true;
    } else if (key == "fortran_order") {
      h.fortran_order = reader.bool_literal();
      seen_order = true;
    } else if (key == "shape") {
      h.shape = reader.int_tuple();
      seen_shape = true;
    } else {
      reader.fail("unexpected key '" + key + "'");
    }
    if (reader.peek(',')) {
      reader.expect(',');
    } else if (!reader.peek('}')) {
      reader.fail("expected ',' or '}'");
    }
  }
  reader.expect('}');
  // Only the padding may follow the dict (spaces, the final newline): NumPy's literal_eval rejects the rest.
  if (!reader.at_end()) reader.fail("unexpected text after the header dict");
  if (!seen_descr || !seen_order || !seen_shape) reader.fail("missing one of the keys descr, fortran_order, shape");
  parse_descr(h, path);
  return h;
}

std::string encode_npy_header(const std::string& descr, bool fortran_order, const std::vector<std::uint64_t>& shape,
                              std::size_t alignment) {
  if (alignment == 0 || alignment % 64 != 0) throw ValueError("npy header alignment must be a multiple of 64");
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortran_order ? "True" : "False") + ", 'shape': (";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    dict += std::to_string(shape[i]);
    if (shape.size() == 1 || i + 1 < shape.size()) dict += ",";
    if (i + 1 < shape.size()) dict += " ";
  }
  dict += "), }";
  // Version 1 stores the length in 2 bytes; bigger headers (huge ranks only) need version 2.
  for (int major : {1, 2}) {
    std::size_t prefix = major == 1 ? 10 : 12;
    std::size_t total = prefix + dict.size() + 1;  // + the final newline
    std::size_t padded = (total + alignment - 1) / alignment * alignment;
    std::size_t header_len = padded - prefix;
    if (major == 1 && header_len > 0xFFFF) continue;
    std::string out("\x93NUMPY", 6);
    out += static_cast<char>(major);
    out += '\0';
    for (std::size_t b = 0; b < prefix - 8; ++b) out += static_cast<char>((header_len >> (8 * b)) & 0xFF);
    out += dict;
    out.append(padded - total, ' ');
    out += '\n';
    return out;
  }
  throw ValueError("npy header too large");
}

}  // namespace pycauset
