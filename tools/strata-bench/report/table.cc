// The aligned result tables: per thread count, one row per workload and
// engine (medians over the repetitions, ratios of medians against each other
// engine) and the tree shape each read workload met; the scaling curve when
// several thread counts ran; then StrataDB's own accounting.
// Columns are padded by display width (code points), since "µs" is two bytes
// of UTF-8 but one column on a terminal.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "report/report.h"

namespace strata::bench {
namespace {

size_t DisplayWidth(const std::string& s) {
  // Counts every byte that does not continue a UTF-8 sequence.
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

// A table of cells: the first `left` columns are left-aligned, the rest
// right-aligned. An empty row draws a rule.
class TextTable {
 public:
  explicit TextTable(size_t left) : left_(left) {}
  void AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void AddRule() { rows_.emplace_back(); }

  std::string Render() const {
    std::vector<size_t> widths;
    for (const auto& row : rows_) {
      widths.resize(std::max(widths.size(), row.size()), 0);
      for (size_t c = 0; c < row.size(); c++) widths[c] = std::max(widths[c], DisplayWidth(row[c]));
    }
    size_t total = 0;
    for (size_t w : widths) total += w + 2;
    std::string out;
    for (const auto& row : rows_) {
      if (row.empty()) {
        out += std::string(total > 2 ? total - 2 : 0, '-') + "\n";
        continue;
      }
      std::string line;
      for (size_t c = 0; c < row.size(); c++) {
        std::string pad(widths[c] - DisplayWidth(row[c]), ' ');
        line += c < left_ ? row[c] + pad : pad + row[c];
        if (c + 1 < row.size()) line += "  ";
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line + "\n";
    }
    return out;
  }

 private:
  size_t left_;
  std::vector<std::vector<std::string>> rows_;
};

// Three significant digits, no exponent: 0.123, 1.23, 12.3, 123, 12345.
std::string Sig3(double v) {
  if (v == 0) return "0";
  if (v < 1) return fmt::format("{:.3f}", v);
  if (v < 10) return fmt::format("{:.2f}", v);
  if (v < 100) return fmt::format("{:.1f}", v);
  return fmt::format("{:.0f}", v);
}

// Thousands separated by commas: 1,234,567. (Not through a locale, which may
// not be installed.)
std::string Grouped(double v) {
  std::string digits = std::to_string(std::llround(v));
  std::string out;
  for (size_t i = 0; i < digits.size(); i++) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string MiBText(uint64_t bytes) {
  return fmt::format("{:.1f}", static_cast<double>(bytes) / 1048576.0);
}

// One row per workload and engine at `threads`: medians over the runs (with
// the slowest and fastest run's ops/s when there are several), the median
// run's latencies and sizes, and the ratio of medians to each other engine.
std::string ResultTable(const Report& report, int threads) {
  bool repeated = report.flags.repeat > 1;
  TextTable table(2);
  std::vector<std::string> header = {"workload", "engine", "µs/op", "ops/s"};
  if (repeated) header.insert(header.end(), {"min ops/s", "max ops/s"});
  header.insert(header.end(),
                {"MB/s", "p50 µs", "p99 µs", "p99.9 µs", "max µs", "disk MiB", "peak MiB"});
  for (const EngineInfo& e : report.engines) header.push_back("vs " + e.name);
  table.AddRow(header);
  for (const std::string& workload : report.Workloads()) {
    table.AddRule();
    for (const EngineInfo& engine : report.engines) {
      const Result* r = report.Find(workload, engine.name, threads);
      if (r == nullptr) continue;
      Spread ops = report.OpsPerSecond(workload, engine.name, threads);
      std::vector<std::string> row = {
          workload, engine.name, Sig3(report.MicrosPerOp(workload, engine.name, threads).median),
          Grouped(ops.median)};
      if (repeated) row.insert(row.end(), {Grouped(ops.min), Grouped(ops.max)});
      row.insert(row.end(),
                 {fmt::format("{:.1f}", r->MbPerSecond()), Sig3(r->LatencyMicros(0.5)),
                  Sig3(r->LatencyMicros(0.99)), Sig3(r->LatencyMicros(0.999)),
                  Sig3(static_cast<double>(r->latency.max()) / 1000.0), MiBText(r->disk_bytes),
                  MiBText(r->peak_rss_bytes) + (r->peak_rss_is_cumulative ? "+" : "")});
      for (const EngineInfo& other : report.engines) {
        double ratio = ThroughputRatio(report, workload, engine.name, other.name, threads);
        row.push_back(other.name == engine.name || ratio == 0 ? "-"
                                                              : fmt::format("{:.2f}x", ratio));
      }
      table.AddRow(std::move(row));
    }
  }
  return table.Render();
}

// The files per level each read workload met, engine by engine (median run).
std::string ShapeTable(const Report& report, int threads) {
  TextTable table(1);
  std::vector<std::string> header = {"tree before"};
  for (const EngineInfo& e : report.engines) header.push_back(e.name);
  table.AddRow(header);
  bool any = false;
  for (const std::string& workload : report.Workloads()) {
    std::vector<std::string> row = {workload};
    bool has_shape = false;
    for (const EngineInfo& e : report.engines) {
      const Result* r = report.Find(workload, e.name, threads);
      has_shape |= r != nullptr && !r->files_per_level_before.empty();
      row.push_back(r == nullptr || r->files_per_level_before.empty() ? "-" : ShapeText(*r));
    }
    if (!has_shape) continue;
    any = true;
    table.AddRow(std::move(row));
  }
  return any ? table.Render() : "";
}

// Median ops/s per thread count, and the speed-up over the first count.
std::string CurveTable(const Report& report) {
  std::vector<int> counts = report.ThreadCounts();
  TextTable table(2);
  std::vector<std::string> header = {"workload", "engine"};
  for (int t : counts) header.push_back(fmt::format("ops/s {}t", t));
  for (size_t i = 1; i < counts.size(); i++) {
    header.push_back(fmt::format("{}t/{}t", counts[i], counts[0]));
  }
  table.AddRow(header);
  for (const std::string& workload : report.Workloads()) {
    table.AddRule();
    for (const EngineInfo& e : report.engines) {
      std::vector<std::string> row = {workload, e.name};
      std::vector<double> medians;
      for (int t : counts) {
        medians.push_back(report.OpsPerSecond(workload, e.name, t).median);
        row.push_back(Grouped(medians.back()));
      }
      for (size_t i = 1; i < counts.size(); i++) {
        row.push_back(medians[0] > 0 ? fmt::format("{:.2f}x", medians[i] / medians[0]) : "-");
      }
      table.AddRow(std::move(row));
    }
  }
  return table.Render();
}

}  // namespace

std::string FormatTable(const Report& report) {
  std::vector<int> counts = report.ThreadCounts();
  std::string out;
  for (int threads : counts) {
    if (counts.size() > 1) out += fmt::format("\n{} thread{}:\n", threads, threads == 1 ? "" : "s");
    out += ResultTable(report, threads);
    if (std::string shapes = ShapeTable(report, threads); !shapes.empty()) {
      out += '\n';
      out += shapes;
    }
  }
  if (counts.size() > 1) {
    out += "\nScaling (median ops/s, all threads together):\n";
    out += CurveTable(report);
  }
  if (report.flags.repeat > 1) {
    out += fmt::format(
        "\nµs/op and ops/s: medians of {} runs; the other figures are the median run's; "
        "ratios are ratios of medians.\n",
        report.flags.repeat);
  }
  if (std::any_of(report.results.begin(), report.results.end(),
                  [](const Result& r) { return r.peak_rss_is_cumulative; })) {
    out +=
        "peak MiB marked +: the peak since the engine process started (the kernel refused "
        "to reset it).\n";
  }

  // StrataDB's own accounting, where an engine reported it.
  TextTable amp(2);
  amp.AddRow({"workload", "engine", "write-amp", "space-amp", "tables MiB", "stall s", "stalls"});
  bool any = false;
  for (const std::string& workload : report.Workloads()) {
    for (const EngineInfo& engine : report.engines) {
      const Result* r = report.Find(workload, engine.name, counts.front());
      if (r == nullptr || !r->stats) continue;
      any = true;
      amp.AddRow({workload, engine.name, fmt::format("{:.2f}", r->stats->write_amplification),
                  fmt::format("{:.3f}", r->stats->space_amplification),
                  MiBText(r->stats->table_bytes),
                  fmt::format("{:.2f}", static_cast<double>(r->stall_micros_during) / 1e6),
                  std::to_string(r->stats->stall_count)});
    }
  }
  if (any) {
    out += '\n';
    out += amp.Render();
  }
  return out;
}

}  // namespace strata::bench
