// Comparator: the order of user keys. Every layer that orders keys (memtable,
// tables, their indexes, compaction, iterators, the tools) goes through the
// database's one Comparator, so a custom order is honoured everywhere.
//
// The comparator's Name() is stored in the MANIFEST when a database is
// created; opening it later with a comparator of another name fails with
// InvalidArgument, because the files on disk are sorted in the old order.
// Change the name whenever the order changes.
//
// Thread-safety: a Comparator is called from many threads at once, so its
// methods must be safe for concurrent use (const and free of shared mutable
// state). It must outlive every DB that uses it.

#ifndef STRATA_COMPARATOR_H_
#define STRATA_COMPARATOR_H_

#include <string>
#include <string_view>

#include "strata/export.h"

namespace strata {

class STRATA_EXPORT Comparator {
 public:
  virtual ~Comparator();

  // <0 if a sorts before b, 0 if they are the same key, >0 if after. Must be
  // a strict total order, consistent across runs of the program.
  virtual int Compare(std::string_view a, std::string_view b) const = 0;

  // A name that identifies the order, e.g. "myapp.NumericComparator-v1".
  // Names starting with "strata." are reserved.
  virtual const char* Name() const = 0;

  // Index-size helpers; leaving the arguments unchanged is always correct.
  // If *start < limit, may change *start to a shorter string in
  // [*start, limit).
  virtual void FindShortestSeparator(std::string* start, std::string_view limit) const = 0;
  // May change *key to a shorter string >= *key.
  virtual void FindShortSuccessor(std::string* key) const = 0;
};

// The default order: keys compared as unsigned bytes, lexicographically
// (a prefix sorts first). Name "strata.BytewiseComparator". The engine's fast
// paths are built for this order. The result is a singleton: never delete it.
STRATA_EXPORT const Comparator* BytewiseComparator();

}  // namespace strata

#endif  // STRATA_COMPARATOR_H_
