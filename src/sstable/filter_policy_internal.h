// How tables name their filter in the metaindex, and how the table layer
// recognizes the built-in bloom filter behind the public FilterPolicy
// interface (docs/FORMAT.md, "Metaindex block").
//
// Invariant: a table's filter is consulted only by a reader that understands
// it: "filter.bloom" is the built-in bloom filter (always understood);
// "filter.policy.<Name()>" is a custom policy's, used only when the reader's
// policy has that Name().
//
// Thread-safety: pure functions.

#ifndef STRATA_SSTABLE_FILTER_POLICY_INTERNAL_H_
#define STRATA_SSTABLE_FILTER_POLICY_INTERNAL_H_

#include <string>
#include <string_view>

#include "strata/filter_policy.h"

namespace strata {

// The metaindex name of the built-in bloom filter block.
inline constexpr std::string_view kBloomFilterMetaName = "filter.bloom";
// The metaindex name of a custom policy's filter block is this prefix
// followed by the policy's Name().
inline constexpr std::string_view kPolicyFilterMetaPrefix = "filter.policy.";

inline std::string PolicyFilterMetaName(const FilterPolicy& policy) {
  return std::string(kPolicyFilterMetaPrefix) + policy.Name();
}

// The bits per key of a policy made by NewBloomFilterPolicy, whose tables
// are built (and read) exactly as the built-in filter's; 0 for any other
// policy.
int BuiltinBloomBitsPerKey(const FilterPolicy& policy);

}  // namespace strata

#endif  // STRATA_SSTABLE_FILTER_POLICY_INTERNAL_H_
