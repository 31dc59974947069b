// FragmentedRangeTombstones: a set of range tombstones cut into
// non-overlapping fragments, for lookups by binary search.
//
// Tombstones may overlap in any way. The fragmenter cuts the key space at
// every tombstone's begin and end; each piece [begin, end) covered by at
// least one tombstone becomes a fragment that lists the sequence numbers of
// every tombstone covering it. "Is (key, seq) deleted at snapshot s?" is then
// one binary search over fragments and one over the fragment's sequence
// numbers, however many tombstones overlap (RocksDB's
// FragmentedRangeTombstoneList and Pebble's keyspan fragmenter have the same
// shape).
//
// Invariants:
//  1. Fragments are sorted by begin, do not overlap, and each has begin < end
//     (in the comparator's user-key order).
//  2. Each fragment's seqs are distinct and sorted descending, never empty.
//  3. The union of fragments, each with its seqs, deletes exactly what the
//     input tombstones delete.
//
// Thread-safety: immutable after construction; any number of threads may
// read one concurrently. RangeDelChecker is used by one thread at a time.

#ifndef STRATA_RANGEDEL_FRAGMENTED_RANGE_TOMBSTONES_H_
#define STRATA_RANGEDEL_FRAGMENTED_RANGE_TOMBSTONES_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rangedel/range_tombstone.h"
#include "strata/iterator.h"
#include "util/internal_key.h"

namespace strata {

class FragmentedRangeTombstones {
 public:
  struct Fragment {
    std::string begin;                 // inclusive
    std::string end;                   // exclusive
    std::vector<SequenceNumber> seqs;  // descending, distinct
  };

  // Fragments tombstones (any order; those with begin >= end are dropped).
  FragmentedRangeTombstones(const InternalKeyComparator& comparator,
                            std::vector<RangeTombstone> tombstones);
  // ends_ views end_keys_, which a move could relocate (a short string).
  FragmentedRangeTombstones(const FragmentedRangeTombstones&) = delete;
  FragmentedRangeTombstones& operator=(const FragmentedRangeTombstones&) = delete;

  bool empty() const { return fragments_.empty(); }
  const std::vector<Fragment>& fragments() const { return fragments_; }
  // The largest sequence number of any tombstone; 0 if none.
  SequenceNumber max_seq() const { return max_seq_; }
  const InternalKeyComparator& comparator() const { return comparator_; }

  // The index of the first fragment whose end is above user_key (the one
  // covering it, if any covers it); fragments().size() if none.
  size_t FirstEndingAfter(std::string_view user_key) const;

  // The largest sequence number <= snapshot among tombstones covering
  // user_key; 0 if none (sequence numbers of writes start at 1).
  SequenceNumber MaxCoveringSeq(std::string_view user_key, SequenceNumber snapshot) const;

  // The largest of a fragment's seqs that is <= snapshot; 0 if none.
  static SequenceNumber VisibleSeq(const Fragment& fragment, SequenceNumber snapshot);

  // Whether the version (user_key, seq) is deleted for every reader that can
  // see it, so a flush or compaction may drop it: a tombstone covers
  // user_key with a seq T > seq, and no live snapshot lies in [seq, T) (the
  // snapshots, ascending, cut sequence numbers into stripes; seq and T fall
  // in the same one). A snapshot that sees the version but not the
  // tombstone keeps it.
  bool DeletesForEveryReader(std::string_view user_key, SequenceNumber seq,
                             const std::vector<SequenceNumber>& snapshots) const;

  // Every (fragment, seq) as one tombstone, sorted by (begin, seq
  // descending): the internal-key order a range-deletion block needs.
  std::vector<RangeTombstone> ToTombstones() const;

 private:
  InternalKeyComparator comparator_;
  std::vector<Fragment> fragments_;
  SequenceNumber max_seq_ = 0;
  // Every fragment's end, in order, packed in end_keys_ and viewed by ends_:
  // FirstEndingAfter's binary search (the first lookup of every new
  // iterator, over 10,000s of fragments after many DeleteRanges) reads two
  // contiguous arrays, not a heap string per probe.
  std::string end_keys_;
  std::vector<std::string_view> ends_;
};

// Answers "is this version deleted by a range tombstone?" for a reader at one
// snapshot, over several fragment lists (one per memtable and one for the
// tables of a Version). Keys usually come in order (an iterator), so for
// each list it remembers the key interval of its last answer (a fragment, or
// the gap between two) and skips the binary search while keys stay in it.
class RangeDelChecker {
 public:
  explicit RangeDelChecker(SequenceNumber snapshot) : snapshot_(snapshot) {}

