// strata-server's commands through the in-process harness: exact RESP
// replies (checked against Redis 7.0.15's), expiry, SCAN, DBSIZE, AUTH and
// the storage encoding, including what survives a restart.

#include <sched.h>

#include <cctype>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "server/metadata.h"
#include "server_harness.h"
#include "util/coding.h"

namespace strata::server {
namespace {

TEST(MetadataTest, EncodingRoundTripsAndRejectsDamage) {
  std::string record = EncodeStringMetadata(1234, std::string("v\0x", 3));
  ASSERT_EQ(record.size(), 1 + 8 + 3u);
  EXPECT_EQ(record[0], '\x01');
  Metadata meta;
  ASSERT_TRUE(DecodeMetadata(record, &meta).ok());
  EXPECT_EQ(meta.type, KeyType::kString);
  EXPECT_EQ(meta.expire_ms, 1234u);
  EXPECT_EQ(meta.value, std::string_view("v\0x", 3));
  EXPECT_TRUE(meta.Expired(1234));
  EXPECT_FALSE(meta.Expired(1233));
  ASSERT_TRUE(DecodeMetadata(WithExpiry(record, 0), &meta).ok());
  EXPECT_EQ(meta.expire_ms, 0u);

  std::string hash = EncodeCollectionMetadata(KeyType::kHash, 0, 7, 42);
  ASSERT_TRUE(DecodeMetadata(hash, &meta).ok());
  EXPECT_EQ(meta.type, KeyType::kHash);
  EXPECT_EQ(meta.version, 7u);
  EXPECT_EQ(meta.size, 42u);
  // Byte for byte (docs/SERVER.md): type, then expiry, version and size as
  // fixed64, then the type's extra bytes.
  std::string expected(1, static_cast<char>(KeyType::kHash));
  for (uint64_t field : {uint64_t{5}, uint64_t{7}, uint64_t{42}}) {
    char bytes[8];
    EncodeFixed64(bytes, field);
    expected.append(bytes, sizeof(bytes));
  }
  expected += "xy";
  EXPECT_EQ(EncodeCollectionMetadata(KeyType::kHash, 5, 7, 42, "xy"), expected);
  EXPECT_TRUE(DecodeMetadata(hash.substr(0, 12), &meta).IsCorruption());
  EXPECT_TRUE(DecodeMetadata("\x09" + std::string(8, '\0'), &meta).IsCorruption());
  EXPECT_TRUE(DecodeMetadata("\x01", &meta).IsCorruption());

  EXPECT_EQ(MetadataKey("k"), "mk");
  EXPECT_EQ(UserKeyOf("mk"), "k");
  // Subkeys sort by user key (length first), then version, big-endian.
  EXPECT_EQ(SubkeyPrefix("ab", 258), std::string("s\0\0\0\x02"
                                                 "ab\0\0\0\0\0\0\x01\x02",
                                                 15));
  EXPECT_LT(SubkeyPrefix("a", 1), SubkeyPrefix("a", 256));
}

TEST(MetadataTest, VersionsIncreaseAcrossRestarts) {
  ServerHarness h;
  uint64_t first, second;
  ASSERT_TRUE(h.state()->versions()->Next(&first).ok());
  ASSERT_TRUE(h.state()->versions()->Next(&second).ok());
  EXPECT_LT(first, second);
  h.Reopen();
  uint64_t after;
  ASSERT_TRUE(h.state()->versions()->Next(&after).ok());
  EXPECT_GT(after, second);
}

TEST(CommandsTest, SetGetAndOptions) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"SET", "k", "v"}), kOk);
  EXPECT_EQ(h.Run({"get", "k"}), Bulk("v"));
  EXPECT_EQ(h.Run({"GET", "missing"}), kNil);
  EXPECT_EQ(h.Run({"SET", "k", "w", "NX"}), kNil);
  EXPECT_EQ(h.Run({"SET", "k", "w", "XX", "GET"}), Bulk("v"));
  EXPECT_EQ(h.Run({"SET", "n", "w", "XX"}), kNil);
  EXPECT_EQ(h.Run({"SET", "k", "x", "NX", "XX"}), Err("ERR syntax error"));
  EXPECT_EQ(h.Run({"SET", "k", "x", "EX", "0"}), Err("ERR invalid expire time in 'set' command"));
  EXPECT_EQ(h.Run({"SET", "k", "x", "EX", "a"}),
            Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(h.Run({"SET", "k", "x", "PX", "100", "KEEPTTL"}), Err("ERR syntax error"));
  EXPECT_EQ(h.Run({"SET", "k", "x", "EX", "100"}), kOk);
  EXPECT_EQ(h.Run({"TTL", "k"}), Int(100));
  EXPECT_EQ(h.Run({"SET", "k", "y", "KEEPTTL"}), kOk);
  EXPECT_EQ(h.Run({"TTL", "k"}), Int(100));
  EXPECT_EQ(h.Run({"SET", "k", "z"}), kOk);
  EXPECT_EQ(h.Run({"TTL", "k"}), Int(-1));
  EXPECT_EQ(h.Run({"SET", "k"}), Err("ERR wrong number of arguments for 'set' command"));
  EXPECT_EQ(h.Run({"NOPE", "a", "b"}),
            Err("ERR unknown command 'NOPE', with args beginning with: 'a' 'b' "));
}

