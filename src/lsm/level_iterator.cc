// LevelIterator; see level_iterator.h.

#include "lsm/level_iterator.h"

#include <algorithm>

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
                const std::vector<std::shared_ptr<const FileMetaData>>* files)
      : options_(options), table_cache_(table_cache), comparator_(comparator), files_(*files) {}

  bool Valid() const override { return table_ != nullptr && table_->Valid(); }

  void SeekToFirst() override {
    OpenFile(files_.empty() ? kNone : 0);
    if (table_ != nullptr) table_->SeekToFirst();
    SkipEmptyForward();
  }

  void SeekToLast() override {
    OpenFile(files_.empty() ? kNone : files_.size() - 1);
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
    if (index != kNone) table_ = table_cache_->NewIterator(options_, *files_[index]);
  }

  // A table that errs stops the iteration there: it is invalid and status()
  // carries the error, never skipping data silently.
  void SkipEmptyForward() {
    while (table_ != nullptr && !table_->Valid() && table_->status().ok()) {
      OpenFile(index_ + 1 < files_.size() ? index_ + 1 : kNone);
      if (table_ != nullptr) table_->SeekToFirst();
    }
  }

  void SkipEmptyBackward() {
    while (table_ != nullptr && !table_->Valid() && table_->status().ok()) {
      OpenFile(index_ > 0 ? index_ - 1 : kNone);
      if (table_ != nullptr) table_->SeekToLast();
    }
  }

  const ReadOptions options_;
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
    const std::vector<std::shared_ptr<const FileMetaData>>* files) {
  return std::make_unique<LevelIterator>(options, table_cache, comparator, files);
}

}  // namespace strata
