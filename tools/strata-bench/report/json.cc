// The JSON report (--json): the run's configuration, the engines, and every
// figure of every result. Latencies are in microseconds, sizes in bytes.

#include <nlohmann/json.hpp>

#include "report/report.h"

namespace strata::bench {
namespace {

nlohmann::json ConfigJson(const Flags& flags) {
  return {
      {"benchmarks", flags.benchmarks},
      {"engines", flags.engines},
      {"num", flags.num},
      {"reads", flags.reads == 0 ? flags.num : flags.reads},
      {"key_size", flags.key_size},
      {"value_size", flags.value_size},
      {"threads", flags.threads},
      {"seek_nexts", flags.seek_nexts},
      {"distribution",
       flags.distribution ? std::string(DistributionName(*flags.distribution)) : "default"},
      {"compression", std::string(CompressionName(flags.engine.compression))},
      {"cache_size", flags.engine.cache_size},
      {"write_buffer_size", flags.engine.write_buffer_size},
      {"bloom_bits", flags.engine.bloom_bits},
      {"sync", flags.sync},
      {"db", flags.db},
      {"use_existing_db", flags.use_existing_db},
      {"seed", flags.seed},
  };
}

nlohmann::json ResultJson(const Report& report, const Result& r) {
  nlohmann::json ratios = nlohmann::json::object();
  for (const EngineInfo& other : report.engines) {
    if (other.name == r.engine) continue;
    double ratio = ThroughputRatio(report, r.workload, r.engine, other.name);
    if (ratio > 0) ratios[other.name] = ratio;
  }
  nlohmann::json j = {
      {"workload", r.workload},
      {"engine", r.engine},
      {"threads", r.threads},
      {"ops", r.ops},
      {"found", r.found},
      {"bytes", r.bytes},
      {"seconds", r.seconds},
      {"micros_per_op", r.MicrosPerOp()},
      {"ops_per_sec", r.OpsPerSecond()},
      {"mb_per_sec", r.MbPerSecond()},
      {"ops_per_second", r.ops_per_second},
      {"latency_us",
       {{"min", static_cast<double>(r.latency.min()) / 1000.0},
        {"mean", r.latency.Mean() / 1000.0},
        {"p50", r.LatencyMicros(0.5)},
        {"p90", r.LatencyMicros(0.9)},
        {"p99", r.LatencyMicros(0.99)},
        {"p99.9", r.LatencyMicros(0.999)},
        {"max", static_cast<double>(r.latency.max()) / 1000.0}}},
      {"disk_bytes", r.disk_bytes},
      {"ratios", ratios},
  };
  if (r.background_ops) j["background_writes"] = *r.background_ops;
  if (r.stats) {
    j["engine_stats"] = {
        {"write_amplification", r.stats->write_amplification},
        {"space_amplification", r.stats->space_amplification},
        {"table_bytes", r.stats->table_bytes},
        {"stall_micros_total", r.stats->stall_micros},
        {"stall_count_total", r.stats->stall_count},
        {"stall_micros", r.stall_micros_during},
    };
  }
  return j;
}

}  // namespace

std::string FormatJson(const Report& report) {
  nlohmann::json engines = nlohmann::json::array();
  for (const EngineInfo& e : report.engines) {
    engines.push_back({{"name", e.name}, {"version", e.version}, {"caveats", e.caveats}});
  }
  nlohmann::json results = nlohmann::json::array();
  for (const Result& r : report.results) results.push_back(ResultJson(report, r));
  nlohmann::json j = {
      {"tool", "strata-bench"},    {"started", report.started},
      {"machine", report.machine}, {"config", ConfigJson(report.flags)},
      {"engines", engines},        {"results", results},
  };
  return j.dump(2) + "\n";
}

}  // namespace strata::bench
