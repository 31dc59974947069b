// SSTable reading; see table_reader.h.

#include "sstable/table_reader.h"

#include <cassert>

#include "buffer/lru_cache.h"
#include "sstable/block_iter.h"
#include "sstable/filter_policy_internal.h"
#include "sstable/two_level_iterator.h"
#include "util/coding.h"
#include "util/iterate_bounds.h"
#include "util/pinning_iterator.h"

namespace strata {

namespace {

constexpr size_t kCacheKeySize = 24;

void DeleteCachedBlock(std::string_view /*key*/, void* value) { delete static_cast<Block*>(value); }

void DeleteCachedFilter(std::string_view /*key*/, void* value) {
  delete static_cast<BloomFilterReader*>(value);
}

void Count(std::atomic<uint64_t>* counter) { counter->fetch_add(1, std::memory_order_relaxed); }

// True if a block and its trailer at handle end by limit.
bool HandleWithin(const BlockHandle& handle, uint64_t limit) {
  return handle.offset() <= limit && handle.size() <= limit - handle.offset() &&
         kBlockTrailerSize <= limit - handle.offset() - handle.size();
}

}  // namespace

TableReader::TableReader(const Options& options, std::unique_ptr<RandomAccessFile> file,
                         uint64_t file_size)
    : options_(options),
      comparator_(options.comparator),
      file_(std::move(file)),
      file_size_(file_size) {}

TableReader::~TableReader() {
  if (!CachesMetaBlocks()) return;
  // Entries still pinned (none should be: the reader outlives its users)
  // would go on their last release.
  char key_buf[kCacheKeySize];
  EncodeCacheKey(index_handle_.offset(), key_buf);
  options_.block_cache->Erase(std::string_view(key_buf, sizeof(key_buf)));
  if (has_filter_) {
    EncodeCacheKey(filter_handle_.offset(), key_buf);
    options_.block_cache->Erase(std::string_view(key_buf, sizeof(key_buf)));
  }
}

bool TableReader::CachesMetaBlocks() const {
  return options_.cache_index_and_filter && options_.block_cache != nullptr;
}

void TableReader::EncodeCacheKey(uint64_t offset, char* buf) const {
  EncodeFixed64(buf, options_.cache_id);
  EncodeFixed64(buf + 8, options_.file_number);
  EncodeFixed64(buf + 16, offset);
}

Status TableReader::Open(const Options& options, std::unique_ptr<RandomAccessFile> file,
                         uint64_t file_size, std::unique_ptr<TableReader>* table) {
  table->reset();
  if (file_size < Footer::kEncodedLength) {
    return Status::Corruption("file too short for an SSTable");
  }
  char buf[Footer::kEncodedLength];
  std::string_view input;
  Status s = file->Read(file_size - Footer::kEncodedLength, Footer::kEncodedLength, &input, buf);
  if (!s.ok()) return s;
  if (input.size() != Footer::kEncodedLength) return Status::Corruption("truncated SSTable footer");
  Footer footer;
  s = footer.DecodeFrom(input);
  if (!s.ok()) return s;

  std::unique_ptr<TableReader> reader(new TableReader(options, std::move(file), file_size));
  s = reader->ReadMetadata(footer);
  if (s.ok() && options.paranoid_checks) s = reader->CheckIndex();
  if (!s.ok()) return s;
  if (reader->CachesMetaBlocks()) reader->MoveMetaBlocksIntoCache();
  // The metadata (everything after the data blocks) now lives in the reader
  // or the block cache: a mapped file's pages of it, touched by the reads
  // above, need not count in the process's memory as well.
  // (ReadMetadata has checked that data_size is within the file.)
  const uint64_t data_end = reader->properties_.data_size;
  reader->file_->ReleaseResidentRange(data_end, file_size - data_end);
  *table = std::move(reader);
  return s;
}

Status TableReader::ReadMetaBlock(const BlockHandle& handle, std::string* contents) const {
  if (!HandleWithin(handle, file_size_ - Footer::kEncodedLength)) {
    return Status::Corruption("SSTable block handle out of range");
  }
  return ReadBlock(*file_, handle, options_.verify_checksums, contents);
}

Status TableReader::ReadMetadata(const Footer& footer) {
  std::string contents;
  Status s = ReadMetaBlock(footer.metaindex_handle, &contents);
  std::unique_ptr<Block> metaindex;
  if (s.ok()) s = Block::Parse(std::move(contents), &metaindex);
  if (!s.ok()) return s;

  // The built-in bloom filter is always understood; a custom policy's only
  // by a reader with a policy of that name. A table has at most one.
  const std::string policy_name = options_.filter_policy == nullptr
                                      ? std::string()
                                      : PolicyFilterMetaName(*options_.filter_policy);
  BlockHandle filter_handle, properties_handle, range_del_handle;
  bool has_bloom = false, has_policy_filter = false, has_properties = false;
  bool has_range_del = false;
  std::unique_ptr<Iterator> it = metaindex->NewNameIterator();
  for (it->SeekToFirst(); it->Valid() && s.ok(); it->Next()) {
    std::string_view value = it->value();
    if (it->key() == kBloomFilterMetaName) {
      s = filter_handle.DecodeFrom(&value);
      has_bloom = true;
    } else if (!policy_name.empty() && it->key() == policy_name) {
      s = filter_handle.DecodeFrom(&value);
      has_policy_filter = true;
    } else if (it->key() == "properties") {
      s = properties_handle.DecodeFrom(&value);
      has_properties = true;
    } else if (it->key() == kRangeDelBlockMetaName) {
      s = range_del_handle.DecodeFrom(&value);
      has_range_del = true;
    }
  }
  if (s.ok()) s = it->status();
  if (s.ok() && !has_properties) s = Status::Corruption("SSTable without a properties block");
  // Version 2 exists for the range-deletion block: each implies the other.
  if (s.ok() && has_range_del != (footer.format_version == Footer::kRangeDeletionFormatVersion)) {
    s = Status::Corruption("SSTable format version disagrees with its range-deletion block");
  }
  if (s.ok() && has_range_del) s = ReadRangeDelBlock(range_del_handle);
  if (!s.ok()) return s;

  s = ReadMetaBlock(properties_handle, &contents);
  if (s.ok()) s = DecodeTableProperties(std::move(contents), &properties_);
  if (s.ok() && properties_.data_size > file_size_ - Footer::kEncodedLength) {
    s = Status::Corruption("SSTable data size past the end of the file");
  }
  if (s.ok()) s = ReadMetaBlock(footer.index_handle, &contents);
  if (s.ok()) s = Block::Parse(std::move(contents), &index_block_);
  if (s.ok()) index_block_->BuildSeekIndex(comparator_);
  if (s.ok() && has_bloom && has_policy_filter) {
    s = Status::Corruption("SSTable with two filter blocks");
  }
  filter_handle_ = filter_handle;  // ReadFilter reads it; used only if has_filter_
  if (s.ok() && has_bloom) {
    // Checked now, so a damaged filter fails the open; kept only for the
    // cache (MoveMetaBlocksIntoCache), else loaded again when first needed.
    s = ReadFilter(&filter_);
    if (!CachesMetaBlocks()) filter_.reset();
  }
  if (s.ok() && has_policy_filter) {
    // Kept in the reader even with cache_index_and_filter: the cache holds
    // only the built-in filter's parsed form.
    s = ReadMetaBlock(filter_handle, &contents);
    if (s.ok()) policy_filter_ = std::move(contents);
  }
  if (!s.ok()) return s;
  index_handle_ = footer.index_handle;
  has_filter_ = has_bloom;
  return s;
}

Status TableReader::ReadFilter(std::unique_ptr<BloomFilterReader>* filter) const {
  std::string contents;
  Status s = ReadMetaBlock(filter_handle_, &contents);
  if (s.ok()) s = BloomFilterReader::Parse(std::move(contents), filter);
  return s;
}

Status TableReader::LoadFilter() const {
  std::call_once(filter_once_, [this] { filter_status_ = ReadFilter(&filter_); });
  return filter_status_;
}

Status TableReader::ReadRangeDelBlock(const BlockHandle& handle) {
  std::string contents;
  Status s = ReadMetaBlock(handle, &contents);
  std::unique_ptr<Block> block;
  if (s.ok()) s = Block::Parse(std::move(contents), &block);
  if (!s.ok()) return s;
  std::vector<RangeTombstone> tombstones;
  std::string previous;
  std::unique_ptr<Iterator> it = block->NewIterator(comparator_);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    RangeTombstone t;
    if (!DecodeRangeTombstone(it->key(), it->value(), &t) ||
        (!previous.empty() && comparator_.Compare(previous, it->key()) >= 0)) {
      return Status::Corruption("bad range tombstone in SSTable");
    }
    if (comparator_.CompareUserKeys(t.begin, t.end) >= 0) {
      return Status::Corruption("empty range tombstone in SSTable");
    }
    previous.assign(it->key());
    tombstones.push_back(std::move(t));
  }
  if (!it->status().ok()) return it->status();
  if (tombstones.empty()) return Status::Corruption("empty range-deletion block in SSTable");
  range_tombstones_ =
      std::make_shared<const FragmentedRangeTombstones>(comparator_, std::move(tombstones));
  return Status::OK();
}

