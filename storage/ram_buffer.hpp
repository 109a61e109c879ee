// Anonymous, page-aligned memory behind the ByteStore interface.
#pragma once

#include <memory>

#include "storage/byte_store.hpp"

namespace pycauset {

/// \brief Page-aligned anonymous memory. Pages are not touched until written (zeros are free).
class RamBuffer final : public ByteStore {
 public:
  /// \brief Allocate `size` zero-filled bytes. Throws OutOfMemory if the OS refuses.
  explicit RamBuffer(std::uint64_t size);
  ~RamBuffer() override;
  RamBuffer(const RamBuffer&) = delete;
  RamBuffer& operator=(const RamBuffer&) = delete;

  std::uint64_t size() const noexcept override { return size_; }
  void read_at(std::uint64_t offset, void* dst, std::size_t n) const override;
  void write_at(std::uint64_t offset, const void* src, std::size_t n) override;
  std::byte* data() noexcept override { return data_; }
  const std::byte* data() const noexcept override { return data_; }
  bool is_file() const noexcept override { return false; }
  bool read_only() const noexcept override { return false; }
  std::string path() const override { return {}; }

 private:
  std::byte* data_ = nullptr;
  std::uint64_t size_ = 0;
  std::uint64_t mapped_size_ = 0;
};

}  // namespace pycauset
