// Options: every setting StrataDB has, each declared once, here, with its
// unit, default and what it trades.
//
// Thread-safety: options are plain values; a DB copies what it needs at Open,
// so the caller may change or destroy its Options afterwards.

#ifndef STRATA_OPTIONS_H_
#define STRATA_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "strata/comparator.h"
#include "strata/export.h"

namespace strata {

class Cache;
class CompactionFilter;
class FileSystem;
class FilterPolicy;
class Snapshot;

// How SSTable data blocks are compressed. On-disk: each block's trailer
// stores this value, so do not renumber.
enum CompressionType : unsigned char {
  kNoCompression = 0,
  kSnappyCompression = 1,
  kLZ4Compression = 2,
  kZstdCompression = 3,
};

// What Open does with damage it finds in a write-ahead log (docs/FORMAT.md,
// "WAL recovery modes", says which to choose when). Every mode accepts what
// a clean shutdown leaves (complete records) and zeros after the last one;
// they differ in what else they accept. Damage dropped is counted in the
// property "strata.wal-corrupted-records".
enum class WALRecoveryMode : unsigned char {
  // A torn or damaged last record (a crash while appending) is dropped
  // silently. Damage before it (acknowledged writes lost) fails Open with
  // Corruption under paranoid_checks; otherwise those records are skipped
  // and counted, and the records after them are replayed.
  kTolerateCorruptedTailRecords = 0,
  // Any damage, a torn last record included, fails Open with Corruption.
  // For a database whose every write was synced and whose files must be
  // exactly what was acknowledged (or nothing).
  kAbsoluteConsistency = 1,
  // Replay stops at the first damaged record: that record, every later one
  // and every later WAL are left out, so the result is a consistent prefix
  // of the writes (no write present while an earlier one is missing). Open
  // then flushes the prefix, so the left-out WALs are deleted and the next
  // Open, in any mode, sees the same prefix.
  kPointInTimeRecovery = 2,
  // Every damaged record is skipped and counted, whatever paranoid_checks
  // says, and the rest replayed: the most data, but a later write may be
  // present while an earlier one is lost.
  kSkipAnyCorruptedRecords = 3,
};

// Options for opening a database. The defaults suit a general-purpose store.
struct STRATA_EXPORT Options {
  // Create the database directory and files if they are missing.
  bool create_if_missing = true;

  // Fail Open with InvalidArgument if the database already exists.
  bool error_if_exists = false;

  // The order of user keys, used by every layer (memtable, tables and
  // their indexes, compaction, iterators, CheckDB/RepairDB/dumps). Its
  // Name() is stored in the MANIFEST when the database is created, and
  // opening it with a comparator of another name fails with InvalidArgument
  // naming both. Must not be null (Open fails with InvalidArgument). Not
  // owned: it must outlive the DB. The bytewise default compares inline; a
  // custom one costs a virtual call per key comparison.
  // Default: BytewiseComparator().
  const Comparator* comparator = BytewiseComparator();

  // Check tables more thoroughly when they are opened (their index, in full)
  // and, under wal_recovery_mode kTolerateCorruptedTailRecords (the
  // default), treat damage in the middle of a write-ahead log as fatal
  // rather than skipping and counting it. The other recovery modes decide
  // the WAL's handling alone. A torn tail left by a crash is never an error
  // (except under kAbsoluteConsistency). Default: false.
  bool paranoid_checks = false;

  // What Open does with damaged write-ahead log records; see
  // WALRecoveryMode. Default: kTolerateCorruptedTailRecords.
  WALRecoveryMode wal_recovery_mode = WALRecoveryMode::kTolerateCorruptedTailRecords;

  // Bytes of writes buffered in the active memtable before it becomes
  // immutable and a new one (with a new WAL file) takes over. Larger values
  // mean fewer, larger flushes and longer recovery. Without a
  // memory_budget, all memtables together (the active one and those waiting
  // for their flush) hold at most one and a half times this: when writes
  // outpace the flushes, the active memtable is switched early, once it
  // holds a quarter of this or more, and otherwise writes wait for a flush
  // (a stall, counted in "strata.stats"). Default: 64 MiB.
  size_t write_buffer_size = 64 << 20;

  // At most this many immutable memtables wait for their flush; a write that
  // would make one more waits (a stall, counted in "strata.stats") until a
  // flush finishes. More buffers absorb longer bursts at the cost of memory.
  // Default: 2.
  int max_write_buffer_number = 2;

