// The write path: group commit.
//
// Writers queue in writers_. The writer at the front is the leader: it merges
// the batches queued behind it (up to kMaxGroupBytes) into one WAL record,
// writes it with one Append and one Flush (handing it to the OS, so it
// survives a process crash) or, if any writer in the group asked for sync,
// one Sync (a group whose writers all set defer_wal_flush skips the Flush:
// its record waits in the buffer for FlushWAL, the next flushing group or a
// memtable switch); inserts the group into the memtable; publishes the
// group's last sequence number; and wakes the followers with the group's
// status.
//
// Errors: a failed WAL write or sync becomes the sticky background error
// (see ErrorHandler). The failed
// group's writers get the error, and so does every later write: the WAL may
// hold a partial record, and a failed fsync may have lost pages the kernel
// still calls written, so carrying on could acknowledge writes that are gone.
// Running out of space while appending (not while syncing) is recoverable:
// what was acknowledged before reached the OS whole, so once a retry starts
// a new WAL (the old one ends, at worst, in a torn record that recovery
// drops), writes carry on. See ResumeLocked.
//
// When writes stop (Options::idle_flush_ms), the flush thread switches a
// memtable of a quarter buffer or more itself, leading the then empty
// write queue as ResumeLocked does (LeadWriteQueue, MaybeSwitchIdleMemTable).

#include <algorithm>
#include <optional>

#include "lsm/db_impl.h"
#include "lsm/write_batch_internal.h"
#include "util/clock.h"

namespace strata {
namespace {

// A leader stops adding followers' batches past this many bytes, so one large
// group does not delay a small write for long. A small leader batch caps the
// group lower still, to keep its own latency low.
constexpr size_t kMaxGroupBytes = 1 << 20;
constexpr size_t kSmallBatchBytes = 128 << 10;

}  // namespace

struct DBImpl::Writer {
  explicit Writer(Mutex* mu) : cv(mu) {}
  WriteBatch* batch = nullptr;  // nullptr: a request to rotate the memtable
  bool sync = false;
  bool flush = true;        // the record must reach the OS before the write returns
  bool flush_only = false;  // FlushWAL: an empty batch that writes no record
  bool done = false;
  Status status;
  CondVar cv;
};

// Leads the write queue for the lifetime of the object, as a memtable switch
// request would (it never joins another writer's group): queues behind the
// writers already there, waits to be at the front and takes the leader role;
// on destruction gives it back, leaves the queue and wakes the next writer.
// mutex_ is held throughout (waiting releases it, as a writer's wait does).
class SCOPED_CAPABILITY DBImpl::LeadWriteQueue {
 public:
  // (No REQUIRES(mutex_) here: on a scoped capability clang would take it for
  // one the object holds, and release it with the object.)
  explicit LeadWriteQueue(DBImpl* db) ACQUIRE(db->leader_) : db_(db), w_(&db->mutex_) {
    db_->mutex_.AssertHeld();
    db_->writers_.push_back(&w_);
    while (&w_ != db_->writers_.front()) w_.cv.Wait();
    db_->leader_.Acquire();
  }
  ~LeadWriteQueue() RELEASE() {
    db_->leader_.Release();
    db_->writers_.pop_front();
    if (!db_->writers_.empty()) db_->writers_.front()->cv.Signal();
  }
  LeadWriteQueue(const LeadWriteQueue&) = delete;
  LeadWriteQueue& operator=(const LeadWriteQueue&) = delete;

