// WriteController: the slowdown computation and the stall counters.

#include "lsm/write_controller.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "util/clock.h"

namespace strata {

const char* WriteController::StallCauseName(StallCause cause) {
  static constexpr const char* kNames[kNumStallCauses] = {
      "memtables full (stop)", "level-0 files (slowdown)", "level-0 files (stop)",
      "pending compaction (slowdown)", "pending compaction (stop)"};
  return kNames[cause];
}

WriteController::WriteController(const Options& options)
    : l0_slowdown_writes_trigger_(options.l0_slowdown_writes_trigger),
      l0_stop_writes_trigger_(options.l0_stop_writes_trigger),
      soft_pending_compaction_bytes_(options.soft_pending_compaction_bytes),
      hard_pending_compaction_bytes_(options.hard_pending_compaction_bytes) {}

std::optional<WriteController::StallCause> WriteController::StopCause(int l0_files) const {
  if (l0_files >= l0_stop_writes_trigger_) return kL0Stop;
  if (pending_compaction_bytes_ >= hard_pending_compaction_bytes_) return kPendingStop;
  return std::nullopt;
}

double WriteController::SlowdownFraction(int l0_files, StallCause* cause) const {
  auto fraction = [](double value, double soft, double hard) {
    if (value < soft) return 0.0;
    return hard > soft ? std::min(1.0, (value - soft) / (hard - soft)) : 1.0;
  };
  double l0 = fraction(l0_files, l0_slowdown_writes_trigger_, l0_stop_writes_trigger_);
  double pending = fraction(static_cast<double>(pending_compaction_bytes_),
                            static_cast<double>(soft_pending_compaction_bytes_),
                            static_cast<double>(hard_pending_compaction_bytes_));
  *cause = l0 >= pending ? kL0Slowdown : kPendingSlowdown;
  return std::max(l0, pending);
}

void WriteController::DelayWrite(Mutex* mu, uint64_t bytes, int l0_files) {
  mu->AssertHeld();
  // The lowest rate writes are slowed to, and the longest single sleep: a
  // write never waits long, it is the rate that falls.
  constexpr double kMinRate = 64 << 10;
  constexpr double kMaxSleepMicros = 20000;
  constexpr uint64_t kRateWindowMicros = 100000;
  // Not slowed, the clock is read when a rate window opens and then once
  // every this many groups: a read per write was 2.5% of a fillseq.
  constexpr uint64_t kGroupsPerClockRead = 32;
  StallCause cause;
  double f = SlowdownFraction(l0_files, &cause);
  if (f <= 0.0) {
    // Not slowed: measure the rate writes arrive at, the rate a slowdown
    // starts from.
    delay_debt_micros_ = 0;
    rate_window_bytes_ += bytes;
    if (rate_window_start_micros_ == 0) {
      rate_window_start_micros_ = NowMicros();
      rate_window_groups_ = 0;
      return;
    }
    if (++rate_window_groups_ % kGroupsPerClockRead != 0) return;
    uint64_t elapsed = NowMicros() - rate_window_start_micros_;
    if (elapsed >= kRateWindowMicros) {
      double rate = static_cast<double>(rate_window_bytes_) * 1e6 / static_cast<double>(elapsed);
      unthrottled_write_rate_ = 0.7 * unthrottled_write_rate_ + 0.3 * rate;
      rate_window_start_micros_ = 0;
      rate_window_bytes_ = 0;
    }
    return;
  }
  rate_window_start_micros_ = 0;
  rate_window_bytes_ = 0;
  // The allowed rate falls linearly from the unslowed rate to nothing as the
  // debt goes from the slowdown trigger to the stop trigger.
  double rate = std::max(kMinRate, unthrottled_write_rate_ * (1.0 - f));
  delay_debt_micros_ =
      std::min(delay_debt_micros_ + static_cast<double>(bytes) * 1e6 / rate, 5 * kMaxSleepMicros);
  if (delay_debt_micros_ < 1000) return;  // sleep in steps of at least 1 ms
  double sleep = std::min(delay_debt_micros_, kMaxSleepMicros);
  delay_debt_micros_ -= sleep;
  // Nothing of this object is touched until the mutex is held again.
  mu->Unlock();
  std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(sleep)));
  mu->Lock();
  RecordStall(cause, static_cast<uint64_t>(sleep));
}

void WriteController::RecordStall(StallCause cause, uint64_t micros) {
  stall_count_[cause]++;
  stall_micros_[cause] += micros;
}

}  // namespace strata