  // Adds a list to consult; nullptr or an empty list is ignored. The
  // checker keeps the list alive.
  void AddList(std::shared_ptr<const FragmentedRangeTombstones> list);
  bool empty() const { return lists_.empty(); }

  // The largest tombstone seq <= snapshot covering user_key; 0 if none.
  SequenceNumber MaxCoveringSeq(std::string_view user_key);
  // True if the version (user_key, seq) is hidden by a visible tombstone.
  bool ShouldDelete(std::string_view user_key, SequenceNumber seq) {
    return !lists_.empty() && seq < MaxCoveringSeq(user_key);
  }

  // Declares that no point version the reader can meet has a sequence
  // number above seq (kMaxSequenceNumber, the default, declares nothing),
  // except those of the point sources.
  void SetMaxPointSequence(SequenceNumber seq) { max_point_seq_ = seq; }
  // Adds a source of point versions that SetMaxPointSequence's bound does
  // not cover: an iterator over internal keys (a memtable's, which holds
  // the newest writes, after the tombstones), none above max_seq. A run
  // above the sources' points too is skipped whole; otherwise it never
  // reaches past the first key a source holds at or after its start.
  void AddPointSource(std::unique_ptr<Iterator> source, SequenceNumber max_seq);
  // A run of deleted keys to skip: true, with *end set, if visible
  // tombstones cover [user_key, *end) without a gap, each with a seq above
  // every point version (SetMaxPointSequence), and no point source holds a
  // key in it, so every version of every key there is deleted and a reader
  // may seek to *end instead of stepping over them. The run goes on across
  // adjacent fragments and across lists (overlapping DeleteRanges cut it
  // into many fragments: stopping at the first fragment's end would cost
  // the reader one seek per fragment). A write after a DeleteRange, say,
  // does not stop runs elsewhere: it only ends the run that reaches it.
  // *end stays valid until the next call.
  bool CoveredRunEnd(std::string_view user_key, std::string_view* end);
  // CoveredRunEnd's answer as far as it can be had without seeking the
  // point sources: kRun (*end set) or kNoRun, or kAskSources when the run
  // found (its end in *end) holds a key only if a source does.
  enum class RunAnswer { kNoRun, kRun, kAskSources };
  RunAnswer CoveredRunEndWithoutSources(std::string_view user_key, std::string_view* end);

 private:
  // The answer for one list over [lo, hi); an empty view with *_unbounded
  // set means no bound on that side.
  struct Cached {
    std::shared_ptr<const FragmentedRangeTombstones> list;
    bool valid = false;
    bool lo_unbounded = false, hi_unbounded = false;
    std::string_view lo, hi;
    size_t fragment = 0;  // inside a fragment (both bounds set): its index
    SequenceNumber seq = 0;
  };
  SequenceNumber Lookup(Cached* c, std::string_view user_key) const;
  // The end of the run of this list's adjacent fragments, each with a seq
  // above `points`, that starts at a fragment covering user_key; false if
  // no such fragment covers it.
  bool RunEndInList(Cached* c, std::string_view user_key, SequenceNumber points,
                    std::string_view* end) const;
  // The same across every list: the run goes on from list to list.
  bool RunEnd(std::string_view user_key, SequenceNumber points, std::string_view* end);

  const SequenceNumber snapshot_;
  SequenceNumber max_point_seq_ = kMaxSequenceNumber;
  std::vector<Cached> lists_;
  std::vector<std::unique_ptr<Iterator>> point_sources_;
  SequenceNumber sources_max_seq_ = 0;
  std::string run_end_;  // a run's end cut short by a point source's key
};

}  // namespace strata

#endif  // STRATA_RANGEDEL_FRAGMENTED_RANGE_TOMBSTONES_H_
