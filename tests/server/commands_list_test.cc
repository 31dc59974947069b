// The list commands through the in-process harness (exact RESP replies,
// checked against Redis 7.0.15's), the list encoding (head/tail bounds in
// the metadata), and the blocking registry and BlockOrTimeout (blocking.h):
// FIFO order per key, hand-over on unblock, re-runs keeping their place,
// MULTI's non-blocking behaviour and timeout parsing.

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "server/blocking.h"
#include "server/metadata.h"
#include "server_harness.h"
#include "util/coding.h"

namespace strata::server {
namespace {

TEST(ListCommandsTest, PushPopBothEnds) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"RPUSH", "l", "b", "c"}), Int(2));
  EXPECT_EQ(h.Run({"LPUSH", "l", "a", "z"}), Int(4));  // z a b c
  EXPECT_EQ(h.Run({"LRANGE", "l", "0", "-1"}), Arr({"z", "a", "b", "c"}));
  EXPECT_EQ(h.Run({"LPOP", "l"}), Bulk("z"));
  EXPECT_EQ(h.Run({"RPOP", "l"}), Bulk("c"));
  EXPECT_EQ(h.Run({"LLEN", "l"}), Int(2));
  EXPECT_EQ(h.Run({"RPOP", "l", "5"}), Arr({"b", "a"}));
  EXPECT_EQ(h.Run({"EXISTS", "l"}), Int(0));  // an emptied list is removed
  EXPECT_EQ(h.Run({"LPOP", "l"}), kNil);
  EXPECT_EQ(h.Run({"LPOP", "l", "2"}), kNilArray);
  EXPECT_EQ(h.Run({"LPUSHX", "l", "a"}), Int(0));
  EXPECT_EQ(h.Run({"RPUSH", "l", "a"}), Int(1));
  EXPECT_EQ(h.Run({"RPUSHX", "l", "b", "c"}), Int(3));
  EXPECT_EQ(h.Run({"LPOP", "l", "0"}), "*0\r\n");
  EXPECT_EQ(h.Run({"LPOP", "l", "-1"}), Err("ERR value is out of range, must be positive"));
  EXPECT_EQ(h.Run({"LPOP", "l", "x"}), Err("ERR value is out of range, must be positive"));
  EXPECT_EQ(h.Run({"LPOP", "l", "1", "2"}),
            Err("ERR wrong number of arguments for 'lpop' command"));
  EXPECT_EQ(h.Run({"TYPE", "l"}), "+list\r\n");
}

TEST(ListCommandsTest, HeadAndTailLiveInTheMetadata) {
  ServerHarness h;
  h.Run({"RPUSH", "l", "a", "b", "c"});
  h.Run({"LPUSH", "l", "z"});
  std::string record;
  Metadata meta;
  ASSERT_TRUE(h.state()->GetMeta("l", &record, &meta).ok());
  EXPECT_EQ(meta.type, KeyType::kList);
  EXPECT_EQ(meta.size, 4u);
  ASSERT_EQ(meta.extra.size(), 16u);
  uint64_t head = DecodeFixed64(meta.extra.data());
  uint64_t tail = DecodeFixed64(meta.extra.data() + 8);
  EXPECT_EQ(head, (uint64_t{1} << 63) - 1);
  EXPECT_EQ(tail, (uint64_t{1} << 63) + 3);
  // Element 0 is at be64(head).
  std::string subkey(8, '\0');
  for (int i = 0; i < 8; i++) subkey[i] = static_cast<char>(head >> (56 - 8 * i));
  std::string value;
  ASSERT_TRUE(
      h.state()->db()->Get(ReadOptions(), SubkeyPrefix("l", meta.version) + subkey, &value).ok());
  EXPECT_EQ(value, "z");
}

