// Per-thread OS settings for the engine's own threads: a name that shows in
// top, perf and gdb, and a lower CPU priority for background work.
//
// Both are hints: a platform or sandbox that refuses them leaves the thread
// as it was, and the engine behaves the same, only scheduled differently.
//
// Thread-safety: each function acts on the calling thread only.

#ifndef STRATA_UTIL_THREAD_H_
#define STRATA_UTIL_THREAD_H_

namespace strata {

// Names the calling thread (Linux keeps the first 15 characters).
void SetCurrentThreadName(const char* name);

// Raises the calling thread's nice value by `increment` (Linux: setpriority
// on the thread id, which affects this thread alone). Lowering a priority
// needs no privilege; raising it back does, so a thread lowered stays
// lowered. Returns false if the OS refused or the platform has no
// per-thread priority. An increment <= 0 does nothing and returns true.
bool LowerCurrentThreadPriority(int increment);

// The calling thread's nice value (0 where the platform has none).
int CurrentThreadNice();

}  // namespace strata

#endif  // STRATA_UTIL_THREAD_H_
