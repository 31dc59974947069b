// The hash commands through the in-process harness: exact RESP2 and RESP3
// replies (checked against Redis 7.0.15's), the size kept in the metadata,
// HSCAN's cursor, and the keyspace commands (DEL, RENAME, TYPE, EXPIRE) over
// a hash.

#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "server/metadata.h"
#include "server_harness.h"

namespace strata::server {
namespace {

TEST(HashCommandsTest, SetGetAndCount) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"HSET", "h", "a", "1", "b", "2", "a", "3"}), Int(2));
  EXPECT_EQ(h.Run({"HGET", "h", "a"}), Bulk("3"));
  EXPECT_EQ(h.Run({"HGET", "h", "zz"}), kNil);
  EXPECT_EQ(h.Run({"HGET", "nokey", "a"}), kNil);
  EXPECT_EQ(h.Run({"HLEN", "h"}), Int(2));
  EXPECT_EQ(h.Run({"HSET", "h", "b", "4", "c", "5"}), Int(1));
  EXPECT_EQ(h.Run({"HLEN", "h"}), Int(3));
  EXPECT_EQ(h.Run({"HSET", "h", "a"}), Err("ERR wrong number of arguments for 'hset' command"));
  EXPECT_EQ(h.Run({"HMSET", "h", "d", "6"}), kOk);
  EXPECT_EQ(h.Run({"HSETNX", "h", "d", "7"}), Int(0));
  EXPECT_EQ(h.Run({"HSETNX", "h", "e", "7"}), Int(1));
  EXPECT_EQ(h.Run({"HMGET", "h", "a", "x", "e"}), "*3\r\n$1\r\n3\r\n$-1\r\n$1\r\n7\r\n");
  EXPECT_EQ(h.Run({"HMGET", "nokey", "a"}), "*1\r\n$-1\r\n");
  EXPECT_EQ(h.Run({"HSTRLEN", "h", "a"}), Int(1));
  EXPECT_EQ(h.Run({"HSTRLEN", "h", "x"}), Int(0));
  EXPECT_EQ(h.Run({"HEXISTS", "h", "a"}), Int(1));
  EXPECT_EQ(h.Run({"HEXISTS", "h", "x"}), Int(0));
  EXPECT_EQ(h.Run({"HKEYS", "h"}), Arr({"a", "b", "c", "d", "e"}));
  EXPECT_EQ(h.Run({"HVALS", "h"}), Arr({"3", "4", "5", "6", "7"}));
  EXPECT_EQ(h.Run({"HGETALL", "h"}), Arr({"a", "3", "b", "4", "c", "5", "d", "6", "e", "7"}));
  EXPECT_EQ(h.Run({"HKEYS", "nokey"}), "*0\r\n");
  EXPECT_EQ(h.Run({"TYPE", "h"}), "+hash\r\n");
}

TEST(HashCommandsTest, DeleteFieldsRemovesEmptyHash) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"HSET", "h", "a", "1", "b", "2"}), Int(2));
  EXPECT_EQ(h.Run({"HDEL", "h", "a", "a", "x"}), Int(1));
  EXPECT_EQ(h.Run({"HLEN", "h"}), Int(1));
  EXPECT_EQ(h.Run({"HDEL", "nokey", "a"}), Int(0));
  EXPECT_EQ(h.Run({"HDEL", "h", "b"}), Int(1));
  EXPECT_EQ(h.Run({"EXISTS", "h"}), Int(0));
  // A new hash under the same name starts empty.
  EXPECT_EQ(h.Run({"HSET", "h", "c", "3"}), Int(1));
  EXPECT_EQ(h.Run({"HGETALL", "h"}), Arr({"c", "3"}));
}

TEST(HashCommandsTest, WrongType) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"SET", "s", "v"}), kOk);
  for (const std::vector<std::string>& argv :
       std::vector<std::vector<std::string>>{{"HSET", "s", "a", "1"},
                                             {"HGET", "s", "a"},
                                             {"HLEN", "s"},
                                             {"HGETALL", "s"},
                                             {"HDEL", "s", "a"},
                                             {"HINCRBY", "s", "a", "1"},
                                             {"HRANDFIELD", "s"},
                                             {"HSCAN", "s", "0"}}) {
    EXPECT_EQ(h.Run(argv), kWrongTypeReply) << argv[0];
  }
  EXPECT_EQ(h.Run({"HSET", "h", "a", "1"}), Int(1));
  EXPECT_EQ(h.Run({"GET", "h"}), kWrongTypeReply);
}