 private:
  DBImpl* const db_;
  Writer w_;
};

Status DBImpl::Put(const WriteOptions& options, std::string_view key, std::string_view value) {
  WriteBatch batch;
  batch.Put(key, value);
  return Write(options, &batch);
}

Status DBImpl::Delete(const WriteOptions& options, std::string_view key) {
  WriteBatch batch;
  batch.Delete(key);
  return Write(options, &batch);
}

Status DBImpl::DeleteRange(const WriteOptions& options, std::string_view begin,
                           std::string_view end) {
  // An empty range deletes nothing: no sequence number, no WAL record.
  if (icmp_.CompareUserKeys(begin, end) >= 0) return Status::OK();
  WriteBatch batch;
  batch.DeleteRange(begin, end);
  return Write(options, &batch);
}

Status DBImpl::Write(const WriteOptions& options, WriteBatch* updates) {
  if (updates == nullptr) return Status::InvalidArgument("Write: null batch");
  if (WriteBatchInternal::ByteSize(updates) > (uint64_t{1} << 31)) {
    return Status::InvalidArgument("Write: batch larger than 2 GiB");
  }
  return WriteImpl(options, updates);
}

Status DB::FlushWAL() { return Status::OK(); }

Status DBImpl::FlushWAL() {
  if (!wal_unflushed_.load(std::memory_order_acquire)) return Status::OK();
  WriteBatch empty;
  return WriteImpl(WriteOptions(), &empty, /*flush_only=*/true);
}

Status DBImpl::WriteImpl(const WriteOptions& options, WriteBatch* updates, bool flush_only) {
  // Put, Delete, Write, Flush and FlushWAL all come here.
  if (Status s = CheckWritable(); !s.ok()) return s;
  Writer w(&mutex_);
  w.batch = updates;
  w.sync = options.sync;
  w.flush = options.sync || !options.defer_wal_flush;
  w.flush_only = flush_only;

  MutexLock lock(&mutex_);
  writers_.push_back(&w);
  while (!w.done && &w != writers_.front()) w.cv.Wait();
  if (w.done) return w.status;

  // This writer leads a group.
  leader_.Acquire();
  Status s = MakeRoomForWrite(updates == nullptr);
  Writer* last_writer = &w;
  bool need_sync = false;
  bool need_flush = true;
  if (s.ok() && updates != nullptr) {
    WriteBatch* group = BuildBatchGroup(&last_writer, &need_sync, &need_flush);
    SequenceNumber first = versions_->LastSequence() + 1;
    WriteBatchInternal::SetSequence(group, first);
    uint32_t count = WriteBatchInternal::Count(group);
    std::shared_ptr<MemTable> mem = mem_;
    // A synced write makes every earlier write durable too: first the older
    // WALs that still hold unsynced records.
    std::vector<std::shared_ptr<WritableFile>> older_logs;
    if (need_sync) {
      for (const auto& imm : imm_) {
        if (imm.unsynced_log != nullptr) older_logs.push_back(imm.unsynced_log);
      }
    }
    bool append_failed = false;
    {
      // Only the leader touches log_, logfile_ and the memtable's insert
      // side, so the disk write and the inserts run without the mutex and
      // other writers can queue meanwhile.
      mutex_.Unlock();
      for (const auto& file : older_logs) {
        s = file->Sync();
        if (!s.ok()) break;
      }
      std::string_view record = WriteBatchInternal::Contents(group);
      // A lone FlushWAL has nothing to log: only the buffer to hand over.
      bool log_record = !(flush_only && count == 0 && last_writer == &w);
      if (s.ok()) {
        if (log_record) s = log_->AddRecord(record);
        if (s.ok() && need_flush) s = logfile_->Flush();
        append_failed = !s.ok();
      }
      if (s.ok() && need_sync) s = logfile_->Sync();
      if (s.ok() && log_record) logfile_unsynced_ = !need_sync;
      if (s.ok()) {
        // Before the insert publishes the group: see wal_unflushed_.
        if (!need_flush) {
          wal_unflushed_.store(true, std::memory_order_release);
        } else {
          wal_unflushed_.store(false, std::memory_order_release);
        }
      }
      if (s.ok()) s = WriteBatchInternal::InsertInto(group, mem.get());
      if (log_record) {
        stats_.write_groups.fetch_add(1, std::memory_order_relaxed);
        stats_.wal_bytes.fetch_add(record.size(), std::memory_order_relaxed);
      }
      if (need_sync) stats_.wal_syncs.fetch_add(1, std::memory_order_relaxed);
      mutex_.Lock();
    }
    ChargeMemTables();
    if (!idle_watch_woken_ && IdleFlushCandidate()) {
      // The flush thread sleeps until signalled: from now on it looks at
      // the writes once an interval (MaybeSwitchIdleMemTable).
      idle_watch_woken_ = true;
      bg_cv_.SignalAll();
    }
    if (s.ok()) {
      versions_->SetLastSequence(first + count - 1);
      error_handler_.WorkSucceeded();
      for (auto& imm : imm_) {
        for (const auto& file : older_logs) {
          if (imm.unsynced_log == file) imm.unsynced_log.reset();
        }
      }
      // Still at the front of writers_, so no other write overtakes the
      // delay.
      write_controller_.DelayWrite(&mutex_, WriteBatchInternal::ByteSize(group),
                                   versions_->current()->NumFiles(0));
    } else if (append_failed && s.IsNoSpace()) {
      // The group's record may be partly (or, if the OS took all of it
      // before failing, wholly) in the WAL: no later record may reuse its
      // sequence numbers, and none may follow it in that file.
      versions_->SetLastSequence(first + count - 1);
      error_handler_.set_wal_needs_switch(true);
      error_handler_.RecordBackgroundError(s);
    } else {
      error_handler_.SetBackgroundError(s);
    }
    if (group == &tmp_batch_) tmp_batch_.Clear();
  }

  while (true) {
    Writer* ready = writers_.front();
    writers_.pop_front();
    if (ready != &w) {
      ready->status = s;
      ready->done = true;
      ready->cv.Signal();
    }
    if (s.ok() && ready->batch != nullptr && !ready->flush_only) {
      stats_.user_writes.fetch_add(1, std::memory_order_relaxed);
      stats_.user_bytes.fetch_add(
          WriteBatchInternal::ByteSize(ready->batch) - WriteBatchInternal::kHeaderSize,
          std::memory_order_relaxed);
    }
    if (ready == last_writer) break;
  }
  leader_.Release();
  if (!writers_.empty()) writers_.front()->cv.Signal();
  return s;
}

WriteBatch* DBImpl::BuildBatchGroup(Writer** last_writer, bool* need_sync, bool* need_flush) {
  Writer* first = writers_.front();
  WriteBatch* result = first->batch;
  *need_sync = first->sync;
  *need_flush = first->flush;
  size_t size = WriteBatchInternal::ByteSize(first->batch);
  size_t max_size = size <= kSmallBatchBytes ? size + kSmallBatchBytes : kMaxGroupBytes;
  *last_writer = first;
  for (auto it = writers_.begin() + 1; it != writers_.end(); ++it) {
    Writer* w = *it;
    if (w->batch == nullptr) break;  // a memtable switch request leads its own group
    size += WriteBatchInternal::ByteSize(w->batch);
    if (size > max_size) break;
    // A sync writer may join a non-sync group: the group is synced for it.
    *need_sync = *need_sync || w->sync;
    *need_flush = *need_flush || w->flush;
    if (result == first->batch) {
      // Merge into tmp_batch_ so the caller's batch is left untouched.
      result = &tmp_batch_;
      tmp_batch_.Clear();
      tmp_batch_.Append(*first->batch);
    }
    result->Append(*w->batch);
    *last_writer = w;
  }
  return result;
}

Status DBImpl::MakeRoomForWrite(bool force) {
  mutex_.AssertHeld();
  while (true) {
    if (!error_handler_.ok()) return error_handler_.bg_error();
    if (shutting_down_) return Status::IOError("the database is closing");
    std::optional<WriteController::StallCause> stop =
        write_controller_.StopCause(versions_->current()->NumFiles(0));
    if (!stop && !mem_->Empty() &&
        (force || mem_->ApproximateMemoryUsage() >= WriteBufferLimit()) &&
        imm_.size() >= static_cast<size_t>(options_.max_write_buffer_number)) {
      // Every buffer is waiting for its flush.
      stop = WriteController::kMemTableStop;
    }
    bool switch_early = false;
    if (!stop && MemTablesAtCap()) {
      if (options_.memory_budget != 0) {
        // The budget's memtables switch at a quarter of it: writes wait.
        stop = WriteController::kMemTableStop;
      } else if (!force) {
        // The flushes are behind the writes. A memtable big enough to be
        // worth a table of its own is switched now, so that the flush
        // thread goes on to it the moment it finishes; a smaller one waits.
        switch_early = mem_->ApproximateMemoryUsage() >= WriteBufferLimit() / 4 &&
                       imm_.size() < static_cast<size_t>(options_.max_write_buffer_number);
        if (!switch_early) stop = WriteController::kMemTableStop;
      }
    }
    if (stop) {
      uint64_t start = NowMicros();
      bg_cv_.Wait();
      write_controller_.RecordStall(*stop, NowMicros() - start);
      continue;
    }
    // An empty memtable is never switched: its arena's first block alone
    // may reach a small write_buffer_size.
    if (mem_->Empty() ||
        (!force && !switch_early && mem_->ApproximateMemoryUsage() < WriteBufferLimit())) {
      return Status::OK();
    }
    Status s = SwitchMemTable();
    if (!s.ok()) return s;
    force = false;
  }
}

Status DBImpl::SwitchMemTable() {
  mutex_.AssertHeld();
  if (wal_unflushed_.load(std::memory_order_relaxed)) {
    // Deferred records go to the OS with their own WAL: the new one must
    // not hold writes that depend on records the old one never got.
    Status s = logfile_->Flush();
    if (!s.ok()) {
      error_handler_.SetBackgroundError(s);
      return s;
    }
    wal_unflushed_.store(false, std::memory_order_release);
  }
  std::shared_ptr<MemTable> old_mem = mem_;
  uint64_t old_log = logfile_number_;
  // Keep the old WAL open if a later synced write must sync it first.
  std::shared_ptr<WritableFile> old_file = logfile_unsynced_ ? logfile_ : nullptr;
  Status s = NewLogFile();
  if (!s.ok()) {
    error_handler_.RecordBackgroundError(s);
    return s;
  }
  logfile_unsynced_ = false;
  imm_.push_back({std::move(old_mem), old_log, std::move(old_file)});
  stats_.memtable_switches.fetch_add(1, std::memory_order_relaxed);
  InstallReadState();
  ChargeMemTables();
  bg_cv_.SignalAll();  // wake the flush
  return Status::OK();
}

size_t DBImpl::WriteBufferLimit() const {
  if (options_.memory_budget == 0) return options_.write_buffer_size;
  return std::min(options_.write_buffer_size, options_.memory_budget / 4);
}

std::shared_ptr<MemTable> DBImpl::NewMemTable(size_t expected_bytes) const {
  const size_t bytes = std::min(expected_bytes, WriteBufferLimit());
  const size_t buckets = options_.memtable_hash_index ? bytes / 128 : 0;
  return std::make_shared<MemTable>(icmp_, buckets);
}

size_t DBImpl::MemTableUsage() {
  mutex_.AssertHeld();
  size_t usage = mem_->ApproximateMemoryUsage();
  for (const auto& imm : imm_) usage += imm.mem->ApproximateMemoryUsage();
  return usage;
}

void DBImpl::ChargeMemTables() {
  mutex_.AssertHeld();
  // Memtables that readers still hold after their flush are no longer
  // counted: they go as soon as those reads finish.
  if (options_.memory_budget != 0) memtable_charge_.Update(MemTableUsage());
}

bool DBImpl::MemTablesAtCap() {
  mutex_.AssertHeld();
  // Without an immutable memtable no flush is coming to free memory, so a
  // wait would never end; the active one is bounded by WriteBufferLimit()
  // alone (under a budget, a quarter of it), so this takes a single batch
  // larger than the cap.
  if (imm_.empty()) return false;
  const size_t limit = WriteBufferLimit();
  const size_t cap = options_.memory_budget != 0 ? options_.memory_budget / 2 : limit + limit / 2;
  return MemTableUsage() >= cap;
}

namespace {
// A memtable smaller than this fits the CPU's caches: searching it costs
// little, and flushing it would only make a small table.
constexpr size_t kIdleFlushMinBytes = 1 << 20;
}  // namespace

bool DBImpl::IdleFlushCandidate() {
  mutex_.AssertHeld();
  // A memtable already waiting for its flush, or an error, leave the
  // moment to the writes.
  const size_t usage = mem_->ApproximateMemoryUsage();
  return options_.idle_flush_ms != 0 && !closing_ && error_handler_.ok() && imm_.empty() &&
         !mem_->Empty() && usage >= kIdleFlushMinBytes && usage >= WriteBufferLimit() / 4;
}

bool DBImpl::WritesIdleFor(IdleWatch* watch, uint64_t interval_micros, uint64_t* wait_micros) {
  mutex_.AssertHeld();
  // The sequence number tells whether a write came since the last look.
  // Writes queued or in flight are not idle either.
  const SequenceNumber sequence = versions_->LastSequence();
  const uint64_t now = NowMicros();
  if (!watch->armed || watch->sequence != sequence || !writers_.empty()) {
    *watch = IdleWatch{true, sequence, now};
    *wait_micros = interval_micros;
    return false;
  }
  if (now - watch->since_micros < interval_micros) {
    *wait_micros = watch->since_micros + interval_micros - now;
    return false;
  }
  return true;
}

bool DBImpl::MaybeSwitchIdleMemTable(IdleWatch* watch, uint64_t* wait_micros) {
  mutex_.AssertHeld();
  *wait_micros = 0;
  if (!IdleFlushCandidate()) {
    watch->armed = false;
    return false;
  }
  // Writes do not signal this thread (but the one that makes the memtable
  // a candidate), so the switch comes between one and two intervals after
  // the last write.
  if (!WritesIdleFor(watch, uint64_t{options_.idle_flush_ms} * 1000, wait_micros)) return false;
  watch->armed = false;
  // Lead the write queue (empty, as seen above, so this does not wait) for
  // the switch: a write arriving meanwhile queues behind it.
  Status s;
  {
    LeadWriteQueue lead(this);
    s = SwitchMemTable();
  }
  if (!s.ok()) return false;  // SwitchMemTable recorded the error
  stats_.idle_switches.fetch_add(1, std::memory_order_relaxed);
  return true;
}

Status DBImpl::ResumeLocked() {
  mutex_.AssertHeld();
  if (!error_handler_.IsRecoverable()) return error_handler_.bg_error();
  {
    // Lead the write queue, so no write is using the WAL meanwhile.
    LeadWriteQueue lead(this);
    if (error_handler_.IsRecoverable()) {
      Status s;
      if (error_handler_.wal_needs_switch()) {
        // The memtable moves to the flush queue with its WAL: once flushed,
        // the writes it holds no longer depend on that WAL's pages at all.
        s = SwitchMemTable();
        if (s.ok()) error_handler_.set_wal_needs_switch(false);
      }
      if (s.ok() && error_handler_.IsRecoverable()) error_handler_.ClearRecoverableError();
    }
  }
  if (error_handler_.ok()) RemoveObsoleteFiles();  // abandoned outputs free space
  bg_cv_.SignalAll();                              // the flushes and compactions retry
  return error_handler_.bg_error();
}

Status DBImpl::Resume() {
  if (Status s = CheckWritable(); !s.ok()) return s;
  MutexLock lock(&mutex_);
  Status s = ResumeLocked();
  // OK only once the memtables waiting for a flush are in tables: that is
  // what shows the space is back.
  while (s.ok() && !imm_.empty() && !shutting_down_) {
    bg_cv_.Wait();
    s = error_handler_.bg_error();
  }
  // As in Flush(): the files those flushes made obsolete are gone on return.
  if (s.ok()) RemoveObsoleteFiles();
  return s;
}

}  // namespace strata