TEST(CommandsTest, IntegersAndFloats) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"INCR", "c"}), Int(1));
  EXPECT_EQ(h.Run({"INCRBY", "c", "41"}), Int(42));
  EXPECT_EQ(h.Run({"DECRBY", "c", "2"}), Int(40));
  EXPECT_EQ(h.Run({"DECR", "c"}), Int(39));
  EXPECT_EQ(h.Run({"SET", "c", "9223372036854775807"}), kOk);
  EXPECT_EQ(h.Run({"INCR", "c"}), Err("ERR increment or decrement would overflow"));
  EXPECT_EQ(h.Run({"DECRBY", "c", "-9223372036854775808"}), Err("ERR decrement would overflow"));
  EXPECT_EQ(h.Run({"SET", "c", " 1"}), kOk);
  EXPECT_EQ(h.Run({"INCR", "c"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(h.Run({"SET", "f", "10.5"}), kOk);
  EXPECT_EQ(h.Run({"INCRBYFLOAT", "f", "0.1"}), Bulk("10.6"));
  // Redis 7.0.15 replies the same (long double, %.17Lf).
  EXPECT_EQ(h.Run({"INCRBYFLOAT", "f", "5.0e3"}), Bulk("5010.60000000000000009"));
  EXPECT_EQ(h.Run({"INCRBYFLOAT", "f", "x"}), Err("ERR value is not a valid float"));
  EXPECT_EQ(h.Run({"INCRBYFLOAT", "f", "1e5000"}), Err("ERR value is not a valid float"));
}

TEST(CommandsTest, RangesAndAppend) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"APPEND", "s", "Hello"}), Int(5));
  EXPECT_EQ(h.Run({"APPEND", "s", " World"}), Int(11));
  EXPECT_EQ(h.Run({"STRLEN", "s"}), Int(11));
  EXPECT_EQ(h.Run({"GETRANGE", "s", "0", "4"}), Bulk("Hello"));
  EXPECT_EQ(h.Run({"GETRANGE", "s", "-5", "-1"}), Bulk("World"));
  EXPECT_EQ(h.Run({"GETRANGE", "s", "5", "3"}), Bulk(""));
  EXPECT_EQ(h.Run({"SETRANGE", "s", "6", "Redis"}), Int(11));
  EXPECT_EQ(h.Run({"GET", "s"}), Bulk("Hello Redis"));
  EXPECT_EQ(h.Run({"SETRANGE", "z", "3", "x"}), Int(4));
  EXPECT_EQ(h.Run({"GET", "z"}), Bulk(std::string("\0\0\0x", 4)));
  EXPECT_EQ(h.Run({"SETRANGE", "s", "-1", "x"}), Err("ERR offset is out of range"));
  EXPECT_EQ(h.Run({"SETRANGE", "s", "536870911", "xx"}),
            Err("ERR string exceeds maximum allowed size (proto-max-bulk-len)"));
  EXPECT_EQ(h.Run({"SETRANGE", "empty", "5", ""}), Int(0));
  EXPECT_EQ(h.Run({"EXISTS", "empty"}), Int(0));
}

