// Tests for scan read-ahead through the public API
// (Options::scan_readahead_blocks): scans forward and backward over tables
// of many blocks return exactly what a scan without read-ahead returns,
// while the thread reads blocks ahead (strata.blocks-read-ahead and the
// "read ahead" line of strata.stats); 0 turns it off; a value above 1024 is
// refused at Open.

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "lsm/db_test_util.h"
#include "strata/db.h"
#include "test_util.h"
#include "util/random.h"

namespace strata {
namespace {

using test::IntProperty;
using test::OpenOrDie;
using test::ScanAll;
using test::ScanAllBackward;

class DBReadAheadTest : public testing::Test {
 protected:
  Options MakeOptions(uint32_t readahead_blocks) {
    Options options;
    options.block_size = 1024;
    options.write_buffer_size = 1 << 20;
    options.scan_readahead_blocks = readahead_blocks;
    return options;
  }

  // 20,000 keys of 100-byte values, overwritten in part, in tables.
  void Fill(DB* db) {
    Random rnd(11);
    for (int i = 0; i < 20000; i++) {
      char key[16];
      snprintf(key, sizeof(key), "k%07d", static_cast<int>(rnd.Uniform(25000)));
      std::string value(100, '\0');
      for (char& c : value) c = static_cast<char>('a' + rnd.Uniform(26));
      ASSERT_TRUE(db->Put(WriteOptions(), key, value).ok());
      model_[key] = value;
    }
    ASSERT_TRUE(db->Flush().ok());
  }

  // A forward scan that lets the read-ahead thread finish what it was asked
  // for every 16 entries, so what it reads does not depend on how the
  // machine schedules it.
  std::map<std::string, std::string> SlowScan(DB* db) {
    std::map<std::string, std::string> seen;
    std::unique_ptr<Iterator> it = db->NewIterator(ReadOptions());
    int n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      seen[std::string(it->key())] = std::string(it->value());
      if (++n % 16 == 0) static_cast<DBImpl*>(db)->TEST_WaitForReadAhead();
    }
    EXPECT_TRUE(it->status().ok()) << it->status().ToString();
    return seen;
  }

  test::TempDir dir_;
  std::map<std::string, std::string> model_;
};

TEST_F(DBReadAheadTest, ScansReturnTheSameWithReadAhead) {
  std::unique_ptr<DB> db = OpenOrDie(MakeOptions(32), dir_.Child("db"));
  ASSERT_NO_FATAL_FAILURE(Fill(db.get()));
  EXPECT_EQ(model_, SlowScan(db.get()));
  EXPECT_GT(IntProperty(db.get(), "strata.blocks-read-ahead"), 0u);
  EXPECT_EQ(IntProperty(db.get(), "strata.blocks-read-ahead"),
            test::StatsCounter(db.get(), "read ahead"));
  EXPECT_EQ(model_, ScanAll(db.get()));
  EXPECT_EQ(model_, ScanAllBackward(db.get()));
  // Reopened: the tables alone, read ahead again from a cold cache.
  db.reset();
  db = OpenOrDie(MakeOptions(32), dir_.Child("db"));
  EXPECT_EQ(0u, IntProperty(db.get(), "strata.blocks-read-ahead"));
  EXPECT_EQ(model_, SlowScan(db.get()));
  EXPECT_GT(IntProperty(db.get(), "strata.blocks-read-ahead"), 0u);
}

TEST_F(DBReadAheadTest, ZeroTurnsItOff) {
  std::unique_ptr<DB> db = OpenOrDie(MakeOptions(0), dir_.Child("db"));
  ASSERT_NO_FATAL_FAILURE(Fill(db.get()));
  EXPECT_EQ(model_, SlowScan(db.get()));
  EXPECT_EQ(model_, ScanAllBackward(db.get()));
  EXPECT_EQ(0u, IntProperty(db.get(), "strata.blocks-read-ahead"));
}

TEST_F(DBReadAheadTest, MoreThan1024BlocksIsRefused) {
  std::unique_ptr<DB> db;
  Status s = DB::Open(MakeOptions(1025), dir_.Child("db"), &db);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_TRUE(DB::Open(MakeOptions(1024), dir_.Child("db"), &db).ok());
}

}  // namespace
}  // namespace strata
