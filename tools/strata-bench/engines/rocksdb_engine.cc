// The RocksDB adapter (Debian's librocksdb-dev), compiled only when CMake
// finds the library. Settings map to a block-based table with a full bloom
// filter and an LRU block cache; everything else is RocksDB's default
// (including two background jobs, as StrataDB).
//
// Thread-safety: as Engine; rocksdb::DB is safe for concurrent use.

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/version.h>
#include <rocksdb/write_buffer_manager.h>

#include "engine.h"

namespace strata::bench {
namespace {

std::string_view View(const rocksdb::Slice& s) { return {s.data(), s.size()}; }
rocksdb::Slice ToSlice(std::string_view s) { return {s.data(), s.size()}; }

Status FromRocksDb(const rocksdb::Status& s) {
  if (s.ok()) return Status::OK();
  if (s.IsNotFound()) return Status::NotFound(s.ToString());
  if (s.IsCorruption()) return Status::Corruption(s.ToString());
  if (s.IsNotSupported()) return Status::NotSupported(s.ToString());
  if (s.IsInvalidArgument()) return Status::InvalidArgument(s.ToString());
  if (s.IsBusy()) return Status::Busy(s.ToString());
  if (s.IsNoSpace()) return Status::NoSpace(s.ToString());
  return Status::IOError(s.ToString());
}

rocksdb::CompressionType ToRocksDb(Compression compression) {
  switch (compression) {
    case Compression::kNone:
      return rocksdb::kNoCompression;
    case Compression::kSnappy:
      return rocksdb::kSnappyCompression;
    case Compression::kLz4:
      return rocksdb::kLZ4Compression;
    case Compression::kZstd:
      return rocksdb::kZSTD;
  }
  return rocksdb::kNoCompression;
}

std::string CompressionNameOf(rocksdb::CompressionType type) {
  switch (type) {
    case rocksdb::kNoCompression:
      return "none";
    case rocksdb::kSnappyCompression:
      return "snappy";
    case rocksdb::kLZ4Compression:
      return "lz4";
    case rocksdb::kZSTD:
      return "zstd";
    default:
      return "other (" + std::to_string(static_cast<int>(type)) + ")";
  }
}

// "bloomfilter:10:false" -> "10"; any other id as it is.
std::string BloomBits(const std::string& id) {
  constexpr std::string_view kPrefix = "bloomfilter:";
  if (!id.starts_with(kPrefix)) return id;
  std::string bits = id.substr(kPrefix.size());
  return bits.substr(0, bits.find(':'));
}

class RocksDbIterator final : public Iterator {
 public:
  explicit RocksDbIterator(rocksdb::Iterator* it) : it_(it) {}
  bool Valid() const override { return it_->Valid(); }
  void SeekToFirst() override { it_->SeekToFirst(); }
  void SeekToLast() override { it_->SeekToLast(); }
  void Seek(std::string_view target) override { it_->Seek(ToSlice(target)); }
  void Next() override { it_->Next(); }
  void Prev() override { it_->Prev(); }
  std::string_view key() const override { return View(it_->key()); }
  std::string_view value() const override { return View(it_->value()); }
  Status status() const override { return FromRocksDb(it_->status()); }

 private:
  std::unique_ptr<rocksdb::Iterator> it_;
};

class RocksDbEngine final : public Engine {
 public:
  RocksDbEngine() { sync_.sync = true; }
  ~RocksDbEngine() override { Close(); }

  std::string_view name() const override { return "rocksdb"; }
  std::string version() const override {
    return std::to_string(ROCKSDB_MAJOR) + "." + std::to_string(ROCKSDB_MINOR) + "." +
           std::to_string(ROCKSDB_PATCH);
  }

