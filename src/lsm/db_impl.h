// DBImpl: the LSM engine behind the public DB interface.
//
// The implementation is split by concern, one file each:
//   db_open.cc        Open, recovery (MANIFEST, WAL replay), obsolete files, close
//   db_write.cc       the write path: group commit, WAL, memtable rotation,
//                     back-pressure
//   db_flush.cc       the background pool; flushing memtables to level 0
//   db_compaction.cc  running compactions, CompactRange
//   db_read.cc        Get, iterators, snapshots
//   db_properties.cc  GetProperty and the statistics it reports
//   db_checkpoint.cc  CreateCheckpoint
//
// Two concerns live in classes of their own, each guarded by mutex_:
// WriteController (write slowdowns and stops, stall counts) and ErrorHandler
// (the background error, recoverable or not, and the resume backoff).
//
// Data path: a write goes to the WAL, then the active memtable. A full
// memtable becomes immutable, with its WAL, and a fresh memtable and WAL take
// over. Reads merge the active memtable, the immutables (newest first) and the
// table files of the current Version.
//
// Visibility: the leader of a write group inserts the whole group into the
// memtable before it publishes the group's last sequence number, and readers
// read only up to the published number, so a batch is seen whole or not at
// all.
//
// Thread-safety: every public method may be called from any thread. The
// members are grouped: constant after construction; guarded by mutex_
// (GUARDED_BY, checked by clang's -Wthread-safety); the write leader's alone;
// atomics. The write leader uses log_, logfile_, tmp_batch_ and the active
// memtable without the mutex: only the writer at the front of writers_
// touches them (it holds the WriteLeader capability, which clang checks
// like a lock), and MakeRoomForWrite swaps them only while that leader
// holds the mutex.

#ifndef STRATA_LSM_DB_IMPL_H_
#define STRATA_LSM_DB_IMPL_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "buffer/lru_cache.h"
#include "lsm/compaction.h"
#include "lsm/error_handler.h"
#include "lsm/snapshot_list.h"
#include "lsm/table_cache.h"
#include "lsm/version_set.h"
#include "lsm/write_controller.h"
#include "memtable/memtable.h"
#include "sstable/table_builder.h"
#include "strata/db.h"
#include "util/iterate_bounds.h"
#include "util/mutex.h"
#include "wal/log_writer.h"

namespace strata {

// What a read needs, captured at one moment and shared by reference count:
// the memtables and the file set. Rebuilt whenever any of them changes, so a
// reader takes one shared_ptr under the mutex instead of copying each part.
//
// A state replaced while readers still hold it (a Get in flight, an open
// iterator) keeps its version, and so that version's table files, alive
// after the flush or compaction that made them obsolete has already looked
// for files to remove. InstallReadState then sets released_flag, and the
// state's destructor, run by its last reader, drops its parts and sets the
// flag, so that the background thread removes the files then instead of at
// the next flush or compaction (until which they would hold their disk
// space and, mapped, their pages).
struct ReadState {
  ReadState() = default;
  ReadState(const ReadState&) = delete;
  ReadState& operator=(const ReadState&) = delete;
  ~ReadState() {
    if (released_flag == nullptr) return;
    // The parts first: the flag must not be seen while the version lives.
    version.reset();
    imm.clear();
    mem.reset();
    released_flag->store(true, std::memory_order_release);
  }

  std::shared_ptr<MemTable> mem;
  std::vector<std::shared_ptr<MemTable>> imm;  // newest first
  std::shared_ptr<const Version> version;
  // Set once, by InstallReadState under the DB mutex when it replaces this
  // state and other holders remain; read only by the destructor, which the
  // reference count orders after that write.
  mutable std::atomic<bool>* released_flag = nullptr;
};

class DBImpl final : public DB {
 public:
  // read_only: opened by DB::OpenReadOnly (see db.h): no lock, no file
  // written, no background thread; every write returns NotSupported.
  DBImpl(const Options& options, const std::string& dbname, bool read_only = false);
  ~DBImpl() override;

