// NetworkServer: strata-server's network layer on standalone Asio (epoll).
// N I/O threads, each running its own io_context; the listening sockets live
// on the first one and hand each accepted connection to the next context in
// turn. A connection's commands all run on its context's thread, in order:
// each read is parsed for as many commands as it holds (RespParser), each
// command runs (commands.h) and appends its reply, and the replies of one
// read go out in one write. Those writes wait until the handlers already
// queued on the thread ran, then share one flush of the WAL records the
// commands deferred (ServerState::FlushWal), so no reply precedes the WAL
// record of a write it acknowledges or shows. While a client's unsent replies exceed
// kMaxPendingOutput, its commands and reads pause until the socket drains.
//
// Security (Redis 7's): protected mode refuses non-loopback clients when no
// password is set; maxclients; the idle timeout; a command named "POST" or
// "Host:" (an HTTP request, cross-protocol scripting) closes the connection
// without a reply; the unauthenticated request limits and the query buffer
// limit close it after a protocol error.
//
// Thread-safety: Listen, Run and Stop are called from the main thread; Stop
// may be called while Run runs elsewhere.

#ifndef STRATA_SERVER_NETWORK_H_
#define STRATA_SERVER_NETWORK_H_

#include <cstddef>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "server/server_state.h"
#include "strata/status.h"

namespace strata::server {

class NetworkServer {
 public:
  // Replies a client may have queued before its reads pause, in bytes.
  static constexpr size_t kMaxPendingOutput = 64 << 20;

  // `state` is not owned and must outlive the server.
  explicit NetworkServer(ServerState* state);
  ~NetworkServer();
  NetworkServer(const NetworkServer&) = delete;
  NetworkServer& operator=(const NetworkServer&) = delete;

  // Binds the configured addresses (a "-" prefix marks one whose failure is
  // ignored) on the configured port. IOError names an address it could not
  // bind; InvalidArgument if none could be bound.
  Status Listen();
  // The addresses actually bound, "ip:port".
  std::vector<std::string> listening() const { return listening_; }
  // Starts the I/O threads and returns.
  void Start();
  // Closes the listeners and every connection and joins the I/O threads.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  ServerState* const state_;
  std::vector<std::string> listening_;
  std::vector<std::thread> threads_;
};

}  // namespace strata::server

#endif  // STRATA_SERVER_NETWORK_H_
