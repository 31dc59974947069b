// The StrataDB adapter: the public API (<strata/db.h>) and nothing else. Its
// statistics come from the properties documented in docs/PROPERTIES.md.
//
// Thread-safety: as Engine; strata::DB is safe for concurrent use.

#include <cstdlib>
#include <sstream>

#include "engine.h"

namespace strata::bench {
namespace {

class StrataEngine final : public Engine {
 public:
  StrataEngine() { sync_.sync = true; }
  std::string_view name() const override { return "strata"; }
  std::string version() const override { return STRATA_BENCH_STRATA_VERSION; }

  Status Open(const EngineOptions& options, const std::string& path) override {
    Options strata_options;
    strata_options.write_buffer_size = options.write_buffer_size;
    strata_options.block_cache_size = options.cache_size;
    strata_options.memory_budget = options.memory_budget;
    strata_options.bloom_bits_per_key = options.bloom_bits;
    strata_options.compression = ToStrata(options.compression);
    strata_options.memtable_hash_index = options.strata_memtable_hash_index;
    strata_options.allow_mmap_writes = options.strata_mmap_writes;
    strata_options.allow_mmap_reads = options.strata_mmap_reads;
    strata_options.compaction_nice = options.strata_compaction_nice;
    strata_options.read_triggered_compaction = options.strata_read_triggered_compaction;
    if (!options.strata_idle_compaction) strata_options.idle_compaction_ms = 0;
    strata_options.scan_readahead_blocks = options.strata_scan_readahead_blocks;
    options_ = strata_options;
    return DB::Open(strata_options, path, &db_);
  }

  std::vector<int> FilesPerLevel() override {
    std::vector<int> files;
    std::string value;
    for (int level = 0;
         db_->GetProperty("strata.num-files-at-level" + std::to_string(level), &value); level++) {
      files.push_back(std::atoi(value.c_str()));
    }
    return files;
  }

  std::optional<uint64_t> MemtableBytes() override {
    std::string value;
    if (!db_->GetProperty("strata.approximate-memory-usage", &value)) return std::nullopt;
    return std::strtoull(value.c_str(), nullptr, 10);
  }

  // The options passed to Open (the public API has no way to read them
  // back; DB::Open takes them as they are).
  std::vector<std::string> Settings() override {
    return {SettingBytes(options_.write_buffer_size),
            SettingBytes(options_.block_cache_size),
            std::to_string(options_.bloom_bits_per_key),
            std::string(CompressionName(FromStrata(options_.compression))),
            SettingBytes(options_.block_size),
            ReadOptions().verify_checksums ? "yes" : "no",
            SettingBytes(options_.target_file_size),
            options_.memory_budget != 0 ? "yes" : "no",
            options_.allow_mmap_reads && options_.memory_budget == 0 ? "mmap" : "pread",
            options_.allow_mmap_writes ? "mmap" : "write(2)"};
  }

  void Close() override { db_.reset(); }

  Status Destroy(const std::string& path) override { return DestroyDB(path, Options()); }

  Status Put(std::string_view key, std::string_view value, bool sync) override {
    return db_->Put(WriteOptionsFor(sync), key, value);
  }
  Status Delete(std::string_view key, bool sync) override {
    return db_->Delete(WriteOptionsFor(sync), key);
  }
  Status DeleteRange(std::string_view begin, std::string_view end, bool sync) override {
    return db_->DeleteRange(WriteOptionsFor(sync), begin, end);
  }
  Status CompactAll() override { return db_->CompactRange(nullptr, nullptr); }
  Status Get(std::string_view key, std::string* value) override {
    return db_->Get(ReadOptions(), key, value);
  }
  std::unique_ptr<Iterator> NewIterator() override { return db_->NewIterator(ReadOptions()); }

  std::optional<EngineStats> Stats() override {
    EngineStats stats;
    std::string value;
    if (db_->GetProperty("strata.write-amplification", &value)) {
      stats.write_amplification = std::stod(value);
    }
    if (db_->GetProperty("strata.space-amplification", &value)) {
      stats.space_amplification = std::stod(value);
    }
    if (db_->GetProperty("strata.sstables", &value)) stats.table_bytes = SumTableBytes(value);
    if (db_->GetProperty("strata.stall-count", &value)) {
      stats.stall_count = std::strtoull(value.c_str(), nullptr, 10);
    }
    if (db_->GetProperty("strata.stall-micros", &value)) {
      stats.stall_micros = std::strtoull(value.c_str(), nullptr, 10);
    }
    return stats;
  }

 private:
  static CompressionType ToStrata(Compression compression) {
    switch (compression) {
      case Compression::kNone:
        return kNoCompression;
      case Compression::kSnappy:
        return kSnappyCompression;
      case Compression::kLz4:
        return kLZ4Compression;
      case Compression::kZstd:
        return kZstdCompression;
    }
    return kNoCompression;
  }

  static Compression FromStrata(CompressionType type) {
    switch (type) {
      case kNoCompression:
        return Compression::kNone;
      case kSnappyCompression:
        return Compression::kSnappy;
      case kLZ4Compression:
        return Compression::kLz4;
      case kZstdCompression:
        return Compression::kZstd;
    }
    return Compression::kNone;
  }

  // strata.sstables: one "L<level> #<number> <size> bytes [...]" per table.
  static uint64_t SumTableBytes(const std::string& sstables) {
    std::istringstream lines(sstables);
    std::string level, number;
    uint64_t size = 0, total = 0;
    std::string rest;
    while (lines >> level >> number >> size) {
      total += size;
      std::getline(lines, rest);
    }
    return total;
  }

  const WriteOptions& WriteOptionsFor(bool sync) const { return sync ? sync_ : no_sync_; }

  WriteOptions no_sync_;
  WriteOptions sync_;
  Options options_;  // as passed to the last Open
  std::unique_ptr<DB> db_;
};

}  // namespace

std::unique_ptr<Engine> NewStrataEngine() { return std::make_unique<StrataEngine>(); }

}  // namespace strata::bench
