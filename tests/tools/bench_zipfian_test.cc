// Tests for strata-bench's request distributions (tools/strata-bench/
// distributions.h): the zipfian generator's range and skew against the
// closed form, its incremental growth, determinism, and the uniform,
// scrambled-zipfian and latest key choosers.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "distributions.h"

namespace strata::bench {
namespace {

constexpr uint64_t kItems = 1000;
constexpr int kDraws = 1000000;

std::vector<uint64_t> Counts(ZipfianGenerator* zipf, Rng* rng, uint64_t items) {
  std::vector<uint64_t> counts(items, 0);
  for (int i = 0; i < kDraws; i++) {
    uint64_t item = zipf->Next(rng, items);
    EXPECT_LT(item, items);
    if (item < items) counts[item]++;
  }
  return counts;
}

TEST(BenchZipfianTest, ZetaMatchesItsDefinition) {
  EXPECT_DOUBLE_EQ(1.0, ZipfianGenerator::Zeta(1, 0.99));
  EXPECT_DOUBLE_EQ(1.0 + std::pow(0.5, 0.99), ZipfianGenerator::Zeta(2, 0.99));
}

TEST(BenchZipfianTest, FrequenciesFollowZipfsLaw) {
  ZipfianGenerator zipf(kItems);
  Rng rng(1);
  std::vector<uint64_t> counts = Counts(&zipf, &rng, kItems);
  // P(rank i) = 1 / ((i + 1)^theta * zeta(n)). Gray's method draws ranks 0
  // and 1 exactly and approximates the tail (as YCSB's generator does), so
  // the first two are held to 3% and the next few to 25%.
  for (uint64_t i = 0; i < 5; i++) {
    double expected = kDraws / (std::pow(static_cast<double>(i + 1), 0.99) * zipf.zeta());
    double tolerance = i < 2 ? 0.03 : 0.25;
    EXPECT_NEAR(expected, static_cast<double>(counts[i]), expected * tolerance) << "rank " << i;
  }
  // Skew: the top 1% of items draws far more than 1% of requests.
  uint64_t top = 0;
  for (uint64_t i = 0; i < kItems / 100; i++) top += counts[i];
  EXPECT_GT(static_cast<double>(top) / kDraws, 0.3);
  EXPECT_GT(counts[0], counts[1]);
  EXPECT_GT(counts[1], counts[10]);
  EXPECT_GT(counts[10], counts[500]);
}

TEST(BenchZipfianTest, SameSeedSameSequence) {
  ZipfianGenerator a(kItems), b(kItems);
  Rng ra(42), rb(42);
  for (int i = 0; i < 1000; i++) ASSERT_EQ(a.Next(&ra), b.Next(&rb));
}

TEST(BenchZipfianTest, GrowingMatchesBuildingAtTheLargerSize) {
  ZipfianGenerator grown(kItems);
  Rng rng(3);
  (void)grown.Next(&rng, 2 * kItems);
  ZipfianGenerator built(2 * kItems);
  EXPECT_NEAR(built.zeta(), grown.zeta(), 1e-9);
  EXPECT_EQ(2 * kItems, grown.item_count());
}

TEST(BenchZipfianTest, SingleItemAlwaysDrawsIt) {
  ZipfianGenerator zipf(1);
  Rng rng(5);
  for (int i = 0; i < 100; i++) ASSERT_EQ(0u, zipf.Next(&rng));
}

TEST(BenchZipfianTest, UniformChooserCoversTheRangeEvenly) {
  KeyChooser chooser(Distribution::kUniform, kItems);
  Rng rng(9);
  std::vector<uint64_t> counts(kItems, 0);
  for (int i = 0; i < kDraws; i++) counts[chooser.Next(&rng, kItems)]++;
  double expected = static_cast<double>(kDraws) / kItems;
  for (uint64_t c : counts) ASSERT_NEAR(expected, static_cast<double>(c), expected * 0.25);
}

TEST(BenchZipfianTest, ScrambledZipfianSpreadsHotKeys) {
  KeyChooser chooser(Distribution::kZipfian, kItems);
  Rng rng(11);
  std::vector<uint64_t> counts(kItems, 0);
  for (int i = 0; i < kDraws; i++) counts[chooser.Next(&rng, kItems)]++;
  // The hottest key is the hash of rank 0, not key 0, and the skew survives.
  uint64_t hottest = 0;
  for (uint64_t i = 1; i < kItems; i++) {
    if (counts[i] > counts[hottest]) hottest = i;
  }
  EXPECT_EQ(FnvHash64(0) % kItems, hottest);
  EXPECT_GT(static_cast<double>(counts[hottest]) / kDraws, 0.05);
  // Hot keys are not bunched at the start of the key space.
  uint64_t first_tenth = 0;
  for (uint64_t i = 0; i < kItems / 10; i++) first_tenth += counts[i];
  EXPECT_LT(static_cast<double>(first_tenth) / kDraws, 0.5);
}

TEST(BenchZipfianTest, LatestFavoursTheNewestItems) {
  KeyChooser chooser(Distribution::kLatest, kItems);
  Rng rng(13);
  uint64_t newest = 0, in_range = 0;
  for (int i = 0; i < 100000; i++) {
    uint64_t items = kItems + static_cast<uint64_t>(i / 100);  // inserts grow the key space
    uint64_t item = chooser.Next(&rng, items);
    ASSERT_LT(item, items);
    if (item == items - 1) newest++;
    if (item + 10 >= items) in_range++;
  }
  EXPECT_GT(newest, 10000u);    // rank 0 alone draws ~13%
  EXPECT_GT(in_range, 30000u);  // the 10 newest draw about 39%
}

TEST(BenchZipfianTest, DistributionNamesRoundTrip) {
  for (Distribution d : {Distribution::kUniform, Distribution::kZipfian, Distribution::kLatest}) {
    Distribution parsed;
    ASSERT_TRUE(ParseDistribution(DistributionName(d), &parsed));
    EXPECT_EQ(d, parsed);
  }
  Distribution unused;
  EXPECT_FALSE(ParseDistribution("hotspot", &unused));
}

}  // namespace
}  // namespace strata::bench
