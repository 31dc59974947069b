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

namespace {

Spread SpreadOf(std::vector<double> values) {
  if (values.empty()) return {};
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  double median = n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  return {median, values.front(), values.back()};
}

}  // namespace

std::vector<int> Report::ThreadCounts() const {
  std::vector<int> counts;
  for (const Result& r : results) {
    if (std::find(counts.begin(), counts.end(), r.threads) == counts.end()) {
      counts.push_back(r.threads);
    }
  }
  return counts;
}

std::vector<const Result*> Report::Runs(const std::string& workload, const std::string& engine,
                                        int threads) const {
  std::vector<const Result*> runs;
  for (const Result& r : results) {
    if (r.workload == workload && r.engine == engine && r.threads == threads) runs.push_back(&r);
  }
  return runs;
}

const Result* Report::Find(const std::string& workload, const std::string& engine,
                           int threads) const {
  std::vector<const Result*> runs = Runs(workload, engine, threads);
  if (runs.empty()) return nullptr;
  std::stable_sort(runs.begin(), runs.end(), [](const Result* a, const Result* b) {
    return a->OpsPerSecond() < b->OpsPerSecond();
  });
  return runs[(runs.size() - 1) / 2];
}

Spread Report::OpsPerSecond(const std::string& workload, const std::string& engine,
                            int threads) const {
  std::vector<double> values;
  for (const Result* r : Runs(workload, engine, threads)) values.push_back(r->OpsPerSecond());
  return SpreadOf(std::move(values));
}

Spread Report::MicrosPerOp(const std::string& workload, const std::string& engine,
                           int threads) const {
  std::vector<double> values;
  for (const Result* r : Runs(workload, engine, threads)) values.push_back(r->MicrosPerOp());
  return SpreadOf(std::move(values));
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
