// TwoLevelIterator: iterates a sequence of blocks through an index. The index
// iterator yields one entry per block (key >= every key of that block and <
// every key of the next; value = what block_function needs to open it), and
// block_function opens the block's iterator. Used for a table's data blocks
// under its index block; usable for any index -> iterator layout.
//
// Errors: a failed block_function or a data or index iterator with a
// non-OK status stops iteration; status() reports the first error and the
// iterator stays !Valid() from then on (a later Seek does not clear it).
//
// Thread-safety: like every Iterator, one thread at a time.

#ifndef STRATA_SSTABLE_TWO_LEVEL_ITERATOR_H_
#define STRATA_SSTABLE_TWO_LEVEL_ITERATOR_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "strata/iterator.h"
#include "strata/status.h"

namespace strata {

class TwoLevelIterator final : public Iterator {
 public:
  // Opens the iterator of the block whose index value is index_value.
  using BlockFunction =
      std::function<Status(std::string_view index_value, std::unique_ptr<Iterator>* block_iter)>;

  // Whether a block may be skipped, given an index key: for past_end, the
  // index key of the block just finished walking forward (true: no later
  // block holds a wanted key, so iteration ends there without reading the
  // next one); for before_start, the index key of the block a backward walk
  // would open next (true: neither it nor any earlier block holds one).
  using SkipFunction = std::function<bool(std::string_view index_key)>;

  // Told how the iterator moves across blocks, to read blocks ahead of a
  // walk (sstable/read_ahead.h): Entered for each block a walk enters from
  // its neighbour (before the block is opened), with the iterator's own
  // bounds, which live at least as long as the ReadAhead (it is destroyed
  // first); Reset for each seek.
  class ReadAhead {
   public:
    virtual ~ReadAhead() = default;
    virtual void Entered(std::string_view index_key, bool forward, const SkipFunction& past_end,
                         const SkipFunction& before_start) = 0;
    virtual void Reset() = 0;
  };

  // Both levels are ordered alike; Seek targets go to both. past_end and
  // before_start may be empty (no bound). last_before, if not empty, makes
  // SeekToLast go to the last entry ordered before it, not the last of all:
  // with past_end cutting walks short, an iterator that a Seek left invalid
  // may still hold later entries, and a merging iterator turning backward
  // relies on SeekToLast landing before the key it turns at.
  // read_ahead may be null (no read-ahead).
  TwoLevelIterator(std::unique_ptr<Iterator> index_iter, BlockFunction block_function,
                   SkipFunction past_end = {}, SkipFunction before_start = {},
                   std::string last_before = {}, std::unique_ptr<ReadAhead> read_ahead = nullptr);

  bool Valid() const override;
  void SeekToFirst() override;
  void SeekToLast() override;
  void Seek(std::string_view target) override;
  void Next() override;
  void Prev() override;
  std::string_view key() const override;
  std::string_view value() const override;
  Status status() const override;

 private:
  // Opens the block the index iterator is at (keeping the open one if it is
  // the same block); clears data_iter_ if the index is exhausted or failed.
  void InitDataBlock();
  // Move across blocks until data_iter_ is Valid, the index runs out, or an
  // error stops iteration.
  void SkipEmptyDataBlocksForward();
  void SkipEmptyDataBlocksBackward();
  // Moves a data iterator's error into status_. Returns false if there was one.
  bool CheckDataStatus();

  const BlockFunction block_function_;
  const SkipFunction past_end_;
  const SkipFunction before_start_;
  const std::string last_before_;
  const std::unique_ptr<Iterator> index_iter_;
  std::unique_ptr<Iterator> data_iter_;  // null when no block is open
  std::string data_block_index_value_;   // index value data_iter_ was opened from
  Status status_;                        // first error met; sticky
  // Last, so destroyed first: it may wait for work on this iterator's table.
  const std::unique_ptr<ReadAhead> read_ahead_;
};

}  // namespace strata

#endif  // STRATA_SSTABLE_TWO_LEVEL_ITERATOR_H_
