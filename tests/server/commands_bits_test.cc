// SETBIT GETBIT BITCOUNT BITPOS BITOP LCS and COPY through the in-process
// harness: exact RESP replies, each checked against Redis 7.0.15's, and COPY
// of a collection over the metadata + elements layout (metadata.h).

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "server/metadata.h"
#include "server_harness.h"

namespace strata::server {
namespace {

// Stores a collection of `type` at `key` directly in the keyspace, as the
// collection commands would: metadata plus one element per subkey.
void PutCollection(ServerHarness& h, const std::string& key,
                   const std::vector<std::pair<std::string, std::string>>& elements,
                   uint64_t expire_ms = 0) {
  uint64_t version;
  ASSERT_TRUE(h.state()->versions()->Next(&version).ok());
  WriteBatch batch;
  batch.Put(MetadataKey(key),
            EncodeCollectionMetadata(KeyType::kHash, expire_ms, version, elements.size()));
  for (const auto& [sub, value] : elements) batch.Put(SubkeyPrefix(key, version) + sub, value);
  ASSERT_TRUE(h.state()->Write(&batch).ok());
}

// The elements of the collection at `key`, subkey -> value, in order.
std::vector<std::pair<std::string, std::string>> Elements(ServerHarness& h,
                                                          const std::string& key) {
  std::string record;
  Metadata meta;
  EXPECT_TRUE(h.state()->GetMeta(key, &record, &meta).ok());
  std::string prefix = SubkeyPrefix(key, meta.version);
  std::vector<std::pair<std::string, std::string>> out;
  std::unique_ptr<Iterator> it = h.state()->db()->NewIterator(ReadOptions());
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    out.emplace_back(std::string(it->key().substr(prefix.size())), std::string(it->value()));
  }
  return out;
}

TEST(BitCommandsTest, SetBitAndGetBit) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"SETBIT", "b", "7", "1"}), Int(0));
  EXPECT_EQ(h.Run({"GET", "b"}), Bulk("\x01"));
  EXPECT_EQ(h.Run({"SETBIT", "b", "7", "0"}), Int(1));
  EXPECT_EQ(h.Run({"SETBIT", "b", "100", "1"}), Int(0));
  EXPECT_EQ(h.Run({"STRLEN", "b"}), Int(13));
  EXPECT_EQ(h.Run({"GETBIT", "b", "100"}), Int(1));
  EXPECT_EQ(h.Run({"GETBIT", "b", "1000"}), Int(0));
  EXPECT_EQ(h.Run({"GETBIT", "nokey", "3"}), Int(0));
  EXPECT_EQ(h.Run({"SETBIT", "b", "-1", "1"}),
            Err("ERR bit offset is not an integer or out of range"));
  EXPECT_EQ(h.Run({"SETBIT", "b", "x", "1"}),
            Err("ERR bit offset is not an integer or out of range"));
  // 2^32 bits is 512 MB: past proto-max-bulk-len.
  EXPECT_EQ(h.Run({"SETBIT", "b", "4294967296", "1"}),
            Err("ERR bit offset is not an integer or out of range"));
  EXPECT_EQ(h.Run({"SETBIT", "b", "1", "2"}), Err("ERR bit is not an integer or out of range"));
  EXPECT_EQ(h.Run({"SETBIT", "b", "1"}), Err("ERR wrong number of arguments for 'setbit' command"));
  // SETBIT keeps the TTL.
  EXPECT_EQ(h.Run({"SET", "t", "a", "EX", "100"}), kOk);
  EXPECT_EQ(h.Run({"SETBIT", "t", "0", "1"}), Int(0));
  EXPECT_EQ(h.Run({"GET", "t"}), Bulk("\xe1"));
  EXPECT_EQ(h.Run({"TTL", "t"}), Int(100));
  PutCollection(h, "c", {{"f", "v"}});
  EXPECT_EQ(h.Run({"SETBIT", "c", "1", "1"}), kWrongTypeReply);
  EXPECT_EQ(h.Run({"GETBIT", "c", "1"}), kWrongTypeReply);
  // Survives a restart.
  h.Reopen();
  EXPECT_EQ(h.Run({"GETBIT", "b", "100"}), Int(1));
}

