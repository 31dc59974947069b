// WriteController: write back-pressure. It keeps the compaction debt of the
// current version, slows the write leader in proportion to that debt (so
// writes ease off smoothly instead of hitting a wall), says when writes must
// stop, and counts the stalls per cause for the properties.
//
// Thread-safety: not thread-safe by itself. Call with the DB mutex held: the
// DB declares its WriteController GUARDED_BY its mutex, so clang checks every
// call. DelayWrite releases that mutex while it sleeps.

#ifndef STRATA_LSM_WRITE_CONTROLLER_H_
#define STRATA_LSM_WRITE_CONTROLLER_H_

#include <cstdint>
#include <optional>

#include "strata/options.h"
#include "util/mutex.h"

namespace strata {

class WriteController {
 public:
  // Why a write was slowed or stopped.
  enum StallCause {
    kMemTableStop,
    kL0Slowdown,
    kL0Stop,
    kPendingSlowdown,
    kPendingStop,
    kNumStallCauses
  };
  static const char* StallCauseName(StallCause cause);

  explicit WriteController(const Options& options);

  // The compaction debt of a version just installed.
  void SetPendingCompactionBytes(uint64_t bytes) { pending_compaction_bytes_ = bytes; }
  uint64_t pending_compaction_bytes() const { return pending_compaction_bytes_; }

  // Why writes must stop until compaction catches up, if they must, with
  // l0_files files at level 0 (a full set of memtables is the caller's
  // measure, checked after these).
  std::optional<StallCause> StopCause(int l0_files) const;
  // Slows the write leader after a group of `bytes`, with l0_files files at
  // level 0: sleeps (without *mu, the DB mutex) what the debt calls for.
  void DelayWrite(Mutex* mu, uint64_t bytes, int l0_files) REQUIRES(mu);
  void RecordStall(StallCause cause, uint64_t micros);

  uint64_t stall_count(StallCause cause) const { return stall_count_[cause]; }
  uint64_t stall_micros(StallCause cause) const { return stall_micros_[cause]; }

 private:
  // How far the debt is into the slowdown zone: 0 none, 1 at the stop limit;
  // *cause says which measure is furthest.
  double SlowdownFraction(int l0_files, StallCause* cause) const;

  const int l0_slowdown_writes_trigger_;
  const int l0_stop_writes_trigger_;
  const uint64_t soft_pending_compaction_bytes_;
  const uint64_t hard_pending_compaction_bytes_;

  uint64_t stall_count_[kNumStallCauses] = {};
  uint64_t stall_micros_[kNumStallCauses] = {};
  // Compaction debt of the current version, computed when it is installed.
  uint64_t pending_compaction_bytes_ = 0;
  // The user write rate (bytes/s) measured while writes were not slowed: the
  // rate slowdowns start from, so the first slowdown is no cliff.
  double unthrottled_write_rate_ = 16.0 * (1 << 20);
  uint64_t rate_window_start_micros_ = 0;
  uint64_t rate_window_bytes_ = 0;
  uint64_t rate_window_groups_ = 0;  // since the window opened
  // Delay owed by the write leader but not yet slept (microseconds).
  double delay_debt_micros_ = 0;
};

}  // namespace strata

#endif  // STRATA_LSM_WRITE_CONTROLLER_H_