TEST(CommandsTest, MultiKeyCommands) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"MSET", "a", "1", "b", "2"}), kOk);
  EXPECT_EQ(h.Run({"MSET", "a", "1", "b"}),
            Err("ERR wrong number of arguments for 'mset' command"));
  EXPECT_EQ(h.Run({"MSETNX", "a", "9", "c", "3"}), Int(0));
  EXPECT_EQ(h.Run({"MSETNX", "c", "3", "d", "4"}), Int(1));
  EXPECT_EQ(h.Run({"MGET", "a", "x", "d"}), "*3\r\n" + Bulk("1") + kNil + Bulk("4"));
  EXPECT_EQ(h.Run({"EXISTS", "a", "a", "x"}), Int(2));
  EXPECT_EQ(h.Run({"DEL", "a", "a", "x", "b"}), Int(2));
  EXPECT_EQ(h.Run({"GETSET", "c", "new"}), Bulk("3"));
  EXPECT_EQ(h.Run({"GETDEL", "c"}), Bulk("new"));
  EXPECT_EQ(h.Run({"GETDEL", "c"}), kNil);
  EXPECT_EQ(h.Run({"RENAME", "x", "y"}), Err("ERR no such key"));
  EXPECT_EQ(h.Run({"SET", "x", "1", "EX", "100"}), kOk);
  EXPECT_EQ(h.Run({"RENAME", "x", "y"}), kOk);
  EXPECT_EQ(h.Run({"TTL", "y"}), Int(100));
  EXPECT_EQ(h.Run({"RENAMENX", "y", "d"}), Int(0));
  EXPECT_EQ(h.Run({"RENAMENX", "y", "e"}), Int(1));
  EXPECT_EQ(h.Run({"TYPE", "e"}), "+string\r\n");
  EXPECT_EQ(h.Run({"COPY", "e", "copy"}), Int(1));
  EXPECT_EQ(h.Run({"TTL", "copy"}), Int(100));
  EXPECT_EQ(h.Run({"COPY", "e", "copy"}), Int(0));
  EXPECT_EQ(h.Run({"SET", "e", "2"}), kOk);
  EXPECT_EQ(h.Run({"COPY", "e", "copy", "REPLACE"}), Int(1));
  EXPECT_EQ(h.Run({"GET", "copy"}), Bulk("2"));
  EXPECT_EQ(h.Run({"TTL", "copy"}), Int(-1));
  EXPECT_EQ(h.Run({"COPY", "e", "e"}), Err("ERR source and destination objects are the same"));
  EXPECT_EQ(h.Run({"COPY", "e", "x", "DB", "1"}), Err("ERR DB index is out of range"));
  EXPECT_EQ(h.Run({"COPY", "e", "x", "DB", "a"}),
            Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(h.Run({"COPY", "nokey", "x"}), Int(0));
  EXPECT_EQ(h.Run({"TYPE", "y"}), "+none\r\n");
}

TEST(CommandsTest, ExpireOptionsAndTtl) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"SET", "k", "v"}), kOk);
  EXPECT_EQ(h.Run({"EXPIRE", "k", "100", "XX"}), Int(0));
  EXPECT_EQ(h.Run({"EXPIRE", "k", "100", "GT"}), Int(0));
  EXPECT_EQ(h.Run({"EXPIRE", "k", "100", "NX"}), Int(1));
  EXPECT_EQ(h.Run({"EXPIRE", "k", "50", "GT"}), Int(0));
  EXPECT_EQ(h.Run({"EXPIRE", "k", "200", "GT"}), Int(1));
  EXPECT_EQ(h.Run({"EXPIRE", "k", "300", "LT"}), Int(0));
  EXPECT_EQ(h.Run({"PEXPIRE", "k", "150000", "LT"}), Int(1));
  EXPECT_EQ(h.Run({"TTL", "k"}), Int(150));
  EXPECT_EQ(h.Run({"EXPIRE", "k", "1", "NX", "XX"}),
            Err("ERR NX and XX, GT or LT options at the same time are not compatible"));
  EXPECT_EQ(h.Run({"EXPIRE", "k", "1", "GT", "LT"}),
            Err("ERR GT and LT options at the same time are not compatible"));
  EXPECT_EQ(h.Run({"EXPIRE", "k", "1", "FOO"}), Err("ERR Unsupported option FOO"));
  EXPECT_EQ(h.Run({"EXPIRE", "k", "9223372036854775807"}),
            Err("ERR invalid expire time in 'expire' command"));
  EXPECT_EQ(h.Run({"EXPIREAT", "k", "4102444800"}), Int(1));
  EXPECT_EQ(h.Run({"EXPIRETIME", "k"}), Int(4102444800));
  EXPECT_EQ(h.Run({"PEXPIRETIME", "k"}), Int(4102444800000));
  EXPECT_EQ(h.Run({"PERSIST", "k"}), Int(1));
  EXPECT_EQ(h.Run({"PERSIST", "k"}), Int(0));
  EXPECT_EQ(h.Run({"TTL", "k"}), Int(-1));
  EXPECT_EQ(h.Run({"TTL", "nokey"}), Int(-2));
  EXPECT_EQ(h.Run({"EXPIRE", "k", "-1"}), Int(1));
  EXPECT_EQ(h.Run({"EXISTS", "k"}), Int(0));
}

TEST(CommandsTest, ExpiredKeysVanishLazilyAndActively) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"SET", "short", "v", "PX", "20"}), kOk);
  EXPECT_EQ(h.Run({"SET", "long", "v"}), kOk);
  EXPECT_EQ(h.Run({"DBSIZE"}), Int(2));
  std::this_thread::sleep_for(std::chrono::milliseconds(40));
  EXPECT_EQ(h.Run({"GET", "short"}), kNil);
  EXPECT_EQ(h.Run({"DBSIZE"}), Int(1));
  EXPECT_EQ(h.Run({"KEYS", "*"}), "*1\r\n" + Bulk("long"));
  // Active expiry deletes the record itself.
  size_t deleted = 0;
  ASSERT_TRUE(h.state()->ExpireSome(100, &deleted).ok());
  EXPECT_EQ(deleted, 1u);
  std::string record;
  EXPECT_TRUE(h.state()->db()->Get(ReadOptions(), MetadataKey("short"), &record).IsNotFound());
}