  // When no write has come for this many milliseconds and the active
  // memtable holds at least a quarter of write_buffer_size and at least
  // 1 MiB, the background thread flushes it, as a write that filled it
  // would. Reads then meet a table (prefix-compressed blocks, a
  // binary-searched index, the block cache) instead of a skip list whose
  // every node visited is a cache miss once it outgrows the CPU's caches;
  // the memtable's memory is returned; and a crash replays less WAL. The
  // flush comes between one and two intervals after the last write. A
  // writer that pauses pays at most one flush per quarter buffer written.
  // 0 disables it. Default: 1000.
  uint32_t idle_flush_ms = 1000;

  // When no write has come for this many milliseconds, compaction moves the
  // data still above the bottom level down, one compaction at a time (level
  // 0 into the base level, then a file of each middle level into the next),
  // until a write comes or only the bottom level holds data. A database that
  // stopped changing then serves scans and seeks from one sorted run, with
  // no stale versions left to skip or to hold in memory. Each of these
  // compactions runs only if its input is within what this process may still
  // spend on them: ten times the table bytes its flushes have written, less
  // what such compactions read so far. So a writer that pauses pays at most
  // about one level's fan-out per byte it wrote. 0 disables it. Default: 1000.
  uint32_t idle_compaction_ms = 1000;

  // A scan (an iterator walking forward or backward, with
  // ReadOptions::fill_cache) that has walked across three data blocks of a
  // table in a row has the next ones read into the block cache by a helper
  // thread (file read, checksum, decompression) while it walks the blocks
  // before them: 4 blocks at first, twice as many at each later request, up
  // to this many. On a machine with a core to spare, a long scan then costs
  // its own thread little more than walking blocks already cached. Point
  // lookups and seeks followed by a few steps start none. Blocks read ahead
  // are cached like those the scan reads (a scan's blocks cannot evict the
  // hot set), and one the helper has not reached yet the scan reads
  // itself, so results never depend on it. The thread starts at the first
  // read-ahead, one per DB. Needs a block cache. 0 disables it; at most
  // 1024. Default: 32.
  uint32_t scan_readahead_blocks = 32;

  // Keep a hash index beside each memtable's skip list, so a point lookup
  // (Get, MultiGet) finds a key's newest version in a memtable with a hash
  // and a short chain walk instead of a skip-list search, and learns that a
  // key is absent without any search. Costs 8 bytes per entry and 8 bytes per
  // 128 bytes of write_buffer_size (counted in the memtable's size, so a
  // memtable holds ~6% less data before it is flushed); scans and writes
  // are unchanged. Used only with the bytewise comparator. Default: true.
  bool memtable_hash_index = true;

  // Target size in bytes of an SSTable data block before compression.
  // Smaller blocks make point reads cheaper, larger ones compress better and
  // shrink the index. Default: 4 KiB.
  size_t block_size = 4 * 1024;

  // Keys between restart points in a block (prefix compression restarts
  // there; binary search lands there). Default: 16.
  int block_restart_interval = 16;

  // Bits per key of each table's bloom filter; 10 gives about 1% false
  // positives. 0 disables the filters. Default: 10.
  int bloom_bits_per_key = 10;

  // The filter each new table gets, replacing the built-in bloom filter of
  // bloom_bits_per_key (which is then ignored). CreateFilter receives the
  // table's distinct user keys, in comparator order, all at once (the table
  // builder holds them until the table is finished). Each table records the
  // policy's Name(); a table whose filter another policy built is read
  // without it (every lookup reads the table). NewBloomFilterPolicy(n)
  // builds the same tables as bloom_bits_per_key = n. Lookups that consult a
  // custom filter count in strata.stats' bloom counters. nullptr: the
  // built-in bloom filter. Not owned: it must outlive the DB.
  // Default: nullptr.
  const FilterPolicy* filter_policy = nullptr;

  // Compression of data blocks. A block stays uncompressed when compression
  // saves less than 12.5% of it. Default: LZ4 (fast on both ends).
  CompressionType compression = kLZ4Compression;

  // Bytes of uncompressed blocks held in the block cache (the buffer pool),
  // shared by all tables. Ignored when memory_budget or block_cache is set.
  // Default: 32 MiB.
  size_t block_cache_size = 32 << 20;

