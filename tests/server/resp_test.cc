// Tests of the RESP parser (frames whole, split at every byte, many per read,
// inline commands, limits and Redis's error messages) and of the reply
// writer's RESP2 and RESP3 shapes.

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "server/reply_writer.h"
#include "server/resp_parser.h"

namespace strata::server {
namespace {

using Args = std::vector<std::string>;

// Feeds `input` to a parser in pieces of `step` bytes, as reads would
// deliver it, and collects every command (empty ones included).
struct Feed {
  std::vector<Args> commands;
  bool error = false;
  std::string message;
};

Feed FeedAll(const RespLimits& limits, const std::string& input, size_t step,
             bool auth_required = false) {
  Feed feed;
  RespParser parser(&limits);
  std::string buffer;
  size_t offset = 0;
  while (offset < input.size() && !feed.error) {
    buffer.append(input, offset, step);
    offset += step;
    while (true) {
      size_t consumed = 0;
      Args argv;
      RespParser::Result r = parser.Parse(buffer, auth_required, &consumed, &argv);
      buffer.erase(0, consumed);
      if (r == RespParser::Result::kCommand) {
        feed.commands.push_back(argv);
        continue;
      }
      if (r == RespParser::Result::kError) {
        feed.error = true;
        feed.message = parser.error();
      }
      break;
    }
  }
  return feed;
}

TEST(RespParserTest, MultibulkWholeAndSplitAtEveryByte) {
  RespLimits limits;
  std::string input = std::string("*2\r\n$3\r\nGET\r\n$3\r\nk\0y\r\n", 22) +
                      "*3\r\n$3\r\nSET\r\n$1\r\na\r\n$0\r\n\r\n";
  for (size_t step = 1; step <= input.size(); step++) {
    Feed feed = FeedAll(limits, input, step);
    ASSERT_FALSE(feed.error) << step;
    ASSERT_EQ(feed.commands.size(), 2u) << step;
    EXPECT_EQ(feed.commands[0], (Args{"GET", std::string("k\0y", 3)}));
    EXPECT_EQ(feed.commands[1], (Args{"SET", "a", ""}));
  }
}

TEST(RespParserTest, InlineCommandsAndQuoting) {
  RespLimits limits;
  Feed feed = FeedAll(limits, "PING\r\nset k \"a b\\x41\\n\" 'it\\'s'\n\r\n  \r\nGET k\r\n", 3);
  ASSERT_FALSE(feed.error);
  ASSERT_EQ(feed.commands.size(), 5u);
  EXPECT_EQ(feed.commands[0], (Args{"PING"}));
  EXPECT_EQ(feed.commands[1], (Args{"set", "k", "a bA\n", "it's"}));
  EXPECT_TRUE(feed.commands[2].empty());
  EXPECT_TRUE(feed.commands[3].empty());
  EXPECT_EQ(feed.commands[4], (Args{"GET", "k"}));
}

TEST(RespParserTest, UnbalancedQuotes) {
  RespLimits limits;
  for (const char* line : {"SET k \"abc\r\n", "SET k 'a\r\n", "SET k \"a\"b\r\n"}) {
    Feed feed = FeedAll(limits, line, 100);
    EXPECT_TRUE(feed.error) << line;
    EXPECT_EQ(feed.message, "Protocol error: unbalanced quotes in request");
  }
}

TEST(RespParserTest, EmptyAndNegativeMultibulkAreSkipped) {
  RespLimits limits;
  Feed feed = FeedAll(limits, "*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n", 1);
  ASSERT_FALSE(feed.error);
  ASSERT_EQ(feed.commands.size(), 3u);
  EXPECT_TRUE(feed.commands[0].empty());
  EXPECT_TRUE(feed.commands[1].empty());
  EXPECT_EQ(feed.commands[2], (Args{"PING"}));
}

TEST(RespParserTest, ProtocolErrors) {
  RespLimits limits;
  struct Case {
    std::string input;
    std::string message;
  } cases[] = {
      {"*abc\r\n", "Protocol error: invalid multibulk length"},
      {"*3000000000\r\n", "Protocol error: invalid multibulk length"},
      {"*1\r\n$-1\r\n", "Protocol error: invalid bulk length"},
      {"*1\r\n$x\r\n", "Protocol error: invalid bulk length"},
      {"*1\r\n$536870913\r\n", "Protocol error: invalid bulk length"},
      {"*1\r\n:1\r\n", "Protocol error: expected '$', got ':'"},
      // Leading zeros, signs and too many digits leave the digits-only fast
      // path for the full parse, which refuses them as Redis's does.
      {"*03\r\n", "Protocol error: invalid multibulk length"},
      {"*+3\r\n", "Protocol error: invalid multibulk length"},
      {"*1\r\n$01\r\na\r\n", "Protocol error: invalid bulk length"},
      {"*1\r\n$+1\r\na\r\n", "Protocol error: invalid bulk length"},
      {"*1\r\n$" + std::string(19, '9') + "\r\n", "Protocol error: invalid bulk length"},
      {"*1\r\n$" + std::string(18, '9') + "\r\n", "Protocol error: invalid bulk length"},
      {"*" + std::string(18, '9') + "\r\n", "Protocol error: invalid multibulk length"},
      {"*1" + std::string(70000, '1'), "Protocol error: too big mbulk count string"},
      {"*1\r\n$" + std::string(70000, '1'), "Protocol error: too big bulk count string"},
      {std::string(70000, 'a'), "Protocol error: too big inline request"},
  };
  for (const Case& c : cases) {
    Feed feed = FeedAll(limits, c.input, 4096);
    EXPECT_TRUE(feed.error) << c.input.substr(0, 20);
    EXPECT_EQ(feed.message, c.message) << c.input.substr(0, 20);
  }
}

TEST(RespParserTest, ZeroLengthsAndCountsAtEverySplit) {
  RespLimits limits;
  const std::string input = "*2\r\n$0\r\n\r\n$10\r\n0123456789\r\n*1\r\n$3\r\nabc\r\n";
  for (size_t step = 1; step <= input.size(); step++) {
    Feed feed = FeedAll(limits, input, step);
    ASSERT_FALSE(feed.error) << step << ": " << feed.message;
    ASSERT_EQ(feed.commands.size(), 2u) << step;
    EXPECT_EQ(feed.commands[0], (Args{"", "0123456789"})) << step;
    EXPECT_EQ(feed.commands[1], (Args{"abc"})) << step;
  }
}

TEST(RespParserTest, UnauthenticatedLimits) {
  RespLimits limits;
  std::string eleven = "*11\r\n";
  for (int i = 0; i < 11; i++) eleven += "$1\r\na\r\n";
  Feed feed = FeedAll(limits, eleven, 100, /*auth_required=*/true);
  EXPECT_TRUE(feed.error);
  EXPECT_EQ(feed.message, "Protocol error: unauthenticated multibulk length");
  EXPECT_FALSE(FeedAll(limits, eleven, 100, /*auth_required=*/false).error);

  std::string big = "*2\r\n$4\r\nAUTH\r\n$16385\r\n" + std::string(16385, 'p') + "\r\n";
  feed = FeedAll(limits, big, 1000, true);
  EXPECT_TRUE(feed.error);
  EXPECT_EQ(feed.message, "Protocol error: unauthenticated bulk length");
  feed = FeedAll(limits, big, 1000, false);
  ASSERT_FALSE(feed.error);
  ASSERT_EQ(feed.commands.size(), 1u);
  EXPECT_EQ(feed.commands[0][1].size(), 16385u);
}

TEST(RespParserTest, ConfiguredLimits) {
  RespLimits limits;
  limits.max_bulk_len = 10;
  limits.max_multibulk_len = 2;
  EXPECT_EQ(FeedAll(limits, "*3\r\n", 10).message, "Protocol error: invalid multibulk length");
  EXPECT_EQ(FeedAll(limits, "*1\r\n$11\r\n", 10).message, "Protocol error: invalid bulk length");
  EXPECT_FALSE(FeedAll(limits, "*2\r\n$10\r\n0123456789\r\n$0\r\n\r\n", 10).error);
}

TEST(RespParserTest, HugeAnnouncedSizesDoNotAllocateAhead) {
  RespLimits limits;
  RespParser parser(&limits);
  std::string input = "*2000000000\r\n$536870912\r\nabc";
  size_t consumed = 0;
  Args argv;
  EXPECT_EQ(parser.Parse(input, false, &consumed, &argv), RespParser::Result::kIncomplete);
  EXPECT_EQ(consumed, input.size() - 3);
  EXPECT_EQ(parser.pending_bulk_bytes(), (size_t{512} << 20) + 2);
}

TEST(RespParserTest, ParseInt64LikeRedis) {
  int64_t v = 0;
  EXPECT_TRUE(ParseInt64("0", &v));
  EXPECT_EQ(v, 0);
  EXPECT_TRUE(ParseInt64("-9223372036854775808", &v));
  EXPECT_EQ(v, INT64_MIN);
  EXPECT_TRUE(ParseInt64("9223372036854775807", &v));
  EXPECT_EQ(v, INT64_MAX);
  EXPECT_TRUE(ParseInt64("1844674407370955161", &v));  // UINT64_MAX / 10: no overflow
  EXPECT_EQ(v, INT64_C(1844674407370955161));
  for (const char* bad : {"", "-", "+1", "01", "-0", " 1", "1 ", "9223372036854775808", "1a",
                          "-9223372036854775809", "99999999999999999999", "18446744073709551615",
                          "18446744073709551616", "-18446744073709551616"}) {
    EXPECT_FALSE(ParseInt64(bad, &v)) << bad;
  }
}

TEST(ReplyWriterTest, Resp2Shapes) {
  std::string out;
  ReplyWriter w(&out);
  w.Ok();
  w.Error("ERR bad\r\nthing");
  w.Integer(-42);
  w.Bulk("ab");
  w.Null();
  w.NullArray();
  w.Map(1);
  w.Set(2);
  w.Double(1.5);
  w.Double(-std::numeric_limits<double>::infinity());
  w.Verbatim("hi");
  w.Boolean(true);
  EXPECT_EQ(out,
            "+OK\r\n-ERR bad  thing\r\n:-42\r\n$2\r\nab\r\n$-1\r\n*-1\r\n*2\r\n*2\r\n"
            "$3\r\n1.5\r\n$4\r\n-inf\r\n$2\r\nhi\r\n:1\r\n");
}

TEST(ReplyWriterTest, Resp3Shapes) {
  std::string out;
  ReplyWriter w(&out);
  w.set_protocol(3);
  w.Null();
  w.NullArray();
  w.Map(1);
  w.Set(2);
  w.Double(0.1);
  w.Double(std::numeric_limits<double>::infinity());
  w.Verbatim("hi");
  w.Boolean(false);
  EXPECT_EQ(out, "_\r\n_\r\n%1\r\n~2\r\n,0.10000000000000001\r\n,inf\r\n=6\r\ntxt:hi\r\n#f\r\n");
}

TEST(ReplyWriterTest, DoublesPrintAsPercent17g) {
  // Redis prints scores with "%.17g"; FormatDouble must agree on every
  // shape: integers, tiny and huge exponents, negative zero, subnormals.
  std::vector<double> values = {0.0,    -0.0,    1.0,     -1.5,   0.1,    1e16,
                                1e17,   1.5e300, -2e-300, 5e-324, 1e-5,   123456789012345678.0,
                                3.0e-7, 2.5,     1.0 / 3, 1e100,  -1e-100};
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; i++) {
    uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof(d));
    if (std::isfinite(d)) values.push_back(d);
    values.push_back(static_cast<double>(static_cast<int64_t>(rng() % 2000001) - 1000000) /
                     static_cast<double>(1 + rng() % 1000));
  }
  // Integers, which take a shortcut: every magnitude up to past its
  // 1e15 limit, and the neighbours of that limit and of 2^53.
  for (double base : {1e15, 9007199254740992.0}) {
    for (double delta = -4; delta <= 4; delta++) {
      values.push_back(base + delta);
      values.push_back(-(base + delta));
    }
  }
  for (int i = 0; i < 20000; i++) {
    const double whole = static_cast<double>(rng() >> (rng() % 64));
    values.push_back(i % 2 == 0 ? whole : -whole);
  }
  for (double d : values) {
    char buf[64];
    int n = std::snprintf(buf, sizeof(buf), "%.17g", d);
    ASSERT_EQ(FormatDouble(d), std::string(buf, static_cast<size_t>(n))) << d;
  }
  EXPECT_EQ(FormatDouble(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(FormatDouble(-std::numeric_limits<double>::infinity()), "-inf");
}

}  // namespace
}  // namespace strata::server
