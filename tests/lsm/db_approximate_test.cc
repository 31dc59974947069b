// Tests of DB::GetApproximateSizes through the DB interface: the bytes of
// table data a key range covers, measured against the table files' actual
// sizes, with and without the memtables; and of Open refusing a LevelDB
// directory with a message that says so.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <string>

#include "db_test_util.h"
#include "strata/db.h"
#include "test_util.h"

namespace strata::test {
namespace {

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%06d", i);
  return buf;
}

// Values that do not compress, so table bytes track value bytes.
std::string Value(int i) {
  std::string v(1000, '\0');
  uint32_t x = static_cast<uint32_t>(i) * 2654435761u + 1;
  for (char& c : v) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>(x >> 24);
  }
  return v;
}

class DBApproximateSizesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Options options = SmallBufferOptions();
    db_ = OpenOrDie(options, dir_.Child("db"));
    ASSERT_NE(db_, nullptr);
  }
  uint64_t Size(std::string_view start, std::string_view limit, bool include_memtables = false) {
    Range r{start, limit};
    uint64_t size = 12345;
    Status s = db_->GetApproximateSizes(&r, 1, include_memtables, &size);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return size;
  }
  TempDir dir_;
  std::unique_ptr<DB> db_;
};

constexpr int kKeys = 2000;  // about 2 MB of values

TEST_F(DBApproximateSizesTest, EmptyDatabaseAndEmptyRangesAreZero) {
  EXPECT_EQ(Size("a", "z"), 0u);
  EXPECT_EQ(Size("a", "z", true), 0u);
  ASSERT_TRUE(db_->Put("m", "v").ok());
  EXPECT_EQ(Size("a", "z"), 0u);  // in the memtable only
  EXPECT_GT(Size("a", "z", true), 0u);
  EXPECT_EQ(Size("z", "a", true), 0u);  // limit before start
  EXPECT_EQ(Size("m", "m", true), 0u);  // [m, m) is empty
  EXPECT_TRUE(db_->GetApproximateSizes(nullptr, -1, nullptr).IsInvalidArgument());
  EXPECT_TRUE(db_->GetApproximateSizes(nullptr, 0, nullptr).ok());
}

TEST_F(DBApproximateSizesTest, TablesAgainstTheirFileSizes) {
  for (int i = 0; i < kKeys; i++) ASSERT_TRUE(db_->Put(Key(i), Value(i)).ok());
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  ASSERT_TRUE(WaitForBackgroundWork(db_.get()).ok());

  const uint64_t data = uint64_t{kKeys} * 1000;
  uint64_t all = Size("", "\xff");
  EXPECT_GE(all, data);  // the values do not compress
  EXPECT_LE(all, data * 11 / 10);

  // Ranges split where the keys are: each part about its share, the parts
  // adding up to the whole (block granularity: 4 KiB per table end).
  uint64_t first_quarter = Size(Key(0), Key(kKeys / 4));
  uint64_t rest = Size(Key(kKeys / 4), "\xff");
  EXPECT_NEAR(static_cast<double>(first_quarter), data / 4.0, data * 0.05);
  EXPECT_NEAR(static_cast<double>(rest), data * 3 / 4.0, data * 0.05);
  EXPECT_NEAR(static_cast<double>(first_quarter + rest), static_cast<double>(all), 64 << 10);

  // Outside every key: nothing.
  EXPECT_EQ(Size("a", "b"), 0u);
  EXPECT_EQ(Size("zzz", "zzzz"), 0u);

  // Several ranges in one call give what one call each gives.
  // Range holds views: the keys must outlive it.
  const std::string first = Key(0), quarter = Key(kKeys / 4);
  Range ranges[] = {{first, quarter}, {"a", "b"}, {"", "\xff"}};
  uint64_t sizes[3];
  ASSERT_TRUE(db_->GetApproximateSizes(ranges, 3, sizes).ok());
  EXPECT_EQ(sizes[0], first_quarter);
  EXPECT_EQ(sizes[1], 0u);
  EXPECT_EQ(sizes[2], all);
}

TEST_F(DBApproximateSizesTest, MemtablesCountedWhenAsked) {
  for (int i = 0; i < 20; i++) ASSERT_TRUE(db_->Put(Key(i), Value(i)).ok());
  // 20 entries of a 9-byte key, 8-byte trailer and 1000-byte value.
  EXPECT_EQ(Size(Key(0), Key(20), true), 20u * (9 + 8 + 1000));
  EXPECT_EQ(Size(Key(0), Key(10), true), 10u * (9 + 8 + 1000));
  EXPECT_EQ(Size(Key(0), Key(20), false), 0u);
}

TEST(DBOpenLevelDBTest, LevelDBDirectoryFailsWithAClearError) {
  TempDir dir;
  std::string db = dir.Child("leveldb");
  ASSERT_EQ(::mkdir(db.c_str(), 0755), 0);
  // What LevelDB 1.23 leaves in a directory: CURRENT, a MANIFEST, a WAL, the
  // LOG and .ldb tables.
  WriteFileOrDie(db + "/CURRENT", "MANIFEST-000002\n");
  WriteFileOrDie(db + "/MANIFEST-000002", std::string(64, '\x01'));
  WriteFileOrDie(db + "/000003.log", "");
  WriteFileOrDie(db + "/000005.ldb", std::string(100, 'x'));
  WriteFileOrDie(db + "/LOG", "leveldb info log\n");
  std::unique_ptr<DB> handle;
  Status s = DB::Open(Options(), db, &handle);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.ToString().find("LevelDB"), std::string::npos) << s.ToString();
  // Nothing was written into it.
  EXPECT_EQ(ReadFileOrDie(db + "/CURRENT"), "MANIFEST-000002\n");
}

}  // namespace
}  // namespace strata::test
