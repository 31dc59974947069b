// Read-modify-write commands are atomic under concurrent clients: threads
// INCR, APPEND and MSET through the in-process harness, and no update is lost.
// Labelled "concurrency" (CI runs it under TSan).

#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "server_harness.h"

namespace strata::server {
namespace {

TEST(CommandsConcurrencyTest, IncrAndAppendLoseNoUpdate) {
  ServerHarness h;
  constexpr int kThreads = 4;
  constexpr int kOps = 300;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&h] {
      auto client = h.NewClient();
      for (int i = 0; i < kOps; i++) {
        h.Run({"INCR", "counter"}, client.get());
        h.Run({"INCRBYFLOAT", "float", "1"}, client.get());
        h.Run({"APPEND", "log", "x"}, client.get());
        h.Run({"MSET", "a", "1", "b", "1"}, client.get());
      }
    });
  }
  for (auto& t : threads) t.join();
  const int total = kThreads * kOps;
  EXPECT_EQ(h.Run({"GET", "counter"}), "$" + std::to_string(std::to_string(total).size()) + "\r\n" +
                                           std::to_string(total) + "\r\n");
  EXPECT_EQ(h.Run({"GET", "float"}), "$" + std::to_string(std::to_string(total).size()) + "\r\n" +
                                         std::to_string(total) + "\r\n");
  EXPECT_EQ(h.Run({"STRLEN", "log"}), ":" + std::to_string(total) + "\r\n");
}

}  // namespace
}  // namespace strata::server
