// Idle compaction (Options::idle_compaction_ms) through the DB: once no write
// has come for the interval, the background thread moves what is above the
// bottom level down until only the bottom level holds data; writes that keep
// coming postpone it; 0 turns it off; and it spends only what this process's
// flushes earned (ten times their bytes), so a database reopened and never
// written is left as it is. The data reads the same throughout and after a
// reopen. Named a concurrency test so the TSan build runs it: the background
// thread compacts while the test writes and reads.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "lsm/db_test_util.h"
#include "strata/db.h"
#include "test_util.h"

namespace strata {
namespace {

using test::IntProperty;
using test::OpenOrDie;
using test::TempDir;
using test::WaitForBackgroundWork;

constexpr int kBottom = kNumLevels - 1;

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%06d", i);
  return buf;
}

class DBIdleCompactionTest : public ::testing::Test {
 protected:
  DBIdleCompactionTest() {
    options_.write_buffer_size = test::kMinWriteBuffer;  // many flushes
    options_.compression = kNoCompression;
    options_.idle_flush_ms = 0;  // only the test's Flush() ends the last memtable
    options_.idle_compaction_ms = 100;
  }

  void Open() {
    db_.reset();
    db_ = OpenOrDie(options_, dir_.path());
    ASSERT_NE(db_, nullptr);
  }

  int FilesAtLevel(int level) { return test::FilesAtLevel(db_.get(), level); }
  int FilesAboveBottom() {
    int n = 0;
    for (int level = 0; level < kBottom; level++) n += FilesAtLevel(level);
    return n;
  }
  uint64_t IdleCompactions() { return IntProperty(db_.get(), "strata.idle-compactions"); }

  void Put(const std::string& key, const std::string& value) {
    ASSERT_TRUE(db_->Put(WriteOptions(), key, value).ok());
    model_[key] = value;
  }

  // About 1.2 MB in scattered order, some keys twice, all compacted into
  // the bottom level; then every tenth key updated and flushed: one table
  // in level 0, over the whole key range, that nothing but an idle
  // compaction will move (level 0 is far below its trigger, and no read has
  // charged any table, so no read-triggered compaction either).
  void WriteTree() {
    for (int round = 0; round < 2; round++) {
      for (int i = 0; i < 3000; i++) {
        const int k = (i * 7919) % (round == 0 ? 4000 : 2000);
        Put(Key(k), std::string(300, static_cast<char>('a' + (k + round) % 26)));
      }
    }
    ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
    ASSERT_EQ(FilesAboveBottom(), 0);
    for (int k = 0; k < 4000; k += 10) Put(Key(k), "u");  // ~8 KB: one memtable
    ASSERT_TRUE(db_->Flush().ok());
    ASSERT_TRUE(WaitForBackgroundWork(db_.get()).ok());
  }

  // Waits up to 30 s for only the bottom level to hold tables.
  bool WaitForBottomOnly() {
    for (int i = 0; i < 3000; i++) {
      if (FilesAboveBottom() == 0) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  TempDir dir_;
  Options options_;
  std::unique_ptr<DB> db_;
  std::map<std::string, std::string> model_;
};

TEST_F(DBIdleCompactionTest, AnIdleDatabaseEndsInTheBottomLevel) {
  Open();
  ASSERT_NO_FATAL_FAILURE(WriteTree());
  ASSERT_TRUE(WaitForBottomOnly())
      << "still " << FilesAboveBottom() << " files above level " << kBottom;
  EXPECT_GE(FilesAtLevel(kBottom), 1);
  EXPECT_GE(IdleCompactions(), 1u);
  EXPECT_EQ(test::StatsCounter(db_.get(), "idle compactions"), IdleCompactions());
  EXPECT_EQ(test::ScanAll(db_.get()), model_);

  // Nothing left to do: no more of them, however long the wait.
  const uint64_t done = IdleCompactions();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(IdleCompactions(), done);

  Open();
  EXPECT_EQ(FilesAboveBottom(), 0);
  EXPECT_EQ(test::ScanAll(db_.get()), model_);
  EXPECT_EQ(test::ScanAllBackward(db_.get()), model_);
}

TEST_F(DBIdleCompactionTest, ZeroTurnsItOff) {
  options_.idle_compaction_ms = 0;
  Open();
  ASSERT_NO_FATAL_FAILURE(WriteTree());
  const int above = FilesAboveBottom();
  ASSERT_GE(FilesAtLevel(0), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  EXPECT_EQ(FilesAboveBottom(), above);
  EXPECT_EQ(IdleCompactions(), 0u);
  EXPECT_EQ(test::ScanAll(db_.get()), model_);
}

TEST_F(DBIdleCompactionTest, WritesThatKeepComingPostponeIt) {
  options_.idle_compaction_ms = 1000;
  Open();
  ASSERT_NO_FATAL_FAILURE(WriteTree());
  ASSERT_GE(FilesAtLevel(0), 1);
  // A write every 50 ms for 3 s: never a whole interval without one.
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  int i = 0;
  while (std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    Put(Key(5000 + i++), "x");
    ASSERT_EQ(IdleCompactions(), 0u);
  }
  ASSERT_GE(FilesAtLevel(0), 1);
  // Once they stop, it comes.
  ASSERT_TRUE(WaitForBottomOnly());
  EXPECT_GE(IdleCompactions(), 1u);
  EXPECT_EQ(test::ScanAll(db_.get()), model_);
}

TEST_F(DBIdleCompactionTest, OnlyWhatThisProcessFlushedPaysForIt) {
  options_.idle_compaction_ms = 0;
  Open();
  ASSERT_NO_FATAL_FAILURE(WriteTree());
  const int above = FilesAboveBottom();
  ASSERT_GE(FilesAtLevel(0), 1);

  // Reopened with it on, but nothing flushed since: the tree stays. (With
  // one memtable for all the writes below, and level 0 far from its
  // trigger, only an idle compaction could change the tree.)
  options_.idle_compaction_ms = 50;
  options_.write_buffer_size = 4 << 20;
  options_.l0_compaction_trigger = 8;
  Open();
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  EXPECT_EQ(FilesAboveBottom(), above);
  EXPECT_EQ(IdleCompactions(), 0u);

  // A flush of a few KB buys ten times its bytes: not enough to merge
  // level 0 (hundreds of KB) into the bottom level.
  for (int i = 0; i < 20; i++) Put(Key(6000 + i), std::string(100, 'n'));
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_TRUE(WaitForBackgroundWork(db_.get()).ok());
  const int after_flush = FilesAboveBottom();
  ASSERT_GE(after_flush, 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  EXPECT_EQ(FilesAboveBottom(), after_flush);
  EXPECT_EQ(IdleCompactions(), 0u);

  // Writes worth the merge: then it runs.
  for (int i = 0; i < 2000; i++) Put(Key(i), std::string(300, 'w'));
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_TRUE(WaitForBottomOnly());
  EXPECT_GE(IdleCompactions(), 1u);
  EXPECT_EQ(test::ScanAll(db_.get()), model_);
}

}  // namespace
}  // namespace strata
