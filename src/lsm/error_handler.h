// ErrorHandler: the DB's background error and the automatic retry of a
// recoverable one.
//
// The first failed WAL/MANIFEST write or sync becomes the background error.
// It is sticky: once set, every write returns it, because a failed fsync may
// have dropped data the OS still reports as written, and retrying would
// acknowledge lost writes. The exception is running out of space (NoSpace):
// nothing half-done is named anywhere, so the error is recoverable. Writes
// fail with it until a resume clears it: Resume(), or a background thread
// retrying after a backoff of 50 ms that doubles, per failed retry, up to 1 s.
// The backoff waits by a Clock, so a test can move time on instead of
// sleeping through it.
//
// Thread-safety: not thread-safe by itself. Call with the DB mutex held: the
// DB declares its ErrorHandler GUARDED_BY its mutex, so clang checks every
// call. WaitForRetry releases that mutex while it waits.

#ifndef STRATA_LSM_ERROR_HANDLER_H_
#define STRATA_LSM_ERROR_HANDLER_H_

#include <cstdint>

#include "strata/status.h"
#include "util/clock.h"
#include "util/mutex.h"

namespace strata {

class ErrorHandler {
 public:
  // bg_cv is signalled whenever an error is recorded: stalled writers and
  // Flush() callers return it, a background thread schedules a retry.
  explicit ErrorHandler(CondVar* bg_cv) : bg_cv_(bg_cv) {}

  const Status& bg_error() const { return bg_error_; }
  bool ok() const { return bg_error_.ok(); }
  // An error is set and a resume may clear it.
  bool IsRecoverable() const { return !bg_error_.ok() && recoverable_; }
  // An error is set and nothing clears it (short of reopening).
  bool IsSticky() const { return !bg_error_.ok() && !recoverable_; }

  // Records s as the sticky error (replacing a recoverable one).
  void SetBackgroundError(const Status& s);
  // Records the failure of a flush, compaction or memtable switch: NoSpace
  // is recoverable, anything else sticky.
  void RecordBackgroundError(const Status& s);
  // Clears a recoverable error once the resume that was due succeeded.
  // REQUIRES: IsRecoverable().
  void ClearRecoverableError();

  // The active WAL may end in a partial record (an append ran out of space):
  // no record may follow it there, so resuming starts a new WAL first.
  bool wal_needs_switch() const { return wal_needs_switch_; }
  void set_wal_needs_switch(bool value) { wal_needs_switch_ = value; }

  // Automatic retries. A background thread that finds a recoverable error
  // and no retry scheduled calls ScheduleRetry (which returns the deadline
  // of the backoff), calls WaitForRetry until it returns false (the
  // deadline passed) or the error is gone, then calls RetryStarting before
  // it retries and RetryDone after.
  bool retry_scheduled() const { return retry_scheduled_; }
  uint64_t ScheduleRetry();
  // Waits on the DB's bg_cv (mu, its mutex, is released meanwhile) until
  // signalled or the deadline. Returns false, without waiting, once the
  // deadline has passed.
  bool WaitForRetry(Mutex* mu, uint64_t deadline_micros) REQUIRES(mu);
  void RetryStarting() { retries_++; }
  void RetryDone() { retry_scheduled_ = false; }
  // A flush, compaction or write succeeded: the next retry waits the
  // shortest backoff again.
  void WorkSucceeded() { retries_ = 0; }

  // The clock the backoff waits by: Clock::Default() unless a test set one.
  void SetClock(Clock* clock) { clock_ = clock; }

 private:
  CondVar* const bg_cv_;
  Clock* clock_ = Clock::Default();
  Status bg_error_;
  bool recoverable_ = false;
  bool wal_needs_switch_ = false;
  bool retry_scheduled_ = false;
  // Retries run since work last succeeded: the exponent of the backoff.
  uint64_t retries_ = 0;
};

}  // namespace strata

#endif  // STRATA_LSM_ERROR_HANDLER_H_
