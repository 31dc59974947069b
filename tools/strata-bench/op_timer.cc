// OpTimer's calibration; see op_timer.h.

#include "op_timer.h"

#include <fstream>
#include <sstream>
#include <string>

namespace strata::bench {
namespace {

// True if /proc/cpuinfo's first "flags" line lists both flags that make the
// TSC tick at one rate on every core, in every power state.
bool InvariantTsc() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("flags", 0) != 0) continue;
    std::istringstream words(line);
    bool constant = false, nonstop = false;
    for (std::string word; words >> word;) {
      constant = constant || word == "constant_tsc";
      nonstop = nonstop || word == "nonstop_tsc";
    }
    return constant && nonstop;
  }
  return false;
}

}  // namespace

void OpTimer::Calibrate() {
#if defined(__x86_64__)
  if (nanos_per_tick_ > 0.0 || !InvariantTsc()) return;
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  const uint64_t start_ticks = __rdtsc();
  Clock::time_point end = start;
  while (end - start < std::chrono::milliseconds(20)) end = Clock::now();
  const uint64_t end_ticks = __rdtsc();
  const double nanos = static_cast<double>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count());
  if (end_ticks > start_ticks)
    nanos_per_tick_ = nanos / static_cast<double>(end_ticks - start_ticks);
#endif
}

}  // namespace strata::bench
