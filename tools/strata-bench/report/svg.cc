// The SVG chart (--svg), written by hand so it needs no library: a title with
// the configuration, then three panels that read without the table:
//   1. throughput of every engine on every workload (ops/s, log scale);
//   2. the first engine's throughput over each other engine's (log scale,
//      1x in the middle: a bar to the right means the first engine is faster);
//   3. latency percentiles per operation (µs, log scale): p50, p99 and
//      p99.9 marked on a line in the engine's colour, max as a grey tick.
// Every bar and marker is labelled with its value.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "report/report.h"

namespace strata::bench {
namespace {

constexpr double kWidth = 1060;
constexpr double kPlotLeft = 180;   // workload labels to the left of this
constexpr double kPlotRight = 770;  // value labels to the right of this
constexpr double kBarHeight = 13;
constexpr double kRowGap = 3;
constexpr double kGroupGap = 12;
constexpr const char* kFont = "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\"";
constexpr const char* kColors[] = {"#1f6fb4", "#2e9e44", "#d4452b",
                                   "#8e5ac8", "#c9881a", "#15a3a3"};

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// 812, 1.2k, 812k, 1.23M.
std::string Short(double v) {
  if (v >= 1e6) return fmt::format("{:.3g}M", v / 1e6);
  if (v >= 1e3) return fmt::format("{:.3g}k", v / 1e3);
  return fmt::format("{:.3g}", v);
}

std::string Micros(double us) {
  if (us >= 1e6) return fmt::format("{:.3g} s", us / 1e6);
  if (us >= 1000) return fmt::format("{:.3g} ms", us / 1000);
  return fmt::format("{:.3g} µs", us);
}

// A log-scale axis: value -> x between kPlotLeft and kPlotRight.
struct LogScale {
  double log_low;
  double log_high;
  double base;

  // Spans [low, high], widened to whole powers of base.
  static LogScale Spanning(double low, double high, double base) {
    double l = std::floor(std::log(low) / std::log(base));
    double h = std::ceil(std::log(high) / std::log(base));
    if (h <= l) h = l + 1;
    return {l, h, base};
  }
  double X(double v) const {
    double p = std::log(std::max(v, 1e-12)) / std::log(base);
    double f = (p - log_low) / (log_high - log_low);
    return kPlotLeft + std::clamp(f, 0.0, 1.0) * (kPlotRight - kPlotLeft);
  }
};

class Svg {
 public:
  void Text(double x, double y, const std::string& text, const char* anchor = "start",
            double size = 11, const char* fill = "#222", const char* weight = "normal") {
    body_ += fmt::format(
        "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"{}\" font-size=\"{}\" fill=\"{}\" "
        "font-weight=\"{}\">{}</text>\n",
        x, y, anchor, size, fill, weight, Escape(text));
  }
  void Rect(double x, double y, double w, double h, const std::string& fill, double opacity = 1) {
    body_ += fmt::format(
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\" "
        "fill-opacity=\"{}\"/>\n",
        x, y, std::max(w, 0.0), h, fill, opacity);
  }
  void Line(double x1, double y1, double x2, double y2, const std::string& stroke, double width = 1,
            const char* dash = "") {
    body_ += fmt::format(
        "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" "
        "stroke-width=\"{}\"{}/>\n",
        x1, y1, x2, y2, stroke, width,
        *dash ? fmt::format(" stroke-dasharray=\"{}\"", dash) : std::string());
  }
  void Circle(double x, double y, double r, const std::string& fill) {
    body_ += fmt::format(
        "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{}\" fill=\"{}\" stroke=\"#fff\" "
        "stroke-width=\"0.8\"/>\n",
        x, y, r, fill);
  }
  void Diamond(double x, double y, double r, const std::string& fill) {
    body_ += fmt::format(
        "<polygon points=\"{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}\" fill=\"{}\" "
        "stroke=\"#fff\" stroke-width=\"0.8\"/>\n",
        x, y - r, x + r, y, x, y + r, x - r, y, fill);
  }
  void Square(double x, double y, double r, const std::string& fill) {
    body_ += fmt::format(
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\" "
        "stroke=\"#fff\" stroke-width=\"0.8\"/>\n",
        x - r, y - r, 2 * r, 2 * r, fill);
  }

  std::string Finish(double height) const {
    return fmt::format(
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1:.0f}\" "
               "viewBox=\"0 0 {0} {1:.0f}\" {2}>\n"
               "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n",
               kWidth, height, kFont) +
           body_ + "</svg>\n";
  }

 private:
  std::string body_;
};

class ChartWriter {
 public:
  explicit ChartWriter(const Report& report)
      : report_(report),
        workloads_(report.Workloads()),
        threads_(report.ThreadCounts().empty() ? report.flags.threads
                                               : report.ThreadCounts().front()) {}

  std::string Render() {
    double y = Title(20);
    y = Throughput(y + 10);
    if (report_.engines.size() > 1) y = Ratios(y + 10);
    y = Latencies(y + 10);
    return svg_.Finish(y + 10);
  }

