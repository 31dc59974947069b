// Sorted sets: the order-preserving score encoding (zset_encoding.h) over
// random doubles and the edge values, the element layout the commands
// write, and the commands' exact RESP replies (checked against Redis
// 7.0.15's) through the in-process harness.

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "server/collection.h"
#include "server/metadata.h"
#include "server/zset_encoding.h"
#include "server_harness.h"

namespace strata::server {
namespace {

TEST(ZSetEncodingTest, OrderMatchesNumericOrder) {
  const double inf = std::numeric_limits<double>::infinity();
  const double denorm = std::numeric_limits<double>::denorm_min();
  std::vector<double> values = {-inf,
                                -std::numeric_limits<double>::max(),
                                -1e300,
                                -1.5,
                                -1,
                                -std::numeric_limits<double>::min(),
                                -denorm,
                                0.0,
                                denorm,
                                2 * denorm,
                                std::numeric_limits<double>::min(),
                                1,
                                1.5,
                                1e300,
                                std::numeric_limits<double>::max(),
                                inf};
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<uint64_t> bits;
  for (int i = 0; i < 20000; i++) {
    double d = std::bit_cast<double>(bits(rng));
    if (!std::isnan(d)) values.push_back(d);
  }
  std::uniform_real_distribution<double> small(-1000, 1000);
  for (int i = 0; i < 2000; i++) values.push_back(small(rng));
  std::vector<std::string> encoded;
  for (double v : values) {
    encoded.push_back(EncodeScore(v));
    double back;
    ASSERT_TRUE(DecodeScore(encoded.back(), &back));
    ASSERT_EQ(back, v);
  }
  // Byte order of the encodings == numeric order of the doubles.
  for (size_t i = 0; i + 1 < values.size(); i++) {
    for (size_t j : {i + 1, values.size() - 1 - i}) {
      double a = values[i], b = values[j];
      int bytes = encoded[i].compare(encoded[j]);
      int numeric = a < b ? -1 : (a > b ? 1 : 0);
      ASSERT_EQ(bytes < 0 ? -1 : (bytes > 0 ? 1 : 0), numeric) << a << " vs " << b;
    }
  }
}

TEST(ZSetEncodingTest, NegativeZeroIsZero) {
  EXPECT_EQ(EncodeScore(-0.0), EncodeScore(0.0));
  double back = -1.0;  // sign bit set: the check below passes only on what DecodeScore wrote
  ASSERT_TRUE(DecodeScore(EncodeScore(-0.0), &back));
  EXPECT_FALSE(std::signbit(back));
  // The exact bytes docs/SERVER.md gives.
  EXPECT_EQ(EncodeScore(0.0), std::string("\x80\0\0\0\0\0\0\0", 8));
  EXPECT_EQ(EncodeScore(1.0), std::string("\xbf\xf0\0\0\0\0\0\0", 8));
  EXPECT_EQ(EncodeScore(-1.0), std::string("\x40\x0f\xff\xff\xff\xff\xff\xff", 8));
  EXPECT_EQ(EncodeScore(std::numeric_limits<double>::infinity()),
            std::string("\xff\xf0\0\0\0\0\0\0", 8));
  EXPECT_EQ(EncodeScore(-std::numeric_limits<double>::infinity()),
            std::string("\x00\x0f\xff\xff\xff\xff\xff\xff", 8));
  EXPECT_FALSE(DecodeScore("short", &back));
}

// The elements ZADD writes: 'M' member -> score, 'S' score member -> "".
TEST(ZSetCommandsTest, ElementLayout) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"ZADD", "z", "2", "b", "1", "a"}), Int(2));
  std::string record;
  Metadata meta;
  ASSERT_TRUE(h.state()->GetMeta("z", &record, &meta).ok());
  EXPECT_EQ(meta.type, KeyType::kZSet);
  EXPECT_EQ(meta.size, 2u);
  std::string prefix = SubkeyPrefix("z", meta.version);
  std::vector<std::pair<std::string, std::string>> got;
  std::unique_ptr<Iterator> it = h.state()->db()->NewIterator(ReadOptions());
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    got.emplace_back(std::string(it->key().substr(prefix.size())), std::string(it->value()));
  }
  std::vector<std::pair<std::string, std::string>> want = {{"Ma", EncodeScore(1)},
                                                           {"Mb", EncodeScore(2)},
                                                           {"S" + EncodeScore(1) + "a", ""},
                                                           {"S" + EncodeScore(2) + "b", ""}};
  EXPECT_EQ(got, want);
  // A score change moves the index entry.
  EXPECT_EQ(h.Run({"ZADD", "z", "3", "a"}), Int(0));
  EXPECT_EQ(h.Run({"ZRANGE", "z", "0", "-1"}), Arr({"b", "a"}));
}

