// The memory-budget workload shared by db_memory_budget_test (a scaled-down
// run in the normal test suite) and db_memory_budget_stress_test (issue 16's
// measurement): random writes of 16-byte keys and 120-byte values, random
// reads of written keys, then a full scan, into a DB with a memory budget,
// measuring how much the process's peak resident set (VmHWM) grew.
//
// Header-only, because each tests/**/*_test.cc is its own executable.
//
// Thread-safety: RunMemoryBudgetWorkload drives one DB from the calling
// thread; VmHWM is process-wide, so run it alone in its process (CTest runs
// each test in a process of its own).

#ifndef STRATA_TESTS_LSM_MEMORY_BUDGET_WORKLOAD_H_
#define STRATA_TESTS_LSM_MEMORY_BUDGET_WORKLOAD_H_

#include <gtest/gtest.h>

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "buffer/lru_cache.h"
#include "strata/cache.h"
#include "strata/db.h"
#include "strata/iterator.h"
#include "util/sanitizers.h"

namespace strata::test {

// Sanitizers keep shadow memory and freed blocks in quarantine, so resident
// memory measures them, not the engine: the RSS bound is checked only in
// builds without them (the rest of the workload still runs).
inline constexpr bool kRssIsMeaningful = !kAnySanitizer;

// The process's peak resident set size in bytes (VmHWM in
// /proc/self/status); 0 if it cannot be read.
inline uint64_t PeakRssBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    uint64_t kib = 0;
    if (std::sscanf(line.c_str(), "VmHWM: %" SCNu64 " kB", &kib) == 1) return kib << 10;
  }
  return 0;
}

struct MemoryBudgetWorkload {
  size_t budget = 0;
  uint64_t writes = 0;
  uint64_t reads = 0;
};

struct MemoryBudgetResult {
  uint64_t rss_growth = 0;        // VmHWM at the end minus VmHWM at the start
  size_t max_cache_usage = 0;     // largest block cache usage sampled, reservations included
  size_t max_memtable_bytes = 0;  // largest "strata.approximate-memory-usage" sampled
  uint64_t scanned = 0;           // keys the full scan saw
};

// Key i: 16 hex digits of a 64-bit mix of i, so keys arrive in random order.
inline std::string WorkloadKey(uint64_t i) {
  uint64_t z = i + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016" PRIx64, z);
  return std::string(buf, 16);
}

// 120 bytes that depend on i, varied enough that LZ4 barely shrinks them.
inline std::string WorkloadValue(uint64_t i) {
  std::string value(120, '\0');
  uint64_t x = i * 0x2545f4914f6cdd1dULL + 1;
  for (char& c : value) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>('!' + x % 90);
  }
  return value;
}

// Runs the workload in dir and returns what it measured; every read must
// find its value and the scan every key (checked with gtest assertions).
inline MemoryBudgetResult RunMemoryBudgetWorkload(const MemoryBudgetWorkload& w,
                                                  const std::string& dir) {
  MemoryBudgetResult result;
  const uint64_t rss_before = PeakRssBytes();
  std::shared_ptr<Cache> cache = NewLRUCache(w.budget);
  LRUCache* lru = CacheAccess::Get(*cache);
  {
    Options options;
    options.memory_budget = w.budget;
    options.block_cache = cache;
    std::unique_ptr<DB> db;
    Status s = DB::Open(options, dir, &db);
    EXPECT_TRUE(s.ok()) << s.ToString();
    if (!s.ok()) return result;
    auto sample = [&] {
      result.max_cache_usage = std::max(result.max_cache_usage, lru->GetStats().usage);
      std::string value;
      if (db->GetProperty("strata.approximate-memory-usage", &value)) {
        result.max_memtable_bytes = std::max<size_t>(result.max_memtable_bytes, std::stoull(value));
      }
    };
    for (uint64_t i = 0; i < w.writes; i++) {
      s = db->Put(WriteOptions(), WorkloadKey(i), WorkloadValue(i));
      if (!s.ok()) {
        ADD_FAILURE() << "Put " << i << ": " << s.ToString();
        return result;
      }
      if (i % 4096 == 0) sample();
    }
    uint64_t x = 88172645463325252ULL;
    for (uint64_t r = 0; r < w.reads; r++) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      const uint64_t i = x % w.writes;
      std::string value;
      s = db->Get(ReadOptions(), WorkloadKey(i), &value);
      if (!s.ok() || value != WorkloadValue(i)) {
        ADD_FAILURE() << "Get " << i << ": " << s.ToString();
        return result;
      }
      if (r % 4096 == 0) sample();
    }
    std::unique_ptr<Iterator> it = db->NewIterator(ReadOptions());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (++result.scanned % 65536 == 0) sample();
    }
    EXPECT_TRUE(it->status().ok()) << it->status().ToString();
    it.reset();
    sample();
    std::string stats;
    EXPECT_TRUE(db->GetProperty("strata.stats", &stats));
    std::printf("%s", stats.c_str());
  }
  result.rss_growth = PeakRssBytes() - rss_before;
  return result;
}

}  // namespace strata::test

#endif  // STRATA_TESTS_LSM_MEMORY_BUDGET_WORKLOAD_H_
