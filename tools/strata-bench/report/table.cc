// The aligned result table: one row per workload and engine, with a column
// of ratios against each other engine, then StrataDB's own accounting.
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

}  // namespace

std::string FormatTable(const Report& report) {
  TextTable table(2);
  std::vector<std::string> header = {"workload", "engine", "µs/op",    "ops/s",  "MB/s",
                                     "p50 µs",   "p99 µs", "p99.9 µs", "max µs", "disk MiB"};
  for (const EngineInfo& e : report.engines) header.push_back("vs " + e.name);
  table.AddRow(header);
  for (const std::string& workload : report.Workloads()) {
    table.AddRule();
    for (const EngineInfo& engine : report.engines) {
      const Result* r = report.Find(workload, engine.name);
      if (r == nullptr) continue;
      std::vector<std::string> row = {
          workload,
          engine.name,
          Sig3(r->MicrosPerOp()),
          Grouped(r->OpsPerSecond()),
          fmt::format("{:.1f}", r->MbPerSecond()),
          Sig3(r->LatencyMicros(0.5)),
          Sig3(r->LatencyMicros(0.99)),
          Sig3(r->LatencyMicros(0.999)),
          Sig3(static_cast<double>(r->latency.max()) / 1000.0),
          fmt::format("{:.1f}", static_cast<double>(r->disk_bytes) / 1048576.0)};
      for (const EngineInfo& other : report.engines) {
        double ratio = ThroughputRatio(report, workload, engine.name, other.name);
        row.push_back(other.name == engine.name || ratio == 0 ? "-"
                                                              : fmt::format("{:.2f}x", ratio));
      }
      table.AddRow(std::move(row));
    }
  }
  std::string out = table.Render();

  // StrataDB's own accounting, where an engine reported it.
  TextTable amp(2);
  amp.AddRow({"workload", "engine", "write-amp", "space-amp", "tables MiB", "stall s", "stalls"});
  bool any = false;
  for (const std::string& workload : report.Workloads()) {
    for (const EngineInfo& engine : report.engines) {
      const Result* r = report.Find(workload, engine.name);
      if (r == nullptr || !r->stats) continue;
      any = true;
      amp.AddRow({workload, engine.name, fmt::format("{:.2f}", r->stats->write_amplification),
                  fmt::format("{:.3f}", r->stats->space_amplification),
                  fmt::format("{:.1f}", static_cast<double>(r->stats->table_bytes) / 1048576.0),
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
