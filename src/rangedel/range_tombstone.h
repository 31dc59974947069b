// Range tombstones: "every version of a user key in [begin, end) with a
// sequence number below seq is deleted", written by DB::DeleteRange.
//
// A tombstone is stored as the internal key (begin, seq, kTypeRangeDeletion)
// with the value `end`: in a write batch (docs/FORMAT.md, "Write batch"), and
// in a table's range-deletion block ("SSTable", "Range-deletion block").
//
// Invariant: a tombstone whose begin is not below its end (in the user
// comparator's order) deletes nothing; the fragmenter drops it.
//
// Thread-safety: plain values.

#ifndef STRATA_RANGEDEL_RANGE_TOMBSTONE_H_
#define STRATA_RANGEDEL_RANGE_TOMBSTONE_H_

#include <string>
#include <string_view>

#include "util/internal_key.h"

namespace strata {

struct RangeTombstone {
  std::string begin;  // inclusive
  std::string end;    // exclusive
  SequenceNumber seq = 0;

  // The key this tombstone is stored under: (begin, seq, kTypeRangeDeletion).
  std::string InternalKey() const { return MakeInternalKey(begin, seq, kTypeRangeDeletion); }
  // The smallest internal key a table holding this tombstone must cover.
  std::string SmallestKey() const { return InternalKey(); }
  // The sentinel standing for the exclusive end: (end, kMaxSequenceNumber,
  // kTypeRangeDeletion) sorts before every entry of user key `end`, so a
  // table's largest key can name the end without claiming the key itself.
  std::string LargestKey() const {
    return MakeInternalKey(end, kMaxSequenceNumber, kTypeRangeDeletion);
  }
};

// Decodes a stored tombstone: internal_key must be (begin, seq,
// kTypeRangeDeletion); value is the end. False if it is not.
inline bool DecodeRangeTombstone(std::string_view internal_key, std::string_view value,
                                 RangeTombstone* tombstone) {
  ParsedInternalKey parsed;
  if (!ParseInternalKeyOrRangeDeletion(internal_key, &parsed) ||
      parsed.type != kTypeRangeDeletion) {
    return false;
  }
  tombstone->begin.assign(parsed.user_key);
  tombstone->end.assign(value);
  tombstone->seq = parsed.sequence;
  return true;
}

}  // namespace strata

#endif  // STRATA_RANGEDEL_RANGE_TOMBSTONE_H_