TEST(ZSetCommandsTest, ZAddOptions) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"ZADD", "z", "1", "a", "2", "b"}), Int(2));
  EXPECT_EQ(h.Run({"ZADD", "z", "NX", "5", "a", "3", "c"}), Int(1));
  EXPECT_EQ(h.Run({"ZSCORE", "z", "a"}), Bulk("1"));
  EXPECT_EQ(h.Run({"ZADD", "z", "XX", "CH", "5", "a", "4", "d"}), Int(1));
  EXPECT_EQ(h.Run({"ZSCORE", "z", "d"}), kNil);
  EXPECT_EQ(h.Run({"ZADD", "z", "GT", "CH", "4", "a", "9", "b"}), Int(1));
  EXPECT_EQ(h.Run({"ZADD", "z", "LT", "CH", "7", "b", "1", "c"}), Int(2));
  EXPECT_EQ(h.Run({"ZADD", "z", "INCR", "1.5", "a"}), Bulk("6.5"));
  EXPECT_EQ(h.Run({"ZADD", "z", "NX", "INCR", "1", "a"}), kNil);
  EXPECT_EQ(h.Run({"ZADD", "z", "1", "x", "2", "x"}), Int(1));
  EXPECT_EQ(h.Run({"ZSCORE", "z", "x"}), Bulk("2"));
  EXPECT_EQ(h.Run({"ZADD", "nx", "XX", "1", "a"}), Int(0));
  EXPECT_EQ(h.Run({"EXISTS", "nx"}), Int(0));
  EXPECT_EQ(h.Run({"ZADD", "z", "NX", "XX", "1", "a"}),
            Err("ERR XX and NX options at the same time are not compatible"));
  EXPECT_EQ(h.Run({"ZADD", "z", "GT", "LT", "1", "a"}),
            Err("ERR GT, LT, and/or NX options at the same time are not compatible"));
  EXPECT_EQ(h.Run({"ZADD", "z", "INCR", "1", "a", "2", "b"}),
            Err("ERR INCR option supports a single increment-element pair"));
  EXPECT_EQ(h.Run({"ZADD", "z", "1", "a", "2"}), Err("ERR syntax error"));
  EXPECT_EQ(h.Run({"ZADD", "z", "nan", "a"}), Err("ERR value is not a valid float"));
  EXPECT_EQ(h.Run({"ZADD", "z", "inf", "i"}), Int(1));
  EXPECT_EQ(h.Run({"ZINCRBY", "z", "-inf", "i"}), Err("ERR resulting score is not a number (NaN)"));
  EXPECT_EQ(h.Run({"ZINCRBY", "z", "0.1", "new"}), Bulk("0.10000000000000001"));
  EXPECT_EQ(h.Run({"SET", "s", "v"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"ZADD", "s", "1", "a"}), kWrongTypeReply);
}