 private:
  std::string Color(const std::string& engine) const {
    for (size_t i = 0; i < report_.engines.size(); i++) {
      if (report_.engines[i].name == engine) return kColors[i % std::size(kColors)];
    }
    return "#888";
  }

  double Title(double y) {
    const Flags& f = report_.flags;
    std::string engines;
    for (const EngineInfo& e : report_.engines) {
      engines += (engines.empty() ? "" : " vs ") + e.name + " " + e.version;
    }
    svg_.Text(10, y + 6, "strata-bench: " + engines, "start", 17, "#111", "bold");
    std::string config = fmt::format(
        "{} keys of {} B, values {} B (half compressible), {} compression, {} thread{}, "
        "cache {} MiB, write buffer {} MiB, bloom {} bits/key{}",
        Short(static_cast<double>(f.num)), f.key_size, f.value_size,
        CompressionName(f.engine.compression), threads_, threads_ == 1 ? "" : "s",
        f.engine.cache_size >> 20, f.engine.write_buffer_size >> 20, f.engine.bloom_bits,
        f.sync ? ", synced writes" : "");
    svg_.Text(10, y + 26, config, "start", 11, "#444");
    svg_.Text(10, y + 42, report_.machine + "  ·  " + report_.started, "start", 11, "#666");
    // Legend: one swatch per engine.
    double x = 10;
    for (const EngineInfo& e : report_.engines) {
      svg_.Rect(x, y + 52, 12, 12, Color(e.name));
      std::string label = e.name + (e.caveats.empty() ? "" : " (" + e.caveats + ")");
      svg_.Text(x + 16, y + 62, label, "start", 12);
      x += 30 + 7.0 * static_cast<double>(label.size());
    }
    return y + 72;
  }

  double PanelTitle(double y, const std::string& title, const std::string& subtitle) {
    svg_.Text(10, y + 14, title, "start", 14, "#111", "bold");
    svg_.Text(10, y + 30, subtitle, "start", 11, "#555");
    return y + 40;
  }

  // Vertical grid lines and their labels at each power of the scale's base
  // between top and bottom.
  void Grid(const LogScale& scale, double top, double bottom, std::string (*label)(double value)) {
    for (double p = scale.log_low; p <= scale.log_high + 1e-9; p++) {
      double v = std::pow(scale.base, p);
      double x = scale.X(v);
      svg_.Line(x, top, x, bottom, "#ddd");
      svg_.Text(x, bottom + 12, label(v), "middle", 10, "#666");
    }
  }

  // Alternating light bands behind workload groups, and their labels.
  void GroupLabel(const std::string& workload, double top, double bottom, size_t index) {
    if (index % 2 == 0)
      svg_.Rect(5, top - kRowGap, kWidth - 10, bottom - top + 2 * kRowGap, "#f4f6f9");
    svg_.Text(kPlotLeft - 10, (top + bottom) / 2 + 4, workload, "end", 12, "#111", "bold");
  }

  double Throughput(double y) {
    y = PanelTitle(y, "Throughput (operations per second, log scale)",
                   report_.flags.repeat > 1
                       ? fmt::format("Longer bars are faster. Medians of {} runs; each engine runs "
                                     "every workload on its own database.",
                                     report_.flags.repeat)
                       : "Longer bars are faster. Each engine runs every workload on its own "
                         "database.");
    double low = std::numeric_limits<double>::max(), high = 0;
    for (const std::string& w : workloads_) {
      for (const EngineInfo& e : report_.engines) {
        double ops = report_.OpsPerSecond(w, e.name, threads_).median;
        if (ops <= 0) continue;
        low = std::min(low, ops);
        high = std::max(high, ops);
      }
    }
    if (high == 0) return y;
    LogScale scale = LogScale::Spanning(low, high, 10);
    double top = y;
    for (size_t w = 0; w < workloads_.size(); w++) {
      double group_top = y;
      for (const EngineInfo& e : report_.engines) {
        const Result* r = report_.Find(workloads_[w], e.name, threads_);
        if (r == nullptr) continue;
        y += kBarHeight + kRowGap;
      }
      GroupLabel(workloads_[w], group_top, y - kRowGap, w);
      y = group_top;
      for (const EngineInfo& e : report_.engines) {
        const Result* r = report_.Find(workloads_[w], e.name, threads_);
        if (r == nullptr) continue;
        double ops = report_.OpsPerSecond(workloads_[w], e.name, threads_).median;
        double x = scale.X(ops);
        svg_.Rect(kPlotLeft, y, x - kPlotLeft, kBarHeight, Color(e.name));
        svg_.Text(x + 4, y + kBarHeight - 3, fmt::format("{} ops/s  {}", Short(ops), e.name),
                  "start", 10);
        y += kBarHeight + kRowGap;
      }
      y += kGroupGap;
    }
    Grid(scale, top - 4, y - kGroupGap + 2, [](double v) { return Short(v); });
    return y + 16;
  }

