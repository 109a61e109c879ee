// Runtime dtype facts: names, sizes, kinds.
#include "core/dtype/dtype.hpp"

namespace pycauset {

const char* dtype_name(DType id) noexcept {
  switch (id) {
#define PYCAUSET_NAME(name, type, text) \
  case DType::name:                     \
    return text;
    PYCAUSET_FOR_EACH_DTYPE(PYCAUSET_NAME)
#undef PYCAUSET_NAME
  }
  return "?";
}

std::string supported_dtype_names() {
  std::string out;
#define PYCAUSET_LIST(name, type, text) out += std::string(out.empty() ? "" : ", ") + text;
  PYCAUSET_FOR_EACH_DTYPE(PYCAUSET_LIST)
#undef PYCAUSET_LIST
  return out;
}

DType dtype_from_name(const std::string& name) {
#define PYCAUSET_PARSE(n, type, text) \
  if (name == text) return DType::n;
  PYCAUSET_FOR_EACH_DTYPE(PYCAUSET_PARSE)
#undef PYCAUSET_PARSE
  throw TypeError("unsupported dtype '" + name + "'; supported dtypes are: " + supported_dtype_names());
}

int itemsize(DType id) noexcept {
  return visit_dtype(id, [](auto tag) { return static_cast<int>(sizeof(tile_t<typename decltype(tag)::type>)); });
}

int storage_bits(DType id) noexcept { return id == DType::Bool ? 1 : 8 * itemsize(id); }

std::uint64_t storage_bytes(DType id, std::uint64_t count) noexcept {
  return id == DType::Bool ? (count + 7) / 8 : count * static_cast<std::uint64_t>(itemsize(id));
}

bool try_storage_bytes(DType id, std::uint64_t rows, std::uint64_t cols, std::uint64_t* bytes) noexcept {
  constexpr std::uint64_t kMaxBytes = static_cast<std::uint64_t>(INT64_MAX);  // NumPy's limit (intp)
  std::uint64_t count = 0, nbytes = 0;
  if (__builtin_mul_overflow(rows, cols, &count) ||
      __builtin_mul_overflow(count, static_cast<std::uint64_t>(itemsize(id)), &nbytes) || nbytes > kMaxBytes) {
    return false;
  }
  *bytes = storage_bytes(id, count);
  return true;
}

std::uint64_t checked_storage_bytes(DType id, std::uint64_t rows, std::uint64_t cols) {
  std::uint64_t bytes = 0;
  if (!try_storage_bytes(id, rows, cols, &bytes)) {
    throw ValueError("array is too big: " + std::to_string(rows) + " x " + std::to_string(cols) + " elements of " +
                     dtype_name(id) + " need more than 2**63 - 1 bytes, the largest possible size; use a smaller shape");
  }
  return bytes;
}

bool is_complex_dtype(DType id) noexcept { return id == DType::Complex64 || id == DType::Complex128; }
bool is_float_dtype(DType id) noexcept { return id == DType::Float32 || id == DType::Float64; }
bool is_signed_integer_dtype(DType id) noexcept {
  return id == DType::Int8 || id == DType::Int16 || id == DType::Int32 || id == DType::Int64;
}
bool is_integer_dtype(DType id) noexcept {
  return is_signed_integer_dtype(id) || id == DType::UInt8 || id == DType::UInt16 || id == DType::UInt32 ||
         id == DType::UInt64;
}

DType real_dtype(DType id) noexcept {
  if (id == DType::Complex64) return DType::Float32;
  if (id == DType::Complex128) return DType::Float64;
  return id;
}

}  // namespace pycauset