TEST(ZSetCommandsTest, RangesByRankScoreAndLex) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"ZADD", "z", "-inf", "n", "1", "a", "2", "b", "2", "c", "3", "d", "+inf", "p"}),
            Int(6));
  EXPECT_EQ(h.Run({"ZRANGE", "z", "1", "3"}), Arr({"a", "b", "c"}));
  EXPECT_EQ(h.Run({"ZRANGE", "z", "-2", "-1", "WITHSCORES"}), Arr({"d", "3", "p", "inf"}));
  EXPECT_EQ(h.Run({"ZREVRANGE", "z", "0", "1", "WITHSCORES"}), Arr({"p", "inf", "d", "3"}));
  EXPECT_EQ(h.Run({"ZRANGE", "z", "5", "1"}), kEmptyArray);
  EXPECT_EQ(h.Run({"ZRANGEBYSCORE", "z", "(1", "3"}), Arr({"b", "c", "d"}));
  EXPECT_EQ(h.Run({"ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "1", "2"}), Arr({"a", "b"}));
  EXPECT_EQ(h.Run({"ZREVRANGEBYSCORE", "z", "2", "-inf"}), Arr({"c", "b", "a", "n"}));
  EXPECT_EQ(h.Run({"ZRANGE", "z", "(3", "2", "BYSCORE", "REV"}), Arr({"c", "b"}));
  EXPECT_EQ(h.Run({"ZCOUNT", "z", "2", "(3"}), Int(2));
  EXPECT_EQ(h.Run({"ZRANK", "z", "c"}), Int(3));
  EXPECT_EQ(h.Run({"ZREVRANK", "z", "c"}), Int(2));
  EXPECT_EQ(h.Run({"ZRANK", "z", "zz"}), kNil);
  EXPECT_EQ(h.Run({"ZRANGEBYSCORE", "z", "x", "1"}), Err("ERR min or max is not a float"));
  EXPECT_EQ(h.Run({"ZRANGE", "z", "0", "1", "LIMIT", "0", "1"}),
            Err("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or "
                "BYLEX"));
  EXPECT_EQ(h.Run({"ZADD", "l", "0", "a", "0", "b", "0", "c", "0", "d"}), Int(4));
  EXPECT_EQ(h.Run({"ZRANGEBYLEX", "l", "(a", "[c"}), Arr({"b", "c"}));
  EXPECT_EQ(h.Run({"ZREVRANGEBYLEX", "l", "+", "(b"}), Arr({"d", "c"}));
  EXPECT_EQ(h.Run({"ZRANGE", "l", "[c", "-", "BYLEX", "REV", "LIMIT", "1", "5"}), Arr({"b", "a"}));
  EXPECT_EQ(h.Run({"ZLEXCOUNT", "l", "-", "+"}), Int(4));
  EXPECT_EQ(h.Run({"ZRANGEBYLEX", "l", "a", "+"}),
            Err("ERR min or max not valid string range item"));
  EXPECT_EQ(h.Run({"ZRANGE", "l", "-", "+", "BYLEX", "WITHSCORES"}),
            Err("ERR syntax error, WITHSCORES not supported in combination with BYLEX"));
  EXPECT_EQ(h.Run({"ZRANGE", "missing", "0", "-1"}), kEmptyArray);
}

TEST(ZSetCommandsTest, RemovalsAndPops) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"}), Int(5));
  EXPECT_EQ(h.Run({"ZREM", "z", "a", "nope"}), Int(1));
  EXPECT_EQ(h.Run({"ZREMRANGEBYRANK", "z", "0", "0"}), Int(1));
  EXPECT_EQ(h.Run({"ZREMRANGEBYSCORE", "z", "(3", "4"}), Int(1));
  EXPECT_EQ(h.Run({"ZRANGE", "z", "0", "-1"}), Arr({"c", "e"}));
  EXPECT_EQ(h.Run({"ZPOPMAX", "z"}), Arr({"e", "5"}));
  EXPECT_EQ(h.Run({"ZPOPMIN", "z", "5"}), Arr({"c", "3"}));
  EXPECT_EQ(h.Run({"EXISTS", "z"}), Int(0));
  EXPECT_EQ(h.Run({"ZPOPMIN", "z"}), kEmptyArray);
  EXPECT_EQ(h.Run({"ZPOPMIN", "z", "-1"}), Err("ERR value is out of range, must be positive"));
  EXPECT_EQ(h.Run({"ZADD", "l", "0", "a", "0", "b", "0", "c"}), Int(3));
  EXPECT_EQ(h.Run({"ZREMRANGEBYLEX", "l", "[b", "+"}), Int(2));
  EXPECT_EQ(h.Run({"ZMPOP", "2", "none", "l", "MIN"}),
            "*2\r\n" + Bulk("l") + "*1\r\n*2\r\n" + Bulk("a") + Bulk("0"));
  EXPECT_EQ(h.Run({"ZMPOP", "1", "l", "MIN"}), "*-1\r\n");
  EXPECT_EQ(h.Run({"ZMPOP", "0", "l", "MIN"}), Err("ERR numkeys should be greater than 0"));
}

TEST(ZSetCommandsTest, SetOperations) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"ZADD", "a", "1", "x", "2", "y", "3", "z"}), Int(3));
  EXPECT_EQ(h.Run({"ZADD", "b", "10", "y", "20", "z", "30", "w"}), Int(3));
  EXPECT_EQ(h.Run({"ZUNION", "2", "a", "b", "WITHSCORES"}),
            Arr({"x", "1", "y", "12", "z", "23", "w", "30"}));
  EXPECT_EQ(h.Run({"ZINTER", "2", "a", "b", "WEIGHTS", "2", "1", "AGGREGATE", "MAX", "WITHSCORES"}),
            Arr({"y", "10", "z", "20"}));
  EXPECT_EQ(h.Run({"ZDIFF", "2", "a", "b"}), Arr({"x"}));
  EXPECT_EQ(h.Run({"ZINTERCARD", "2", "a", "b", "LIMIT", "1"}), Int(1));
  EXPECT_EQ(h.Run({"ZUNIONSTORE", "a", "2", "a", "b", "AGGREGATE", "MIN"}), Int(4));
  EXPECT_EQ(h.Run({"ZRANGE", "a", "0", "-1", "WITHSCORES"}),
            Arr({"x", "1", "y", "2", "z", "3", "w", "30"}));
  EXPECT_EQ(h.Run({"ZINTERSTORE", "d", "2", "a", "nokey"}), Int(0));
  EXPECT_EQ(h.Run({"EXISTS", "d"}), Int(0));
  EXPECT_EQ(h.Run({"ZUNION", "0", "a"}),
            Err("ERR at least 1 input key is needed for 'zunion' command"));
  EXPECT_EQ(h.Run({"ZUNION", "3", "a", "b"}), Err("ERR syntax error"));
  EXPECT_EQ(h.Run({"ZDIFF", "2", "a", "b", "WEIGHTS", "1", "2"}), Err("ERR syntax error"));
  EXPECT_EQ(h.Run({"ZRANGESTORE", "r", "a", "1", "2", "BYSCORE"}), Int(2));
  EXPECT_EQ(h.Run({"ZRANGE", "r", "0", "-1"}), Arr({"x", "y"}));
  EXPECT_EQ(h.Run({"SET", "s", "v"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"ZUNION", "2", "a", "s"}), kWrongTypeReply);
}