  using DB::Delete;
  using DB::Get;
  using DB::NewIterator;
  using DB::Put;
  using DB::Write;

  Status Put(const WriteOptions& options, std::string_view key, std::string_view value) override;
  Status Delete(const WriteOptions& options, std::string_view key) override;
  Status DeleteRange(const WriteOptions& options, std::string_view begin,
                     std::string_view end) override;
  Status Write(const WriteOptions& options, WriteBatch* updates) override;
  Status Get(const ReadOptions& options, std::string_view key, std::string* value) override;
  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options) override;
  const Snapshot* GetSnapshot() override;
  void ReleaseSnapshot(const Snapshot* snapshot) override;
  Status Flush() override;
  Status CompactRange(const std::string_view* begin, const std::string_view* end) override;
  bool GetProperty(std::string_view name, std::string* value) override;
  using DB::GetApproximateSizes;
  Status GetApproximateSizes(const Range* ranges, int n, bool include_memtables,
                             uint64_t* sizes) override;
  Status Resume() override;
  Status CreateCheckpoint(const std::string& dir) override;  // db_checkpoint.cc
  Status FlushWAL() override;                                // db_write.cc

  // Test hooks (db_test_hooks.cc), for tests that reach DBImpl through a
  // static_cast of their DB*.
  // Returns once no flush or compaction is running or due: the background
  // error if there is one, else OK.
  Status TEST_WaitForBackgroundWork() EXCLUDES(mutex_);
  // The clock the resume backoff waits by, instead of the steady clock; set
  // it before any error. The caller keeps it alive while the DB is open.
  void TEST_SetResumeClock(Clock* clock) EXCLUDES(mutex_);
  // Waits (at most 10 s) while the background error is recoverable, for an
  // automatic retry to clear it; returns the error as it then stands.
  Status TEST_WaitForAutomaticResume() EXCLUDES(mutex_);
  // Returns once the scan read-ahead thread has nothing queued or running.
  void TEST_WaitForReadAhead();

 private:
  friend class DB;
  struct Writer;
  // Leads the write queue for its lifetime (db_write.cc), for work that must
  // not overlap any write but writes nothing itself.
  class LeadWriteQueue;

  // A memtable that no longer takes writes, with the WAL that holds its data.
  struct ImmutableMemTable {
    std::shared_ptr<MemTable> mem;
    uint64_t log_number;
    // The WAL, kept open while it holds records that were never synced: the
    // next sync=true write syncs it first (and releases it), so that write
    // never outlives a power loss that older writes do not. Dropped with
    // the entry once the memtable is flushed.
    std::shared_ptr<WritableFile> unsynced_log;
  };

  // Counters reported by properties; relaxed atomics, only ever reported.
  struct Stats {
    std::atomic<uint64_t> user_writes{0};   // batches acknowledged
    std::atomic<uint64_t> write_groups{0};  // WAL records (one per group)
    std::atomic<uint64_t> wal_bytes{0};     // bytes of WAL records written
    std::atomic<uint64_t> wal_syncs{0};     // fdatasync calls on WALs
    std::atomic<uint64_t> user_bytes{0};    // key + value bytes written
    std::atomic<uint64_t> memtable_switches{0};
    std::atomic<uint64_t> idle_switches{0};     // of those, for Options::idle_flush_ms
    std::atomic<uint64_t> idle_compactions{0};  // for Options::idle_compaction_ms
    std::atomic<uint64_t> flushes{0};
    std::atomic<uint64_t> flush_bytes{0};  // table bytes written by flushes
    std::atomic<uint64_t> flush_micros{0};
  };

  // Per-level compaction figures, indexed by output level (flushes count as
  // writes to level 0). Guarded by mutex_.
  struct LevelStats {
    uint64_t compactions = 0;
    uint64_t micros = 0;
    uint64_t bytes_read = 0;
    uint64_t bytes_written = 0;
  };

