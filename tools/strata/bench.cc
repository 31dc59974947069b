// The bench command: runs strata-bench, the benchmark tool, with the
// arguments given after "bench". It is looked for next to the strata binary,
// then where the build tree puts it (../strata-bench/), then on PATH.

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "commands.h"
#include "output.h"

extern char** environ;

namespace strata::cli {
namespace {

// strata-bench's path, or "" if it is in none of the places looked at.
std::string FindBench() {
  std::error_code ec;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (const auto& candidate : {self.parent_path() / "strata-bench",
                                  self.parent_path() / ".." / "strata-bench" / "strata-bench"}) {
      if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
  }
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/strata-bench";
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return "";
}

}  // namespace

int RunBench(Session& session, const std::vector<std::string>& args) {
  std::string bench = FindBench();
  if (bench.empty()) {
    return Fail(kExitFailure,
                "strata-bench not found next to strata or on PATH; build it with "
                "'cmake --build build --target strata-bench'");
  }
  std::vector<char*> argv;
  argv.push_back(bench.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  if (!session.interactive()) {
    session.Close();
    execv(bench.c_str(), argv.data());
    return Fail(kExitFailure, "cannot run " + bench + ": " + std::strerror(errno));
  }
  // In the shell: run it and come back.
  pid_t pid;
  int rc = posix_spawn(&pid, bench.c_str(), nullptr, nullptr, argv.data(), environ);
  if (rc != 0) return Fail(kExitFailure, "cannot run " + bench + ": " + std::strerror(rc));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : kExitFailure;
}

}  // namespace strata::cli