TEST(ZSetCommandsTest, Resp3Shapes) {
  ServerHarness h;
  auto client = h.NewClient();
  client->resp = 3;
  EXPECT_EQ(h.Run({"ZADD", "z", "1.5", "a", "2", "b"}, client.get()), Int(2));
  EXPECT_EQ(h.Run({"ZSCORE", "z", "a"}, client.get()), ",1.5\r\n");
  EXPECT_EQ(h.Run({"ZRANGE", "z", "0", "-1", "WITHSCORES"}, client.get()),
            "*2\r\n*2\r\n" + Bulk("a") + ",1.5\r\n*2\r\n" + Bulk("b") + ",2\r\n");
  EXPECT_EQ(h.Run({"ZPOPMIN", "z"}, client.get()), "*2\r\n" + Bulk("a") + ",1.5\r\n");
  EXPECT_EQ(h.Run({"ZMSCORE", "z", "a", "b"}, client.get()), "*2\r\n_\r\n,2\r\n");
}

TEST(ZSetCommandsTest, RandMemberAndScan) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"ZRANDMEMBER", "z"}), kNil);
  EXPECT_EQ(h.Run({"ZADD", "z", "1", "a", "2", "b", "3", "c"}), Int(3));
  std::string all = h.Run({"ZRANDMEMBER", "z", "10"});
  EXPECT_EQ(all.substr(0, 4), "*3\r\n");
  for (const char* m : {"a", "b", "c"}) EXPECT_NE(all.find(Bulk(m)), std::string::npos);
  EXPECT_EQ(h.Run({"ZRANDMEMBER", "z", "-5"}).substr(0, 4), "*5\r\n");
  EXPECT_EQ(h.Run({"ZRANDMEMBER", "z", "0"}), kEmptyArray);
  EXPECT_EQ(h.Run({"ZRANDMEMBER", "z", "1", "x"}), Err("ERR syntax error"));
  std::string first = h.Run({"ZSCAN", "z", "0", "COUNT", "2"});
  EXPECT_NE(first.find(Arr({"a", "1", "b", "2"})), std::string::npos) << first;
  EXPECT_EQ(h.Run({"ZSCAN", "z", "0", "MATCH", "c"}), "*2\r\n" + Bulk("0") + Arr({"c", "3"}));
}

