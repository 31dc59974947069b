// ErrorHandler through its interface: which errors are recoverable, which
// replace which, and the retry backoff measured on a ManualClock.

#include "lsm/error_handler.h"

#include <gtest/gtest.h>

#include <vector>

#include "util/clock.h"
#include "util/mutex.h"

namespace strata {
namespace {

class ErrorHandlerTest : public ::testing::Test {
 protected:
  ErrorHandlerTest() { handler_.SetClock(&clock_); }

  Mutex mu_;
  CondVar cv_{&mu_};
  ManualClock clock_;
  ErrorHandler handler_{&cv_};
};

TEST_F(ErrorHandlerTest, NoSpaceIsRecoverableAnythingElseSticky) {
  EXPECT_TRUE(handler_.ok());
  handler_.RecordBackgroundError(Status::NoSpace("full"));
  EXPECT_TRUE(handler_.IsRecoverable());
  EXPECT_FALSE(handler_.IsSticky());
  handler_.ClearRecoverableError();
  EXPECT_TRUE(handler_.ok());

  handler_.RecordBackgroundError(Status::IOError("sync"));
  EXPECT_TRUE(handler_.IsSticky());
  EXPECT_FALSE(handler_.IsRecoverable());
}

TEST_F(ErrorHandlerTest, StickyReplacesRecoverableNeverTheOtherWay) {
  handler_.RecordBackgroundError(Status::NoSpace("full"));
  handler_.SetBackgroundError(Status::IOError("sync"));
  EXPECT_TRUE(handler_.bg_error().IsIOError());
  EXPECT_TRUE(handler_.IsSticky());

  handler_.RecordBackgroundError(Status::NoSpace("full again"));
  handler_.SetBackgroundError(Status::Corruption("later"));
  EXPECT_TRUE(handler_.bg_error().IsIOError()) << "the first sticky error stays";
}

TEST_F(ErrorHandlerTest, BackoffDoublesUpToOneSecondAndResetsOnSuccess) {
  std::vector<uint64_t> waits;
  for (int i = 0; i < 7; i++) {
    waits.push_back(handler_.ScheduleRetry() - clock_.NowMicros());
    handler_.RetryStarting();
    handler_.RetryDone();
  }
  EXPECT_EQ(waits,
            std::vector<uint64_t>({50000, 100000, 200000, 400000, 800000, 1000000, 1000000}));
  handler_.WorkSucceeded();
  EXPECT_EQ(handler_.ScheduleRetry() - clock_.NowMicros(), 50000u);
  EXPECT_TRUE(handler_.retry_scheduled());
}

TEST_F(ErrorHandlerTest, WaitForRetryEndsAtTheDeadline) {
  MutexLock lock(&mu_);
  uint64_t deadline = handler_.ScheduleRetry();
  EXPECT_TRUE(handler_.WaitForRetry(&mu_, deadline));  // at most 1 ms of real time
  clock_.Advance(49999);
  EXPECT_TRUE(handler_.WaitForRetry(&mu_, deadline));
  clock_.Advance(1);
  EXPECT_FALSE(handler_.WaitForRetry(&mu_, deadline));
  EXPECT_EQ(clock_.waits(), std::vector<uint64_t>({50000}));
}

}  // namespace
}  // namespace strata
