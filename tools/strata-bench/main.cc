// strata-bench: db_bench and YCSB workloads on StrataDB, side by side with
// LevelDB and RocksDB (when built with them), on the same machine in the same
// run. Each engine runs every workload in order on its own database; the
// results come out as a line per workload while running, an aligned table at
// the end, and optionally JSON (--json), an SVG chart (--svg) and Markdown
// tables (--markdown).
//
//   strata-bench --engines strata,leveldb,rocksdb --num 1000000 --repeat 3
//       --benchmarks fillseq,fillrandom,readrandom --json out.json --svg out.svg
//
// Each engine runs in a process of its own: this binary again, with the same
// flags plus the internal --child_* ones (one engine, one repetition, one
// thread count), writing its results to a file the parent reads back. So the
// peak memory (VmHWM) measured is that engine's alone, and no engine runs
// with another's heap, caches or threads left behind. Repetitions alternate
// the engines (strata, leveldb, rocksdb, strata, ...), so drift on a shared
// machine hits every engine alike.
//
// The tool is thin: workloads.cc says what each benchmark does, engines/ maps
// one Engine interface onto each library's public API, report/ formats.

#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "engine.h"
#include "flags.h"
#include "op_timer.h"
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
  return cpu + ", " + std::to_string(std::thread::hardware_concurrency()) + " cores, " + kernel +
         (OpTimer::UsesTsc() ? ", latencies timed by the TSC"
                             : ", latencies timed by steady_clock");
}

std::string LocalTime() {
  std::time_t now = std::time(nullptr);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S%z", std::localtime(&now));
  return buf;
}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

// Opens engine on a scratch database beside the benchmark's with the run's
// options and reads back the settings it runs with; empty if it cannot.
std::vector<std::string> ProbeSettings(Engine* engine, const Flags& flags) {
  std::string path = flags.db + "/" + std::string(engine->name()) + ".settings";
  std::vector<std::string> settings;
  if (engine->Destroy(path).ok() && engine->Open(flags.engine, path).ok()) {
    settings = engine->Settings();
  }
  engine->Close();
  (void)engine->Destroy(path);
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  return settings;
}

// The settings of every engine side by side, those the comparison requires
// equal checked against what was asked for. Returns the mismatches.
int PrintSettings(const Report& report) {
  std::vector<std::string> requested = RequestedSettings(report.flags.engine);
  std::printf("settings:  %-22s %-10s", "", "requested");
  for (const EngineInfo& e : report.engines) std::printf(" %-10s", e.name.c_str());
  std::printf("\n");
  int mismatches = 0;
  for (size_t row = 0; row < std::size(kSettingNames); row++) {
    std::printf("           %-22s %-10s", kSettingNames[row], requested[row].c_str());
    for (const EngineInfo& e : report.engines) {
      std::string value = row < e.settings.size() ? e.settings[row] : "?";
      bool differs = row < kComparedSettings && value != requested[row];
      mismatches += differs;
      std::printf(" %-10s", (value + (differs ? " (!)" : "")).c_str());
    }
    std::printf("\n");
  }
  if (mismatches > 0) {
    std::printf(
        "WARNING:   %d setting(s) marked (!) differ from what was asked for: the comparison "
        "is not like for like\n",
        mismatches);
  }
  return mismatches;
}

void PrintHeader(const Report& report) {
  const Flags& f = report.flags;
  std::printf("strata-bench  %s\n", report.started.c_str());
  std::printf("machine:   %s\n", report.machine.c_str());
  std::string threads;
  for (int t : f.ThreadCounts()) threads += (threads.empty() ? "" : ",") + std::to_string(t);
  std::printf(
      "keys:      %llu of %d bytes; values %d bytes (half compressible); reads %llu; threads %s "
      "(each does every operation); %d run%s per engine%s\n",
      static_cast<unsigned long long>(f.num), f.key_size, f.value_size,
      static_cast<unsigned long long>(f.reads == 0 ? f.num : f.reads), threads.c_str(), f.repeat,
      f.repeat == 1 ? "" : "s", f.one_db ? "; one database for the whole sequence" : "");
  std::printf("durability: sync %s\n", f.sync ? "on" : "off");
  for (const EngineInfo& e : report.engines) {
    std::printf("engine:    %-8s %s%s%s\n", e.name.c_str(), e.version.c_str(),
                e.caveats.empty() ? "" : "  -- ", e.caveats.c_str());
  }
  PrintSettings(report);
  std::printf("databases: %s/<engine>, each engine in a process of its own\n\n", f.db.c_str());
  std::fflush(stdout);
}