// The score-index bounds kept in a sorted set's metadata (ZSetBounds).
std::string IndexKey(double score, const std::string& member) {
  return ZSetScoreSubkey(score, member).substr(1);
}

TEST(KeyBufferTest, JoinsItsPiecesInPlaceOrOnTheHeap) {
  // Element keys are built in a 128-byte buffer, or on the heap past it;
  // either way the key is the pieces joined, whichever pieces are empty.
  for (size_t member_size : {0, 1, 100, 110, 111, 112, 300}) {
    const std::string prefix = SubkeyPrefix("myzset", 42);
    const std::string member(member_size, 'm');
    const std::string expected = prefix + ZSetScoreSubkey(-2.5, member);
    const KeyBuffer three(prefix, ZSetScoreHead(-2.5).view(), member);
    EXPECT_EQ(three.view(), expected) << member_size;
    const KeyBuffer two(prefix, ZSetScoreSubkey(-2.5, member));
    EXPECT_EQ(two.view(), expected) << member_size;
    Collection c;
    c.prefix = prefix;
    EXPECT_EQ(std::string_view(c.ElementKey(ZSetScoreHead(-2.5).view(), member)), expected);
    EXPECT_EQ(std::string_view(c.ElementKey(ZSetMemberSubkey(member))),
              prefix + std::string(1, kZSetMemberTag) + member);
  }
  EXPECT_EQ(KeyBuffer("", "").view(), "");
  EXPECT_EQ(KeyBuffer("p", "", "r").view(), "pr");
}

TEST(ElementPrefixTest, HoldsSubkeyPrefixInPlaceOrOnTheHeap) {
  // Inline up to 64 bytes (keys of 51), on the heap past that; copies own
  // their bytes; a shorter prefix after a longer one (and back) is exact.
  ElementPrefix last;
  for (size_t key_size : {0, 1, 6, 50, 51, 52, 200, 3}) {
    const std::string key(key_size, static_cast<char>('a' + key_size % 26));
    const uint64_t version = 0x0102030405060708ull + key_size;
    ElementPrefix p;
    p.Assign(key, version);
    EXPECT_EQ(p.view(), SubkeyPrefix(key, version)) << key_size;
    EXPECT_EQ(p.size(), SubkeyPrefixSize(key_size));
    last = p;  // reuses last's storage, inline or heap, whichever it had
    ElementPrefix copy(p);
    p.Assign("other", 1);
    EXPECT_EQ(last.view(), SubkeyPrefix(key, version)) << key_size;
    EXPECT_EQ(copy.view(), SubkeyPrefix(key, version)) << key_size;
    EXPECT_TRUE(copy == last);
    EXPECT_FALSE(copy == p);
  }
  last.clear();
  EXPECT_EQ(last.size(), 0u);
}

