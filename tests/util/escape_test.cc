// EscapeBytes and UnescapeBytes (include/strata/escape.h): every byte
// string survives the round trip, and bad escapes are rejected.

#include <gtest/gtest.h>

#include <string>

#include "strata/escape.h"

namespace strata {
namespace {

TEST(EscapeTest, PrintableBytesStayAsTheyAre) {
  EXPECT_EQ(EscapeBytes("hello, world ~"), "hello, world ~");
  EXPECT_EQ(EscapeBytes(std::string("a\0b\n\\\xff", 6)), "a\\x00b\\x0a\\\\\\xff");
}

TEST(EscapeTest, EveryByteRoundTrips) {
  std::string all;
  for (int c = 0; c < 256; c++) all.push_back(static_cast<char>(c));
  std::string escaped = EscapeBytes(all);
  for (char c : escaped) EXPECT_TRUE(c >= 0x20 && c < 0x7f);
  std::string back;
  ASSERT_TRUE(UnescapeBytes(escaped, &back).ok());
  EXPECT_EQ(back, all);
}

TEST(EscapeTest, UnescapeAcceptsCommonForms) {
  std::string out;
  ASSERT_TRUE(UnescapeBytes("\\x4A\\x4b\\0\\t\\n\\r\\\"\\'\\\\", &out).ok());
  EXPECT_EQ(out, std::string("JK\0\t\n\r\"'\\", 9));
}

TEST(EscapeTest, UnescapeRejectsBadEscapes) {
  std::string out;
  EXPECT_TRUE(UnescapeBytes("abc\\", &out).IsInvalidArgument());
  EXPECT_TRUE(UnescapeBytes("\\x4", &out).IsInvalidArgument());
  EXPECT_TRUE(UnescapeBytes("\\xzz", &out).IsInvalidArgument());
  EXPECT_TRUE(UnescapeBytes("\\q", &out).IsInvalidArgument());
}

}  // namespace
}  // namespace strata
