// MULTI/EXEC/DISCARD/WATCH/UNWATCH through the in-process harness (replies
// checked against Redis 7.0.15's) and the EXEC overlay's iterator against a
// std::map model in both directions. EXEC's atomicity and isolation under
// concurrent threads: commands_multi_concurrency_test.cc.

#include <chrono>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "server/metadata.h"
#include "server/transaction.h"
#include "server_harness.h"
#include "test_util.h"

namespace strata::server {
namespace {

// ---- The overlay iterator against a model.

class OverlayModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Options options;
    options.create_if_missing = true;
    ASSERT_TRUE(DB::Open(options, dir_.Child("db"), &db_).ok());
  }

  static std::string Key(int i) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "k%03d", i);
    return buf;
  }

  test::TempDir dir_;
  std::unique_ptr<DB> db_;
};

TEST_F(OverlayModelTest, RandomOperationsMatchAModelInBothDirections) {
  std::mt19937 rng(1234);
  for (int round = 0; round < 20; round++) {
    // The database: random keys (some flushed to a table, some in the
    // memtable), and the model of it.
    std::map<std::string, std::string> model;
    WriteBatch clear;
    clear.DeleteRange("k", "l");
    ASSERT_TRUE(db_->Write(WriteOptions(), &clear).ok());
    WriteBatch base;
    for (int i = 0; i < 60; i++) {
      if (rng() % 2 != 0) {
        std::string v = "db" + std::to_string(round) + "-" + std::to_string(i);
        base.Put(Key(i), v);
        model[Key(i)] = v;
      }
    }
    ASSERT_TRUE(db_->Write(WriteOptions(), &base).ok());
    if (round % 3 == 0) {
      ASSERT_TRUE(db_->Flush().ok());
    }

    Transaction txn;
    for (int b = 0; b < 8; b++) {
      WriteBatch batch;
      for (int op = 0; op < 6; op++) {
        int i = static_cast<int>(rng() % 60);
        switch (rng() % 7) {
          case 0: {
            int j = std::min(60, i + static_cast<int>(rng() % 10));
            batch.DeleteRange(Key(i), Key(j));
            model.erase(model.lower_bound(Key(i)), model.lower_bound(Key(j)));
            break;
          }
          case 1:
          case 2:
            batch.Delete(Key(i));
            model.erase(Key(i));
            break;
          default: {
            std::string v = "tx" + std::to_string(b) + "-" + std::to_string(op);
            batch.Put(Key(i), v);
            model[Key(i)] = v;
          }
        }
      }
      ASSERT_TRUE(txn.Add(batch).ok());
    }

    // Point reads.
    for (int i = 0; i < 60; i++) {
      std::string value;
      Status s = txn.Get(db_.get(), Key(i), &value);
      auto it = model.find(Key(i));
      if (it == model.end()) {
        EXPECT_TRUE(s.IsNotFound()) << Key(i);
      } else {
        ASSERT_TRUE(s.ok()) << s.ToString();
        EXPECT_EQ(value, it->second);
      }
    }

    // Random walks with random bounds.
    for (int walk = 0; walk < 30; walk++) {
      std::string lower = Key(static_cast<int>(rng() % 30));
      std::string upper = Key(30 + static_cast<int>(rng() % 31));
      std::string_view lower_view = lower, upper_view = upper;
      ReadOptions ro;
      ro.iterate_lower_bound = &lower_view;
      ro.iterate_upper_bound = &upper_view;
      std::unique_ptr<Iterator> it = txn.NewIterator(db_.get(), ro);
      auto begin = model.lower_bound(lower), end = model.lower_bound(upper);
      std::optional<std::map<std::string, std::string>::iterator> want;  // nullopt: invalid
      auto set_want = [&](std::map<std::string, std::string>::iterator m) {
        want = m == end ? std::nullopt : std::optional(m);
      };
      for (int step = 0; step < 40; step++) {
        int op = static_cast<int>(rng() % 6);
        if (!want && op >= 4) op = static_cast<int>(rng() % 4);
        std::string target = Key(static_cast<int>(rng() % 62));
        switch (op) {
          case 0:
            it->SeekToFirst();
            set_want(begin);
            break;
          case 1:
            it->SeekToLast();
            set_want(begin == end ? end : std::prev(end));
            break;
          case 2:
          case 3:
            it->Seek(target);
            set_want(target < lower ? begin : (target >= upper ? end : model.lower_bound(target)));
            break;
          case 4:
            it->Next();
            set_want(std::next(*want));
            break;
          case 5:
            it->Prev();
            want = *want == begin ? std::nullopt : std::optional(std::prev(*want));
            break;
        }
        ASSERT_TRUE(it->status().ok()) << it->status().ToString();
        ASSERT_EQ(it->Valid(), want.has_value())
            << "round " << round << " walk " << walk << " step " << step << " op " << op;
        if (want) {
          ASSERT_EQ(it->key(), (*want)->first) << "op " << op;
          ASSERT_EQ(it->value(), (*want)->second);
        }
      }
    }
  }
}

