// Read-triggered compaction (Options::read_triggered_compaction, LevelDB's
// seek compaction) through the DB: Gets that look in two level-0 tables, and
// iterators whose sampled reads find two tables holding the key's range, use
// up the newer table's ReadBudget, and then level 0 is compacted into the base
// level though it is far below l0_compaction_trigger. Fewer reads than the
// budget, or the option off, leave the tree alone; the data reads the same
// before and after.

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include "lsm/db_test_util.h"
#include "strata/db.h"
#include "test_util.h"

namespace strata {
namespace {

using test::FilesAtLevel;
using test::IntProperty;
using test::OpenOrDie;
using test::TempDir;
using test::WaitForBackgroundWork;

constexpr int kKeys = 2000;

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%06d", i);
  return buf;
}

class DBReadCompactionTest : public ::testing::Test {
 protected:
  DBReadCompactionTest() {
    options_.write_buffer_size = 64 << 20;  // only Flush() makes tables
    options_.compression = kNoCompression;
    // Only reads move tables here: not the writes' pause either.
    options_.idle_compaction_ms = 0;
  }

  // Two level-0 tables over the same key range: even keys in the older,
  // odd keys in the newer. A Get of an even key looks in the newer table
  // first (its filter says no), then in the older one. Small tables: each
  // has ReadBudget's minimum, 100 reads.
  void Build() {
    db_ = OpenOrDie(options_, dir_.path());
    ASSERT_NE(db_, nullptr);
    for (int parity = 0; parity < 2; parity++) {
      for (int i = parity; i < kKeys; i += 2) {
        std::string value = Key(i) + std::string(500, static_cast<char>('a' + i % 26));
        ASSERT_TRUE(db_->Put(Key(i), value).ok());
        model_[Key(i)] = value;
      }
      ASSERT_TRUE(db_->Flush().ok());
    }
    ASSERT_TRUE(WaitForBackgroundWork(db_.get()).ok());
    ASSERT_EQ(FilesAtLevel(db_.get(), 0), 2);
  }

  // Gets n even keys (each looks in both tables), checking each value. Key 0
  // is not one of them: it is below the newer table's range.
  void GetEvenKeys(int n) {
    for (int i = 0; i < n; i++) {
      const std::string key = Key(2 + (2 * i) % (kKeys - 2));
      std::string value;
      ASSERT_TRUE(db_->Get(ReadOptions(), key, &value).ok()) << key;
      ASSERT_EQ(value, model_[key]);
    }
  }

  // Scans everything forward, n times, checking the result each time.
  void Scan(int n) {
    for (int round = 0; round < n; round++) {
      std::map<std::string, std::string> seen = test::ScanAll(db_.get());
      ASSERT_EQ(seen, model_) << "round " << round;
    }
  }

  TempDir dir_;
  Options options_;
  std::unique_ptr<DB> db_;
  std::map<std::string, std::string> model_;
};

TEST_F(DBReadCompactionTest, GetsThatLookInTwoTablesCompactLevelZero) {
  Build();
  GetEvenKeys(99);  // one short of the newer table's budget
  ASSERT_TRUE(WaitForBackgroundWork(db_.get()).ok());
  EXPECT_EQ(FilesAtLevel(db_.get(), 0), 2);

  GetEvenKeys(1);
  ASSERT_TRUE(WaitForBackgroundWork(db_.get()).ok());
  EXPECT_EQ(FilesAtLevel(db_.get(), 0), 0);
  EXPECT_GE(FilesAtLevel(db_.get(), 6), 1);
  EXPECT_EQ(test::ScanAll(db_.get()), model_);
  GetEvenKeys(kKeys / 2);
}

TEST_F(DBReadCompactionTest, GetsOfKeysInOneTableChargeNothing) {
  Build();
  // Keys below the range of both tables, and odd keys (found in the newer
  // table, the first one looked in), look in at most one table.
  for (int i = 0; i < 300; i++) {
    std::string value;
    EXPECT_TRUE(db_->Get(ReadOptions(), "a" + std::to_string(i), &value).IsNotFound());
    ASSERT_TRUE(db_->Get(ReadOptions(), Key((2 * i + 1) % kKeys), &value).ok());
  }
  ASSERT_TRUE(WaitForBackgroundWork(db_.get()).ok());
  EXPECT_EQ(FilesAtLevel(db_.get(), 0), 2);
}

TEST_F(DBReadCompactionTest, ScansThatMeetTwoTablesCompactLevelZero) {
  Build();
  // About 1 MiB per scan, so a sample or so per scan: 100 samples use the
  // newer table's budget up well within 400 scans.
  for (int round = 0; round < 400 && FilesAtLevel(db_.get(), 0) != 0; round++) {
    Scan(1);
    ASSERT_TRUE(WaitForBackgroundWork(db_.get()).ok());
  }
  EXPECT_EQ(FilesAtLevel(db_.get(), 0), 0);
  Scan(1);
}

TEST_F(DBReadCompactionTest, OptionOffLeavesTheTreeAlone) {
  options_.read_triggered_compaction = false;
  Build();
  GetEvenKeys(1000);
  Scan(200);
  ASSERT_TRUE(WaitForBackgroundWork(db_.get()).ok());
  EXPECT_EQ(FilesAtLevel(db_.get(), 0), 2);
}

TEST_F(DBReadCompactionTest, BudgetStartsOverWhenTheDatabaseIsReopened) {
  Build();
  GetEvenKeys(60);
  db_.reset();
  db_ = OpenOrDie(options_, dir_.path());
  ASSERT_NE(db_, nullptr);
  GetEvenKeys(60);  // 120 in all, but only 60 since the reopen
  ASSERT_TRUE(WaitForBackgroundWork(db_.get()).ok());
  EXPECT_EQ(FilesAtLevel(db_.get(), 0), 2);
  GetEvenKeys(40);
  ASSERT_TRUE(WaitForBackgroundWork(db_.get()).ok());
  EXPECT_EQ(FilesAtLevel(db_.get(), 0), 0);
}

}  // namespace
}  // namespace strata