Status TableReader::LoadMetaBlockIntoCache(const BlockHandle& handle, bool is_filter,
                                           LRUCache::Handle** cache_handle) const {
  std::string contents;
  Status s = ReadMetaBlock(handle, &contents);
  if (!s.ok()) return s;
  size_t charge = contents.size();
  void* value;
  LRUCache::Deleter deleter;
  if (is_filter) {
    std::unique_ptr<BloomFilterReader> filter;
    s = BloomFilterReader::Parse(std::move(contents), &filter);
    value = filter.release();
    deleter = &DeleteCachedFilter;
  } else {
    std::unique_ptr<Block> block;
    s = Block::Parse(std::move(contents), &block);
    if (s.ok()) {
      block->BuildSeekIndex(comparator_);
      charge = block->size();
    }
    value = block.release();
    deleter = &DeleteCachedBlock;
  }
  if (!s.ok()) return s;
  char key_buf[kCacheKeySize];
  EncodeCacheKey(handle.offset(), key_buf);
  *cache_handle = options_.block_cache->Insert(std::string_view(key_buf, sizeof(key_buf)), value,
                                               charge, deleter, LRUCache::Kind::kIndexAndFilter);
  return s;
}

Status TableReader::GetIndexBlock(MetaBlockRef<Block>* ref) const {
  if (!CachesMetaBlocks()) {
    ref->block = index_block_.get();
    return Status::OK();
  }
  char key_buf[kCacheKeySize];
  EncodeCacheKey(index_handle_.offset(), key_buf);
  LRUCache* cache = options_.block_cache;
  LRUCache::Handle* handle = cache->Lookup(std::string_view(key_buf, sizeof(key_buf)));
  if (handle == nullptr) {
    Status s = LoadMetaBlockIntoCache(index_handle_, /*is_filter=*/false, &handle);
    if (!s.ok()) return s;
  }
  ref->pin.emplace(cache, handle);
  ref->block = static_cast<const Block*>(ref->pin->value());
  return Status::OK();
}

