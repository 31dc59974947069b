// strata-server's network layer end to end, in process: a NetworkServer on a
// free loopback port and raw sockets as clients. Pipelines and partial
// frames, one reply stream in order, QUIT, protocol errors closing the
// connection, the POST/Host: guard, the unauthenticated limits, maxclients
// and the idle timeout.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "server/config.h"
#include "server/network.h"
#include "server/server_state.h"
#include "test_util.h"

namespace strata::server {
namespace {

class NetworkTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> args = {}) {
    std::vector<std::string> all = {"--dir",  dir_.Child("data"), "--port",    "0",
                                    "--bind", "127.0.0.1",        "--threads", "2"};
    all.insert(all.end(), args.begin(), args.end());
    ASSERT_TRUE(config_.ApplyArguments(all).ok());
    ASSERT_TRUE(ServerState::Open(&config_, &state_).ok());
    network_ = std::make_unique<NetworkServer>(state_.get());
    ASSERT_TRUE(network_->Listen().ok());
    std::string address = network_->listening().at(0);
    port_ = std::stoi(address.substr(address.rfind(':') + 1));
    network_->Start();
  }

  void TearDown() override {
    network_.reset();
    state_.reset();
  }

  int Connect() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    return fd;
  }

  static void Send(int fd, const std::string& data) {
    ASSERT_EQ(send(fd, data.data(), data.size(), MSG_NOSIGNAL), static_cast<ssize_t>(data.size()));
  }

  // Reads until `expected_size` bytes arrived, the peer closed, or 5 s
  // passed. *closed: the peer closed the connection.
  static std::string Receive(int fd, size_t expected_size, bool* closed = nullptr) {
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    if (closed) *closed = false;
    while (out.size() < expected_size && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char buf[4096];
      ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) {
        if (closed) *closed = true;
        break;
      }
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }

  // True if the peer closes the connection within 5 s (reading whatever
  // comes first).
  static bool WaitClosed(int fd) {
    bool closed = false;
    Receive(fd, SIZE_MAX, &closed);
    return closed;
  }

  test::TempDir dir_;
  Config config_;
  std::unique_ptr<ServerState> state_;
  std::unique_ptr<NetworkServer> network_;
  int port_ = 0;
};

TEST_F(NetworkTest, PipelinedAndPartialFramesAnsweredInOrder) {
  Start();
  int fd = Connect();
  std::string pipeline;
  std::string expected;
  for (int i = 1; i <= 200; i++) {
    pipeline += "*2\r\n$4\r\nINCR\r\n$1\r\nc\r\n";
    expected += ":" + std::to_string(i) + "\r\n";
  }
  pipeline += "PING\r\n";
  expected += "+PONG\r\n";
  // Byte by byte for the first part, then the rest at once.
  for (size_t i = 0; i < 50; i++) Send(fd, pipeline.substr(i, 1));
  Send(fd, pipeline.substr(50));
  EXPECT_EQ(Receive(fd, expected.size()), expected);
  Send(fd, "QUIT\r\nPING\r\n");
  EXPECT_EQ(Receive(fd, 5), "+OK\r\n");
  EXPECT_TRUE(WaitClosed(fd));
  close(fd);
}

TEST_F(NetworkTest, ProtocolErrorRepliesThenCloses) {
  Start();
  int fd = Connect();
  Send(fd, "*1\r\n$x\r\n");
  const std::string error = "-ERR Protocol error: invalid bulk length\r\n";
  EXPECT_EQ(Receive(fd, error.size()), error);
  EXPECT_TRUE(WaitClosed(fd));
  close(fd);
}

TEST_F(NetworkTest, HttpRequestClosesWithoutReply) {
  Start();
  for (const char* request : {"POST / HTTP/1.1\r\n", "Host: example.com\r\n"}) {
    int fd = Connect();
    Send(fd, "PING\r\n");
    EXPECT_EQ(Receive(fd, 7), "+PONG\r\n");
    Send(fd, request);
    bool closed = false;
    EXPECT_EQ(Receive(fd, SIZE_MAX, &closed), "");
    EXPECT_TRUE(closed);
    close(fd);
  }
}

TEST_F(NetworkTest, UnauthenticatedClientsAreLimited) {
  Start({"--requirepass", "pw"});
  int fd = Connect();
  Send(fd, "GET k\r\n");
  EXPECT_EQ(Receive(fd, 34), "-NOAUTH Authentication required.\r\n");
  std::string eleven = "*11\r\n";
  Send(fd, eleven);
  const std::string error = "-ERR Protocol error: unauthenticated multibulk length\r\n";
  EXPECT_EQ(Receive(fd, error.size()), error);
  EXPECT_TRUE(WaitClosed(fd));
  close(fd);

  fd = Connect();
  Send(fd, "AUTH pw\r\n*2\r\n$4\r\nECHO\r\n$20000\r\n" + std::string(20000, 'x') + "\r\n");
  std::string reply = Receive(fd, 5 + 8 + 20000 + 2);
  EXPECT_EQ(reply.substr(0, 13), "+OK\r\n$20000\r\n");
  close(fd);
}

TEST_F(NetworkTest, MaxClientsAndIdleTimeout) {
  Start({"--maxclients", "1", "--timeout", "1"});
  int first = Connect();
  Send(first, "PING\r\n");
  EXPECT_EQ(Receive(first, 7), "+PONG\r\n");
  int second = Connect();
  const std::string error = "-ERR max number of clients reached\r\n";
  EXPECT_EQ(Receive(second, error.size()), error);
  EXPECT_TRUE(WaitClosed(second));
  close(second);
  // Idle for over a second: the sweep closes it.
  EXPECT_TRUE(WaitClosed(first));
  close(first);
}

}  // namespace
}  // namespace strata::server