TEST(ListCommandsTest, IndexSetRangeTrim) {
  ServerHarness h;
  h.Run({"RPUSH", "l", "a", "b", "c", "d", "e"});
  EXPECT_EQ(h.Run({"LINDEX", "l", "0"}), Bulk("a"));
  EXPECT_EQ(h.Run({"LINDEX", "l", "-1"}), Bulk("e"));
  EXPECT_EQ(h.Run({"LINDEX", "l", "5"}), kNil);
  EXPECT_EQ(h.Run({"LINDEX", "l", "x"}), Err(std::string(kNotInteger)));
  EXPECT_EQ(h.Run({"LINDEX", "nokey", "x"}), kNil);
  EXPECT_EQ(h.Run({"LSET", "l", "1", "B"}), kOk);
  EXPECT_EQ(h.Run({"LSET", "l", "-1", "E"}), kOk);
  EXPECT_EQ(h.Run({"LSET", "l", "5", "x"}), Err("ERR index out of range"));
  EXPECT_EQ(h.Run({"LSET", "nokey", "0", "x"}), Err("ERR no such key"));
  EXPECT_EQ(h.Run({"LRANGE", "l", "1", "-2"}), Arr({"B", "c", "d"}));
  EXPECT_EQ(h.Run({"LRANGE", "l", "-100", "100"}), Arr({"a", "B", "c", "d", "E"}));
  EXPECT_EQ(h.Run({"LRANGE", "l", "3", "1"}), "*0\r\n");
  EXPECT_EQ(h.Run({"LRANGE", "nokey", "0", "-1"}), "*0\r\n");
  EXPECT_EQ(h.Run({"LTRIM", "l", "1", "-2"}), kOk);
  EXPECT_EQ(h.Run({"LRANGE", "l", "0", "-1"}), Arr({"B", "c", "d"}));
  EXPECT_EQ(h.Run({"LTRIM", "l", "5", "10"}), kOk);
  EXPECT_EQ(h.Run({"EXISTS", "l"}), Int(0));
  EXPECT_EQ(h.Run({"LTRIM", "nokey", "0", "1"}), kOk);
}

TEST(ListCommandsTest, InsertShiftsTheShorterSide) {
  ServerHarness h;
  h.Run({"RPUSH", "l", "a", "b", "c", "d"});
  EXPECT_EQ(h.Run({"LINSERT", "l", "BEFORE", "b", "x"}), Int(5));  // shifts the head side
  EXPECT_EQ(h.Run({"LINSERT", "l", "after", "c", "y"}), Int(6));   // shifts the tail side
  EXPECT_EQ(h.Run({"LINSERT", "l", "after", "d", "z"}), Int(7));
  EXPECT_EQ(h.Run({"LINSERT", "l", "before", "a", "0"}), Int(8));
  EXPECT_EQ(h.Run({"LRANGE", "l", "0", "-1"}), Arr({"0", "a", "x", "b", "c", "y", "d", "z"}));
  EXPECT_EQ(h.Run({"LINSERT", "l", "before", "nope", "q"}), Int(-1));
  EXPECT_EQ(h.Run({"LINSERT", "nokey", "before", "a", "q"}), Int(0));
  EXPECT_EQ(h.Run({"LINSERT", "l", "middle", "a", "q"}), Err("ERR syntax error"));
  EXPECT_EQ(h.Run({"LINDEX", "l", "2"}), Bulk("x"));
  EXPECT_EQ(h.Run({"LLEN", "l"}), Int(8));
}

TEST(ListCommandsTest, RemoveFromEitherEnd) {
  ServerHarness h;
  h.Run({"RPUSH", "l", "a", "x", "b", "x", "c", "x"});
  EXPECT_EQ(h.Run({"LREM", "l", "-2", "x"}), Int(2));
  EXPECT_EQ(h.Run({"LRANGE", "l", "0", "-1"}), Arr({"a", "x", "b", "c"}));
  EXPECT_EQ(h.Run({"LREM", "l", "0", "x"}), Int(1));
  EXPECT_EQ(h.Run({"LREM", "l", "1", "nope"}), Int(0));
  EXPECT_EQ(h.Run({"LRANGE", "l", "0", "-1"}), Arr({"a", "b", "c"}));
  EXPECT_EQ(h.Run({"RPUSH", "l", "d"}), Int(4));  // the tail moved back correctly
  EXPECT_EQ(h.Run({"LREM", "l", "0", "a"}), Int(1));
  EXPECT_EQ(h.Run({"LRANGE", "l", "0", "-1"}), Arr({"b", "c", "d"}));
  h.Run({"RPUSH", "one", "v", "v"});
  EXPECT_EQ(h.Run({"LREM", "one", "0", "v"}), Int(2));
  EXPECT_EQ(h.Run({"EXISTS", "one"}), Int(0));
}

