// MemoryGovernor: budget discovery, placement, LRU spilling and tile budgets.
#include "core/governor.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <mutex>
#include <sstream>
#include <vector>

#include "storage/errors.hpp"
#include "storage/ram_buffer.hpp"
#include "storage/spill_dir.hpp"

namespace pycauset {
namespace {

constexpr std::uint64_t kUnlimited = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint64_t kMinimumTileBudget = 512 * 1024;
constexpr std::uint64_t kWorthSpilling = 64 * 1024;  ///< smaller buffers spill only as a last resort
constexpr std::uint64_t kSmallObjectCap = 64ull << 20;  ///< small_object_bytes() never exceeds 64 MiB

std::uint64_t read_meminfo_available() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  std::uint64_t value = 0;
  std::string unit;
  while (in >> key >> value >> unit) {
    if (key == "MemAvailable:") return value * 1024;
  }
  return 0;
}

std::uint64_t read_number_file(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  if (!(in >> text) || text == "max") return kUnlimited;
  try {
    return std::stoull(text);
  } catch (...) {
    return kUnlimited;
  }
}

/// Room left in this process's memory cgroup (v1 or v2), or kUnlimited.
std::uint64_t cgroup_room() {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  std::uint64_t room = kUnlimited;
  while (std::getline(in, line)) {
    // "N:controllers:/path"; v2 has "0::/path".
    auto first = line.find(':');
    auto second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    std::string controllers = line.substr(first + 1, second - first - 1);
    std::string path = line.substr(second + 1);
    std::uint64_t limit = kUnlimited, usage = 0;
    if (controllers.find("memory") != std::string::npos) {
      std::string dir = "/sys/fs/cgroup/memory" + path;
      limit = read_number_file(dir + "/memory.limit_in_bytes");
      usage = read_number_file(dir + "/memory.usage_in_bytes");
    } else if (controllers.empty()) {
      std::string dir = "/sys/fs/cgroup" + path;
      limit = read_number_file(dir + "/memory.max");
      usage = read_number_file(dir + "/memory.current");
    }
    if (limit != kUnlimited && limit < (1ull << 60)) {
      if (usage == kUnlimited) usage = 0;
      room = std::min(room, limit > usage ? limit - usage : 0);
    }
  }
  return room;
}

}  // namespace

namespace {

/// parse_byte_count, naming `source` (e.g. the environment variable) in the error message.
std::uint64_t parse_byte_count_from(const std::string& text, const std::string& source) {
  auto fail = [&](const std::string& why) -> std::uint64_t {
    throw ValueError("cannot parse " + source + " '" + text + "': " + why +
                     "; expected a whole number of bytes, optionally with a binary suffix K, M, G or T (e.g. 64M)");
  };
  std::size_t begin = text.find_first_not_of(" \t\n");
  std::size_t end = text.find_last_not_of(" \t\n");
  if (begin == std::string::npos) return fail("it is empty");
  std::size_t i = begin;
  std::uint64_t value = 0;
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  for (; i <= end && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
    unsigned digit = static_cast<unsigned>(text[i] - '0');
    if (value > (kMax - digit) / 10) return fail("the number is too large");
    value = value * 10 + digit;
  }
  if (i == begin) return fail("it does not start with a number");
  while (i <= end && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  // Accepted suffixes: none, B, X, XB, XiB (X in K/M/G/T, any case); all are binary multiples.
  const std::size_t suffix_begin = i;
  std::string suffix;
  for (; i <= end; ++i) suffix += static_cast<char>(std::toupper(static_cast<unsigned char>(text[i])));
  std::uint64_t multiplier = 1;
  if (!suffix.empty() && suffix != "B") {
    const std::string units = "KMGT";
    std::size_t power = units.find(suffix[0]);
    std::string rest = suffix.substr(1);
    if (power == std::string::npos || !(rest.empty() || rest == "B" || rest == "IB")) {
      return fail("unknown suffix '" + text.substr(suffix_begin, end + 1 - suffix_begin) + "'");
    }
    multiplier = 1ull << (10 * (power + 1));
  }
  if (value > kMax / multiplier) return fail("the number is too large");
  return value * multiplier;
}

}  // namespace

std::uint64_t parse_byte_count(const std::string& text) { return parse_byte_count_from(text, "memory size"); }

Placement placement_from_name(const std::string& name) {
  if (name == "auto") return Placement::Auto;
  if (name == "ram") return Placement::Ram;
  if (name == "file") return Placement::File;
  throw ValueError("placement must be 'auto', 'ram' or 'file', got '" + name + "'");
}

/// Releases a mutex the caller holds for one scope and takes it back at the end (also on exceptions).
class MutexReleased {
 public:
  explicit MutexReleased(std::recursive_mutex& mutex) : mutex_(mutex) { mutex_.unlock(); }
  ~MutexReleased() { mutex_.lock(); }
  MutexReleased(const MutexReleased&) = delete;
  MutexReleased& operator=(const MutexReleased&) = delete;

