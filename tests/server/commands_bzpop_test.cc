// BZPOPMIN, BZPOPMAX and BZMPOP through the in-process harness (exact RESP2
// and RESP3 replies and errors, checked against Redis 7.0.15's), their use
// of the blocking registry (blocking.h), and the wake-ups of the sorted-set
// commands that add members (ZADD, ZINCRBY and the STORE forms).

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "server/blocking.h"
#include "server_harness.h"

namespace strata::server {
namespace {

// In-process clients have no wake function: the blocking forms act as
// their non-blocking forms and reply the timeout reply when empty.
TEST(BZPopTest, ServesLikeTheNonBlockingForms) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"BZPOPMIN", "a", "b", "0"}), kNilArray);
  EXPECT_EQ(h.Run({"ZADD", "b", "1", "x", "2", "y", "3", "z"}), Int(3));
  EXPECT_EQ(h.Run({"BZPOPMIN", "a", "b", "0"}), Arr({"b", "x", "1"}));
  EXPECT_EQ(h.Run({"BZPOPMAX", "a", "b", "0.5"}), Arr({"b", "z", "3"}));
  EXPECT_EQ(h.Run({"BZMPOP", "0", "2", "a", "b", "MIN", "COUNT", "5"}),
            "*2\r\n" + Bulk("b") + "*1\r\n" + Arr({"y", "2"}));
  EXPECT_EQ(h.Run({"EXISTS", "b"}), Int(0));
  EXPECT_EQ(h.Run({"BZMPOP", "0", "1", "b", "MAX"}), kNilArray);
  h.Run({"ZADD", "c", "1", "m", "2", "n"});
  EXPECT_EQ(h.Run({"BZMPOP", "0", "1", "c", "MAX"}),
            "*2\r\n" + Bulk("c") + "*1\r\n" + Arr({"n", "2"}));
}

TEST(BZPopTest, Errors) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"BZPOPMIN", "a", "-1"}), Err("ERR timeout is negative"));
  EXPECT_EQ(h.Run({"BZPOPMAX", "a", "abc"}), Err("ERR timeout is not a float or out of range"));
  EXPECT_EQ(h.Run({"BZPOPMIN", "a"}), Err("ERR wrong number of arguments for 'bzpopmin' command"));
  EXPECT_EQ(h.Run({"BZMPOP", "0", "0", "a", "MIN"}), Err("ERR numkeys should be greater than 0"));
  EXPECT_EQ(h.Run({"BZMPOP", "0", "2", "a", "MIN"}), kSyntax);
  EXPECT_EQ(h.Run({"BZMPOP", "0", "1", "a", "LEFT"}), kSyntax);
  EXPECT_EQ(h.Run({"BZMPOP", "0", "1", "a", "MIN", "COUNT", "0"}),
            Err("ERR count should be greater than 0"));
  EXPECT_EQ(h.Run({"BZMPOP", "0", "1", "a", "MIN", "COUNT", "1", "COUNT", "1"}), kSyntax);
  // The pop's arguments are checked before the timeout.
  EXPECT_EQ(h.Run({"BZMPOP", "-1", "0", "a", "MIN"}), Err("ERR numkeys should be greater than 0"));
  EXPECT_EQ(h.Run({"BZMPOP", "-1", "1", "a", "MIN"}), Err("ERR timeout is negative"));
  h.Run({"SET", "s", "v"});
  EXPECT_EQ(h.Run({"BZPOPMIN", "s", "0"}), kWrongTypeReply);
  EXPECT_EQ(h.Run({"BZMPOP", "0", "1", "s", "MIN"}), kWrongTypeReply);
  // A missing key before the wrong one is skipped, as Redis does.
  EXPECT_EQ(h.Run({"BZPOPMIN", "nokey", "s", "0"}), kWrongTypeReply);
}

TEST(BZPopTest, Resp3Shapes) {
  ServerHarness h;
  auto client = h.NewClient();
  client->resp = 3;
  h.Run({"ZADD", "z", "1.5", "a", "2", "b", "3", "c"});
  EXPECT_EQ(h.Run({"BZPOPMIN", "z", "0"}, client.get()),
            "*3\r\n" + Bulk("z") + Bulk("a") + ",1.5\r\n");
  EXPECT_EQ(
      h.Run({"BZMPOP", "0", "1", "z", "MAX", "COUNT", "2"}, client.get()),
      "*2\r\n" + Bulk("z") + "*2\r\n*2\r\n" + Bulk("c") + ",3\r\n*2\r\n" + Bulk("b") + ",2\r\n");
  EXPECT_EQ(h.Run({"BZPOPMAX", "z", "0"}, client.get()), "_\r\n");
}

TEST(BZPopTest, Registered) {
  ServerHarness h;
  std::string info = h.Run({"COMMAND", "INFO", "bzpopmin", "bzmpop"});
  EXPECT_NE(info.find("bzpopmin"), std::string::npos) << info;
  EXPECT_NE(info.find("bzmpop"), std::string::npos) << info;
}

struct WakeLog {
  std::vector<uint64_t> seqs;
};

std::unique_ptr<ClientState> Waiter(ServerHarness& h, WakeLog* log) {
  auto client = h.NewClient();
  client->wake = [log](uint64_t seq, std::shared_ptr<ReplyHold>) { log->seqs.push_back(seq); };
  return client;
}