TEST(ZSetBoundsTest, EncodingRoundTripsAndRejectsMalformed) {
  ZSetBounds none;
  EXPECT_EQ(none.Encode(), "");
  ZSetBounds b;
  b.low.emplace(IndexKey(1, "a"));
  b.high.emplace(IndexKey(9, "z"));
  // The bytes docs/SERVER.md gives: flags, then each bound length-prefixed.
  EXPECT_EQ(b.Encode(), std::string("\x03\x09", 2) + IndexKey(1, "a") + "\x09" + IndexKey(9, "z"));
  ZSetBounds back = ZSetBounds::Decode(b.Encode());
  EXPECT_EQ(back.low, b.low);
  EXPECT_EQ(back.high, b.high);
  b.low.reset();
  back = ZSetBounds::Decode(b.Encode());
  EXPECT_FALSE(back.low.has_value());
  EXPECT_EQ(back.high, IndexKey(9, "z"));
  // Malformed: truncated, trailing bytes, unknown flags, oversized bound.
  const std::string good = b.Encode();
  for (const std::string& bad :
       {good.substr(0, good.size() - 1), good + "x", std::string("\x04", 1),
        std::string("\x01\x49", 2) + std::string(73, 'k')}) {
    ZSetBounds d = ZSetBounds::Decode(bad);
    EXPECT_FALSE(d.low.has_value());
    EXPECT_FALSE(d.high.has_value());
  }
}

TEST(ZSetBoundsTest, AddsWidenAndPopsNarrow) {
  ZSetBounds b;
  b.Added(IndexKey(5, "m"));  // no bounds yet: none appear
  EXPECT_FALSE(b.low.has_value());
  EXPECT_FALSE(b.high.has_value());
  b.PoppedLow(IndexKey(2, "b"));
  b.PoppedHigh(IndexKey(8, "h"));
  EXPECT_EQ(b.low, IndexKey(2, "b"));
  EXPECT_EQ(b.high, IndexKey(8, "h"));
  b.Added(IndexKey(3, "c"));  // inside: unchanged
  EXPECT_EQ(b.low, IndexKey(2, "b"));
  EXPECT_EQ(b.high, IndexKey(8, "h"));
  b.Added(IndexKey(2, "b"));  // the popped entry itself, back: still covered
  EXPECT_EQ(b.low, IndexKey(2, "b"));
  b.Added(IndexKey(1, "a"));
  b.Added(IndexKey(9, "i"));
  EXPECT_EQ(b.low, IndexKey(1, "a"));
  EXPECT_EQ(b.high, IndexKey(9, "i"));
  // Long entries: low keeps a prefix (at or before the entry), high goes.
  const std::string long_member(100, 'x');
  b.Added(IndexKey(0, long_member));
  EXPECT_EQ(b.low, IndexKey(0, long_member).substr(0, ZSetBounds::kMaxBound));
  b.Added(IndexKey(10, long_member));
  EXPECT_FALSE(b.high.has_value());
  b.PoppedHigh(IndexKey(10, long_member));  // too long to keep
  EXPECT_FALSE(b.high.has_value());
  b.PoppedLow(IndexKey(0, long_member));
  EXPECT_EQ(b.low, IndexKey(0, long_member).substr(0, ZSetBounds::kMaxBound));
}

ZSetBounds BoundsOf(ServerHarness& h, const std::string& key) {
  std::string record;
  Metadata meta;
  EXPECT_TRUE(h.state()->GetMeta(key, &record, &meta).ok());
  return ZSetBounds::Decode(meta.extra);
}

