// Tests for the varint and fixed-width codecs (util/coding.h).

#include "util/coding.h"

#include <gtest/gtest.h>

#include <limits>

namespace strata {
namespace {

TEST(CodingTest, Fixed32And64RoundTrip) {
  std::string s;
  for (uint32_t v = 0; v < 100000; v += 7) PutFixed32(&s, v);
  PutFixed64(&s, std::numeric_limits<uint64_t>::max());
  std::string_view in(s);
  for (uint32_t v = 0; v < 100000; v += 7) {
    uint32_t got;
    ASSERT_TRUE(GetFixed32(&in, &got));
    ASSERT_EQ(v, got);
  }
  uint64_t big;
  ASSERT_TRUE(GetFixed64(&in, &big));
  EXPECT_EQ(std::numeric_limits<uint64_t>::max(), big);
  EXPECT_TRUE(in.empty());
  EXPECT_FALSE(GetFixed32(&in, nullptr));
}

TEST(CodingTest, FixedIsLittleEndian) {
  std::string s;
  PutFixed32(&s, 0x04030201);
  EXPECT_EQ(std::string("\x01\x02\x03\x04", 4), s);
}

TEST(CodingTest, FixedBytesInOrderAndBack) {
  char buf[8];
  EncodeFixed64(buf, 0x0807060504030201);
  EXPECT_EQ(std::string(buf, 8), std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  EXPECT_EQ(DecodeFixed64(buf), 0x0807060504030201u);
  EXPECT_EQ(DecodeFixed32(buf + 4), 0x08070605u);
  EncodeFixed32(buf, 0xfffefdfc);
  EXPECT_EQ(std::string(buf, 4), std::string("\xfc\xfd\xfe\xff", 4));
  EXPECT_EQ(DecodeFixed32(buf), 0xfffefdfcu);
}

TEST(CodingTest, BigEndianIsMostSignificantFirstAndSortsAsTheNumbers) {
  char buf[8];
  EncodeBigEndian64(buf, 0x0102030405060708);
  EXPECT_EQ(std::string(buf, 8), std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  EXPECT_EQ(DecodeBigEndian64(buf), 0x0102030405060708u);
  EncodeBigEndian32(buf, 0xfcfdfeff);
  EXPECT_EQ(std::string(buf, 4), std::string("\xfc\xfd\xfe\xff", 4));
  EXPECT_EQ(DecodeBigEndian32(buf), 0xfcfdfeffu);
  // Byte order is numeric order: what the server's keys rely on.
  const uint64_t values[] = {
      0, 1, 255, 256, 0x00ff'ffff'ffff'ffff, uint64_t{1} << 63, UINT64_MAX - 1, UINT64_MAX};
  for (uint64_t a : values) {
    for (uint64_t b : values) {
      char ea[8], eb[8];
      EncodeBigEndian64(ea, a);
      EncodeBigEndian64(eb, b);
      const int order = std::string_view(ea, 8).compare(std::string_view(eb, 8));
      EXPECT_EQ(order < 0, a < b) << a << " " << b;
      EXPECT_EQ(order == 0, a == b) << a << " " << b;
    }
  }
}

TEST(CodingTest, Varint64RoundTripAtEveryWidth) {
  std::vector<uint64_t> values = {0, 1, 127, 128, 255, 16383, 16384};
  for (int shift = 0; shift < 64; shift++) {
    values.push_back(uint64_t{1} << shift);
    values.push_back((uint64_t{1} << shift) - 1);
  }
  std::string s;
  for (uint64_t v : values) PutVarint64(&s, v);
  std::string_view in(s);
  for (uint64_t v : values) {
    uint64_t got;
    ASSERT_TRUE(GetVarint64(&in, &got));
    ASSERT_EQ(v, got);
    ASSERT_EQ(VarintLength(v), [&] {
      std::string t;
      PutVarint64(&t, v);
      return static_cast<int>(t.size());
    }());
  }
  EXPECT_TRUE(in.empty());
}

TEST(CodingTest, Varint32RejectsOverflowAndTruncation) {
  std::string over("\xff\xff\xff\xff\x1f", 5);  // 37 bits
  std::string_view in(over);
  uint32_t v;
  EXPECT_FALSE(GetVarint32(&in, &v));
  std::string truncated("\x80\x80", 2);
  in = truncated;
  EXPECT_FALSE(GetVarint32(&in, &v));
  std::string max;
  PutVarint32(&max, std::numeric_limits<uint32_t>::max());
  in = max;
  ASSERT_TRUE(GetVarint32(&in, &v));
  EXPECT_EQ(std::numeric_limits<uint32_t>::max(), v);
}

TEST(CodingTest, LengthPrefixedIsBinarySafe) {
  std::string s;
  std::string value("a\0b\xff", 4);
  PutLengthPrefixed(&s, value);
  PutLengthPrefixed(&s, "");
  std::string_view in(s), got;
  ASSERT_TRUE(GetLengthPrefixed(&in, &got));
  EXPECT_EQ(value, got);
  ASSERT_TRUE(GetLengthPrefixed(&in, &got));
  EXPECT_TRUE(got.empty());
  EXPECT_FALSE(GetLengthPrefixed(&in, &got));
}

}  // namespace
}  // namespace strata
