// Arena (src/util/arena.h): every allocation keeps its bytes until the arena
// dies, aligned allocations are aligned, and block growth keeps both a small
// arena's and a large arena's memory close to what was asked for.

#include "util/arena.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <utility>
#include <vector>

namespace strata {
namespace {

TEST(ArenaTest, EveryAllocationKeepsItsBytes) {
  Arena arena;
  std::mt19937 rng(301);
  std::vector<std::pair<char*, size_t>> allocated;
  size_t total = 0;
  // Small and large pieces, across the block sizes from kBlockSize to past
  // kMaxBlockSize (large pieces get blocks of their own).
  while (total < 24 * 1024 * 1024) {
    size_t n = rng() % 16 == 0 ? rng() % 300000 + 1 : rng() % 200 + 1;
    char* p = (rng() % 2 == 0) ? arena.Allocate(n) : arena.AllocateAligned(n);
    std::memset(p, static_cast<int>(allocated.size() % 251), n);
    allocated.emplace_back(p, n);
    total += n;
  }
  for (size_t i = 0; i < allocated.size(); i++) {
    const auto& [p, n] = allocated[i];
    for (size_t j = 0; j < n; j += 997) {
      ASSERT_EQ(static_cast<unsigned char>(p[j]), i % 251) << "allocation " << i << " byte " << j;
    }
    ASSERT_EQ(static_cast<unsigned char>(p[n - 1]), i % 251) << "allocation " << i;
  }
  EXPECT_GE(arena.MemoryUsage(), total);
}

TEST(ArenaTest, AlignedAllocationsAreAligned) {
  Arena arena;
  for (int i = 0; i < 200000; i++) {
    (void)arena.Allocate(static_cast<size_t>(i % 13) + 1);  // leaves the pointer misaligned
    char* p = arena.AllocateAligned(static_cast<size_t>(i % 100) + 1);
    ASSERT_EQ(reinterpret_cast<uintptr_t>(p) % 8, 0u) << i;
  }
}

TEST(ArenaTest, ASmallArenaHoldsOneSmallBlock) {
  Arena arena;
  (void)arena.Allocate(100);
  EXPECT_GE(arena.MemoryUsage(), Arena::kBlockSize);
  EXPECT_LT(arena.MemoryUsage(), Arena::kBlockSize + 1024);
}

TEST(ArenaTest, ALargeArenaWastesLittle) {
  // 64 MiB in 80-byte entries, as a full memtable holds them: the blocks
  // grow to kMaxBlockSize, and what they hold beyond the entries is the
  // tail of the last block at most.
  Arena arena;
  const size_t kEntries = (64u << 20) / 80;
  for (size_t i = 0; i < kEntries; i++) (void)arena.AllocateAligned(80);
  const size_t used = kEntries * 80;
  EXPECT_GE(arena.MemoryUsage(), used);
  EXPECT_LT(arena.MemoryUsage(), used + Arena::kMaxBlockSize + 64 * 1024);
}

TEST(ArenaTest, UsageNeverShrinksAndGrowsInBoundedSteps) {
  // A memtable is rotated when its usage passes the write buffer size: no
  // block may make it jump far past what the arena held (an eighth, or
  // kBlockSize while small).
  Arena arena;
  size_t last = arena.MemoryUsage();
  for (int i = 0; i < 500000; i++) {
    (void)arena.Allocate(64);
    size_t now = arena.MemoryUsage();
    ASSERT_GE(now, last);
    if (now != last) {
      ASSERT_LE(now - last, std::max<size_t>(last / 8, Arena::kBlockSize) + 64) << "at " << last;
    }
    last = now;
  }
}

}  // namespace
}  // namespace strata