Status TableReader::GetFilter(MetaBlockRef<BloomFilterReader>* ref) const {
  if (!has_filter_) return Status::OK();  // ref->block stays null
  if (!CachesMetaBlocks()) {
    Status s = LoadFilter();
    if (!s.ok()) return s;
    ref->block = filter_.get();
    return Status::OK();
  }
  char key_buf[kCacheKeySize];
  EncodeCacheKey(filter_handle_.offset(), key_buf);
  LRUCache* cache = options_.block_cache;
  LRUCache::Handle* handle = cache->Lookup(std::string_view(key_buf, sizeof(key_buf)));
  if (handle == nullptr) {
    Status s = LoadMetaBlockIntoCache(filter_handle_, /*is_filter=*/true, &handle);
    if (!s.ok()) return s;
  }
  ref->pin.emplace(cache, handle);
  ref->block = static_cast<const BloomFilterReader*>(ref->pin->value());
  return Status::OK();
}

void TableReader::MoveMetaBlocksIntoCache() {
  char key_buf[kCacheKeySize];
  LRUCache* cache = options_.block_cache;
  EncodeCacheKey(index_handle_.offset(), key_buf);
  const size_t index_charge = index_block_->size();
  cache->Release(cache->Insert(std::string_view(key_buf, sizeof(key_buf)), index_block_.release(),
                               index_charge, &DeleteCachedBlock, LRUCache::Kind::kIndexAndFilter));
  if (has_filter_) {
    EncodeCacheKey(filter_handle_.offset(), key_buf);
    cache->Release(cache->Insert(std::string_view(key_buf, sizeof(key_buf)), filter_.release(),
                                 filter_handle_.size(), &DeleteCachedFilter,
                                 LRUCache::Kind::kIndexAndFilter));
  }
}