  // Stands for "this thread leads the write queue": the writer at the front
  // of writers_, or Open and the destructor, when no writer can exist. It is
  // no lock (leading is waiting in writers_ under mutex_); the annotations
  // let clang check that only the leader touches the fields it guards.
  class CAPABILITY("write leader") WriteLeader {
   public:
    void Acquire() ACQUIRE() {}
    void Release() RELEASE() {}
  };

  // db_open.cc
  Status Recover();
  // OpenReadOnly's recovery: the MANIFEST as of now and the WALs it needs,
  // into memory only. Sets *raced if a writer changed the file set while it
  // read (a WAL it needed went away): the caller tries again.
  Status RecoverReadOnly(bool* raced);
  // NotSupported if this DB was opened read-only.
  Status CheckWritable() const;
  Status ReplayLogs(SequenceNumber* max_sequence) REQUIRES(mutex_);
  // Replays WAL `number` into mem as options_.wal_recovery_mode says. Sets
  // *stop when kPointInTimeRecovery met damage: the WALs after it must not
  // be replayed.
  // live: the newest WAL of a read-only open, which a writer may be
  // appending to while it is read (see ReplayLog).
  Status ReplayLog(uint64_t number, MemTable* mem, SequenceNumber* max_sequence, bool live,
                   bool* stop);
  Status NewLogFile() REQUIRES(mutex_, leader_);
  void RemoveObsoleteFiles() REQUIRES(mutex_);

  // db_flush.cc
  // What a background thread runs. With one thread it runs everything; with
  // more, thread 0 runs flushes at the process's priority and the others
  // compactions, at Options::compaction_nice.
  enum class BackgroundRole { kAll, kFlush, kCompaction };
  BackgroundRole RoleOfBackgroundThread(int index) const;
  void BackgroundThread(BackgroundRole role);
  // Busy: the compaction filter (at flush) changed a version a snapshot
  // taken meanwhile sees; nothing was installed and the flush is to be redone.
  Status FlushOldestMemTable() REQUIRES(mutex_);
  // Options::idle_flush_ms and idle_compaction_ms, for a background thread:
  // what it saw of the writes when it last looked.
  struct IdleWatch {
    bool armed = false;           // there was something to do then
    SequenceNumber sequence = 0;  // the last sequence number then
    uint64_t since_micros = 0;    // since when it has not moved
  };
  // Switches the active memtable (its flush then follows as any other) once
  // it is at least a quarter of the write buffer (and 1 MiB) and no write has come for
  // idle_flush_ms; returns true if it did. Else sets *wait_micros to how
  // long the thread may sleep before looking again, or 0 if only a signal
  // need wake it (not a candidate). Never waits: it acts only when no writer
  // is queued.
  bool MaybeSwitchIdleMemTable(IdleWatch* watch, uint64_t* wait_micros) REQUIRES(mutex_);
  // True once no write has come (none acknowledged, none queued) for
  // interval_micros since watch was armed; else arms it if no longer valid
  // and sets *wait_micros to when to look again.
  bool WritesIdleFor(IdleWatch* watch, uint64_t interval_micros, uint64_t* wait_micros)
      REQUIRES(mutex_);
  // The active memtable is one an idle flush would take (enabled, no error,
  // nothing waiting for a flush, big enough).
  bool IdleFlushCandidate() REQUIRES(mutex_);
  int MaxConcurrentCompactions() const;
  // Options::idle_compaction_ms, for a thread that runs compactions: once
  // no write has come for the interval and no other compaction runs, the
  // picker's PickIdle within idle_compaction_budget_ (charged here), or
  // nullptr. Sets *wait_micros as MaybeSwitchIdleMemTable does; watch is
  // the thread's own.
  std::unique_ptr<Compaction> PickIdleCompaction(IdleWatch* watch, uint64_t* wait_micros)
      REQUIRES(mutex_);
  // The compaction a background thread should run next: the picker's most
  // urgent, or else one for a target in read_compactions_. With consume, a
  // target handed out (or found gone) leaves the queue; without, nothing
  // changes (a test hook asking whether work is due).
  std::unique_ptr<Compaction> PickCompaction(bool consume) REQUIRES(mutex_);
  // Reads used up target's ReadBudget: queue it and wake the background
  // threads. Takes the mutex.
  void ScheduleReadCompaction(const ReadCompactionTarget& target) EXCLUDES(mutex_);

