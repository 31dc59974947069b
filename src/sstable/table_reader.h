// TableReader: reads an SSTable written by TableBuilder. Open loads and
// checks the footer, metaindex, index, properties and filter blocks and keeps
// the index and properties in memory for the reader's lifetime; the built-in
// bloom filter, checked at open, is read again into memory by the first
// lookup that needs it (a table only scanned or compacted, like every new
// flush's until it is read, holds none). Data blocks are read on demand,
// through the block cache when one is given.
//
// With Options::cache_index_and_filter, the index and filter blocks live in
// the block cache instead (charged, of Kind::kIndexAndFilter, under the same
// key scheme with their own offsets): Open puts them there, a reader pins
// them for as long as it uses them, and once evicted they are read again,
// checksums verified, when next needed. The destructor erases them, so a
// closed table charges nothing.
//
// Block cache: entries are keyed by fixed64(cache_id) ++ fixed64(file_number)
// ++ fixed64(block offset) (24 bytes), hold a heap-allocated Block (the
// uncompressed contents) and are charged its size. The cache id (one per
// TableCache, from LRUCache::NewId) keeps the tables of DBs sharing one cache
// apart, since their file numbers repeat. Iterators pin the data
// block they are in and release it when they move to another block or are
// destroyed.
//
// Read-ahead: with Options::read_ahead, a user's iterator that reads its
// blocks into the cache (fill_cache) and walks several blocks in a row has
// the next ones read into the cache by that thread (sstable/read_ahead.h).
//
// Damage: every block read is checked (trailer, decompression, restart
// array, entry bounds); a damaged table yields Corruption, never a wrong
// value or an out-of-bounds read, as long as checksums are verified (with
// verification off a damaged uncompressed block may still be misread, but
// never out of bounds).
//
// Thread-safety: after Open, every const method may be called from any
// number of threads at once (the file's Read and the LRUCache are thread-safe;
// the filter is loaded once, under std::call_once; the rest is immutable).
// Each iterator is used by one thread at a time.

#ifndef STRATA_SSTABLE_TABLE_READER_H_
#define STRATA_SSTABLE_TABLE_READER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "buffer/lru_cache.h"
#include "rangedel/fragmented_range_tombstones.h"
#include "sstable/block.h"
#include "sstable/bloom_filter.h"
#include "sstable/format.h"
#include "sstable/read_ahead.h"
#include "sstable/table_properties.h"
#include "sstable/two_level_iterator.h"
#include "strata/comparator.h"
#include "strata/file_system.h"
#include "strata/filter_policy.h"
#include "strata/iterator.h"
#include "strata/options.h"
#include "strata/status.h"
#include "util/internal_key.h"

namespace strata {

// Who reads a table. A user's Get or iterator counts the data blocks it
// opens in TableReadStats::data_blocks_read; the engine's own reads
// (compaction inputs) do not, so the counter says what reads cost.
enum class TableReadCaller { kUser, kCompaction };

// Bloom filter counters the DB owns and shares among its tables. Relaxed
// atomics: they are only reported, never used to order other memory.
struct TableReadStats {
  std::atomic<uint64_t> bloom_checked{0};         // Gets that consulted a filter
  std::atomic<uint64_t> bloom_useful{0};          // the filter said absent
  std::atomic<uint64_t> bloom_false_positive{0};  // it said maybe; the key was absent
  // Data blocks a user's Get or iterator opened, from the block cache or
  // the file alike: what a read cost, in blocks. Compactions not counted.
  std::atomic<uint64_t> data_blocks_read{0};
  // Data blocks the read-ahead thread read into the cache for scans.
  std::atomic<uint64_t> blocks_read_ahead{0};
};

class TableReader {
 public:
  struct Options {
    // Verify the checksums of the blocks Open reads (metaindex, properties,
    // index, filter). Data blocks follow ReadOptions::verify_checksums.
    bool verify_checksums = true;
    // Also check at Open that the index is well formed: keys are valid
    // internal keys in increasing order and the handles tile the data area
    // exactly, in order. Costs one pass over the index.
    bool paranoid_checks = false;
    // Shared cache for data blocks; nullptr reads every block from the file.
    // Not owned; must outlive the reader.
    LRUCache* block_cache = nullptr;
    // Name this table in block cache keys: cache_id (from
    // block_cache->NewId()) the owner of a set of tables, file_number the
    // table within it. REQUIRES: the pair is unique among the readers
    // sharing block_cache.
    uint64_t cache_id = 0;
    uint64_t file_number = 0;
    // Counters to update; nullptr counts nothing. Not owned.
    TableReadStats* stats = nullptr;
    // The thread that reads data blocks ahead of scans into block_cache, at
    // most read_ahead_max_blocks (> 0) per request; nullptr: none. Not
    // owned; must outlive the reader.
    ReadAheadThread* read_ahead = nullptr;
    int read_ahead_max_blocks = 0;
    // Keep the index and filter blocks in block_cache (evictable) rather
    // than in the reader. Ignored without a block_cache.
    bool cache_index_and_filter = false;
    // The order the table's keys were written in. Not owned.
    const Comparator* comparator = BytewiseComparator();
    // The DB's filter policy (nullptr: the built-in bloom filter). A table
    // whose filter was built by a policy of another name is read without
    // its filter. Not owned.
    const FilterPolicy* filter_policy = nullptr;
  };

