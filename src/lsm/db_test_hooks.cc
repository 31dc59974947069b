// DBImpl's test hooks: methods named TEST_* that tests reach through a
// static_cast of their DB*, to wait for an observable state instead of
// sleeping. Not part of the public API.

#include <chrono>

#include "lsm/db_impl.h"
#include "util/clock.h"

namespace strata {

Status DBImpl::TEST_WaitForBackgroundWork() {
  MutexLock lock(&mutex_);
  bool files_removed = false;
  while (true) {
    bool running = flush_running_ || compactions_.size() > 0;
    // Due: what a background thread would start now. After an error
    // nothing starts until a resume clears it.
    bool due = error_handler_.ok() &&
               (!imm_.empty() || (!closing_ && PickCompaction(/*consume=*/false) != nullptr));
    if (running || due) {
      // Every change of this state (a flush or compaction finishing, an
      // error recorded, a version installed) signals bg_cv_ to all waiters.
      files_removed = false;
      bg_cv_.Wait();
    } else if (!files_removed) {
      // A compaction leaves compactions_ before it unlinks its inputs, with
      // the mutex released: remove them here too (twice is harmless, as in
      // Flush), so the files on disk are the live ones. That unlocks the
      // mutex, hence the second look.
      RemoveObsoleteFiles();
      files_removed = true;
    } else {
      return error_handler_.bg_error();
    }
  }
}

void DBImpl::TEST_SetResumeClock(Clock* clock) {
  MutexLock lock(&mutex_);
  error_handler_.SetClock(clock);
}

Status DBImpl::TEST_WaitForAutomaticResume() {
  MutexLock lock(&mutex_);
  uint64_t deadline = NowMicros() + 10000000;
  while (error_handler_.IsRecoverable() && !shutting_down_) {
    uint64_t now = NowMicros();
    if (now >= deadline) break;
    bg_cv_.WaitFor(std::chrono::microseconds(deadline - now));
  }
  return error_handler_.bg_error();
}

void DBImpl::TEST_WaitForReadAhead() { table_cache_->TEST_WaitForReadAhead(); }

}  // namespace strata
