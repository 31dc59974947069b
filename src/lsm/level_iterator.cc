// LevelIterator; see level_iterator.h.

#include "lsm/level_iterator.h"

#include <algorithm>

#include "util/iterate_bounds.h"

namespace strata {

size_t FindFile(const InternalKeyComparator& comparator,
                const std::vector<std::shared_ptr<const FileMetaData>>& files,
                std::string_view internal_key) {
  auto it = std::partition_point(files.begin(), files.end(), [&](const auto& f) {
    return comparator.Compare(f->largest, internal_key) < 0;
  });
  return static_cast<size_t>(it - files.begin());
}

namespace {

class LevelIterator final : public Iterator {
 public:
  LevelIterator(const ReadOptions& options, TableCache* table_cache,
                const InternalKeyComparator& comparator,
                const std::vector<std::shared_ptr<const FileMetaData>>* files,
                TableReadCaller caller)
      : options_(options),
        caller_(caller),
        bounds_(options_, comparator),
        table_cache_(table_cache),
        comparator_(comparator),
        files_(*files) {}

  bool Valid() const override { return table_ != nullptr && table_->Valid(); }

  void SeekToFirst() override {
    OpenFile(files_.empty() ? kNone : 0);
    if (table_ != nullptr) table_->SeekToFirst();
    SkipEmptyForward();
  }

  // With an upper bound, the last entry below it (the tables' iterators
  // bound their SeekToLast alike): a Seek may leave this iterator invalid
  // while later tables hold entries past the bound, and a merging iterator
  // turning backward relies on SeekToLast landing before the key it turns
  // at.
  void SeekToLast() override {
    size_t index = files_.empty() ? kNone : files_.size() - 1;
    if (bounds_.upper != nullptr && index != kNone) {
      const std::string end =
          MakeInternalKey(*bounds_.upper, kMaxSequenceNumber, kValueTypeForSeek);
      size_t first_reaching = FindFile(comparator_, files_, end);
      if (first_reaching < files_.size()) {
        index = comparator_.Compare(files_[first_reaching]->smallest, end) < 0 ? first_reaching
                : first_reaching > 0                                           ? first_reaching - 1
                                                                               : kNone;
      }
    }
    OpenFile(index);
    if (table_ != nullptr) table_->SeekToLast();
    SkipEmptyBackward();
  }

  void Seek(std::string_view target) override {
    size_t index = FindFile(comparator_, files_, target);
    OpenFile(index < files_.size() ? index : kNone);
    if (table_ != nullptr) table_->Seek(target);
    SkipEmptyForward();
  }

  void Next() override {
    table_->Next();
    SkipEmptyForward();
  }

  void Prev() override {
    table_->Prev();
    SkipEmptyBackward();
  }

  std::string_view key() const override { return table_->key(); }
  std::string_view value() const override { return table_->value(); }
  Status status() const override {
    if (!status_.ok()) return status_;
    return table_ != nullptr ? table_->status() : Status::OK();
  }

 private:
  static constexpr size_t kNone = static_cast<size_t>(-1);

  void OpenFile(size_t index) {
    if (table_ != nullptr) {
      // Keep the first error of a table we leave behind.
      Status s = table_->status();
      if (status_.ok() && !s.ok()) status_ = s;
    }
    index_ = index;
    table_.reset();
    if (index != kNone) table_ = table_cache_->NewIterator(options_, *files_[index], caller_);
  }

  // A table that errs stops the iteration there: it is invalid and status()
  // carries the error, never skipping data silently.
  //
  // The iterator bounds end a walk at a table wholly outside them, which is
  // never opened: the files are sorted and disjoint, so every table after
  // it (forward) or before it (backward) is outside too.
  void SkipEmptyForward() {
    while (table_ != nullptr && !table_->Valid() && table_->status().ok()) {
      size_t next = index_ + 1 < files_.size() ? index_ + 1 : kNone;
      if (next != kNone && bounds_.AtOrAboveUpper(ExtractUserKey(files_[next]->smallest))) {
        next = kNone;
      }
      OpenFile(next);
      if (table_ != nullptr) table_->SeekToFirst();
    }
  }

  void SkipEmptyBackward() {
    while (table_ != nullptr && !table_->Valid() && table_->status().ok()) {
      size_t prev = index_ > 0 ? index_ - 1 : kNone;
      if (prev != kNone && bounds_.BelowLower(ExtractUserKey(files_[prev]->largest))) {
        prev = kNone;
      }
      OpenFile(prev);
      if (table_ != nullptr) table_->SeekToLast();
    }
  }

  const ReadOptions options_;
  const TableReadCaller caller_;
  const IterateBounds bounds_;
  TableCache* const table_cache_;
  const InternalKeyComparator comparator_;
  const std::vector<std::shared_ptr<const FileMetaData>>& files_;
  size_t index_ = kNone;
  std::unique_ptr<Iterator> table_;
  Status status_;
};

}  // namespace

std::unique_ptr<Iterator> NewLevelIterator(
    const ReadOptions& options, TableCache* table_cache, const InternalKeyComparator& comparator,
    const std::vector<std::shared_ptr<const FileMetaData>>* files, TableReadCaller caller) {
  return std::make_unique<LevelIterator>(options, table_cache, comparator, files, caller);
}

}  // namespace strata
