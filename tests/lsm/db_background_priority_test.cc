// Background thread roles (Options::compaction_nice): with two or more
// background threads, flushes run at the process's priority on their own
// thread and compactions on threads lowered by compaction_nice; with one
// thread, both run at the process's priority; the option is validated.

#include <gtest/gtest.h>
#include <pthread.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "lsm/db_test_util.h"
#include "strata/db.h"
#include "test_util.h"
#include "util/sync_point.h"
#include "util/thread.h"

namespace strata {
namespace {

using test::OpenOrDie;
using test::TempDir;

// The nice value and name of the threads that ran a flush and a compaction.
struct Observed {
  std::mutex mu;
  int flush_nice = -100;
  int compaction_nice = -100;
  std::string flush_thread;
  std::string compaction_thread;
};

std::string ThreadName() {
  char name[32] = {};
  pthread_getname_np(pthread_self(), name, sizeof(name));
  return name;
}

// Whether this process may lower a thread's priority at all (a sandbox may
// refuse; the option is then a no-op, which the engine tolerates).
bool CanLowerPriority() {
  bool lowered = false;
  std::thread probe([&] { lowered = LowerCurrentThreadPriority(1); });
  probe.join();
  return lowered;
}

// Opens a DB with the given background settings, makes enough level-0
// tables for a compaction, and reports where the flush and the compaction
// ran.
void RunFlushAndCompaction(int jobs, int nice, Observed* seen) {
  TempDir dir;
  Options options = test::SmallBufferOptions();
  options.max_background_jobs = jobs;
  options.compaction_nice = nice;
  options.l0_compaction_trigger = 2;

  ScopedSyncPoints sync_points;
  SyncPoint::GetInstance()->SetCallBack("DBImpl::FlushOldestMemTable:Unlocked", [&](void*) {
    std::lock_guard<std::mutex> lock(seen->mu);
    seen->flush_nice = CurrentThreadNice();
    seen->flush_thread = ThreadName();
  });
  SyncPoint::GetInstance()->SetCallBack("DBImpl::BackgroundThread:Compaction", [&](void*) {
    std::lock_guard<std::mutex> lock(seen->mu);
    seen->compaction_nice = CurrentThreadNice();
    seen->compaction_thread = ThreadName();
  });
  SyncPoint::GetInstance()->EnableProcessing();

  std::unique_ptr<DB> db = OpenOrDie(options, dir.path());
  ASSERT_NE(db, nullptr);
  for (int table = 0; table < options.l0_compaction_trigger; table++) {
    for (int i = 0; i < 50; i++) {
      ASSERT_TRUE(db->Put(WriteOptions(), "k" + std::to_string(table * 100 + i), "v").ok());
    }
    ASSERT_TRUE(db->Flush().ok());
  }
  ASSERT_TRUE(test::WaitForBackgroundWork(db.get()).ok());
  EXPECT_EQ(test::IntProperty(db.get(), "strata.num-files-at-level0"), 0u);
  db.reset();
}

TEST(DBBackgroundPriorityTest, CompactionsRunNicerThanFlushes) {
  if (!kSyncPointsEnabled) GTEST_SKIP() << "built without STRATA_SYNC_POINTS";
  if (!CanLowerPriority()) GTEST_SKIP() << "this sandbox refuses per-thread priorities";
  const int base = CurrentThreadNice();  // background threads start at the creator's
  Observed seen;
  RunFlushAndCompaction(/*jobs=*/2, /*nice=*/7, &seen);
  EXPECT_EQ(seen.flush_nice, base);
  EXPECT_EQ(seen.compaction_nice, std::min(base + 7, 19));
  EXPECT_EQ(seen.flush_thread, "strata:flush");
  EXPECT_EQ(seen.compaction_thread, "strata:compact");
}

TEST(DBBackgroundPriorityTest, ZeroKeepsCompactionsAtTheProcessPriority) {
  if (!kSyncPointsEnabled) GTEST_SKIP() << "built without STRATA_SYNC_POINTS";
  const int base = CurrentThreadNice();
  Observed seen;
  RunFlushAndCompaction(/*jobs=*/2, /*nice=*/0, &seen);
  EXPECT_EQ(seen.flush_nice, base);
  EXPECT_EQ(seen.compaction_nice, base);
  EXPECT_EQ(seen.compaction_thread, "strata:compact");
}

TEST(DBBackgroundPriorityTest, OneThreadRunsEverythingAtTheProcessPriority) {
  if (!kSyncPointsEnabled) GTEST_SKIP() << "built without STRATA_SYNC_POINTS";
  const int base = CurrentThreadNice();
  Observed seen;
  // A lowered lone thread would run flushes lowered too: it is left alone.
  RunFlushAndCompaction(/*jobs=*/1, /*nice=*/10, &seen);
  EXPECT_EQ(seen.flush_nice, base);
  EXPECT_EQ(seen.compaction_nice, base);
  EXPECT_EQ(seen.flush_thread, "strata:bg");
  EXPECT_EQ(seen.compaction_thread, "strata:bg");
}

TEST(DBBackgroundPriorityTest, NiceOutOfRangeIsRejected) {
  TempDir dir;
  for (int nice : {-1, 20}) {
    Options options;
    options.compaction_nice = nice;
    std::unique_ptr<DB> db;
    Status s = DB::Open(options, dir.path(), &db);
    EXPECT_TRUE(s.IsInvalidArgument()) << nice << ": " << s.ToString();
  }
}

}  // namespace
}  // namespace strata