// Active expiry rests once a whole pass met no key with an expiry and no
// write set one meanwhile, and wakes for any write that sets one: EXPIRE on
// a key its pass already went by, or SET ... PX on a new key.
TEST(CommandsTest, ActiveExpiryRestsUntilAKeyGetsAnExpiry) {
  ServerHarness h;
  for (int i = 0; i < 30; i++) {
    ASSERT_EQ(h.Run({"SET", "key:" + std::to_string(100 + i), "v"}), kOk);
  }
  size_t deleted = 0, scanned = 0;
  // A pass in two calls: it goes by every key, and nothing has an expiry.
  ASSERT_TRUE(h.state()->ExpireSome(20, &deleted, &scanned).ok());
  EXPECT_EQ(scanned, 20u);
  ASSERT_TRUE(h.state()->ExpireSome(20, &deleted, &scanned).ok());
  EXPECT_EQ(scanned, 10u);
  ASSERT_TRUE(h.state()->ExpireSome(20, &deleted, &scanned).ok());
  EXPECT_EQ(scanned, 0u) << "resting: no key has an expiry";
  // Writes without an expiry leave it resting.
  ASSERT_EQ(h.Run({"SET", "key:100", "w"}), kOk);
  ASSERT_EQ(h.Run({"MSET", "a", "1", "b", "2"}), kOk);
  ASSERT_EQ(h.Run({"PERSIST", "key:100"}), Int(0));
  ASSERT_TRUE(h.state()->ExpireSome(20, &deleted, &scanned).ok());
  EXPECT_EQ(scanned, 0u);

  // An expiry on a key wakes it: a new pass from the first key.
  ASSERT_EQ(h.Run({"PEXPIRE", "key:101", "20"}), Int(1));
  ASSERT_TRUE(h.state()->ExpireSome(20, &deleted, &scanned).ok());
  EXPECT_EQ(scanned, 20u);
  EXPECT_EQ(deleted, 0u);
  std::this_thread::sleep_for(std::chrono::milliseconds(40));
  // The pass went by key:101 alive; it met an expiry, so it does not rest:
  // the next pass deletes the key.
  ASSERT_TRUE(h.state()->ExpireSome(20, &deleted, &scanned).ok());
  EXPECT_EQ(scanned, 12u);
  ASSERT_TRUE(h.state()->ExpireSome(100, &deleted, &scanned).ok());
  EXPECT_EQ(deleted, 1u);
  EXPECT_EQ(scanned, 32u);
  // That pass met an expired key; the one after meets no expiry and rests.
  ASSERT_TRUE(h.state()->ExpireSome(100, &deleted, &scanned).ok());
  EXPECT_EQ(scanned, 31u);
  ASSERT_TRUE(h.state()->ExpireSome(100, &deleted, &scanned).ok());
  EXPECT_EQ(scanned, 0u);
  EXPECT_EQ(h.Run({"DBSIZE"}), Int(31));

  // A key given an expiry behind a pass's position, during the pass: the
  // pass ends without resting, and the next one finds the key.
  ASSERT_EQ(h.Run({"SET", "z", "v", "PX", "100000"}), kOk);
  ASSERT_TRUE(h.state()->ExpireSome(20, &deleted, &scanned).ok());
  EXPECT_EQ(scanned, 20u);
  ASSERT_EQ(h.Run({"PERSIST", "z"}), Int(1));            // no expiry left
  ASSERT_EQ(h.Run({"SET", "a", "1", "PX", "20"}), kOk);  // behind the pass
  ASSERT_TRUE(h.state()->ExpireSome(100, &deleted, &scanned).ok());
  EXPECT_EQ(scanned, 12u);
  std::this_thread::sleep_for(std::chrono::milliseconds(40));
  ASSERT_TRUE(h.state()->ExpireSome(100, &deleted, &scanned).ok());
  EXPECT_EQ(deleted, 1u) << "the key that got its expiry behind the pass";
  std::string record;
  EXPECT_TRUE(h.state()->db()->Get(ReadOptions(), MetadataKey("a"), &record).IsNotFound());
}

