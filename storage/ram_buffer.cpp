// RamBuffer: anonymous mmap so large buffers are page-aligned, lazily zeroed and returned to the OS on free.
#include "storage/ram_buffer.hpp"

#include <sys/mman.h>

#include <cstring>
#include <string>

#include "storage/errors.hpp"

namespace pycauset {

RamBuffer::RamBuffer(std::uint64_t size) : size_(size) {
  mapped_size_ = size == 0 ? 4096 : size;
  void* p = ::mmap(nullptr, mapped_size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    throw OutOfMemory("cannot allocate " + std::to_string(size) + " bytes of RAM: " + std::strerror(errno));
  }
  data_ = static_cast<std::byte*>(p);
}

RamBuffer::~RamBuffer() { ::munmap(data_, mapped_size_); }

void RamBuffer::read_at(std::uint64_t offset, void* dst, std::size_t n) const {
  check_byte_range(offset, n, size_);
  if (n == 0) return;  // memcpy with a null pointer is undefined even for zero bytes
  std::memcpy(dst, data_ + offset, n);
}

void RamBuffer::write_at(std::uint64_t offset, const void* src, std::size_t n) {
  check_byte_range(offset, n, size_);
  if (n == 0) return;
  std::memcpy(data_ + offset, src, n);
}

}  // namespace pycauset