TEST(BitCommandsTest, BitCountInBytesAndBits) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"SET", "s", "foobar"}), kOk);
  EXPECT_EQ(h.Run({"BITCOUNT", "s"}), Int(26));
  EXPECT_EQ(h.Run({"BITCOUNT", "s", "0", "0"}), Int(4));
  EXPECT_EQ(h.Run({"BITCOUNT", "s", "1", "1"}), Int(6));
  EXPECT_EQ(h.Run({"BITCOUNT", "s", "1", "1", "BIT"}), Int(1));
  EXPECT_EQ(h.Run({"BITCOUNT", "s", "5", "30", "bit"}), Int(17));
  EXPECT_EQ(h.Run({"BITCOUNT", "s", "-1", "-2"}), Int(0));
  EXPECT_EQ(h.Run({"BITCOUNT", "s", "0", "-1", "word"}), Err("ERR syntax error"));
  EXPECT_EQ(h.Run({"BITCOUNT", "s", "0"}), Err("ERR syntax error"));
  EXPECT_EQ(h.Run({"BITCOUNT", "s", "a", "1"}), Err("ERR value is not an integer or out of range"));
  // A missing key is 0 before the arguments are looked at, as in Redis.
  EXPECT_EQ(h.Run({"BITCOUNT", "missing", "0", "x"}), Int(0));
  EXPECT_EQ(h.Run({"SET", "z", std::string("\xff\xf0\x00", 3)}), kOk);
  EXPECT_EQ(h.Run({"BITCOUNT", "z", "4", "13", "BIT"}), Int(8));
  EXPECT_EQ(h.Run({"BITCOUNT", "z", "-5", "-1", "BIT"}), Int(0));
  PutCollection(h, "c", {{"f", "v"}});
  EXPECT_EQ(h.Run({"BITCOUNT", "c"}), kWrongTypeReply);
}

TEST(BitCommandsTest, BitPos) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"SET", "z", std::string("\xff\xf0\x00", 3)}), kOk);
  EXPECT_EQ(h.Run({"BITPOS", "z", "0"}), Int(12));
  EXPECT_EQ(h.Run({"BITPOS", "z", "1", "2"}), Int(-1));
  EXPECT_EQ(h.Run({"BITPOS", "z", "0", "2"}), Int(16));
  EXPECT_EQ(h.Run({"BITPOS", "z", "0", "1", "1"}), Int(12));
  EXPECT_EQ(h.Run({"BITPOS", "z", "1", "-1"}), Int(-1));
  EXPECT_EQ(h.Run({"BITPOS", "z", "1", "7", "15", "BIT"}), Int(7));
  EXPECT_EQ(h.Run({"BITPOS", "z", "0", "0", "11", "BIT"}), Int(-1));
  EXPECT_EQ(h.Run({"BITPOS", "z", "0", "0", "12", "BIT"}), Int(12));
  EXPECT_EQ(h.Run({"BITPOS", "z", "0", "-8", "-1", "BIT"}), Int(16));
  EXPECT_EQ(h.Run({"SET", "ones", "\xff\xff"}), kOk);
  // Without an end, the string is padded with zeros on the right.
  EXPECT_EQ(h.Run({"BITPOS", "ones", "0"}), Int(16));
  EXPECT_EQ(h.Run({"BITPOS", "ones", "0", "1"}), Int(16));
  EXPECT_EQ(h.Run({"BITPOS", "ones", "0", "0", "-1"}), Int(-1));
  EXPECT_EQ(h.Run({"BITPOS", "ones", "0", "1", "-1", "BIT"}), Int(-1));
  EXPECT_EQ(h.Run({"BITPOS", "nokey", "1"}), Int(-1));
  EXPECT_EQ(h.Run({"BITPOS", "nokey", "0"}), Int(0));
  EXPECT_EQ(h.Run({"SET", "e", ""}), kOk);
  EXPECT_EQ(h.Run({"BITPOS", "e", "0"}), Int(-1));
  EXPECT_EQ(h.Run({"BITPOS", "z", "2"}), Err("ERR The bit argument must be 1 or 0."));
  EXPECT_EQ(h.Run({"BITPOS", "z", "1", "0", "1", "nibble"}), Err("ERR syntax error"));
  EXPECT_EQ(h.Run({"BITPOS", "z", "1", "0", "1", "bit", "x"}), Err("ERR syntax error"));
}

