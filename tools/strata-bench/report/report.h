// The outputs of a run, each a pure function of the Report: the aligned
// table printed at the end, the JSON file (--json) with every figure of every
// run and their medians, the SVG chart (--svg) of throughput, ratios and
// latency percentiles, the Markdown tables (--markdown); and the exchange
// format between the engine processes and the parent (runs_json.cc).
//
// Ratios are always median ops/s of one engine divided by median ops/s of
// another on the same workload at the same thread count, so above 1 means
// faster.
//
// Thread-safety: pure functions.

#ifndef STRATA_BENCH_REPORT_REPORT_H_
#define STRATA_BENCH_REPORT_REPORT_H_

#include <strata/status.h>

#include <string>

#include "result.h"

namespace strata::bench {

// Median ops/s of `engine` over median ops/s of `other` on workload at
// `threads`; 0 if either is missing or idle.
double ThroughputRatio(const Report& report, const std::string& workload, const std::string& engine,
                       const std::string& other, int threads);
// The same against the fastest engine but `engine` (issue 11's yardstick:
// "the faster other engine"); 0 if there is none.
double RatioToFastestOther(const Report& report, const std::string& workload,
                           const std::string& engine, int threads);

// "L0 2, L6 2"; "empty" when no level has a file.
std::string ShapeText(const std::vector<int>& files_per_level);
// ShapeText of r's tree before it ran, then its memtable bytes if known:
// "L0 3, L6 2, mem 61 MiB".
std::string ShapeText(const Result& r);

std::string FormatTable(const Report& report);
std::string FormatJson(const Report& report);
std::string FormatSvg(const Report& report);
std::string FormatMarkdown(const Report& report);

// Every Result, every field, for an engine process to hand its results to
// the parent; ParseRunsJson appends what it reads to *results.
std::string FormatRunsJson(const std::vector<Result>& results);
Status ParseRunsJson(const std::string& text, std::vector<Result>* results);

// Writes contents to path, replacing it.
Status WriteTextFile(const std::string& path, const std::string& contents);

}  // namespace strata::bench

#endif  // STRATA_BENCH_REPORT_REPORT_H_
