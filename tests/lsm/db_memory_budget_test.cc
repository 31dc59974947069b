// Tests of Options::memory_budget and a block cache shared between DBs
// (Options::block_cache): the cache, memtable reservation included, stays
// within the budget under writes; memtables are switched and flushed early
// when they reach their share; index and filter blocks live in the cache,
// are evicted and read again correctly (a damaged one is still detected);
// two DBs share one cache without seeing each other's blocks; strata.stats
// reports each part. Ends with a scaled-down copy of the RSS measurement of
// db_memory_budget_stress_test.

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "buffer/lru_cache.h"
#include "db_test_util.h"
#include "lsm/filename.h"
#include "memory_budget_workload.h"
#include "sstable/format.h"
#include "strata/cache.h"
#include "test_util.h"

namespace strata {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

Options BudgetOptions(size_t budget, const std::shared_ptr<Cache>& cache) {
  Options options;
  options.memory_budget = budget;
  options.block_cache = cache;
  return options;
}

// Writes keys [begin, end) with values tagged by `tag`.
void WriteRange(DB* db, uint64_t begin, uint64_t end, const std::string& tag) {
  for (uint64_t i = begin; i < end; i++) {
    ASSERT_TRUE(db->Put(WriteOptions(), test::WorkloadKey(i), tag + test::WorkloadValue(i)).ok());
  }
}

void ExpectRange(DB* db, uint64_t begin, uint64_t end, const std::string& tag) {
  for (uint64_t i = begin; i < end; i++) {
    ASSERT_EQ(tag + test::WorkloadValue(i), test::GetValue(db, test::WorkloadKey(i))) << i;
  }
}

TEST(DBMemoryBudgetTest, OpenChecksTheBudget) {
  test::TempDir dir;
  std::unique_ptr<DB> db;
  Options options;
  options.memory_budget = 1000;
  EXPECT_TRUE(DB::Open(options, dir.path(), &db).IsInvalidArgument());
  options = BudgetOptions(16 * kMiB, NewLRUCache(8 * kMiB));
  EXPECT_TRUE(DB::Open(options, dir.path(), &db).IsInvalidArgument());
  options = BudgetOptions(8 * kMiB, NewLRUCache(8 * kMiB));
  EXPECT_TRUE(DB::Open(options, dir.path(), &db).ok());
}

TEST(DBMemoryBudgetTest, OwnCacheTakesTheBudgetAsCapacity) {
  test::TempDir dir;
  Options options;
  options.memory_budget = 6 * kMiB;
  options.block_cache_size = 64 * kMiB;  // ignored: the budget decides
  std::unique_ptr<DB> db = test::OpenOrDie(options, dir.path());
  std::string stats;
  ASSERT_TRUE(db->GetProperty("strata.stats", &stats));
  EXPECT_NE(std::string::npos, stats.find("capacity              6.00 MiB")) << stats;
}

TEST(DBMemoryBudgetTest, CacheStaysWithinBudgetUnderWrites) {
  test::TempDir dir;
  const size_t budget = 4 * kMiB;
  std::shared_ptr<Cache> cache = NewLRUCache(budget);
  LRUCache* lru = CacheAccess::Get(*cache);
  std::unique_ptr<DB> db = test::OpenOrDie(BudgetOptions(budget, cache), dir.path());
  size_t max_reserved = 0;
  for (uint64_t i = 0; i < 150'000; i++) {
    ASSERT_TRUE(db->Put(WriteOptions(), test::WorkloadKey(i), test::WorkloadValue(i)).ok());
    if (i % 1000 == 0) {
      LRUCache::Stats stats = lru->GetStats();
      ASSERT_LE(stats.usage, budget) << "after " << i << " writes";
      ASSERT_LE(test::IntProperty(db.get(), "strata.approximate-memory-usage"),
                budget / 2 + CacheReservation::kUnit)
          << "after " << i << " writes";
      max_reserved = std::max(max_reserved, stats.reserved);
      // Reads interleaved with the writes fill the cache with data blocks.
      std::string value;
      ASSERT_TRUE(db->Get(ReadOptions(), test::WorkloadKey(i / 2), &value).ok());
    }
  }
  // The memtables did charge the cache, up to about their share.
  EXPECT_GE(max_reserved, budget / 4);
  EXPECT_LE(max_reserved, budget / 2 + CacheReservation::kUnit);
  ASSERT_TRUE(test::WaitForBackgroundWork(db.get()).ok());
  EXPECT_LE(lru->GetStats().usage, budget);
  ASSERT_NO_FATAL_FAILURE(ExpectRange(db.get(), 0, 150'000, ""));
  // Closing gives the reservation and the index and filter blocks back.
  db.reset();
  LRUCache::Stats closed = lru->GetStats();
  EXPECT_EQ(0u, closed.reserved);
  EXPECT_EQ(0u, closed.index_filter_usage);
}

TEST(DBMemoryBudgetTest, BudgetSwitchesMemTablesEarly) {
  test::TempDir with_budget;
  test::TempDir without_budget;
  Options options;  // write_buffer_size: 64 MiB
  std::unique_ptr<DB> plain = test::OpenOrDie(options, without_budget.path());
  options.memory_budget = 4 * kMiB;
  std::unique_ptr<DB> budgeted = test::OpenOrDie(options, with_budget.path());
  // About 6 MiB of memtable: far below write_buffer_size, six times the
  // budget's quarter.
  ASSERT_NO_FATAL_FAILURE(WriteRange(plain.get(), 0, 40'000, ""));
  ASSERT_NO_FATAL_FAILURE(WriteRange(budgeted.get(), 0, 40'000, ""));
  ASSERT_TRUE(test::WaitForBackgroundWork(budgeted.get()).ok());
  EXPECT_EQ(0u, test::StatsCounter(plain.get(), "switches"));
  EXPECT_EQ(0u, test::StatsCounter(plain.get(), "flushes"));
  EXPECT_GE(test::StatsCounter(budgeted.get(), "switches"), 4u);
  EXPECT_GE(test::StatsCounter(budgeted.get(), "flushes"), 4u);
  EXPECT_LE(test::IntProperty(budgeted.get(), "strata.approximate-memory-usage"), 2 * kMiB);
  ASSERT_NO_FATAL_FAILURE(ExpectRange(budgeted.get(), 0, 40'000, ""));
}

// The offset of the index block of table `number` in dir, from its footer.
uint64_t IndexBlockOffset(const std::string& dir, uint64_t number) {
  const std::string contents = test::ReadFileOrDie(TableFileName(dir, number));
  Footer footer;
  EXPECT_TRUE(
      footer.DecodeFrom(std::string_view(contents).substr(contents.size() - Footer::kEncodedLength))
          .ok());
  return footer.index_handle.offset();
}

TEST(DBMemoryBudgetTest, IndexAndFilterBlocksAreEvictedAndReadAgain) {
  test::TempDir dir;
  std::shared_ptr<Cache> cache = NewLRUCache(8 * kMiB);
  LRUCache* lru = CacheAccess::Get(*cache);
  Options options = BudgetOptions(8 * kMiB, cache);
  // The two tables must stay as they are: the reads below would otherwise
  // compact them into one (read-triggered compaction), halving the index
  // and filter bytes read again.
  options.read_triggered_compaction = false;
  options.idle_compaction_ms = 0;  // nor when writes stop
  std::unique_ptr<DB> db = test::OpenOrDie(options, dir.path());
  ASSERT_NO_FATAL_FAILURE(WriteRange(db.get(), 0, 5000, ""));
  ASSERT_TRUE(db->Flush().ok());
  ASSERT_NO_FATAL_FAILURE(WriteRange(db.get(), 5000, 10000, ""));
  ASSERT_TRUE(db->Flush().ok());
  ASSERT_TRUE(test::WaitForBackgroundWork(db.get()).ok());
  ASSERT_NO_FATAL_FAILURE(ExpectRange(db.get(), 0, 10000, ""));
  const size_t loaded = lru->GetStats().index_filter_usage;
  EXPECT_GT(loaded, 0u);

  // Evicted: reads (point and scan) load them again, with the same result.
  lru->Prune();
  EXPECT_EQ(0u, lru->GetStats().index_filter_usage);
  ASSERT_NO_FATAL_FAILURE(ExpectRange(db.get(), 0, 10000, ""));
  EXPECT_EQ(loaded, lru->GetStats().index_filter_usage);
  lru->Prune();
  EXPECT_EQ(10000u, test::ScanAll(db.get()).size());
  EXPECT_GT(lru->GetStats().index_filter_usage, 0u);

  // A damaged index block is caught when it is read again after eviction:
  // Corruption for the keys of that table, never a wrong value.
  std::vector<std::string> tables = test::FileNamesOfType(dir.path(), FileType::kTable);
  ASSERT_FALSE(tables.empty());
  uint64_t number = 0;
  FileType type;
  ASSERT_TRUE(ParseFileName(tables.back(), &number, &type));
  test::XorByteOrDie(TableFileName(dir.path(), number), IndexBlockOffset(dir.path(), number) + 3,
                     0x40);
  lru->Prune();
  int corrupt = 0;
  for (uint64_t i = 0; i < 10000; i += 7) {
    std::string value;
    Status s = db->Get(ReadOptions(), test::WorkloadKey(i), &value);
    if (s.IsCorruption()) {
      corrupt++;
    } else {
      ASSERT_TRUE(s.ok()) << s.ToString();
      EXPECT_EQ(test::WorkloadValue(i), value);
    }
  }
  EXPECT_GT(corrupt, 0);
}

TEST(DBMemoryBudgetTest, TwoDBsShareOneCache) {
  test::TempDir dir_a;
  test::TempDir dir_b;
  std::shared_ptr<Cache> cache = NewLRUCache(16 * kMiB);
  LRUCache* lru = CacheAccess::Get(*cache);
  std::unique_ptr<DB> a = test::OpenOrDie(BudgetOptions(8 * kMiB, cache), dir_a.path());
  std::unique_ptr<DB> b = test::OpenOrDie(BudgetOptions(8 * kMiB, cache), dir_b.path());
  // The same keys in both, with different values, flushed in the same order
  // so the two DBs' tables have the same file numbers.
  ASSERT_NO_FATAL_FAILURE(WriteRange(a.get(), 0, 20'000, "a"));
  ASSERT_NO_FATAL_FAILURE(WriteRange(b.get(), 0, 20'000, "b"));
  ASSERT_TRUE(a->Flush().ok());
  ASSERT_TRUE(b->Flush().ok());
  // Compactions run at a lower priority and may still be running; compare
  // the two trees at rest.
  ASSERT_TRUE(test::WaitForBackgroundWork(a.get()).ok());
  ASSERT_TRUE(test::WaitForBackgroundWork(b.get()).ok());
  EXPECT_EQ(test::FileNamesOfType(dir_a.path(), FileType::kTable),
            test::FileNamesOfType(dir_b.path(), FileType::kTable));
  ASSERT_NO_FATAL_FAILURE(ExpectRange(a.get(), 0, 20'000, "a"));
  ASSERT_NO_FATAL_FAILURE(ExpectRange(b.get(), 0, 20'000, "b"));
  ASSERT_NO_FATAL_FAILURE(ExpectRange(a.get(), 0, 20'000, "a"));
  // The reads may have charged overlapping tables into a read-triggered
  // compaction; let it finish so that closing `a` is the only change below.
  ASSERT_TRUE(test::WaitForBackgroundWork(a.get()).ok());
  ASSERT_TRUE(test::WaitForBackgroundWork(b.get()).ok());
  EXPECT_LE(cache->usage(), cache->capacity());
  EXPECT_EQ(16 * kMiB, cache->capacity());
  const LRUCache::Stats both = lru->GetStats();
  EXPECT_GT(both.hits, 0u);

  // Closing one DB takes its memtable charge and index and filter blocks
  // out of the cache; the other reads on.
  a.reset();
  const LRUCache::Stats after = lru->GetStats();
  EXPECT_LT(after.reserved, both.reserved);
  EXPECT_LT(after.index_filter_usage, both.index_filter_usage);
  ASSERT_NO_FATAL_FAILURE(ExpectRange(b.get(), 0, 20'000, "b"));
}

TEST(DBMemoryBudgetTest, StatsShowTheBudgetAndEachPart) {
  test::TempDir dir;
  std::unique_ptr<DB> db = test::OpenOrDie(BudgetOptions(8 * kMiB, nullptr), dir.path());
  ASSERT_NO_FATAL_FAILURE(WriteRange(db.get(), 0, 10'000, ""));
  ASSERT_TRUE(db->Flush().ok());
  ASSERT_NO_FATAL_FAILURE(WriteRange(db.get(), 10'000, 12'000, ""));
  ASSERT_NO_FATAL_FAILURE(ExpectRange(db.get(), 0, 12'000, ""));
  std::string stats;
  ASSERT_TRUE(db->GetProperty("strata.stats", &stats));
  for (const char* line : {"** Memory **\n", "budget                8.00 MiB\n", "memtables       ",
                           "memtable charge ", "data blocks     ", "index+filter    "}) {
    EXPECT_NE(std::string::npos, stats.find(line)) << line << "\n" << stats;
  }
  const std::string memory = stats.substr(stats.find("** Memory **"));
  // The MiB figure on the memory line that starts with label (padded to 16).
  auto mib = [&](std::string label) {
    label.resize(16, ' ');
    size_t pos = memory.find("\n" + label);
    EXPECT_NE(std::string::npos, pos) << label;
    return pos == std::string::npos ? -1.0 : std::stod(memory.substr(pos + 1 + label.size()));
  };
  EXPECT_GT(mib("memtables"), 0.1);
  EXPECT_GE(mib("memtable charge"), mib("memtables"));
  EXPECT_GT(mib("data blocks"), 0.1);
  EXPECT_GT(mib("index+filter"), 0.0);
  EXPECT_LE(mib("memtable charge") + mib("data blocks") + mib("index+filter"), 8.0);

  test::TempDir plain_dir;
  std::unique_ptr<DB> plain = test::OpenOrDie(Options(), plain_dir.path());
  ASSERT_TRUE(plain->GetProperty("strata.stats", &stats));
  EXPECT_NE(std::string::npos, stats.find("budget                none\n")) << stats;
}

TEST(DBMemoryBudgetTest, PeakRssWithinScaledBudget) {
  test::TempDir dir;
  test::MemoryBudgetWorkload w;
  w.budget = 16 * kMiB;
  w.writes = 300'000;
  w.reads = 30'000;
  test::MemoryBudgetResult r = test::RunMemoryBudgetWorkload(w, dir.path());
  std::printf(
      "budget %zu MiB: peak RSS grew %.1f MiB; cache usage at most %.1f MiB; "
      "memtables at most %.1f MiB\n",
      w.budget >> 20, r.rss_growth / 1048576.0, r.max_cache_usage / 1048576.0,
      r.max_memtable_bytes / 1048576.0);
  EXPECT_EQ(w.writes, r.scanned);
  EXPECT_LE(r.max_cache_usage, w.budget);
  if (test::kRssIsMeaningful) {
    EXPECT_LE(r.rss_growth, w.budget + 16 * kMiB);
  }
}

}  // namespace
}  // namespace strata