  double Ratios(double y) {
    const std::string& first = report_.engines.front().name;
    y = PanelTitle(y, "Throughput of " + first + " relative to each other engine (log scale)",
                   "Ratio of ops/s on the same workload: right of 1x, " + first +
                       " is faster by that factor; left of it, slower.");
    double low = 0.5, high = 2;
    for (const std::string& w : workloads_) {
      for (const EngineInfo& e : report_.engines) {
        double ratio = ThroughputRatio(report_, w, first, e.name, threads_);
        if (e.name == first || ratio <= 0) continue;
        low = std::min(low, ratio / 1.1);
        high = std::max(high, ratio * 1.1);
      }
    }
    LogScale scale = LogScale::Spanning(low, high, 2);
    double top = y;
    for (size_t w = 0; w < workloads_.size(); w++) {
      double group_top = y;
      std::vector<std::pair<std::string, double>> rows;
      for (const EngineInfo& e : report_.engines) {
        double ratio = ThroughputRatio(report_, workloads_[w], first, e.name, threads_);
        if (e.name != first && ratio > 0) rows.emplace_back(e.name, ratio);
      }
      if (rows.empty()) continue;
      GroupLabel(workloads_[w], group_top,
                 group_top + static_cast<double>(rows.size()) * (kBarHeight + kRowGap) - kRowGap,
                 w);
      for (const auto& [other, ratio] : rows) {
        double one = scale.X(1), x = scale.X(ratio);
        svg_.Rect(std::min(one, x), y, std::abs(x - one), kBarHeight, Color(other),
                  ratio >= 1 ? 1.0 : 0.55);
        std::string label = fmt::format("{:.2f}x vs {}", ratio, other);
        if (ratio >= 1) {
          svg_.Text(x + 4, y + kBarHeight - 3, label, "start", 10);
        } else {
          svg_.Text(x - 4, y + kBarHeight - 3, label, "end", 10);
        }
        y += kBarHeight + kRowGap;
      }
      y += kGroupGap;
    }
    Grid(scale, top - 4, y - kGroupGap + 2, [](double v) { return fmt::format("{:g}x", v); });
    svg_.Line(scale.X(1), top - 4, scale.X(1), y - kGroupGap + 2, "#333", 1.5);
    return y + 16;
  }

  double Latencies(double y) {
    y = PanelTitle(y, "Latency per operation (log scale)",
                   "Circle p50, diamond p99, square p99.9 on a line in the engine's colour; the "
                   "grey tick is the slowest operation.");
    double low = std::numeric_limits<double>::max(), high = 0;
    for (const Result& r : report_.results) {
      if (r.ops == 0) continue;
      low = std::min(low, std::max(r.LatencyMicros(0.5), 0.01));
      high = std::max(high, static_cast<double>(r.latency.max()) / 1000.0);
    }
    if (high == 0) return y;
    LogScale scale = LogScale::Spanning(low, high, 10);
    double top = y;
    for (size_t w = 0; w < workloads_.size(); w++) {
      double group_top = y;
      size_t rows = 0;
      for (const EngineInfo& e : report_.engines)
        rows += report_.Find(workloads_[w], e.name, threads_) != nullptr;
      GroupLabel(workloads_[w], group_top,
                 group_top + static_cast<double>(rows) * (kBarHeight + kRowGap) - kRowGap, w);
      for (const EngineInfo& e : report_.engines) {
        const Result* r = report_.Find(workloads_[w], e.name, threads_);
        if (r == nullptr) continue;
        std::string color = Color(e.name);
        double mid = y + kBarHeight / 2;
        double p50 = r->LatencyMicros(0.5), p99 = r->LatencyMicros(0.99);
        double p999 = r->LatencyMicros(0.999);
        double max = static_cast<double>(r->latency.max()) / 1000.0;
        svg_.Line(scale.X(p999), mid, scale.X(max), mid, "#aaa", 1, "2,2");
        svg_.Line(scale.X(max), mid - 5, scale.X(max), mid + 5, "#888", 1.5);
        svg_.Line(scale.X(p50), mid, scale.X(p999), mid, color, 2.5);
        svg_.Circle(scale.X(p50), mid, 4.5, color);
        svg_.Diamond(scale.X(p99), mid, 5.5, color);
        svg_.Square(scale.X(p999), mid, 4, color);
        svg_.Text(kPlotRight + 8, y + kBarHeight - 3,
                  fmt::format("{}  p50 {}  p99 {}  p99.9 {}", e.name, Micros(p50), Micros(p99),
                              Micros(p999)),
                  "start", 9.5);
        y += kBarHeight + kRowGap;
      }
      y += kGroupGap;
    }
    Grid(scale, top - 4, y - kGroupGap + 2, [](double v) { return Micros(v); });
    return y + 16;
  }

  const Report& report_;
  const std::vector<std::string> workloads_;
  const int threads_;  // the thread count charted: the first that ran
  Svg svg_;
};

}  // namespace

std::string FormatSvg(const Report& report) { return ChartWriter(report).Render(); }

}  // namespace strata::bench
