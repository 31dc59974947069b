// Request distributions for the benchmark workloads, as YCSB defines them:
// uniform, zipfian (a few keys are hot), scrambled zipfian (hot keys spread
// over the key space rather than bunched at its start) and latest (the most
// recently inserted keys are hot). Each generator returns an item number in
// [0, item_count); the caller turns it into a key.
//
// ZipfianGenerator follows Gray et al., "Quickly Generating Billion-Record
// Synthetic Databases" (SIGMOD 1994), as YCSB's ZipfianGenerator does: item
// i (0-based rank) is drawn with probability 1 / ((i + 1)^theta * zeta(n)),
// theta = 0.99 by default. zeta(n) costs n pow() calls, so it is computed
// once, and extended incrementally when the item count grows (workload D's
// inserts), never recomputed from scratch.
//
// Thread-safety: none; give each thread its own generator (they are cheap to
// copy once constructed, which is how threads share the zeta computation).

#ifndef STRATA_BENCH_DISTRIBUTIONS_H_
#define STRATA_BENCH_DISTRIBUTIONS_H_

#include <cstdint>
#include <random>
#include <string_view>

namespace strata::bench {

enum class Distribution { kUniform, kZipfian, kLatest };

// "uniform", "zipfian", "latest"; false for any other name.
bool ParseDistribution(std::string_view name, Distribution* distribution);
std::string_view DistributionName(Distribution distribution);

// The benchmark's pseudo-random source: deterministic for a seed on every
// platform (std::mt19937_64 is fully specified; the std:: distributions are
// not, so they are not used).
class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  uint64_t Next() { return engine_(); }
  // Uniform in [0, n). REQUIRES: n > 0.
  uint64_t Uniform(uint64_t n) { return engine_() % n; }
  // Uniform in [0, 1).
  double NextDouble() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

 private:
  std::mt19937_64 engine_;
};

// FNV-1a over the 8 bytes of value, as YCSB scrambles item numbers.
uint64_t FnvHash64(uint64_t value);

class ZipfianGenerator {
 public:
  static constexpr double kDefaultTheta = 0.99;

  // Items [0, item_count). REQUIRES: item_count >= 1, 0 < theta < 1.
  explicit ZipfianGenerator(uint64_t item_count, double theta = kDefaultTheta);

  // An item in [0, item_count()), 0 the most likely.
  uint64_t Next(Rng* rng) { return Next(rng, item_count_); }
  // The same over [0, item_count), first extending zeta if the count grew.
  // REQUIRES: item_count >= the count given at construction.
  uint64_t Next(Rng* rng, uint64_t item_count);

  uint64_t item_count() const { return item_count_; }
  double zeta() const { return zeta_n_; }

  // sum_{i=1..n} 1 / i^theta.
  static double Zeta(uint64_t n, double theta);

 private:
  void Grow(uint64_t item_count);

  double theta_;
  double alpha_;
  double zeta_2_;
  uint64_t item_count_;
  double zeta_n_;
  double eta_;
};

// Chooses the item numbers requests go to. For kLatest, `Next` is given the
// current number of items (inserts grow it) and favours the newest.
class KeyChooser {
 public:
  KeyChooser(Distribution distribution, uint64_t item_count);

  // An item in [0, item_count). REQUIRES: item_count >= the constructor's.
  uint64_t Next(Rng* rng, uint64_t item_count);

 private:
  Distribution distribution_;
  ZipfianGenerator zipfian_;
};

}  // namespace strata::bench

#endif  // STRATA_BENCH_DISTRIBUTIONS_H_
