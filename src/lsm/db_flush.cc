// The background pool, and flushing immutable memtables to level-0 tables.
//
// max_background_jobs threads share one loop. With one thread, a pending
// flush goes first, then the most urgent compaction whose files are free.
// With two or more, thread 0 runs flushes only and the others compactions
// only (MaxConcurrentCompactions() of them, each on disjoint files), so a
// flush never waits behind a compaction, and the compaction threads can run
// nicer than the process (Options::compaction_nice): on busy cores the
// application and the flushes go first, and a compaction that falls behind
// slows the writers (the level-0 and pending-bytes slowdowns), which gives
// it the CPU back. A priority once lowered cannot be raised without
// privilege, which is why the roles are fixed per thread.
//
// A flush writes the oldest immutable memtable to a table (without the
// mutex), syncs the table and the directory, then records the table and the
// advanced log number in the MANIFEST. Only after that does the memtable
// leave imm_ and its WAL become obsolete, so a crash at any point loses
// nothing: either the MANIFEST names the table, or the WAL is still
// replayed. Flushes go oldest first, one at a time, so level-0 file numbers
// follow the order of the data they hold.
//
// With Options::compaction_filter_at_flush the memtable passes through a
// CompactionFilterIterator on its way to the table; a snapshot taken during
// the flush may see what the filter changed, so such a flush is thrown away
// (Busy) and runs again, the snapshot then known.
//
// Entries the memtable's own range tombstones delete for every reader (no
// snapshot between the entry and the tombstone) are left out of the table,
// as a compaction would drop them: a DeleteRange over what is still in the
// memtable (strata-server's FLUSHALL) then costs the next flush nothing.
//
// A flush or compaction that runs out of space leaves a recoverable error
// (its output is abandoned; the MANIFEST never named it): one background
// thread retries after a backoff (50 ms, doubling up to 1 s; see
// ErrorHandler) by ResumeLocked, and the work runs again. Any other error is
// sticky.

#include "lsm/build_table.h"
#include "lsm/compaction_filter_iterator.h"
#include "lsm/db_impl.h"
#include "util/clock.h"
#include "util/sync_point.h"
#include "util/thread.h"

