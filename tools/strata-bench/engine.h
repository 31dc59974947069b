// Engine: the one interface the workloads drive, implemented for StrataDB
// (through its public API) and, when their packages were found at build time,
// for LevelDB and RocksDB, so every engine runs the same code path with the
// same settings.
//
// Errors are strata::Status values whatever the engine (an adapter turns its
// engine's status into one with the same meaning), and iterators are
// strata::Iterator, the project's one cursor interface.
//
// Thread-safety: after Open, Put, Delete, Get, NewIterator, Stats and
// FilesPerLevel may be called from many threads at once (all three engines promise it for their
// DB handles). Open and Close are called by one thread with no other call in
// flight.

#ifndef STRATA_BENCH_ENGINE_H_
#define STRATA_BENCH_ENGINE_H_

#include <strata/db.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata::bench {

enum class Compression { kNone, kSnappy, kLz4, kZstd };

// "none", "snappy", "lz4", "zstd"; false for any other name.
bool ParseCompression(std::string_view name, Compression* compression);
std::string_view CompressionName(Compression compression);

// The settings every engine gets. Anything not here is the engine's default.
struct EngineOptions {
  size_t write_buffer_size = 64 << 20;  // bytes per memtable
  size_t cache_size = 32 << 20;         // bytes of block cache
  // One limit for memtables, block cache and index/filter blocks; 0: none.
  // StrataDB: Options::memory_budget. RocksDB: a cache of this size that
  // also holds index and filter blocks, and a WriteBufferManager charging
  // it with half of it for memtables. LevelDB has no such limit.
  size_t memory_budget = 0;
  int bloom_bits = 10;  // bits per key; 0: no bloom filter
  // StrataDB only: Options::memtable_hash_index (to measure what it buys).
  bool strata_memtable_hash_index = true;
  // StrataDB only: Options::allow_mmap_writes (the WAL through a mapping).
  bool strata_mmap_writes = true;
  // StrataDB only: Options::allow_mmap_reads (tables read through mappings).
  bool strata_mmap_reads = true;
  // StrataDB only: Options::compaction_nice.
  int strata_compaction_nice = 10;
  // StrataDB only: Options::read_triggered_compaction.
  bool strata_read_triggered_compaction = true;
  // StrataDB only: Options::idle_compaction_ms left at its default, or 0.
  bool strata_idle_compaction = true;
  // StrataDB only: Options::scan_readahead_blocks.
  uint32_t strata_scan_readahead_blocks = strata::Options().scan_readahead_blocks;
  Compression compression = Compression::kSnappy;
};

// What an engine reports about its own work, when it can (StrataDB's
// properties; see docs/PROPERTIES.md).
struct EngineStats {
  double write_amplification = 0;  // bytes written to disk / bytes written by the user
  double space_amplification = 0;  // table bytes / bytes in the last level
  uint64_t table_bytes = 0;        // bytes of every table file
  uint64_t stall_micros = 0;       // writes held back by stalls, since Open
  uint64_t stall_count = 0;
};

class Engine {
 public:
  virtual ~Engine() = default;

  // "strata", "leveldb" or "rocksdb".
  virtual std::string_view name() const = 0;
  // The engine's version, e.g. "1.23".
  virtual std::string version() const = 0;
  // Settings the engine cannot honour and what it uses instead, e.g.
  // "lz4 unsupported, using snappy"; empty when it honours them all.
  virtual std::string Caveats(const EngineOptions& options) const { return {}; }

  // Opens (creating if missing) the database in directory path.
  virtual Status Open(const EngineOptions& options, const std::string& path) = 0;
  // Closes the database, waiting for its background work.
  virtual void Close() = 0;
  // Deletes the database in path. REQUIRES: not open.
  virtual Status Destroy(const std::string& path) = 0;

  // sync: make the write durable (fdatasync its WAL) before returning.
  virtual Status Put(std::string_view key, std::string_view value, bool sync) = 0;
  virtual Status Delete(std::string_view key, bool sync) = 0;
  // Deletes every key in [begin, end). NotSupported for an engine without
  // range deletion (LevelDB); the runner reports such a workload as n/a.
  virtual Status DeleteRange(std::string_view begin, std::string_view end, bool sync) {
    (void)begin, (void)end, (void)sync;
    return Status::NotSupported(std::string(name()) + " has no DeleteRange");
  }
  // OK and *value set, or NotFound.
  virtual Status Get(std::string_view key, std::string* value) = 0;
  // Compacts the whole key range, returning when done.
  virtual Status CompactAll() = 0;
  virtual std::unique_ptr<Iterator> NewIterator() = 0;

  // The engine's own accounting, if it has the properties for it.
  virtual std::optional<EngineStats> Stats() { return std::nullopt; }

  // The tree's shape: the number of table files at each level, level 0
  // first, from the engine's own properties (strata.num-files-at-level<N>,
  // leveldb.num-files-at-level<N>, rocksdb.num-files-at-level<N>).
  // REQUIRES: open.
  virtual std::vector<int> FilesPerLevel() = 0;
  // Bytes in the memtables (active and immutable) from the engine's own
  // accounting, or nullopt if it cannot tell. Reads meet these too, so the
  // shape says how full they are. REQUIRES: open.
  virtual std::optional<uint64_t> MemtableBytes() { return std::nullopt; }

  // The settings the open database really runs with, read back from the
  // engine where its API allows (RocksDB's GetOptions) and otherwise the
  // options the adapter passed to Open, one value per kSettingNames entry
  // ("" where the engine has no such setting). REQUIRES: open.
  virtual std::vector<std::string> Settings() = 0;
};

// The rows of Engine::Settings, in order. The first four are the ones the
// comparison requires equal for every engine (issue 11's fairness rule);
// the others are shown for information (each engine's default).
inline constexpr const char* kSettingNames[] = {
    "write buffer", "block cache",        "bloom bits/key",    "compression",
    "block size",   "checksums on reads", "target table file", "index+filter in cache",
    "table reads",  "WAL writes"};
inline constexpr size_t kComparedSettings = 4;

// The Settings() values EngineOptions asks for (the first kComparedSettings
// rows; the others "").
std::vector<std::string> RequestedSettings(const EngineOptions& options);
// Bytes as the settings show them: "64 MiB", "4 KiB", "1000 B".
std::string SettingBytes(uint64_t bytes);

// The engines this binary was built with, in a fixed order ("strata" first).
std::vector<std::string> AvailableEngines();
// A new, unopened engine named name, or nullptr if it was not built in.
std::unique_ptr<Engine> NewEngine(std::string_view name);

// Each adapter's factory (engines/*_engine.cc).
std::unique_ptr<Engine> NewStrataEngine();
std::unique_ptr<Engine> NewLevelDbEngine();
std::unique_ptr<Engine> NewRocksDbEngine();

}  // namespace strata::bench

#endif  // STRATA_BENCH_ENGINE_H_