TEST(ListCommandsTest, Pos) {
  ServerHarness h;
  h.Run({"RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c"});
  EXPECT_EQ(h.Run({"LPOS", "l", "c"}), Int(2));
  EXPECT_EQ(h.Run({"LPOS", "l", "c", "RANK", "2"}), Int(6));
  EXPECT_EQ(h.Run({"LPOS", "l", "c", "RANK", "-1"}), Int(7));
  EXPECT_EQ(h.Run({"LPOS", "l", "c", "COUNT", "0"}), "*3\r\n:2\r\n:6\r\n:7\r\n");
  EXPECT_EQ(h.Run({"LPOS", "l", "c", "COUNT", "2", "RANK", "-1"}), "*2\r\n:7\r\n:6\r\n");
  EXPECT_EQ(h.Run({"LPOS", "l", "c", "MAXLEN", "2"}), kNil);
  EXPECT_EQ(h.Run({"LPOS", "l", "c", "COUNT", "0", "MAXLEN", "7"}), "*2\r\n:2\r\n:6\r\n");
  EXPECT_EQ(h.Run({"LPOS", "l", "x", "COUNT", "1"}), "*0\r\n");
  EXPECT_EQ(h.Run({"LPOS", "nokey", "x"}), kNil);
  EXPECT_EQ(h.Run({"LPOS", "l", "c", "RANK", "0"}),
            Err("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second "
                "... or use negative to start from the end of the list"));
  EXPECT_EQ(h.Run({"LPOS", "l", "c", "COUNT", "-1"}), Err("ERR COUNT can't be negative"));
  EXPECT_EQ(h.Run({"LPOS", "l", "c", "MAXLEN", "-1"}), Err("ERR MAXLEN can't be negative"));
  EXPECT_EQ(h.Run({"LPOS", "l", "c", "BOGUS"}), Err("ERR syntax error"));
}

TEST(ListCommandsTest, MoveAndMultiPop) {
  ServerHarness h;
  h.Run({"RPUSH", "src", "a", "b", "c"});
  EXPECT_EQ(h.Run({"RPOPLPUSH", "src", "dst"}), Bulk("c"));
  EXPECT_EQ(h.Run({"LMOVE", "src", "dst", "LEFT", "RIGHT"}), Bulk("a"));
  EXPECT_EQ(h.Run({"LRANGE", "dst", "0", "-1"}), Arr({"c", "a"}));
  EXPECT_EQ(h.Run({"LMOVE", "src", "src", "RIGHT", "LEFT"}), Bulk("b"));  // rotation, 1 element
  EXPECT_EQ(h.Run({"LMOVE", "dst", "dst", "LEFT", "RIGHT"}), Bulk("c"));
  EXPECT_EQ(h.Run({"LRANGE", "dst", "0", "-1"}), Arr({"a", "c"}));
  EXPECT_EQ(h.Run({"LMOVE", "nokey", "dst", "LEFT", "RIGHT"}), kNil);
  EXPECT_EQ(h.Run({"LMOVE", "src", "dst", "UP", "RIGHT"}), Err("ERR syntax error"));
  h.Run({"SET", "str", "x"});
  EXPECT_EQ(h.Run({"LMOVE", "src", "str", "LEFT", "RIGHT"}), kWrongTypeReply);
  EXPECT_EQ(h.Run({"LLEN", "src"}), Int(1));  // nothing moved
  EXPECT_EQ(h.Run({"LMPOP", "2", "nokey", "dst", "RIGHT", "COUNT", "5"}),
            "*2\r\n" + Bulk("dst") + Arr({"c", "a"}));
  EXPECT_EQ(h.Run({"LMPOP", "1", "nokey", "LEFT"}), kNilArray);
  EXPECT_EQ(h.Run({"LMPOP", "0", "k", "LEFT"}), Err("ERR numkeys should be greater than 0"));
  EXPECT_EQ(h.Run({"LMPOP", "2", "k", "LEFT"}), Err("ERR syntax error"));
  EXPECT_EQ(h.Run({"LMPOP", "1", "k", "LEFT", "COUNT", "0"}),
            Err("ERR count should be greater than 0"));
  EXPECT_EQ(h.Run({"LMPOP", "1", "str", "LEFT"}), kWrongTypeReply);
}

TEST(ListCommandsTest, WrongType) {
  ServerHarness h;
  h.Run({"SET", "s", "x"});
  for (const std::vector<std::string>& argv :
       std::vector<std::vector<std::string>>{{"LPUSH", "s", "a"},
                                             {"LPOP", "s"},
                                             {"LLEN", "s"},
                                             {"LRANGE", "s", "0", "1"},
                                             {"LINDEX", "s", "0"},
                                             {"LSET", "s", "0", "a"},
                                             {"LREM", "s", "0", "a"},
                                             {"LINSERT", "s", "before", "a", "b"},
                                             {"LTRIM", "s", "0", "1"},
                                             {"LPOS", "s", "a"},
                                             {"BLPOP", "s", "0"}}) {
    EXPECT_EQ(h.Run(argv), kWrongTypeReply) << argv[0];
  }
}