 private:
  std::recursive_mutex& mutex_;
};

class MemoryGovernor::Impl {
 public:
  // Recursive: dropping the last reference to a buffer inside make_room re-enters through on_destroy.
  mutable std::recursive_mutex mutex;
  std::optional<std::uint64_t> override_limit;
  std::uint64_t default_limit = 0;
  std::map<Buffer*, std::weak_ptr<Buffer>> buffers;
  std::uint64_t ram_bytes = 0, file_bytes = 0, ram_objects = 0, file_objects = 0;
  std::atomic<std::uint64_t> spills{0};
  std::atomic<std::uint64_t> stamp{0};

  std::uint64_t limit() const { return override_limit ? *override_limit : default_limit; }
  /// RAM of arrays plus pooled tiles. Recycled array mappings (RamBuffer's cache) are not counted: they
  /// are reclaimable, and trim_cache_to_budget() drops them whenever anonymous memory grows.
  std::uint64_t used() const { return ram_bytes + BufferPool::instance().held_bytes(); }
  std::uint64_t room() const { return limit() > used() ? limit() - used() : 0; }
  /// Room if the pool's cached tiles were dropped: the budget minus arrays in RAM and tiles on loan.
  /// Not room() + cached: a cache above the budget (left by an in-RAM routine's allowance) is no room.
  std::uint64_t room_beside_cached_tiles() const {
    const std::uint64_t in_use = used(), cached = BufferPool::instance().cached_bytes();
    const std::uint64_t committed = in_use > cached ? in_use - cached : 0;  // both move under other threads
    return limit() > committed ? limit() - committed : 0;
  }
  /// Unmap recycled RAM mappings that no longer fit beside the arrays and tiles in use.
  void trim_cache_to_budget() {
    std::uint64_t in_use = used(), budget = limit();
    RamBuffer::trim_cache(budget > in_use ? budget - in_use : 0);
  }

  /// True when `needed` more bytes fit; fits(0) is false while use is above the budget.
  bool fits(std::uint64_t needed) const {
    std::uint64_t in_use = used(), budget = limit();
    return in_use <= budget && budget - in_use >= needed;
  }

  void count(bool file, std::uint64_t nbytes, int sign) {
    auto& bytes = file ? file_bytes : ram_bytes;
    auto& objects = file ? file_objects : ram_objects;
    bytes += sign * nbytes;  // unsigned wrap-around cancels exactly
    objects += sign;
  }

