// strata-server: StrataDB over the Redis protocol (docs/SERVER.md).
//
//   strata-server [CONFIG_FILE] [--port N] [--bind ADDR...] [--dir PATH]
//                 [--requirepass PASS] [--maxclients N] [--threads N]
//                 [--appendfsync always|everysec|no] [--NAME VALUE...]
//
// Reads the configuration, opens the database in --dir, binds, logs "Ready to
// accept connections", and serves until SIGTERM, SIGINT or SHUTDOWN, then closes every
// connection, syncs the WAL and closes the database. A thin program: the
// logic is in src/server/.

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "server/config.h"
#include "server/network.h"
#include "server/server_state.h"

namespace {

void Log(const std::string& message) {
  std::fprintf(stdout, "%d:M %s\n", static_cast<int>(getpid()), message.c_str());
  std::fflush(stdout);
}

int Usage() {
  std::fprintf(stderr,
               "usage: strata-server [CONFIG_FILE] [--port N] [--bind ADDR...] [--dir PATH]\n"
               "                     [--requirepass PASS] [--maxclients N] [--threads N]\n"
               "                     [--appendfsync always|everysec|no] [--NAME VALUE...]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using strata::server::Config;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "-h" || args[0] == "--help")) return Usage() == 2 ? 0 : 1;
  Config config;
  if (!args.empty() && args[0].rfind("--", 0) != 0) {
    strata::Status s = config.LoadFile(args[0]);
    if (!s.ok()) {
      std::fprintf(stderr, "strata-server: %s\n", s.ToString().c_str());
      return 1;
    }
    args.erase(args.begin());
  }
  if (strata::Status s = config.ApplyArguments(args); !s.ok()) {
    std::fprintf(stderr, "strata-server: %s\n", s.ToString().c_str());
    return Usage();
  }

  // logfile: the log lines go there instead of stdout; pidfile: our pid.
  if (std::string logfile = config.GetString("logfile"); !logfile.empty()) {
    if (std::freopen(logfile.c_str(), "a", stdout) == nullptr) {
      std::fprintf(stderr, "strata-server: cannot open logfile %s\n", logfile.c_str());
      return 1;
    }
  }
  std::string pidfile = config.GetString("pidfile");
  if (!pidfile.empty()) {
    FILE* f = std::fopen(pidfile.c_str(), "w");
    if (f == nullptr) {
      std::fprintf(stderr, "strata-server: cannot write pidfile %s\n", pidfile.c_str());
      return 1;
    }
    std::fprintf(f, "%d\n", static_cast<int>(getpid()));
    std::fclose(f);
  }

  // SIGTERM and SIGINT are taken by sigwait below, in the main thread only:
  // block them before any other thread starts, so every thread inherits it.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<strata::server::ServerState> state;
  if (strata::Status s = strata::server::ServerState::Open(&config, &state); !s.ok()) {
    std::fprintf(stderr, "strata-server: cannot open %s: %s\n", config.dir().c_str(),
                 s.ToString().c_str());
    return 1;
  }
  auto network = std::make_unique<strata::server::NetworkServer>(state.get());
  if (strata::Status s = network->Listen(); !s.ok()) {
    std::fprintf(stderr, "strata-server: %s\n", s.ToString().c_str());
    return 1;
  }
  // SHUTDOWN (from any I/O thread) ends the sigwait below as SIGTERM does.
  static std::atomic<bool> shutdown_command{false};
  state->SetShutdownHandler([] {
    shutdown_command.store(true);
    kill(getpid(), SIGTERM);
  });
  state->StartBackground();
  network->Start();
  std::string addresses;
  for (const std::string& a : network->listening()) addresses += " " + a;
  Log("strata-server 0.1.0 (Redis 7.0.15 protocol), data in " + config.dir() + ", " +
      std::to_string(config.threads()) + " I/O threads, listening on" + addresses);
  Log("Ready to accept connections");

  int received = 0;
  sigwait(&signals, &received);
  if (shutdown_command.load()) {
    Log("User requested shutdown...");
  } else {
    Log(std::string("Received ") + (received == SIGINT ? "SIGINT" : "SIGTERM") + ", shutting down");
  }
  network.reset();
  state->StopBackground();
  if (strata::Status s = state->SyncWal(); !s.ok()) {
    std::fprintf(stderr, "strata-server: final WAL sync failed: %s\n", s.ToString().c_str());
  }
  state.reset();
  if (!pidfile.empty()) std::remove(pidfile.c_str());
  Log("Database closed, bye");
  return 0;
}
