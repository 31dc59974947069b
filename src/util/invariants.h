// Invariant checks: expensive consistency checks compiled in only when
// STRATA_INVARIANTS is defined (the CMake option of that name, OFF by
// default, ON in the sanitizer builds: make sanitize-asan, sanitize-tsan).
//
//   STRATA_INVARIANT(comparator.Compare(prev, key) < 0);
//
// A broken invariant prints the condition and where, then aborts. Unlike
// assert, the checks may cost more than the code they guard (walking a whole
// level, re-reading a neighbour), which is why they have their own switch.
// A check only reads: it never changes which code path runs, so a build
// with checks behaves exactly as one without. Without the switch the
// condition is not evaluated.
//
// The checks of one component's invariants live beside it as functions
// named Check...Invariants (e.g. CheckVersionInvariants in
// lsm/version_invariants.h), built on this macro.
//
// Thread-safety: the macro evaluates its condition on the calling thread.

#ifndef STRATA_UTIL_INVARIANTS_H_
#define STRATA_UTIL_INVARIANTS_H_

namespace strata {

#ifdef STRATA_INVARIANTS
inline constexpr bool kInvariantChecks = true;
#else
inline constexpr bool kInvariantChecks = false;
#endif

// Prints "invariant failed: <condition> at <file>:<line>" to stderr and
// aborts.
[[noreturn]] void InvariantFailed(const char* condition, const char* file, int line);

}  // namespace strata

#ifdef STRATA_INVARIANTS
#define STRATA_INVARIANT(cond) \
  ((cond) ? static_cast<void>(0) : ::strata::InvariantFailed(#cond, __FILE__, __LINE__))
#else
#define STRATA_INVARIANT(cond) static_cast<void>(0)
#endif

#endif  // STRATA_UTIL_INVARIANTS_H_
