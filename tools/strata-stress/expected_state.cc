// ExpectedState; see expected_state.h. File layout (host byte order; the
// file never leaves the machine that ran the test):
//   Header                       4096 bytes
//   BatchSlot[kMaxThreads]
//   uint64_t word[num_keys]      committed | pending << 32
//   uint32_t next_generation[num_keys]

#include "expected_state.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cerrno>
#include <cstring>

namespace strata::stress {
namespace {

constexpr uint64_t kMagic = 0x5354524553535354ULL;  // "TSSSERTS"
constexpr uint32_t kVersion = 2;                    // 2: DeleteRange counters, 20-key batch slots
constexpr uint32_t kPendingBit = 0x80000000u;
constexpr size_t kHeaderBytes = 4096;

static_assert(std::atomic_ref<uint64_t>::is_always_lock_free,
              "a kill must never tear a key's word");

template <typename T>
T Load(const T& field) {
  return std::atomic_ref<T>(const_cast<T&>(field)).load(std::memory_order_acquire);
}

template <typename T>
void Store(T& field, T value) {
  std::atomic_ref<T>(field).store(value, std::memory_order_release);
}

Status Errno(const std::string& what, const std::string& path) {
  return Status::IOError(path, what + ": " + std::strerror(errno));
}

}  // namespace

struct ExpectedState::Header {
  uint64_t magic;
  uint32_t version;
  uint32_t num_keys;
  uint32_t phase;
  uint32_t padding;
  uint64_t counters[kNumCounters];
};

struct ExpectedState::BatchSlot {
  uint32_t count;  // 0: no batch in flight; written after the keys
  uint32_t padding;
  BatchKey keys[kMaxBatchKeys];
};

std::string DescribeState(KeyState s) {
  return Exists(s) ? "gen " + std::to_string(Generation(s)) : "absent";
}

Status ExpectedState::Open(const std::string& path, uint32_t num_keys,
                           std::unique_ptr<ExpectedState>* state) {
  static_assert(sizeof(Header) <= kHeaderBytes);
  size_t size = kHeaderBytes + sizeof(BatchSlot) * kMaxThreads +
                (sizeof(uint64_t) + sizeof(uint32_t)) * size_t{num_keys};
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("open", path);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    close(fd);
    return Errno("fstat", path);
  }
  bool fresh = st.st_size == 0;
  if (fresh && ftruncate(fd, static_cast<off_t>(size)) != 0) {
    close(fd);
    return Errno("ftruncate", path);
  }
  if (!fresh && static_cast<size_t>(st.st_size) != size) {
    close(fd);
    return Status::InvalidArgument(path, "state file made for another number of keys");
  }
  void* base = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);  // the mapping keeps the file
  if (base == MAP_FAILED) return Errno("mmap", path);
  auto* header = static_cast<Header*>(base);
  if (fresh) {
    header->version = kVersion;
    header->num_keys = num_keys;
    Store(header->magic, kMagic);  // last: a file without it is not a state file
  } else if (Load(header->magic) != kMagic || header->version != kVersion ||
             header->num_keys != num_keys) {
    munmap(base, size);
    return Status::InvalidArgument(path, "not a state file for this number of keys");
  }
  state->reset(new ExpectedState(base, size, num_keys));
  return Status::OK();
}

ExpectedState::ExpectedState(void* base, size_t size, uint32_t num_keys)
    : base_(base),
      size_(size),
      num_keys_(num_keys),
      header_(static_cast<Header*>(base)),
      slots_(reinterpret_cast<BatchSlot*>(static_cast<char*>(base) + kHeaderBytes)),
      words_(reinterpret_cast<uint64_t*>(slots_ + kMaxThreads)),
      next_generation_(reinterpret_cast<uint32_t*>(words_ + num_keys)) {}

ExpectedState::~ExpectedState() { munmap(base_, size_); }

uint64_t* ExpectedState::Word(uint32_t key) const {
  assert(key < num_keys_);
  return &words_[key];
}

KeyState ExpectedState::Committed(uint32_t key) const {
  return static_cast<uint32_t>(Load(*Word(key)));
}

bool ExpectedState::Pending(uint32_t key, KeyState* new_state) const {
  uint32_t pending = static_cast<uint32_t>(Load(*Word(key)) >> 32);
  if ((pending & kPendingBit) == 0) return false;
  *new_state = pending & ~kPendingBit;
  return true;
}

uint32_t ExpectedState::NextGeneration(uint32_t key) {
  uint32_t& next = next_generation_[key];
  uint32_t generation = std::max(Load(next), Generation(Committed(key))) + 1;
  Store(next, generation);
  return generation;
}

void ExpectedState::BeginWrite(uint32_t key, KeyState new_state) {
  uint64_t committed = Committed(key);
  Store(*Word(key), committed | (uint64_t{kPendingBit | new_state} << 32));
}

void ExpectedState::Commit(uint32_t key) {
  KeyState new_state;
  bool pending = Pending(key, &new_state);
  assert(pending);
  if (pending) Store(*Word(key), uint64_t{new_state});
}

void ExpectedState::Resolve(uint32_t key, KeyState state) { Store(*Word(key), uint64_t{state}); }

void ExpectedState::BeginBatch(int slot, const BatchKey* keys, int count) {
  assert(slot < kMaxThreads && count <= kMaxBatchKeys);
  std::memcpy(slots_[slot].keys, keys, sizeof(BatchKey) * count);
  Store(slots_[slot].count, static_cast<uint32_t>(count));
}

void ExpectedState::EndBatch(int slot) { Store(slots_[slot].count, 0u); }

int ExpectedState::Batch(int slot, BatchKey* keys) const {
  uint32_t count = Load(slots_[slot].count);
  std::memcpy(keys, slots_[slot].keys, sizeof(BatchKey) * count);
  return static_cast<int>(count);
}

void ExpectedState::Add(Counter counter, uint64_t n) {
  std::atomic_ref<uint64_t>(header_->counters[counter]).fetch_add(n, std::memory_order_relaxed);
}

uint64_t ExpectedState::Count(Counter counter) const { return Load(header_->counters[counter]); }

void ExpectedState::SetPhase(Phase phase) { Store(header_->phase, static_cast<uint32_t>(phase)); }

Phase ExpectedState::phase() const { return static_cast<Phase>(Load(header_->phase)); }

}  // namespace strata::stress
