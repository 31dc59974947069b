// OpTimer: the clock that times single operations for the latency histograms.
//
// Every operation is timed (so the maximum and p99.9 see every stall), which
// makes the clock part of what a short operation costs: a steady_clock read
// is ~26 ns on the benchmark VM (vDSO, TSC clocksource), two per operation,
// against ~0.1-0.2 µs for a Next. On x86-64 with an invariant TSC
// (`constant_tsc` and `nonstop_tsc` in /proc/cpuinfo) OpTimer reads the TSC
// instead (~10 ns) and converts ticks to nanoseconds with a rate calibrated
// once against steady_clock; elsewhere it reads steady_clock. Throughput
// (µs/op, ops/s) never uses it: it comes from each thread's steady_clock span.
//
// Thread-safety: Now() and Nanos() are safe from any thread once Calibrate()
// has returned; Calibrate() runs once, before the first workload.

#ifndef STRATA_TOOLS_BENCH_OP_TIMER_H_
#define STRATA_TOOLS_BENCH_OP_TIMER_H_

#include <chrono>
#include <cstdint>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace strata::bench {

class OpTimer {
 public:
  // Chooses the clock and, for the TSC, measures its rate over ~20 ms.
  static void Calibrate();

  // True when Now() reads the TSC.
  static bool UsesTsc() { return nanos_per_tick_ > 0.0; }

  // A point in time in the clock's own unit.
  static uint64_t Now() {
#if defined(__x86_64__)
    if (nanos_per_tick_ > 0.0) return __rdtsc();
#endif
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
  }

  // Nanoseconds between two Now() readings (0 if end is before start).
  static uint64_t Nanos(uint64_t start, uint64_t end) {
    if (end <= start) return 0;
    if (nanos_per_tick_ > 0.0) return static_cast<uint64_t>((end - start) * nanos_per_tick_);
    return end - start;
  }

 private:
  // 0 when Now() reads steady_clock (nanoseconds).
  static inline double nanos_per_tick_ = 0.0;
};

}  // namespace strata::bench

#endif  // STRATA_TOOLS_BENCH_OP_TIMER_H_
