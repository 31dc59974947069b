// Histogram: a log-bucketed latency histogram, in nanoseconds.
//
// Buckets are log-linear (as in HdrHistogram): values below 16 get a bucket
// each, and every power of two above is split into 16 equal sub-buckets, so a
// bucket is never wider than 1/16 of its lower bound and a percentile read
// back is within about 6% of the true value (exact at the extremes: min and
// max are tracked exactly, and percentiles are clamped to them). 16 buckets
// per octave over 64 octaves is ~1000 counters (8 KiB): cheap to keep one per
// thread and Merge them at the end, which is how the benchmark uses it.
//
// Thread-safety: none; give each thread its own and Merge afterwards.

#ifndef STRATA_BENCH_HISTOGRAM_H_
#define STRATA_BENCH_HISTOGRAM_H_

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

namespace strata::bench {

class Histogram {
 public:
  static constexpr int kSubBucketBits = 4;
  static constexpr int kSubBuckets = 1 << kSubBucketBits;
  // Values below kSubBuckets have their own bucket; each octave [2^e, 2^e+1)
  // for e in [kSubBucketBits, 63] has kSubBuckets.
  static constexpr int kNumBuckets = kSubBuckets + (64 - kSubBucketBits) * kSubBuckets;

  Histogram() { Clear(); }

  void Clear();
  void Add(uint64_t nanos);
  void Merge(const Histogram& other);

  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ == 0 ? 0 : min_; }
  uint64_t max() const { return max_; }
  double Mean() const;
  // The value below which a fraction p (in [0, 1]) of the samples fall,
  // interpolated linearly inside its bucket. 0 when empty.
  double Percentile(double p) const;

  // The histogram as parts, to carry it from one process to another (the
  // engine processes' results, report/runs_json.cc): each non-empty bucket
  // with its count, in bucket order; and the reverse, which replaces this
  // histogram's contents. Restore(Buckets(), min(), max(), sum()) of a
  // histogram gives the same histogram.
  std::vector<std::pair<int, uint64_t>> Buckets() const;
  double sum() const { return sum_; }
  void Restore(const std::vector<std::pair<int, uint64_t>>& buckets, uint64_t min, uint64_t max,
               double sum);

  // The bucket holding value, and the range [BucketLow(b), BucketHigh(b)) of
  // values bucket b holds. Public for tests.
  static int BucketFor(uint64_t value);
  static uint64_t BucketLow(int bucket);
  static uint64_t BucketHigh(int bucket);

 private:
  uint64_t count_;
  uint64_t min_;
  uint64_t max_;
  double sum_;
  std::array<uint64_t, kNumBuckets> buckets_;
};

}  // namespace strata::bench

#endif  // STRATA_BENCH_HISTOGRAM_H_
