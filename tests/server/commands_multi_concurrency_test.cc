// EXEC under concurrent threads (labelled "concurrency": CI runs it under
// TSan): its writes reach the engine as one WriteBatch, and no other
// client's command interleaves with it.

#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "server/metadata.h"
#include "server_harness.h"

namespace strata::server {
namespace {

// EXEC's writes reach the engine as one batch: a reader on engine snapshots
// (no server lock) never sees some of an EXEC's keys updated and others not.
TEST(MultiConcurrencyTest, ExecWritesAreOneBatch) {
  ServerHarness h;
  constexpr int kKeys = 20;
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0}, checks{0};
  DB* db = h.state()->db();
  std::thread reader([&] {
    while (!stop.load()) {
      const Snapshot* snap = db->GetSnapshot();
      ReadOptions ro;
      ro.snapshot = snap;
      std::optional<std::string> first;
      for (int k = 0; k < kKeys; k++) {
        std::string record;
        Status s = db->Get(ro, MetadataKey("k" + std::to_string(k)), &record);
        std::string v = s.ok() ? record : "";
        if (!first) first = v;
        if (v != *first) torn++;
      }
      checks++;
      db->ReleaseSnapshot(snap);
    }
  });
  // Until the reader has checked while EXECs ran (bounded).
  for (int round = 0; round < 100 || (checks.load() < 20 && round < 20000); round++) {
    h.Run({"MULTI"});
    for (int k = 0; k < kKeys; k++) h.Run({"SET", "k" + std::to_string(k), std::to_string(round)});
    ASSERT_EQ(h.Run({"EXEC"}).substr(0, 4), "*20\r");
  }
  stop = true;
  reader.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_GT(checks.load(), 0);
}

// EXEC runs with other clients excluded: a concurrent INCR never lands
// between an EXEC's GET and its SET of the same key.
TEST(MultiConcurrencyTest, ExecIsIsolatedFromOtherClients) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"SET", "n", "0"}), kOk);
  std::atomic<bool> stop{false};
  std::thread incr([&] {
    auto client = h.NewClient();
    while (!stop.load()) h.Run({"INCR", "n"}, client.get());
  });
  for (int round = 0; round < 200; round++) {
    h.Run({"MULTI"});
    h.Run({"GET", "n"});
    h.Run({"INCRBY", "n", "0"});
    h.Run({"GET", "n"});
    std::string reply = h.Run({"EXEC"});
    // "*3\r\n$<len>\r\n<v>\r\n...": the three values are equal, nobody
    // wrote n in between.
    size_t start = reply.find("\r\n", 4) + 2;
    std::string v = reply.substr(start, reply.find("\r\n", start) - start);
    EXPECT_EQ(reply, "*3\r\n" + Bulk(v) + ":" + v + "\r\n" + Bulk(v));
  }
  stop = true;
  incr.join();
}

// WATCH-based optimistic increments from racing clients lose no update: a
// client whose EXEC ran after another's write of the key retries.
TEST(MultiConcurrencyTest, WatchedIncrementsLoseNothing) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"SET", "n", "0"}), kOk);
  constexpr int kThreads = 3, kEach = 100;
  std::atomic<int> retries{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&] {
      auto client = h.NewClient();
      for (int done = 0; done < kEach;) {
        h.Run({"WATCH", "n"}, client.get());
        std::string reply = h.Run({"GET", "n"}, client.get());
        size_t start = reply.find("\r\n") + 2;
        int64_t value = std::stoll(reply.substr(start, reply.find("\r\n", start) - start));
        h.Run({"MULTI"}, client.get());
        h.Run({"SET", "n", std::to_string(value + 1)}, client.get());
        if (h.Run({"EXEC"}, client.get()) == "*-1\r\n") {
          retries++;
        } else {
          done++;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(h.Run({"GET", "n"}), Bulk(std::to_string(kThreads * kEach)));
}

}  // namespace
}  // namespace strata::server
