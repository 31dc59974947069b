// BlockIter: the iterator over one block's entries (see block.h for the
// block format's reader), declared here so that a reader that must not
// allocate (TableReader::Get, a point lookup) can build one in place with
// Block::Iter; Block::NewIterator hands out the same class on the heap.
//
// Invariants: current_ is the offset of the current entry, or
// restart_offset_ when !Valid(); key_ holds the current key (rebuilt from the
// shared prefix of the previous one); value_ views the current value, and its
// end is where the next entry starts; restart_index_ is the last restart
// point at or before current_. Keys up to BlockKey::kInline bytes live in the
// iterator itself: seeking and stepping allocate nothing for them.
//
// Thread-safety: not thread-safe, like every iterator; the block it reads is
// immutable and may be shared.

#ifndef STRATA_SSTABLE_BLOCK_ITER_H_
#define STRATA_SSTABLE_BLOCK_ITER_H_

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "strata/iterator.h"
#include "strata/status.h"
#include "util/coding.h"
#include "util/internal_key.h"

namespace strata {

namespace block_format {

// Decodes the three lengths of the entry at p, which must end by limit.
// Returns where the unshared key bytes start, or nullptr if the entry is
// malformed or its key and value run past limit.
inline const char* DecodeEntry(const char* p, const char* limit, uint32_t* shared,
                               uint32_t* unshared, uint32_t* value_size) {
  if ((p = GetVarint32Ptr(p, limit, shared)) == nullptr) return nullptr;
  if ((p = GetVarint32Ptr(p, limit, unshared)) == nullptr) return nullptr;
  if ((p = GetVarint32Ptr(p, limit, value_size)) == nullptr) return nullptr;
  if (static_cast<uint64_t>(limit - p) < uint64_t{*unshared} + *value_size) return nullptr;
  return p;
}

// Eight bytes of user_key from offset, big-endian, zero-padded past its end:
// for user keys sharing their first `offset` bytes, a smaller window means
// a smaller key in bytewise order (equal windows decide nothing).
inline uint64_t SeekWindow(std::string_view user_key, size_t offset) {
  uint64_t window = 0;
  for (size_t i = 0; i < 8; i++) {
    const size_t at = offset + i;
    const uint8_t byte = at < user_key.size() ? static_cast<uint8_t>(user_key[at]) : 0;
    window = (window << 8) | byte;
  }
  return window;
}

}  // namespace block_format

// The current key of a BlockIter: kInline bytes in place, the heap only for
// a longer key (then kept for the iterator's life). Not movable: data_ may
// point at inline_.
class BlockKey {
 public:
  static constexpr size_t kInline = 96;

  BlockKey() = default;
  BlockKey(const BlockKey&) = delete;
  BlockKey& operator=(const BlockKey&) = delete;

  std::string_view view() const { return std::string_view(data_, size_); }
  size_t size() const { return size_; }
  void clear() { size_ = 0; }
  // REQUIRES: n <= size().
  void resize(size_t n) {
    assert(n <= size_);
    size_ = n;
  }
  void append(const char* p, size_t n) {
    if (size_ + n > capacity_) Grow(size_ + n);
    std::memcpy(data_ + size_, p, n);
    size_ += n;
  }
  void assign(std::string_view s) {
    size_ = 0;
    append(s.data(), s.size());
  }

 private:
  void Grow(size_t need) {
    const size_t capacity = std::max(need, 2 * capacity_);
    std::unique_ptr<char[]> bigger(new char[capacity]);
    std::memcpy(bigger.get(), data_, size_);
    heap_ = std::move(bigger);
    data_ = heap_.get();
    capacity_ = capacity;
  }

  char inline_[kInline];
  std::unique_ptr<char[]> heap_;
  char* data_ = inline_;
  size_t size_ = 0;
  size_t capacity_ = kInline;
};

// The block iterator (see the top of this file).
class BlockIter final : public Iterator {
 public:
  // internal: keys are internal keys in comparator's order; otherwise names
  // in bytewise order (comparator unused).
  // seek_index: the block's seek index and seek_prefix (Block::
  // BuildSeekIndex), or nullptr.
  BlockIter(const char* data, uint32_t restart_offset, uint32_t num_restarts, bool internal,
            const InternalKeyComparator& comparator, const uint64_t* seek_index = nullptr,
            std::string_view seek_prefix = {})
      : data_(data),
        restart_offset_(restart_offset),
        num_restarts_(num_restarts),
        internal_(internal),
        comparator_(comparator),
        seek_index_(seek_index),
        seek_prefix_(seek_prefix),
        current_(restart_offset),
        restart_index_(num_restarts) {}

