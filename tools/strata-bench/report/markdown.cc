// The Markdown report (--markdown), for docs/PERFORMANCE.md and issue
// notes: the configuration and settings of every engine, then per thread
// count the table of issue 11 (median µs/op and ops/s with the spread over
// the runs, and the first engine against the faster of the others), the tree
// shape before each read workload, peak memory per workload, and the scaling
// curve when several thread counts ran.

#include <fmt/format.h>

#include <algorithm>

#include "report/report.h"

namespace strata::bench {
namespace {

std::string Row(const std::vector<std::string>& cells) {
  std::string row = "|";
  for (const std::string& cell : cells) row += " " + cell + " |";
  return row + "\n";
}

std::string Rule(size_t columns) {
  std::string rule = "|";
  for (size_t i = 0; i < columns; i++) rule += i == 0 ? " --- |" : " ---: |";
  return rule + "\n";
}

std::string Ops(double ops) {
  if (ops >= 1e6) return fmt::format("{:.2f}M", ops / 1e6);
  if (ops >= 1e3) return fmt::format("{:.0f}k", ops / 1e3);
  return fmt::format("{:.0f}", ops);
}

std::string Header(const Report& report) {
  const Flags& f = report.flags;
  std::string threads;
  for (int t : report.ThreadCounts()) threads += (threads.empty() ? "" : ", ") + std::to_string(t);
  std::string out = fmt::format(
      "strata-bench, {}: {} keys of {} B, values {} B (half compressible), {} reads, threads {} "
      "(each does every operation), {} run{} per engine (alternating engines){}{}.\n\n"
      "Machine: {}.\n\n",
      report.started, f.num, f.key_size, f.value_size, f.reads == 0 ? f.num : f.reads, threads,
      f.repeat, f.repeat == 1 ? "" : "s",
      f.one_db ? ", the whole sequence on one database" : ", each fill on a fresh database",
      f.sync ? ", synced writes" : "", report.machine);
  std::vector<std::string> header = {"setting", "requested"};
  for (const EngineInfo& e : report.engines) header.push_back(e.name + " " + e.version);
  out += Row(header) + Rule(header.size());
  std::vector<std::string> requested = RequestedSettings(f.engine);
  for (size_t i = 0; i < std::size(kSettingNames); i++) {
    std::vector<std::string> row = {kSettingNames[i], requested[i]};
    for (const EngineInfo& e : report.engines) {
      std::string value = i < e.settings.size() ? e.settings[i] : "?";
      bool differs = i < kComparedSettings && value != requested[i];
      row.push_back(differs ? "**" + value + " (differs)**" : value);
    }
    out += Row(row);
  }
  return out + "\n";
}

std::string MainTable(const Report& report, int threads) {
  const std::string& first = report.engines.front().name;
  bool several = report.engines.size() > 1;
  std::vector<std::string> header = {"workload"};
  for (const EngineInfo& e : report.engines) header.push_back(e.name + " µs/op");
  for (const EngineInfo& e : report.engines) {
    header.push_back(e.name + " ops/s" + (report.flags.repeat > 1 ? " (min–max)" : ""));
  }
  if (several) header.push_back(first + " vs faster other");
  std::string out = Row(header) + Rule(header.size());
  for (const std::string& workload : report.Workloads()) {
    std::vector<std::string> row = {workload};
    for (const EngineInfo& e : report.engines) {
      Spread us = report.MicrosPerOp(workload, e.name, threads);
      row.push_back(us.median > 0 ? fmt::format("{:.3f}", us.median) : "n/a");
    }
    for (const EngineInfo& e : report.engines) {
      Spread ops = report.OpsPerSecond(workload, e.name, threads);
      std::string cell = ops.median > 0 ? Ops(ops.median) : "n/a";
      if (ops.median > 0 && report.flags.repeat > 1) {
        cell += " (" + Ops(ops.min) + "–" + Ops(ops.max) + ")";
      }
      row.push_back(cell);
    }
    if (several) {
      double ratio = RatioToFastestOther(report, workload, first, threads);
      row.push_back(ratio > 0 ? fmt::format("**{:.2f}x**", ratio) : "n/a");
    }
    out += Row(row);
  }
  return out;
}

std::string ShapeAndMemoryTables(const Report& report, int threads) {
  std::vector<std::string> header = {"tree before (files per level)"};
  for (const EngineInfo& e : report.engines) header.push_back(e.name);
  std::string shapes;
  for (const std::string& workload : report.Workloads()) {
    std::vector<std::string> row = {workload};
    bool any = false;
    for (const EngineInfo& e : report.engines) {
      const Result* r = report.Find(workload, e.name, threads);
      any |= r != nullptr && !r->files_per_level_before.empty();
      row.push_back(r == nullptr || r->files_per_level_before.empty() ? "-" : ShapeText(*r));
    }
    if (any) shapes += Row(row);
  }
  std::string out;
  if (!shapes.empty()) out += "\n" + Row(header) + Rule(header.size()) + shapes;

  header = {"peak RSS MiB (VmHWM)"};
  for (const EngineInfo& e : report.engines) header.push_back(e.name);
  out += "\n" + Row(header) + Rule(header.size());
  for (const std::string& workload : report.Workloads()) {
    std::vector<std::string> row = {workload};
    for (const EngineInfo& e : report.engines) {
      const Result* r = report.Find(workload, e.name, threads);
      row.push_back(r == nullptr ? "-"
                                 : fmt::format("{:.0f}{}",
                                               static_cast<double>(r->peak_rss_bytes) / 1048576.0,
                                               r->peak_rss_is_cumulative ? "+" : ""));
    }
    out += Row(row);
  }
  return out;
}

std::string CurveTable(const Report& report) {
  std::vector<int> counts = report.ThreadCounts();
  std::vector<std::string> header = {"workload", "engine"};
  for (int t : counts) header.push_back(fmt::format("{} thread{}", t, t == 1 ? "" : "s"));
  std::string out = Row(header) + Rule(header.size());
  for (const std::string& workload : report.Workloads()) {
    for (const EngineInfo& e : report.engines) {
      std::vector<std::string> row = {workload, e.name};
      double base = report.OpsPerSecond(workload, e.name, counts.front()).median;
      for (int t : counts) {
        double ops = report.OpsPerSecond(workload, e.name, t).median;
        row.push_back(ops <= 0    ? "n/a"
                      : base <= 0 ? Ops(ops)
                                  : fmt::format("{} ({:.2f}x)", Ops(ops), ops / base));
      }
      out += Row(row);
    }
  }
  return out;
}

}  // namespace

std::string FormatMarkdown(const Report& report) {
  if (report.engines.empty()) return "";
  std::string out = Header(report);
  std::vector<int> counts = report.ThreadCounts();
  for (int threads : counts) {
    if (counts.size() > 1)
      out += fmt::format("\n**{} thread{}**\n\n", threads, threads == 1 ? "" : "s");
    out += MainTable(report, threads);
    out += ShapeAndMemoryTables(report, threads);
  }
  if (counts.size() > 1) {
    out += "\nScaling: median ops/s of all threads together (speed-up over " +
           std::to_string(counts.front()) + " thread" + (counts.front() == 1 ? "" : "s") +
           ").\n\n" + CurveTable(report);
  }
  out += fmt::format(
      "\nµs/op is db_bench's: each thread's own time over the operations of all threads. "
      "{}Ratios are of median ops/s. Peak RSS is the engine process's VmHWM during the "
      "workload (reset before it); a + marks a peak since the process started.\n",
      report.flags.repeat > 1
          ? fmt::format("Figures are medians of {} runs; other figures are the median run's. ",
                        report.flags.repeat)
          : "");
  return out;
}

}  // namespace strata::bench
