// Report helpers: see result.h.

#include "result.h"

#include <algorithm>

namespace strata::bench {

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
