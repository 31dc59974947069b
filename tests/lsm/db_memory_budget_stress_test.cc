// Issue 16's measurement of Options::memory_budget: with a 96 MiB budget and
// otherwise default options, 3M random writes of 16-byte keys and 120-byte
// values, 300k random reads and a full scan grow the process's peak RSS
// (VmHWM) by at most the budget plus 32 MiB, and the block cache, memtable
// reservation included, never holds more than the budget when sampled.
// Labelled stress (tens of seconds); db_memory_budget_test runs a scaled-down
// copy with every test run.

#include <gtest/gtest.h>

#include <cstdio>

#include "memory_budget_workload.h"
#include "test_util.h"

namespace strata {
namespace {

TEST(DBMemoryBudgetStressTest, PeakRssWithinBudgetPlus32MiB) {
  test::TempDir dir;
  test::MemoryBudgetWorkload w;
  w.budget = size_t{96} << 20;
  w.writes = 3'000'000;
  w.reads = 300'000;
  test::MemoryBudgetResult r = test::RunMemoryBudgetWorkload(w, dir.path());
  std::printf(
      "budget %zu MiB: peak RSS grew %.1f MiB; cache usage at most %.1f MiB; "
      "memtables at most %.1f MiB; %llu keys scanned\n",
      w.budget >> 20, r.rss_growth / 1048576.0, r.max_cache_usage / 1048576.0,
      r.max_memtable_bytes / 1048576.0, static_cast<unsigned long long>(r.scanned));
  EXPECT_EQ(w.writes, r.scanned);
  EXPECT_LE(r.max_cache_usage, w.budget);
  EXPECT_LE(r.max_memtable_bytes, w.budget / 2 + (size_t{2} << 20));
  if (test::kRssIsMeaningful) {
    EXPECT_LE(r.rss_growth, w.budget + (uint64_t{32} << 20));
  }
}

}  // namespace
}  // namespace strata
