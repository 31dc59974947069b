// Runner: drives one engine through every workload of the flags, in order,
// on a database of its own (<--db>/<engine>): opens it (fresh unless
// --use_existing_db), recreates it before each fill (unless --one_db: then
// the whole sequence runs on one database), runs each workload's threads
// behind a start barrier, and collects one Result per workload, with the
// process's peak memory during it and, before a read workload, the tree's
// shape. Prints a line per workload as it finishes, db_bench style, with
// StrataDB's write amplification, space and stall time after it.
//
// Thread-safety: one Runner per thread; it starts and joins its workload
// threads itself.

#ifndef STRATA_BENCH_RUNNER_H_
#define STRATA_BENCH_RUNNER_H_

#include <strata/status.h>

#include <cstdio>
#include <vector>

#include "engine.h"
#include "flags.h"
#include "progress.h"
#include "result.h"

namespace strata::bench {

class Runner {
 public:
  // Prints its lines to out. progress and out must outlive the Runner.
  // repetition: the number the results carry (1..--repeat).
  Runner(const Flags& flags, Progress* progress, std::FILE* out, int repetition = 1)
      : flags_(flags), progress_(progress), out_(out), repetition_(repetition) {}

  // Runs every workload of the flags on engine, appending to *results.
  // Stops at the first error an engine reports and returns it.
  Status RunEngine(Engine* engine, std::vector<Result>* results);

 private:
  const Flags& flags_;
  Progress* progress_;
  std::FILE* out_;
  int repetition_;
};

// Bytes of every file under dir (0 if it does not exist).
uint64_t DirectoryBytes(const std::string& dir);

}  // namespace strata::bench

#endif  // STRATA_BENCH_RUNNER_H_
