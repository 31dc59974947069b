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

Status BuildTable(const std::string& dbname, FileSystem* fs, const Options& options,
                  TableCache* table_cache, Iterator* iter, FileMetaData* meta) {
  meta->file_size = 0;
  iter->SeekToFirst();
  if (!iter->Valid()) return iter->status();

  std::string fname = TableFileName(dbname, meta->number);
  std::unique_ptr<WritableFile> file;
  Status s = fs->NewWritableFile(fname, &file);
  if (!s.ok()) return s;

  TableBuilder builder(TableOptionsFrom(options), file.get());
  meta->smallest.assign(iter->key());
  for (; iter->Valid(); iter->Next()) {
    // Copied each time: the iterator's key view dies when it moves.
    meta->largest.assign(iter->key());
    builder.Add(iter->key(), iter->value());
  }
  s = iter->status();
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
