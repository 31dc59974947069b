// strata-server's network layer end to end, in process: a NetworkServer on a
// free loopback port and raw sockets as clients. Pipelines and partial
// frames, one reply stream in order, every arrival read after short and
// full reads, QUIT, protocol errors closing the connection, the POST/Host:
// guard, the unauthenticated limits, maxclients and the idle timeout.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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

// ClientSocket::ReadSome queues the read after a short read without trying
// it: bytes that arrive later, in any split, must still be read (a missed
// arrival hangs the client, and Receive times out). A value larger than the
// 16 KiB read buffer fills it: the read after a full one is tried at once.
TEST_F(NetworkTest, EveryArrivalIsReadAfterShortAndFullReads) {
  Start();
  int fd = Connect();
  int one = 1;  // each piece its own segment, not held back by Nagle
  ASSERT_EQ(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
  for (int round = 0; round < 50; round++) {
    // Request-reply rounds, each request in three pieces with pauses: the
    // server has drained the socket and queued its read before each piece.
    std::string request = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" +
                          std::to_string(std::to_string(round).size()) + "\r\n" +
                          std::to_string(round) + "\r\n";
    Send(fd, request.substr(0, 5));
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    Send(fd, request.substr(5, 10));
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    Send(fd, request.substr(15));
    ASSERT_EQ(Receive(fd, 5), "+OK\r\n") << "round " << round;
  }
  Send(fd, "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
  EXPECT_EQ(Receive(fd, 8), "$2\r\n49\r\n");

  for (size_t size : {size_t{16} * 1024 - 40, size_t{16} * 1024, size_t{100} * 1024}) {
    std::string value(size, 'v');
    for (size_t i = 0; i < size; i += 997) value[i] = static_cast<char>('a' + i % 26);
    std::string set =
        "*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$" + std::to_string(size) + "\r\n" + value + "\r\n";
    // All at once, then the same again split in the middle with a pause.
    Send(fd, set);
    ASSERT_EQ(Receive(fd, 5), "+OK\r\n") << size;
    Send(fd, set.substr(0, set.size() / 2));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    Send(fd, set.substr(set.size() / 2));
    ASSERT_EQ(Receive(fd, 5), "+OK\r\n") << size;
    Send(fd, "*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n");
    std::string expected = "$" + std::to_string(size) + "\r\n" + value + "\r\n";
    EXPECT_EQ(Receive(fd, expected.size()), expected) << size;
  }
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
