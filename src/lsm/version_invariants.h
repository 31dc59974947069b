// CheckVersionInvariants: the consistency checks of a Version's file set,
// run at every install when STRATA_INVARIANTS is defined (see
// util/invariants.h); an empty inline function otherwise.
//
// Invariants of a Version:
//   (1) every file's smallest internal key is <= its largest;
//   (2) level 0 is ordered newest first (file numbers strictly descending),
//       so a lookup may stop at the first file that knows the key;
//   (3) each level >= 1 is sorted by key range, and no two of its files
//       share a user key, so a lookup reads one file per level.
//
// Thread-safety: reads an immutable Version.

#ifndef STRATA_LSM_VERSION_INVARIANTS_H_
#define STRATA_LSM_VERSION_INVARIANTS_H_

#include "lsm/version_set.h"

namespace strata {

#ifdef STRATA_INVARIANTS
// Aborts, naming the broken invariant, if v breaks one.
void CheckVersionInvariants(const Version& v);
#else
inline void CheckVersionInvariants(const Version&) {}
#endif

}  // namespace strata

#endif  // STRATA_LSM_VERSION_INVARIANTS_H_