TEST(ZSetCommandsTest, PopsRecordBoundsThatWalksSeekTo) {
  ServerHarness h;
  EXPECT_EQ(h.Run({"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f"}),
            Int(6));
  EXPECT_FALSE(BoundsOf(h, "z").low.has_value());
  EXPECT_EQ(h.Run({"ZPOPMIN", "z", "2"}), Arr({"a", "1", "b", "2"}));
  EXPECT_EQ(BoundsOf(h, "z").low, IndexKey(2, "b"));
  EXPECT_EQ(h.Run({"ZPOPMAX", "z"}), Arr({"f", "6"}));
  EXPECT_EQ(BoundsOf(h, "z").high, IndexKey(6, "f"));
  EXPECT_EQ(h.Run({"ZREMRANGEBYRANK", "z", "-1", "-1"}), Int(1));  // e, from the end
  EXPECT_EQ(BoundsOf(h, "z").high, IndexKey(5, "e"));
  EXPECT_EQ(h.Run({"ZADD", "z", "0", "n"}), Int(1));
  EXPECT_EQ(BoundsOf(h, "z").low, IndexKey(0, "n"));
  EXPECT_EQ(h.Run({"ZRANGE", "z", "0", "-1"}), Arr({"n", "c", "d"}));
  EXPECT_EQ(h.Run({"ZREVRANGE", "z", "0", "-1"}), Arr({"d", "c", "n"}));
  // RENAME keeps the bounds (same elements); a STORE result has none.
  EXPECT_EQ(h.Run({"RENAME", "z", "y"}), "+OK\r\n");
  EXPECT_EQ(BoundsOf(h, "y").low, IndexKey(0, "n"));
  EXPECT_EQ(h.Run({"ZUNIONSTORE", "u", "1", "y"}), Int(3));
  EXPECT_FALSE(BoundsOf(h, "u").low.has_value());

  // The walks really start at the bounds: a record whose bound (against
  // the invariant) excludes live entries hides them from every walk from
  // that end, which is what lets a pop skip the deletions before its bound.
  std::string record;
  Metadata meta;
  ASSERT_TRUE(h.state()->GetMeta("y", &record, &meta).ok());
  auto put_bounds = [&](const ZSetBounds& b) {
    WriteBatch batch;
    batch.Put(MetadataKey("y"), EncodeCollectionMetadata(meta.type, meta.expire_ms, meta.version,
                                                         meta.size, b.Encode()));
    ASSERT_TRUE(h.state()->db()->Write(WriteOptions(), &batch).ok());
  };
  ZSetBounds narrow;
  narrow.low.emplace(IndexKey(3, "c"));  // hides n
  put_bounds(narrow);
  EXPECT_EQ(h.Run({"ZRANGE", "y", "0", "-1"}), Arr({"c", "d"}));
  EXPECT_EQ(h.Run({"ZRANGEBYSCORE", "y", "-inf", "+inf"}), Arr({"c", "d"}));
  EXPECT_EQ(h.Run({"ZRANK", "y", "d"}), Int(1));
  narrow.low.reset();
  narrow.high.emplace(IndexKey(3, "c"));  // hides d
  put_bounds(narrow);
  EXPECT_EQ(h.Run({"ZREVRANGE", "y", "0", "-1"}), Arr({"c", "n"}));
  EXPECT_EQ(h.Run({"ZREVRANGEBYSCORE", "y", "+inf", "-inf"}), Arr({"c", "n"}));
  EXPECT_EQ(h.Run({"ZPOPMAX", "y"}), Arr({"c", "3"}));
}

