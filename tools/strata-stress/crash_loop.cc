// RunCrashLoop; see crash_loop.h. Each run is this same program, started
// with fork and exec ("strata-stress run ..."), so a run's memory, threads
// and open files die with it as they would in a real crash. The runs count
// their operations in the expected-state file, where the parent reads them,
// and write their phase there, so the parent can tell where each kill landed.

#include "crash_loop.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "expected_state.h"
#include "strata/db.h"
#include "stress_run.h"

namespace strata::stress {
namespace {

using Clock = std::chrono::steady_clock;

// Set by SIGINT or SIGTERM: stop starting runs, do the final run, report.
volatile sig_atomic_t stop_requested = 0;

void RequestStop(int) { stop_requested = 1; }

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string SelfPath() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

// Starts "strata-stress run" on the database; returns its pid, or -1.
pid_t StartRun(const std::string& self, const CrashFlags& flags, uint64_t seed, double seconds) {
  std::vector<std::string> args = {self,        "run",
                                   "--db",      flags.db,
                                   "--state",   flags.state,
                                   "--seconds", std::to_string(seconds),
                                   "--threads", std::to_string(flags.threads),
                                   "--keys",    std::to_string(flags.keys),
                                   "--seed",    std::to_string(seed)};
  if (flags.verbose) args.push_back("--verbose");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    // A run must not outlive its parent (a test runner's timeout, Ctrl-C).
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    // Its own process group, so a Ctrl-C meant for the parent does not kill
    // it as if it had failed: the parent stops the loop instead.
    setpgid(0, 0);
    if (!flags.verbose) {  // the runs' summaries; failures go to stderr
      int null_fd = open("/dev/null", O_WRONLY);
      if (null_fd >= 0) dup2(null_fd, STDOUT_FILENO);
    }
    execv(self.c_str(), argv.data());
    std::fprintf(stderr, "strata-stress: exec %s: %s\n", self.c_str(), std::strerror(errno));
    _exit(127);
  }
  return pid;
}

// Waits for pid to exit until deadline. Returns true with its wait status
// in *status if it did.
bool WaitUntil(pid_t pid, Clock::time_point deadline, int* status) {
  while (true) {
    if (waitpid(pid, status, WNOHANG) == pid) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

std::string DescribeExit(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return "died of signal " + std::to_string(WTERMSIG(status)) + " (" +
           strsignal(WTERMSIG(status)) + ")";
  }
  return "ended with wait status " + std::to_string(status);
}

struct Tally {
  uint64_t runs = 0;
  uint64_t kills = 0;
  uint64_t kills_in_phase[kPhaseDone + 1] = {};
  uint64_t finished_before_kill = 0;  // runs given too little time to be killed
  uint64_t failures = 0;
  bool final_run_passed = false;
};

void PrintFigures(const CrashFlags& flags, uint64_t seed, const Tally& t,
                  const ExpectedState& state, double seconds) {
  auto c = [&](Counter counter) { return state.Count(counter); };
  uint64_t ops = c(kPuts) + c(kDeletes) + c(kDeleteRanges) + c(kBatches) + c(kGets) + c(kScans) +
                 c(kSnapshotReads) + c(kFlushes) + c(kCompactions);
  std::printf("strata-stress crash: %s after %.1f s (seed %" PRIu64 ", %d threads, %u keys)\n",
              t.failures == 0 ? "passed" : "FAILED", seconds, seed, flags.threads, flags.keys);
  std::printf("  runs:          %" PRIu64 " started, %" PRIu64 " finished opening, %" PRIu64
              " finished before their kill, final run %s\n",
              t.runs, c(kRunsOpened), t.finished_before_kill,
              t.final_run_passed ? "passed" : "did not pass");
  std::printf("  kills:         %" PRIu64 ": %" PRIu64 " starting, %" PRIu64 " opening, %" PRIu64
              " verifying, %" PRIu64 " during operations, %" PRIu64
              " closing or reopening, %" PRIu64 " exiting\n",
              t.kills, t.kills_in_phase[kPhaseStarted], t.kills_in_phase[kPhaseOpening],
              t.kills_in_phase[kPhaseVerifying], t.kills_in_phase[kPhaseRunning],
              t.kills_in_phase[kPhaseClosing], t.kills_in_phase[kPhaseDone]);
  std::printf("  operations:    %" PRIu64 " (%.0f/s): %" PRIu64 " puts, %" PRIu64
              " deletes, %" PRIu64 " delete ranges (%" PRIu64 " keys), %" PRIu64
              " batches (%" PRIu64 " updates), %" PRIu64 " gets, %" PRIu64 " scans (%" PRIu64
              " entries), %" PRIu64 " snapshot reads, %" PRIu64 " flushes, %" PRIu64
              " compactions\n",
              ops, seconds > 0 ? static_cast<double>(ops) / seconds : 0.0, c(kPuts), c(kDeletes),
              c(kDeleteRanges), c(kDeleteRangeKeys), c(kBatches), c(kBatchUpdates), c(kGets),
              c(kScans), c(kScanEntries), c(kSnapshotReads), c(kFlushes), c(kCompactions));
  std::printf("  verifications: %" PRIu64 " (%" PRIu64
              " keys): writes in flight at a kill: %" PRIu64 " kept, %" PRIu64
              " lost (never acknowledged); %" PRIu64
              " batches cut by a kill, each all or nothing\n",
              c(kVerifications), c(kKeysVerified), c(kPendingApplied), c(kPendingLost),
              c(kBatchesCutByKill));
  std::printf("  failures:      %" PRIu64 "\n", t.failures);
  std::fflush(stdout);
}

}  // namespace

int RunCrashLoop(const CrashFlags& given) {
  CrashFlags flags = given;
  if (flags.state.empty()) flags.state = flags.db + ".state";
  if (flags.kill_min_ms < 0 || flags.kill_max_ms < flags.kill_min_ms) {
    std::fprintf(stderr, "strata-stress: need 0 <= --kill-min-ms <= --kill-max-ms\n");
    return kExitUsage;
  }
  if (flags.threads < 1 || flags.threads > ExpectedState::kMaxThreads || flags.keys < 1) {
    std::fprintf(stderr, "strata-stress: need 1 to %d threads and at least 1 key\n",
                 ExpectedState::kMaxThreads);
    return kExitUsage;
  }
  const std::string self = SelfPath();
  Status s = DestroyDB(flags.db, Options());
  if (s.ok() && unlink(flags.state.c_str()) != 0 && errno != ENOENT) {
    s = Status::IOError(flags.state, std::strerror(errno));
  }
  std::unique_ptr<ExpectedState> state;
  if (s.ok()) s = ExpectedState::Open(flags.state, flags.keys, &state);
  if (!s.ok() || self.empty()) {
    std::fprintf(stderr, "strata-stress: %s\n",
                 self.empty() ? "cannot find /proc/self/exe" : s.ToString().c_str());
    return kExitSetup;
  }

  const uint64_t seed =
      flags.seed != 0 ? flags.seed : static_cast<uint64_t>(Clock::now().time_since_epoch().count());
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> kill_after(flags.kill_min_ms, flags.kill_max_ms);
  std::uniform_int_distribution<int> early_kill_after(0, flags.kill_min_ms);
  std::uniform_int_distribution<int> percent(0, 99);
  std::printf("strata-stress crash: %s for %.0f s, kills after %d to %d ms, seed %" PRIu64 "\n",
              flags.db.c_str(), flags.duration, flags.kill_min_ms, flags.kill_max_ms, seed);
  std::fflush(stdout);

  Tally t;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(flags.duration));
  auto next_progress = start + std::chrono::seconds(30);
  constexpr double kForever = 365.0 * 24 * 3600;  // most runs are never meant to finish
  signal(SIGINT, RequestStop);
  signal(SIGTERM, RequestStop);
  while (Clock::now() < end && t.failures == 0 && stop_requested == 0) {
    state->SetPhase(kPhaseStarted);
    uint64_t run_seed = rng();
    int delay_ms =
        percent(rng) < flags.early_kill_percent ? early_kill_after(rng) : kill_after(rng);
    // Some runs are given about as long as their kill, so the kill may land
    // while they close the database, reopen and verify it, or not at all.
    bool may_finish = percent(rng) < flags.closing_kill_percent;
    double seconds =
        may_finish ? std::uniform_real_distribution<double>(0, delay_ms / 1000.0)(rng) : kForever;
    pid_t pid = StartRun(self, flags, run_seed, seconds);
    if (pid < 0) {
      std::fprintf(stderr, "strata-stress: fork: %s\n", std::strerror(errno));
      t.failures++;
      break;
    }
    t.runs++;
    int status = 0;
    bool exited = WaitUntil(pid, Clock::now() + std::chrono::milliseconds(delay_ms), &status);
    if (!exited) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
    }
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && !exited) {
      t.kills++;
      t.kills_in_phase[std::min<uint32_t>(state->phase(), kPhaseDone)]++;
    } else if (may_finish && WIFEXITED(status) && WEXITSTATUS(status) == kExitOk) {
      t.finished_before_kill++;
    } else {
      std::fprintf(stderr, "strata-stress: run %" PRIu64 " (seed %" PRIu64 ") %s%s\n", t.runs,
                   run_seed, DescribeExit(status).c_str(), exited ? "" : " before the kill");
      t.failures++;
      break;
    }
    if (Clock::now() >= next_progress) {
      next_progress += std::chrono::seconds(30);
      std::printf("  %6.0f s: %" PRIu64 " kills (%" PRIu64 " during operations), %" PRIu64
                  " verifications, %" PRIu64 " puts\n",
                  SecondsSince(start), t.kills, t.kills_in_phase[kPhaseRunning],
                  state->Count(kVerifications), state->Count(kPuts));
      std::fflush(stdout);
    }
  }

  if (t.failures == 0) {
    // The last run is not killed: it verifies what the last kill left,
    // closes cleanly, reopens and verifies again.
    state->SetPhase(kPhaseStarted);
    uint64_t run_seed = rng();
    pid_t pid = StartRun(self, flags, run_seed, 0);
    t.runs++;
    int status = 0;
    auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(flags.final_timeout));
    if (pid < 0 || !WaitUntil(pid, deadline, &status)) {
      if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
      }
      std::fprintf(stderr, "strata-stress: the final run (seed %" PRIu64 ") %s\n", run_seed,
                   pid < 0 ? "could not start" : "did not finish in time: killed");
      t.failures++;
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != kExitOk) {
      std::fprintf(stderr, "strata-stress: the final run (seed %" PRIu64 ") %s\n", run_seed,
                   DescribeExit(status).c_str());
      t.failures++;
    } else {
      t.final_run_passed = true;
    }
  }
  PrintFigures(flags, seed, t, *state, SecondsSince(start));
  return t.failures == 0 ? kExitOk : kExitChildFailed;
}

}  // namespace strata::stress