namespace strata {

int DBImpl::MaxConcurrentCompactions() const {
  return options_.max_background_jobs > 1 ? options_.max_background_jobs - 1 : 1;
}

DBImpl::BackgroundRole DBImpl::RoleOfBackgroundThread(int index) const {
  if (options_.max_background_jobs == 1) return BackgroundRole::kAll;
  return index == 0 ? BackgroundRole::kFlush : BackgroundRole::kCompaction;
}

void DBImpl::BackgroundThread(BackgroundRole role) {
  const bool flushes = role != BackgroundRole::kCompaction;
  const bool compactions = role != BackgroundRole::kFlush;
  if (role == BackgroundRole::kCompaction) {
    SetCurrentThreadName("strata:compact");
    (void)LowerCurrentThreadPriority(options_.compaction_nice);  // a hint
  } else {
    SetCurrentThreadName(role == BackgroundRole::kFlush ? "strata:flush" : "strata:bg");
  }
  IdleWatch idle;
  IdleWatch compact_idle;
  MutexLock lock(&mutex_);
  while (!shutting_down_) {
    if (error_handler_.IsRecoverable() && !error_handler_.retry_scheduled() && !closing_) {
      RetryAfterBackoff();
      continue;
    }
    if (flushes && error_handler_.ok() && !imm_.empty() && !flush_running_) {
      flush_running_ = true;
      Status s = FlushOldestMemTable();
      flush_running_ = false;
      if (s.ok()) {
        error_handler_.WorkSucceeded();
      } else if (s.IsBusy()) {
        RemoveObsoleteFiles();  // the table no version names; the flush runs again
      } else {
        error_handler_.RecordBackgroundError(s);
      }
      bg_cv_.SignalAll();
      continue;
    }
    std::unique_ptr<Compaction> c;
    if (compactions && error_handler_.ok() && !closing_ &&
        compactions_.size() < MaxConcurrentCompactions()) {
      c = PickCompaction(/*consume=*/true);
    }
    uint64_t idle_compaction_wait = 0;  // none: sleep until signalled
    if (c == nullptr && compactions && error_handler_.ok() && !closing_) {
      c = PickIdleCompaction(&compact_idle, &idle_compaction_wait);
    }
    if (c != nullptr) {
      TEST_SYNC_POINT("DBImpl::BackgroundThread:Compaction");
      Status s = RunCompaction(std::move(c));
      if (s.ok()) {
        error_handler_.WorkSucceeded();
      } else if (!s.IsBusy() && !shutting_down_) {  // Busy: not installed, picked again
        error_handler_.RecordBackgroundError(s);
      }
      bg_cv_.SignalAll();
      continue;
    }
    if (read_state_released_.exchange(false, std::memory_order_acquire)) {
      // A replaced read state's last reader let it go: the files only its
      // version named can go now.
      RemoveObsoleteFiles();
      continue;
    }
    uint64_t idle_wait = 0;  // none: sleep until signalled
    if (flushes && MaybeSwitchIdleMemTable(&idle, &idle_wait)) continue;  // flush it
    if (idle_compaction_wait != 0 && (idle_wait == 0 || idle_compaction_wait < idle_wait)) {
      idle_wait = idle_compaction_wait;
    }
    TEST_SYNC_POINT_CALLBACK("DBImpl::BackgroundThread:Idle",
                             const_cast<Version*>(versions_->current().get()));  // read-only
    if (idle_wait == 0) {
      bg_cv_.Wait();
    } else {
      bg_cv_.WaitFor(std::chrono::microseconds(idle_wait));
    }
  }
}

std::unique_ptr<Compaction> DBImpl::PickCompaction(bool consume) {
  std::shared_ptr<const Version> current = versions_->current();
  std::unique_ptr<Compaction> c = picker_.Pick(current, compactions_);
  if (c != nullptr || read_compactions_.empty()) return c;
  return read_compactions_.Pick(picker_, current, compactions_, consume);
}

std::unique_ptr<Compaction> DBImpl::PickIdleCompaction(IdleWatch* watch, uint64_t* wait_micros) {
  mutex_.AssertHeld();
  *wait_micros = 0;
  std::shared_ptr<const Version> current = versions_->current();
  if (options_.idle_compaction_ms == 0 || compactions_.size() != 0 || !imm_.empty() ||
      idle_compaction_budget_ == 0 || !current->HasFilesAboveBottom()) {
    watch->armed = false;
    return nullptr;
  }
  // Idle first, then the pick: while writes come, this runs after every
  // flush and compaction, and a pick there would be thrown away.
  if (!WritesIdleFor(watch, uint64_t{options_.idle_compaction_ms} * 1000, wait_micros)) {
    return nullptr;
  }
  uint64_t cost = 0;
  std::unique_ptr<Compaction> c =
      picker_.PickIdle(current, compactions_, idle_compaction_budget_, &cost);
  if (c == nullptr) {  // what is left costs more than the budget, or is busy
    watch->armed = false;
    return nullptr;
  }
  // The watch stays armed: the next one follows at once unless a write
  // comes.
  idle_compaction_budget_ -= cost;
  stats_.idle_compactions.fetch_add(1, std::memory_order_relaxed);
  return c;
}

void DBImpl::ScheduleReadCompaction(const ReadCompactionTarget& target) {
  MutexLock lock(&mutex_);
  if (closing_) return;
  read_compactions_.Add(target);
  bg_cv_.SignalAll();
}

void DBImpl::RetryAfterBackoff() {
  mutex_.AssertHeld();
  uint64_t deadline = error_handler_.ScheduleRetry();
  // Woken early by Resume() (the error is gone) or by closing.
  while (!shutting_down_ && !closing_ && error_handler_.IsRecoverable() &&
         error_handler_.WaitForRetry(&mutex_, deadline)) {
  }
  if (!shutting_down_ && !closing_) {
    error_handler_.RetryStarting();
    (void)ResumeLocked();
  }
  error_handler_.RetryDone();
}

Status DBImpl::FlushOldestMemTable() {
  mutex_.AssertHeld();
  std::shared_ptr<MemTable> mem = imm_.front().mem;
  FileMetaData meta;
  meta.number = versions_->NewFileNumber();
  pending_outputs_.insert(meta.number);

  uint64_t start = NowMicros();
  const bool filter = options_.compaction_filter != nullptr && options_.compaction_filter_at_flush;
  // For the filter, and for leaving out what the memtable's own range
  // tombstones delete. A snapshot taken later is at or above every entry of
  // this memtable, so it sees those tombstones too.
  std::vector<SequenceNumber> snapshots = snapshots_.Sequences();
  SequenceNumber smallest_filtered = kMaxSequenceNumber + 1;
  Status s;
  {
    mutex_.Unlock();
    TEST_SYNC_POINT("DBImpl::FlushOldestMemTable:Unlocked");
    std::unique_ptr<Iterator> iter = mem->NewScanIterator();
    CompactionFilterIterator* filtered = nullptr;
    if (filter) {
      CompactionFilter::Context context;
      context.level = 0;
      context.is_flush = true;
      context.job_id = filter_jobs_.fetch_add(1, std::memory_order_relaxed) + 1;
      auto wrapper = std::make_unique<CompactionFilterIterator>(
          std::move(iter), options_.compaction_filter, context, snapshots, icmp_);
      filtered = wrapper.get();
      iter = std::move(wrapper);
    }
    std::shared_ptr<const FragmentedRangeTombstones> range_tombstones = mem->RangeTombstones();
    s = BuildTable(dbname_, fs_, options_, table_cache_.get(), iter.get(), range_tombstones.get(),
                   &meta, &snapshots);
    if (filtered != nullptr) smallest_filtered = filtered->smallest_filtered_sequence();
    // The table's directory entry must be durable before the MANIFEST
    // names it.
    if (s.ok() && meta.file_size > 0) s = fs_->SyncDir(dbname_);
    TEST_SYNC_POINT("DBImpl::FlushOldestMemTable:TableWritten");
    mutex_.Lock();
  }
  if (s.ok() && FilterRacedWithSnapshot(snapshots_.Sequences(), smallest_filtered)) {
    // A snapshot taken during the flush sees a version the filter changed.
    s = Status::Busy("compaction filter raced with a new snapshot; flush to be redone");
  }

  if (s.ok()) {
    VersionEdit edit;
    if (meta.file_size > 0) edit.AddFile(0, meta);
    // Every WAL older than the next memtable's is now obsolete.
    edit.SetLogNumber(imm_.size() > 1 ? imm_[1].log_number : logfile_number_);
    s = versions_->LogAndApply(&edit, &mutex_);
  }
  pending_outputs_.erase(meta.number);
  if (!s.ok()) return s;

  imm_.pop_front();
  InstallReadState();
  ChargeMemTables();
  uint64_t micros = NowMicros() - start;
  stats_.flushes.fetch_add(1, std::memory_order_relaxed);
  stats_.flush_bytes.fetch_add(meta.file_size, std::memory_order_relaxed);
  stats_.flush_micros.fetch_add(micros, std::memory_order_relaxed);
  level_stats_[0].bytes_written += meta.file_size;
  idle_compaction_budget_ += kIdleCompactionFanout * meta.file_size;
  // The flushed memtable goes now (unless a reader still holds it), not
  // after its WAL's unlink below, which can take milliseconds; and without
  // the mutex: unmapping its arena takes a while too, and writers need the
  // mutex meanwhile.
  mutex_.Unlock();
  mem.reset();
  mutex_.Lock();
  RemoveObsoleteFiles();
  return Status::OK();
}

Status DBImpl::Flush() {
  Status s = WriteImpl(WriteOptions(), nullptr);
  if (!s.ok()) return s;
  MutexLock lock(&mutex_);
  // Every memtable older than the active one must reach a table: the
  // MANIFEST's log number passes the active WAL's only after they all did.
  uint64_t target = logfile_number_;
  while (versions_->LogNumber() < target && error_handler_.ok()) bg_cv_.Wait();
  if (!error_handler_.ok()) return error_handler_.bg_error();
  // The flush thread removes the WALs it made obsolete only after the
  // MANIFEST advanced, so this caller may have woken first. Removing them
  // here too means that when Flush() returns, the flushed data lives only
  // in tables (removing a file twice is harmless).
  RemoveObsoleteFiles();
  return error_handler_.bg_error();
}

}  // namespace strata