TEST(CommandsTest, ScanVisitsEveryKeyOnceWithoutWrites) {
  ServerHarness h;
  std::set<std::string> expected;
  for (int i = 0; i < 250; i++) {
    std::string key = "key:" + std::to_string(i);
    expected.insert(key);
    ASSERT_EQ(h.Run({"SET", key, "v"}), kOk);
  }
  ASSERT_EQ(h.Run({"SET", "other", "v"}), kOk);
  std::set<std::string> seen;
  std::string cursor = "0";
  int calls = 0;
  do {
    std::string reply = h.Run({"SCAN", cursor, "MATCH", "key:*", "COUNT", "17"});
    // *2\r\n$<n>\r\n<cursor>\r\n*<m>\r\n then m bulks.
    size_t pos = reply.find("\r\n", 4);
    size_t cursor_start = pos + 2;
    size_t cursor_end = reply.find("\r\n", cursor_start);
    cursor = reply.substr(cursor_start, cursor_end - cursor_start);
    pos = reply.find("\r\n", cursor_end + 2) + 2;
    while (pos < reply.size()) {
      size_t len_end = reply.find("\r\n", pos);
      size_t len = std::stoul(reply.substr(pos + 1, len_end - pos - 1));
      std::string key = reply.substr(len_end + 2, len);
      EXPECT_TRUE(seen.insert(key).second) << key;
      pos = len_end + 2 + len + 2;
    }
    ASSERT_LT(++calls, 100);
  } while (cursor != "0");
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(h.Run({"SCAN", "x"}), Err("ERR invalid cursor"));
  EXPECT_EQ(h.Run({"SCAN", "0", "COUNT", "0"}), Err("ERR syntax error"));
  EXPECT_EQ(h.Run({"SCAN", "0", "COUNT", "1000", "TYPE", "hash"}), "*2\r\n" + Bulk("0") + "*0\r\n");
  EXPECT_EQ(h.Run({"SETRANGE", "k", "9223372036854775807", "A"}),
            Err("ERR string exceeds maximum allowed size (proto-max-bulk-len)"));
}

TEST(CommandsTest, FlushAllAndDbSize) {
  ServerHarness h;
  for (int i = 0; i < 30; i++) ASSERT_EQ(h.Run({"SET", std::to_string(i), "v"}), kOk);
  EXPECT_EQ(h.Run({"DBSIZE"}), Int(30));
  EXPECT_EQ(h.Run({"FLUSHALL"}), kOk);
  EXPECT_EQ(h.Run({"DBSIZE"}), Int(0));
  EXPECT_EQ(h.Run({"RANDOMKEY"}), kNil);
  EXPECT_EQ(h.Run({"SET", "only", "v"}), kOk);
  EXPECT_EQ(h.Run({"RANDOMKEY"}), Bulk("only"));
  // Redis's test: with two keys, 100 calls see both.
  EXPECT_EQ(h.Run({"SET", "bar", "v"}), kOk);
  std::set<std::string> seen;
  for (int i = 0; i < 100; i++) seen.insert(h.Run({"RANDOMKEY"}));
  EXPECT_EQ(seen, (std::set<std::string>{Bulk("bar"), Bulk("only")}));
}

uint64_t IntProperty(ServerHarness& h, const char* name) {
  std::string value;
  EXPECT_TRUE(h.state()->db()->GetProperty(name, &value)) << name;
  return std::stoull(value);
}

// FLUSHALL of a sizeable memtable flushes it, leaving the deleted keys out
// of the table, so the memory goes back and later writes meet a new
// memtable; a small one stays (no table per FLUSHALL).
TEST(CommandsTest, FlushAllGivesBackALargeMemtable) {
  ServerHarness h({"--write-buffer-size", "1mb"});
  for (int i = 0; i < 10; i++) ASSERT_EQ(h.Run({"SET", std::to_string(i), "v"}), kOk);
  EXPECT_EQ(h.Run({"FLUSHALL"}), kOk);
  // Still there: the keyspace's format record, 10 keys, 2 range deletions.
  EXPECT_EQ(IntProperty(h, "strata.num-entries-active-mem-table"), 13u);
  const std::string value(100, 'v');
  for (int i = 0; i < 3000; i++) {
    ASSERT_EQ(h.Run({"SET", "key:" + std::to_string(i), value}), kOk);
  }
  ASSERT_GT(IntProperty(h, "strata.cur-size-active-mem-table"), 300u << 10);
  EXPECT_EQ(h.Run({"FLUSHALL"}), kOk);
  EXPECT_EQ(IntProperty(h, "strata.num-entries-active-mem-table"), 0u);
  std::string sstables;
  ASSERT_TRUE(h.state()->db()->GetProperty("strata.sstables", &sstables));
  // One level-0 table ("L0 #5 561 bytes [...]") of the range deletions and
  // the format record, not of the 300 KB of values.
  size_t bytes_at = sstables.find(" bytes");
  ASSERT_NE(bytes_at, std::string::npos) << sstables;
  EXPECT_EQ(sstables.find(" bytes", bytes_at + 1), std::string::npos) << sstables;
  size_t number_at = sstables.rfind(' ', bytes_at - 1) + 1;
  EXPECT_LT(std::stoull(sstables.substr(number_at, bytes_at - number_at)), 16u << 10) << sstables;
  EXPECT_EQ(h.Run({"DBSIZE"}), Int(0));
  EXPECT_EQ(h.Run({"GET", "key:7"}), kNil);
  ASSERT_EQ(h.Run({"SET", "key:7", "back"}), kOk);
  h.Reopen();
  EXPECT_EQ(h.Run({"DBSIZE"}), Int(1));
  EXPECT_EQ(h.Run({"GET", "key:7"}), Bulk("back"));
  EXPECT_EQ(h.Run({"GET", "key:8"}), kNil);
}

