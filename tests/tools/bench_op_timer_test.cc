// Tests for strata-bench's OpTimer (tools/strata-bench/op_timer.h): whichever
// clock it picks, a measured interval agrees with steady_clock's, and an end
// reading before its start is a zero duration, never a huge one.

#include "op_timer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <thread>

namespace strata::bench {
namespace {

using std::chrono::steady_clock;

uint64_t SteadyNanos(steady_clock::time_point start, steady_clock::time_point end) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count());
}

TEST(BenchOpTimerTest, IntervalsAgreeWithSteadyClock) {
  OpTimer::Calibrate();
  for (int sleep_ms : {5, 30}) {
    const steady_clock::time_point steady_start = steady_clock::now();
    const uint64_t start = OpTimer::Now();
    std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
    const uint64_t end = OpTimer::Now();
    const steady_clock::time_point steady_end = steady_clock::now();
    const uint64_t measured = OpTimer::Nanos(start, end);
    const uint64_t outer = SteadyNanos(steady_start, steady_end);
    // The timed interval lies inside steady_clock's; a calibration off by
    // more than 5% would fall outside these bounds.
    EXPECT_GE(measured, static_cast<uint64_t>(sleep_ms) * 1'000'000 * 95 / 100)
        << "UsesTsc " << OpTimer::UsesTsc();
    EXPECT_LE(measured, outer * 105 / 100) << "UsesTsc " << OpTimer::UsesTsc();
  }
}

TEST(BenchOpTimerTest, AnEndBeforeItsStartIsZero) {
  OpTimer::Calibrate();
  const uint64_t now = OpTimer::Now();
  EXPECT_EQ(0u, OpTimer::Nanos(now + 10, now));
  EXPECT_EQ(0u, OpTimer::Nanos(now, now));
}

}  // namespace
}  // namespace strata::bench
