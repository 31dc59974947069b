// Report helpers: see result.h.

#include "result.h"

#include <algorithm>

namespace strata::bench {

std::pair<double, double> Result::SecondRange() const {
  if (ops_per_second.size() < 2) return {0, 0};
  uint64_t sum = 0, lo = ops_per_second.front(), hi = ops_per_second.front();
  for (uint64_t n : ops_per_second) {
    sum += n;
    lo = std::min(lo, n);
    hi = std::max(hi, n);
  }
  double mean = static_cast<double>(sum) / static_cast<double>(ops_per_second.size());
  return {static_cast<double>(lo) / mean, static_cast<double>(hi) / mean};
}

std::vector<std::string> Report::Workloads() const {
  std::vector<std::string> names;
  for (const std::string& name : flags.benchmarks) {
    bool ran = std::any_of(results.begin(), results.end(),
                           [&](const Result& r) { return r.workload == name; });
    if (ran && std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return names;
}

}  // namespace strata::bench
