// Block: a read-only, parsed block in the format BlockBuilder writes, and its
// iterator (docs/FORMAT.md, "Block").
//
// Safety against damaged blocks: Parse checks the restart array (count fits
// the size, first restart at 0, offsets strictly increasing and inside the
// entry area) and the iterator bounds-checks every entry it decodes (lengths
// within the entry area, shared prefix no longer than the previous key,
// restart entries share nothing, internal keys at least 8 bytes). A damaged
// block gives Corruption through the iterator's status(), never an
// out-of-bounds read.
//
// Thread-safety: a Block is immutable after Parse, so any number of threads
// may iterate it at once, each with its own iterator.

#ifndef STRATA_SSTABLE_BLOCK_H_
#define STRATA_SSTABLE_BLOCK_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sstable/block_iter.h"
#include "strata/iterator.h"
#include "strata/status.h"
#include "util/internal_key.h"

namespace strata {

class Block {
 public:
  // Takes the uncompressed block in contents. Corruption if its restart
  // array is malformed.
  static Status Parse(std::string contents, std::unique_ptr<Block>* block);

  Block(const Block&) = delete;
  Block& operator=(const Block&) = delete;
  // Hands the block's bytes to the buffer pool (TakeBuffer).
  ~Block();

  // A buffer to read or decompress the next block into: empty, or, when a
  // destroyed block left one behind, that block's bytes (to be overwritten;
  // kept so that resizing it for the next block writes no zeros). A block
  // the cache evicts is destroyed on the thread that made room for another,
  // which reads its own block next; reusing the bytes spares a malloc and a
  // free of a few KiB per cache miss (glibc's free of such chunks, past its
  // per-thread cache, was 6-9% of a scan that misses the cache). The pool is
  // process-wide, holds at most 16 buffers of at most 64 KiB, and is safe
  // from any thread.
  static std::string TakeBuffer();

  // Bytes of the block, restart array included, and of its seek index (its
  // block-cache charge).
  size_t size() const { return contents_.size() + seek_index_.size() * sizeof(uint64_t); }

  // Builds the block's seek index, for a block searched often (a table's
  // index block): eight bytes of each restart key's user key, taken after
  // the prefix every restart key shares, big-endian in one array. A Seek
  // then binary-searches that array, whose upper steps stay in the CPU
  // cache, and compares whole keys only among restarts whose eight bytes
  // equal the target's; without it each step reads a restart offset and a
  // key in two cache lines of a block that may be 500 KiB. Only for a
  // bytewise user order (the array's order is bytewise); does nothing for
  // another comparator, a block with fewer than 16 restarts, or a damaged
  // restart key (the iterator reports that). Call before the block is
  // shared: it is not thread-safe.
  void BuildSeekIndex(const InternalKeyComparator& comparator);

  // An iterator over a block of internal keys (data and index blocks), in
  // comparator's order: Seek targets are compared that way. The block must
  // outlive the iterator. REQUIRES: every Seek target is an internal key.
  std::unique_ptr<Iterator> NewIterator(const InternalKeyComparator& comparator) const;
  // The same iterator built in place, for a caller that must not allocate
  // (a point lookup); same contract.
  BlockIter Iter(const InternalKeyComparator& comparator) const;
  // An iterator over a block of names in bytewise order (the metaindex and
  // properties blocks), whatever the database's comparator.
  std::unique_ptr<Iterator> NewNameIterator() const;

 private:
  Block(std::string contents, uint32_t restart_offset, uint32_t num_restarts);

  std::string contents_;           // never changed until the destructor gives it away
  const uint32_t restart_offset_;  // where the restart array starts = end of entries
  const uint32_t num_restarts_;
  // BuildSeekIndex's array (empty without one): entry i is the eight bytes
  // of restart key i's user key after its first seek_prefix_.size() bytes,
  // which every restart key's user key shares, zero-padded.
  std::vector<uint64_t> seek_index_;
  std::string seek_prefix_;
};

}  // namespace strata

#endif  // STRATA_SSTABLE_BLOCK_H_