TEST(CommandsTest, InfoCarriesEngineFigures) {
  ServerHarness h;
  ASSERT_EQ(h.Run({"SET", "k", "v", "EX", "100"}), kOk);
  std::string info = h.Run({"INFO"});
  for (const char* field :
       {"# Server\r\n", "redis_version:7.0.15\r\n", "# Clients\r\n", "# Stats\r\n",
        "# Persistence\r\n", "# Memory\r\n", "level0_files:", "write_amplification:",
        "space_amplification:", "stall_count:", "db0:keys=1,expires=1,avg_ttl=0\r\n"}) {
    EXPECT_NE(info.find(field), std::string::npos) << field;
  }
  std::string keyspace = h.Run({"INFO", "keyspace"});
  EXPECT_EQ(keyspace.find("# Server"), std::string::npos);
  EXPECT_NE(keyspace.find("# Keyspace"), std::string::npos);
}

TEST(CommandsTest, DataSurvivesRestart) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"SET", "k", "v", "EX", "1000"}), kOk);
  EXPECT_EQ(h.Run({"INCR", "n"}), Int(1));
  h.Reopen();
  EXPECT_EQ(h.Run({"GET", "k"}), Bulk("v"));
  EXPECT_EQ(h.Run({"TTL", "k"}), Int(1000));
  EXPECT_EQ(h.Run({"INCR", "n"}), Int(2));
}

TEST(CommandsTest, ConnectionCommands) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"PING"}), "+PONG\r\n");
  EXPECT_EQ(h.Run({"PING", "hi"}), Bulk("hi"));
  EXPECT_EQ(h.Run({"ECHO", "x"}), Bulk("x"));
  EXPECT_EQ(h.Run({"SELECT", "0"}), kOk);
  EXPECT_EQ(h.Run({"SELECT", "1"}), Err("ERR DB index is out of range"));
  EXPECT_EQ(h.Run({"CLIENT", "GETNAME"}), kNil);
  EXPECT_EQ(h.Run({"CLIENT", "SETNAME", "a b"}),
            Err("ERR Client names cannot contain spaces, newlines or special characters."));
  EXPECT_EQ(h.Run({"CLIENT", "SETNAME", "me"}), kOk);
  EXPECT_EQ(h.Run({"CLIENT", "GETNAME"}), Bulk("me"));
  EXPECT_EQ(h.Run({"CLIENT", "ID"}), Int(1));
  EXPECT_EQ(h.Run({"CLIENT", "NOPE"}), Err("ERR unknown subcommand 'NOPE'. Try CLIENT HELP."));
  EXPECT_EQ(h.Run({"COMMAND", "COUNT", "x"}),
            Err("ERR wrong number of arguments for 'command|count' command"));
  EXPECT_EQ(h.Run({"CONFIG", "GET", "maxclients"}), "*2\r\n" + Bulk("maxclients") + Bulk("10000"));
  EXPECT_EQ(h.Run({"CONFIG", "SET", "timeout", "5"}), kOk);
  EXPECT_EQ(h.config()->timeout_seconds(), 5);
  EXPECT_EQ(h.Run({"CONFIG", "SET", "hash-max-ziplist-entries", "5"}), kOk);
  EXPECT_EQ(h.Run({"CONFIG", "SET", "nope", "5"}),
            Err("ERR Unknown option or number of arguments for CONFIG SET - 'nope'"));
  EXPECT_EQ(h.Run({"COMMAND", "DOCS", "get"}),
            "*2\r\n" + Bulk("get") + "*8\r\n" + Bulk("summary") + Bulk("Get the value of a key") +
                Bulk("since") + Bulk("1.0.0") + Bulk("group") + Bulk("string") + Bulk("arguments") +
                "*1\r\n*4\r\n" + Bulk("name") + Bulk("key") + Bulk("type") + Bulk("string"));
  EXPECT_EQ(h.Run({"QUIT"}), kOk);
  EXPECT_EQ(h.Run({"HELLO", "4"}), Err("NOPROTO unsupported protocol version"));
  std::string hello = h.Run({"HELLO", "3"});
  EXPECT_EQ(hello.substr(0, 4), "%7\r\n");
  auto client = h.NewClient();
  client->resp = 3;
  EXPECT_EQ(h.Run({"GET", "nokey"}, client.get()), "_\r\n");
}

