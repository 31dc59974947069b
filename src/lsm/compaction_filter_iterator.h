// CompactionFilterIterator: applies Options::compaction_filter to a forward
// scan of internal keys (a compaction's merged input, or a memtable being
// flushed), so the loop that writes tables sees the filter's result as if it
// had been the input.
//
// Invariants (the promises of include/strata/compaction_filter.h):
//  1. The filter is asked only about the first (newest) entry of each user
//     key, and only if that entry is a value whose sequence number is above
//     the newest snapshot given at construction: no snapshot taken before
//     the scan can see it. Every other entry passes through unchanged.
//  2. kRemove turns the entry into a tombstone with the same user key and
//     sequence number (empty value), so older versions of the key, in this
//     input or in levels below it, stay hidden; the compaction loop drops the
//     tombstone by its usual rule (bottom of the tree, no snapshot older).
//     kChangeValue keeps the key and replaces the value.
//  3. A snapshot taken while the scan runs can see a filtered entry: the
//     caller must compare smallest_filtered_sequence() with the snapshots
//     that exist when it installs the result, and retry instead if one of
//     them is at or above it (FilterRacedWithSnapshot).
//
// The scan is forward only: SeekToLast and Prev are outside the contract
// (table building never moves backwards); they assert in debug builds and
// leave the iterator invalid with NotSupported otherwise.
//
// Thread-safety: one thread at a time, like every Iterator; the filter itself
// may be shared by several such iterators at once (its own contract).

#ifndef STRATA_LSM_COMPACTION_FILTER_ITERATOR_H_
#define STRATA_LSM_COMPACTION_FILTER_ITERATOR_H_

#include <memory>
#include <string>
#include <vector>

#include "strata/compaction_filter.h"
#include "strata/iterator.h"
#include "util/internal_key.h"

namespace strata {

class CompactionFilterIterator final : public Iterator {
 public:
  // snapshots: the live snapshots' sequence numbers, ascending (only the
  // last matters). REQUIRES: filter is non-null and outlives the iterator.
  CompactionFilterIterator(std::unique_ptr<Iterator> input, const CompactionFilter* filter,
                           const CompactionFilter::Context& context,
                           const std::vector<SequenceNumber>& snapshots,
                           const InternalKeyComparator& icmp);

  bool Valid() const override { return status_.ok() && input_->Valid(); }
  void SeekToFirst() override;
  void SeekToLast() override;
  void Seek(std::string_view target) override;
  void Next() override;
  void Prev() override;
  std::string_view key() const override { return rewritten_ ? key_ : input_->key(); }
  std::string_view value() const override { return rewritten_ ? value_ : input_->value(); }
  Status status() const override { return status_.ok() ? input_->status() : status_; }

  // The smallest sequence number of an entry the filter removed or changed
  // so far; kMaxSequenceNumber + 1 if none.
  SequenceNumber smallest_filtered_sequence() const { return smallest_filtered_; }

 private:
  // Runs the filter on the entry input_ is at, if invariant 1 allows.
  void FilterCurrent();
  // Starts over: the next entry begins a new user key.
  void Reset();

  const std::unique_ptr<Iterator> input_;
  const CompactionFilter* const filter_;
  const CompactionFilter::Context context_;
  const bool has_snapshots_;
  const SequenceNumber newest_snapshot_;
  const InternalKeyComparator icmp_;

  std::string current_user_key_;  // of the entry input_ is at
  bool has_current_user_key_ = false;
  bool rewritten_ = false;  // key_/value_ replace the input's entry
  std::string key_;
  std::string value_;
  std::string new_value_;  // scratch for the filter's answer
  SequenceNumber smallest_filtered_ = kMaxSequenceNumber + 1;
  Status status_;
};

// True if a snapshot in `snapshots` (ascending sequence numbers, as they are
// when a compaction or flush installs its result) can see an entry a filter
// changed, smallest_filtered being CompactionFilterIterator's
// smallest_filtered_sequence(): the result must then be thrown away and the
// work redone with that snapshot known.
inline bool FilterRacedWithSnapshot(const std::vector<SequenceNumber>& snapshots,
                                    SequenceNumber smallest_filtered) {
  return !snapshots.empty() && snapshots.back() >= smallest_filtered;
}

}  // namespace strata

#endif  // STRATA_LSM_COMPACTION_FILTER_ITERATOR_H_