TEST(HashCommandsTest, Increments) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"HINCRBY", "h", "n", "5"}), Int(5));
  EXPECT_EQ(h.Run({"HINCRBY", "h", "n", "-7"}), Int(-2));
  EXPECT_EQ(h.Run({"HINCRBY", "h", "n", "x"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(h.Run({"HSET", "h", "s", "abc", "big", "9223372036854775807"}), Int(2));
  EXPECT_EQ(h.Run({"HINCRBY", "h", "s", "1"}), Err("ERR hash value is not an integer"));
  EXPECT_EQ(h.Run({"HINCRBY", "h", "big", "1"}), Err("ERR increment or decrement would overflow"));
  EXPECT_EQ(h.Run({"HINCRBYFLOAT", "h", "f", "10.5"}), Bulk("10.5"));
  EXPECT_EQ(h.Run({"HINCRBYFLOAT", "h", "f", "0.1"}), Bulk("10.6"));
  EXPECT_EQ(h.Run({"HINCRBYFLOAT", "h", "n", "1.5"}), Bulk("-0.5"));
  EXPECT_EQ(h.Run({"HINCRBYFLOAT", "h", "s", "1"}), Err("ERR hash value is not a float"));
  EXPECT_EQ(h.Run({"HINCRBYFLOAT", "h", "f", "x"}), Err("ERR value is not a valid float"));
  EXPECT_EQ(h.Run({"HINCRBYFLOAT", "h", "f", "inf"}), Err("ERR value is NaN or Infinity"));
  EXPECT_EQ(h.Run({"HLEN", "h"}), Int(4));
}

TEST(HashCommandsTest, RandField) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"HRANDFIELD", "nokey"}), kNil);
  EXPECT_EQ(h.Run({"HRANDFIELD", "nokey", "3"}), "*0\r\n");
  EXPECT_EQ(h.Run({"HSET", "h", "a", "1", "b", "2", "c", "3"}), Int(3));
  std::string one = h.Run({"HRANDFIELD", "h"});
  EXPECT_TRUE(one == Bulk("a") || one == Bulk("b") || one == Bulk("c")) << one;
  EXPECT_EQ(h.Run({"HRANDFIELD", "h", "0"}), "*0\r\n");
  // A positive count: distinct fields, at most all of them.
  std::string all = h.Run({"HRANDFIELD", "h", "10"});
  EXPECT_EQ(all.substr(0, 4), "*3\r\n");
  for (const char* f : {"$1\r\na\r\n", "$1\r\nb\r\n", "$1\r\nc\r\n"}) {
    EXPECT_NE(all.find(f), std::string::npos);
  }
  // A negative count: exactly that many, repeats allowed.
  EXPECT_EQ(h.Run({"HRANDFIELD", "h", "-5"}).substr(0, 4), "*5\r\n");
  EXPECT_EQ(h.Run({"HRANDFIELD", "h", "-5", "WITHVALUES"}).substr(0, 5), "*10\r\n");
  EXPECT_EQ(h.Run({"HRANDFIELD", "h", "2", "foo"}), Err("ERR syntax error"));
  EXPECT_EQ(h.Run({"HRANDFIELD", "h", "-9223372036854770000", "WITHVALUES"}),
            Err("ERR value is out of range"));
  EXPECT_EQ(h.Run({"HRANDFIELD", "h", "-9223372036854775808"}),
            Err("ERR value is out of range, value must between -9223372036854775807 and "
                "9223372036854775807"));
}

TEST(HashCommandsTest, Resp3Shapes) {
  ServerHarness h;
  auto client = h.NewClient();
  client->resp = 3;
  EXPECT_EQ(h.Run({"HSET", "h", "a", "1"}, client.get()), Int(1));
  EXPECT_EQ(h.Run({"HGETALL", "h"}, client.get()), "%1\r\n$1\r\na\r\n$1\r\n1\r\n");
  EXPECT_EQ(h.Run({"HGETALL", "nokey"}, client.get()), "%0\r\n");
  EXPECT_EQ(h.Run({"HRANDFIELD", "h", "1", "WITHVALUES"}, client.get()),
            "*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n");
  EXPECT_EQ(h.Run({"HRANDFIELD", "h", "1", "WITHVALUES"}), "*2\r\n$1\r\na\r\n$1\r\n1\r\n");
  EXPECT_EQ(h.Run({"HGET", "h", "x"}, client.get()), "_\r\n");
}

