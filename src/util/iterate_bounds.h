// IterateBounds: an iterator's user-key bounds [lower, upper) from
// ReadOptions::iterate_lower_bound and iterate_upper_bound, and the tests
// every layer of the read side makes with them: DBIter stops at them, the
// version skips level-0 tables outside them, LevelIterator skips deeper
// tables, and a table's TwoLevelIterator stops before a data block wholly
// past them. All of them compare here, in one place, in the order of the
// DB's user comparator (Options::comparator).
//
// Invariant: a bound that is nullptr is no bound; the views the bounds point
// to, and the comparator, outlive the iterator (the caller's promise in
// ReadOptions and Options).
//
// Thread-safety: a plain value; its methods are pure.

#ifndef STRATA_UTIL_ITERATE_BOUNDS_H_
#define STRATA_UTIL_ITERATE_BOUNDS_H_

#include <string_view>

#include "strata/options.h"
#include "util/internal_key.h"

namespace strata {

struct IterateBounds {
  // No bounds.
  IterateBounds() : comparator(BytewiseComparator()) {}
  // options' bounds, in comparator's order (the DB's user comparator).
  IterateBounds(const ReadOptions& options, const InternalKeyComparator& comparator)
      : lower(options.iterate_lower_bound),
        upper(options.iterate_upper_bound),
        comparator(comparator.user_comparator()) {}

  bool empty() const { return lower == nullptr && upper == nullptr; }

  // The one comparison of user keys the bounds make (see the file comment).
  int Compare(std::string_view a, std::string_view b) const {
    return comparator.CompareUserKeys(a, b);
  }

  // user_key < *lower: before the range.
  bool BelowLower(std::string_view user_key) const {
    return lower != nullptr && Compare(user_key, *lower) < 0;
  }
  // user_key >= *upper: after the range.
  bool AtOrAboveUpper(std::string_view user_key) const {
    return upper != nullptr && Compare(user_key, *upper) >= 0;
  }
  // Whether a table (or block) holding user keys [smallest, largest] may
  // hold a key in the range.
  bool Overlaps(std::string_view smallest, std::string_view largest) const {
    return !BelowLower(largest) && !AtOrAboveUpper(smallest);
  }

  const std::string_view* lower = nullptr;
  const std::string_view* upper = nullptr;
  InternalKeyComparator comparator;
};

}  // namespace strata

#endif  // STRATA_UTIL_ITERATE_BOUNDS_H_