  Status Open(const EngineOptions& options, const std::string& path) override {
    rocksdb::BlockBasedTableOptions table_options;
    table_options.block_cache = rocksdb::NewLRUCache(options.cache_size);
    if (options.bloom_bits > 0) {
      table_options.filter_policy.reset(rocksdb::NewBloomFilterPolicy(options.bloom_bits));
    }
    rocksdb::Options rdb_options;
    rdb_options.create_if_missing = true;
    rdb_options.write_buffer_size = options.write_buffer_size;
    rdb_options.compression = ToRocksDb(options.compression);
    if (options.memory_budget != 0) {
      // RocksDB's way to one budget: the memtables charge the block cache,
      // which also holds the index and filter blocks.
      table_options.block_cache = rocksdb::NewLRUCache(options.memory_budget);
      table_options.cache_index_and_filter_blocks = true;
      rdb_options.write_buffer_manager = std::make_shared<rocksdb::WriteBufferManager>(
          options.memory_budget / 2, table_options.block_cache);
    }
    rdb_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table_options));
    rocksdb::DB* db = nullptr;
    Status s = FromRocksDb(rocksdb::DB::Open(rdb_options, path, &db));
    db_.reset(db);
    return s;
  }

  void Close() override {
    if (db_ != nullptr) (void)db_->Close();
    db_.reset();
  }

  Status Destroy(const std::string& path) override {
    return FromRocksDb(rocksdb::DestroyDB(path, rocksdb::Options()));
  }

  Status Put(std::string_view key, std::string_view value, bool sync) override {
    return FromRocksDb(db_->Put(WriteOptionsFor(sync), ToSlice(key), ToSlice(value)));
  }
  Status Delete(std::string_view key, bool sync) override {
    return FromRocksDb(db_->Delete(WriteOptionsFor(sync), ToSlice(key)));
  }
  Status DeleteRange(std::string_view begin, std::string_view end, bool sync) override {
    return FromRocksDb(db_->DeleteRange(WriteOptionsFor(sync), db_->DefaultColumnFamily(),
                                        ToSlice(begin), ToSlice(end)));
  }
  Status CompactAll() override {
    return FromRocksDb(db_->CompactRange(rocksdb::CompactRangeOptions(), nullptr, nullptr));
  }
  Status Get(std::string_view key, std::string* value) override {
    return FromRocksDb(db_->Get(rocksdb::ReadOptions(), ToSlice(key), value));
  }
  std::unique_ptr<Iterator> NewIterator() override {
    return std::make_unique<RocksDbIterator>(db_->NewIterator(rocksdb::ReadOptions()));
  }

  std::vector<int> FilesPerLevel() override {
    std::vector<int> files;
    std::string value;
    for (int level = 0;
         db_->GetProperty("rocksdb.num-files-at-level" + std::to_string(level), &value); level++) {
      files.push_back(std::atoi(value.c_str()));
    }
    return files;
  }

  std::optional<uint64_t> MemtableBytes() override {
    uint64_t bytes = 0;
    if (!db_->GetIntProperty("rocksdb.cur-size-all-mem-tables", &bytes)) return std::nullopt;
    return bytes;
  }

  // Read back from the open database: GetOptions(), the block-based table
  // options inside its table factory, the cache's capacity and the filter
  // policy's id ("bloomfilter:<bits>:<use block based builder>").
  std::vector<std::string> Settings() override {
    rocksdb::Options options = db_->GetOptions();
    std::vector<std::string> settings(std::size(kSettingNames));
    settings[0] = SettingBytes(options.write_buffer_size);
    settings[3] = CompressionNameOf(options.compression);
    settings[5] = rocksdb::ReadOptions().verify_checksums ? "yes" : "no";
    settings[6] = SettingBytes(options.target_file_size_base);
    settings[8] = options.allow_mmap_reads ? "mmap" : "pread";
    settings[9] = options.allow_mmap_writes ? "mmap" : "write(2)";
    const auto* table = options.table_factory == nullptr
                            ? nullptr
                            : options.table_factory->GetOptions<rocksdb::BlockBasedTableOptions>();
    if (table == nullptr) return settings;
    settings[1] =
        table->block_cache == nullptr ? "none" : SettingBytes(table->block_cache->GetCapacity());
    settings[2] = table->filter_policy == nullptr ? "0" : BloomBits(table->filter_policy->GetId());
    settings[4] = SettingBytes(table->block_size);
    settings[7] = table->cache_index_and_filter_blocks ? "yes" : "no";
    return settings;
  }

 private:
  const rocksdb::WriteOptions& WriteOptionsFor(bool sync) const { return sync ? sync_ : no_sync_; }

  rocksdb::WriteOptions no_sync_;
  rocksdb::WriteOptions sync_;
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace

std::unique_ptr<Engine> NewRocksDbEngine() { return std::make_unique<RocksDbEngine>(); }

}  // namespace strata::bench
