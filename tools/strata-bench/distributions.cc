// Request distributions: see distributions.h.

#include "distributions.h"

#include <cassert>
#include <cmath>

namespace strata::bench {

bool ParseDistribution(std::string_view name, Distribution* distribution) {
  if (name == "uniform") {
    *distribution = Distribution::kUniform;
  } else if (name == "zipfian") {
    *distribution = Distribution::kZipfian;
  } else if (name == "latest") {
    *distribution = Distribution::kLatest;
  } else {
    return false;
  }
  return true;
}

std::string_view DistributionName(Distribution distribution) {
  switch (distribution) {
    case Distribution::kUniform:
      return "uniform";
    case Distribution::kZipfian:
      return "zipfian";
    case Distribution::kLatest:
      return "latest";
  }
  return "?";
}

uint64_t FnvHash64(uint64_t value) {
  constexpr uint64_t kOffsetBasis = 0xcbf29ce484222325ull;
  constexpr uint64_t kPrime = 1099511628211ull;
  uint64_t hash = kOffsetBasis;
  for (int i = 0; i < 8; i++) {
    hash ^= value & 0xff;
    hash *= kPrime;
    value >>= 8;
  }
  return hash;
}

double ZipfianGenerator::Zeta(uint64_t n, double theta) {
  double sum = 0;
  for (uint64_t i = 1; i <= n; i++) sum += 1.0 / std::pow(static_cast<double>(i), theta);
  return sum;
}

ZipfianGenerator::ZipfianGenerator(uint64_t item_count, double theta)
    : theta_(theta),
      alpha_(1.0 / (1.0 - theta)),
      zeta_2_(Zeta(2, theta)),
      item_count_(item_count),
      zeta_n_(Zeta(item_count, theta)) {
  assert(item_count >= 1);
  assert(theta > 0 && theta < 1);
  eta_ =
      (1 - std::pow(2.0 / static_cast<double>(item_count_), 1 - theta_)) / (1 - zeta_2_ / zeta_n_);
}

void ZipfianGenerator::Grow(uint64_t item_count) {
  for (uint64_t i = item_count_ + 1; i <= item_count; i++) {
    zeta_n_ += 1.0 / std::pow(static_cast<double>(i), theta_);
  }
  item_count_ = item_count;
  eta_ =
      (1 - std::pow(2.0 / static_cast<double>(item_count_), 1 - theta_)) / (1 - zeta_2_ / zeta_n_);
}

uint64_t ZipfianGenerator::Next(Rng* rng, uint64_t item_count) {
  assert(item_count >= item_count_);
  if (item_count > item_count_) Grow(item_count);
  double u = rng->NextDouble();
  double uz = u * zeta_n_;
  if (uz < 1.0) return 0;
  if (uz < 1.0 + std::pow(0.5, theta_)) return item_count_ > 1 ? 1 : 0;
  auto item = static_cast<uint64_t>(static_cast<double>(item_count_) *
                                    std::pow(eta_ * u - eta_ + 1, alpha_));
  return item < item_count_ ? item : item_count_ - 1;
}

KeyChooser::KeyChooser(Distribution distribution, uint64_t item_count)
    : distribution_(distribution),
      zipfian_(distribution == Distribution::kUniform ? 1 : item_count) {}

uint64_t KeyChooser::Next(Rng* rng, uint64_t item_count) {
  switch (distribution_) {
    case Distribution::kUniform:
      return rng->Uniform(item_count);
    case Distribution::kZipfian:
      // Scrambled: hash the rank so the hot items are spread over the key
      // space instead of being its first keys (which would share blocks).
      return FnvHash64(zipfian_.Next(rng, item_count)) % item_count;
    case Distribution::kLatest:
      // Rank 0 is the newest item.
      return item_count - 1 - zipfian_.Next(rng, item_count);
  }
  return 0;
}

}  // namespace strata::bench