  /// Move one RAM buffer to a spill file. Requires the governor mutex held (once).
  ///
  /// The governor mutex is released while the file is made and written, so other threads allocate,
  /// ask for tiles and free buffers meanwhile (a spill of gigabytes takes seconds). The buffer's own
  /// mutex is held instead for the whole move: a lease or store() of this buffer waits until the file
  /// has replaced the RAM copy, so nothing writes into a copy that is being discarded.
  /// Lock order: a spill takes the governor mutex back while holding the buffer's. That cannot deadlock,
  /// because no thread holding the governor mutex ever waits for a buffer mutex: this function and
  /// make_room only try_lock them, skipping a buffer that is busy (being spilled, or being leased).
  bool spill(Buffer& buffer) {
    std::unique_lock<std::mutex> lock(buffer.mutex_, std::try_to_lock);
    if (!lock.owns_lock()) return false;
    if (buffer.leases_ > 0 || buffer.exports_ > 0 || buffer.store_->is_file()) return false;
    std::shared_ptr<ByteStore> file;
    {
      MutexReleased released(mutex);
      file = SpillDir::instance().create_file(buffer.nbytes_);
      if (buffer.nbytes_ > 0) file->write_at(0, buffer.store_->data(), static_cast<std::size_t>(buffer.nbytes_));
    }
    // A NumPy export (add_export needs no lock) pinned the RAM copy meanwhile: keep it, drop the file.
    if (buffer.exports_ > 0) return false;
    buffer.store_ = std::move(file);
    count(false, buffer.nbytes_, -1);
    count(true, buffer.nbytes_, +1);
    ++spills;
    return true;
  }

  /// Whether `buffer` is a spill candidate now: in RAM, unleased, unexported. Never waits for its mutex.
  static bool spillable(Buffer& buffer) {
    std::unique_lock<std::mutex> lock(buffer.mutex_, std::try_to_lock);
    return lock.owns_lock() && !buffer.store_->is_file() && buffer.leases_ == 0 && buffer.exports_ == 0 &&
           buffer.nbytes_ > 0;
  }

