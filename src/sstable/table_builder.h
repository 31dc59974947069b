// TableBuilder: writes a sorted run of internal keys as an SSTable
// (docs/FORMAT.md, "SSTable"), read back by TableReader.
//
// Entries go into data blocks of about block_size bytes (a block is cut once
// its estimated size reaches block_size), each compressed unless that saves
// less than 12.5%. Finish appends, in order: the filter block over the
// distinct user keys (the built-in bloom filter unless bloom_bits_per_key is
// 0, or filter_policy's filter), the index block (one entry per data block: a
// short separator key -> BlockHandle), the properties block, the metaindex
// block ("filter.bloom" or "filter.policy.<name>", "properties" and, with
// range tombstones, "rangedel" -> handles) and the 48-byte footer. A table
// with range tombstones also gets a range-deletion block (before the
// properties block) and format version 2; one without is unchanged.
//
// Errors: the first failed write is kept in status(); later calls do nothing.
//
// Thread-safety: one thread at a time.

#ifndef STRATA_SSTABLE_TABLE_BUILDER_H_
#define STRATA_SSTABLE_TABLE_BUILDER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rangedel/range_tombstone.h"
#include "sstable/block_builder.h"
#include "sstable/bloom_filter.h"
#include "sstable/filter_policy_internal.h"
#include "sstable/format.h"
#include "sstable/table_properties.h"
#include "strata/comparator.h"
#include "strata/file_system.h"
#include "strata/filter_policy.h"
#include "strata/options.h"
#include "strata/status.h"
#include "util/internal_key.h"

namespace strata {

// The table-shaping settings of Options (see options.h for their trade-offs).
struct TableBuilderOptions {
  size_t block_size = 4096;         // bytes of a data block before compression
  int block_restart_interval = 16;  // keys between restart points in data blocks
  int bloom_bits_per_key = 10;      // 0: no filter block
  CompressionType compression = kLZ4Compression;
  // The order of user keys (keys must be added in it; index separators are
  // shortened with its FindShortestSeparator/FindShortSuccessor). Not owned.
  const Comparator* comparator = BytewiseComparator();
  // nullptr: the built-in bloom filter of bloom_bits_per_key. Otherwise the
  // policy builds the filter (NewBloomFilterPolicy's tables are the same
  // bytes as the built-in filter's). Not owned.
  const FilterPolicy* filter_policy = nullptr;
};

class TableBuilder {
 public:
  // Writes to file from its current position, which must be 0 (handles are
  // offsets from the start). file is not owned and must outlive the builder.
  TableBuilder(const TableBuilderOptions& options, WritableFile* file);
  // REQUIRES: Finish or Abandon was called.
  ~TableBuilder();
  TableBuilder(const TableBuilder&) = delete;
  TableBuilder& operator=(const TableBuilder&) = delete;

  // Adds one entry; copies what it keeps.
  // REQUIRES: internal_key is a valid internal key, greater than every key
  // added before (in the comparator's internal-key order); Finish and Abandon not called.
  void Add(std::string_view internal_key, std::string_view value);

  // Adds a range tombstone to the table's range-deletion block. Tombstones
  // may come in any order and at any time before Finish; they do not count
  // in NumEntries.
  void AddRangeTombstone(const RangeTombstone& tombstone);
  uint64_t NumRangeTombstones() const { return range_tombstones_.size(); }

  // Writes the last data block, the filter, index, properties and metaindex
  // blocks and the footer. Does not Sync or Close the file.
  // REQUIRES: Finish and Abandon not called.
  Status Finish();

  // Gives up on the table: nothing more is written. The caller deletes the
  // file. REQUIRES: Finish and Abandon not called.
  void Abandon();

  Status status() const { return status_; }
  uint64_t NumEntries() const { return properties_.num_entries; }
  // Bytes written so far; the final file size after Finish.
  uint64_t FileSize() const { return offset_; }
  // Complete after Finish; the counters are up to date at any time.
  const TableProperties& properties() const { return properties_; }

 private:
  // Ends the current data block (if it holds anything) and writes it.
  void FlushDataBlock();
  // Compresses (if type says so and it pays) and appends contents and its
  // trailer, recording where in *handle.
  void WriteBlock(std::string_view contents, CompressionType type, BlockHandle* handle);
  // Adds the index entry for the last written data block, with a separator
  // key between its last key and next_key (a successor if next_key is empty).
  void AddIndexEntry(std::string_view next_key);
  void Append(std::string_view data);
  // The custom policy's filter over the distinct user keys added.
  std::string PolicyFilter() const;

  const TableBuilderOptions options_;
  const InternalKeyComparator comparator_;
  WritableFile* const file_;

  uint64_t offset_ = 0;
  Status status_;
  bool closed_ = false;  // Finish or Abandon called

  BlockBuilder data_block_;
  BlockBuilder index_block_;
  // At most one of the two filters: the built-in bloom filter (also for
  // NewBloomFilterPolicy), or a custom policy's, whose CreateFilter needs the
  // table's distinct user keys at Finish: kept in policy_keys_ (concatenated)
  // and policy_key_ends_ (where each ends).
  std::unique_ptr<BloomFilterBuilder> filter_;
  const FilterPolicy* policy_ = nullptr;
  std::string policy_keys_;
  std::vector<size_t> policy_key_ends_;
  TableProperties properties_;
  std::string last_key_;
  std::vector<RangeTombstone> range_tombstones_;

  // A data block was written but its index entry waits for the next key, so
  // the separator can be short (it only needs to sort below that key).
  bool pending_index_entry_ = false;
  BlockHandle pending_handle_;

  std::string compressed_;  // scratch for WriteBlock
};

}  // namespace strata

#endif  // STRATA_SSTABLE_TABLE_BUILDER_H_