  bool Valid() const override { return current_ < restart_offset_; }
  Status status() const override { return status_; }
  std::string_view key() const override {
    assert(Valid());
    return key_.view();
  }
  std::string_view value() const override {
    assert(Valid());
    return value_;
  }

  void Next() override {
    assert(Valid());
    ParseNextEntry();
  }

  void Prev() override {
    assert(Valid());
    // Within the restart interval the last Prev or SeekToLast decoded: its
    // entries are remembered, so stepping back is a copy, not a re-decode.
    if (cached_index_ > 0 && cached_[cached_index_].offset == current_) {
      UseCached(--cached_index_);
      return;
    }
    // Back up to the last restart point before the current entry, then walk
    // forward to the entry just before it, remembering the entries walked.
    const uint32_t original = current_;
    while (RestartPoint(restart_index_) >= original) {
      if (restart_index_ == 0) {
        MarkInvalid();
        return;
      }
      restart_index_--;
    }
    DecodeIntervalBefore(original);
  }

  void Seek(std::string_view target) override {
    assert(!internal_ || target.size() >= kInternalKeyTrailerSize);
    if (!status_.ok() || num_restarts_ == 0) return MarkInvalid();
    // Binary search for the last restart point whose key is < target (0 if
    // none is), then scan forward from it to the first key >= target.
    uint32_t left = 0;
    uint32_t right = num_restarts_ - 1;
    if (seek_index_ != nullptr) NarrowBySeekIndex(target, &left, &right);
    while (left < right) {
      const uint32_t mid = left + (right - left + 1) / 2;
      std::string_view mid_key;
      if (!RestartKey(mid, &mid_key)) return CorruptionError();
      if (Compare(mid_key, target) < 0) {
        left = mid;
      } else {
        right = mid - 1;
      }
    }
    SeekToRestartPoint(left);
    while (ParseNextEntry()) {
      if (Compare(key_.view(), target) >= 0) return;
    }
  }

  void SeekToFirst() override {
    if (!status_.ok() || num_restarts_ == 0) return MarkInvalid();
    SeekToRestartPoint(0);
    ParseNextEntry();
  }

  void SeekToLast() override {
    if (!status_.ok() || num_restarts_ == 0) return MarkInvalid();
    restart_index_ = num_restarts_ - 1;
    DecodeIntervalBefore(restart_offset_);
  }

 private:
  int Compare(std::string_view a, std::string_view b) const {
    return internal_ ? comparator_.Compare(a, b) : a.compare(b);
  }

  // Narrows [*left, *right], the restart points Seek's answer may be, by
  // the seek index alone: restarts whose window is below the target's have
  // smaller keys, those whose window is above it larger ones.
  void NarrowBySeekIndex(std::string_view target, uint32_t* left, uint32_t* right) const {
    const std::string_view user_key = ExtractUserKey(target);
    const int c = user_key.substr(0, seek_prefix_.size()).compare(seek_prefix_);
    if (c != 0) {
      // Before every restart key, or after every one.
      *left = *right = c < 0 ? 0 : num_restarts_ - 1;
      return;
    }
    const uint64_t window = block_format::SeekWindow(user_key, seek_prefix_.size());
    const uint64_t* end = seek_index_ + num_restarts_;
    const auto below =
        static_cast<uint32_t>(std::lower_bound(seek_index_, end, window) - seek_index_);
    const auto not_above =
        static_cast<uint32_t>(std::upper_bound(seek_index_ + below, end, window) - seek_index_);
    *left = below > 0 ? below - 1 : 0;
    *right = not_above > 0 ? not_above - 1 : 0;
  }

  uint32_t RestartPoint(uint32_t index) const {
    assert(index < num_restarts_);
    return DecodeFixed32(data_ + restart_offset_ + index * sizeof(uint32_t));
  }

  uint32_t NextEntryOffset() const {
    return static_cast<uint32_t>(value_.data() + value_.size() - data_);
  }

