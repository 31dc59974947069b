// MergingIterator: one ordered view over several internal-key iterators
// (memtables, tables, levels), in both directions.
//
// A binary heap over the children that are valid holds the smallest key on
// top when moving forward and the largest when moving backward. Switching
// direction re-seeks every other child around the current key, as the heap
// only orders the children on one side of it. A Seek above the current key
// while moving forward re-seeks only the children below the target. The
// heap compares each child's key as cached after its last move, so a sift
// makes no virtual call into the children.
//
// Thread-safety: not thread-safe, like every iterator.

#ifndef STRATA_LSM_MERGING_ITERATOR_H_
#define STRATA_LSM_MERGING_ITERATOR_H_

#include <memory>
#include <vector>

#include "strata/iterator.h"
#include "util/internal_key.h"

namespace strata {

// Keys are internal keys, ordered by comparator (every child in that order).
std::unique_ptr<Iterator> NewMergingIterator(const InternalKeyComparator& comparator,
                                             std::vector<std::unique_ptr<Iterator>> children);

}  // namespace strata

#endif  // STRATA_LSM_MERGING_ITERATOR_H_