Status TableReader::CheckIndex() const {
  std::unique_ptr<Iterator> it = index_block_->NewIterator(comparator_);
  uint64_t next_offset = 0;
  uint64_t num_blocks = 0;
  std::string previous_key;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ParsedInternalKey parsed;
    if (!ParseInternalKey(it->key(), &parsed) ||
        (num_blocks > 0 && comparator_.Compare(previous_key, it->key()) >= 0)) {
      return Status::Corruption("SSTable index keys out of order");
    }
    BlockHandle handle;
    std::string_view value = it->value();
    Status s = handle.DecodeFrom(&value);
    if (!s.ok()) return s;
    if (!value.empty() || handle.offset() != next_offset || !IsDataBlockHandle(handle)) {
      return Status::Corruption("SSTable index handles do not tile the data blocks");
    }
    next_offset = handle.offset() + handle.size() + kBlockTrailerSize;
    num_blocks++;
    previous_key.assign(it->key());
  }
  if (!it->status().ok()) return it->status();
  if (next_offset != properties_.data_size || num_blocks != properties_.num_data_blocks) {
    return Status::Corruption("SSTable index disagrees with its properties");
  }
  return Status::OK();
}

bool TableReader::IsDataBlockHandle(const BlockHandle& handle) const {
  return HandleWithin(handle, properties_.data_size);
}

Status TableReader::DecodeDataBlockHandle(std::string_view index_value, BlockHandle* handle) const {
  Status s = handle->DecodeFrom(&index_value);
  if (s.ok() && !IsDataBlockHandle(*handle)) {
    s = Status::Corruption("SSTable data block handle out of range");
  }
  return s;
}

Status TableReader::ReadBlockFromFile(const BlockHandle& handle, bool verify_checksum,
                                      std::unique_ptr<Block>* block) const {
  std::string contents = Block::TakeBuffer();
  Status s = ReadBlock(*file_, handle, verify_checksum, &contents);
  if (s.ok()) s = Block::Parse(std::move(contents), block);
  return s;
}

Status TableReader::GetDataBlock(const ReadOptions& read_options, TableReadCaller caller,
                                 std::string_view index_value, DataBlockRef* ref) const {
  BlockHandle handle;
  Status s = DecodeDataBlockHandle(index_value, &handle);
  if (!s.ok()) return s;
  if (options_.stats != nullptr && caller == TableReadCaller::kUser) {
    Count(&options_.stats->data_blocks_read);
  }

  LRUCache* cache = options_.block_cache;
  if (cache == nullptr) {
    s = ReadBlockFromFile(handle, read_options.verify_checksums, &ref->owned);
    if (s.ok()) ref->block = ref->owned.get();
    return s;
  }

  char key_buf[kCacheKeySize];
  EncodeCacheKey(handle.offset(), key_buf);
  const std::string_view key(key_buf, sizeof(key_buf));
  LRUCache::Handle* cache_handle = cache->Lookup(key);
  if (cache_handle == nullptr) {
    std::unique_ptr<Block> block;
    s = ReadBlockFromFile(handle, read_options.verify_checksums, &block);
    if (!s.ok()) return s;
    if (!read_options.fill_cache) {
      ref->owned = std::move(block);
      ref->block = ref->owned.get();
      return s;
    }
    const size_t charge = block->size();
    cache_handle = cache->Insert(key, block.release(), charge, &DeleteCachedBlock);
  }
  ref->pin.emplace(cache, cache_handle);
  ref->block = static_cast<const Block*>(ref->pin->value());
  return s;
}

Status TableReader::NewDataBlockIterator(const ReadOptions& read_options, TableReadCaller caller,
                                         std::string_view index_value,
                                         std::unique_ptr<Iterator>* iter) const {
  DataBlockRef ref;
  Status s = GetDataBlock(read_options, caller, index_value, &ref);
  if (!s.ok()) return s;
  // The block iterator is built inside its pin (PinnedIterator): a scan's
  // every move is then one virtual call into the block, not two.
  const Block* block = ref.block;
  auto make = [block, this] { return block->Iter(comparator_); };
  if (ref.owned != nullptr) {
    // Read for this iterator alone, which owns it.
    *iter = std::make_unique<PinnedIterator<std::unique_ptr<Block>, BlockIter>>(
        std::move(ref.owned), make);
  } else {
    *iter = std::make_unique<PinnedIterator<CacheHandleRef, BlockIter>>(std::move(*ref.pin), make);
  }
  return s;
}

