// BuildTable: writes the entries of an internal-key iterator into a new,
// synced table file, for flushes and (later) compactions.
//
// Thread-safety: touches only the new file; call without the DB mutex.

#ifndef STRATA_LSM_BUILD_TABLE_H_
#define STRATA_LSM_BUILD_TABLE_H_

#include <string>
#include <vector>

#include "lsm/table_cache.h"
#include "lsm/version_edit.h"
#include "rangedel/fragmented_range_tombstones.h"
#include "sstable/table_builder.h"
#include "strata/iterator.h"
#include "strata/options.h"

namespace strata {

// The table builder's settings, taken from the DB's options.
TableBuilderOptions TableOptionsFrom(const Options& options);

// Writes every entry of iter, and every range tombstone of range_tombstones
// (nullptr: none), to table meta->number, syncs and closes it, and opens it
// through table_cache to check it reads back. Fills in meta's size, key
// range (widened to cover the tombstones) and has_range_tombstones. Nothing
// to write makes no file (meta->file_size == 0). On error the partial file
// is removed.
//
// With snapshots (the live snapshots' sequence numbers, ascending), an
// entry no reader can see is left out, as a compaction drops it: an older
// version of a user key that a newer one in the input shadows for every
// snapshot that sees it (no snapshot between the two; a snapshot taken
// later is above every entry of a flushed memtable, so it sees only the
// newest). Also the
// entries those tombstones delete for every reader are left out
// (FragmentedRangeTombstones::DeletesForEveryReader), as a compaction would
// drop them; the tombstones are written all the same. Only for an input
// that holds every version the tombstones may hide (a memtable with its own
// tombstones): a tombstone written here hides older versions in older
// tables too.
Status BuildTable(const std::string& dbname, FileSystem* fs, const Options& options,
                  TableCache* table_cache, Iterator* iter,
                  const FragmentedRangeTombstones* range_tombstones, FileMetaData* meta,
                  const std::vector<SequenceNumber>* snapshots = nullptr);

// Widens meta's smallest and largest keys to cover tombstone.
void ExtendRangeForTombstone(const InternalKeyComparator& comparator,
                             const RangeTombstone& tombstone, FileMetaData* meta);

}  // namespace strata

#endif  // STRATA_LSM_BUILD_TABLE_H_
