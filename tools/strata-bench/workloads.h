// Workloads: what each benchmark name does, as db_bench and YCSB define it.
//
// db_bench (each op one call; "random" keys are uniform, with replacement):
//   fillseq       num Puts in key order, into a fresh database
//   fillrandom    num Puts of random keys, into a fresh database
//   fillsync      num / 1000 Puts of random keys, each synced, fresh database
//   overwrite     num Puts of random keys into the existing database
//   readrandom    reads Gets of random keys
//   readmissing   reads Gets of keys that are never written
//   readseq       one iterator per thread, SeekToFirst then Next, reads entries
//   readreverse   the same backwards: SeekToLast then Prev
//   seekrandom    reads Seeks to random keys, each followed by --seek_nexts Nexts
//   deleterandom  num Deletes of random keys
//   deleterange   --num_ranges DeleteRanges, each of 1-100 consecutive keys
//                 from a random one (then readrandom/seekrandom show what
//                 the range tombstones cost reads)
//   deleteall     one DeleteRange of the whole key space [0, num); its
//                 disk size, then compact's, show the space given back
// (LevelDB has no DeleteRange: those two report n/a for it.)
//   readwhilewriting  readrandom on --threads threads while one more thread
//                 Puts random keys until they finish (only reads are measured)
// YCSB core workloads (reads ops; a key is chosen by the request
// distribution, zipfian unless --distribution says otherwise):
//   ycsbload      every key of [0, num) Put once, in a scattered order, into a
//                 fresh database (YCSB's load phase)
//   ycsba  50% read, 50% update           (update heavy)
//   ycsbb  95% read, 5% update            (read mostly)
//   ycsbc  100% read                      (read only)
//   ycsbd  95% read, 5% insert; latest    (read latest)
//   ycsbe  95% scan of 1-100 keys, 5% insert (short ranges)
//   ycsbf  50% read, 50% read-modify-write
// An insert adds the next key past the key space, which then grows, so the
// latest distribution favours the newest keys.
//
// Thread-safety: a Workload is an immutable description; its Body runs on
// many threads at once, each with its own ThreadState.

#ifndef STRATA_BENCH_WORKLOADS_H_
#define STRATA_BENCH_WORKLOADS_H_

#include <strata/status.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "data.h"
#include "distributions.h"
#include "engine.h"
#include "flags.h"
#include "histogram.h"
#include "progress.h"

namespace strata::bench {

// Proportions of a YCSB workload's operations (they sum to 1).
struct YcsbMix {
  double read = 0;
  double update = 0;
  double insert = 0;
  double scan = 0;
  double read_modify_write = 0;
  Distribution distribution = Distribution::kZipfian;
};

struct Workload;

// What a workload's threads share. Read-only but for the atomics.
struct RunContext {
  const Workload* workload;
  const Flags* flags;
  Engine* engine;
  KeyChooser chooser;  // copied by each thread (it holds zipfian's zeta)
  // Items in the key space: [0, items) are the keys fills and inserts wrote.
  // YCSB inserts grow it (fetch_add); relaxed, since a read of a key whose
  // insert is still in flight may simply miss.
  std::atomic<uint64_t>* items;
  // Set once the measured threads are done; the background writer stops.
  std::atomic<bool>* stop;
  Progress* progress;
};

// One thread's share of a workload and what it measured.
struct ThreadState {
  ThreadState(int index, uint64_t ops, const RunContext& context, uint64_t seed);

  int index;
  uint64_t ops;  // operations this thread does
  Rng rng;
  KeyChooser chooser;
  KeyBuffer keys;
  ValueGenerator values;
  std::string scratch;  // Get's output

  Histogram latency;   // nanoseconds per operation
  uint64_t done = 0;   // operations done (latency.count(), for writers too)
  uint64_t found = 0;  // reads that found their key
  uint64_t bytes = 0;  // key and value bytes written, or read and found
};

using Body = Status (*)(const RunContext& context, ThreadState* thread);

struct Workload {
  std::string_view name;
  std::string_view description;
  bool fresh_db;       // starts from an empty database
  bool ops_are_reads;  // does --reads operations (else --num)
  Body body;
  Body background;  // one more thread running while body runs, or nullptr
  YcsbMix mix;      // YCSB workloads only

  // True for ycsba..ycsbf: the workloads whose keys follow a distribution.
  bool HasRequestDistribution() const {
    return mix.read + mix.update + mix.insert + mix.scan + mix.read_modify_write > 0;
  }
};

// The workload named name, or nullptr.
const Workload* FindWorkload(std::string_view name);
const std::vector<Workload>& AllWorkloads();

// Operations the workload does in total with these flags.
uint64_t WorkloadOps(const Workload& workload, const Flags& flags);

}  // namespace strata::bench

#endif  // STRATA_BENCH_WORKLOADS_H_
