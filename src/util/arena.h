// Arena: a bump allocator for memtable entries. Memory is freed only when the
// arena is destroyed, which is what a memtable needs: entries are never
// removed, and readers may hold pointers into them until the memtable dies.
//
// Blocks grow with the arena: kBlockSize while it is small, then an eighth
// of what it already holds (a power of two, up to kMaxBlockSize), so a small
// memtable wastes little and a large one takes few blocks. A block of
// kMappedBlockSize or more is its own anonymous mapping, faulted in whole
// when it is made (one system call instead of one page fault per 4 KiB page
// as entries first touch it); under AddressSanitizer every block comes from
// operator new[], so that its ends stay guarded.
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
#include <vector>

namespace strata {

class Arena {
 public:
  static constexpr size_t kBlockSize = 8 * 1024;
  static constexpr size_t kMaxBlockSize = 1024 * 1024;
  static constexpr size_t kMappedBlockSize = 64 * 1024;

  Arena() = default;
  ~Arena();
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // Returns bytes of memory with no alignment guarantee.
  char* Allocate(size_t bytes);
  // Returns bytes of memory aligned for any pointer or 64-bit integer.
  char* AllocateAligned(size_t bytes);

  // Bytes the arena holds (allocated blocks plus bookkeeping), approximately.
  size_t MemoryUsage() const { return memory_usage_.load(std::memory_order_relaxed); }

 private:
  struct Block {
    char* data;
    size_t size;
    bool mapped;  // an mmap(2) of its own; else from operator new[]
  };

  char* AllocateFallback(size_t bytes);
  char* AllocateNewBlock(size_t block_bytes);
  // The size of the next shared block (see the top of the file).
  size_t NextBlockSize() const;

  char* alloc_ptr_ = nullptr;
  size_t alloc_bytes_remaining_ = 0;
  std::vector<Block> blocks_;
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
