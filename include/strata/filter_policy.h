// FilterPolicy: how a table summarizes its keys so that a point lookup can
// skip a table that cannot hold the key (a bloom filter by default).
//
// Each table records the Name() of the policy that built its filter. A table
// whose filter was built by a policy of another name is read without its
// filter (every lookup reads the table), never with a filter that could
// wrongly say a key is absent. Change the name whenever the filter's encoding
// changes.
//
// Filters are built over user keys. With a custom Comparator, keys that
// compare equal must produce the same filter answers (for example, filter on
// the comparator's canonical form of a key).
//
// Thread-safety: a FilterPolicy is called from many threads at once, so its
// methods must be safe for concurrent use. It must outlive every DB that uses
// it.

#ifndef STRATA_FILTER_POLICY_H_
#define STRATA_FILTER_POLICY_H_

#include <string>
#include <string_view>

#include "strata/export.h"

namespace strata {

class STRATA_EXPORT FilterPolicy {
 public:
  virtual ~FilterPolicy();

  // Identifies the filter encoding, e.g. "myapp.PrefixBloom-v1". Names
  // starting with "strata." are reserved.
  virtual const char* Name() const = 0;

  // Appends to *dst a filter for the n keys in keys[0, n). Keys are
  // distinct user keys in comparator order.
  virtual void CreateFilter(const std::string_view* keys, int n, std::string* dst) const = 0;

  // False only if key was certainly not among the keys the filter was
  // created from; true otherwise (true is always correct, just slower).
  virtual bool KeyMayMatch(std::string_view key, std::string_view filter) const = 0;
};

// The built-in bloom filter with bits_per_key bits per key (10 gives about 1%
// false positives): the same filter Options::bloom_bits_per_key builds,
// named "strata.BuiltinBloomFilter". The caller owns the result and deletes it
// after every DB using it is closed.
STRATA_EXPORT const FilterPolicy* NewBloomFilterPolicy(int bits_per_key);

}  // namespace strata

#endif  // STRATA_FILTER_POLICY_H_
