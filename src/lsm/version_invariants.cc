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
        // A range tombstone's exclusive end (the sentinel largest key) may
        // be the next file's first user key; otherwise user keys never
        // repeat across the files of a level.
        const int r = comparator.CompareUserKeys(ExtractUserKey(files[i - 1]->largest),
                                                 ExtractUserKey(files[i]->smallest));
        const bool sentinel = ExtractTrailer(files[i - 1]->largest) ==
                              PackSequenceAndType(kMaxSequenceNumber, kTypeRangeDeletion);
        STRATA_INVARIANT(r < 0 || (r == 0 && sentinel));
      }
    }
  }
}

}  // namespace strata

#endif  // STRATA_INVARIANTS
