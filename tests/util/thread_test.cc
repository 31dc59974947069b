// Thread names and priorities (util/thread.h): a lowered priority is the
// calling thread's alone, clamps at 19, and a non-positive increment is a
// no-op.

#include "util/thread.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <algorithm>
#include <thread>

namespace strata {
namespace {

TEST(ThreadTest, LoweringAPriorityChangesTheCallingThreadOnly) {
  const int main_before = CurrentThreadNice();
  int before = 0, after = 0;
  bool lowered = false;
  std::thread worker([&] {
    before = CurrentThreadNice();
    lowered = LowerCurrentThreadPriority(3);
    after = CurrentThreadNice();
  });
  worker.join();
  if (!lowered) GTEST_SKIP() << "this platform or sandbox refuses per-thread priorities";
  EXPECT_EQ(after, std::min(before + 3, 19));
  EXPECT_EQ(CurrentThreadNice(), main_before);
}

TEST(ThreadTest, PriorityClampsAtNineteen) {
  int after = 0;
  bool lowered = false;
  std::thread worker([&] {
    lowered = LowerCurrentThreadPriority(40);
    after = CurrentThreadNice();
  });
  worker.join();
  if (!lowered) GTEST_SKIP() << "this platform or sandbox refuses per-thread priorities";
  EXPECT_EQ(after, 19);
}

TEST(ThreadTest, NonPositiveIncrementLeavesThePriority) {
  int before = 0, after = 0;
  bool ok = false;
  std::thread worker([&] {
    before = CurrentThreadNice();
    ok = LowerCurrentThreadPriority(0) && LowerCurrentThreadPriority(-5);
    after = CurrentThreadNice();
  });
  worker.join();
  EXPECT_TRUE(ok);
  EXPECT_EQ(after, before);
}

#if defined(__linux__)
TEST(ThreadTest, NameIsSetAndTruncatedToFifteenCharacters) {
  char name[32] = {};
  std::thread worker([&] {
    SetCurrentThreadName("strata:a-very-long-thread-name");
    pthread_getname_np(pthread_self(), name, sizeof(name));
  });
  worker.join();
  EXPECT_STREQ(name, "strata:a-very-l");
}
#endif

}  // namespace
}  // namespace strata
