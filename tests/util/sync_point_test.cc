// Tests for the sync-point registry (util/sync_point.h) on one thread:
// callbacks, dependencies already met, processing off, Reset. The orderings
// between threads are in sync_point_concurrency_test.cc (run under TSan).

#include "util/sync_point.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace strata {
namespace {

#ifdef STRATA_SYNC_POINTS

class SyncPointTest : public testing::Test {
 protected:
  void TearDown() override { sp_->Reset(); }
  SyncPoint* sp_ = SyncPoint::GetInstance();
};

TEST_F(SyncPointTest, CallbackRunsWithItsArgumentOnlyWhileEnabled) {
  std::vector<int> seen;
  sp_->SetCallBack("Test:Point", [&](void* arg) { seen.push_back(*static_cast<int*>(arg)); });
  int one = 1, two = 2, three = 3;
  TEST_SYNC_POINT_CALLBACK("Test:Point", &one);  // not enabled yet
  sp_->EnableProcessing();
  TEST_SYNC_POINT_CALLBACK("Test:Point", &two);
  TEST_SYNC_POINT_CALLBACK("Test:Other", &two);  // no callback there
  sp_->DisableProcessing();
  TEST_SYNC_POINT_CALLBACK("Test:Point", &three);
  EXPECT_EQ(seen, std::vector<int>({2}));
}

TEST_F(SyncPointTest, SetCallBackReplacesAndClearCallBackRemoves) {
  std::string log;
  sp_->EnableProcessing();
  sp_->SetCallBack("Test:A", [&](void*) { log += "1"; });
  sp_->SetCallBack("Test:A", [&](void*) { log += "2"; });
  sp_->SetCallBack("Test:B", [&](void*) { log += "b"; });
  TEST_SYNC_POINT("Test:A");
  TEST_SYNC_POINT("Test:B");
  sp_->ClearCallBack("Test:A");
  TEST_SYNC_POINT("Test:A");
  TEST_SYNC_POINT("Test:B");
  sp_->ClearAllCallBacks();
  TEST_SYNC_POINT("Test:B");
  EXPECT_EQ(log, "2bb");
}

TEST_F(SyncPointTest, PassedPredecessorLetsSuccessorThrough) {
  sp_->LoadDependency({{"Test:First", "Test:Second"}});
  sp_->EnableProcessing();
  std::string log;
  sp_->SetCallBack("Test:Second", [&](void*) { log += "second"; });
  TEST_SYNC_POINT("Test:First");
  TEST_SYNC_POINT("Test:Second");  // would block forever had First not passed
  EXPECT_EQ(log, "second");
}

TEST_F(SyncPointTest, DisabledRegistryNeverBlocks) {
  // Second's predecessor never runs, yet nothing waits: processing is off.
  sp_->LoadDependency({{"Test:Never", "Test:Second"}});
  TEST_SYNC_POINT("Test:Second");
  SUCCEED();
}

TEST_F(SyncPointTest, ResetForgetsDependenciesAndCallbacks) {
  int calls = 0;
  sp_->LoadDependency({{"Test:Never", "Test:Second"}});
  sp_->SetCallBack("Test:Second", [&](void*) { calls++; });
  sp_->Reset();
  sp_->EnableProcessing();
  TEST_SYNC_POINT("Test:Second");  // no dependency left to wait for
  EXPECT_EQ(calls, 0);
}

#else  // !STRATA_SYNC_POINTS

TEST(SyncPointTest, CompiledOut) {
  static_assert(!kSyncPointsEnabled);
  // The macros expand to nothing: their arguments are not even evaluated.
  int evaluated = 0;
  TEST_SYNC_POINT_CALLBACK("Test:Point", (evaluated++, nullptr));
  EXPECT_EQ(evaluated, 0);
}

#endif  // STRATA_SYNC_POINTS

}  // namespace
}  // namespace strata
