// Block parsing and iteration; see block.h.

#include "sstable/block.h"

#include <algorithm>
#include <cassert>
#include <vector>

#include "util/coding.h"
#include "util/internal_key.h"
#include "util/mutex.h"

namespace strata {

namespace {

// Decodes the three lengths of the entry at p, which must end by limit.
// Returns where the unshared key bytes start, or nullptr if the entry is
// malformed or its key and value run past limit.
const char* DecodeEntry(const char* p, const char* limit, uint32_t* shared, uint32_t* unshared,
                        uint32_t* value_size) {
  if ((p = GetVarint32Ptr(p, limit, shared)) == nullptr) return nullptr;
  if ((p = GetVarint32Ptr(p, limit, unshared)) == nullptr) return nullptr;
  if ((p = GetVarint32Ptr(p, limit, value_size)) == nullptr) return nullptr;
  if (static_cast<uint64_t>(limit - p) < uint64_t{*unshared} + *value_size) return nullptr;
  return p;
}

// Eight bytes of user_key from offset, big-endian, zero-padded past its end:
// for user keys sharing their first `offset` bytes, a smaller window means
// a smaller key in bytewise order (equal windows decide nothing).
uint64_t SeekWindow(std::string_view user_key, size_t offset) {
  uint64_t window = 0;
  for (size_t i = 0; i < 8; i++) {
    const size_t at = offset + i;
    const uint8_t byte = at < user_key.size() ? static_cast<uint8_t>(user_key[at]) : 0;
    window = (window << 8) | byte;
  }
  return window;
}

// The block iterator. Position: current_ is the offset of the current entry,
// or restart_offset_ when !Valid(); key_ holds the current key (rebuilt from
// the shared prefix of the previous one); value_ views the current value,
// and its end is where the next entry starts. restart_index_ is the last
// restart point at or before current_.
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
    return key_;
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
      if (Compare(key_, target) >= 0) return;
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
    const uint64_t window = SeekWindow(user_key, seek_prefix_.size());
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
    const char* p = DecodeEntry(data_ + RestartPoint(index), data_ + restart_offset_, &shared,
                                &unshared, &value_size);
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
    const char* p =
        DecodeEntry(data_ + current_, data_ + restart_offset_, &shared, &unshared, &value_size);
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
      cached_keys_.append(key_);
      if (NextEntryOffset() >= limit) break;
    }
    if (Valid()) cached_index_ = cached_.size() - 1;
  }

  // Positions at cached_[index], an entry of restart interval restart_index_
  // decoded by DecodeIntervalBefore.
  void UseCached(size_t index) {
    const CachedEntry& e = cached_[index];
    current_ = e.offset;
    key_.assign(cached_keys_, e.key_offset, e.key_size);
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
  std::string key_;
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

// The buffers destroyed blocks left behind (see Block::TakeBuffer).
class BufferPool {
 public:
  static constexpr size_t kMaxBuffers = 16;
  static constexpr size_t kMaxCapacity = 64 * 1024;

  std::string Take() {
    MutexLock lock(&mu_);
    if (free_.empty()) return std::string();
    std::string buffer = std::move(free_.back());
    free_.pop_back();
    return buffer;
  }

  void Give(std::string buffer) {
    if (buffer.capacity() > kMaxCapacity || buffer.capacity() < 1024) return;
    buffer.clear();
    MutexLock lock(&mu_);
    // Past the bound the buffer is freed when it goes out of scope, after
    // the lock is released.
    if (free_.size() < kMaxBuffers) free_.push_back(std::move(buffer));
  }

 private:
  Mutex mu_;
  std::vector<std::string> free_ GUARDED_BY(mu_);
};

BufferPool& Pool() {
  // Never destroyed: a block destroyed during exit (a DB in a static) may
  // still give its buffer back.
  static BufferPool* const pool = new BufferPool;
  return *pool;
}

}  // namespace

std::string Block::TakeBuffer() { return Pool().Take(); }

