// ErrorHandler: recording background errors and the retry backoff.

#include "lsm/error_handler.h"

#include <algorithm>
#include <cassert>

namespace strata {

void ErrorHandler::SetBackgroundError(const Status& s) {
  if (bg_error_.ok() || recoverable_) {
    bg_error_ = s;
    recoverable_ = false;
    bg_cv_->SignalAll();  // stalled writers and Flush() callers return it
  }
}

void ErrorHandler::RecordBackgroundError(const Status& s) {
  if (!s.IsNoSpace()) {
    SetBackgroundError(s);
  } else if (bg_error_.ok()) {
    bg_error_ = s;
    recoverable_ = true;
    bg_cv_->SignalAll();  // stalled writers return it; a background thread retries
  }
}

void ErrorHandler::ClearRecoverableError() {
  assert(IsRecoverable());
  bg_error_ = Status::OK();
  recoverable_ = false;
}

uint64_t ErrorHandler::ScheduleRetry() {
  // The first retry soon, then less often.
  constexpr uint64_t kFirstRetryMicros = 50000;
  constexpr uint64_t kMaxRetryMicros = 1000000;
  retry_scheduled_ = true;
  uint64_t wait = std::min(kMaxRetryMicros, kFirstRetryMicros << std::min<uint64_t>(retries_, 5));
  return clock_->NowMicros() + wait;
}

bool ErrorHandler::WaitForRetry(Mutex* mu, uint64_t deadline_micros) {
  mu->AssertHeld();
  Clock* clock = clock_;
  if (clock->NowMicros() >= deadline_micros) return false;
  // Nothing of this object is touched while bg_cv_ waits without the mutex.
  clock->WaitUntil(bg_cv_, deadline_micros);
  return true;
}

}  // namespace strata