TEST(BitCommandsTest, BitOp) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"SET", "k1", "foobar"}), kOk);
  EXPECT_EQ(h.Run({"SET", "k2", "abcdef"}), kOk);
  EXPECT_EQ(h.Run({"BITOP", "AND", "dest", "k1", "k2"}), Int(6));
  EXPECT_EQ(h.Run({"GET", "dest"}), Bulk("`bc`ab"));
  EXPECT_EQ(h.Run({"BITOP", "or", "dest", "k1", "k2", "nokey"}), Int(6));
  EXPECT_EQ(h.Run({"GET", "dest"}), Bulk("goofev"));
  EXPECT_EQ(h.Run({"SET", "short", "\x0f"}), kOk);
  EXPECT_EQ(h.Run({"BITOP", "XOR", "dest", "short", "k1"}), Int(6));
  EXPECT_EQ(h.Run({"GET", "dest"}), Bulk("ioobar"));
  EXPECT_EQ(h.Run({"BITOP", "NOT", "dest", "short"}), Int(1));
  EXPECT_EQ(h.Run({"GET", "dest"}), Bulk("\xf0"));
  EXPECT_EQ(h.Run({"BITOP", "NOT", "dest", "k1", "k2"}),
            Err("ERR BITOP NOT must be called with a single source key."));
  EXPECT_EQ(h.Run({"BITOP", "foo", "dest", "k1"}), Err("ERR syntax error"));
  // An empty result deletes the destination (and a TTL goes with it).
  EXPECT_EQ(h.Run({"BITOP", "AND", "dest", "nokey"}), Int(0));
  EXPECT_EQ(h.Run({"EXISTS", "dest"}), Int(0));
  EXPECT_EQ(h.Run({"SET", "dest", "x", "EX", "100"}), kOk);
  EXPECT_EQ(h.Run({"BITOP", "OR", "dest", "k1"}), Int(6));
  EXPECT_EQ(h.Run({"TTL", "dest"}), Int(-1));
  // The destination may be a source too (its key lock is taken once).
  EXPECT_EQ(h.Run({"BITOP", "AND", "k1", "k1", "k2"}), Int(6));
  EXPECT_EQ(h.Run({"GET", "k1"}), Bulk("`bc`ab"));
  PutCollection(h, "c", {{"f", "v"}});
  EXPECT_EQ(h.Run({"BITOP", "AND", "dest", "k1", "c"}), kWrongTypeReply);
}