Block::~Block() { Pool().Give(std::move(contents_)); }

Block::Block(std::string contents, uint32_t restart_offset, uint32_t num_restarts)
    : contents_(std::move(contents)),
      restart_offset_(restart_offset),
      num_restarts_(num_restarts) {}

Status Block::Parse(std::string contents, std::unique_ptr<Block>* block) {
  const size_t size = contents.size();
  if (size < sizeof(uint32_t) || size > UINT32_MAX) return Status::Corruption("bad block size");
  const uint64_t num_restarts = DecodeFixed32(contents.data() + size - sizeof(uint32_t));
  const uint64_t max_restarts = (size - sizeof(uint32_t)) / sizeof(uint32_t);
  if (num_restarts > max_restarts) return Status::Corruption("bad block restart count");
  const auto restart_offset = static_cast<uint32_t>(size - (num_restarts + 1) * sizeof(uint32_t));
  if (num_restarts == 0 && restart_offset != 0) {
    return Status::Corruption("block entries without restart points");
  }
  // Strictly increasing offsets inside the entry area, the first at 0, make
  // every restart point a place the iterator may start decoding from.
  uint32_t previous = 0;
  for (uint32_t i = 0; i < num_restarts; i++) {
    const uint32_t offset = DecodeFixed32(contents.data() + restart_offset + i * sizeof(uint32_t));
    if (offset >= restart_offset || (i == 0 ? offset != 0 : offset <= previous)) {
      return Status::Corruption("bad block restart array");
    }
    previous = offset;
  }
  block->reset(new Block(std::move(contents), restart_offset, static_cast<uint32_t>(num_restarts)));
  return Status::OK();
}

void Block::BuildSeekIndex(const InternalKeyComparator& comparator) {
  seek_index_.clear();
  seek_prefix_.clear();
  if (!comparator.bytewise() || num_restarts_ < 16) return;
  const char* data = contents_.data();
  const char* limit = data + restart_offset_;
  std::vector<std::string_view> user_keys(num_restarts_);
  for (uint32_t i = 0; i < num_restarts_; i++) {
    uint32_t shared, unshared, value_size;
    const uint32_t offset = DecodeFixed32(limit + i * sizeof(uint32_t));
    const char* p = DecodeEntry(data + offset, limit, &shared, &unshared, &value_size);
    if (p == nullptr || shared != 0 || unshared < kInternalKeyTrailerSize) return;
    user_keys[i] = ExtractUserKey(std::string_view(p, unshared));
  }
  // In bytewise order, what the first and last keys share, all share.
  const std::string_view first = user_keys.front(), last = user_keys.back();
  size_t shared = 0;
  while (shared < first.size() && shared < last.size() && first[shared] == last[shared]) shared++;
  std::vector<uint64_t> index(num_restarts_);
  for (uint32_t i = 0; i < num_restarts_; i++) {
    // A block out of order (damaged) gets no index; its iterator's binary
    // search behaves as it would have.
    if (user_keys[i].substr(0, shared) != first.substr(0, shared)) return;
    index[i] = SeekWindow(user_keys[i], shared);
    if (i > 0 && index[i] < index[i - 1]) return;
  }
  seek_index_ = std::move(index);
  seek_prefix_.assign(first.substr(0, shared));
}

std::unique_ptr<Iterator> Block::NewIterator(const InternalKeyComparator& comparator) const {
  // A seek index holds for the bytewise order it was built in.
  const bool use_index = !seek_index_.empty() && comparator.bytewise();
  return std::make_unique<BlockIter>(contents_.data(), restart_offset_, num_restarts_, true,
                                     comparator, use_index ? seek_index_.data() : nullptr,
                                     seek_prefix_);
}

std::unique_ptr<Iterator> Block::NewNameIterator() const {
  return std::make_unique<BlockIter>(contents_.data(), restart_offset_, num_restarts_, false,
                                     InternalKeyComparator(BytewiseComparator()));
}

}  // namespace strata