// In-process clients have no wake function: blocking commands act as their
// non-blocking forms, as inside MULTI.
TEST(ListCommandsTest, BlockingFormsWithoutParking) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"BLPOP", "a", "b", "0"}), kNilArray);
  h.Run({"RPUSH", "b", "1", "2"});
  EXPECT_EQ(h.Run({"BLPOP", "a", "b", "0"}), Arr({"b", "1"}));
  EXPECT_EQ(h.Run({"BRPOP", "a", "b", "0.5"}), Arr({"b", "2"}));
  EXPECT_EQ(h.Run({"BRPOPLPUSH", "b", "c", "0"}), kNil);
  EXPECT_EQ(h.Run({"BLMOVE", "b", "c", "LEFT", "LEFT", "0"}), kNil);
  EXPECT_EQ(h.Run({"BLMPOP", "0", "1", "b", "LEFT"}), kNilArray);
  EXPECT_EQ(h.Run({"BLPOP", "a", "-1"}), Err("ERR timeout is negative"));
  EXPECT_EQ(h.Run({"BLPOP", "a", "abc"}), Err("ERR timeout is not a float or out of range"));
  EXPECT_EQ(h.Run({"BLPOP", "a", " 1"}), Err("ERR timeout is not a float or out of range"));
  EXPECT_EQ(h.Run({"BLMPOP", "-1", "1", "a", "LEFT"}), Err("ERR timeout is negative"));
  EXPECT_EQ(h.Run({"BLMPOP", "0", "0", "a", "LEFT"}), Err("ERR numkeys should be greater than 0"));
}

// A client as a connection sets it up: its wake-ups are recorded.
struct WakeLog {
  std::vector<uint64_t> seqs;
};

std::unique_ptr<ClientState> Waiter(ServerHarness& h, WakeLog* log) {
  auto client = h.NewClient();
  client->wake = [log](uint64_t seq, std::shared_ptr<ReplyHold>) { log->seqs.push_back(seq); };
  return client;
}

TEST(BlockingTest, BlockRegistersAndAsksToPark) {
  ServerHarness h;
  WakeLog log;
  auto c = Waiter(h, &log);
  EXPECT_EQ(h.Run({"BLPOP", "k1", "k2", "k1", "0"}, c.get()), "");
  EXPECT_TRUE(c->block_requested);
  EXPECT_EQ(c->block_deadline_ms, 0u);
  EXPECT_EQ(h.state()->blocking()->blocked_clients(), 1u);
  EXPECT_EQ(h.state()->blocking()->Waiters("k1"), std::vector<uint64_t>{c->id});
  EXPECT_EQ(h.state()->blocking()->Waiters("k2"), std::vector<uint64_t>{c->id});
  // The connection parks it; a push wakes it with its wait's number.
  c->block_requested = false;
  c->blocked = true;
  EXPECT_EQ(h.Run({"RPUSH", "k2", "v"}), Int(1));
  EXPECT_EQ(log.seqs, std::vector<uint64_t>{c->block_seq});
  // The re-run is served; the connection then unblocks it.
  EXPECT_EQ(h.Run({"BLPOP", "k1", "k2", "k1", "0"}, c.get()), Arr({"k2", "v"}));
  EXPECT_FALSE(c->block_requested);
  h.state()->blocking()->Unblock(c->id);
  EXPECT_EQ(h.state()->blocking()->blocked_clients(), 0u);
  EXPECT_TRUE(h.state()->blocking()->Waiters("k1").empty());
}

TEST(BlockingTest, FifoPerKeyAndHandOver) {
  ServerHarness h;
  WakeLog log1, log2;
  auto c1 = Waiter(h, &log1);
  auto c2 = Waiter(h, &log2);
  EXPECT_EQ(h.Run({"BRPOPLPUSH", "k", "d", "1.5"}, c1.get()), "");
  EXPECT_GT(c1->block_deadline_ms, NowMs());
  c1->block_requested = false;
  c1->blocked = true;
  EXPECT_EQ(h.Run({"BLPOP", "k", "0"}, c2.get()), "");
  c2->block_requested = false;
  c2->blocked = true;
  EXPECT_EQ(h.state()->blocking()->Waiters("k"), (std::vector<uint64_t>{c1->id, c2->id}));
  // Only the longest waiter is woken.
  h.Run({"LPUSH", "k", "a", "b"});
  EXPECT_EQ(log1.seqs.size(), 1u);
  EXPECT_TRUE(log2.seqs.empty());
  EXPECT_EQ(h.Run({"BRPOPLPUSH", "k", "d", "1.5"}, c1.get()), Bulk("a"));
  // Unblocking c1 hands the key to c2.
  h.state()->blocking()->Unblock(c1->id);
  EXPECT_EQ(log2.seqs.size(), 1u);
  EXPECT_EQ(h.Run({"BLPOP", "k", "0"}, c2.get()), Arr({"k", "b"}));
}