TEST(CommandsTest, FindCommandFoldsCaseAndKnowsEveryEntry) {
  std::set<std::string> names;
  for (const CommandSpec& spec : CommandTable()) {
    std::string upper = spec.name;
    for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    EXPECT_EQ(FindCommand(spec.name), &spec) << spec.name;
    EXPECT_EQ(FindCommand(upper), &spec) << upper;
    EXPECT_TRUE(names.insert(spec.name).second) << "listed twice: " << spec.name;
  }
  EXPECT_GT(names.size(), 150u);
  EXPECT_EQ(FindCommand("lPuSh")->name, std::string("lpush"));
  EXPECT_EQ(FindCommand(""), nullptr);
  EXPECT_EQ(FindCommand("lpus"), nullptr);
  EXPECT_EQ(FindCommand("lpushh"), nullptr);
  EXPECT_EQ(FindCommand(std::string("get\0", 4)), nullptr);
  EXPECT_EQ(FindCommand(std::string(100000, 'a')), nullptr);
}

TEST(CommandsTest, ShutdownAsksTheProcessOwnerAndClosesWithoutReply) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"SET", "k", "v"}), kOk);
  // No handler (an embedded server): refused, the connection stays.
  auto client = h.NewClient();
  EXPECT_EQ(h.Run({"SHUTDOWN"}, client.get()), Err("ERR Errors trying to SHUTDOWN. Check logs."));
  EXPECT_FALSE(client->close_after_reply);
  int calls = 0;
  h.state()->SetShutdownHandler([&calls] { calls++; });
  EXPECT_EQ(h.Run({"SHUTDOWN", "NOW", "ABORT"}, client.get()), Err("ERR syntax error"));
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(h.Run({"shutdown", "nosave", "now"}, client.get()), "");
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(client->close_after_reply);
  // The WAL was synced before the handler ran: the write is on disk.
  EXPECT_GE(h.state()->stats()->wal_syncs.load(), 1u);
}

TEST(CommandsTest, AuthenticationGatesCommands) {
  ServerHarness h({"--requirepass", "secret"});
  auto client = h.NewClient();
  EXPECT_EQ(h.Run({"GET", "k"}, client.get()), Err("NOAUTH Authentication required."));
  EXPECT_EQ(h.Run({"AUTH", "wrong"}, client.get()),
            Err("WRONGPASS invalid username-password pair or user is disabled."));
  EXPECT_EQ(h.Run({"HELLO", "3"}, client.get()).substr(0, 7), "-NOAUTH");
  EXPECT_EQ(h.Run({"AUTH", "default", "secret"}, client.get()), kOk);
  EXPECT_EQ(h.Run({"GET", "k"}, client.get()), kNil);
  auto other = h.NewClient();
  EXPECT_EQ(h.Run({"HELLO", "2", "AUTH", "default", "secret"}, other.get()).substr(0, 4), "*14\r");
  EXPECT_EQ(h.Run({"PING"}, other.get()), "+PONG\r\n");
}

TEST(ConfigTest, GlobAndMemoryParsing) {
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("h?llo", "hello"));
  EXPECT_TRUE(GlobMatch("h[ae]llo", "hallo"));
  EXPECT_FALSE(GlobMatch("h[^e]llo", "hello"));
  EXPECT_TRUE(GlobMatch("h[a-b]llo", "hbllo"));
  EXPECT_TRUE(GlobMatch("a\\*b", "a*b"));
  EXPECT_FALSE(GlobMatch("a\\*b", "axb"));
  EXPECT_TRUE(GlobMatch("*max*", "maxclients"));
  EXPECT_TRUE(GlobMatch("MAX*", "maxclients", true));
  EXPECT_TRUE(GlobMatch("a*b*", "ab"));
  EXPECT_TRUE(GlobMatch("*", "abc"));
  EXPECT_FALSE(GlobMatch("a*", ""));
  EXPECT_TRUE(GlobMatch("**", ""));
  // Exponential without the skip of longer matches (Redis's regression).
  EXPECT_FALSE(GlobMatch("a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", std::string(40, 'a')));
  std::string stars;
  for (int i = 0; i < 2000; i++) stars += "*?";
  EXPECT_FALSE(GlobMatch(stars, std::string(1000, 'a')));
  // Up to 1000 nested '*'s match; deeper nesting fails (Redis's limit).
  EXPECT_TRUE(GlobMatch(stars.substr(0, 2 * 900), std::string(900, 'a')));
  EXPECT_FALSE(GlobMatch(stars.substr(0, 2 * 1500), std::string(1500, 'a')));
  int64_t bytes = 0;
  EXPECT_TRUE(ParseMemory("512mb", &bytes));
  EXPECT_EQ(bytes, 512 << 20);
  EXPECT_TRUE(ParseMemory("1gb", &bytes));
  EXPECT_EQ(bytes, int64_t{1} << 30);
  EXPECT_FALSE(ParseMemory("x", &bytes));
  Config config;
  EXPECT_TRUE(config
                  .ApplyArguments({"--port", "7000", "--bind", "127.0.0.1", "::1", "--save", "",
                                   "--appendfsync", "always"})
                  .ok());
  EXPECT_EQ(config.port(), 7000);
  EXPECT_EQ(config.binds(), (std::vector<std::string>{"127.0.0.1", "::1"}));
  EXPECT_EQ(config.appendfsync(), AppendFsync::kAlways);
  EXPECT_FALSE(config.ApplyArguments({"--nope", "1"}).ok());
  EXPECT_FALSE(config.ApplyArguments({"--port", "x"}).ok());
  EXPECT_FALSE(config.CheckPassword(""));
  ASSERT_TRUE(config.Set("requirepass", {"pw"}, true).ok());
  EXPECT_TRUE(config.CheckPassword("pw"));
  EXPECT_FALSE(config.CheckPassword("pw2"));
  EXPECT_FALSE(config.Set("port", {"1"}, true).ok());
  EXPECT_FALSE(config.ApplyArguments({"--daemonize", "yes"}).ok());
}

