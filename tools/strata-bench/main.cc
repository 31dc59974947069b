// strata-bench: db_bench and YCSB workloads on StrataDB, side by side with
// LevelDB and RocksDB (when built with them), on the same machine in the same
// run. Each engine runs every workload in order on its own database; the
// results come out as a line per workload while running, an aligned table at
// the end, and optionally JSON (--json) and an SVG chart (--svg).
//
//   strata-bench --engines strata,leveldb,rocksdb --num 1000000
//       --benchmarks fillseq,fillrandom,readrandom --json out.json --svg out.svg
//
// The tool is thin: workloads.cc says what each benchmark does, engines/ maps
// one Engine interface onto each library's public API, report/ formats.

#include <sys/utsname.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <thread>

#include "engine.h"
#include "flags.h"
#include "progress.h"
#include "report/report.h"
#include "result.h"
#include "runner.h"

namespace strata::bench {
namespace {

std::string MachineDescription() {
  std::string cpu = "unknown CPU";
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.starts_with("model name")) {
      cpu = line.substr(line.find(':') + 2);
      break;
    }
  }
  std::string kernel;
  struct utsname name;
  if (uname(&name) == 0) kernel = std::string(name.sysname) + " " + name.release;
  return cpu + ", " + std::to_string(std::thread::hardware_concurrency()) + " cores, " + kernel;
}

std::string LocalTime() {
  std::time_t now = std::time(nullptr);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S%z", std::localtime(&now));
  return buf;
}

void PrintHeader(const Report& report) {
  const Flags& f = report.flags;
  std::printf("strata-bench  %s\n", report.started.c_str());
  std::printf("machine:   %s\n", report.machine.c_str());
  std::printf(
      "keys:      %llu of %d bytes; values %d bytes (half compressible); reads %llu; threads %d\n",
      static_cast<unsigned long long>(f.num), f.key_size, f.value_size,
      static_cast<unsigned long long>(f.reads == 0 ? f.num : f.reads), f.threads);
  std::printf(
      "settings:  compression %s, cache %zu MiB, write buffer %zu MiB, bloom %d bits/key, "
      "sync %s\n",
      std::string(CompressionName(f.engine.compression)).c_str(), f.engine.cache_size >> 20,
      f.engine.write_buffer_size >> 20, f.engine.bloom_bits, f.sync ? "on" : "off");
  for (const EngineInfo& e : report.engines) {
    std::printf("engine:    %-8s %s%s%s\n", e.name.c_str(), e.version.c_str(),
                e.caveats.empty() ? "" : "  -- ", e.caveats.c_str());
  }
  std::printf("databases: %s/<engine>\n\n", f.db.c_str());
  std::fflush(stdout);
}

int Run(int argc, char** argv) {
  Report report;
  if (std::optional<int> exit_code = ParseFlags(argc, argv, &report.flags)) return *exit_code;
  const Flags& flags = report.flags;
  report.machine = MachineDescription();
  report.started = LocalTime();

  std::vector<std::unique_ptr<Engine>> engines;
  for (const std::string& name : flags.engines) {
    engines.push_back(NewEngine(name));
    report.engines.push_back(
        {name, engines.back()->version(), engines.back()->Caveats(flags.engine)});
  }
  PrintHeader(report);

  Progress progress(flags.progress);
  Runner runner(flags, &progress, stdout);
  int exit_code = 0;
  for (const auto& engine : engines) {
    Status s = runner.RunEngine(engine.get(), &report.results);
    if (!s.ok()) {
      std::fprintf(stderr, "strata-bench: %s: %s\n", std::string(engine->name()).c_str(),
                   s.ToString().c_str());
      exit_code = 1;
      break;
    }
  }

  std::printf("\n%s", FormatTable(report).c_str());
  if (!flags.json_path.empty()) {
    Status s = WriteTextFile(flags.json_path, FormatJson(report));
    if (!s.ok()) {
      std::fprintf(stderr, "strata-bench: --json: %s\n", s.ToString().c_str());
      exit_code = 1;
    }
  }
  if (!flags.svg_path.empty()) {
    Status s = WriteTextFile(flags.svg_path, FormatSvg(report));
    if (!s.ok()) {
      std::fprintf(stderr, "strata-bench: --svg: %s\n", s.ToString().c_str());
      exit_code = 1;
    }
  }
  return exit_code;
}

}  // namespace
}  // namespace strata::bench

int main(int argc, char** argv) { return strata::bench::Run(argc, argv); }