  // db_compaction.cc
  // Runs c (marking its inputs busy), records the result in the MANIFEST
  // and returns with the mutex held again. Consumes c, whose input version
  // must be gone before obsolete files are looked for. Busy: the compaction
  // filter changed a version a snapshot taken meanwhile sees, so nothing was
  // installed and the compaction is to be picked again.
  Status RunCompaction(std::unique_ptr<Compaction> c) REQUIRES(mutex_);
  // The CompactRange step at level: its files in [*begin, *end] into the next
  // level holding data (or the bottom; the bottom into itself).
  std::unique_ptr<Compaction> PickManualCompaction(int level, const std::string_view* begin,
                                                   const std::string_view* end, bool* conflict)
      REQUIRES(mutex_);
  // The merge itself, without the mutex: writes c's output tables.
  Status DoCompactionWork(Compaction* c, const std::vector<SequenceNumber>& snapshots,
                          std::vector<FileMetaData>* outputs) EXCLUDES(mutex_);
  Status FinishOutputTable(std::unique_ptr<WritableFile> file,
                           std::unique_ptr<TableBuilder> builder, FileMetaData* meta)
      EXCLUDES(mutex_);

  // db_write.cc
  // updates == nullptr asks the leader to switch to a new memtable;
  // flush_only (with an empty batch) asks it to flush the WAL's buffer and
  // write no record.
  Status WriteImpl(const WriteOptions& options, WriteBatch* updates, bool flush_only = false);
  Status MakeRoomForWrite(bool force) REQUIRES(mutex_, leader_);
  // Bytes the active memtable may hold before it is switched:
  // write_buffer_size, or a quarter of memory_budget if that is smaller.
  size_t WriteBufferLimit() const;
  // A new, empty memtable: with a hash index (when
  // options_.memtable_hash_index is set) of one bucket per 128 bytes of
  // expected_bytes, at most WriteBufferLimit(): a replayed WAL's memtable
  // is sized by the WAL, a read-only DB's empty one gets none.
  std::shared_ptr<MemTable> NewMemTable(size_t expected_bytes = SIZE_MAX) const;
  // Arena bytes of the active and immutable memtables.
  size_t MemTableUsage() REQUIRES(mutex_);
  // With a memory budget: brings the memtables' reservation in the block
  // cache up to date with MemTableUsage(). Called whenever it may change.
  void ChargeMemTables() REQUIRES(mutex_);
  // True while the memtables together hold their cap and one of them waits
  // for its flush. The cap: half the memory budget, or without one, one and
  // a half times WriteBufferLimit(). At the cap, writes under a budget wait;
  // without one, a writer faster than the flushes switches the active
  // memtable early (at a quarter of the limit or more) or waits, so the
  // memtables never hold two full buffers at once, where LevelDB's may.
  bool MemTablesAtCap() REQUIRES(mutex_);
  Status SwitchMemTable() REQUIRES(mutex_, leader_);
  // Merges the queued writers' batches from the front; *need_sync and
  // *need_flush say whether any of them asked for a sync, or for its record
  // to reach the OS now (no defer_wal_flush).
  WriteBatch* BuildBatchGroup(Writer** last_writer, bool* need_sync, bool* need_flush)
      REQUIRES(mutex_, leader_);
  // If the background error is recoverable: as the write leader, starts a
  // new WAL if the active one may end in a partial record, clears the error
  // and wakes the background work. Returns the error as it then stands.
  Status ResumeLocked() REQUIRES(mutex_);
  // The background thread's automatic retry of a recoverable error: waits
  // the backoff, then ResumeLocked.
  void RetryAfterBackoff() REQUIRES(mutex_);

