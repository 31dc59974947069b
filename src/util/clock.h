// Clock: the time the engine measures durations and waits by.
//
// NowMicros() is the steady (monotonic) clock in microseconds, for durations
// and rates, never for wall-clock time. Code whose waits a test must control
// (the resume backoff) takes a Clock*: Clock::Default() in production, a
// ManualClock in tests, so a test moves time on instead of sleeping through
// it.
//
// Thread-safety: every Clock method may be called from any thread.

#ifndef STRATA_UTIL_CLOCK_H_
#define STRATA_UTIL_CLOCK_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

#include "util/mutex.h"

namespace strata {

inline uint64_t NowMicros() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

class Clock {
 public:
  virtual ~Clock() = default;

  // Microseconds on a monotonic scale.
  virtual uint64_t NowMicros() = 0;
  // Waits on cv, whose mutex the caller holds, until cv is signalled or
  // NowMicros() reaches deadline_micros. May return early: callers re-check
  // their condition and the time in a loop.
  virtual void WaitUntil(CondVar* cv, uint64_t deadline_micros) = 0;

  // The steady clock (NowMicros() above). Never destroyed.
  static Clock* Default();
};

// Time moves only when Advance is called. It records the length of every
// wait begun on it, so a test can wait for a background thread to reach its
// wait (an observable point) instead of sleeping, and check the lengths.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(uint64_t start_micros = 1000000) : now_(start_micros) {}

  uint64_t NowMicros() override;
  // Returns at once if the deadline has passed; otherwise waits on cv for at
  // most 1 ms of real time, so a deadline passed by Advance (which cannot
  // signal cv) is seen within a millisecond.
  void WaitUntil(CondVar* cv, uint64_t deadline_micros) override;

  void Advance(uint64_t micros);
  // Blocks (at most 10 s of real time) until n waits have begun, and returns
  // the length of each wait begun so far (deadline minus the time it began),
  // oldest first. Repeated calls of WaitUntil for one deadline count once.
  std::vector<uint64_t> WaitForWaits(size_t n);
  std::vector<uint64_t> waits() { return WaitForWaits(0); }

 private:
  std::mutex mu_;
  std::condition_variable waits_cv_;  // signalled when a wait begins
  uint64_t now_;
  uint64_t last_deadline_ = 0;
  std::vector<uint64_t> waits_;
};

}  // namespace strata

#endif  // STRATA_UTIL_CLOCK_H_
