// Random: a small, fast, deterministic pseudo-random generator (xorshift64*)
// for skip-list heights and tests. Not for anything security-related.
//
// Thread-safety: not thread-safe; give each thread its own.

#ifndef STRATA_UTIL_RANDOM_H_
#define STRATA_UTIL_RANDOM_H_

#include <cstdint>

namespace strata {

class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed == 0 ? 0x9e3779b97f4a7c15ull : seed) {}

  uint64_t Next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545f4914f6cdd1dull;
  }
  // Uniform in [0, n). REQUIRES: n > 0.
  uint64_t Uniform(uint64_t n) { return Next() % n; }
  // True with probability 1/n. REQUIRES: n > 0.
  bool OneIn(uint64_t n) { return Uniform(n) == 0; }

 private:
  uint64_t state_;
};

}  // namespace strata

#endif  // STRATA_UTIL_RANDOM_H_