  // db_read.cc
  void InstallReadState() REQUIRES(mutex_);
  // Wakes the background thread if a replaced ReadState was released since
  // it last looked (read_state_released_), so it removes obsolete files.
  void WakeForReleasedReadState() REQUIRES(mutex_);
  SequenceNumber ReadSequence(const ReadOptions& options) REQUIRES(mutex_);
  // The largest sequence number <= `sequence` of a range tombstone covering
  // key in any of state's memtables and tables (0: none). Without the mutex.
  Status MaxCoveringTombstone(const ReadState& state, std::string_view key, SequenceNumber sequence,
                              SequenceNumber* covering);
  // A checker over every range tombstone of state, for an iterator at
  // `sequence` that reads only user keys within `bounds` (its memtable
  // point sources may miss entries outside them), or null when state holds
  // no range tombstone. Without the mutex.
  // REQUIRES: state outlives the checker (its point sources iterate over the
  // memtables).
  Status NewRangeDelChecker(const ReadState& state, SequenceNumber sequence,
                            const IterateBounds& bounds, std::unique_ptr<RangeDelChecker>* checker);

  // db_properties.cc
  std::string StatsString() EXCLUDES(mutex_);
  std::string CompactionStatsString() REQUIRES(mutex_);
  // The "** Memory **" lines: the budget and what each part uses.
  std::string MemoryString(const LRUCache::Stats& cache) EXCLUDES(mutex_);
  struct Amplification {
    double write = 0;  // bytes written to WALs and tables / user bytes
    double space = 0;  // table bytes / bytes of the largest level
  };
  Amplification ComputeAmplification() REQUIRES(mutex_);

  // --- Constant after construction (safe to use from any thread). ---
  const Options options_;
  // options_.comparator as the order of internal keys, for every key this
  // class compares or hands to a memtable.
  const InternalKeyComparator icmp_;
  FileSystem* const fs_;
  const std::string dbname_;
  const bool read_only_;
  const CompactionPicker picker_;
  // The buffer pool: uncompressed blocks of every table and, with a memory
  // budget, their index and filter blocks and the memtables' reservation.
  // Options::block_cache (perhaps shared with other DBs) or the DB's own.
  // Thread-safe.
  const std::shared_ptr<Cache> block_cache_;
  LRUCache* const cache_;  // block_cache_'s implementation
  // Bloom filter counters of every table read (relaxed atomics).
  TableReadStats table_stats_;
  // Open tables. Thread-safe.
  const std::unique_ptr<TableCache> table_cache_;
  // Set by Recover (before any other thread exists), released by the
  // destructor (after the background threads are joined).
  std::unique_ptr<FileLock> db_lock_;
  std::vector<std::thread> bg_threads_;

  // Set when a replaced ReadState's last reader lets it go (see ReadState):
  // files may have become removable. Cleared by the background thread,
  // which removes them; a read that finds it set wakes that thread.
  // Declared before read_state_, so it outlives every state.
  std::atomic<bool> read_state_released_{false};

