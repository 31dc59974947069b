// The results of one engine process, as the parent reads them back: every
// field of every Result (the latency histogram bucket by bucket), so the
// parent's report is what the engine process measured, to the nanosecond.
// Not a user-facing format (--json is, report/json.cc); it changes with
// Result.

#include <nlohmann/json.hpp>

#include "report/report.h"

namespace strata::bench {
namespace {

nlohmann::json RunJson(const Result& r) {
  nlohmann::json j = {
      {"workload", r.workload},
      {"engine", r.engine},
      {"threads", r.threads},
      {"repetition", r.repetition},
      {"ops", r.ops},
      {"found", r.found},
      {"bytes", r.bytes},
      {"seconds", r.seconds},
      {"thread_seconds", r.thread_seconds},
      {"latency",
       {{"buckets", r.latency.Buckets()},
        {"min", r.latency.min()},
        {"max", r.latency.max()},
        {"sum", r.latency.sum()}}},
      {"disk_bytes", r.disk_bytes},
      {"stall_micros_during", r.stall_micros_during},
      {"ops_per_second", r.ops_per_second},
      {"files_per_level_before", r.files_per_level_before},
      {"memtable_bytes_before", r.memtable_bytes_before ? nlohmann::json(*r.memtable_bytes_before)
                                                        : nlohmann::json(nullptr)},
      {"peak_rss_bytes", r.peak_rss_bytes},
      {"peak_rss_is_cumulative", r.peak_rss_is_cumulative},
  };
  if (r.background_ops) j["background_ops"] = *r.background_ops;
  if (r.stats) {
    j["stats"] = {{"write_amplification", r.stats->write_amplification},
                  {"space_amplification", r.stats->space_amplification},
                  {"table_bytes", r.stats->table_bytes},
                  {"stall_micros", r.stats->stall_micros},
                  {"stall_count", r.stats->stall_count}};
  }
  return j;
}

Result RunFromJson(const nlohmann::json& j) {
  Result r;
  r.workload = j.at("workload").get<std::string>();
  r.engine = j.at("engine").get<std::string>();
  r.threads = j.at("threads").get<int>();
  r.repetition = j.at("repetition").get<int>();
  r.ops = j.at("ops").get<uint64_t>();
  r.found = j.at("found").get<uint64_t>();
  r.bytes = j.at("bytes").get<uint64_t>();
  r.seconds = j.at("seconds").get<double>();
  r.thread_seconds = j.at("thread_seconds").get<double>();
  const nlohmann::json& latency = j.at("latency");
  r.latency.Restore(latency.at("buckets").get<std::vector<std::pair<int, uint64_t>>>(),
                    latency.at("min").get<uint64_t>(), latency.at("max").get<uint64_t>(),
                    latency.at("sum").get<double>());
  r.disk_bytes = j.at("disk_bytes").get<uint64_t>();
  r.stall_micros_during = j.at("stall_micros_during").get<uint64_t>();
  r.ops_per_second = j.at("ops_per_second").get<std::vector<uint64_t>>();
  r.files_per_level_before = j.at("files_per_level_before").get<std::vector<int>>();
  if (j.contains("memtable_bytes_before") && !j["memtable_bytes_before"].is_null()) {
    r.memtable_bytes_before = j["memtable_bytes_before"].get<uint64_t>();
  }
  r.peak_rss_bytes = j.at("peak_rss_bytes").get<uint64_t>();
  r.peak_rss_is_cumulative = j.at("peak_rss_is_cumulative").get<bool>();
  if (j.contains("background_ops")) r.background_ops = j["background_ops"].get<uint64_t>();
  if (j.contains("stats")) {
    const nlohmann::json& s = j["stats"];
    r.stats =
        EngineStats{s.at("write_amplification").get<double>(),
                    s.at("space_amplification").get<double>(), s.at("table_bytes").get<uint64_t>(),
                    s.at("stall_micros").get<uint64_t>(), s.at("stall_count").get<uint64_t>()};
  }
  return r;
}

}  // namespace

std::string FormatRunsJson(const std::vector<Result>& results) {
  nlohmann::json runs = nlohmann::json::array();
  for (const Result& r : results) runs.push_back(RunJson(r));
  return runs.dump() + "\n";
}

Status ParseRunsJson(const std::string& text, std::vector<Result>* results) {
  // nlohmann reports malformed input by exception; none may leave the tool.
  try {
    nlohmann::json runs = nlohmann::json::parse(text);
    for (const nlohmann::json& run : runs) results->push_back(RunFromJson(run));
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption("engine process results", e.what());
  }
  return Status::OK();
}

}  // namespace strata::bench