// write-buffer-size and block-cache-size reach the engine's Options: with a
// 1 MiB write buffer, 4 MiB of SETs flush memtables to tables, which the
// default 64 MiB buffer would still hold. Both are start-time settings.
TEST(ConfigTest, EngineMemorySettingsReachTheEngine) {
  ServerHarness h({"--write-buffer-size", "1mb", "--block-cache-size", "8mb"});
  EXPECT_EQ(h.config()->write_buffer_size(), 1 << 20);
  EXPECT_EQ(h.config()->block_cache_size(), 8 << 20);
  EXPECT_EQ(h.Run({"config", "get", "write-buffer-size"}),
            "*2\r\n$17\r\nwrite-buffer-size\r\n$7\r\n1048576\r\n");
  EXPECT_EQ(h.Run({"config", "set", "block-cache-size", "1gb"}).substr(0, 4), "-ERR");
  const std::string value(64 << 10, 'v');
  for (int i = 0; i < 64; i++) {
    ASSERT_EQ(h.Run({"set", "key" + std::to_string(i), value}), "+OK\r\n");
  }
  int tables = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (tables == 0 && std::chrono::steady_clock::now() < deadline) {
    std::string files;
    for (int level = 0;
         h.state()->db()->GetProperty("strata.num-files-at-level" + std::to_string(level), &files);
         level++) {
      tables += std::stoi(files);
    }
    if (tables == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_GT(tables, 0);
  EXPECT_FALSE(Config().ApplyArguments({"--write-buffer-size", "lots"}).ok());
}

// threads 0 (the default) means the CPUs the process may run on: under a
// one-CPU affinity mask (taskset -c N), one I/O thread; an explicit count
// stays as given.
TEST(ConfigTest, DefaultThreadsFollowTheAffinityMask) {
  cpu_set_t saved;
  ASSERT_EQ(sched_getaffinity(0, sizeof(saved), &saved), 0);
  int first = 0;
  while (!CPU_ISSET(first, &saved)) first++;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(first, &one);
  ASSERT_EQ(sched_setaffinity(0, sizeof(one), &one), 0);  // this thread only
  Config pinned;
  Config explicit_count;
  ASSERT_TRUE(explicit_count.ApplyArguments({"--threads", "3"}).ok());
  ASSERT_EQ(sched_setaffinity(0, sizeof(saved), &saved), 0);
  EXPECT_EQ(pinned.threads(), 1);
  EXPECT_EQ(explicit_count.threads(), 3);
  Config unpinned;
  EXPECT_EQ(unpinned.threads(), CPU_COUNT(&saved));
}

TEST(ConfigTest, ReadsRedisConfSyntax) {
  test::TempDir dir;
  test::WriteFileOrDie(dir.Child("server.conf"),
                       "# a comment\n"
                       "port 7001\n"
                       "  bind 127.0.0.1 \"::1\"\n"
                       "requirepass \"p w\"\n"
                       "save \"\"\n"
                       "hash-max-ziplist-entries 64\n"
                       "\n");
  Config config;
  ASSERT_TRUE(config.LoadFile(dir.Child("server.conf")).ok());
  EXPECT_EQ(config.port(), 7001);
  EXPECT_EQ(config.binds(), (std::vector<std::string>{"127.0.0.1", "::1"}));
  EXPECT_TRUE(config.CheckPassword("p w"));
  EXPECT_EQ(config.GetString("hash-max-ziplist-entries"), "64");
  test::WriteFileOrDie(dir.Child("bad.conf"), "port 1\nnot-an-option 3\n");
  Status s = config.LoadFile(dir.Child("bad.conf"));
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.ToString().find("bad.conf:2"), std::string::npos) << s.ToString();
  EXPECT_TRUE(config.LoadFile(dir.Child("missing.conf")).IsIOError());
}

}  // namespace
}  // namespace strata::server
