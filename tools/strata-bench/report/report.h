// The outputs of a run, each a pure function of the Report: the aligned
// table printed at the end, the JSON file (--json) with every figure, and the
// SVG chart (--svg) of throughput, ratios and latency percentiles.
//
// Ratios are always ops/s of one engine divided by ops/s of another on the
// same workload, so above 1 means faster.
//
// Thread-safety: pure functions.

#ifndef STRATA_BENCH_REPORT_REPORT_H_
#define STRATA_BENCH_REPORT_REPORT_H_

#include <strata/status.h>

#include <string>

#include "result.h"

namespace strata::bench {

// ops/s of `engine` over ops/s of `other` on workload; 0 if either is
// missing or idle.
double ThroughputRatio(const Report& report, const std::string& workload, const std::string& engine,
                       const std::string& other);

std::string FormatTable(const Report& report);
std::string FormatJson(const Report& report);
std::string FormatSvg(const Report& report);

// Writes contents to path, replacing it.
Status WriteTextFile(const std::string& path, const std::string& contents);

}  // namespace strata::bench

#endif  // STRATA_BENCH_REPORT_REPORT_H_
