// RunCrashLoop: the parent of a crash test. It starts strata-stress runs
// (fresh seed, so fresh options, each time) on one database and one
// expected-state file, kills each with SIGKILL after a random time, and
// repeats until the duration has passed; then it starts one last run that
// is not killed, which verifies, closes, reopens and verifies again. Every
// run begins by verifying the whole database, so each kill is checked by the
// run after it.
//
// SIGINT or SIGTERM ends the loop early: the final run and the figures
// follow as usual.
//
// Thread-safety: called once per process, single-threaded; it installs
// handlers for SIGINT and SIGTERM.

#ifndef STRATA_TOOLS_STRATA_STRESS_CRASH_LOOP_H_
#define STRATA_TOOLS_STRATA_STRESS_CRASH_LOOP_H_

#include <cstdint>
#include <string>

namespace strata::stress {

struct CrashFlags {
  std::string db;                 // removed first: every crash test starts empty
  std::string state;              // default: the db path + ".state"
  double duration = 120;          // seconds of kill cycles
  int kill_min_ms = 50;           // each run is killed after a time drawn
  int kill_max_ms = 2000;         // uniformly from [min, max], except that
  int early_kill_percent = 10;    // these kills come within [0, min], to land
                                  // in start-up, open and recovery
  int closing_kill_percent = 10;  // these runs stop about when killed, so
                                  // the kill may land in close and reopen
  int threads = 4;
  uint32_t keys = 10000;
  uint64_t seed = 0;           // 0: from the clock (printed, to rerun)
  double final_timeout = 600;  // seconds the last run may take
  bool verbose = false;
};

// Returns kExitOk, or kExitChildFailed when a run failed (reported a
// mismatch or an error, died of a signal not ours, or exited when it should
// have been running); the loop then stops, leaving the database and the
// state file as they were.
int RunCrashLoop(const CrashFlags& flags);

}  // namespace strata::stress

#endif  // STRATA_TOOLS_STRATA_STRESS_CRASH_LOOP_H_