TEST(HashCommandsTest, ScanVisitsEveryFieldOnce) {
  ServerHarness h;
  std::vector<std::string> argv = {"HSET", "h"};
  for (int i = 0; i < 95; i++) {
    argv.push_back("f" + std::to_string(i));
    argv.push_back(std::to_string(i));
  }
  EXPECT_EQ(h.Run(argv), Int(95));
  std::set<std::string> seen;
  std::string cursor = "0";
  int calls = 0;
  do {
    std::string reply = h.Run({"HSCAN", "h", cursor, "COUNT", "10"});
    // *2 $n cursor *m (field value)...
    size_t p = reply.find("\r\n", 4);
    size_t cursor_start = p + 2;
    size_t cursor_end = reply.find("\r\n", cursor_start);
    cursor = reply.substr(cursor_start, cursor_end - cursor_start);
    size_t pos = reply.find("\r\n", cursor_end + 2) + 2;
    bool field = true;
    while (pos < reply.size()) {
      size_t len_end = reply.find("\r\n", pos);
      size_t len = std::stoul(reply.substr(pos + 1, len_end - pos - 1));
      std::string item = reply.substr(len_end + 2, len);
      if (field) {
        EXPECT_TRUE(seen.insert(item).second) << item;
      }
      field = !field;
      pos = len_end + 2 + len + 2;
    }
    calls++;
  } while (cursor != "0" && calls < 100);
  EXPECT_EQ(seen.size(), 95u);
  EXPECT_EQ(h.Run({"HSCAN", "h", "0", "MATCH", "f1?", "COUNT", "1000"}).substr(0, 16),
            "*2\r\n$1\r\n0\r\n*20\r\n");
  EXPECT_EQ(h.Run({"HSCAN", "nokey", "0"}), "*2\r\n$1\r\n0\r\n*0\r\n");
  EXPECT_EQ(h.Run({"HSCAN", "h", "x"}), Err("ERR invalid cursor"));
  EXPECT_EQ(h.Run({"HSCAN", "h", "0", "COUNT", "0"}), Err("ERR syntax error"));
  EXPECT_EQ(h.Run({"HSCAN", "h", "0", "TYPE", "hash"}), Err("ERR syntax error"));
}

TEST(HashCommandsTest, KeyspaceCommandsOverAHash) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"HSET", "h", "a", "1", "b", "2"}), Int(2));
  EXPECT_EQ(h.Run({"SET", "s", "v"}), kOk);
  EXPECT_EQ(h.Run({"SCAN", "0", "TYPE", "hash"}), "*2\r\n$1\r\n0\r\n" + Arr({"h"}));
  EXPECT_EQ(h.Run({"PEXPIRE", "h", "100000"}), Int(1));
  EXPECT_EQ(h.Run({"RENAME", "h", "g"}), kOk);
  EXPECT_EQ(h.Run({"EXISTS", "h"}), Int(0));
  EXPECT_EQ(h.Run({"HGETALL", "g"}), Arr({"a", "1", "b", "2"}));
  EXPECT_EQ(h.Run({"HLEN", "g"}), Int(2));
  std::string ttl = h.Run({"PTTL", "g"});
  EXPECT_NE(ttl, Int(-1));
  EXPECT_EQ(h.Run({"PERSIST", "g"}), Int(1));
  EXPECT_EQ(h.Run({"TTL", "g"}), Int(-1));
  EXPECT_EQ(h.Run({"RENAMENX", "g", "s"}), Int(0));
  EXPECT_EQ(h.Run({"RENAME", "g", "s"}), kOk);  // replaces the string
  EXPECT_EQ(h.Run({"TYPE", "s"}), "+hash\r\n");
  EXPECT_EQ(h.Run({"HGET", "s", "b"}), Bulk("2"));
  EXPECT_EQ(h.Run({"HSET", "t", "x", "y"}), Int(1));
  EXPECT_EQ(h.Run({"RENAMENX", "s", "u"}), Int(1));
  EXPECT_EQ(h.Run({"RENAME", "u", "t"}), kOk);  // replaces another hash: no mixing
  EXPECT_EQ(h.Run({"HGETALL", "t"}), Arr({"a", "1", "b", "2"}));
  EXPECT_EQ(h.Run({"RENAME", "t", "t"}), kOk);
  EXPECT_EQ(h.Run({"RENAME", "nokey", "t"}), Err("ERR no such key"));
  EXPECT_EQ(h.Run({"EXPIRE", "t", "-1"}), Int(1));
  EXPECT_EQ(h.Run({"EXISTS", "t"}), Int(0));
  EXPECT_EQ(h.Run({"HSET", "t", "new", "1"}), Int(1));
  EXPECT_EQ(h.Run({"HGETALL", "t"}), Arr({"new", "1"}));
  EXPECT_EQ(h.Run({"DBSIZE"}), Int(1));
}

}  // namespace
}  // namespace strata::server
