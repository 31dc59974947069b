// Helpers shared by the report formats: see report.h.

#include "report/report.h"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace strata::bench {

double ThroughputRatio(const Report& report, const std::string& workload, const std::string& engine,
                       const std::string& other) {
  const Result* a = report.Find(workload, engine);
  const Result* b = report.Find(workload, other);
  if (a == nullptr || b == nullptr || a->OpsPerSecond() <= 0 || b->OpsPerSecond() <= 0) return 0;
  return a->OpsPerSecond() / b->OpsPerSecond();
}

Status WriteTextFile(const std::string& path, const std::string& contents) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) return Status::IOError(path, std::strerror(errno));
  file << contents;
  file.close();
  if (!file) return Status::IOError(path, "write failed");
  return Status::OK();
}

}  // namespace strata::bench
