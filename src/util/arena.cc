// Arena block management; see arena.h.

#include "util/arena.h"

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstdint>
#include <new>

#include "util/sanitizers.h"

namespace strata {

Arena::~Arena() {
  for (const Block& block : blocks_) {
    if (block.mapped) {
      ::munmap(block.data, block.size);
    } else {
      delete[] block.data;
    }
  }
}

size_t Arena::NextBlockSize() const {
  return std::clamp(std::bit_floor(MemoryUsage() / 8), kBlockSize, kMaxBlockSize);
}

char* Arena::AllocateFallback(size_t bytes) {
  const size_t block_bytes = NextBlockSize();
  if (bytes > block_bytes / 4) {
    // A large entry gets a block of its own, so the rest of the current block
    // is not wasted.
    return AllocateNewBlock(bytes);
  }
  alloc_ptr_ = AllocateNewBlock(block_bytes);
  alloc_bytes_remaining_ = block_bytes;
  char* result = alloc_ptr_;
  alloc_ptr_ += bytes;
  alloc_bytes_remaining_ -= bytes;
  return result;
}

char* Arena::AllocateAligned(size_t bytes) {
  constexpr size_t kAlign = alignof(std::max_align_t) > 8 ? alignof(std::max_align_t) : 8;
  static_assert((kAlign & (kAlign - 1)) == 0, "alignment must be a power of two");
  size_t misalign = reinterpret_cast<uintptr_t>(alloc_ptr_) & (kAlign - 1);
  size_t slop = misalign == 0 ? 0 : kAlign - misalign;
  size_t needed = bytes + slop;
  char* result;
  if (needed <= alloc_bytes_remaining_) {
    result = alloc_ptr_ + slop;
    alloc_ptr_ += needed;
    alloc_bytes_remaining_ -= needed;
  } else {
    // New blocks come from operator new[], which aligns for max_align_t, or
    // from mmap, which aligns to a page.
    result = AllocateFallback(bytes);
  }
  assert((reinterpret_cast<uintptr_t>(result) & (kAlign - 1)) == 0);
  return result;
}

namespace {

// Under AddressSanitizer every block comes from operator new[], whose ends
// it guards: a write past an entry's block is reported rather than landing
// in the rest of a mapping.
constexpr bool kMapBlocks = !kAddressSanitizer;

}  // namespace

char* Arena::AllocateNewBlock(size_t block_bytes) {
  // Reserved first, so that the push_back below cannot throw once the
  // block is allocated (it would leak).
  if (blocks_.size() == blocks_.capacity()) {
    blocks_.reserve(blocks_.empty() ? 16 : 2 * blocks_.size());
  }
  Block block{nullptr, block_bytes, false};
  if (kMapBlocks && block_bytes >= kMappedBlockSize) {
    // Not zeroed by us (the kernel's pages are), and every byte is written
    // before it is read anyway. MAP_POPULATE faults the block in now.
    void* p = ::mmap(nullptr, block_bytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p != MAP_FAILED) {
      block.data = static_cast<char*>(p);
      block.mapped = true;
    }
  }
  if (block.data == nullptr) {
    // Not zeroed: every byte is written before it is read (the memtable
    // encodes its entries and the skip list its nodes in place).
    block.data = new char[block_bytes];
  }
  blocks_.push_back(block);
  memory_usage_.fetch_add(block_bytes + sizeof(Block), std::memory_order_relaxed);
  return block.data;
}

}  // namespace strata
