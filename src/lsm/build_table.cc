// BuildTable; see build_table.h.

#include "lsm/build_table.h"

#include "lsm/filename.h"
#include "sstable/table_builder.h"

namespace strata {

TableBuilderOptions TableOptionsFrom(const Options& options) {
  TableBuilderOptions t;
  t.block_size = options.block_size;
  t.block_restart_interval = options.block_restart_interval;
  t.bloom_bits_per_key = options.bloom_bits_per_key;
  t.compression = options.compression;
  t.comparator = options.comparator;
  t.filter_policy = options.filter_policy;
  return t;
}

void ExtendRangeForTombstone(const InternalKeyComparator& comparator,
                             const RangeTombstone& tombstone, FileMetaData* meta) {
  std::string smallest = tombstone.SmallestKey();
  std::string largest = tombstone.LargestKey();
  if (meta->smallest.empty() || comparator.Compare(smallest, meta->smallest) < 0) {
    meta->smallest = std::move(smallest);
  }
  if (meta->largest.empty() || comparator.Compare(largest, meta->largest) > 0) {
    meta->largest = std::move(largest);
  }
  meta->has_range_tombstones = true;
}

Status BuildTable(const std::string& dbname, FileSystem* fs, const Options& options,
                  TableCache* table_cache, Iterator* iter,
                  const FragmentedRangeTombstones* range_tombstones, FileMetaData* meta,
                  const std::vector<SequenceNumber>* snapshots) {
  meta->file_size = 0;
  meta->smallest.clear();
  meta->largest.clear();
  meta->has_range_tombstones = false;
  iter->SeekToFirst();
  const bool has_tombstones = range_tombstones != nullptr && !range_tombstones->empty();
  if (!iter->Valid() && (!iter->status().ok() || !has_tombstones)) return iter->status();

  std::string fname = TableFileName(dbname, meta->number);
  std::unique_ptr<WritableFile> file;
  Status s = fs->NewWritableFile(fname, &file);
  if (!s.ok()) return s;

  TableBuilder builder(TableOptionsFrom(options), file.get());
  const InternalKeyComparator comparator(options.comparator);
  const bool drop_deleted = has_tombstones && snapshots != nullptr;
  // With snapshots: the user key of the last entry written and the stripe
  // of snapshots that saw it (the oldest snapshot at or above its sequence;
  // snapshots->size() stands for "now"). An older version of the same key in
  // the same stripe is seen by nobody.
  std::string last_user_key;
  bool has_last = false;
  size_t last_stripe = 0;
  for (; iter->Valid(); iter->Next()) {
    if (snapshots != nullptr) {
      ParsedInternalKey ikey;
      if (!ParseInternalKey(iter->key(), &ikey)) {
        s = Status::Corruption("bad internal key in a table's input");
        break;
      }
      const size_t stripe = SnapshotStripe(*snapshots, ikey.sequence);
      if (has_last && comparator.CompareUserKeys(ikey.user_key, last_user_key) == 0) {
        if (stripe == last_stripe) continue;  // shadowed for every reader
      } else {
        last_user_key.assign(ikey.user_key);
        has_last = true;
      }
      last_stripe = stripe;
      if (drop_deleted &&
          range_tombstones->DeletesForEveryReader(ikey.user_key, ikey.sequence, *snapshots)) {
        continue;
      }
    }
    if (meta->smallest.empty()) meta->smallest.assign(iter->key());
    // Copied each time: the iterator's key view dies when it moves.
    meta->largest.assign(iter->key());
    builder.Add(iter->key(), iter->value());
  }
  if (has_tombstones) {
    for (const RangeTombstone& t : range_tombstones->ToTombstones()) {
      builder.AddRangeTombstone(t);
      ExtendRangeForTombstone(comparator, t, meta);
    }
  }
  if (s.ok()) s = iter->status();
  if (s.ok()) {
    s = builder.Finish();
  } else {
    builder.Abandon();
  }
  if (s.ok()) s = file->Sync();
  Status close = file->Close();
  if (s.ok()) s = close;
  if (s.ok()) {
    meta->file_size = builder.FileSize();
    // Read the new table back before anything relies on it.
    std::unique_ptr<Iterator> check = table_cache->NewIterator(ReadOptions(), *meta);
    s = check->status();
  }
  if (!s.ok()) {
    (void)fs->RemoveFile(fname);
    meta->file_size = 0;
  }
  return s;
}

}  // namespace strata
