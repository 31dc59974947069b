// DBIter: the user's iterator. It turns a merged stream of internal keys
// (every version of every key, tombstones included) into the user's view at
// one sequence number: for each user key, the newest version at or below
// the sequence, skipped if that version is a tombstone or is covered by a
// visible range tombstone (one with a larger sequence number, at or below
// the iterator's).
//
// Thread-safety: not thread-safe, like every iterator.

#ifndef STRATA_LSM_DB_ITER_H_
#define STRATA_LSM_DB_ITER_H_

#include <functional>
#include <memory>
#include <string_view>

#include "rangedel/fragmented_range_tombstones.h"
#include "strata/iterator.h"
#include "util/internal_key.h"
#include "util/iterate_bounds.h"

namespace strata {

// Told of one user key the iterator read, about once per MiB of keys and
// values it reads (at random intervals, LevelDB's read sampling), so that
// reads can trigger compactions (Version::RecordReadSample).
using ReadSampler = std::function<void(std::string_view user_key)>;

// `internal` yields internal keys in comparator's order. `pin` is kept
// alive as long as the iterator (the memtables and tables `internal` reads).
// The iterator yields only user keys within `bounds` (see IterateBounds),
// and stops reading `internal` at the first key past them. range_del
// (nullptr or empty: no range tombstones) must be at `sequence`. sampler
// (may be empty) must stay callable while the iterator lives.
std::unique_ptr<Iterator> NewDBIterator(const InternalKeyComparator& comparator,
                                        std::unique_ptr<Iterator> internal, SequenceNumber sequence,
                                        std::shared_ptr<const void> pin, IterateBounds bounds = {},
                                        std::unique_ptr<RangeDelChecker> range_del = nullptr,
                                        ReadSampler sampler = nullptr);

}  // namespace strata

#endif  // STRATA_LSM_DB_ITER_H_
