// Buffer: leases, export pins and the single place where copy-on-write happens.
#include "core/buffer.hpp"

#include <algorithm>
#include <vector>

#include "core/governor.hpp"
#include "storage/errors.hpp"

namespace pycauset {

Buffer::Buffer(std::shared_ptr<ByteStore> store, std::uint64_t nbytes) : store_(std::move(store)), nbytes_(nbytes) {
  touch();
}

Buffer::~Buffer() { MemoryGovernor::instance().on_destroy(this); }

std::shared_ptr<ByteStore> Buffer::store() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return store_;
}

bool Buffer::is_file() const { return store()->is_file(); }
bool Buffer::read_only() const { return store()->read_only(); }
std::string Buffer::path() const { return store()->path(); }

void Buffer::touch() noexcept { last_use_ = MemoryGovernor::instance().next_stamp(); }

Buffer::Lease::Lease(std::shared_ptr<Buffer> buffer) : buffer_(std::move(buffer)) {
  std::lock_guard<std::mutex> lock(buffer_->mutex_);
  ++buffer_->leases_;
  store_ = buffer_->store_;
  buffer_->touch();
}

Buffer::Lease& Buffer::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    if (buffer_) --buffer_->leases_;
    buffer_ = std::move(other.buffer_);
    store_ = std::move(other.store_);
  }
  return *this;
}

Buffer::Lease::~Lease() {
  if (buffer_) --buffer_->leases_;
}

void Buffer::make_writable() {
  auto old_store = store();
  if (!old_store->read_only()) return;
  auto& governor = MemoryGovernor::instance();
  // Allocate the private copy through the governor (RAM or spill), then copy in 64 MiB steps.
  std::shared_ptr<Buffer> scratch = governor.allocate(nbytes_);
  auto new_store = scratch->store();
  const std::uint64_t step = 64ull << 20;
  if (const std::byte* src = old_store->data()) {
    for (std::uint64_t off = 0; off < nbytes_; off += step) {
      new_store->write_at(off, src + off, static_cast<std::size_t>(std::min(step, nbytes_ - off)));
    }
  } else {
    std::vector<std::byte> tmp(static_cast<std::size_t>(std::min(step, nbytes_)));
    for (std::uint64_t off = 0; off < nbytes_; off += step) {
      std::size_t n = static_cast<std::size_t>(std::min(step, nbytes_ - off));
      old_store->read_at(off, tmp.data(), n);
      new_store->write_at(off, tmp.data(), n);
    }
  }
  // Take over the scratch buffer's store: the scratch's accounting moves to this buffer.
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (leases_ > 0) throw ValueError("cannot copy-on-write a buffer while a kernel is using it");
    store_ = new_store;
  }
  governor.on_store_changed(this, /*was_file=*/true, new_store->is_file());
}

}  // namespace pycauset
