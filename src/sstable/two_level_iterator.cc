// Index-then-block iteration; see two_level_iterator.h.

#include "sstable/two_level_iterator.h"

#include <cassert>

namespace strata {

TwoLevelIterator::TwoLevelIterator(std::unique_ptr<Iterator> index_iter,
                                   BlockFunction block_function)
    : block_function_(std::move(block_function)), index_iter_(std::move(index_iter)) {}

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
  index_iter_->Seek(target);
  InitDataBlock();
  if (data_iter_ != nullptr) data_iter_->Seek(target);
  SkipEmptyDataBlocksForward();
}

void TwoLevelIterator::SeekToFirst() {
  if (!status_.ok()) return;
  index_iter_->SeekToFirst();
  InitDataBlock();
  if (data_iter_ != nullptr) data_iter_->SeekToFirst();
  SkipEmptyDataBlocksForward();
}

void TwoLevelIterator::SeekToLast() {
  if (!status_.ok()) return;
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
    index_iter_->Next();
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
