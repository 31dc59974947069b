// Tests for block compression (sstable/compression.h): round trips for each
// algorithm, the stored forms, and damaged input giving Corruption.

#include "sstable/compression.h"

#include <gtest/gtest.h>

#include <string>

#include "util/coding.h"
#include "util/random.h"

namespace strata {
namespace {

const CompressionType kCompressed[] = {kSnappyCompression, kLZ4Compression, kZstdCompression};

std::vector<std::string> Inputs() {
  Random rnd(1);
  std::string random(100000, '\0');
  for (char& c : random) c = static_cast<char>(rnd.Uniform(256));
  std::string text;
  while (text.size() < 100000) text += "the quick brown fox " + std::to_string(text.size() % 97);
  return {"", "a", std::string(1 << 20, '\0'), random, text};
}

TEST(CompressionTest, RoundTrip) {
  for (CompressionType type : kCompressed) {
    for (const std::string& raw : Inputs()) {
      std::string stored, back;
      ASSERT_TRUE(CompressBlock(type, raw, &stored));
      Status s = UncompressBlock(type, stored, &back);
      ASSERT_TRUE(s.ok()) << CompressionTypeName(type) << ": " << s.ToString();
      ASSERT_EQ(raw, back);
    }
  }
  std::string back;
  ASSERT_TRUE(UncompressBlock(kNoCompression, "as is", &back).ok());
  EXPECT_EQ("as is", back);
}

TEST(CompressionTest, HighlyCompressibleInputShrinks) {
  const std::string zeros(1 << 20, '\0');
  for (CompressionType type : kCompressed) {
    std::string stored;
    ASSERT_TRUE(CompressBlock(type, zeros, &stored));
    EXPECT_LT(stored.size(), zeros.size() / 20) << CompressionTypeName(type);
  }
}

TEST(CompressionTest, LZ4StoresTheRawLengthFirst) {
  std::string stored;
  ASSERT_TRUE(CompressBlock(kLZ4Compression, std::string(300, 'z'), &stored));
  std::string_view in(stored);
  uint32_t raw_size = 0;
  ASSERT_TRUE(GetVarint32(&in, &raw_size));
  EXPECT_EQ(300u, raw_size);
}

TEST(CompressionTest, Names) {
  for (CompressionType type :
       {kNoCompression, kSnappyCompression, kLZ4Compression, kZstdCompression}) {
    CompressionType back;
    ASSERT_TRUE(CompressionTypeFromName(CompressionTypeName(type), &back));
    EXPECT_EQ(type, back);
  }
  EXPECT_EQ("lz4", CompressionTypeName(kLZ4Compression));
  CompressionType unused;
  EXPECT_FALSE(CompressionTypeFromName("gzip", &unused));
  EXPECT_TRUE(IsValidCompressionType(3));
  EXPECT_FALSE(IsValidCompressionType(4));
}

// Truncations and flipped bytes give Corruption or, when the damage happens
// to decode, some output; never a crash or an out-of-bounds access (ASan).
TEST(CompressionTest, DamagedInputIsCorruptionNotACrash) {
  std::string text;
  while (text.size() < 5000) text += "block " + std::to_string(text.size());
  for (CompressionType type : kCompressed) {
    std::string stored;
    ASSERT_TRUE(CompressBlock(type, text, &stored));
    std::string out;
    for (size_t n = 0; n < stored.size(); n += 1 + n / 4) {
      Status s = UncompressBlock(type, std::string_view(stored).substr(0, n), &out);
      EXPECT_TRUE(s.IsCorruption()) << CompressionTypeName(type) << " truncated to " << n;
    }
    for (size_t pos = 0; pos < stored.size(); pos++) {
      std::string bad = stored;
      bad[pos] ^= 0x5a;
      Status s = UncompressBlock(type, bad, &out);
      EXPECT_TRUE(s.ok() || s.IsCorruption());
    }
  }
}

// A damaged length header claiming gigabytes is refused before allocating.
TEST(CompressionTest, ImplausibleLengthsAreRefused) {
  std::string lz4;
  PutVarint32(&lz4, 0x7fffffff);
  lz4 += "tiny";
  std::string out;
  EXPECT_TRUE(UncompressBlock(kLZ4Compression, lz4, &out).IsCorruption());
  std::string snappy;
  PutVarint32(&snappy, 0xfffffff0);  // snappy's header is the same varint32
  snappy += "tiny";
  EXPECT_TRUE(UncompressBlock(kSnappyCompression, snappy, &out).IsCorruption());
  EXPECT_TRUE(UncompressBlock(kZstdCompression, "not a zstd frame", &out).IsCorruption());
}

// Block buffers: a fitting one is reused; otherwise the new one is sized to
// the block, never std::string's doubling, so a cached block's memory stays
// near its charge.
TEST(CompressionTest, SizeBlockBufferReusesAFitAndNeverDoubles) {
  auto within = [](const std::string& b, size_t n) {
    return b.size() == n && b.capacity() >= n && b.capacity() <= n + n / 8 + 256;
  };
  std::string buffer;
  SizeBlockBuffer(&buffer, 4100);
  EXPECT_TRUE(within(buffer, 4100)) << buffer.capacity();

  const char* bytes = buffer.data();
  SizeBlockBuffer(&buffer, 4200);  // fits the rounded-up capacity: reused
  EXPECT_EQ(bytes, buffer.data());
  EXPECT_TRUE(within(buffer, 4200)) << buffer.capacity();

  SizeBlockBuffer(&buffer, 5000);  // too small: a fresh one, not 2x
  EXPECT_TRUE(within(buffer, 5000)) << buffer.capacity();

  std::string big;
  big.reserve(100000);
  SizeBlockBuffer(&big, 4000);  // far too large: replaced
  EXPECT_TRUE(within(big, 4000)) << big.capacity();

  // Uncompressing into a reused buffer gives the block's bytes, whatever the
  // buffer held.
  std::string raw(4000, 'x');
  for (size_t i = 0; i < raw.size(); i += 7) raw[i] = static_cast<char>(i);
  std::string stored;
  ASSERT_TRUE(CompressBlock(kSnappyCompression, raw, &stored));
  std::string out(4100, 'z');
  ASSERT_TRUE(UncompressBlock(kSnappyCompression, stored, &out).ok());
  EXPECT_EQ(raw, out);
  std::string plain(5000, 'z');
  ASSERT_TRUE(UncompressBlock(kNoCompression, raw, &plain).ok());
  EXPECT_EQ(raw, plain);
}

}  // namespace
}  // namespace strata