  // Opens the table in file, whose size is file_size. Corruption if the
  // table is malformed (bad magic or version included), the file's error if
  // a read fails.
  static Status Open(const Options& options, std::unique_ptr<RandomAccessFile> file,
                     uint64_t file_size, std::unique_ptr<TableReader>* table);

  TableReader(const TableReader&) = delete;
  TableReader& operator=(const TableReader&) = delete;
  ~TableReader();

  // An iterator over every entry: key() is the internal key, value() the
  // value. Seek takes an internal key. Honors read_options.verify_checksums
  // and fill_cache (false: use cached blocks but insert none). Errors
  // (Corruption, IOError) surface through status() and make the iterator
  // !Valid(). The reader must outlive the iterator. `caller` decides
  // whether the blocks it opens are counted (TableReadCaller).
  std::unique_ptr<Iterator> NewIterator(const ReadOptions& read_options,
                                        TableReadCaller caller = TableReadCaller::kUser) const;

  enum class GetResult { kNotFound, kFound, kDeleted };

  // Looks up the newest entry for key.user_key() with sequence <= the
  // lookup's. Sets *result to kFound (and *value), kDeleted (a tombstone) or
  // kNotFound. Consults the filter first (if the reader understands it),
  // counting in stats. A
  // non-OK status leaves *result unspecified.
  // Stores the entry's sequence number in *seq (if not null) unless the
  // result is kNotFound. Range tombstones are not consulted (see
  // range_tombstones()).
  Status Get(const ReadOptions& read_options, const LookupKey& key, std::string* value,
             GetResult* result, SequenceNumber* seq = nullptr) const;

  const TableProperties& properties() const { return properties_; }

  // The table's range tombstones, fragmented, read and checked at Open and
  // kept for the reader's lifetime; nullptr if the table has none.
  const std::shared_ptr<const FragmentedRangeTombstones>& range_tombstones() const {
    return range_tombstones_;
  }

  // Approximate file offset where the data for internal_key is or would be:
  // the offset of the data block that would hold it, or the end of the data
  // blocks for a key past the last one. For size estimates.
  uint64_t ApproximateOffsetOf(std::string_view internal_key) const;

 private:
  class ScanReadAhead;

  TableReader(const Options& options, std::unique_ptr<RandomAccessFile> file, uint64_t file_size);

