// The JSON report (--json): the run's configuration, the engines (with the
// settings each runs with), every figure of every run ("results", one per
// workload, engine, thread count and repetition) and, per workload, engine
// and thread count, the spread over the repetitions ("summary": medians,
// min, max, ratios of medians). Latencies are in microseconds, sizes in
// bytes.

#include <nlohmann/json.hpp>

#include <algorithm>

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
      {"threads", flags.ThreadCounts()},
      {"repeat", flags.repeat},
      {"one_db", flags.one_db},
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
    double ratio = ThroughputRatio(report, r.workload, r.engine, other.name, r.threads);
    if (ratio > 0) ratios[other.name] = ratio;
  }
  nlohmann::json j = {
      {"workload", r.workload},
      {"engine", r.engine},
      {"threads", r.threads},
      {"repetition", r.repetition},
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
      {"peak_rss_bytes", r.peak_rss_bytes},
      {"peak_rss_is_cumulative", r.peak_rss_is_cumulative},
      {"ratios", ratios},
  };
  if (!r.files_per_level_before.empty()) j["files_per_level_before"] = r.files_per_level_before;
  if (r.memtable_bytes_before) j["memtable_bytes_before"] = *r.memtable_bytes_before;
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

nlohmann::json SpreadJson(const Spread& spread) {
  return {{"median", spread.median}, {"min", spread.min}, {"max", spread.max}};
}

nlohmann::json SummaryJson(const Report& report, const std::string& workload,
                           const std::string& engine, int threads) {
  std::vector<const Result*> runs = report.Runs(workload, engine, threads);
  const Result* median = report.Find(workload, engine, threads);
  nlohmann::json ratios = nlohmann::json::object();
  for (const EngineInfo& other : report.engines) {
    double ratio = ThroughputRatio(report, workload, engine, other.name, threads);
    if (other.name != engine && ratio > 0) ratios[other.name] = ratio;
  }
  std::vector<double> peaks;
  for (const Result* r : runs) peaks.push_back(static_cast<double>(r->peak_rss_bytes));
  nlohmann::json j = {
      {"workload", workload},
      {"engine", engine},
      {"threads", threads},
      {"runs", runs.size()},
      {"ops_per_sec", SpreadJson(report.OpsPerSecond(workload, engine, threads))},
      {"micros_per_op", SpreadJson(report.MicrosPerOp(workload, engine, threads))},
      {"peak_rss_bytes",
       {{"median_run", median->peak_rss_bytes},
        {"max", *std::max_element(peaks.begin(), peaks.end())}}},
      {"median_repetition", median->repetition},
      {"ratios", ratios},
  };
  double fastest_other = RatioToFastestOther(report, workload, engine, threads);
  if (fastest_other > 0) j["ratio_to_fastest_other"] = fastest_other;
  if (!median->files_per_level_before.empty()) {
    j["files_per_level_before"] = median->files_per_level_before;
  }
  if (median->memtable_bytes_before) {
    j["memtable_bytes_before"] = *median->memtable_bytes_before;
  }
  return j;
}

}  // namespace

std::string FormatJson(const Report& report) {
  nlohmann::json engines = nlohmann::json::array();
  for (const EngineInfo& e : report.engines) {
    nlohmann::json settings = nlohmann::json::object();
    for (size_t i = 0; i < e.settings.size() && i < std::size(kSettingNames); i++) {
      settings[kSettingNames[i]] = e.settings[i];
    }
    engines.push_back(
        {{"name", e.name}, {"version", e.version}, {"caveats", e.caveats}, {"settings", settings}});
  }
  nlohmann::json requested = nlohmann::json::object();
  std::vector<std::string> values = RequestedSettings(report.flags.engine);
  for (size_t i = 0; i < kComparedSettings; i++) requested[kSettingNames[i]] = values[i];
  nlohmann::json summary = nlohmann::json::array();
  for (int threads : report.ThreadCounts()) {
    for (const std::string& workload : report.Workloads()) {
      for (const EngineInfo& e : report.engines) {
        if (report.Find(workload, e.name, threads) == nullptr) continue;
        summary.push_back(SummaryJson(report, workload, e.name, threads));
      }
    }
  }
  nlohmann::json results = nlohmann::json::array();
  for (const Result& r : report.results) results.push_back(ResultJson(report, r));
  nlohmann::json j = {
      {"tool", "strata-bench"},    {"started", report.started},
      {"machine", report.machine}, {"config", ConfigJson(report.flags)},
      {"engines", engines},        {"settings_requested", requested},
      {"results", results},        {"summary", summary},
  };
  return j.dump(2) + "\n";
}

}  // namespace strata::bench