// A user iterator's read-ahead: the policy, and the Stream it opens on the
// first request. The Stream goes first when this is destroyed (last member),
// waiting for a job that is using the table and the iterator's bounds (which
// the TwoLevelIterator passes in and outlives this).
class TableReader::ScanReadAhead final : public TwoLevelIterator::ReadAhead {
 public:
  ScanReadAhead(const TableReader* table, bool verify_checksums)
      : table_(table),
        verify_checksums_(verify_checksums),
        policy_(table->options_.read_ahead_max_blocks) {}

  void Entered(std::string_view index_key, bool forward,
               const TwoLevelIterator::SkipFunction& past_end,
               const TwoLevelIterator::SkipFunction& before_start) override {
    const int blocks = policy_.Entered(forward);
    if (blocks == 0) return;
    if (!stream_.has_value()) {
      stream_.emplace(table_->options_.read_ahead, [this, &past_end, &before_start](
                                                       std::string_view key, bool fwd, int n,
                                                       const std::atomic<bool>& cancelled) {
        table_->ReadAheadBlocks(verify_checksums_, past_end, before_start, key, fwd, n, cancelled);
      });
    }
    stream_->Request(index_key, forward, blocks);
  }

  void Reset() override { policy_.Reset(); }

 private:
  const TableReader* const table_;
  const bool verify_checksums_;
  ReadAheadPolicy policy_;
  std::optional<ReadAheadThread::Stream> stream_;
};

std::unique_ptr<Iterator> TableReader::NewIterator(const ReadOptions& read_options,
                                                   TableReadCaller caller) const {
  MetaBlockRef<Block> index;
  Status s = GetIndexBlock(&index);
  if (!s.ok()) return NewEmptyIterator(s);
  std::unique_ptr<Iterator> index_iter = index.block->NewIterator(comparator_);
  if (index.pin.has_value()) {
    index_iter = NewPinningIterator(std::move(*index.pin), std::move(index_iter));
  }
  // An index key is >= every key of its block and < every key of the next
  // one, so its user key bounds the blocks around it: with an upper bound,
  // a walk forward ends after the block whose index key reaches it; with a
  // lower bound, a walk backward ends before a block whose index key is
  // below it. Neither block is read. SeekToLast lands below the upper bound.
  const IterateBounds bounds(read_options, comparator_);
  TwoLevelIterator::SkipFunction past_end;
  TwoLevelIterator::SkipFunction before_start;
  if (bounds.upper != nullptr) {
    past_end = [bounds](std::string_view index_key) {
      return bounds.AtOrAboveUpper(ExtractUserKey(index_key));
    };
  }
  if (bounds.lower != nullptr) {
    before_start = [bounds](std::string_view index_key) {
      return bounds.BelowLower(ExtractUserKey(index_key));
    };
  }
  // Read ahead only for a user's scan that fills the cache: the blocks read
  // ahead go there, and the scan finds them there.
  std::unique_ptr<TwoLevelIterator::ReadAhead> read_ahead;
  if (options_.read_ahead != nullptr && options_.block_cache != nullptr &&
      options_.read_ahead_max_blocks > 0 && read_options.fill_cache &&
      caller == TableReadCaller::kUser) {
    read_ahead = std::make_unique<ScanReadAhead>(this, read_options.verify_checksums);
  }
  return std::make_unique<TwoLevelIterator>(
      std::move(index_iter),
      [this, read_options, caller](std::string_view index_value, std::unique_ptr<Iterator>* iter) {
        return NewDataBlockIterator(read_options, caller, index_value, iter);
      },
      std::move(past_end), std::move(before_start),
      bounds.upper != nullptr
          ? MakeInternalKey(*bounds.upper, kMaxSequenceNumber, kValueTypeForSeek)
          : std::string(),
      std::move(read_ahead));
}

