// Internal keys: how every layer below the public API names one version of a
// user key.
//
//   internal key = user_key bytes ++ fixed64(sequence << 8 | type)
//
// The sequence number (56 bits) orders all writes; the type says whether the
// entry holds a value or is a tombstone that hides older values. Internal keys
// sort by user key ascending (bytewise, unsigned), then by sequence number
// descending, so the newest version of a key comes first and a lookup at
// snapshot S seeks to (key, S) and takes the first entry it lands on.
// docs/FORMAT.md ("Internal key") documents the same layout.
//
// Thread-safety: pure values and functions.

#ifndef STRATA_UTIL_INTERNAL_KEY_H_
#define STRATA_UTIL_INTERNAL_KEY_H_

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "strata/comparator.h"
#include "util/coding.h"

namespace strata {

using SequenceNumber = uint64_t;

// The largest sequence number: 56 bits, leaving 8 for the type.
inline constexpr SequenceNumber kMaxSequenceNumber = (uint64_t{1} << 56) - 1;

// The snapshot stripe of `seq`: the index in `snapshots` (ascending) of the
// oldest snapshot that sees a version written at seq, snapshots.size()
// standing for "now" (equivalently, how many snapshots are below seq). Two
// versions of a key in one stripe are told apart by no reader, so a flush
// or compaction keeps only the newer; a tombstone hides a version from
// every reader that sees it only when both are in one stripe.
inline size_t SnapshotStripe(const std::vector<SequenceNumber>& snapshots, SequenceNumber seq) {
  return static_cast<size_t>(std::lower_bound(snapshots.begin(), snapshots.end(), seq) -
                             snapshots.begin());
}

// On-disk: do not renumber.
//
// kTypeRangeDeletion names a range tombstone (begin, seq) -> end. It is never
// an entry of a memtable's skip list or of a data block: range tombstones
// live in their own structures (src/rangedel/, a table's range-deletion
// block), and ParseInternalKey, which checks data entries, rejects it. It
// also appears in a table's smallest/largest key in the MANIFEST, where
// (end, kMaxSequenceNumber, kTypeRangeDeletion) is the "sentinel" that
// stands for a tombstone's exclusive end: it sorts before every real entry
// of user key `end`.
enum ValueType : uint8_t {
  kTypeDeletion = 0x0,
  kTypeValue = 0x1,
  kTypeRangeDeletion = 0x2,
};
static_assert(kTypeDeletion == 0 && kTypeValue == 1 && kTypeRangeDeletion == 2,
              "value types are stored on disk");

// The type that sorts first among the data entries (values and point
// tombstones) with one user key and sequence number (larger trailers sort
// first), used to build seek targets.
inline constexpr ValueType kValueTypeForSeek = kTypeValue;

inline constexpr size_t kInternalKeyTrailerSize = 8;

inline uint64_t PackSequenceAndType(SequenceNumber seq, ValueType type) {
  assert(seq <= kMaxSequenceNumber);
  return (seq << 8) | type;
}

struct ParsedInternalKey {
  std::string_view user_key;
  SequenceNumber sequence = 0;
  ValueType type = kTypeValue;
};

inline void AppendInternalKey(std::string* dst, std::string_view user_key, SequenceNumber seq,
                              ValueType type) {
  dst->append(user_key.data(), user_key.size());
  PutFixed64(dst, PackSequenceAndType(seq, type));
}

inline std::string MakeInternalKey(std::string_view user_key, SequenceNumber seq, ValueType type) {
  std::string result;
  result.reserve(user_key.size() + kInternalKeyTrailerSize);
  AppendInternalKey(&result, user_key, seq, type);
  return result;
}

// Returns false if ikey is too short or its type is unknown.
inline bool ParseInternalKey(std::string_view ikey, ParsedInternalKey* result) {
  if (ikey.size() < kInternalKeyTrailerSize) return false;
  uint64_t trailer = DecodeFixed64(ikey.data() + ikey.size() - kInternalKeyTrailerSize);
  uint8_t type = trailer & 0xff;
  if (type > kTypeValue) return false;
  result->user_key = ikey.substr(0, ikey.size() - kInternalKeyTrailerSize);
  result->sequence = trailer >> 8;
  result->type = static_cast<ValueType>(type);
  return true;
}

// ParseInternalKey for a key that may also be a range tombstone's (a table's
// boundary in the MANIFEST, a range-deletion block's key).
inline bool ParseInternalKeyOrRangeDeletion(std::string_view ikey, ParsedInternalKey* result) {
  if (ikey.size() < kInternalKeyTrailerSize) return false;
  uint64_t trailer = DecodeFixed64(ikey.data() + ikey.size() - kInternalKeyTrailerSize);
  uint8_t type = trailer & 0xff;
  if (type > kTypeRangeDeletion) return false;
  result->user_key = ikey.substr(0, ikey.size() - kInternalKeyTrailerSize);
  result->sequence = trailer >> 8;
  result->type = static_cast<ValueType>(type);
  return true;
}

// REQUIRES: ikey.size() >= kInternalKeyTrailerSize.
inline std::string_view ExtractUserKey(std::string_view ikey) {
  assert(ikey.size() >= kInternalKeyTrailerSize);
  return ikey.substr(0, ikey.size() - kInternalKeyTrailerSize);
}

inline uint64_t ExtractTrailer(std::string_view ikey) {
  return DecodeFixed64(ikey.data() + ikey.size() - kInternalKeyTrailerSize);
}

// The order of internal keys over a user Comparator. With
// BytewiseComparator() user keys are compared inline (no virtual call): the
// default order keeps the speed it had before comparators were pluggable,
// at the cost of one predictable branch per comparison.
class InternalKeyComparator {
 public:
  // REQUIRES: user_comparator is non-null and outlives every copy.
  explicit InternalKeyComparator(const Comparator* user_comparator)
      : user_(user_comparator), bytewise_(user_comparator == BytewiseComparator()) {
    assert(user_comparator != nullptr);
  }

