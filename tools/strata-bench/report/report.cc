// Helpers shared by the report formats: see report.h.

#include "report/report.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace strata::bench {

double ThroughputRatio(const Report& report, const std::string& workload, const std::string& engine,
                       const std::string& other, int threads) {
  double a = report.OpsPerSecond(workload, engine, threads).median;
  double b = report.OpsPerSecond(workload, other, threads).median;
  if (a <= 0 || b <= 0) return 0;
  return a / b;
}

double RatioToFastestOther(const Report& report, const std::string& workload,
                           const std::string& engine, int threads) {
  double fastest = 0;
  for (const EngineInfo& other : report.engines) {
    if (other.name == engine) continue;
    fastest = std::max(fastest, report.OpsPerSecond(workload, other.name, threads).median);
  }
  double own = report.OpsPerSecond(workload, engine, threads).median;
  return fastest > 0 && own > 0 ? own / fastest : 0;
}

std::string ShapeText(const std::vector<int>& files_per_level) {
  std::string text;
  for (size_t level = 0; level < files_per_level.size(); level++) {
    if (files_per_level[level] == 0) continue;
    text += (text.empty() ? "L" : ", L") + std::to_string(level) + " " +
            std::to_string(files_per_level[level]);
  }
  return text.empty() ? "empty" : text;
}

std::string ShapeText(const Result& r) {
  std::string text = ShapeText(r.files_per_level_before);
  if (r.memtable_bytes_before) {
    text += ", mem " + std::to_string((*r.memtable_bytes_before + (1 << 19)) >> 20) + " MiB";
  }
  return text;
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
