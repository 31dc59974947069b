// NowMicros: a monotonic clock in microseconds, for durations and rates
// (never for wall-clock time).
//
// Thread-safety: pure function.

#ifndef STRATA_UTIL_CLOCK_H_
#define STRATA_UTIL_CLOCK_H_

#include <chrono>
#include <cstdint>

namespace strata {

inline uint64_t NowMicros() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace strata

#endif  // STRATA_UTIL_CLOCK_H_