  // One limit, in bytes, for the memtables, the block cache and the tables'
  // index and filter blocks together; 0: none (memtables are bounded by
  // write_buffer_size and max_write_buffer_number, the cache by
  // block_cache_size, and index and filter blocks stay in memory while their
  // table is open, outside the cache). When set:
  //  - the block cache holds memory_budget bytes (a cache of its own, unless
  //    block_cache is given);
  //  - the memtables charge their arenas to the cache, which evicts blocks
  //    to make room, and get at most half of the budget: the active
  //    memtable is switched and flushed once it holds a quarter of the
  //    budget (or write_buffer_size, if smaller), so one memtable fills while
  //    the previous one flushes, and writes wait while all of them together
  //    hold half;
  //  - index and filter blocks live in the cache, charged and evictable like
  //    data blocks, and are read again (and checked) when next needed.
  // Expect the process to use the budget plus a few MiB of buffers for
  // compaction and the files it has open. Default: 0.
  size_t memory_budget = 0;

  // A block cache to use instead of one of the DB's own, possibly shared
  // with other DBs (each keeps its entries apart); from NewLRUCache. With a
  // memory_budget too, the budget must not exceed its capacity (else Open
  // fails with InvalidArgument), and the DB's memtables charge it as above:
  // to keep N DBs sharing one cache within its capacity, give each a
  // memory_budget of capacity / N. nullptr: the DB makes its own. Default:
  // nullptr.
  std::shared_ptr<Cache> block_cache;

  // Table files kept open at once (the table cache). Default: 1000.
  int max_open_files = 1000;

  // Read table files through a read-only memory mapping (where the file
  // system supports it: FileSystem::NewMappedRandomAccessFile), as LevelDB
  // does on 64-bit machines: a block that is not in the block cache is
  // checked and decompressed straight from the kernel's page cache, with no
  // pread(2) and no copy. Checksums are verified as before. The cost: a
  // device read error while a block is read arrives as SIGBUS instead of an
  // IOError status, and the mapped pages the process touched count in its
  // resident set size (they are the page cache's, shared and reclaimable).
  // Compactions (and reads with ReadOptions::fill_cache false), which read
  // whole tables once, read them with pread(2) through readers of their own.
  // With a memory_budget, tables are read with pread(2) whatever this says,
  // so that the budget bounds the process's resident memory. false: every
  // block read is a pread(2). Default: true.
  bool allow_mmap_reads = true;

  // Write the WAL through a shared memory mapping of the file
  // (FileSystem::NewMappedWritableFile): each write's record is copied into
  // the kernel's page cache, where it survives a crash of the process, with
  // no write(2) per write. Durability is unchanged: an acknowledged write
  // survives a process crash either way, and a sync=true write is made
  // durable with fdatasync(2) as before. The file grows a window (up to
  // 1 MiB) at a time, allocated ahead with fallocate(2) so that a full disk
  // is a NoSpace error; until the WAL is closed, the file ends in zeros,
  // which recovery takes for the log's end. A process killed in the middle
  // of a write may leave that (unacknowledged) record torn, as a power loss
  // may with either setting. Tables are written with buffered write(2)
  // either way. false: each write group's record is handed over with one
  // write(2). Default: true.
  bool allow_mmap_writes = true;

  // Compact table files that reads keep finding in their way, as LevelDB
  // does: a Get that had to look in two or more tables charges the first,
  // and so does one sampled read per MiB an iterator reads where two or more
  // tables hold the key's range; a file that has cost about as many reads
  // as one per 16 KiB of its size is compacted into the level below (for a
  // level-0 file: all of level 0 into the base level) once no level is over
  // its target. A read-mostly database thus settles into fewer sorted runs
  // without more writes. Default: true.
  bool read_triggered_compaction = true;

  // Level-0 files that trigger a compaction into the base level. Lower
  // values keep reads cheaper (fewer files to look in); higher values batch
  // more data per compaction. Default: 4.
  int l0_compaction_trigger = 4;

  // Level-0 files at which writes start to be slowed, more the closer the
  // count gets to l0_stop_writes_trigger, so compaction catches up without
  // writes ever stopping dead. Default: 12.
  int l0_slowdown_writes_trigger = 12;

  // Level-0 files at which writes wait for a compaction to finish. Memtables
  // already full still flush, so level 0 may exceed this by up to
  // max_write_buffer_number - 1 files. Default: 24.
  int l0_stop_writes_trigger = 24;

  // Estimated bytes compaction still has to rewrite to bring every level
  // back to its target, at which writes start to be slowed (soft) and stop
  // (hard). Defaults: 8 GiB and 32 GiB.
  uint64_t soft_pending_compaction_bytes = uint64_t{8} << 30;
  uint64_t hard_pending_compaction_bytes = uint64_t{32} << 30;

