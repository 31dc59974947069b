// Peak memory of this process, as Linux reports it: VmHWM ("high water
// mark", the largest resident set size) in /proc/self/status, and the reset
// of that mark by writing "5" to /proc/self/clear_refs (Linux 4.0 and
// later), so the peak can be taken workload by workload. strata-bench runs
// each engine in a process of its own (main.cc), so the figure is the
// engine's (plus the tool's own few MiB, the same for every engine).
//
// Thread-safety: both functions may be called from any thread; the counter
// they read and reset is the whole process's.

#ifndef STRATA_BENCH_MEMORY_H_
#define STRATA_BENCH_MEMORY_H_

#include <cstdint>

namespace strata::bench {

// Resets the process's peak resident set size to its current one. False if
// the kernel does not allow it; the peak then counts from the start.
bool ResetPeakRss();

// The process's peak resident set size in bytes since it started or since
// the last ResetPeakRss; 0 if /proc/self/status cannot be read.
uint64_t PeakRssBytes();

}  // namespace strata::bench

#endif  // STRATA_BENCH_MEMORY_H_
