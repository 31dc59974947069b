// DBIter; see db_iter.h.
//
// Positioning invariant:
//   forward: iter_ is at the newest visible entry of key(), which is a value;
//            key() and value() read straight from iter_.
//   reverse: iter_ is just before every entry of key() (or invalid); key()
//            and value() are copies in saved_key_ and saved_value_.
//
// Bounds: SeekToFirst seeks to the lower bound, Seek never below it, and
// SeekToLast to just before the upper bound; a walk forward ends at the first
// user key at or above the upper bound and a walk backward at the first
// below the lower one, without reading further.

#include "lsm/db_iter.h"

#include <atomic>
#include <cassert>
#include <string>

namespace strata {
namespace {

class DBIter final : public Iterator {
 public:
  DBIter(const InternalKeyComparator& comparator, std::unique_ptr<Iterator> iter,
         SequenceNumber sequence, std::shared_ptr<const void> pin, IterateBounds bounds,
         std::unique_ptr<RangeDelChecker> range_del, ReadSampler sampler)
      : comparator_(comparator),
        pin_(std::move(pin)),
        iter_(std::move(iter)),
        sequence_(sequence),
        bounds_(bounds),
        sampler_(std::move(sampler)),
        sample_rng_(NewSampleSeed()) {
    if (sampler_) bytes_until_sample_ = NextSamplePeriod();
    // Without tombstones the checker is never consulted: one null test per
    // entry is all the common case pays.
    if (range_del != nullptr && !range_del->empty()) range_del_ = std::move(range_del);
  }

  bool Valid() const override { return valid_; }

  std::string_view key() const override {
    assert(valid_);
    return direction_ == Direction::kForward ? ExtractUserKey(iter_->key())
                                             : std::string_view(saved_key_);
  }

  std::string_view value() const override {
    assert(valid_);
    return direction_ == Direction::kForward ? iter_->value() : std::string_view(saved_value_);
  }

  Status status() const override { return status_.ok() ? iter_->status() : status_; }

  void SeekToFirst() override {
    if (bounds_.lower != nullptr) {
      Seek(*bounds_.lower);
      return;
    }
    direction_ = Direction::kForward;
    ClearSaved();
    iter_->SeekToFirst();
    FindNextUserEntry(false);
  }

  void SeekToLast() override {
    direction_ = Direction::kReverse;
    ClearSaved();
    if (bounds_.upper != nullptr) {
      // The first entry at or after the bound, then the one before it.
      iter_->Seek(MakeInternalKey(*bounds_.upper, kMaxSequenceNumber, kValueTypeForSeek));
      if (iter_->Valid()) {
        iter_->Prev();
      } else if (iter_->status().ok()) {
        iter_->SeekToLast();
      }
    } else {
      iter_->SeekToLast();
    }
    FindPrevUserEntry();
  }

  void Seek(std::string_view target) override {
    if (bounds_.BelowLower(target)) target = *bounds_.lower;
    // target may view saved_key_ itself (Seek(key()) after a Prev), so the
    // seek key is built before saved_key_ is touched.
    std::string seek_key = MakeInternalKey(target, sequence_, kValueTypeForSeek);
    // A target inside a run that a range tombstone deletes whole seeks
    // straight to the run's end: seeking to the target, then stepping
    // kStepsBeforeSkip deleted keys until SkipDeletedRun seeks again, would
    // cost two seeks of every child of iter_ instead of one. When only the
    // point sources (the memtables written after the tombstone) can tell
    // whether the run holds a key, they are not asked up front: that costs
    // a seek of each of them on every Seek, and the common case is a target
    // that such a newer write holds (after a FLUSHALL, a server's every
    // read). Then iter_'s first entry answers, and a deleted one asks for
    // the run at once.
    std::string_view run_end;
    bool skip_at_once = false;
    if (range_del_ != nullptr) {
      switch (range_del_->CoveredRunEndWithoutSources(target, &run_end)) {
        case RangeDelChecker::RunAnswer::kRun:
          seek_key = MakeInternalKey(run_end, kMaxSequenceNumber, kValueTypeForSeek);
          break;
        case RangeDelChecker::RunAnswer::kAskSources:
          skip_at_once = true;
          break;
        case RangeDelChecker::RunAnswer::kNoRun:
          break;
      }
    }
    direction_ = Direction::kForward;
    ClearSaved();
    saved_key_.swap(seek_key);
    iter_->Seek(saved_key_);
    FindNextUserEntry(false, skip_at_once);
  }