// Random adds (inside, below and above the bounds, long members, popped
// entries re-added), pops from both ends, removals, trims and renames,
// checked against a model after every command: the bounds never hide a live
// member from any walk.
TEST(ZSetCommandsTest, BoundsNeverHideLiveMembers) {
  ServerHarness h;
  std::mt19937 rng(7);
  std::map<std::string, int> model;  // member -> score
  auto ordered = [&] {
    std::vector<std::pair<int, std::string>> v;
    for (const auto& [m, sc] : model) v.emplace_back(sc, m);
    std::sort(v.begin(), v.end());
    return v;
  };
  auto member_name = [&](int i) {
    return i % 7 == 0 ? std::string(70 + i % 5, 'a' + i % 26) + std::to_string(i)
                      : "m" + std::to_string(i);
  };
  std::string key = "z";
  for (int step = 0; step < 1500; step++) {
    int op = static_cast<int>(rng() % 10);
    if (op <= 3 || model.empty()) {
      std::string m = member_name(static_cast<int>(rng() % 60));
      int sc = static_cast<int>(rng() % 41) - 20;
      bool added = model.count(m) == 0;
      model[m] = sc;
      ASSERT_EQ(h.Run({"ZADD", key, std::to_string(sc), m}), Int(added ? 1 : 0));
    } else if (op <= 5) {
      bool max = op == 5;
      int n = 1 + static_cast<int>(rng() % 3);
      std::vector<std::string> want;
      for (int i = 0; i < n && !model.empty(); i++) {
        auto v = ordered();
        auto e = max ? v.back() : v.front();
        want.push_back(e.second);
        want.push_back(std::to_string(e.first));
        model.erase(e.second);
      }
      ASSERT_EQ(h.Run({max ? "ZPOPMAX" : "ZPOPMIN", key, std::to_string(n)}), Arr(want));
    } else if (op == 6) {
      std::string m = member_name(static_cast<int>(rng() % 60));
      ASSERT_EQ(h.Run({"ZREM", key, m}), Int(static_cast<int64_t>(model.erase(m))));
    } else if (op == 7) {
      auto v = ordered();
      int k = static_cast<int>(rng() % 3);
      bool end = rng() % 2 == 0;
      std::vector<std::string> args = {"ZREMRANGEBYRANK", key, end ? std::to_string(-k - 1) : "0",
                                       end ? "-1" : std::to_string(k)};
      int removed = 0;
      for (int i = 0; i <= k && i < static_cast<int>(v.size()); i++, removed++) {
        model.erase(end ? v[v.size() - 1 - i].second : v[i].second);
      }
      ASSERT_EQ(h.Run(args), Int(removed));
    } else if (op == 8) {
      int top = static_cast<int>(rng() % 41) - 20;
      int removed = 0;
      for (auto it = model.begin(); it != model.end();) {
        if (it->second <= top) {
          it = model.erase(it);
          removed++;
        } else {
          ++it;
        }
      }
      ASSERT_EQ(h.Run({"ZREMRANGEBYSCORE", key, "-inf", std::to_string(top)}), Int(removed));
    } else if (!model.empty()) {
      std::string next = key == "z" ? "y" : "z";
      ASSERT_EQ(h.Run({"RENAME", key, next}), "+OK\r\n");
      key = next;
    }
    auto v = ordered();
    std::vector<std::string> fwd, fwd_scores, rev;
    for (const auto& [sc, m] : v) {
      fwd.push_back(m);
      fwd_scores.push_back(m);
      fwd_scores.push_back(std::to_string(sc));
    }
    rev.assign(fwd.rbegin(), fwd.rend());
    ASSERT_EQ(h.Run({"ZRANGE", key, "0", "-1", "WITHSCORES"}), Arr(fwd_scores)) << step;
    ASSERT_EQ(h.Run({"ZREVRANGE", key, "0", "-1"}), Arr(rev)) << step;
    ASSERT_EQ(h.Run({"ZRANGEBYSCORE", key, "-inf", "+inf"}), Arr(fwd)) << step;
    ASSERT_EQ(h.Run({"ZREVRANGEBYSCORE", key, "+inf", "-inf"}), Arr(rev)) << step;
    if (!v.empty()) {
      const auto& mid = v[v.size() / 2];
      ASSERT_EQ(h.Run({"ZRANK", key, mid.second}), Int(static_cast<int64_t>(v.size() / 2)));
      ASSERT_EQ(h.Run({"ZREVRANK", key, mid.second}),
                Int(static_cast<int64_t>(v.size() - 1 - v.size() / 2)));
    }
  }
}

}  // namespace
}  // namespace strata::server