  /// Spill unleased, unexported RAM buffers (LRU first) until `needed` more bytes fit (0: until use is
  /// back within the budget). With `all_or_nothing`, spill nothing when even spilling every candidate
  /// would not make enough room: a buffer that goes to a file anyway must not push others out.
  /// Spill LRU arrays until `needed` bytes fit. `keep_pool`: leave the pool's cached tiles alone (the
  /// caller counts them as its own room) instead of unmapping them first.
  std::uint64_t make_room(std::uint64_t needed, bool all_or_nothing = false, bool keep_pool = false) {
    if (fits(needed)) return room();
    if (!keep_pool) BufferPool::instance().trim(0);
    if (fits(needed)) return room();
    // Take strong references first: none of them may die while the map is being walked.
    std::vector<std::shared_ptr<Buffer>> alive;
    for (auto& entry : buffers) {
      if (auto buffer = entry.second.lock()) alive.push_back(std::move(buffer));
    }
    std::vector<std::pair<std::uint64_t, std::shared_ptr<Buffer>>> candidates;
    for (auto& buffer : alive) {
      if (spillable(*buffer)) candidates.emplace_back(buffer->last_use_.load(), buffer);
    }
    if (all_or_nothing) {
      std::uint64_t spillable = 0;
      for (auto& candidate : candidates) spillable += candidate.second->nbytes_;
      if (used() - spillable > limit() || limit() - (used() - spillable) < needed) return room();
    }
    std::sort(candidates.begin(), candidates.end(), [](auto& a, auto& b) { return a.first < b.first; });
    // Two LRU passes: first only buffers big enough to be worth a file (a 96-byte spill frees nothing
    // but costs a file), then, if room is still short, everything.
    for (bool small_too : {false, true}) {
      for (auto& candidate : candidates) {
        if (fits(needed)) break;
        if (small_too || candidate.second->nbytes_ >= kWorthSpilling) spill(*candidate.second);
      }
    }
    trim_cache_to_budget();  // spilled buffers' mappings were recycled: keep only what still fits
    return room();
  }
};

MemoryGovernor::MemoryGovernor() : impl_(std::make_unique<Impl>()) {
  impl_->default_limit = default_limit();
  if (const char* env = std::getenv("PYCAUSET_MEMORY_LIMIT"); env != nullptr && *env != '\0') {
    std::uint64_t bytes = parse_byte_count_from(env, "PYCAUSET_MEMORY_LIMIT");
    if (bytes < kMinimumBudget) {
      throw ValueError("PYCAUSET_MEMORY_LIMIT=" + std::string(env) + " is below the minimum budget of 1 MiB (1048576 bytes)");
    }
    impl_->override_limit = bytes;
  }
}

MemoryGovernor::~MemoryGovernor() = default;

MemoryGovernor& MemoryGovernor::instance() {
  static MemoryGovernor* governor = new MemoryGovernor();  // leaked: buffers die during static destruction
  return *governor;
}

std::uint64_t MemoryGovernor::default_limit() {
  std::uint64_t available = read_meminfo_available();
  if (available == 0) available = static_cast<std::uint64_t>(::sysconf(_SC_PHYS_PAGES)) * ::sysconf(_SC_PAGESIZE);
  available = std::min(available, cgroup_room());
  return std::max(kMinimumBudget, available / 2);
}

std::uint64_t MemoryGovernor::next_stamp() noexcept { return ++impl_->stamp; }

std::shared_ptr<Buffer> MemoryGovernor::allocate(std::uint64_t nbytes, Placement placement, bool zeroed) {
  std::lock_guard<std::recursive_mutex> lock(impl_->mutex);
  bool in_ram = placement == Placement::Ram;
  if (placement == Placement::Auto) {
    in_ram = impl_->fits(nbytes) ||
             (nbytes <= impl_->limit() && impl_->make_room(nbytes, /*all_or_nothing=*/true) >= nbytes);
  }
  std::shared_ptr<ByteStore> store;
  if (in_ram) {
    store = std::make_shared<RamBuffer>(nbytes, zeroed);
    impl_->count(false, nbytes, +1);
    impl_->trim_cache_to_budget();
  } else {
    store = SpillDir::instance().create_file(nbytes);
  }
  if (!in_ram) impl_->count(true, nbytes, +1);
  auto buffer = std::make_shared<Buffer>(std::move(store), nbytes);
  impl_->buffers[buffer.get()] = buffer;
  return buffer;
}

std::shared_ptr<Buffer> MemoryGovernor::adopt(std::shared_ptr<ByteStore> store) {
  std::lock_guard<std::recursive_mutex> lock(impl_->mutex);
  std::uint64_t nbytes = store->size();
  bool file = store->is_file();
  auto buffer = std::make_shared<Buffer>(std::move(store), nbytes);
  impl_->buffers[buffer.get()] = buffer;
  impl_->count(file, nbytes, +1);
  return buffer;
}

void MemoryGovernor::on_destroy(Buffer* buffer) noexcept {
  std::lock_guard<std::recursive_mutex> lock(impl_->mutex);
  auto it = impl_->buffers.find(buffer);
  if (it == impl_->buffers.end()) return;
  impl_->buffers.erase(it);
  impl_->count(buffer->store_->is_file(), buffer->nbytes_, -1);
}

void MemoryGovernor::on_store_changed(Buffer* buffer, bool was_file, bool now_file) {
  std::lock_guard<std::recursive_mutex> lock(impl_->mutex);
  if (impl_->buffers.count(buffer) == 0 || was_file == now_file) return;
  impl_->count(was_file, buffer->nbytes_, -1);
  impl_->count(now_file, buffer->nbytes_, +1);
}

void MemoryGovernor::set_limit(std::optional<std::uint64_t> bytes) {
  if (bytes && *bytes < kMinimumBudget) {
    throw ValueError("memory limit of " + std::to_string(*bytes) +
                     " bytes is below the minimum budget of 1 MiB (1048576 bytes)");
  }
  std::lock_guard<std::recursive_mutex> lock(impl_->mutex);
  const auto old_override = impl_->override_limit;
  const auto old_default = impl_->default_limit;
  impl_->override_limit = bytes;
  if (!bytes) impl_->default_limit = default_limit();
  try {
    impl_->make_room(0);  // spills LRU buffers while RAM use exceeds the new budget
  } catch (...) {
    // A lower limit whose spills failed (full disk, unusable spill directory) would leave RAM use over
    // the budget with nowhere to go: keep the old limit. Buffers already spilled stay correct in files.
    impl_->override_limit = old_override;
    impl_->default_limit = old_default;
    throw;
  }
}

std::uint64_t MemoryGovernor::limit() const {
  std::lock_guard<std::recursive_mutex> lock(impl_->mutex);
  return impl_->limit();
}

std::uint64_t MemoryGovernor::make_room(std::uint64_t needed) {
  std::lock_guard<std::recursive_mutex> lock(impl_->mutex);
  return impl_->make_room(needed);
}

std::uint64_t MemoryGovernor::small_object_bytes() const {
  return std::min<std::uint64_t>(kSmallObjectCap, limit() / 4);
}

bool MemoryGovernor::fits_in_ram(std::uint64_t nbytes) const {
  std::lock_guard<std::recursive_mutex> lock(impl_->mutex);
  return impl_->room() >= nbytes;
}

bool MemoryGovernor::fits_in_ram_beside_cached_tiles(std::uint64_t nbytes) const {
  std::lock_guard<std::recursive_mutex> lock(impl_->mutex);
  return impl_->room_beside_cached_tiles() >= nbytes;
}

std::uint64_t MemoryGovernor::tile_budget(std::uint64_t wanted) {
  std::lock_guard<std::recursive_mutex> lock(impl_->mutex);
  // Tiles the pool already holds count as available to the kernel that asks.
  // Keep them cached while arrays are spilled for the rest: unmapping them here would make every
  // out-of-core call fault its tiles in afresh (slow on a VM that hands idle memory back to its host).
  std::uint64_t room = impl_->room_beside_cached_tiles();
  if (room < wanted) {
    const std::uint64_t cached = BufferPool::instance().cached_bytes();
    impl_->make_room(wanted - std::min(wanted, cached), false, /*keep_pool=*/true);
    room = impl_->room_beside_cached_tiles();
  }
  return std::max(kMinimumTileBudget, std::min(room, wanted));
}

PooledBuffer MemoryGovernor::acquire_tile(std::size_t bytes) {
  BufferPool& pool = BufferPool::instance();
  // A cached block of the right size moves from cached to loaned: the pool does not grow.
  if (PooledBuffer cached = pool.reuse(bytes); cached.data() != nullptr) return cached;
  {
    std::lock_guard<std::recursive_mutex> lock(impl_->mutex);
    // The pool reuses a cached block only for a similar size, so cached blocks of other sizes would pile
    // up beyond the budget: drop enough of them that cached + loaned + this tile fit.
    std::uint64_t committed = impl_->ram_bytes + (pool.held_bytes() - pool.cached_bytes()) + bytes;
    if (committed + pool.cached_bytes() > impl_->limit()) {
      pool.trim(impl_->limit() > committed ? static_cast<std::size_t>(impl_->limit() - committed) : 0);
    }
    std::uint64_t with_tile = impl_->used() + bytes;
    RamBuffer::trim_cache(impl_->limit() > with_tile ? impl_->limit() - with_tile : 0);
  }
  return pool.acquire(bytes);
}

MemoryInfo MemoryGovernor::info() const {
  std::lock_guard<std::recursive_mutex> lock(impl_->mutex);
  MemoryInfo out;
  out.budget = impl_->limit();
  out.ram_bytes = impl_->ram_bytes;
  out.file_bytes = impl_->file_bytes;
  out.scratch_bytes = BufferPool::instance().held_bytes();
  out.recycled_bytes = RamBuffer::cached_bytes();
  out.spills = impl_->spills;
  out.ram_objects = impl_->ram_objects;
  out.file_objects = impl_->file_objects;
  out.default_budget = impl_->default_limit;
  return out;
}

}  // namespace pycauset
