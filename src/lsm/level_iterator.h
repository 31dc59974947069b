// LevelIterator: one internal-key iterator over the files of a level >= 1,
// whose key ranges are sorted and disjoint. It opens one table at a time,
// choosing it by binary search on the files' largest keys, in both
// directions.
//
// Thread-safety: not thread-safe, like every iterator. The file list and the
// table cache must outlive it (the DB's ReadState pins them).

#ifndef STRATA_LSM_LEVEL_ITERATOR_H_
#define STRATA_LSM_LEVEL_ITERATOR_H_

#include <memory>
#include <vector>

#include "lsm/table_cache.h"
#include "lsm/version_edit.h"

namespace strata {

// `caller` is passed to every table it opens (TableCache::NewIterator).
std::unique_ptr<Iterator> NewLevelIterator(
    const ReadOptions& options, TableCache* table_cache, const InternalKeyComparator& comparator,
    const std::vector<std::shared_ptr<const FileMetaData>>* files,
    TableReadCaller caller = TableReadCaller::kUser);

// Index of the first file whose largest key is >= internal_key in
// comparator's order (files.size() if none). REQUIRES: files sorted and
// disjoint in that order.
size_t FindFile(const InternalKeyComparator& comparator,
                const std::vector<std::shared_ptr<const FileMetaData>>& files,
                std::string_view internal_key);

}  // namespace strata

#endif  // STRATA_LSM_LEVEL_ITERATOR_H_
