// TableWalker: reads an SSTable piece by piece, checking every piece and
// recording where each problem is, for the tools that look into tables
// (CheckDB, RepairDB and DumpTable, in src/inspect/).
//
// TableReader refuses a damaged table at Open and reports a damaged block as
// an error on the read that meets it; that is right for serving reads. A
// walker instead goes on past damage and says where it was: the footer, then
// the metaindex, properties, filter, range-deletion and index blocks, then each data block
// the index names, in file order. A data block counts as good only if all of
// it is: its checksum matches, it decompresses and parses, every key is a
// valid internal key, the keys strictly increase (within the block and from
// the last good block before it), they lie within the index's separators, and
// the bloom filter admits every user key. Entries are handed out for good
// blocks only, so a caller never sees half a block.
//
// Thread-safety: one thread at a time; the file must outlive the walker.

#ifndef STRATA_SSTABLE_TABLE_WALKER_H_
#define STRATA_SSTABLE_TABLE_WALKER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rangedel/range_tombstone.h"
#include "sstable/bloom_filter.h"
#include "sstable/format.h"
#include "sstable/table_properties.h"
#include "strata/comparator.h"
#include "strata/file_system.h"
#include "util/internal_key.h"

namespace strata {

class TableWalker {
 public:
  // A problem, at the file offset of the piece it is in.
  struct Damage {
    uint64_t offset = 0;
    std::string message;
  };
  // One index entry: the separator (an internal key) and its data block.
  struct IndexEntry {
    std::string separator;
    BlockHandle handle;
  };
  using EntryFn = std::function<void(std::string_view internal_key, std::string_view value)>;

  // comparator: the order the table's keys were written in (the
  // database's). Not owned; must outlive the walker.
  TableWalker(const RandomAccessFile* file, uint64_t file_size, const Comparator* comparator);
  TableWalker(const TableWalker&) = delete;
  TableWalker& operator=(const TableWalker&) = delete;
  ~TableWalker();

  // Reads and checks the footer, metaindex, properties, filter and index.
  // Returns false if the index block could not be read, so no data block can
  // be found; damage() says why. A damaged entry of the index ends it: the
  // entries before it are kept in index(). An I/O error (rather than damage) is returned
  // by status() and also makes this false.
  bool ReadMetadata();

  // Reads and checks every data block of index(), in order, calling on_entry
  // (if set) for each entry of each good block, then, if no damage was
  // found, checks the totals against the properties.
  // REQUIRES: ReadMetadata() returned true.
  void ReadDataBlocks(const EntryFn& on_entry);

  // Non-OK if reading the file failed (not damage).
  const Status& status() const { return status_; }
  const std::vector<Damage>& damage() const { return damage_; }

  uint64_t file_size() const { return file_size_; }
  bool footer_ok() const { return footer_ok_; }
  const Footer& footer() const { return footer_; }
  bool has_properties() const { return has_properties_; }
  const BlockHandle& properties_handle() const { return properties_handle_; }
  const TableProperties& properties() const { return properties_; }
  // A filter block, the built-in bloom filter's or a custom policy's (the
  // walker checks keys against the bloom filter only).
  bool has_filter() const { return has_filter_; }
  const BlockHandle& filter_handle() const { return filter_handle_; }
  const std::vector<IndexEntry>& index() const { return index_; }
  // The range-deletion block (format version 2) and its tombstones, in
  // block order; empty if the table has none or the block is damaged.
  bool has_range_del_block() const { return has_range_del_; }
  const BlockHandle& range_del_handle() const { return range_del_handle_; }
  const std::vector<RangeTombstone>& range_tombstones() const { return range_tombstones_; }

  uint64_t blocks_read() const { return blocks_read_; }  // good blocks, metadata included
  uint64_t bad_data_blocks() const { return bad_data_blocks_; }
  uint64_t entries_read() const { return entries_read_; }  // in good data blocks
  uint64_t bytes_read() const { return bytes_read_; }
  // Bytes (with trailers) of the data blocks that were not good.
  uint64_t bad_data_bytes() const { return bad_data_bytes_; }

 private:
  void AddDamage(uint64_t offset, std::string message);
  // Reads a metadata block; records damage and returns false on failure.
  bool ReadMetaBlock(const BlockHandle& handle, std::string_view what, std::string* contents);
  // Reads the metaindex and the properties and filter blocks it names.
  void ReadMetaindex();
  void ReadIndex(const BlockHandle& handle);
  void ReadRangeDelBlock();
  // Checks data block i; on success appends its entries to *entries.
  bool CheckDataBlock(size_t i, std::vector<std::pair<std::string, std::string>>* entries);
  void CheckTotals();

  const RandomAccessFile* const file_;
  const uint64_t file_size_;
  const InternalKeyComparator comparator_;
  Status status_;
  std::vector<Damage> damage_;

  bool footer_ok_ = false;
  Footer footer_;
  bool has_properties_ = false;
  BlockHandle properties_handle_;
  TableProperties properties_;
  bool has_filter_ = false;
  bool filter_is_bloom_ = false;
  BlockHandle filter_handle_;
  std::unique_ptr<BloomFilterReader> filter_;
  bool has_range_del_ = false;
  BlockHandle range_del_handle_;
  std::vector<RangeTombstone> range_tombstones_;
  bool index_read_ = false;
  std::vector<IndexEntry> index_;

  // Totals of the good data blocks, compared with the properties.
  uint64_t blocks_read_ = 0;
  uint64_t bad_data_blocks_ = 0;
  uint64_t entries_read_ = 0;
  uint64_t deletions_read_ = 0;
  uint64_t raw_key_bytes_ = 0;
  uint64_t raw_value_bytes_ = 0;
  uint64_t bytes_read_ = 0;
  uint64_t bad_data_bytes_ = 0;
  uint64_t min_sequence_ = 0;
  uint64_t max_sequence_ = 0;
  std::string first_key_;
  std::string last_key_;  // of the last good block: the next must start after it
};

}  // namespace strata

#endif  // STRATA_SSTABLE_TABLE_WALKER_H_