  void Next() override {
    assert(valid_);
    if (direction_ == Direction::kReverse) {
      // iter_ is before the entries of key() (saved_key_): step into them,
      // then skip them all like any passed key.
      direction_ = Direction::kForward;
      if (iter_->Valid()) {
        iter_->Next();
      } else if (bounds_.lower != nullptr) {
        iter_->Seek(MakeInternalKey(*bounds_.lower, kMaxSequenceNumber, kValueTypeForSeek));
      } else {
        iter_->SeekToFirst();
      }
    } else {
      saved_key_.assign(ExtractUserKey(iter_->key()));
      iter_->Next();
    }
    FindNextUserEntry(true);
  }

  void Prev() override {
    assert(valid_);
    if (direction_ == Direction::kForward) {
      // Back iter_ up to the last entry of a smaller user key.
      saved_key_.assign(ExtractUserKey(iter_->key()));
      while (true) {
        iter_->Prev();
        if (!iter_->Valid()) {
          valid_ = false;
          ClearSaved();
          return;
        }
        if (comparator_.CompareUserKeys(ExtractUserKey(iter_->key()), saved_key_) < 0) break;
      }
      direction_ = Direction::kReverse;
    }
    FindPrevUserEntry();
  }

 private:
  enum class Direction { kForward, kReverse };

  void ClearSaved() {
    saved_key_.clear();
    saved_value_.clear();
  }

  bool Parse(ParsedInternalKey* ikey) {
    std::string_view key = iter_->key();
    if (!ParseInternalKey(key, ikey)) {
      status_ = Status::Corruption("malformed internal key in iterator");
      return false;
    }
    if (sampler_) {
      bytes_until_sample_ -= static_cast<int64_t>(key.size() + iter_->value().size());
      while (bytes_until_sample_ < 0) {
        bytes_until_sample_ += NextSamplePeriod();
        sampler_(ikey->user_key);
      }
    }
    return true;
  }

  // A different seed for every iterator: iterators made one after another
  // at the same address and sequence (a loop of scans) must not all sample
  // at the same offsets, or never sample at all. SplitMix64 of a counter;
  // never 0.
  static uint64_t NewSampleSeed() {
    static std::atomic<uint64_t> counter{0};
    uint64_t z = counter.fetch_add(0x9e3779b97f4a7c15, std::memory_order_relaxed);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    return (z ^ (z >> 31)) | 1;
  }

  // Bytes read until the next sample: uniform in [0, 2 MiB), so a MiB on
  // average (LevelDB's period).
  int64_t NextSamplePeriod() {
    sample_rng_ ^= sample_rng_ << 13;
    sample_rng_ ^= sample_rng_ >> 7;
    sample_rng_ ^= sample_rng_ << 17;
    return static_cast<int64_t>(sample_rng_ % (2 * kBytesPerSample));
  }
  static constexpr uint64_t kBytesPerSample = 1 << 20;

  // The entry's type as the reader sees it: a value a range tombstone
  // covers reads as a deletion (so do its older versions, which the same
  // tombstone covers too).
  ValueType EffectiveType(const ParsedInternalKey& ikey) {
    if (ikey.type == kTypeValue && range_del_ != nullptr &&
        range_del_->ShouldDelete(ikey.user_key, ikey.sequence)) {
      return kTypeDeletion;
    }
    return ikey.type;
  }

  // Moves forward from iter_ to the newest visible value of a user key. When
  // skipping, entries of user keys <= saved_key_ are passed over.
  // With skip_at_once, the first deleted key already asks SkipDeletedRun.
  void FindNextUserEntry(bool skipping, bool skip_at_once = false) {
    const int steps_before_skip = skip_at_once ? 1 : kStepsBeforeSkip;
    int deleted_in_a_row = 0;
    int hidden_in_a_row = 0;  // entries at or before saved_key_ passed since a seek
    int newer_in_a_row = 0;   // entries of newer_key_ after the snapshot passed
    while (iter_->Valid()) {
      ParsedInternalKey ikey;
      if (!Parse(&ikey)) break;
      if (bounds_.AtOrAboveUpper(ikey.user_key)) break;  // iter_ goes no further
      if (skipping && comparator_.CompareUserKeys(ikey.user_key, saved_key_) <= 0) {
        // Older versions of a passed key. A key overwritten many times
        // (a counter, a collection's metadata record) can have thousands in
        // a memtable: after a few steps one seek passes them all.
        if (++hidden_in_a_row > kStepsBeforeReseek) {
          iter_->Seek(MakeInternalKey(saved_key_, 0, kTypeDeletion));  // its last entry
          hidden_in_a_row = 0;
          continue;
        }
        iter_->Next();
        continue;
      }
      if (ikey.sequence > sequence_) {
        // Written after the snapshot: likewise, many versions of one key are
        // passed by a seek to its newest visible one.
        if (newer_in_a_row == 0 || comparator_.CompareUserKeys(ikey.user_key, newer_key_) != 0) {
          newer_key_.assign(ikey.user_key);
          newer_in_a_row = 0;
        }
        if (++newer_in_a_row > kStepsBeforeReseek) {
          iter_->Seek(MakeInternalKey(newer_key_, sequence_, kValueTypeForSeek));
          newer_in_a_row = 0;
          continue;
        }
        iter_->Next();
        continue;
      }
      if (EffectiveType(ikey) == kTypeDeletion) {
        // Hide every older version of this key.
        saved_key_.assign(ikey.user_key);
        skipping = true;
        if (++deleted_in_a_row >= steps_before_skip && SkipDeletedRun(ikey)) continue;
        iter_->Next();
        continue;
      }
      valid_ = true;
      saved_key_.clear();
      return;
    }
    valid_ = false;
    saved_key_.clear();
  }