// Parks `c` on BZPOPMIN `key` as its connection would.
void Park(ServerHarness& h, ClientState* c, const std::string& key) {
  EXPECT_EQ(h.Run({"BZPOPMIN", key, "0"}, c), "");
  EXPECT_TRUE(c->block_requested);
  c->block_requested = false;
  c->blocked = true;
}

TEST(BZPopTest, BlocksAndIsWokenByZAdd) {
  ServerHarness h;
  WakeLog log;
  auto c = Waiter(h, &log);
  EXPECT_EQ(h.Run({"BZMPOP", "1.5", "2", "k1", "k2", "MAX", "COUNT", "2"}, c.get()), "");
  EXPECT_TRUE(c->block_requested);
  EXPECT_GT(c->block_deadline_ms, 0u);
  EXPECT_EQ(h.state()->blocking()->Waiters("k2"), std::vector<uint64_t>{c->id});
  c->block_requested = false;
  c->blocked = true;
  EXPECT_EQ(h.Run({"ZADD", "k2", "1", "a", "2", "b", "3", "c"}), Int(3));
  EXPECT_EQ(log.seqs.size(), 1u);
  EXPECT_EQ(h.Run({"BZMPOP", "1.5", "2", "k1", "k2", "MAX", "COUNT", "2"}, c.get()),
            "*2\r\n" + Bulk("k2") + "*2\r\n" + Arr({"c", "3"}) + Arr({"b", "2"}));
  h.state()->blocking()->Unblock(c->id);
  // The deadline's re-run that finds nothing replies a null array.
  Park(h, c.get(), "empty");
  c->block_timed_out = true;
  EXPECT_EQ(h.Run({"BZPOPMIN", "empty", "0"}, c.get()), kNilArray);
  h.state()->blocking()->Unblock(c->id);
}

// Every command that adds members to a sorted set wakes its waiters; one that
// only updates scores or stores an empty result does not.
TEST(BZPopTest, WritersThatAddMembersSignal) {
  ServerHarness h;
  h.Run({"ZADD", "src", "1", "a", "2", "b"});
  struct Case {
    std::vector<std::string> write;
    std::string dst;
  };
  std::vector<Case> cases = {
      {{"ZINCRBY", "d1", "5", "m"}, "d1"},
      {{"ZUNIONSTORE", "d2", "1", "src"}, "d2"},
      {{"ZINTERSTORE", "d3", "1", "src"}, "d3"},
      {{"ZDIFFSTORE", "d4", "1", "src"}, "d4"},
      {{"ZRANGESTORE", "d5", "src", "0", "-1"}, "d5"},
  };
  for (const Case& k : cases) {
    WakeLog log;
    auto c = Waiter(h, &log);
    Park(h, c.get(), k.dst);
    EXPECT_NE(h.Run(k.write).substr(0, 1), "-") << k.write[0];
    EXPECT_EQ(log.seqs.size(), 1u) << k.write[0];
    EXPECT_EQ(h.Run({"BZPOPMIN", k.dst, "0"}, c.get()).substr(0, 4), "*3\r\n") << k.write[0];
    h.state()->blocking()->Unblock(c->id);
  }
  WakeLog log;
  auto c = Waiter(h, &log);
  Park(h, c.get(), "d6");
  EXPECT_EQ(h.Run({"ZUNIONSTORE", "d6", "1", "nosuchkey"}), Int(0));
  EXPECT_EQ(h.Run({"ZADD", "d6", "XX", "1", "m"}), Int(0));
  EXPECT_TRUE(log.seqs.empty());
  h.state()->blocking()->Unblock(c->id);
}

// A waiter woken for a key that then became a string (MULTI: ZADD, DEL,
// SET) is not served an error: its re-run skips the key and keeps waiting,
// as Redis serves a waiter only from a sorted set.
TEST(BZPopTest, ReRunSkipsAKeyOfAnotherType) {
  ServerHarness h;
  WakeLog log;
  auto c = Waiter(h, &log);
  Park(h, c.get(), "k");
  h.Run({"SET", "k", "v"});
  EXPECT_EQ(h.Run({"BZPOPMIN", "k", "0"}, c.get()), "");
  EXPECT_TRUE(c->block_requested);
  h.Run({"DEL", "k"});
  h.Run({"ZADD", "k", "1", "m"});
  EXPECT_EQ(h.Run({"BZPOPMIN", "k", "0"}, c.get()), Arr({"k", "m", "1"}));
  h.state()->blocking()->Unblock(c->id);
  // A first run still replies WRONGTYPE.
  h.Run({"SET", "k", "v"});
  auto fresh = Waiter(h, &log);
  EXPECT_EQ(h.Run({"BZPOPMIN", "k", "0"}, fresh.get()), kWrongTypeReply);
}

TEST(BZPopTest, InsideExecNeverBlocks) {
  ServerHarness h;
  WakeLog log;
  auto c = Waiter(h, &log);
  c->in_exec = true;
  EXPECT_EQ(h.Run({"BZPOPMIN", "k", "0"}, c.get()), kNilArray);
  EXPECT_EQ(h.Run({"BZMPOP", "0", "1", "k", "MIN"}, c.get()), kNilArray);
  EXPECT_FALSE(c->block_requested);
  EXPECT_EQ(h.state()->blocking()->blocked_clients(), 0u);
}

}  // namespace
}  // namespace strata::server
