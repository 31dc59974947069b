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
    // Not cleared: the next block, about as long, is resized down or up by a
    // few bytes (SizeBlockBuffer), where from empty std::string's resize
    // zero-filled all of it before the decompressor overwrote it (memset was
    // 4.9% of a readseq that misses the cache).
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
    const char* p =
        block_format::DecodeEntry(data + offset, limit, &shared, &unshared, &value_size);
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
    index[i] = block_format::SeekWindow(user_keys[i], shared);
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

BlockIter Block::Iter(const InternalKeyComparator& comparator) const {
  const bool use_index = !seek_index_.empty() && comparator.bytewise();
  return BlockIter(contents_.data(), restart_offset_, num_restarts_, true, comparator,
                   use_index ? seek_index_.data() : nullptr, seek_prefix_);
}

std::unique_ptr<Iterator> Block::NewNameIterator() const {
  return std::make_unique<BlockIter>(contents_.data(), restart_offset_, num_restarts_, false,
                                     InternalKeyComparator(BytewiseComparator()));
}

}  // namespace strata
