// Histogram: see histogram.h for the bucket layout.

#include "histogram.h"

#include <algorithm>
#include <bit>
#include <limits>

namespace strata::bench {

int Histogram::BucketFor(uint64_t value) {
  if (value < kSubBuckets) return static_cast<int>(value);
  int exponent = std::bit_width(value) - 1;  // value is in [2^exponent, 2^(exponent+1))
  int sub = static_cast<int>((value >> (exponent - kSubBucketBits)) & (kSubBuckets - 1));
  return kSubBuckets + (exponent - kSubBucketBits) * kSubBuckets + sub;
}

uint64_t Histogram::BucketLow(int bucket) {
  if (bucket < kSubBuckets) return static_cast<uint64_t>(bucket);
  int exponent = (bucket - kSubBuckets) / kSubBuckets + kSubBucketBits;
  uint64_t sub = static_cast<uint64_t>((bucket - kSubBuckets) % kSubBuckets);
  return (uint64_t{1} << exponent) + (sub << (exponent - kSubBucketBits));
}

uint64_t Histogram::BucketHigh(int bucket) {
  if (bucket + 1 >= kNumBuckets) return std::numeric_limits<uint64_t>::max();
  return BucketLow(bucket + 1);
}

void Histogram::Clear() {
  count_ = 0;
  min_ = std::numeric_limits<uint64_t>::max();
  max_ = 0;
  sum_ = 0;
  buckets_.fill(0);
}

void Histogram::Add(uint64_t nanos) {
  buckets_[BucketFor(nanos)]++;
  count_++;
  min_ = std::min(min_, nanos);
  max_ = std::max(max_, nanos);
  sum_ += static_cast<double>(nanos);
}

void Histogram::Merge(const Histogram& other) {
  for (int b = 0; b < kNumBuckets; b++) buckets_[b] += other.buckets_[b];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

std::vector<std::pair<int, uint64_t>> Histogram::Buckets() const {
  std::vector<std::pair<int, uint64_t>> buckets;
  for (int b = 0; b < kNumBuckets; b++) {
    if (buckets_[b] != 0) buckets.emplace_back(b, buckets_[b]);
  }
  return buckets;
}

void Histogram::Restore(const std::vector<std::pair<int, uint64_t>>& buckets, uint64_t min,
                        uint64_t max, double sum) {
  Clear();
  for (const auto& [bucket, count] : buckets) {
    if (bucket < 0 || bucket >= kNumBuckets) continue;
    buckets_[bucket] += count;
    count_ += count;
  }
  if (count_ == 0) return;
  min_ = min;
  max_ = max;
  sum_ = sum;
}

double Histogram::Mean() const { return count_ == 0 ? 0.0 : sum_ / static_cast<double>(count_); }

double Histogram::Percentile(double p) const {
  if (count_ == 0) return 0.0;
  double threshold = static_cast<double>(count_) * std::clamp(p, 0.0, 1.0);
  double cumulative = 0;
  for (int b = 0; b < kNumBuckets; b++) {
    if (buckets_[b] == 0) continue;
    double in_bucket = static_cast<double>(buckets_[b]);
    if (cumulative + in_bucket >= threshold) {
      double low = static_cast<double>(std::max(BucketLow(b), min_));
      double high = static_cast<double>(std::min(BucketHigh(b), max_));
      double fraction = in_bucket == 0 ? 0.0 : (threshold - cumulative) / in_bucket;
      double value = low + (high - low) * fraction;
      return std::clamp(value, static_cast<double>(min_), static_cast<double>(max_));
    }
    cumulative += in_bucket;
  }
  return static_cast<double>(max_);
}

}  // namespace strata::bench