  // False if the table's filter (bloom or the policy's) rules user_key out.
  // Through the built-in bloom filter when bloom is set, else through the
  // custom policy's filter. REQUIRES: one of them exists.
  bool FilterMayMatch(const BloomFilterReader* bloom, std::string_view user_key) const;
  // Reads and checks the metadata blocks; called once by Open.
  Status ReadMetadata(const Footer& footer);
  Status ReadMetaBlock(const BlockHandle& handle, std::string* contents) const;
  // Reads, checks and fragments the range-deletion block.
  Status ReadRangeDelBlock(const BlockHandle& handle);
  Status CheckIndex() const;
  // REQUIRES: handle lies within the file.
  Status ReadBlockFromFile(const BlockHandle& handle, bool verify_checksum,
                           std::unique_ptr<Block>* block) const;
  // A data block in use: pinned in the block cache, or read for its user
  // alone (no cache, or !fill_cache) and owned here.
  struct DataBlockRef {
    const Block* block = nullptr;
    std::optional<CacheHandleRef> pin;
    std::unique_ptr<Block> owned;
  };
  // The data block whose encoded handle is index_value, through the cache;
  // counted in stats if caller is kUser.
  Status GetDataBlock(const ReadOptions& read_options, TableReadCaller caller,
                      std::string_view index_value, DataBlockRef* ref) const;
  // Opens an iterator over that block.
  Status NewDataBlockIterator(const ReadOptions& read_options, TableReadCaller caller,
                              std::string_view index_value, std::unique_ptr<Iterator>* iter) const;
  // Read-ahead's job (ReadAheadThread::Job) for an iterator with these
  // bounds: reads up to `blocks` data blocks past the one whose
  // index key is index_key into the block cache, skipping those already
  // there, stopping at the bounds, at the first error (the scan will meet
  // and report it itself) or once cancelled.
  void ReadAheadBlocks(bool verify_checksums, const TwoLevelIterator::SkipFunction& past_end,
                       const TwoLevelIterator::SkipFunction& before_start,
                       std::string_view index_key, bool forward, int blocks,
                       const std::atomic<bool>& cancelled) const;
  // True if [handle.offset, + size + trailer) lies within the data blocks.
  bool IsDataBlockHandle(const BlockHandle& handle) const;
  // Decodes the data block handle of an index entry's value; Corruption if
  // it does not decode or does not lie within the data blocks.
  Status DecodeDataBlockHandle(std::string_view index_value, BlockHandle* handle) const;

  // A metadata block in use: the reader's own (no pin), or an entry pinned in
  // the block cache for as long as this lives.
  template <typename T>
  struct MetaBlockRef {
    const T* block = nullptr;
    std::optional<CacheHandleRef> pin;
  };
  // The index block; from the block cache (read again if evicted) with
  // cache_index_and_filter.
  Status GetIndexBlock(MetaBlockRef<Block>* ref) const;
  // The filter, or ref->block == nullptr if the table has none.
  Status GetFilter(MetaBlockRef<BloomFilterReader>* ref) const;
  // Puts a metadata block read from the file into the block cache and
  // returns its handle, pinned.
  Status LoadMetaBlockIntoCache(const BlockHandle& handle, bool is_filter,
                                LRUCache::Handle** cache_handle) const;
  bool CachesMetaBlocks() const;
  // Reads the built-in bloom filter block (checksum verified) and parses it.
  Status ReadFilter(std::unique_ptr<BloomFilterReader>* filter) const;
  // filter_, loaded on the first call (without cache_index_and_filter).
  Status LoadFilter() const;
  // Open's last step with cache_index_and_filter: hands the blocks just read
  // to the cache, unpinned.
  void MoveMetaBlocksIntoCache();
  // The block cache key of this table's block at offset, into buf
  // (kCacheKeySize bytes).
  void EncodeCacheKey(uint64_t offset, char* buf) const;

  // Const after Open.
  const Options options_;
  const InternalKeyComparator comparator_;
  const std::unique_ptr<RandomAccessFile> file_;
  const uint64_t file_size_;
  // Without cache_index_and_filter: the blocks themselves (filter_ null if
  // the table has none, and until the first lookup loads it, once: see
  // LoadFilter). With it: both null, and the handles locate them.
  std::unique_ptr<Block> index_block_;
  mutable std::once_flag filter_once_;
  mutable std::unique_ptr<BloomFilterReader> filter_;
  mutable Status filter_status_;  // of the load: an error fails every lookup
  BlockHandle index_handle_;
  BlockHandle filter_handle_;
  bool has_filter_ = false;  // the built-in bloom filter, cached or not
  // The contents of a filter built by options_.filter_policy, always held
  // here. A table has at most one of the two filters.
  std::optional<std::string> policy_filter_;
  TableProperties properties_;
  std::shared_ptr<const FragmentedRangeTombstones> range_tombstones_;
};

}  // namespace strata

#endif  // STRATA_SSTABLE_TABLE_READER_H_
