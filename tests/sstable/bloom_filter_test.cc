// Tests for BloomFilterBuilder / BloomFilterReader (sstable/bloom_filter.h):
// no false negatives, a false-positive rate near theory, and rejection of
// malformed filter blocks.

#include "sstable/bloom_filter.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <cmath>
#include <string>

#include "util/coding.h"

namespace strata {
namespace {

std::string Key(uint64_t i, char tag) {
  std::string k(1, tag);
  PutFixed64(&k, i);
  return k;
}

std::unique_ptr<BloomFilterReader> Build(int bits_per_key, int n, char tag) {
  BloomFilterBuilder builder(bits_per_key);
  for (int i = 0; i < n; i++) builder.AddKey(Key(i, tag));
  std::unique_ptr<BloomFilterReader> reader;
  Status s = BloomFilterReader::Parse(builder.Finish(), &reader);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return reader;
}

TEST(BloomFilterTest, EmptyFilterMatchesNothing) {
  BloomFilterBuilder builder(10);
  std::string contents = builder.Finish();
  EXPECT_EQ(1u, contents.size());  // no lines, then k
  std::unique_ptr<BloomFilterReader> reader;
  ASSERT_TRUE(BloomFilterReader::Parse(contents, &reader).ok());
  EXPECT_FALSE(reader->KeyMayMatch("hello"));
  EXPECT_FALSE(reader->KeyMayMatch(""));
}

TEST(BloomFilterTest, ProbeCountFollowsBitsPerKey) {
  // k = round(bits_per_key * ln 2), clamped to [1, 30].
  EXPECT_EQ(7, Build(10, 100, 'a')->num_probes());
  EXPECT_EQ(1, Build(1, 100, 'a')->num_probes());
  EXPECT_EQ(14, Build(20, 100, 'a')->num_probes());
  EXPECT_EQ(30, Build(100, 100, 'a')->num_probes());
}

TEST(BloomFilterTest, SizeFollowsBitsPerKey) {
  EXPECT_EQ(100000u, Build(10, 10000, 'a')->num_bits());
  EXPECT_EQ(64u, Build(10, 1, 'a')->num_bits());    // 10 bits, raised to the minimum 64
  EXPECT_EQ(104u, Build(1, 100, 'a')->num_bits());  // 100 bits rounded up to 13 bytes
}

TEST(BloomFilterTest, NoFalseNegatives) {
  for (int bits : {1, 5, 10, 20}) {
    for (int n : {1, 2, 10, 100, 1000, 20000}) {
      auto reader = Build(bits, n, 'k');
      for (int i = 0; i < n; i++) {
        ASSERT_TRUE(reader->KeyMayMatch(Key(i, 'k')))
            << "bits=" << bits << " n=" << n << " i=" << i;
      }
    }
  }
  BloomFilterBuilder builder(10);
  const std::string binary[] = {"", std::string(1, '\0'), std::string("\xff\xff", 2),
                                std::string(10000, 'x')};
  for (const std::string& k : binary) builder.AddKey(k);
  std::unique_ptr<BloomFilterReader> reader;
  ASSERT_TRUE(BloomFilterReader::Parse(builder.Finish(), &reader).ok());
  for (const std::string& k : binary) EXPECT_TRUE(reader->KeyMayMatch(k));
}

// The measured rate over 100k absent keys is within 2x of the standard
// bloom filter's (1 - e^{-kn/m})^k.
TEST(BloomFilterTest, FalsePositiveRateNearTheory) {
  constexpr int kKeys = 10000;
  constexpr int kProbes = 100000;
  auto reader = Build(10, kKeys, 'p');
  int false_positives = 0;
  for (int i = 0; i < kProbes; i++) false_positives += reader->KeyMayMatch(Key(i, 'q'));
  const double measured = static_cast<double>(false_positives) / kProbes;
  const double k = reader->num_probes();
  const double theory =
      std::pow(1 - std::exp(-k * kKeys / static_cast<double>(reader->num_bits())), k);
  RecordProperty("measured_fp_rate", std::to_string(measured));
  RecordProperty("theoretical_fp_rate", std::to_string(theory));
  EXPECT_LT(measured, 2 * theory) << "theory " << theory;
  EXPECT_GT(measured, theory / 2) << "theory " << theory;
}

// The bit positions docs/FORMAT.md specifies, computed independently.
TEST(BloomFilterTest, LayoutMatchesTheFormatDocument) {
  const std::string keys[] = {"alpha", "beta", std::string("\0\xff", 2)};
  BloomFilterBuilder builder(10);
  for (const std::string& k : keys) builder.AddKey(k);
  const std::string filter = builder.Finish();

  const uint64_t m = 64;  // 3 keys * 10 bits = 30 bits, raised to the 64-bit minimum
  std::string expected(8, '\0');
  for (const std::string& k : keys) {
    const uint64_t h = XXH3_64bits(k.data(), k.size());
    const uint64_t b = ((h << 32) | (h >> 32)) | 1;
    for (uint64_t i = 0; i < 7; i++) {
      const uint64_t x = h + i * b;
      const auto bit = static_cast<uint64_t>((static_cast<unsigned __int128>(x) * m) >> 64);
      expected[bit / 8] = static_cast<char>(expected[bit / 8] | (1 << (bit % 8)));
    }
  }
  expected.push_back(7);
  EXPECT_EQ(expected, filter);
}

TEST(BloomFilterTest, ParseRejectsMalformedBlocks) {
  std::unique_ptr<BloomFilterReader> reader;
  EXPECT_TRUE(BloomFilterReader::Parse("", &reader).IsCorruption());
  std::string s = std::string(64, '\0') + std::string(1, '\0');  // k = 0
  EXPECT_TRUE(BloomFilterReader::Parse(s, &reader).IsCorruption());
  s = std::string(64, '\0') + std::string(1, 31);  // k = 31
  EXPECT_TRUE(BloomFilterReader::Parse(s, &reader).IsCorruption());
  s = std::string(64, '\0') + std::string(1, 30);
  EXPECT_TRUE(BloomFilterReader::Parse(s, &reader).ok());
}

}  // namespace
}  // namespace strata
