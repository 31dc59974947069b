// BlockBuilder: builds one block of sorted key/value entries with prefix
// compression, the format Block reads (docs/FORMAT.md, "Block"):
//
//   entry    = varint32 shared ++ varint32 unshared ++ varint32 value_size
//              ++ key[shared..] (unshared bytes) ++ value
//   block    = entry* ++ fixed32 restart_offset* ++ fixed32 num_restarts
//
// `shared` is the length of the prefix the key has in common with the
// previous key. Every restart_interval-th entry is a restart point: it stores
// its whole key (shared = 0) and its offset is listed in the restart array,
// so a reader can binary-search the restarts and decode from any of them.
// An empty block is just fixed32 0.
//
// Invariants: entries are added in strictly increasing key order (the
// caller's order: TableBuilder checks internal-key order); the first entry is
// a restart point at offset 0; restart offsets strictly increase.
//
// Thread-safety: one thread at a time.

#ifndef STRATA_SSTABLE_BLOCK_BUILDER_H_
#define STRATA_SSTABLE_BLOCK_BUILDER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

class BlockBuilder {
 public:
  // REQUIRES: restart_interval >= 1.
  explicit BlockBuilder(int restart_interval);
  BlockBuilder(const BlockBuilder&) = delete;
  BlockBuilder& operator=(const BlockBuilder&) = delete;

  // Starts a new, empty block; views returned by Finish become invalid.
  void Reset();

  // Appends an entry, copying key and value.
  // REQUIRES: !finished; key sorts after every key added since Reset in the
  // order the block will be read with (not checked here); the block stays
  // below 4 GiB (its offsets are 32-bit).
  void Add(std::string_view key, std::string_view value);

  // Appends the restart array and returns the whole block, valid until the
  // next Reset or the builder's destruction.
  std::string_view Finish();

  // Bytes the block would take if finished now.
  size_t CurrentSizeEstimate() const;

  bool empty() const { return restarts_.empty(); }
  int num_entries() const { return num_entries_; }

 private:
  const int restart_interval_;
  std::string buffer_;
  std::vector<uint32_t> restarts_;
  int counter_ = 0;  // entries since the last restart point
  int num_entries_ = 0;
  bool finished_ = false;
  std::string last_key_;
};

}  // namespace strata

#endif  // STRATA_SSTABLE_BLOCK_BUILDER_H_
