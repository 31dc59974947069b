// TableCache; see table_cache.h.

#include "lsm/table_cache.h"

#include "lsm/filename.h"
#include "util/coding.h"
#include "util/pinning_iterator.h"

namespace strata {
namespace {

// Files the engine keeps open besides tables: WAL, MANIFEST, LOCK and slack.
constexpr int kReservedFiles = 10;

void DeleteTable(std::string_view, void* value) { delete static_cast<TableReader*>(value); }

}  // namespace

TableCache::TableCache(const std::string& dbname, const Options& options, FileSystem* fs,
                       LRUCache* block_cache, TableReadStats* stats)
    : dbname_(dbname),
      options_(options),
      fs_(fs),
      block_cache_(block_cache),
      block_cache_id_(block_cache != nullptr ? block_cache->NewId() : 0),
      stats_(stats),
      read_ahead_(options.scan_readahead_blocks > 0 && block_cache != nullptr
                      ? std::make_unique<ReadAheadThread>()
                      : nullptr),
      cache_(static_cast<size_t>(options.max_open_files - kReservedFiles), 0) {}

Status TableCache::FindTable(const FileMetaData& file, LRUCache::Handle** handle) {
  char key[8];
  EncodeFixed64(key, file.number);
  std::string_view cache_key(key, sizeof(key));
  *handle = cache_.Lookup(cache_key);
  if (*handle != nullptr) return Status::OK();

  std::unique_ptr<TableReader> table;
  Status s = OpenTable(file, MapsTables(), &table);
  if (!s.ok()) return s;
  // Errors are not cached: a later read retries, so a transient I/O error
  // does not stick to the file.
  *handle = cache_.Insert(cache_key, table.release(), 1, &DeleteTable);
  return Status::OK();
}

Status TableCache::OpenTable(const FileMetaData& file, bool mapped,
                             std::unique_ptr<TableReader>* table) {
  std::string fname = TableFileName(dbname_, file.number);
  std::unique_ptr<RandomAccessFile> raf;
  Status s =
      mapped ? fs_->NewMappedRandomAccessFile(fname, &raf) : fs_->NewRandomAccessFile(fname, &raf);
  if (s.IsNotFound()) return Status::Corruption("missing table file", fname);
  if (!s.ok()) return s;
  TableReader::Options topts;
  topts.verify_checksums = true;
  topts.paranoid_checks = options_.paranoid_checks;
  topts.block_cache = block_cache_;
  topts.cache_id = block_cache_id_;
  topts.file_number = file.number;
  topts.stats = stats_;
  topts.read_ahead = read_ahead_.get();
  topts.read_ahead_max_blocks = static_cast<int>(options_.scan_readahead_blocks);
  // With a memory budget, index and filter blocks count against it.
  topts.cache_index_and_filter = options_.memory_budget != 0;
  topts.comparator = options_.comparator;
  topts.filter_policy = options_.filter_policy;
  s = TableReader::Open(topts, std::move(raf), file.file_size, table);
  if (!s.ok()) return Status(s.IsCorruption() ? Status::Corruption(fname, s.ToString()) : s);
  return Status::OK();
}

std::unique_ptr<Iterator> TableCache::NewIterator(const ReadOptions& options,
                                                  const FileMetaData& file,
                                                  TableReadCaller caller) {
  if (!options.fill_cache && MapsTables()) {
    // Blocks already in the block cache are still found there (same
    // cache id and file number); the rest is read with pread.
    std::unique_ptr<TableReader> table;
    Status s = OpenTable(file, /*mapped=*/false, &table);
    if (!s.ok()) return NewEmptyIterator(s);
    std::unique_ptr<Iterator> iter = table->NewIterator(options, caller);
    return NewPinningIterator(std::move(table), std::move(iter));
  }
  LRUCache::Handle* handle = nullptr;
  Status s = FindTable(file, &handle);
  if (!s.ok()) return NewEmptyIterator(s);
  CacheHandleRef pin(&cache_, handle);
  auto* table = static_cast<TableReader*>(pin.value());
  return NewPinningIterator(std::move(pin), table->NewIterator(options, caller));
}

Status TableCache::Get(const ReadOptions& options, const FileMetaData& file, const LookupKey& key,
                       std::string* value, TableReader::GetResult* result, SequenceNumber* seq) {
  LRUCache::Handle* handle = nullptr;
  Status s = FindTable(file, &handle);
  if (!s.ok()) return s;
  auto* table = static_cast<TableReader*>(cache_.Value(handle));
  s = table->Get(options, key, value, result, seq);
  cache_.Release(handle);
  return s;
}

Status TableCache::GetMaxSequence(const FileMetaData& file, SequenceNumber* seq) {
  LRUCache::Handle* handle = nullptr;
  Status s = FindTable(file, &handle);
  if (!s.ok()) return s;
  *seq = static_cast<TableReader*>(cache_.Value(handle))->properties().max_sequence;
  cache_.Release(handle);
  return Status::OK();
}

Status TableCache::GetRangeTombstones(
    const FileMetaData& file, std::shared_ptr<const FragmentedRangeTombstones>* tombstones) {
  LRUCache::Handle* handle = nullptr;
  Status s = FindTable(file, &handle);
  if (!s.ok()) return s;
  *tombstones = static_cast<TableReader*>(cache_.Value(handle))->range_tombstones();
  cache_.Release(handle);
  return Status::OK();
}

Status TableCache::AppendRangeTombstones(const FileMetaData& file,
                                         std::vector<RangeTombstone>* out) {
  if (!file.has_range_tombstones) return Status::OK();
  std::shared_ptr<const FragmentedRangeTombstones> list;
  Status s = GetRangeTombstones(file, &list);
  if (!s.ok()) return s;
  if (list == nullptr) {
    return Status::Corruption("table " + std::to_string(file.number) +
                              " lost its range-deletion block");
  }
  std::vector<RangeTombstone> pieces = list->ToTombstones();
  out->insert(out->end(), std::make_move_iterator(pieces.begin()),
              std::make_move_iterator(pieces.end()));
  return Status::OK();
}

Status TableCache::ApproximateOffsetOf(const FileMetaData& file, std::string_view internal_key,
                                       uint64_t* offset) {
  LRUCache::Handle* handle = nullptr;
  Status s = FindTable(file, &handle);
  if (!s.ok()) return s;
  *offset = static_cast<TableReader*>(cache_.Value(handle))->ApproximateOffsetOf(internal_key);
  cache_.Release(handle);
  return Status::OK();
}

void TableCache::Evict(uint64_t file_number) {
  char key[8];
  EncodeFixed64(key, file_number);
  cache_.Erase(std::string_view(key, sizeof(key)));
}

}  // namespace strata
