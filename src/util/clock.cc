// The steady clock behind Clock::Default(), and ManualClock.

#include "util/clock.h"

namespace strata {
namespace {

class SteadyClock final : public Clock {
 public:
  uint64_t NowMicros() override { return strata::NowMicros(); }
  void WaitUntil(CondVar* cv, uint64_t deadline_micros) override {
    uint64_t now = NowMicros();
    if (now < deadline_micros) cv->WaitFor(std::chrono::microseconds(deadline_micros - now));
  }
};

}  // namespace

Clock* Clock::Default() {
  static SteadyClock* clock = new SteadyClock;  // never destroyed: threads may outlive statics
  return clock;
}

uint64_t ManualClock::NowMicros() {
  std::lock_guard<std::mutex> lock(mu_);
  return now_;
}

void ManualClock::WaitUntil(CondVar* cv, uint64_t deadline_micros) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (now_ >= deadline_micros) return;
    // Time only moves forward, so a later wait has a later deadline.
    if (deadline_micros > last_deadline_) {
      last_deadline_ = deadline_micros;
      waits_.push_back(deadline_micros - now_);
      waits_cv_.notify_all();
    }
  }
  cv->WaitFor(std::chrono::milliseconds(1));
}

void ManualClock::Advance(uint64_t micros) {
  std::lock_guard<std::mutex> lock(mu_);
  now_ += micros;
}

std::vector<uint64_t> ManualClock::WaitForWaits(size_t n) {
  std::unique_lock<std::mutex> lock(mu_);
  waits_cv_.wait_for(lock, std::chrono::seconds(10), [&] { return waits_.size() >= n; });
  return waits_;
}

}  // namespace strata
