// Index-then-block iteration; see two_level_iterator.h.

#include "sstable/two_level_iterator.h"

#include <cassert>

namespace strata {

TwoLevelIterator::TwoLevelIterator(std::unique_ptr<Iterator> index_iter,
                                   BlockFunction block_function, SkipFunction past_end,
                                   SkipFunction before_start, std::string last_before,
                                   std::unique_ptr<ReadAhead> read_ahead)
    : block_function_(std::move(block_function)),
      past_end_(std::move(past_end)),
      before_start_(std::move(before_start)),
      last_before_(std::move(last_before)),
      index_iter_(std::move(index_iter)),
      read_ahead_(std::move(read_ahead)) {}

bool TwoLevelIterator::Valid() const { return data_iter_ != nullptr && data_iter_->Valid(); }

std::string_view TwoLevelIterator::key() const {
  assert(Valid());
  return data_iter_->key();
}

std::string_view TwoLevelIterator::value() const {
  assert(Valid());
  return data_iter_->value();
}

Status TwoLevelIterator::status() const {
  if (!status_.ok()) return status_;
  if (!index_iter_->status().ok()) return index_iter_->status();
  if (data_iter_ != nullptr) return data_iter_->status();
  return Status::OK();
}

void TwoLevelIterator::Seek(std::string_view target) {
  if (!status_.ok()) return;
  if (read_ahead_ != nullptr) read_ahead_->Reset();
  index_iter_->Seek(target);
  InitDataBlock();
  if (data_iter_ != nullptr) data_iter_->Seek(target);
  SkipEmptyDataBlocksForward();
}

void TwoLevelIterator::SeekToFirst() {
  if (!status_.ok()) return;
  if (read_ahead_ != nullptr) read_ahead_->Reset();
  index_iter_->SeekToFirst();
  InitDataBlock();
  if (data_iter_ != nullptr) data_iter_->SeekToFirst();
  SkipEmptyDataBlocksForward();
}

void TwoLevelIterator::SeekToLast() {
  if (!status_.ok()) return;
  if (read_ahead_ != nullptr) read_ahead_->Reset();
  if (!last_before_.empty()) {
    // The block that may hold last_before_ (the first whose index key is
    // >= it), then the entry before last_before_ in it or in an earlier one.
    index_iter_->Seek(last_before_);
    if (index_iter_->Valid()) {
      InitDataBlock();
      if (data_iter_ != nullptr) {
        data_iter_->Seek(last_before_);
        if (data_iter_->Valid()) {
          data_iter_->Prev();
        } else if (data_iter_->status().ok()) {
          data_iter_->SeekToLast();
        }
      }
      SkipEmptyDataBlocksBackward();
      return;
    }
    if (!index_iter_->status().ok()) {
      data_iter_.reset();
      return;
    }
    // Every block lies before last_before_: the last entry will do.
  }
  index_iter_->SeekToLast();
  InitDataBlock();
  if (data_iter_ != nullptr) data_iter_->SeekToLast();
  SkipEmptyDataBlocksBackward();
}

void TwoLevelIterator::Next() {
  assert(Valid());
  data_iter_->Next();
  SkipEmptyDataBlocksForward();
}

void TwoLevelIterator::Prev() {
  assert(Valid());
  data_iter_->Prev();
  SkipEmptyDataBlocksBackward();
}

bool TwoLevelIterator::CheckDataStatus() {
  if (data_iter_ == nullptr || data_iter_->status().ok()) return true;
  status_ = data_iter_->status();
  data_iter_.reset();
  return false;
}

void TwoLevelIterator::SkipEmptyDataBlocksForward() {
  while (data_iter_ == nullptr || !data_iter_->Valid()) {
    if (!CheckDataStatus() || !status_.ok() || !index_iter_->Valid()) {
      data_iter_.reset();
      return;
    }
    // The finished block's index key is >= its keys and < the next block's:
    // when it is past the end, so is every later block, which is not read.
    if (past_end_ && past_end_(index_iter_->key())) {
      data_iter_.reset();
      return;
    }
    index_iter_->Next();
    if (read_ahead_ != nullptr && index_iter_->Valid())
      read_ahead_->Entered(index_iter_->key(), true, past_end_, before_start_);
    InitDataBlock();
    if (data_iter_ != nullptr) data_iter_->SeekToFirst();
  }
}

void TwoLevelIterator::SkipEmptyDataBlocksBackward() {
  while (data_iter_ == nullptr || !data_iter_->Valid()) {
    if (!CheckDataStatus() || !status_.ok() || !index_iter_->Valid()) {
      data_iter_.reset();
      return;
    }
    index_iter_->Prev();
    if (index_iter_->Valid() && before_start_ && before_start_(index_iter_->key())) {
      data_iter_.reset();
      return;
    }
    if (read_ahead_ != nullptr && index_iter_->Valid())
      read_ahead_->Entered(index_iter_->key(), false, past_end_, before_start_);
    InitDataBlock();
    if (data_iter_ != nullptr) data_iter_->SeekToLast();
  }
}

void TwoLevelIterator::InitDataBlock() {
  if (!index_iter_->Valid()) {
    data_iter_.reset();
    return;
  }
  const std::string_view index_value = index_iter_->value();
  if (data_iter_ != nullptr && index_value == data_block_index_value_) return;
  data_iter_.reset();
  std::unique_ptr<Iterator> block_iter;
  Status s = block_function_(index_value, &block_iter);
  if (!s.ok()) {
    status_ = std::move(s);
    return;
  }
  data_iter_ = std::move(block_iter);
  data_block_index_value_.assign(index_value.data(), index_value.size());
}

}  // namespace strata
