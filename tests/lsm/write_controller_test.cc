// WriteController through its interface: when writes stop, how much the
// leader is slowed, and the stall counts the properties report.

#include "lsm/write_controller.h"

#include <gtest/gtest.h>

#include "util/mutex.h"

namespace strata {
namespace {

using WC = WriteController;

Options SmallTriggers() {
  Options options;
  options.l0_slowdown_writes_trigger = 2;
  options.l0_stop_writes_trigger = 4;
  options.soft_pending_compaction_bytes = 1000;
  options.hard_pending_compaction_bytes = 2000;
  return options;
}

TEST(WriteControllerTest, StopsAtEitherHardLimit) {
  WC controller(SmallTriggers());
  EXPECT_FALSE(controller.StopCause(3).has_value());
  EXPECT_EQ(controller.StopCause(4), WC::kL0Stop);
  controller.SetPendingCompactionBytes(2000);
  EXPECT_EQ(controller.StopCause(0), WC::kPendingStop);
  EXPECT_EQ(controller.StopCause(4), WC::kL0Stop);  // level 0 is checked first
}

TEST(WriteControllerTest, NoDelayBelowTheSlowdownTriggers) {
  WC controller(SmallTriggers());
  Mutex mu;
  MutexLock lock(&mu);
  controller.DelayWrite(&mu, 64 << 20, 1);
  for (int cause = 0; cause < WC::kNumStallCauses; cause++) {
    EXPECT_EQ(controller.stall_count(static_cast<WC::StallCause>(cause)), 0u);
  }
}

TEST(WriteControllerTest, DelaysInProportionToTheDebtAtMost20Ms) {
  WC controller(SmallTriggers());
  Mutex mu;
  MutexLock lock(&mu);
  // Halfway from the level-0 slowdown trigger to the stop: 8 MiB/s of the
  // initial 16 MiB/s, so 1 MiB owes 125 ms, slept 20 ms at a time.
  controller.DelayWrite(&mu, 1 << 20, 3);
  EXPECT_EQ(controller.stall_count(WC::kL0Slowdown), 1u);
  EXPECT_EQ(controller.stall_micros(WC::kL0Slowdown), 20000u);
  // The pending bytes further into their zone than level 0 take the blame.
  controller.SetPendingCompactionBytes(1900);
  controller.DelayWrite(&mu, 1 << 20, 3);
  EXPECT_EQ(controller.stall_count(WC::kPendingSlowdown), 1u);
}

TEST(WriteControllerTest, RecordsStallsPerCause) {
  WC controller(SmallTriggers());
  controller.RecordStall(WC::kMemTableStop, 5);
  controller.RecordStall(WC::kMemTableStop, 7);
  EXPECT_EQ(controller.stall_count(WC::kMemTableStop), 2u);
  EXPECT_EQ(controller.stall_micros(WC::kMemTableStop), 12u);
  EXPECT_STREQ(WC::StallCauseName(WC::kMemTableStop), "memtables full (stop)");
}

}  // namespace
}  // namespace strata