void TableReader::ReadAheadBlocks(bool verify_checksums,
                                  const TwoLevelIterator::SkipFunction& past_end,
                                  const TwoLevelIterator::SkipFunction& before_start,
                                  std::string_view index_key, bool forward, int blocks,
                                  const std::atomic<bool>& cancelled) const {
  LRUCache* cache = options_.block_cache;
  MetaBlockRef<Block> index;
  if (!GetIndexBlock(&index).ok()) return;
  BlockIter it = index.block->Iter(comparator_);
  // Index keys are distinct (each separates its block from the next), so
  // this lands on the block the scan entered.
  it.Seek(index_key);
  if (!it.Valid() || it.key() != index_key) return;
  char key_buf[kCacheKeySize];
  for (int i = 0; i < blocks && !cancelled.load(std::memory_order_relaxed); i++) {
    // Like the scan's walk (TwoLevelIterator): forward, nothing past a block
    // whose index key is past the end; backward, nothing before one whose
    // index key is before the start.
    if (forward) {
      if (past_end && past_end(it.key())) return;
      it.Next();
    } else {
      it.Prev();
      if (it.Valid() && before_start && before_start(it.key())) return;
    }
    if (!it.Valid()) return;
    BlockHandle handle;
    if (!DecodeDataBlockHandle(it.value(), &handle).ok()) return;
    EncodeCacheKey(handle.offset(), key_buf);
    const std::string_view key(key_buf, sizeof(key_buf));
    if (cache->Contains(key)) continue;
    std::unique_ptr<Block> block;
    if (!ReadBlockFromFile(handle, verify_checksums, &block).ok()) return;
    const size_t charge = block->size();
    if (cache->InsertAhead(key, block.release(), charge, &DeleteCachedBlock) &&
        options_.stats != nullptr) {
      Count(&options_.stats->blocks_read_ahead);
    }
  }
}

Status TableReader::Get(const ReadOptions& read_options, const LookupKey& key, std::string* value,
                        GetResult* result, SequenceNumber* seq) const {
  *result = GetResult::kNotFound;
  TableReadStats* stats = options_.stats;
  MetaBlockRef<BloomFilterReader> filter;
  Status s = GetFilter(&filter);
  if (!s.ok()) return s;
  const bool has_filter = filter.block != nullptr || policy_filter_.has_value();
  if (has_filter) {
    if (stats != nullptr) Count(&stats->bloom_checked);
    if (!FilterMayMatch(filter.block, key.user_key())) {
      if (stats != nullptr) Count(&stats->bloom_useful);
      return Status::OK();
    }
  }

  MetaBlockRef<Block> index;
  s = GetIndexBlock(&index);
  if (!s.ok()) return s;
  // Both iterators live here and the blocks are pinned, not wrapped: a
  // lookup allocates nothing on a cache hit.
  BlockIter index_iter = index.block->Iter(comparator_);
  index_iter.Seek(key.internal_key());
  if (index_iter.Valid()) {
    DataBlockRef data;
    s = GetDataBlock(read_options, TableReadCaller::kUser, index_iter.value(), &data);
    if (!s.ok()) return s;
    BlockIter block_iter = data.block->Iter(comparator_);
    block_iter.Seek(key.internal_key());
    if (block_iter.Valid()) {
      ParsedInternalKey parsed;
      if (!ParseInternalKey(block_iter.key(), &parsed)) {
        return Status::Corruption("bad internal key in SSTable");
      }
      if (comparator_.CompareUserKeys(parsed.user_key, key.user_key()) == 0) {
        if (seq != nullptr) *seq = parsed.sequence;
        if (parsed.type == kTypeValue) {
          value->assign(block_iter.value());
          *result = GetResult::kFound;
        } else {
          *result = GetResult::kDeleted;
        }
      }
    }
    s = block_iter.status();
  } else {
    s = index_iter.status();
  }
  if (s.ok() && *result == GetResult::kNotFound && has_filter && stats != nullptr) {
    Count(&stats->bloom_false_positive);
  }
  return s;
}

bool TableReader::FilterMayMatch(const BloomFilterReader* bloom, std::string_view user_key) const {
  if (bloom != nullptr) return bloom->KeyMayMatch(user_key);
  return options_.filter_policy->KeyMayMatch(user_key, *policy_filter_);
}

uint64_t TableReader::ApproximateOffsetOf(std::string_view internal_key) const {
  MetaBlockRef<Block> index;
  // An index that cannot be read again makes the estimate the table's end.
  if (!GetIndexBlock(&index).ok()) return properties_.data_size;
  std::unique_ptr<Iterator> it = index.block->NewIterator(comparator_);
  it->Seek(internal_key);
  if (it->Valid()) {
    BlockHandle handle;
    std::string_view value = it->value();
    if (handle.DecodeFrom(&value).ok()) return handle.offset();
  }
  return properties_.data_size;
}

}  // namespace strata
