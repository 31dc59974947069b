// CompactionRangeDel: what a compaction does with range tombstones, kept out
// of the compaction loop (db_compaction.cc) so the loop only asks two
// questions: "is this version covered?" and "which tombstones go into the
// output table that ends here?".
//
// Rules (the snapshots cut sequence numbers into stripes, as for point
// versions; stripe(s) = the oldest snapshot, or "now", that sees s):
//  1. A version (k, s) is dropped if a tombstone of the inputs covers k with
//     a seq T > s in the same stripe as s: every reader that sees the
//     version also sees the tombstone. A snapshot between s and T keeps it.
//  2. Of the tombstones covering one fragment, only the newest of each
//     stripe is written out: an older one in the same stripe hides nothing
//     the newer one does not, for every reader.
//  3. A tombstone in stripe 0 (seen by every snapshot) is dropped when no
//     level below the output holds a key of its range: with rule 1 it has
//     already removed everything it covers.
//  4. Output tables split the tombstones at their boundaries: the table
//     that ends where the next begins (at user key u) holds the pieces
//     below u, the next one those from u, so no piece is lost and every
//     table's key range covers its pieces.
//
// Thread-safety: used by the one thread running the compaction.

#ifndef STRATA_LSM_COMPACTION_RANGE_DEL_H_
#define STRATA_LSM_COMPACTION_RANGE_DEL_H_

#include <memory>
#include <string_view>
#include <vector>

#include "lsm/compaction.h"
#include "lsm/table_cache.h"
#include "rangedel/fragmented_range_tombstones.h"
#include "sstable/table_builder.h"

namespace strata {

class CompactionRangeDel {
 public:
  // snapshots: ascending, as DoCompactionWork gets them.
  CompactionRangeDel(const Compaction* compaction, std::vector<SequenceNumber> snapshots)
      : compaction_(compaction), snapshots_(std::move(snapshots)) {}

  // Reads the tombstones of every input table.
  Status Load(TableCache* table_cache);

  bool empty() const { return tombstones_ == nullptr || tombstones_->empty(); }

  // Rule 1.
  bool ShouldDrop(std::string_view user_key, SequenceNumber seq) const;

  // Whether some tombstone piece would be written in [lower, upper)
  // (nullptr: unbounded), so an output table is needed even with no point
  // entries.
  bool HasOutputIn(const std::string_view* lower, const std::string_view* upper) const;

  // Rules 2-4: adds the pieces within [lower, upper) to builder and widens
  // meta's key range to cover them.
  void AddToOutput(const std::string_view* lower, const std::string_view* upper,
                   TableBuilder* builder, FileMetaData* meta) const;

 private:
  // The tombstones of one fragment piece to write (rules 2 and 3).
  std::vector<SequenceNumber> SeqsToKeep(const FragmentedRangeTombstones::Fragment& f) const;
  // No level below the output holds a key in [begin, end).
  bool IsBottommostForRange(std::string_view begin, std::string_view end) const;

  const Compaction* const compaction_;
  const std::vector<SequenceNumber> snapshots_;
  std::shared_ptr<const FragmentedRangeTombstones> tombstones_;
};

}  // namespace strata

#endif  // STRATA_LSM_COMPACTION_RANGE_DEL_H_
