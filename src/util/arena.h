// Arena: a bump allocator for memtable entries. Memory is freed only when the
// arena is destroyed, which is what a memtable needs: entries are never
// removed, and readers may hold pointers into them until the memtable dies.
//
// Invariants: every allocation lives until ~Arena; MemoryUsage() never
// decreases and counts every block the arena holds plus its bookkeeping.
//
// Thread-safety: Allocate* requires external synchronization (the memtable's
// single writer). MemoryUsage() may be called from any thread at any time.

#ifndef STRATA_UTIL_ARENA_H_
#define STRATA_UTIL_ARENA_H_

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

namespace strata {

class Arena {
 public:
  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // Returns bytes of memory with no alignment guarantee.
  char* Allocate(size_t bytes);
  // Returns bytes of memory aligned for any pointer or 64-bit integer.
  char* AllocateAligned(size_t bytes);

  // Bytes the arena holds (allocated blocks plus bookkeeping), approximately.
  size_t MemoryUsage() const { return memory_usage_.load(std::memory_order_relaxed); }

 private:
  static constexpr size_t kBlockSize = 8 * 1024;

  char* AllocateFallback(size_t bytes);
  char* AllocateNewBlock(size_t block_bytes);

  char* alloc_ptr_ = nullptr;
  size_t alloc_bytes_remaining_ = 0;
  std::vector<std::unique_ptr<char[]>> blocks_;
  // Atomic so that other threads may read the usage while the writer
  // allocates; relaxed because it is only an estimate used to pick a moment.
  std::atomic<size_t> memory_usage_{0};
};

inline char* Arena::Allocate(size_t bytes) {
  if (bytes <= alloc_bytes_remaining_) {
    char* result = alloc_ptr_;
    alloc_ptr_ += bytes;
    alloc_bytes_remaining_ -= bytes;
    return result;
  }
  return AllocateFallback(bytes);
}

}  // namespace strata

#endif  // STRATA_UTIL_ARENA_H_
