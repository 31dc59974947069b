// CheckVersionInvariants; see version_invariants.h.

#include "lsm/version_invariants.h"

#include "util/invariants.h"

#ifdef STRATA_INVARIANTS

namespace strata {

void CheckVersionInvariants(const Version& v) {
  const InternalKeyComparator& comparator = v.comparator();
  for (int level = 0; level < kNumLevels; level++) {
    const auto& files = v.files(level);
    for (size_t i = 0; i < files.size(); i++) {
      STRATA_INVARIANT(comparator.Compare(files[i]->smallest, files[i]->largest) <= 0);
      if (i == 0) continue;
      if (level == 0) {
        STRATA_INVARIANT(files[i - 1]->number > files[i]->number);
      } else {
        STRATA_INVARIANT(comparator.CompareUserKeys(ExtractUserKey(files[i - 1]->largest),
                                                    ExtractUserKey(files[i]->smallest)) < 0);
      }
    }
  }
}

}  // namespace strata

#endif  // STRATA_INVARIANTS
