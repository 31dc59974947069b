// Tests for strata-bench's latency Histogram (tools/strata-bench/histogram.h):
// the log-linear bucket layout, exact min/max/mean, percentiles within a
// bucket's width of the truth, and Merge.

#include "histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

namespace strata::bench {
namespace {

TEST(BenchHistogramTest, EmptyHistogramReportsZero) {
  Histogram h;
  EXPECT_EQ(0u, h.count());
  EXPECT_EQ(0u, h.min());
  EXPECT_EQ(0u, h.max());
  EXPECT_EQ(0.0, h.Mean());
  EXPECT_EQ(0.0, h.Percentile(0.5));
}

TEST(BenchHistogramTest, BucketsCoverEveryValueContiguously) {
  EXPECT_EQ(0, Histogram::BucketFor(0));
  EXPECT_EQ(15, Histogram::BucketFor(15));
  EXPECT_EQ(16, Histogram::BucketFor(16));
  EXPECT_EQ(Histogram::kNumBuckets - 1, Histogram::BucketFor(UINT64_MAX));
  for (int b = 0; b + 1 < Histogram::kNumBuckets; b++) {
    ASSERT_EQ(Histogram::BucketHigh(b), Histogram::BucketLow(b + 1)) << b;
    ASSERT_LT(Histogram::BucketLow(b), Histogram::BucketHigh(b)) << b;
    ASSERT_EQ(b, Histogram::BucketFor(Histogram::BucketLow(b))) << b;
    ASSERT_EQ(b, Histogram::BucketFor(Histogram::BucketHigh(b) - 1)) << b;
  }
}

TEST(BenchHistogramTest, BucketsAreNarrowRelativeToTheirValues) {
  for (int b = Histogram::kSubBuckets; b + 1 < Histogram::kNumBuckets; b++) {
    double low = static_cast<double>(Histogram::BucketLow(b));
    double width = static_cast<double>(Histogram::BucketHigh(b)) - low;
    ASSERT_LE(width / low, 1.0 / Histogram::kSubBuckets + 1e-12) << b;
  }
}

TEST(BenchHistogramTest, ExactMinMaxAndMean) {
  Histogram h;
  for (uint64_t v : {5, 1000, 123456, 7}) h.Add(v);
  EXPECT_EQ(4u, h.count());
  EXPECT_EQ(5u, h.min());
  EXPECT_EQ(123456u, h.max());
  EXPECT_DOUBLE_EQ((5 + 1000 + 123456 + 7) / 4.0, h.Mean());
  EXPECT_EQ(5.0, h.Percentile(0));
  EXPECT_EQ(123456.0, h.Percentile(1));
}

TEST(BenchHistogramTest, SingleValueIsEveryPercentile) {
  Histogram h;
  for (int i = 0; i < 100; i++) h.Add(4321);
  EXPECT_EQ(4321.0, h.Percentile(0.5));
  EXPECT_EQ(4321.0, h.Percentile(0.999));
}

TEST(BenchHistogramTest, PercentilesOfUniformValuesAreWithinABucket) {
  Histogram h;
  for (uint64_t v = 1; v <= 100000; v++) h.Add(v);
  for (double p : {0.5, 0.9, 0.99, 0.999}) {
    double truth = p * 100000;
    EXPECT_NEAR(truth, h.Percentile(p), truth / Histogram::kSubBuckets) << p;
  }
}

TEST(BenchHistogramTest, PercentilesOfLogNormalValuesMatchSorting) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(8.0, 1.5);
  std::vector<uint64_t> values;
  Histogram h;
  for (int i = 0; i < 200000; i++) {
    auto v = static_cast<uint64_t>(dist(rng));
    values.push_back(v);
    h.Add(v);
  }
  std::sort(values.begin(), values.end());
  for (double p : {0.5, 0.99, 0.999}) {
    double truth = static_cast<double>(values[static_cast<size_t>(p * (values.size() - 1))]);
    EXPECT_NEAR(truth, h.Percentile(p), truth * 0.07) << p;
  }
}

TEST(BenchHistogramTest, MergeEqualsAddingEverything) {
  Histogram a, b, all;
  for (uint64_t v = 0; v < 5000; v++) {
    (v % 3 == 0 ? a : b).Add(v * 17);
    all.Add(v * 17);
  }
  a.Merge(b);
  EXPECT_EQ(all.count(), a.count());
  EXPECT_EQ(all.min(), a.min());
  EXPECT_EQ(all.max(), a.max());
  EXPECT_DOUBLE_EQ(all.Mean(), a.Mean());
  for (double p : {0.1, 0.5, 0.99}) EXPECT_DOUBLE_EQ(all.Percentile(p), a.Percentile(p));
}

TEST(BenchHistogramTest, MergingAnEmptyHistogramChangesNothing) {
  Histogram a, empty;
  a.Add(10);
  a.Add(20);
  a.Merge(empty);
  EXPECT_EQ(2u, a.count());
  EXPECT_EQ(10u, a.min());
  EXPECT_EQ(20u, a.max());
}

// Buckets and Restore carry a histogram from an engine process to the
// parent (report/runs_json.cc): what comes back reports the same figures.
TEST(BenchHistogramTest, RestoreFromBucketsGivesTheSameHistogram) {
  Histogram original;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 10000; i++) original.Add(rng() % 5000000);
  Histogram copy;
  copy.Add(42);  // replaced, not added to
  copy.Restore(original.Buckets(), original.min(), original.max(), original.sum());
  EXPECT_EQ(original.count(), copy.count());
  EXPECT_EQ(original.min(), copy.min());
  EXPECT_EQ(original.max(), copy.max());
  EXPECT_DOUBLE_EQ(original.Mean(), copy.Mean());
  for (double p : {0.0, 0.5, 0.9, 0.99, 0.999, 1.0}) {
    EXPECT_DOUBLE_EQ(original.Percentile(p), copy.Percentile(p)) << p;
  }
  EXPECT_EQ(original.Buckets(), copy.Buckets());

  Histogram empty;
  copy.Restore(empty.Buckets(), empty.min(), empty.max(), empty.sum());
  EXPECT_EQ(0u, copy.count());
  EXPECT_EQ(0u, copy.min());
  EXPECT_EQ(0.0, copy.Percentile(0.5));
}

}  // namespace
}  // namespace strata::bench
