// CompactionFilterIterator; see compaction_filter_iterator.h. Also holds
// CompactionFilter's out-of-line destructor (its vtable's home).

#include "lsm/compaction_filter_iterator.h"

#include <cassert>
#include <exception>

namespace strata {

CompactionFilter::~CompactionFilter() = default;

CompactionFilterIterator::CompactionFilterIterator(std::unique_ptr<Iterator> input,
                                                   const CompactionFilter* filter,
                                                   const CompactionFilter::Context& context,
                                                   const std::vector<SequenceNumber>& snapshots,
                                                   const InternalKeyComparator& icmp)
    : input_(std::move(input)),
      filter_(filter),
      context_(context),
      has_snapshots_(!snapshots.empty()),
      newest_snapshot_(snapshots.empty() ? 0 : snapshots.back()),
      icmp_(icmp) {
  assert(filter_ != nullptr);
}

void CompactionFilterIterator::Reset() {
  has_current_user_key_ = false;
  rewritten_ = false;
}

void CompactionFilterIterator::SeekToFirst() {
  Reset();
  input_->SeekToFirst();
  FilterCurrent();
}

void CompactionFilterIterator::Seek(std::string_view target) {
  Reset();
  input_->Seek(target);
  FilterCurrent();
}

void CompactionFilterIterator::Next() {
  assert(Valid());
  input_->Next();
  FilterCurrent();
}

void CompactionFilterIterator::SeekToLast() {
  assert(false && "CompactionFilterIterator is forward only");
  status_ = Status::NotSupported("CompactionFilterIterator is forward only");
}

void CompactionFilterIterator::Prev() {
  assert(false && "CompactionFilterIterator is forward only");
  status_ = Status::NotSupported("CompactionFilterIterator is forward only");
}

void CompactionFilterIterator::FilterCurrent() {
  rewritten_ = false;
  if (!status_.ok() || !input_->Valid()) return;
  ParsedInternalKey ikey;
  // A malformed key passes through: the consumer reports it (compaction
  // stops with Corruption rather than drop what it cannot understand).
  if (!ParseInternalKey(input_->key(), &ikey)) return;
  if (has_current_user_key_ && icmp_.CompareUserKeys(ikey.user_key, current_user_key_) == 0) {
    return;  // an older version: never shown (invariant 1)
  }
  current_user_key_.assign(ikey.user_key);
  has_current_user_key_ = true;
  if (ikey.type != kTypeValue) return;
  if (has_snapshots_ && ikey.sequence <= newest_snapshot_) return;  // a snapshot sees it

  new_value_.clear();
  CompactionFilter::Decision decision;
  try {
    decision = filter_->Filter(context_, ikey.user_key, input_->value(), &new_value_);
  } catch (const std::exception& e) {
    status_ =
        Status::IOError(std::string("compaction filter ") + filter_->Name() + " threw", e.what());
    return;
  } catch (...) {
    status_ = Status::IOError(std::string("compaction filter ") + filter_->Name() + " threw");
    return;
  }
  switch (decision) {
    case CompactionFilter::Decision::kKeep:
      return;
    case CompactionFilter::Decision::kRemove:
      key_ = MakeInternalKey(ikey.user_key, ikey.sequence, kTypeDeletion);
      value_.clear();
      break;
    case CompactionFilter::Decision::kChangeValue:
      key_.assign(input_->key());
      value_.swap(new_value_);
      break;
    default:
      status_ = Status::InvalidArgument(std::string("compaction filter ") + filter_->Name() +
                                        " returned an unknown decision");
      return;
  }
  rewritten_ = true;
  if (ikey.sequence < smallest_filtered_) smallest_filtered_ = ikey.sequence;
}

}  // namespace strata