  // Positions just before the entry at restart point index, so that
  // ParseNextEntry decodes it.
  void SeekToRestartPoint(uint32_t index) {
    key_.clear();
    restart_index_ = index;
    value_ = std::string_view(data_ + RestartPoint(index), 0);
  }

  // The whole key stored at restart point index (restart entries share no
  // prefix). False if the entry is malformed.
  bool RestartKey(uint32_t index, std::string_view* key) const {
    uint32_t shared, unshared, value_size;
    const char* p = block_format::DecodeEntry(data_ + RestartPoint(index), data_ + restart_offset_,
                                              &shared, &unshared, &value_size);
    if (p == nullptr || shared != 0 || !KeyLengthOk(unshared)) return false;
    *key = std::string_view(p, unshared);
    return true;
  }

  bool KeyLengthOk(size_t size) const { return !internal_ || size >= kInternalKeyTrailerSize; }

  // Decodes the entry after the current one. Returns false at the end of the
  // block or on corruption (then status() says so).
  bool ParseNextEntry() {
    current_ = NextEntryOffset();
    if (current_ >= restart_offset_) {
      MarkInvalid();
      return false;
    }
    while (restart_index_ + 1 < num_restarts_ && RestartPoint(restart_index_ + 1) <= current_) {
      restart_index_++;
    }
    uint32_t shared, unshared, value_size;
    const char* p = block_format::DecodeEntry(data_ + current_, data_ + restart_offset_, &shared,
                                              &unshared, &value_size);
    const bool at_restart = RestartPoint(restart_index_) == current_;
    if (p == nullptr || shared > key_.size() || (at_restart && shared != 0) ||
        !KeyLengthOk(uint64_t{shared} + unshared)) {
      CorruptionError();
      return false;
    }
    key_.resize(shared);
    key_.append(p, unshared);
    value_ = std::string_view(p + unshared, value_size);
    return true;
  }

  // Decodes the entries from restart point restart_index_ up to the one
  // that ends at limit (the entry before offset limit), remembering each in
  // cached_, and stays on that last one. On corruption, invalid.
  void DecodeIntervalBefore(uint32_t limit) {
    cached_.clear();
    cached_keys_.clear();
    cached_index_ = 0;
    SeekToRestartPoint(restart_index_);
    while (ParseNextEntry()) {
      cached_.push_back({current_, static_cast<uint32_t>(cached_keys_.size()),
                         static_cast<uint32_t>(key_.size()), value_});
      cached_keys_.append(key_.view());
      if (NextEntryOffset() >= limit) break;
    }
    if (Valid()) cached_index_ = cached_.size() - 1;
  }

  // Positions at cached_[index], an entry of restart interval restart_index_
  // decoded by DecodeIntervalBefore.
  void UseCached(size_t index) {
    const CachedEntry& e = cached_[index];
    current_ = e.offset;
    key_.assign(std::string_view(cached_keys_).substr(e.key_offset, e.key_size));
    value_ = e.value;
  }

  void MarkInvalid() {
    current_ = restart_offset_;
    restart_index_ = num_restarts_;
    key_.clear();
    value_ = std::string_view(data_ + restart_offset_, 0);
  }

  void CorruptionError() {
    MarkInvalid();
    status_ = Status::Corruption("bad entry in block");
  }

  const char* const data_;
  const uint32_t restart_offset_;
  const uint32_t num_restarts_;
  const bool internal_;
  const InternalKeyComparator comparator_;
  const uint64_t* const seek_index_;
  const std::string_view seek_prefix_;

  uint32_t current_;
  uint32_t restart_index_;
  BlockKey key_;
  std::string_view value_;
  Status status_;

  // The entries of the restart interval DecodeIntervalBefore last decoded,
  // in order, their keys back to back in cached_keys_; cached_index_ is the
  // one the iterator was left on. An entry's offset names it for good (the
  // block never changes), so a position whose offset matches
  // cached_[cached_index_] is that entry whatever moved the iterator since.
  struct CachedEntry {
    uint32_t offset;
    uint32_t key_offset;
    uint32_t key_size;
    std::string_view value;
  };
  std::vector<CachedEntry> cached_;
  std::string cached_keys_;
  size_t cached_index_ = 0;
};

}  // namespace strata

#endif  // STRATA_SSTABLE_BLOCK_ITER_H_
