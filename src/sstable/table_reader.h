// TableReader: reads an SSTable written by TableBuilder. Open loads and
// checks the footer, metaindex, index, properties and filter blocks and keeps
// the index, filter and properties in memory for the reader's lifetime; data
// blocks are read on demand, through the block cache when one is given.
//
// Block cache: entries are keyed by fixed64(cache_id) ++ fixed64(file_number)
// ++ fixed64(block offset) (24 bytes), hold a heap-allocated Block (the
// uncompressed contents) and are charged its size. The cache id (one per
// TableCache, from Cache::NewId) keeps the tables of DBs sharing one cache
// apart, since their file numbers repeat. Iterators pin the data
// block they are in and release it when they move to another block or are
// destroyed.
//
// Damage: every block read is checked (trailer, decompression, restart
// array, entry bounds); a damaged table yields Corruption, never a wrong
// value or an out-of-bounds read, as long as checksums are verified (with
// verification off a damaged uncompressed block may still be misread, but
// never out of bounds).
//
// Thread-safety: after Open, every const method may be called from any
// number of threads at once (the file's Read and the Cache are thread-safe;
// the rest is immutable). Each iterator is used by one thread at a time.

#ifndef STRATA_SSTABLE_TABLE_READER_H_
#define STRATA_SSTABLE_TABLE_READER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "sstable/block.h"
#include "sstable/bloom_filter.h"
#include "sstable/format.h"
#include "sstable/table_properties.h"
#include "strata/file_system.h"
#include "strata/iterator.h"
#include "strata/options.h"
#include "strata/status.h"
#include "util/internal_key.h"

namespace strata {

class Cache;

// Bloom filter counters the DB owns and shares among its tables. Relaxed
// atomics: they are only reported, never used to order other memory.
struct TableReadStats {
  std::atomic<uint64_t> bloom_checked{0};         // Gets that consulted a filter
  std::atomic<uint64_t> bloom_useful{0};          // the filter said absent
  std::atomic<uint64_t> bloom_false_positive{0};  // it said maybe; the key was absent
  // Data blocks a Get or an iterator opened, from the block cache or the
  // file alike: what a read cost, in blocks.
  std::atomic<uint64_t> data_blocks_read{0};
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
    Cache* block_cache = nullptr;
    // Name this table in block cache keys: cache_id (from
    // block_cache->NewId()) the owner of a set of tables, file_number the
    // table within it. REQUIRES: the pair is unique among the readers
    // sharing block_cache.
    uint64_t cache_id = 0;
    uint64_t file_number = 0;
    // Counters to update; nullptr counts nothing. Not owned.
    TableReadStats* stats = nullptr;
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
  // !Valid(). The reader must outlive the iterator.
  std::unique_ptr<Iterator> NewIterator(const ReadOptions& read_options) const;

  enum class GetResult { kNotFound, kFound, kDeleted };

  // Looks up the newest entry for key.user_key() with sequence <= the
  // lookup's. Sets *result to kFound (and *value), kDeleted (a tombstone) or
  // kNotFound. Consults the bloom filter first, counting in stats. A
  // non-OK status leaves *result unspecified.
  Status Get(const ReadOptions& read_options, const LookupKey& key, std::string* value,
             GetResult* result) const;

  const TableProperties& properties() const { return properties_; }

  // Approximate file offset where the data for internal_key is or would be:
  // the offset of the data block that would hold it, or the end of the data
  // blocks for a key past the last one. For size estimates.
  uint64_t ApproximateOffsetOf(std::string_view internal_key) const;

 private:
  TableReader(const Options& options, std::unique_ptr<RandomAccessFile> file, uint64_t file_size);

  // Reads and checks the metadata blocks; called once by Open.
  Status ReadMetadata(const Footer& footer);
  Status ReadMetaBlock(const BlockHandle& handle, std::string* contents) const;
  Status CheckIndex() const;
  // REQUIRES: handle lies within the file.
  Status ReadBlockFromFile(const BlockHandle& handle, bool verify_checksum,
                           std::unique_ptr<Block>* block) const;
  // Opens an iterator over the data block whose encoded handle is
  // index_value, through the cache.
  Status NewDataBlockIterator(const ReadOptions& read_options, std::string_view index_value,
                              std::unique_ptr<Iterator>* iter) const;
  // True if [handle.offset, + size + trailer) lies within the data blocks.
  bool IsDataBlockHandle(const BlockHandle& handle) const;

  // Const after Open.
  const Options options_;
  const std::unique_ptr<RandomAccessFile> file_;
  const uint64_t file_size_;
  std::unique_ptr<Block> index_block_;
  std::unique_ptr<BloomFilterReader> filter_;  // null if the table has none
  TableProperties properties_;
};

}  // namespace strata

#endif  // STRATA_SSTABLE_TABLE_READER_H_