  const Comparator* user_comparator() const { return user_; }
  bool bytewise() const { return bytewise_; }

  // User keys in the user comparator's order (<0, 0, >0).
  int CompareUserKeys(std::string_view a, std::string_view b) const {
    if (bytewise_) [[likely]]
      return a.compare(b);
    return user_->Compare(a, b);
  }

  // User key ascending, then trailer (sequence, type) descending.
  // REQUIRES: both are at least kInternalKeyTrailerSize bytes.
  int Compare(std::string_view a, std::string_view b) const {
    // The custom order is out of line: a call here would make the bytewise
    // path save and restore registers on every comparison.
    if (!bytewise_) [[unlikely]]
      return CompareWithUserComparator(a, b);
    int r = ExtractUserKey(a).compare(ExtractUserKey(b));
    if (r != 0) return r;
    return CompareTrailers(a, b);
  }

 private:
  static int CompareTrailers(std::string_view a, std::string_view b) {
    uint64_t ta = ExtractTrailer(a);
    uint64_t tb = ExtractTrailer(b);
    if (ta > tb) return -1;
    if (ta < tb) return 1;
    return 0;
  }
  // Compare for a comparator other than BytewiseComparator() (comparator.cc).
  int CompareWithUserComparator(std::string_view a, std::string_view b) const;

  const Comparator* user_;
  bool bytewise_;  // user_ is BytewiseComparator(): compare inline
};

// A memtable lookup key for (user_key, sequence): a varint32 length followed
// by the internal key, the same shape as a memtable entry's key, so one
// buffer serves both the memtable seek and the table seek.
class LookupKey {
 public:
  LookupKey(std::string_view user_key, SequenceNumber sequence) {
    const size_t internal_size = user_key.size() + kInternalKeyTrailerSize;
    // A varint32 prefix takes at most 5 bytes.
    const size_t needed = internal_size + 5;
    char* dst = space_;
    if (needed > sizeof(space_)) {
      heap_ = std::make_unique<char[]>(needed);
      dst = heap_.get();
    }
    start_ = dst;
    dst = EncodeVarint32(dst, static_cast<uint32_t>(internal_size));
    key_start_ = dst;
    // An empty key may have no storage at all (a null data()).
    if (!user_key.empty()) std::memcpy(dst, user_key.data(), user_key.size());
    dst += user_key.size();
    EncodeFixed64(dst, PackSequenceAndType(sequence, kValueTypeForSeek));
    end_ = dst + kInternalKeyTrailerSize;
  }
  // It points into itself.
  LookupKey(const LookupKey&) = delete;
  LookupKey& operator=(const LookupKey&) = delete;

  std::string_view memtable_key() const {
    return std::string_view(start_, static_cast<size_t>(end_ - start_));
  }
  std::string_view internal_key() const {
    return std::string_view(key_start_, static_cast<size_t>(end_ - key_start_));
  }
  std::string_view user_key() const {
    return std::string_view(key_start_,
                            static_cast<size_t>(end_ - key_start_) - kInternalKeyTrailerSize);
  }

 private:
  // The length-prefixed internal key is [start_, end_): in space_ when it
  // fits (a Get allocates nothing for keys under ~100 bytes), else in heap_.
  const char* start_;
  const char* key_start_;
  const char* end_;
  std::unique_ptr<char[]> heap_;
  char space_[128];
};

}  // namespace strata

#endif  // STRATA_UTIL_INTERNAL_KEY_H_
