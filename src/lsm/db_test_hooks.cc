// DBImpl's test hooks: methods named TEST_* that tests reach through a
// static_cast of their DB*, to wait for an observable state instead of
// sleeping. Not part of the public API.

#include "lsm/db_impl.h"

namespace strata {

Status DBImpl::TEST_WaitForBackgroundWork() {
  MutexLock lock(&mutex_);
  while (true) {
    bool running = flush_running_ || compactions_.size() > 0;
    // Due: what a background thread would start now. After an error
    // nothing starts until a resume clears it.
    bool due = bg_error_.ok() &&
               (!imm_.empty() ||
                (!closing_ && picker_.Pick(versions_->current(), compactions_) != nullptr));
    if (!running && !due) break;
    // Every change of this state (a flush or compaction finishing, an error
    // recorded, a version installed) signals bg_cv_ to all waiters.
    bg_cv_.Wait();
  }
  return bg_error_;
}

}  // namespace strata
