// ServerHarness: runs strata-server's commands in process, without sockets:
// a ServerState on a temporary directory and one ClientState per simulated
// client; Run returns the raw RESP reply, which tests compare with the
// replies resp_matchers.h spells out.
//
// Thread-safety: one harness per test; Run may be called from several
// threads with different clients.

#ifndef STRATA_TESTS_SERVER_SERVER_HARNESS_H_
#define STRATA_TESTS_SERVER_SERVER_HARNESS_H_

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "resp_matchers.h"
#include "server/commands.h"
#include "server/config.h"
#include "server/reply_writer.h"
#include "server/server_state.h"
#include "test_util.h"

namespace strata::server {

class ServerHarness {
 public:
  explicit ServerHarness(const std::vector<std::string>& config_args = {}) {
    std::vector<std::string> args = {"--dir", dir_.Child("data")};
    args.insert(args.end(), config_args.begin(), config_args.end());
    EXPECT_TRUE(config_.ApplyArguments(args).ok());
    default_client_.id = 1;
    default_client_.authenticated = !config_.has_password();
    Reopen();
  }

  void Reopen() {
    state_.reset();
    Status s = ServerState::Open(&config_, &state_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  std::unique_ptr<ClientState> NewClient() {
    auto client = std::make_unique<ClientState>();
    client->id = state_->NextClientId();
    client->authenticated = !config_.has_password();
    return client;
  }

  // The raw reply of `argv` run as `client` (the default client if null).
  std::string Run(std::vector<std::string> argv, ClientState* client = nullptr) {
    if (client == nullptr) client = &default_client_;
    std::string out;
    ReplyWriter writer(&out);
    writer.set_protocol(client->resp);
    Execute(state_.get(), client, argv, &writer);
    return out;
  }

  ServerState* state() { return state_.get(); }
  Config* config() { return &config_; }

 private:
  test::TempDir dir_;
  Config config_;
  std::unique_ptr<ServerState> state_;
  ClientState default_client_;
};

}  // namespace strata::server

#endif  // STRATA_TESTS_SERVER_SERVER_HARNESS_H_
