// Flags: strata-bench's command line, named and defaulted as db_bench's where
// db_bench has the flag (--benchmarks, --num, --reads, --key_size, ...).
// Engine settings default to StrataDB's own defaults (include/strata/
// options.h), except compression: snappy, the one codec all three engines
// have, so every engine compresses the same way.
//
// Thread-safety: parsed once by main; read-only afterwards.

#ifndef STRATA_BENCH_FLAGS_H_
#define STRATA_BENCH_FLAGS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "distributions.h"
#include "engine.h"

namespace strata::bench {

struct Flags {
  std::vector<std::string> benchmarks;  // workloads, run in this order
  std::vector<std::string> engines;     // engines, each runs every workload
  uint64_t num = 1000000;               // keys written by fills; the key space
  uint64_t reads = 0;                   // operations of read and YCSB workloads; 0: num
  int key_size = 16;
  int value_size = 100;
  // Threads per workload; EVERY thread does the workload's whole count, as
  // in db_bench (workloads.h). Until issue 11 the count was split among them.
  int threads = 1;
  // Thread counts to run everything at, one after the other (a scaling
  // curve); empty: --threads alone.
  std::vector<int> threads_curve;
  int repeat = 1;               // runs of the whole sequence per engine (and thread count)
  int seek_nexts = 10;          // Next calls after each Seek in seekrandom
  uint64_t num_ranges = 10000;  // DeleteRanges (of 1 to 100 keys) the deleterange workload issues
  // YCSB request distribution; unset: each workload's own (zipfian, or latest for D).
  std::optional<Distribution> distribution;
  EngineOptions engine;  // --compression, --cache_size, --write_buffer_size, --bloom_bits
  bool sync = false;     // every write synced (fillsync syncs regardless)
  std::string db = "/tmp/strata-bench";  // each engine gets db/<engine>
  bool use_existing_db = false;
  // The whole sequence on one database: fills write into what the workloads
  // before them left instead of starting from an empty one.
  bool one_db = false;
  uint64_t seed = 301;
  std::string json_path;      // --json FILE
  std::string svg_path;       // --svg FILE
  std::string markdown_path;  // --markdown FILE
  bool progress = true;       // a progress bar on stderr, when it is a terminal

  // Internal (main.cc): set in an engine process, which runs one engine
  // once and writes its results to child_output. ParseFlags makes engines
  // {child_engine} and threads child_threads.
  std::string child_output;
  std::string child_engine;
  int child_threads = 0;
  int child_repetition = 1;

  // The thread counts to run at: threads_curve, or {threads}.
  std::vector<int> ThreadCounts() const {
    return threads_curve.empty() ? std::vector<int>{threads} : threads_curve;
  }
};

// Parses argv into *flags and checks it. Returns nullopt to go on, or the
// code main should exit with: 0 after --help or --list, 2 after an error
// (already printed).
std::optional<int> ParseFlags(int argc, char** argv, Flags* flags);

}  // namespace strata::bench

#endif  // STRATA_BENCH_FLAGS_H_
