// A compaction filter that reads the DB it filters (compaction_filter.h:
// reads are allowed, writes are not): during a flush and a compaction it
// calls Get and NewIterator on the same DB, deciding from what they return,
// while another thread keeps writing. The tests finish (no deadlock) and the
// decisions follow the reads.
//
// Small sizes keep each test well under a second.

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "lsm/db_test_util.h"
#include "strata/compaction_filter.h"
#include "strata/db.h"
#include "test_util.h"

namespace strata {
namespace {

using test::GetValue;
using test::OpenOrDie;
using test::TempDir;
using test::WaitForBackgroundWork;

// Removes "data:<name>" when "live:<name>" is missing from the DB (read with
// Get), and counts the "live:" keys with an iterator once per call.
class ReadingFilter : public CompactionFilter {
 public:
  const char* Name() const override { return "test.ReadingFilter"; }

  Decision Filter(const Context& /*context*/, std::string_view key, std::string_view /*value*/,
                  std::string* /*new_value*/) const override {
    DB* db = db_.load();
    if (db == nullptr || !key.starts_with("data:")) return Decision::kKeep;
    std::string value;
    Status s = db->Get(ReadOptions(), "live:" + std::string(key.substr(5)), &value);
    std::unique_ptr<Iterator> it = db->NewIterator(ReadOptions());
    it->Seek("live:");
    if (it->Valid() && it->key().starts_with("live:")) iterator_reads_.fetch_add(1);
    calls_.fetch_add(1);
    return s.IsNotFound() ? Decision::kRemove : Decision::kKeep;
  }

  std::atomic<DB*> db_{nullptr};
  mutable std::atomic<int> calls_{0};
  mutable std::atomic<int> iterator_reads_{0};
};

Options SmallOptions(const CompactionFilter* filter, bool at_flush) {
  Options options;
  options.write_buffer_size = 64 << 10;
  options.target_file_size = 64 << 10;
  options.max_bytes_for_level_base = 64 << 10;
  options.compression = kNoCompression;
  options.compaction_filter = filter;
  options.compaction_filter_at_flush = at_flush;
  return options;
}

std::string Name(int i) { return std::to_string(1000 + i); }

// Writes data:i for i < n, and live:i for the even i.
void Fill(DB* db, int n) {
  for (int i = 0; i < n; i++) {
    ASSERT_TRUE(db->Put(WriteOptions(), "data:" + Name(i), std::string(100, 'v')).ok());
    if (i % 2 == 0) {
      ASSERT_TRUE(db->Put(WriteOptions(), "live:" + Name(i), "1").ok());
    }
  }
}

// Another thread's writes while the filter runs.
class BackgroundWriter {
 public:
  explicit BackgroundWriter(DB* db)
      : thread_([this, db] {
          for (int i = 0; !stop_.load(); i++) {
            if (!db->Put(WriteOptions(), "other:" + std::to_string(i % 500), "x").ok()) return;
          }
        }) {}
  ~BackgroundWriter() {
    stop_.store(true);
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(DBCompactionFilterReadsTest, FilterReadsDuringFlush) {
  TempDir dir;
  ReadingFilter filter;
  std::unique_ptr<DB> db = OpenOrDie(SmallOptions(&filter, true), dir.path());
  filter.db_.store(db.get());
  Fill(db.get(), 200);
  {
    BackgroundWriter writer(db.get());
    ASSERT_TRUE(db->Flush().ok());
  }
  ASSERT_TRUE(WaitForBackgroundWork(db.get()).ok());
  EXPECT_GT(filter.calls_.load(), 0);
  EXPECT_GT(filter.iterator_reads_.load(), 0);
  EXPECT_EQ(GetValue(db.get(), "data:" + Name(0)), std::string(100, 'v'));
  EXPECT_EQ(GetValue(db.get(), "data:" + Name(1)), "NOT_FOUND");
  filter.db_.store(nullptr);
}

TEST(DBCompactionFilterReadsTest, FilterReadsDuringCompaction) {
  TempDir dir;
  ReadingFilter filter;
  std::unique_ptr<DB> db = OpenOrDie(SmallOptions(&filter, false), dir.path());
  Fill(db.get(), 2000);  // several flushes and background compactions
  ASSERT_TRUE(db->Flush().ok());
  EXPECT_EQ(GetValue(db.get(), "data:" + Name(1)), std::string(100, 'v'));
  // From now on the filter reads: "live:" keys deleted after the data was
  // written decide, as the filter sees the DB as of now.
  ASSERT_TRUE(db->Delete(WriteOptions(), "live:" + Name(2)).ok());
  filter.db_.store(db.get());
  {
    BackgroundWriter writer(db.get());
    ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  }
  ASSERT_TRUE(WaitForBackgroundWork(db.get()).ok());
  EXPECT_GT(filter.calls_.load(), 0);
  EXPECT_EQ(GetValue(db.get(), "data:" + Name(0)), std::string(100, 'v'));
  EXPECT_EQ(GetValue(db.get(), "data:" + Name(1)), "NOT_FOUND");
  EXPECT_EQ(GetValue(db.get(), "data:" + Name(2)), "NOT_FOUND");
  EXPECT_EQ(GetValue(db.get(), "data:" + Name(1998)), std::string(100, 'v'));
  EXPECT_EQ(GetValue(db.get(), "data:" + Name(1999)), "NOT_FOUND");
  filter.db_.store(nullptr);
}

}  // namespace
}  // namespace strata
