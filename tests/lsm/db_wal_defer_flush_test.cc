// Tests of WriteOptions::defer_wal_flush and DB::FlushWAL through the public
// API: a deferred write is visible at once but its WAL record reaches the OS
// only with FlushWAL, a later non-deferred write, a sync or a memtable
// switch. What "reached the OS" means is checked the way a kill -9 sees it:
// the database directory is copied while the DB stays open (after its
// background work finished, so no file changes under the copy) and the copy
// is opened: it holds exactly the writes whose records had been handed over.
// Deferring only means something for a WAL written with write(2): these
// tests set Options::allow_mmap_writes false, but for the last, which checks
// that through the mapping every record reaches the OS at once.

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "lsm/db_test_util.h"
#include "strata/db.h"
#include "test_util.h"

namespace strata {
namespace {

using test::GetValue;
using test::TempDir;

// Options for a DB whose WAL is written with write(2), where deferring keeps
// records in the process.
Options BufferedWal(Options options = Options()) {
  options.create_if_missing = true;
  options.allow_mmap_writes = false;
  return options;
}

WriteOptions Deferred() {
  WriteOptions options;
  options.defer_wal_flush = true;
  return options;
}

// Opens a copy of the files of `db_path` as the OS holds them now.
std::unique_ptr<DB> OpenCrashImage(DB* db, const std::string& db_path, const TempDir& dir,
                                   const std::string& name) {
  EXPECT_TRUE(test::WaitForBackgroundWork(db).ok());
  std::string image = dir.Child(name);
  std::filesystem::create_directory(image);
  for (const auto& entry : std::filesystem::directory_iterator(db_path)) {
    if (entry.is_regular_file()) {
      std::filesystem::copy_file(entry.path(), image + "/" + entry.path().filename().string());
    }
  }
  return test::OpenOrDie(Options(), image);
}

TEST(DBWalDeferFlushTest, DeferredWriteIsVisibleAndReachesTheOsAtFlushWAL) {
  TempDir dir;
  std::string path = dir.Child("db");
  std::unique_ptr<DB> db = test::OpenOrDie(BufferedWal(), path);
  ASSERT_TRUE(db->Put(WriteOptions(), "a", "1").ok());
  ASSERT_EQ(test::LogFiles(path).size(), 1u);
  std::string log = test::LogFiles(path)[0];
  uint64_t before = test::FileSize(log);

  ASSERT_TRUE(db->Put(Deferred(), "b", "2").ok());
  EXPECT_EQ(GetValue(db.get(), "b"), "2");
  EXPECT_EQ(test::FileSize(log), before);  // still in the process's buffer
  {
    std::unique_ptr<DB> image = OpenCrashImage(db.get(), path, dir, "image1");
    EXPECT_EQ(GetValue(image.get(), "a"), "1");
    EXPECT_EQ(GetValue(image.get(), "b"), "NOT_FOUND");
  }

  ASSERT_TRUE(db->FlushWAL().ok());
  uint64_t flushed = test::FileSize(log);
  EXPECT_GT(flushed, before);
  // Nothing left to flush: no record, no change.
  ASSERT_TRUE(db->FlushWAL().ok());
  EXPECT_EQ(test::FileSize(log), flushed);
  std::unique_ptr<DB> image = OpenCrashImage(db.get(), path, dir, "image2");
  EXPECT_EQ(GetValue(image.get(), "b"), "2");
}

TEST(DBWalDeferFlushTest, PlainAndSyncedWritesCarryEarlierDeferredRecords) {
  TempDir dir;
  std::string path = dir.Child("db");
  std::unique_ptr<DB> db = test::OpenOrDie(BufferedWal(), path);
  ASSERT_TRUE(db->Put(Deferred(), "a", "1").ok());
  ASSERT_TRUE(db->Put(WriteOptions(), "b", "2").ok());
  {
    std::unique_ptr<DB> image = OpenCrashImage(db.get(), path, dir, "image1");
    EXPECT_EQ(GetValue(image.get(), "a"), "1");
    EXPECT_EQ(GetValue(image.get(), "b"), "2");
  }
  ASSERT_TRUE(db->Put(Deferred(), "c", "3").ok());
  WriteOptions sync;
  sync.sync = true;
  sync.defer_wal_flush = true;  // ignored: a synced write is flushed first
  ASSERT_TRUE(db->Put(sync, "d", "4").ok());
  std::unique_ptr<DB> image = OpenCrashImage(db.get(), path, dir, "image2");
  EXPECT_EQ(GetValue(image.get(), "c"), "3");
  EXPECT_EQ(GetValue(image.get(), "d"), "4");
}

TEST(DBWalDeferFlushTest, FlushWALCoversRecordsOfSwitchedMemtables) {
  // 64 KiB memtables: 2,000 deferred writes of 100 bytes switch WALs several
  // times; one FlushWAL at the end must leave every write in the image.
  TempDir dir;
  std::string path = dir.Child("db");
  std::unique_ptr<DB> db = test::OpenOrDie(BufferedWal(test::SmallBufferOptions()), path);
  const std::string value(100, 'v');
  for (int i = 0; i < 2000; i++) {
    ASSERT_TRUE(db->Put(Deferred(), "key" + std::to_string(i), value).ok());
  }
  ASSERT_TRUE(db->FlushWAL().ok());
  std::unique_ptr<DB> image = OpenCrashImage(db.get(), path, dir, "image");
  for (int i = 0; i < 2000; i++) {
    ASSERT_EQ(GetValue(image.get(), "key" + std::to_string(i)), value) << i;
  }
}

TEST(DBWalDeferFlushTest, CloseHandsDeferredRecordsOver) {
  TempDir dir;
  std::string path = dir.Child("db");
  Options options = BufferedWal();
  {
    std::unique_ptr<DB> db = test::OpenOrDie(options, path);
    ASSERT_TRUE(db->Put(Deferred(), "a", "1").ok());
  }
  std::unique_ptr<DB> db = test::OpenOrDie(options, path);
  EXPECT_EQ(GetValue(db.get(), "a"), "1");
}

TEST(DBWalDeferFlushTest, ThroughAMappedWalDeferredRecordsReachTheOsAtOnce) {
  TempDir dir;
  std::string path = dir.Child("db");
  Options options;
  options.create_if_missing = true;
  ASSERT_TRUE(options.allow_mmap_writes);  // the default
  std::unique_ptr<DB> db = test::OpenOrDie(options, path);
  ASSERT_TRUE(db->Put(WriteOptions(), "a", "1").ok());
  ASSERT_TRUE(db->Put(Deferred(), "b", "2").ok());
  std::unique_ptr<DB> image = OpenCrashImage(db.get(), path, dir, "image");
  EXPECT_EQ(GetValue(image.get(), "a"), "1");
  EXPECT_EQ(GetValue(image.get(), "b"), "2");
}

}  // namespace
}  // namespace strata
