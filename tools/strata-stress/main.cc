// strata-stress: a db_stress-like crash test for StrataDB, on the public
// API only.
//
//   strata-stress run    one run: verify every key against the expected
//                        state, random concurrent operations, close, reopen,
//                        verify again (stress_run.h). On its own, a stress
//                        test to run under the sanitizers.
//   strata-stress crash  runs of 'run' killed with SIGKILL at random times
//                        for a duration, then one run not killed
//                        (crash_loop.h); prints the figures.
//
// Layout: key_value.* the keys and self-describing values, expected_state.*
// the mmapped state that survives a kill, stress_run.* the child,
// crash_loop.* the parent.

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "crash_loop.h"
#include "stress_run.h"

namespace {

constexpr char kFooter[] = R"(
Exit status: 0 passed; 2 bad arguments; 3 a read disagreed with the expected
state (the message says which key, what was expected and what was read);
4 the database returned an unexpected error; 5 (crash) a run failed or died
by itself; 1 any other setup error.

Examples:
  strata-stress run --db /tmp/s/db --seconds 30 --threads 8
  strata-stress crash --db /tmp/s/db --duration 120 --kill-min-ms 50 --kill-max-ms 2000)";

}  // namespace

int main(int argc, char** argv) {
  using strata::stress::CrashFlags;
  using strata::stress::RunFlags;
  CLI::App app(
      "strata-stress: concurrent random operations checked against an expected state, "
      "and a crash test that kills them with SIGKILL",
      "strata-stress");
  app.require_subcommand(1);
  app.footer(kFooter);

  RunFlags run;
  CLI::App* r = app.add_subcommand("run", "One run: verify, random operations, reopen, verify");
  r->add_option("--db", run.db, "The database directory")->required();
  r->add_option("--state", run.state, "The expected-state file (default: DB.state)");
  r->add_option("--seconds", run.seconds, "Seconds of random operations (0: verify only)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  r->add_option("--threads", run.threads, "Threads of random operations")->capture_default_str();
  r->add_option("--keys", run.keys, "Size of the key space")->capture_default_str();
  r->add_option("--seed", run.seed, "Draws the options and the operations")->capture_default_str();
  r->add_flag("--verbose", run.verbose, "Print the options drawn");

  CrashFlags crash;
  CLI::App* c = app.add_subcommand("crash", "Runs killed at random times, then a final check");
  c->add_option("--db", crash.db, "The database directory (deleted first)")->required();
  c->add_option("--state", crash.state, "The expected-state file (default: DB.state)");
  c->add_option("--duration", crash.duration, "Seconds of kill cycles")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  c->add_option("--kill-min-ms", crash.kill_min_ms, "Shortest time before a kill")
      ->capture_default_str();
  c->add_option("--kill-max-ms", crash.kill_max_ms, "Longest time before a kill")
      ->capture_default_str();
  c->add_option("--early-kill-percent", crash.early_kill_percent,
                "Percent of kills that come within --kill-min-ms instead, to land in start-up, "
                "open and recovery")
      ->capture_default_str()
      ->check(CLI::Range(0, 100));
  c->add_option("--closing-kill-percent", crash.closing_kill_percent,
                "Percent of runs that stop about when their kill comes, so that it may land "
                "while they close and reopen the database")
      ->capture_default_str()
      ->check(CLI::Range(0, 100));
  c->add_option("--threads", crash.threads, "Threads of random operations per run")
      ->capture_default_str();
  c->add_option("--keys", crash.keys, "Size of the key space")->capture_default_str();
  c->add_option("--seed", crash.seed, "Draws the runs' seeds and the kill times (0: the clock)")
      ->capture_default_str();
  c->add_option("--final-timeout", crash.final_timeout, "Seconds the final run may take")
      ->capture_default_str();
  c->add_flag("--verbose", crash.verbose, "Print each run's options");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int status = app.exit(e);
    return status == 0 ? 0 : strata::stress::kExitUsage;
  }
  if (r->parsed()) {
    if (run.state.empty()) run.state = run.db + ".state";
    return strata::stress::RunStress(run);
  }
  return strata::stress::RunCrashLoop(crash);
}
