// Result: what one workload measured on one engine in one repetition, and
// Report: a whole run (every repetition of every engine at every thread
// count), the input of every output format (report/table, report/json,
// report/svg, report/markdown). Figures over repetitions are medians (with
// min and max beside them); ratios between engines are ratios of medians.
//
// Definitions, as db_bench's where it has them:
//   µs/op   thread time per operation: the sum of each thread's own time
//           over the operations of all threads (db_bench's micros/op; one
//           thread's view, so with N threads busy it is about N / (ops/s))
//   ops/s   operations per second of wall time, all threads together
//   MB/s    key and value bytes written (or read and found) per second,
//           MB = 2^20 bytes
//   latency percentiles of single operations, from a log-bucketed histogram
//
// Thread-safety: plain values.

#ifndef STRATA_BENCH_RESULT_H_
#define STRATA_BENCH_RESULT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine.h"
#include "flags.h"
#include "histogram.h"

namespace strata::bench {

struct Result {
  std::string workload;
  std::string engine;
  int threads = 1;     // the run's --threads (compact and deleteall use one of them)
  int repetition = 1;  // 1..--repeat
  uint64_t ops = 0;
  uint64_t found = 0;  // reads that found their key; entries read by scans
  uint64_t bytes = 0;
  double seconds = 0;         // wall time, first thread's start to last one's end
  double thread_seconds = 0;  // the sum of each measured thread's own time
  Histogram latency;          // nanoseconds
  uint64_t disk_bytes = 0;    // the database directory after the workload
  // The engine's own accounting after the workload (StrataDB only), and the
  // stall time this workload added to it.
  std::optional<EngineStats> stats;
  uint64_t stall_micros_during = 0;
  std::optional<uint64_t> background_ops;  // readwhilewriting's writer
  // Operations completed in each whole second of the run, to show how
  // steady the throughput was (write stalls show up as dips).
  std::vector<uint64_t> ops_per_second;
  // Files per level (level 0 first) before the workload ran; read
  // workloads only (empty for the others).
  std::vector<int> files_per_level_before;
  // Memtable bytes before the workload (read workloads, engines that can
  // tell).
  std::optional<uint64_t> memtable_bytes_before;
  // The engine process's peak resident set size during the workload (VmHWM
  // reset just before it), or, when the reset failed, since the process
  // started (peak_rss_is_cumulative).
  uint64_t peak_rss_bytes = 0;
  bool peak_rss_is_cumulative = false;

  double OpsPerSecond() const { return seconds > 0 ? static_cast<double>(ops) / seconds : 0; }
  double MicrosPerOp() const {
    return ops > 0 ? thread_seconds * 1e6 / static_cast<double>(ops) : 0;
  }
  double MbPerSecond() const {
    return seconds > 0 ? static_cast<double>(bytes) / 1048576.0 / seconds : 0;
  }
  // The slowest and fastest whole second as a fraction of the mean of all
  // whole seconds; {0, 0} with fewer than two.
  std::pair<double, double> SecondRange() const;
  // Latency percentile p (in [0, 1]) in microseconds.
  double LatencyMicros(double p) const { return latency.Percentile(p) / 1000.0; }
};

struct EngineInfo {
  std::string name;
  std::string version;
  std::string caveats;
  // Engine::Settings of a database opened with the run's options, one per
  // kSettingNames row; empty if it could not be opened.
  std::vector<std::string> settings;
};

// The median, min and max of one figure over the repetitions.
struct Spread {
  double median = 0;
  double min = 0;
  double max = 0;
};

struct Report {
  Flags flags;
  std::vector<EngineInfo> engines;  // in run order
  // Every run: by thread count, then repetition, then engine (the order
  // they ran in), workloads in order.
  std::vector<Result> results;
  std::string machine;  // CPU model, cores, kernel
  std::string started;  // local time, ISO 8601

  // The thread counts results were measured at, in the order they ran.
  std::vector<int> ThreadCounts() const;
  // Every run of workload on engine at `threads`, in repetition order.
  std::vector<const Result*> Runs(const std::string& workload, const std::string& engine,
                                  int threads) const;
  // The median run of workload on engine at `threads` by ops/s (for an even
  // number of runs, the slower of the middle two), or nullptr: its
  // latencies, sizes and tree shape stand for the repetitions.
  const Result* Find(const std::string& workload, const std::string& engine, int threads) const;
  // ops/s and µs/op over the runs (all 0 without runs).
  Spread OpsPerSecond(const std::string& workload, const std::string& engine, int threads) const;
  Spread MicrosPerOp(const std::string& workload, const std::string& engine, int threads) const;
  // The workloads that have results, in the order they ran (each once).
  std::vector<std::string> Workloads() const;
};

}  // namespace strata::bench

#endif  // STRATA_BENCH_RESULT_H_