  // --- Guarded by mutex_. ---
  Mutex mutex_;
  // Signalled when background work finishes a step or should stop: wakes the
  // background thread, stalled writers and Flush() callers.
  CondVar bg_cv_;
  // Set when the DB starts closing: pending flushes finish, no compaction
  // starts.
  bool closing_ GUARDED_BY(mutex_) = false;
  bool flush_running_ GUARDED_BY(mutex_) = false;
  // A write made the active memtable an idle-flush candidate and woke the
  // flush thread; cleared at each switch.
  bool idle_watch_woken_ GUARDED_BY(mutex_) = false;
  // The running compactions, so no other takes their files or key ranges.
  CompactionsInProgress compactions_ GUARDED_BY(mutex_);
  // Files reads keep finding in their way, due for compaction when no
  // level is over its target (Options::read_triggered_compaction).
  ReadCompactionQueue read_compactions_ GUARDED_BY(mutex_);
  // What idle compactions (Options::idle_compaction_ms) may still read:
  // kIdleCompactionFanout times the bytes flushes wrote, less the input
  // bytes of the idle compactions picked so far.
  uint64_t idle_compaction_budget_ GUARDED_BY(mutex_) = 0;
  static constexpr uint64_t kIdleCompactionFanout = 10;
  std::unique_ptr<VersionSet> versions_ GUARDED_BY(mutex_);
  std::shared_ptr<MemTable> mem_ GUARDED_BY(mutex_);
  std::deque<ImmutableMemTable> imm_ GUARDED_BY(mutex_);  // oldest first
  std::shared_ptr<const ReadState> read_state_ GUARDED_BY(mutex_);
  SnapshotList snapshots_ GUARDED_BY(mutex_);
  // Numbers of files being written that no version names yet.
  std::set<uint64_t> pending_outputs_ GUARDED_BY(mutex_);
  // The background error and its automatic retry.
  ErrorHandler error_handler_ GUARDED_BY(mutex_);
  // Write back-pressure: compaction debt, slowdowns, stall counts.
  WriteController write_controller_ GUARDED_BY(mutex_);
  LevelStats level_stats_[kNumLevels] GUARDED_BY(mutex_);
  // The queue of waiting writers; its front is the leader.
  std::deque<Writer*> writers_ GUARDED_BY(mutex_);
  uint64_t logfile_number_ GUARDED_BY(mutex_) = 0;
  // The memtables' charge in the block cache (updated only with a memory
  // budget). Declared after block_cache_, so it is given back before the
  // cache can go.
  CacheReservation memtable_charge_ GUARDED_BY(mutex_);
  // Set by ReplayLogs when kPointInTimeRecovery stopped replaying early:
  // Open flushes what was replayed so the WALs left out become obsolete.
  bool replay_stopped_ GUARDED_BY(mutex_) = false;

  // --- The write leader's alone (see WriteLeader); used without mutex_. ---
  // MakeRoomForWrite swaps logfile_ and log_ only while the leader also
  // holds mutex_.
  WriteLeader leader_;
  WriteBatch tmp_batch_ GUARDED_BY(leader_);
  std::shared_ptr<WritableFile> logfile_ GUARDED_BY(leader_);
  bool logfile_unsynced_ GUARDED_BY(leader_) = false;  // logfile_ holds records not yet synced
  std::unique_ptr<wal::Writer> log_ GUARDED_BY(leader_);

  // --- Atomics. ---
  // Set (with the mutex held) when the DB is closing; atomic so a long
  // compaction can notice without taking the mutex. The default (sequentially
  // consistent) order: it is read once per write or compaction step, where a
  // weaker order would save nothing measurable.
  std::atomic<bool> shutting_down_{false};
  // Records skipped while replaying WALs because they were corrupt: written
  // by recovery, read by properties without the mutex; only ever reported.
  std::atomic<uint64_t> wal_corrupted_records_{0};
  std::atomic<uint64_t> wal_corrupted_bytes_{0};
  // True while logfile_'s buffer holds records written with
  // defer_wal_flush. Written by the leader only: set (release) after
  // appending such a record and before the group is inserted and published,
  // cleared once the buffer reached the OS. FlushWAL reads it (acquire)
  // without the mutex to return at once when there is nothing to flush: a
  // reader that saw a deferred write's data sees the flag set, unless a
  // later flush already handed that record to the OS.
  std::atomic<bool> wal_unflushed_{false};
  // Counters, relaxed: only ever reported.
  Stats stats_;
  // Flushes and compactions that ran the compaction filter: the source of
  // CompactionFilter::Context::job_id (relaxed: uniqueness only).
  std::atomic<uint64_t> filter_jobs_{0};
};

}  // namespace strata

#endif  // STRATA_LSM_DB_IMPL_H_