TEST(BitCommandsTest, Lcs) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"SET", "a", "ohmytext"}), kOk);
  EXPECT_EQ(h.Run({"SET", "b", "mynewtext"}), kOk);
  EXPECT_EQ(h.Run({"LCS", "a", "b"}), Bulk("mytext"));
  EXPECT_EQ(h.Run({"LCS", "a", "b", "LEN"}), Int(6));
  auto range = [](int64_t x, int64_t y) { return "*2\r\n" + Int(x) + Int(y); };
  EXPECT_EQ(h.Run({"LCS", "a", "b", "IDX"}), "*4\r\n" + Bulk("matches") + "*2\r\n" + "*2\r\n" +
                                                 range(4, 7) + range(5, 8) + "*2\r\n" +
                                                 range(2, 3) + range(0, 1) + Bulk("len") + Int(6));
  EXPECT_EQ(h.Run({"LCS", "a", "b", "IDX", "WITHMATCHLEN"}),
            "*4\r\n" + Bulk("matches") + "*2\r\n" + "*3\r\n" + range(4, 7) + range(5, 8) + Int(4) +
                "*3\r\n" + range(2, 3) + range(0, 1) + Int(2) + Bulk("len") + Int(6));
  EXPECT_EQ(h.Run({"LCS", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"}),
            "*4\r\n" + Bulk("matches") + "*1\r\n" + "*3\r\n" + range(4, 7) + range(5, 8) + Int(4) +
                Bulk("len") + Int(6));
  EXPECT_EQ(h.Run({"LCS", "a", "b", "LEN", "IDX"}),
            Err("ERR If you want both the length and indexes, please just use IDX."));
  EXPECT_EQ(h.Run({"LCS", "a", "b", "foo"}), Err("ERR syntax error"));
  EXPECT_EQ(h.Run({"LCS", "a", "b", "MINMATCHLEN"}), Err("ERR syntax error"));
  EXPECT_EQ(h.Run({"LCS", "a", "b", "MINMATCHLEN", "x"}),
            Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(h.Run({"LCS", "a", "nokey"}), Bulk(""));
  PutCollection(h, "c", {{"f", "v"}});
  EXPECT_EQ(h.Run({"LCS", "a", "c"}), Err("ERR The specified keys must contain string values"));
  // The table is bounded by proto-max-bulk-len: 4 bytes a cell.
  EXPECT_EQ(h.Run({"CONFIG", "SET", "proto-max-bulk-len", "1mb"}), kOk);
  EXPECT_EQ(h.Run({"SET", "big", std::string(1000, 'x')}), kOk);
  EXPECT_EQ(h.Run({"LCS", "big", "big2"}), Bulk(""));
  EXPECT_EQ(h.Run({"SET", "big2", std::string(1000, 'y')}), kOk);
  EXPECT_EQ(h.Run({"LCS", "big", "big2"}),
            Err("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"));
}

TEST(CopyCommandTest, Strings) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"SET", "src", "v", "EX", "100"}), kOk);
  EXPECT_EQ(h.Run({"COPY", "src", "dst"}), Int(1));
  EXPECT_EQ(h.Run({"GET", "dst"}), Bulk("v"));
  EXPECT_EQ(h.Run({"TTL", "dst"}), Int(100));
  EXPECT_EQ(h.Run({"SET", "src", "w"}), kOk);
  EXPECT_EQ(h.Run({"COPY", "src", "dst"}), Int(0));
  EXPECT_EQ(h.Run({"GET", "dst"}), Bulk("v"));
  EXPECT_EQ(h.Run({"COPY", "src", "dst", "REPLACE"}), Int(1));
  EXPECT_EQ(h.Run({"GET", "dst"}), Bulk("w"));
  EXPECT_EQ(h.Run({"TTL", "dst"}), Int(-1));
  EXPECT_EQ(h.Run({"COPY", "src", "dst2", "DB", "0"}), Int(1));
  EXPECT_EQ(h.Run({"COPY", "src", "src"}), Err("ERR source and destination objects are the same"));
  EXPECT_EQ(h.Run({"COPY", "src", "dst", "DB", "1"}), Err("ERR DB index is out of range"));
  EXPECT_EQ(h.Run({"COPY", "src", "dst", "DB", "x"}),
            Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(h.Run({"COPY", "src", "dst", "foo"}), Err("ERR syntax error"));
  EXPECT_EQ(h.Run({"COPY", "src", "dst", "DB"}), Err("ERR syntax error"));
  EXPECT_EQ(h.Run({"COPY", "nokey", "dst"}), Int(0));
  EXPECT_EQ(h.Run({"COPY", "src"}), Err("ERR wrong number of arguments for 'copy' command"));
  h.Reopen();
  EXPECT_EQ(h.Run({"GET", "dst2"}), Bulk("w"));
}

TEST(CopyCommandTest, CollectionsGetTheirOwnElements) {
  ServerHarness h;
  PutCollection(h, "h", {{"a", "1"}, {"b", "2"}, {"c", "3"}}, NowMs() + 100000);
  EXPECT_EQ(h.Run({"COPY", "h", "h2"}), Int(1));
  EXPECT_EQ(h.Run({"TYPE", "h2"}), "+hash\r\n");
  EXPECT_EQ(h.Run({"TTL", "h2"}), Int(100));
  std::vector<std::pair<std::string, std::string>> want = {{"a", "1"}, {"b", "2"}, {"c", "3"}};
  EXPECT_EQ(Elements(h, "h2"), want);
  std::string r1, r2;
  Metadata m1, m2;
  ASSERT_TRUE(h.state()->GetMeta("h", &r1, &m1).ok());
  ASSERT_TRUE(h.state()->GetMeta("h2", &r2, &m2).ok());
  EXPECT_NE(m1.version, m2.version);
  EXPECT_EQ(m2.size, 3u);
  // Deleting the source leaves the copy whole; a string replaced by a copy
  // of a collection becomes that collection.
  EXPECT_EQ(h.Run({"DEL", "h"}), Int(1));
  EXPECT_EQ(Elements(h, "h2"), want);
  EXPECT_EQ(h.Run({"SET", "s", "x"}), kOk);
  EXPECT_EQ(h.Run({"COPY", "h2", "s", "REPLACE"}), Int(1));
  EXPECT_EQ(h.Run({"TYPE", "s"}), "+hash\r\n");
  EXPECT_EQ(Elements(h, "s"), want);
  h.Reopen();
  EXPECT_EQ(Elements(h, "s"), want);
}

}  // namespace
}  // namespace strata::server
