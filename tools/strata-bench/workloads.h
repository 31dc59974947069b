// Workloads: what each benchmark name does, as db_bench and YCSB define it.
//
// db_bench (each op one call; "random" keys are uniform, with replacement).
// With --threads N, as in db_bench, EVERY thread does the whole count (num,
// or reads for the reads), so a workload does N times the operations of one
// thread: fillseq's threads each write [0, num) in key order (db_bench's
// DoWrite(seq) does the same), the random workloads' threads each draw from
// the whole key space [0, num). Exceptions: ycsbload splits [0, num) among
// its threads (YCSB's load writes each key once), and compact and deleteall,
// one operation in all, run on one thread.
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
#include <chrono>
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
  int threads;  // measured threads (WorkloadThreads); a background writer is one more
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

  Histogram latency;  // nanoseconds per operation
  // This thread's own span: from when it began its first operation to when
  // it finished its last.
  std::chrono::steady_clock::time_point start;
  std::chrono::steady_clock::time_point end;
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

// The measured threads that run workload: --threads, but 1 for compact and
// deleteall (one operation in all).
int WorkloadThreads(const Workload& workload, const Flags& flags);
// The operations thread `index` of `threads` does (see the top of this file):
// the workload's whole count, except ycsbload's share of [0, num).
uint64_t ThreadOps(const Workload& workload, const Flags& flags, int index, int threads);

}  // namespace strata::bench

#endif  // STRATA_BENCH_WORKLOADS_H_