// ---- Commands.

TEST(MultiTest, QueuesAndExecutesWithReadYourWrites) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"MULTI"}), kOk);
  EXPECT_EQ(h.Run({"SET", "a", "1"}), kQueued);
  EXPECT_EQ(h.Run({"INCR", "a"}), kQueued);
  EXPECT_EQ(h.Run({"GET", "a"}), kQueued);
  EXPECT_EQ(h.Run({"APPEND", "a", "x"}), kQueued);
  EXPECT_EQ(h.Run({"EXISTS", "a", "b"}), kQueued);
  EXPECT_EQ(h.Run({"KEYS", "*"}), kQueued);
  EXPECT_EQ(h.Run({"DEL", "a"}), kQueued);
  EXPECT_EQ(h.Run({"GET", "a"}), kQueued);
  EXPECT_EQ(h.Run({"SET", "c", "v"}), kQueued);
  EXPECT_EQ(h.Run({"EXEC"}), "*9\r\n" + kOk + Int(2) + Bulk("2") + Int(2) + Int(1) + "*1\r\n" +
                                 Bulk("a") + Int(1) + "$-1\r\n" + kOk);
  EXPECT_EQ(h.Run({"GET", "a"}), "$-1\r\n");
  EXPECT_EQ(h.Run({"GET", "c"}), Bulk("v"));
}

TEST(MultiTest, ErrorsAndDiscard) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"EXEC"}), "-ERR EXEC without MULTI\r\n");
  EXPECT_EQ(h.Run({"DISCARD"}), "-ERR DISCARD without MULTI\r\n");
  EXPECT_EQ(h.Run({"MULTI"}), kOk);
  EXPECT_EQ(h.Run({"MULTI"}), "-ERR MULTI calls can not be nested\r\n");
  EXPECT_EQ(h.Run({"WATCH", "x"}), "-ERR WATCH inside MULTI is not allowed\r\n");
  EXPECT_EQ(h.Run({"SET", "x", "1"}), kQueued);
  EXPECT_EQ(h.Run({"DISCARD"}), kOk);
  EXPECT_EQ(h.Run({"EXISTS", "x"}), Int(0));

  // Errors while queueing abort the EXEC; nothing is applied.
  EXPECT_EQ(h.Run({"MULTI"}), kOk);
  EXPECT_EQ(h.Run({"SET", "x", "1"}), kQueued);
  EXPECT_EQ(h.Run({"NOSUCHCOMMAND"}).substr(0, 20), "-ERR unknown command");
  EXPECT_EQ(h.Run({"GET"}), "-ERR wrong number of arguments for 'get' command\r\n");
  EXPECT_EQ(h.Run({"SET", "y", "1"}), kQueued);
  EXPECT_EQ(h.Run({"EXEC"}), "-EXECABORT Transaction discarded because of previous errors.\r\n");
  EXPECT_EQ(h.Run({"EXISTS", "x", "y"}), Int(0));
  EXPECT_EQ(h.Run({"PING"}), "+PONG\r\n");

  // A runtime error is that command's reply; the others apply.
  EXPECT_EQ(h.Run({"SET", "s", "abc"}), kOk);
  EXPECT_EQ(h.Run({"MULTI"}), kOk);
  EXPECT_EQ(h.Run({"SET", "x", "1"}), kQueued);
  EXPECT_EQ(h.Run({"INCR", "s"}), kQueued);
  EXPECT_EQ(h.Run({"INCR", "x"}), kQueued);
  EXPECT_EQ(h.Run({"EXEC"}),
            "*3\r\n" + kOk + "-ERR value is not an integer or out of range\r\n" + Int(2));
  EXPECT_EQ(h.Run({"GET", "x"}), Bulk("2"));
  // An empty transaction.
  EXPECT_EQ(h.Run({"MULTI"}), kOk);
  EXPECT_EQ(h.Run({"EXEC"}), "*0\r\n");
}

