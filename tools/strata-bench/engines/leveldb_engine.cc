// The LevelDB adapter (Debian's libleveldb-dev), compiled only when CMake
// finds the library. LevelDB 1.23 compresses with snappy or not at all: asked
// for lz4 or zstd it uses snappy, and Caveats says so. Reads verify block
// checksums, as StrataDB's and RocksDB's do by default (LevelDB's default is
// not to), so every engine does the same work per block read from disk.
//
// Thread-safety: as Engine; leveldb::DB is safe for concurrent use.

#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/filter_policy.h>

#include "engine.h"

namespace strata::bench {
namespace {

std::string_view View(const leveldb::Slice& s) { return {s.data(), s.size()}; }
leveldb::Slice ToSlice(std::string_view s) { return {s.data(), s.size()}; }

Status FromLevelDb(const leveldb::Status& s) {
  if (s.ok()) return Status::OK();
  if (s.IsNotFound()) return Status::NotFound(s.ToString());
  if (s.IsCorruption()) return Status::Corruption(s.ToString());
  if (s.IsNotSupportedError()) return Status::NotSupported(s.ToString());
  if (s.IsInvalidArgument()) return Status::InvalidArgument(s.ToString());
  return Status::IOError(s.ToString());
}

class LevelDbIterator final : public Iterator {
 public:
  explicit LevelDbIterator(leveldb::Iterator* it) : it_(it) {}
  bool Valid() const override { return it_->Valid(); }
  void SeekToFirst() override { it_->SeekToFirst(); }
  void SeekToLast() override { it_->SeekToLast(); }
  void Seek(std::string_view target) override { it_->Seek(ToSlice(target)); }
  void Next() override { it_->Next(); }
  void Prev() override { it_->Prev(); }
  std::string_view key() const override { return View(it_->key()); }
  std::string_view value() const override { return View(it_->value()); }
  Status status() const override { return FromLevelDb(it_->status()); }

 private:
  std::unique_ptr<leveldb::Iterator> it_;
};

class LevelDbEngine final : public Engine {
 public:
  LevelDbEngine() {
    sync_.sync = true;
    read_options_.verify_checksums = true;
  }
  ~LevelDbEngine() override { Close(); }

  std::string_view name() const override { return "leveldb"; }
  std::string version() const override {
    return std::to_string(leveldb::kMajorVersion) + "." + std::to_string(leveldb::kMinorVersion);
  }
  std::string Caveats(const EngineOptions& options) const override {
    if (options.compression == Compression::kLz4 || options.compression == Compression::kZstd) {
      return std::string(CompressionName(options.compression)) + " unsupported, using snappy";
    }
    return {};
  }

  Status Open(const EngineOptions& options, const std::string& path) override {
    cache_.reset(leveldb::NewLRUCache(options.cache_size));
    cache_capacity_ = options.cache_size;
    bloom_bits_ = options.bloom_bits;
    if (options.bloom_bits > 0) filter_.reset(leveldb::NewBloomFilterPolicy(options.bloom_bits));
    leveldb::Options ldb_options;
    ldb_options.create_if_missing = true;
    ldb_options.write_buffer_size = options.write_buffer_size;
    ldb_options.block_cache = cache_.get();
    ldb_options.filter_policy = filter_.get();
    ldb_options.compression = options.compression == Compression::kNone
                                  ? leveldb::kNoCompression
                                  : leveldb::kSnappyCompression;
    options_ = ldb_options;
    leveldb::DB* db = nullptr;
    Status s = FromLevelDb(leveldb::DB::Open(ldb_options, path, &db));
    db_.reset(db);
    return s;
  }

  // The DB first: it uses the cache and the filter policy until it closes.
  void Close() override {
    db_.reset();
    filter_.reset();
    cache_.reset();
  }

  Status Destroy(const std::string& path) override {
    return FromLevelDb(leveldb::DestroyDB(path, leveldb::Options()));
  }

  Status Put(std::string_view key, std::string_view value, bool sync) override {
    return FromLevelDb(db_->Put(WriteOptionsFor(sync), ToSlice(key), ToSlice(value)));
  }
  Status Delete(std::string_view key, bool sync) override {
    return FromLevelDb(db_->Delete(WriteOptionsFor(sync), ToSlice(key)));
  }
  Status CompactAll() override {
    db_->CompactRange(nullptr, nullptr);
    return Status::OK();
  }
  Status Get(std::string_view key, std::string* value) override {
    return FromLevelDb(db_->Get(read_options_, ToSlice(key), value));
  }
  std::unique_ptr<Iterator> NewIterator() override {
    return std::make_unique<LevelDbIterator>(db_->NewIterator(read_options_));
  }

  std::vector<int> FilesPerLevel() override {
    std::vector<int> files;
    std::string value;
    for (int level = 0;
         db_->GetProperty("leveldb.num-files-at-level" + std::to_string(level), &value); level++) {
      files.push_back(std::atoi(value.c_str()));
    }
    return files;
  }

  // LevelDB's approximate-memory-usage is its memtables plus the block
  // cache's charge; the cache's own figure is taken off.
  std::optional<uint64_t> MemtableBytes() override {
    std::string value;
    if (!db_->GetProperty("leveldb.approximate-memory-usage", &value)) return std::nullopt;
    uint64_t total = std::strtoull(value.c_str(), nullptr, 10);
    uint64_t cache = cache_ != nullptr ? cache_->TotalCharge() : 0;
    return total > cache ? total - cache : 0;
  }

  // The options passed to Open (LevelDB cannot report them back), read from
  // the objects it was given: the cache's capacity is what NewLRUCache got,
  // the filter policy's bits what NewBloomFilterPolicy got. LevelDB keeps
  // index and filter blocks in its table cache, outside the block cache.
  std::vector<std::string> Settings() override {
    return {SettingBytes(options_.write_buffer_size),
            SettingBytes(cache_capacity_),
            std::to_string(filter_ != nullptr ? bloom_bits_ : 0),
            options_.compression == leveldb::kSnappyCompression ? "snappy" : "none",
            SettingBytes(options_.block_size),
            read_options_.verify_checksums ? "yes" : "no",
            SettingBytes(options_.max_file_size),
            "no",
            "mmap",  // on 64-bit, for up to 1000 tables (its Env's default)
            "write(2)"};
  }

 private:
  std::unique_ptr<leveldb::Cache> cache_;
  std::unique_ptr<const leveldb::FilterPolicy> filter_;
  const leveldb::WriteOptions& WriteOptionsFor(bool sync) const { return sync ? sync_ : no_sync_; }

  leveldb::Options options_;  // as passed to the last Open
  size_t cache_capacity_ = 0;
  int bloom_bits_ = 0;
  leveldb::ReadOptions read_options_;
  leveldb::WriteOptions no_sync_;
  leveldb::WriteOptions sync_;
  std::unique_ptr<leveldb::DB> db_;
};

}  // namespace

std::unique_ptr<Engine> NewLevelDbEngine() { return std::make_unique<LevelDbEngine>(); }

}  // namespace strata::bench