  // Target size in bytes of a table written by compaction. Smaller files
  // make each compaction shorter; larger ones mean fewer files. Default:
  // 32 MiB.
  uint64_t target_file_size = 32 << 20;

  // Target size in bytes of the base level, the one level 0 compacts into.
  // Levels are sized from the bottom up: the bottom level's target is its
  // actual size and each level above targets a tenth of the one below, so
  // about 90% of the data sits in the bottom level whatever the database's
  // size (space amplification near 1.1). The base level is the first level,
  // walking up from the bottom, whose target is at most this. Default:
  // 256 MiB.
  uint64_t max_bytes_for_level_base = 256 << 20;

  // Background threads for flushes and compactions. One thread is always
  // kept for flushes, so compactions run on max(1, max_background_jobs - 1)
  // threads at once, each on a disjoint key range. Default: 2.
  int max_background_jobs = 2;

  // How much nicer (Linux nice value, 0-19) than the process the threads
  // that run compactions are, when there are two or more background threads
  // (max_background_jobs >= 2: one of them runs flushes at the process's
  // priority, the others compactions). On a machine whose cores are all
  // busy, the application's threads and flushes then go first, and a
  // compaction takes what they leave; on idle cores it runs as fast as
  // before. Compaction cannot starve: when it falls behind, the level-0
  // and pending-bytes write slowdowns and stops below pause the writers,
  // which frees the CPU for it. 0 runs compactions at the process's
  // priority (RocksDB's default). A hint: where the OS refuses it, nothing
  // changes. Default: 10.
  int compaction_nice = 10;

  // Called by compaction for each user key's newest version, to keep, remove
  // or rewrite it (include/strata/compaction_filter.h says which versions it
  // is shown: never one a live snapshot can see). Costs a virtual call per
  // user key compacted. Its Name() must not be empty (Open fails with
  // InvalidArgument). Not owned: it must outlive the DB. nullptr: none.
  // Default: nullptr.
  const CompactionFilter* compaction_filter = nullptr;

  // Run compaction_filter when a memtable is flushed too, so data the filter
  // removes never reaches a table. Costs flush time (a call per user key in
  // the memtable). Open fails with InvalidArgument if set without a
  // compaction_filter. Default: false.
  bool compaction_filter_at_flush = false;

  // The file system every file operation goes through. nullptr means the
  // process's real POSIX file system. Tests pass a fault-injecting one.
  // Not owned: it must outlive the DB.
  FileSystem* file_system = nullptr;
};

// Options for one read.
struct STRATA_EXPORT ReadOptions {
  // Read as of this snapshot (from DB::GetSnapshot) instead of as of now.
  const Snapshot* snapshot = nullptr;

  // Verify the checksum of everything read from disk.
  bool verify_checksums = true;

  // Keep the blocks this read loads in the block cache. Set false for large
  // one-off scans so they do not evict the hot set.
  bool fill_cache = true;

  // Iterator bounds: an iterator yields only keys in [*iterate_lower_bound,
  // *iterate_upper_bound), in both directions, whatever Seek asks (a Seek
  // below the lower bound lands on it; SeekToFirst and SeekToLast go to the
  // first and last key within the bounds). nullptr: unbounded on that side.
  // The engine skips tables and blocks wholly outside the bounds, so a
  // bounded scan of a small range reads few blocks. Get ignores them. Not
  // owned: the string_view and the bytes it views must outlive the
  // iterator. Default: nullptr (no bound).
  const std::string_view* iterate_lower_bound = nullptr;
  const std::string_view* iterate_upper_bound = nullptr;
};

// Options for one write.
struct STRATA_EXPORT WriteOptions {
  // false: the write reaches the operating system before it is acknowledged,
  // so it survives a crash of the process but not of the machine.
  // true: the WAL is also fdatasync'ed first, so the write survives a power
  // loss. Concurrent writers share one sync (group commit).
  bool sync = false;
  // true: the write's WAL record may stay in the process's buffer after the
  // call returns, until DB::FlushWAL, a later write without this flag, or a
  // synced write hands it to the OS; a crash of the process before then
  // loses it. The write is visible to reads at once. For a server that
  // acknowledges a batch of requests at once: it writes each deferred, then
  // calls FlushWAL once before replying, so a pipeline of writes costs one
  // write(2) instead of one each. Ignored when sync is true, and when the
  // WAL is written through a mapping (Options::allow_mmap_writes, the
  // default), where every record reaches the OS as it is written.
  // Default: false (each write reaches the OS before it returns).
  bool defer_wal_flush = false;
};

}  // namespace strata

#endif  // STRATA_OPTIONS_H_