TEST(BlockingTest, ReRunThatFindsNothingKeepsItsPlace) {
  ServerHarness h;
  WakeLog log1, log2;
  auto c1 = Waiter(h, &log1);
  auto c2 = Waiter(h, &log2);
  for (ClientState* c : {c1.get(), c2.get()}) {
    EXPECT_EQ(h.Run({"BLPOP", "k", "0"}, c), "");
    c->block_requested = false;
    c->blocked = true;
  }
  h.Run({"RPUSH", "k", "v"});
  h.Run({"LPOP", "k"});  // someone else took it before c1 ran
  EXPECT_EQ(h.Run({"BLPOP", "k", "0"}, c1.get()), "");
  EXPECT_TRUE(c1->block_requested);
  EXPECT_EQ(h.state()->blocking()->Waiters("k"), (std::vector<uint64_t>{c1->id, c2->id}));
  // The deadline's re-run replies the timeout reply.
  c1->block_requested = false;
  c1->block_timed_out = true;
  EXPECT_EQ(h.Run({"BLPOP", "k", "0"}, c1.get()), kNilArray);
  EXPECT_FALSE(c1->block_requested);
}

TEST(BlockingTest, InsideExecNeverBlocks) {
  ServerHarness h;
  WakeLog log;
  auto c = Waiter(h, &log);
  c->in_exec = true;
  EXPECT_EQ(h.Run({"BLMOVE", "k", "d", "LEFT", "RIGHT", "0"}, c.get()), kNil);
  EXPECT_EQ(h.Run({"BLMPOP", "0", "1", "k", "LEFT", "COUNT", "2"}, c.get()), kNilArray);
  EXPECT_FALSE(c->block_requested);
  EXPECT_EQ(h.state()->blocking()->blocked_clients(), 0u);
}

// A push inside EXEC wakes its waiters only once EXEC has committed.
TEST(BlockingTest, PushInsideExecSignalsAfterCommit) {
  ServerHarness h;
  WakeLog log;
  auto waiter = Waiter(h, &log);
  EXPECT_EQ(h.Run({"BLPOP", "k", "0"}, waiter.get()), "");
  auto pusher = h.NewClient();
  pusher->in_exec = true;
  EXPECT_EQ(h.Run({"RPUSH", "k", "v"}, pusher.get()), Int(1));
  EXPECT_TRUE(log.seqs.empty());
  EXPECT_EQ(pusher->ready_keys, std::vector<std::string>{"k"});
  SignalReadyKeys(h.state()->blocking(), pusher.get());
  EXPECT_EQ(log.seqs.size(), 1u);
  EXPECT_TRUE(pusher->ready_keys.empty());
}

TEST(BlockingTest, RegistryUnblockOfAWaiterBehindTheHeadWakesNobody) {
  BlockingRegistry registry;
  std::vector<uint64_t> woken;
  auto wake = [&woken](uint64_t seq, std::shared_ptr<ReplyHold>) { woken.push_back(seq); };
  registry.Block(1, 10, {"a"}, wake);
  registry.Block(2, 20, {"a", "b"}, wake);
  registry.Unblock(2);  // head of b (b is now empty), behind 1 on a
  EXPECT_TRUE(woken.empty());
  EXPECT_EQ(registry.Waiters("a"), std::vector<uint64_t>{1});
  EXPECT_TRUE(registry.Waiters("b").empty());
  registry.Signal("b");
  EXPECT_TRUE(woken.empty());
  registry.Signal("a");
  EXPECT_EQ(woken, std::vector<uint64_t>{10});
  registry.Unblock(1);
  registry.Unblock(1);  // a no-op
  EXPECT_EQ(registry.blocked_clients(), 0u);
}

TEST(BlockingTest, ReplyHoldReleasesAfterItsLastReferenceAndItsChildren) {
  std::vector<std::string> released;
  auto parent = std::make_shared<ReplyHold>([&released] { released.push_back("parent"); });
  auto child = std::make_shared<ReplyHold>([&released] { released.push_back("child"); });
  child->parent = parent;
  std::shared_ptr<ReplyHold> wake_copy = parent;
  parent = nullptr;
  wake_copy = nullptr;  // the child still holds the parent
  EXPECT_TRUE(released.empty());
  child = nullptr;
  EXPECT_EQ(released, (std::vector<std::string>{"child", "parent"}));
  auto disarmed = std::make_shared<ReplyHold>([&released] { released.push_back("no"); });
  disarmed->Disarm();
  disarmed = nullptr;
  EXPECT_EQ(released.size(), 2u);
}

}  // namespace
}  // namespace strata::server
