// RunStress: one run of the stress test, the child of a crash test (and on
// its own a stress run to use under the sanitizers).
//
// A run opens the database with options drawn from its seed, verifies every
// key against the expected state (after a kill, this is the check that no
// acknowledged write was lost and nothing corrupt came back), runs threads of
// random operations for the time given, each read checked as it goes, then
// closes the database, reopens it and verifies it again.
//
// Thread-safety: called once per process; it runs its own threads.

#ifndef STRATA_TOOLS_STRATA_STRESS_STRESS_RUN_H_
#define STRATA_TOOLS_STRATA_STRESS_STRESS_RUN_H_

#include <cstdint>
#include <string>

namespace strata::stress {

// Exit statuses of strata-stress (both modes).
constexpr int kExitOk = 0;
constexpr int kExitSetup = 1;        // cannot create or map the state file, ...
constexpr int kExitUsage = 2;        // bad arguments
constexpr int kExitMismatch = 3;     // a read disagreed with the expected state
constexpr int kExitEngineError = 4;  // a call returned an error it should not
constexpr int kExitChildFailed = 5;  // crash mode: a child failed or died by itself

struct RunFlags {
  std::string db;
  std::string state;    // the expected-state file
  double seconds = 10;  // of random operations; 0 only verifies
  int threads = 4;
  uint32_t keys = 10000;
  uint64_t seed = 1;     // draws the options and the operations
  bool verbose = false;  // print the options and the counts
};

// Returns the exit status; a failure is described on stderr (and exits at
// once, from whichever thread found it, without closing the database).
int RunStress(const RunFlags& flags);

}  // namespace strata::stress

#endif  // STRATA_TOOLS_STRATA_STRESS_STRESS_RUN_H_
