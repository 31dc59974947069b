// Result: what one workload measured on one engine, and Report: a whole run,
// the input of every output format (report/table, report/json, report/svg).
//
// Definitions, as db_bench's where it has them:
//   µs/op   thread time per operation: seconds * threads / ops
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
  int threads = 1;
  uint64_t ops = 0;
  uint64_t found = 0;  // reads that found their key; entries read by scans
  uint64_t bytes = 0;
  double seconds = 0;
  Histogram latency;        // nanoseconds
  uint64_t disk_bytes = 0;  // the database directory after the workload
  // The engine's own accounting after the workload (StrataDB only), and the
  // stall time this workload added to it.
  std::optional<EngineStats> stats;
  uint64_t stall_micros_during = 0;
  std::optional<uint64_t> background_ops;  // readwhilewriting's writer
  // Operations completed in each whole second of the run, to show how
  // steady the throughput was (write stalls show up as dips).
  std::vector<uint64_t> ops_per_second;

  double OpsPerSecond() const { return seconds > 0 ? static_cast<double>(ops) / seconds : 0; }
  double MicrosPerOp() const {
    return ops > 0 ? seconds * 1e6 * threads / static_cast<double>(ops) : 0;
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
};

struct Report {
  Flags flags;
  std::vector<EngineInfo> engines;  // in run order
  std::vector<Result> results;      // engine by engine, workloads in order
  std::string machine;              // CPU model, cores, kernel
  std::string started;              // local time, ISO 8601

  // The result of workload on engine, or nullptr.
  const Result* Find(const std::string& workload, const std::string& engine) const {
    for (const Result& r : results) {
      if (r.workload == workload && r.engine == engine) return &r;
    }
    return nullptr;
  }
  // The workloads that have results, in the order they ran (each once).
  std::vector<std::string> Workloads() const;
};

}  // namespace strata::bench

#endif  // STRATA_BENCH_RESULT_H_