// An engine process: runs one engine through the sequence once and writes
// its results (even those before an error) for the parent.
int RunChild(const Flags& flags) {
  std::unique_ptr<Engine> engine = NewEngine(flags.engines.front());
  Progress progress(flags.progress);
  Runner runner(flags, &progress, stdout, flags.child_repetition);
  std::vector<Result> results;
  Status s = runner.RunEngine(engine.get(), &results);
  std::fflush(stdout);
  Status written = WriteTextFile(flags.child_output, FormatRunsJson(results));
  if (!s.ok()) {
    std::fprintf(stderr, "strata-bench: %s: %s\n", flags.engines.front().c_str(),
                 s.ToString().c_str());
    return 1;
  }
  if (!written.ok()) {
    std::fprintf(stderr, "strata-bench: %s\n", written.ToString().c_str());
    return 1;
  }
  return 0;
}

// Runs engine once at `threads` in an engine process (this binary, argv plus
// the --child_* flags) and appends its results to *results.
Status RunEngineProcess(int argc, char** argv, const Flags& flags, const std::string& engine,
                        int threads, int repetition, std::vector<Result>* results) {
  std::string output = flags.db + "/" + engine + ".results.json";
  std::vector<std::string> args(argv, argv + argc);
  args.insert(args.end(),
              {"--child_engine", engine, "--child_threads", std::to_string(threads),
               "--child_repetition", std::to_string(repetition), "--child_output", output});
  std::vector<char*> child_argv;
  for (std::string& arg : args) child_argv.push_back(arg.data());
  child_argv.push_back(nullptr);
  std::error_code ec;
  std::filesystem::remove(output, ec);

  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) return Status::IOError("fork", std::strerror(errno));
  if (pid == 0) {
    execv("/proc/self/exe", child_argv.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return Status::IOError("waitpid", std::strerror(errno));
  }
  Status s = ParseRunsJson(ReadFile(output), results);
  std::filesystem::remove(output, ec);
  if (WIFSIGNALED(status)) {
    return Status::IOError(engine + " process",
                           "killed by signal " + std::to_string(WTERMSIG(status)));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Status::IOError(engine + " process",
                           "exited with status " + std::to_string(WEXITSTATUS(status)));
  }
  return s;
}

int Run(int argc, char** argv) {
  Report report;
  if (std::optional<int> exit_code = ParseFlags(argc, argv, &report.flags)) return *exit_code;
  const Flags& flags = report.flags;
  OpTimer::Calibrate();
  if (!flags.child_output.empty()) return RunChild(flags);
  report.machine = MachineDescription();
  report.started = LocalTime();

  std::error_code ec;
  std::filesystem::create_directories(flags.db, ec);
  if (ec) {
    std::fprintf(stderr, "strata-bench: %s: %s\n", flags.db.c_str(), ec.message().c_str());
    return 1;
  }
  for (const std::string& name : flags.engines) {
    std::unique_ptr<Engine> engine = NewEngine(name);
    report.engines.push_back({name, engine->version(), engine->Caveats(flags.engine),
                              ProbeSettings(engine.get(), flags)});
  }
  PrintHeader(report);

  int exit_code = 0;
  bool announce = flags.repeat > 1 || flags.ThreadCounts().size() > 1;
  for (int threads : flags.ThreadCounts()) {
    for (int repetition = 1; repetition <= flags.repeat && exit_code == 0; repetition++) {
      for (const std::string& engine : flags.engines) {
        if (announce) {
          std::printf("-- %s, run %d of %d, %d thread%s\n", engine.c_str(), repetition,
                      flags.repeat, threads, threads == 1 ? "" : "s");
        }
        Status s =
            RunEngineProcess(argc, argv, flags, engine, threads, repetition, &report.results);
        if (!s.ok()) {
          std::fprintf(stderr, "strata-bench: %s\n", s.ToString().c_str());
          exit_code = 1;
          break;
        }
      }
    }
  }

  std::printf("\n%s", FormatTable(report).c_str());
  const std::pair<const std::string*, std::string (*)(const Report&)> outputs[] = {
      {&flags.json_path, FormatJson},
      {&flags.svg_path, FormatSvg},
      {&flags.markdown_path, FormatMarkdown}};
  for (const auto& [path, format] : outputs) {
    if (path->empty()) continue;
    Status s = WriteTextFile(*path, format(report));
    if (!s.ok()) {
      std::fprintf(stderr, "strata-bench: %s\n", s.ToString().c_str());
      exit_code = 1;
    }
  }
  return exit_code;
}

}  // namespace
}  // namespace strata::bench

int main(int argc, char** argv) { return strata::bench::Run(argc, argv); }