TEST(MultiTest, WatchDetectsChangesExpiryAndFlush) {
  ServerHarness h;
  auto other = h.NewClient();
  // Unchanged: runs.
  EXPECT_EQ(h.Run({"SET", "x", "1"}), kOk);
  EXPECT_EQ(h.Run({"WATCH", "x", "y"}), kOk);
  EXPECT_EQ(h.Run({"MULTI"}), kOk);
  EXPECT_EQ(h.Run({"INCR", "x"}), kQueued);
  EXPECT_EQ(h.Run({"EXEC"}), "*1\r\n" + Int(2));
  // Changed by another client (same value): null, nothing applied.
  EXPECT_EQ(h.Run({"WATCH", "x"}), kOk);
  EXPECT_EQ(h.Run({"SET", "x", "2"}, other.get()), kOk);
  EXPECT_EQ(h.Run({"MULTI"}), kOk);
  EXPECT_EQ(h.Run({"INCR", "x"}), kQueued);
  EXPECT_EQ(h.Run({"EXEC"}), kNilArray);
  EXPECT_EQ(h.Run({"GET", "x"}), Bulk("2"));
  // No longer watched after EXEC.
  EXPECT_EQ(h.Run({"SET", "x", "5"}, other.get()), kOk);
  EXPECT_EQ(h.Run({"MULTI"}), kOk);
  EXPECT_EQ(h.Run({"PING"}), kQueued);
  EXPECT_EQ(h.Run({"EXEC"}), "*1\r\n+PONG\r\n");
  // UNWATCH forgets; DISCARD unwatches.
  EXPECT_EQ(h.Run({"WATCH", "x"}), kOk);
  EXPECT_EQ(h.Run({"SET", "x", "6"}, other.get()), kOk);
  EXPECT_EQ(h.Run({"UNWATCH"}), kOk);
  EXPECT_EQ(h.Run({"MULTI"}), kOk);
  EXPECT_EQ(h.Run({"EXEC"}), "*0\r\n");
  EXPECT_EQ(h.Run({"WATCH", "x"}), kOk);
  EXPECT_EQ(h.Run({"SET", "x", "7"}, other.get()), kOk);
  EXPECT_EQ(h.Run({"MULTI"}), kOk);
  EXPECT_EQ(h.Run({"DISCARD"}), kOk);
  EXPECT_EQ(h.Run({"MULTI"}), kOk);
  EXPECT_EQ(h.Run({"EXEC"}), "*0\r\n");
  // EXPIRE touches.
  EXPECT_EQ(h.Run({"WATCH", "x"}), kOk);
  EXPECT_EQ(h.Run({"EXPIRE", "x", "100"}, other.get()), Int(1));
  EXPECT_EQ(h.Run({"MULTI"}), kOk);
  EXPECT_EQ(h.Run({"EXEC"}), kNilArray);
  // A key that expires between WATCH and EXEC (nobody writes it) fails it.
  EXPECT_EQ(h.Run({"SET", "e", "1", "PX", "30"}), kOk);
  EXPECT_EQ(h.Run({"WATCH", "e"}), kOk);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(h.Run({"MULTI"}), kOk);
  EXPECT_EQ(h.Run({"EXEC"}), kNilArray);
  // FLUSHALL touches a watched key that exists, not one that does not.
  EXPECT_EQ(h.Run({"WATCH", "x"}), kOk);
  EXPECT_EQ(h.Run({"FLUSHALL"}, other.get()), kOk);
  EXPECT_EQ(h.Run({"MULTI"}), kOk);
  EXPECT_EQ(h.Run({"EXEC"}), kNilArray);
  EXPECT_EQ(h.Run({"WATCH", "x"}), kOk);
  EXPECT_EQ(h.Run({"FLUSHALL"}, other.get()), kOk);
  EXPECT_EQ(h.Run({"MULTI"}), kOk);
  EXPECT_EQ(h.Run({"EXEC"}), "*0\r\n");
}

TEST(MultiTest, FlushAllInsideExecIsPartOfTheBatch) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"SET", "a", "1"}), kOk);
  EXPECT_EQ(h.Run({"SET", "b", "1"}), kOk);
  EXPECT_EQ(h.Run({"MULTI"}), kOk);
  EXPECT_EQ(h.Run({"SET", "c", "1"}), kQueued);
  EXPECT_EQ(h.Run({"FLUSHALL"}), kQueued);
  EXPECT_EQ(h.Run({"EXISTS", "a", "c"}), kQueued);
  EXPECT_EQ(h.Run({"SET", "d", "2"}), kQueued);
  EXPECT_EQ(h.Run({"KEYS", "*"}), kQueued);
  EXPECT_EQ(h.Run({"DBSIZE"}), kQueued);
  EXPECT_EQ(h.Run({"EXEC"}), "*6\r\n" + kOk + kOk + Int(0) + kOk + "*1\r\n" + Bulk("d") + Int(1));
  EXPECT_EQ(h.Run({"KEYS", "*"}), "*1\r\n" + Bulk("d"));
  EXPECT_EQ(h.Run({"DBSIZE"}), Int(1));
}

TEST(MultiTest, InExecIsSetOnlyWhileExecRuns) {
  ServerHarness h;
  ClientState client;
  client.authenticated = true;
  EXPECT_FALSE(client.in_exec);
  h.Run({"MULTI"}, &client);
  h.Run({"SET", "k", "v"}, &client);
  EXPECT_FALSE(client.in_exec);
  h.Run({"EXEC"}, &client);
  EXPECT_FALSE(client.in_exec);
}

}  // namespace
}  // namespace strata::server
