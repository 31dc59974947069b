// Tests for the sync-point registry (util/sync_point.h) across threads: a
// dependency forces one order of two threads whatever the scheduler does,
// chains of them interleave threads step by step, and disabling or clearing
// never leaves a thread blocked.

#include "util/sync_point.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>

namespace strata {
namespace {

#ifdef STRATA_SYNC_POINTS

class SyncPointConcurrencyTest : public testing::Test {
 protected:
  void TearDown() override { sp_->Reset(); }

  void Append(const std::string& event) {
    std::lock_guard<std::mutex> lock(log_mu_);
    log_ += event;
  }
  std::string Log() {
    std::lock_guard<std::mutex> lock(log_mu_);
    return log_;
  }

  SyncPoint* sp_ = SyncPoint::GetInstance();
  std::mutex log_mu_;
  std::string log_;
};

TEST_F(SyncPointConcurrencyTest, DependencyOrdersTwoThreads) {
  // The thread started first would usually log first; the dependency makes
  // it wait for the other every time.
  for (int round = 0; round < 200; round++) {
    sp_->LoadDependency({{"Test:Second:Logged", "Test:First:BeforeLog"}});
    sp_->EnableProcessing();
    log_.clear();
    std::thread first([&] {
      TEST_SYNC_POINT("Test:First:BeforeLog");
      Append("1");
    });
    std::thread second([&] {
      Append("2");
      TEST_SYNC_POINT("Test:Second:Logged");
    });
    first.join();
    second.join();
    ASSERT_EQ(Log(), "21") << "round " << round;
    sp_->Reset();
  }
}

TEST_F(SyncPointConcurrencyTest, ChainInterleavesThreadsStepByStep) {
  // Each step waits at its Start point for the other thread's previous step
  // to reach its Done point: A1 B1 A2 B2 A3, however the threads run.
  sp_->LoadDependency({{"Test:A1:Done", "Test:B1:Start"},
                       {"Test:B1:Done", "Test:A2:Start"},
                       {"Test:A2:Done", "Test:B2:Start"},
                       {"Test:B2:Done", "Test:A3:Start"}});
  sp_->EnableProcessing();
  auto step = [&](const std::string& name) {
    TEST_SYNC_POINT("Test:" + name + ":Start");
    Append(name + " ");
    TEST_SYNC_POINT("Test:" + name + ":Done");
  };
  std::thread b([&] {
    step("B1");
    step("B2");
  });
  std::thread a([&] {
    step("A1");
    step("A2");
    step("A3");
  });
  a.join();
  b.join();
  EXPECT_EQ(Log(), "A1 B1 A2 B2 A3 ");
}

TEST_F(SyncPointConcurrencyTest, CallbackOrderMatchesDependencies) {
  // Callbacks run after the point's predecessors and before it is marked
  // passed, so logging in callbacks gives an exact order.
  sp_->LoadDependency(
      {{"Test:A:1", "Test:B:1"}, {"Test:B:1", "Test:A:2"}, {"Test:A:2", "Test:B:2"}});
  for (const char* point : {"Test:A:1", "Test:A:2", "Test:B:1", "Test:B:2"}) {
    std::string name = std::string(point).substr(5);
    sp_->SetCallBack(point, [this, name](void*) { Append(name + " "); });
  }
  sp_->EnableProcessing();
  std::thread b([&] {
    TEST_SYNC_POINT("Test:B:1");
    TEST_SYNC_POINT("Test:B:2");
  });
  std::thread a([&] {
    TEST_SYNC_POINT("Test:A:1");
    TEST_SYNC_POINT("Test:A:2");
  });
  a.join();
  b.join();
  EXPECT_EQ(Log(), "A:1 B:1 A:2 B:2 ");
}

TEST_F(SyncPointConcurrencyTest, DisableReleasesAWaitingThread) {
  std::atomic<bool> released{false};
  // Test:Never is never passed. The main thread learns that the other is
  // about to block by a dependency of its own.
  sp_->EnableProcessing();
  sp_->LoadDependency({{"Test:Never", "Test:Blocked"}, {"Test:AboutToBlock", "Test:Main:Go"}});
  std::thread blocked([&] {
    TEST_SYNC_POINT("Test:AboutToBlock");
    TEST_SYNC_POINT("Test:Blocked");
    released = true;
  });
  TEST_SYNC_POINT("Test:Main:Go");
  EXPECT_FALSE(released.load());
  sp_->DisableProcessing();
  blocked.join();
  EXPECT_TRUE(released.load());
}

TEST_F(SyncPointConcurrencyTest, ClearAllCallBacksWaitsForRunningCallback) {
  std::atomic<bool> callback_done{false};
  sp_->LoadDependency({{"Test:InCallback", "Test:Main:Clear"}});
  sp_->SetCallBack("Test:Slow", [&](void*) {
    TEST_SYNC_POINT("Test:InCallback");
    // Hold the callback open a little: ClearAllCallBacks must wait for it.
    for (int i = 0; i < 1000; i++) std::this_thread::yield();
    callback_done = true;
  });
  sp_->EnableProcessing();
  std::thread runner([&] { TEST_SYNC_POINT("Test:Slow"); });
  TEST_SYNC_POINT("Test:Main:Clear");
  sp_->ClearAllCallBacks();
  EXPECT_TRUE(callback_done.load()) << "callbacks were cleared while one still ran";
  runner.join();
}

#else  // !STRATA_SYNC_POINTS

TEST(SyncPointConcurrencyTest, CompiledOut) { GTEST_SKIP() << "built without STRATA_SYNC_POINTS"; }

#endif  // STRATA_SYNC_POINTS

}  // namespace
}  // namespace strata
