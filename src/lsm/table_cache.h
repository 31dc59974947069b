// TableCache: the open TableReaders, at most max_open_files of them, kept in
// an LRU LRUCache (the buffer pool's implementation, each table charged 1) keyed
// by file number. Opening a table reads its footer, index and filter, so
// keeping readers open makes every later lookup in that file cheaper.
//
// A reader in use is pinned by its cache handle: an iterator holds its
// table's handle until it is destroyed, so eviction never closes a file under
// a reader.
//
// With Options::allow_mmap_reads the cached readers read their files
// through a memory mapping. A read that will not fill the block cache (a
// compaction, or ReadOptions::fill_cache false) reads the whole table once:
// it gets a reader of its own that reads with pread, so the table's pages do
// not all join the process's resident set through the mapping.
//
// Its readers share one ReadAheadThread, which reads data blocks ahead of
// scans into the block cache (Options::scan_readahead_blocks).
//
// The block cache may be shared with other TableCaches (other DBs): each
// takes its own id from it at construction and names its tables' blocks with
// it, so equal file numbers in different DBs never share a block.
//
// Thread-safety: all methods may be called concurrently.

#ifndef STRATA_LSM_TABLE_CACHE_H_
#define STRATA_LSM_TABLE_CACHE_H_

#include <memory>
#include <string>
#include <vector>

#include "buffer/lru_cache.h"
#include "lsm/version_edit.h"
#include "sstable/table_reader.h"
#include "strata/file_system.h"
#include "strata/options.h"

namespace strata {

class TableCache {
 public:
  // block_cache (nullptr: no block cache) and stats are shared by every
  // table; both must outlive this. block_cache may also serve other
  // TableCaches.
  TableCache(const std::string& dbname, const Options& options, FileSystem* fs,
             LRUCache* block_cache, TableReadStats* stats);
  TableCache(const TableCache&) = delete;
  TableCache& operator=(const TableCache&) = delete;

  // An internal-key iterator over the table; an iterator reporting the error
  // if the table cannot be opened. With !options.fill_cache and mapped
  // reads, over a reader of its own (see above). `caller` decides whether
  // its blocks count in the read statistics (TableReadCaller).
  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options, const FileMetaData& file,
                                        TableReadCaller caller = TableReadCaller::kUser);

  // Looks key up in the table (see TableReader::Get).
  Status Get(const ReadOptions& options, const FileMetaData& file, const LookupKey& key,
             std::string* value, TableReader::GetResult* result, SequenceNumber* seq = nullptr);

  // The largest sequence number of the table's entries (range tombstones
  // not counted), from its properties.
  Status GetMaxSequence(const FileMetaData& file, SequenceNumber* seq);

  // The table's fragmented range tombstones (nullptr if it has none), kept
  // alive by the returned pointer after the table closes.
  Status GetRangeTombstones(const FileMetaData& file,
                            std::shared_ptr<const FragmentedRangeTombstones>* tombstones);
  // Appends the range tombstones of a table the MANIFEST says has some
  // (file.has_range_tombstones; others add nothing) to *out, as the table's
  // fragments; Corruption if the table's range-deletion block is gone.
  Status AppendRangeTombstones(const FileMetaData& file, std::vector<RangeTombstone>* out);

  // The approximate offset in the table of internal_key (see
  // TableReader::ApproximateOffsetOf) in *offset.
  Status ApproximateOffsetOf(const FileMetaData& file, std::string_view internal_key,
                             uint64_t* offset);

  // Closes the table if it is open (after its file is deleted).
  void Evict(uint64_t file_number);

  LRUCache::Stats GetStats() const { return cache_.GetStats(); }

  // Returns once the read-ahead thread, if any, has nothing queued or
  // running (tests).
  void TEST_WaitForReadAhead() {
    if (read_ahead_ != nullptr) read_ahead_->WaitIdleForTesting();
  }

 private:
  Status FindTable(const FileMetaData& file, LRUCache::Handle** handle);
  // Opens file's table, reading it through a mapping if `mapped`.
  Status OpenTable(const FileMetaData& file, bool mapped, std::unique_ptr<TableReader>* table);
  // Whether cached readers map their files.
  bool MapsTables() const { return options_.allow_mmap_reads && options_.memory_budget == 0; }

  const std::string dbname_;
  const Options options_;
  FileSystem* const fs_;
  LRUCache* const block_cache_;
  const uint64_t block_cache_id_;  // prefixes this cache's keys in block_cache_
  TableReadStats* const stats_;
  // Reads blocks ahead of scans (Options::scan_readahead_blocks); null when
  // that is 0 or there is no block cache. Destroyed after the readers.
  const std::unique_ptr<ReadAheadThread> read_ahead_;
  LRUCache cache_;
};

}  // namespace strata

#endif  // STRATA_LSM_TABLE_CACHE_H_