  // Seeks iter_ past a run of keys a range tombstone deletes whole (see
  // RangeDelChecker::CoveredRunEnd), if user_key starts one. A seek costs
  // more than a few steps, so FindNextUserEntry steps over the first
  // kStepsBeforeSkip deleted keys before it asks (short runs never seek),
  // unless Seek found the target in a run only the point sources can end.
  // ikey is the newest visible version of its key, which reads as deleted.
  // Only a key a range tombstone deletes can start a run: a value reads as
  // deleted only then (EffectiveType), while a point tombstone above every
  // range tombstone over its key (a popped element after a FLUSHALL) cannot
  // start one, and asking would seek the point sources for nothing.
  bool SkipDeletedRun(const ParsedInternalKey& ikey) {
    if (range_del_ == nullptr) return false;
    if (ikey.type == kTypeDeletion && !range_del_->ShouldDelete(ikey.user_key, ikey.sequence)) {
      return false;
    }
    std::string_view end;
    if (!range_del_->CoveredRunEnd(ikey.user_key, &end)) return false;
    iter_->Seek(MakeInternalKey(end, kMaxSequenceNumber, kValueTypeForSeek));
    return true;
  }
  static constexpr int kStepsBeforeSkip = 4;
  // Entries of one key FindNextUserEntry steps over before it seeks past
  // them instead (RocksDB's max_sequential_skip_in_iterations is 8 too).
  static constexpr int kStepsBeforeReseek = 8;

  // Moves backward from iter_ to the previous user key with a visible value;
  // its newest visible version is the last one met walking backward.
  void FindPrevUserEntry() {
    ValueType last_type = kTypeDeletion;
    for (; iter_->Valid(); iter_->Prev()) {
      ParsedInternalKey ikey;
      if (!Parse(&ikey)) break;
      // Every entry of saved_key_ is passed when a key below the bound
      // shows: iter_ goes no further.
      if (bounds_.BelowLower(ikey.user_key)) break;
      if (ikey.sequence > sequence_) continue;
      if (last_type != kTypeDeletion &&
          comparator_.CompareUserKeys(ikey.user_key, saved_key_) < 0) {
        break;  // passed every entry of saved_key_, whose newest was a value
      }
      last_type = EffectiveType(ikey);
      if (last_type == kTypeDeletion) {
        ClearSaved();
      } else {
        saved_key_.assign(ikey.user_key);
        saved_value_.assign(iter_->value());
      }
    }
    // Walking backward meets a key's versions oldest first: if the input
    // failed before the walk left saved_key_, a newer version may be unseen.
    bool input_failed = !iter_->Valid() && !iter_->status().ok();
    if (last_type == kTypeDeletion || !status_.ok() || input_failed) {
      valid_ = false;
      ClearSaved();
      direction_ = Direction::kForward;
    } else {
      valid_ = true;
    }
  }

  const InternalKeyComparator comparator_;
  std::shared_ptr<const void> pin_;  // declared before iter_: destroyed after it
  std::unique_ptr<Iterator> iter_;
  const SequenceNumber sequence_;
  const IterateBounds bounds_;
  std::unique_ptr<RangeDelChecker> range_del_;  // nullptr: no range tombstones
  const ReadSampler sampler_;                   // empty: no sampling
  uint64_t sample_rng_;                         // xorshift64 state, never 0
  int64_t bytes_until_sample_ = 0;
  Direction direction_ = Direction::kForward;
  bool valid_ = false;
  Status status_;
  std::string saved_key_;
  std::string saved_value_;
  std::string newer_key_;  // FindNextUserEntry's key with versions after the snapshot
};

}  // namespace

std::unique_ptr<Iterator> NewDBIterator(const InternalKeyComparator& comparator,
                                        std::unique_ptr<Iterator> internal, SequenceNumber sequence,
                                        std::shared_ptr<const void> pin, IterateBounds bounds,
                                        std::unique_ptr<RangeDelChecker> range_del,
                                        ReadSampler sampler) {
  return std::make_unique<DBIter>(comparator, std::move(internal), sequence, std::move(pin), bounds,
                                  std::move(range_del), std::move(sampler));
}

}  // namespace strata
