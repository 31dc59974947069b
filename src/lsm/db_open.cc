// Opening, recovering and closing a database; DestroyDB.
//
// Open: lock the directory, read CURRENT and the MANIFEST, replay every WAL
// at or after the MANIFEST's log number (oldest first) into a memtable, start
// a new MANIFEST and a new WAL, sync the directory, then delete the files no
// version needs. What a damaged WAL record does is options.wal_recovery_mode's
// choice (options.h): by default a torn tail is expected after a crash and
// ignored, and corruption before the tail is skipped and counted, or fatal
// under paranoid_checks. A point-in-time stop is flushed before Open returns,
// so the WALs it left out are deleted and never replayed later.
//
// OpenReadOnly: no lock, no file written. It reads the MANIFEST as of now,
// replays the WALs it needs into memory, then reads the MANIFEST again: a
// writer that flushed meanwhile may have deleted a WAL this open needed (its
// data now in a table the first read did not see), which shows as a missing
// WAL or an advanced log number, and the open starts over.

#include <algorithm>

#include "lsm/db_impl.h"
#include "lsm/filename.h"
#include "lsm/manifest_replayer.h"
#include "lsm/write_batch_internal.h"
#include "strata/compaction_filter.h"
#include "wal/log_reader.h"

namespace strata {
namespace {

Status ValidateOptions(const Options& options) {
  if (options.comparator == nullptr) {
    return Status::InvalidArgument("comparator must not be null");
  }
  if (options.write_buffer_size < (64 << 10)) {
    return Status::InvalidArgument("write_buffer_size must be at least 64 KiB");
  }
  if (options.max_write_buffer_number < 1) {
    return Status::InvalidArgument("max_write_buffer_number must be at least 1");
  }
  if (options.block_size < 256 || options.block_size > (64u << 20)) {
    return Status::InvalidArgument("block_size must be between 256 B and 64 MiB");
  }
  if (options.block_restart_interval < 1) {
    return Status::InvalidArgument("block_restart_interval must be at least 1");
  }
  if (options.bloom_bits_per_key < 0) {
    return Status::InvalidArgument("bloom_bits_per_key must not be negative");
  }
  if (options.compression > kZstdCompression) {
    return Status::InvalidArgument("unknown compression type");
  }
  if (options.l0_compaction_trigger < 1 ||
      options.l0_slowdown_writes_trigger < options.l0_compaction_trigger ||
      options.l0_stop_writes_trigger < options.l0_slowdown_writes_trigger) {
    return Status::InvalidArgument(
        "need 1 <= l0_compaction_trigger <= l0_slowdown_writes_trigger <= "
        "l0_stop_writes_trigger");
  }
  if (options.soft_pending_compaction_bytes > options.hard_pending_compaction_bytes) {
    return Status::InvalidArgument(
        "soft_pending_compaction_bytes must not exceed hard_pending_compaction_bytes");
  }
  if (options.target_file_size < (64 << 10) || options.max_bytes_for_level_base < (64 << 10)) {
    return Status::InvalidArgument(
        "target_file_size and max_bytes_for_level_base must be at least 64 KiB");
  }
  if (options.max_background_jobs < 1) {
    return Status::InvalidArgument("max_background_jobs must be at least 1");
  }
  if (options.compaction_nice < 0 || options.compaction_nice > 19) {
    return Status::InvalidArgument("compaction_nice must be between 0 and 19");
  }
  if (options.scan_readahead_blocks > 1024) {
    return Status::InvalidArgument("scan_readahead_blocks must be at most 1024");
  }
  if (static_cast<unsigned>(options.wal_recovery_mode) >
      static_cast<unsigned>(WALRecoveryMode::kSkipAnyCorruptedRecords)) {
    return Status::InvalidArgument("unknown wal_recovery_mode");
  }
  if (options.compaction_filter_at_flush && options.compaction_filter == nullptr) {
    return Status::InvalidArgument("compaction_filter_at_flush needs a compaction_filter");
  }
  if (options.compaction_filter != nullptr && (options.compaction_filter->Name() == nullptr ||
                                               *options.compaction_filter->Name() == '\0')) {
    return Status::InvalidArgument("compaction_filter's Name() must not be empty");
  }
  if (options.max_open_files < 10) {
    return Status::InvalidArgument("max_open_files must be at least 10");
  }
  if (options.memory_budget != 0 && options.memory_budget < (1 << 20)) {
    return Status::InvalidArgument("memory_budget must be 0 (none) or at least 1 MiB");
  }
  if (options.memory_budget != 0 && options.block_cache != nullptr &&
      options.memory_budget > options.block_cache->capacity()) {
    return Status::InvalidArgument("memory_budget exceeds the capacity of block_cache");
  }
  return Status::OK();
}

// A LevelDB database has the same CURRENT, MANIFEST-* and *.log names as
// ours but another format inside; its .ldb tables and LOG (the info log) are
// what tell it apart, so it fails with a clear message instead of a
// Corruption from the MANIFEST replay.
Status CheckNotLevelDB(FileSystem* fs, const std::string& dbname) {
  std::vector<std::string> children;
  if (!fs->GetChildren(dbname, &children).ok()) return Status::OK();  // no directory yet
  for (const std::string& name : children) {
    if (name == "LOG" || name == "LOG.old" || name.ends_with(".ldb")) {
      return Status::InvalidArgument(
          dbname, "is a LevelDB database (found " + name +
                      "); StrataDB's files have another format and cannot open it");
    }
  }
  return Status::OK();
}

// Counts the WAL records dropped as corrupt during replay, remembering the
// first reason so paranoid_checks can report it.
class ReplayReporter final : public wal::Reader::Reporter {
 public:
  void Corruption(size_t bytes, const Status& reason) override {
    records++;
    dropped_bytes += bytes;
    if (first.ok()) first = reason;
  }
  uint64_t records = 0;
  uint64_t dropped_bytes = 0;
  Status first;
};

// How many times OpenReadOnly starts over when a writer changed the file
// set under it, before it gives up with Busy.
constexpr int kReadOnlyOpenAttempts = 10;

// Of max_open_files, the descriptors the table cache leaves for other files
// (kReservedFiles in table_cache.cc): the rest is how many tables it holds.
constexpr size_t kTableCacheReservedFiles = 10;

}  // namespace

DB::~DB() = default;

// The default for DB implementations without range deletion; DBImpl
// overrides it (issue 17 brings the engine's range tombstones).
Status DB::DeleteRange(const WriteOptions&, std::string_view, std::string_view) {
  return Status::NotSupported("DeleteRange");
}

Status DB::Open(const Options& options, const std::string& path, std::unique_ptr<DB>* db) {
  if (db == nullptr) return Status::InvalidArgument("DB::Open: db must not be null");
  db->reset();
  if (path.empty()) return Status::InvalidArgument("DB::Open: empty path");
  Status s = ValidateOptions(options);
  if (!s.ok()) return s;
  auto impl = std::make_unique<DBImpl>(options, path);
  s = impl->Recover();
  if (s.ok()) *db = std::move(impl);
  return s;
}

Status DB::OpenReadOnly(const Options& options, const std::string& path, std::unique_ptr<DB>* db) {
  if (db == nullptr) return Status::InvalidArgument("DB::OpenReadOnly: db must not be null");
  db->reset();
  if (path.empty()) return Status::InvalidArgument("DB::OpenReadOnly: empty path");
  Status s = ValidateOptions(options);
  if (!s.ok()) return s;
  for (int attempt = 0; attempt < kReadOnlyOpenAttempts; attempt++) {
    auto impl = std::make_unique<DBImpl>(options, path, /*read_only=*/true);
    bool raced = false;
    s = impl->RecoverReadOnly(&raced);
    if (s.ok()) {
      *db = std::move(impl);
      return s;
    }
    if (!raced) return s;
  }
  return Status::Busy(
      path, "changed by a writer during every attempt to open it read-only (" + s.ToString() + ")");
}

DBImpl::DBImpl(const Options& options, const std::string& dbname, bool read_only)
    : options_(options),
      icmp_(options.comparator),
      fs_(FileSystemFor(options)),
      dbname_(dbname),
      read_only_(read_only),
      picker_(options),
      block_cache_(options.block_cache != nullptr
                       ? options.block_cache
                       : NewLRUCache(options.memory_budget != 0 ? options.memory_budget
                                                                : options.block_cache_size)),
      cache_(CacheAccess::Get(*block_cache_)),
      table_cache_(std::make_unique<TableCache>(dbname, options, fs_, cache_, &table_stats_)),
      bg_cv_(&mutex_),
      error_handler_(&bg_cv_),
      write_controller_(options),
      memtable_charge_(cache_) {}

DBImpl::~DBImpl() {
  {
    MutexLock lock(&mutex_);
    // Finish the flushes already due (but start no compaction), so their
    // WALs are gone and the next Open replays only the active memtable's:
    // otherwise a tool that opens, writes and closes leaves a WAL and a
    // memtable to replay behind every run.
    closing_ = true;
    bg_cv_.SignalAll();
    while (!imm_.empty() && error_handler_.ok() && !bg_threads_.empty()) bg_cv_.Wait();
    shutting_down_ = true;
    bg_cv_.SignalAll();
  }
  for (auto& thread : bg_threads_) thread.join();
  MutexLock lock(&mutex_);
  leader_.Acquire();  // every writer has returned: a destructor runs alone
  if (logfile_ != nullptr) {
    // Everything acknowledged has reached the OS already; Close hands over
    // the deferred records (defer_wal_flush) too, and releases the
    // descriptor.
    (void)logfile_->Close();
  }
  log_.reset();
  logfile_.reset();
  leader_.Release();
  if (db_lock_ != nullptr) (void)fs_->UnlockFile(std::move(db_lock_));
}

Status DBImpl::Recover() {
  if (!options_.create_if_missing && !fs_->FileExists(CurrentFileName(dbname_))) {
    return Status::InvalidArgument(dbname_, "does not exist (create_if_missing is false)");
  }
  Status s = CheckNotLevelDB(fs_, dbname_);
  if (!s.ok()) return s;
  s = fs_->CreateDir(dbname_);
  if (!s.ok()) return s;
  s = fs_->LockFile(LockFileName(dbname_), &db_lock_);
  if (!s.ok()) return s;

  MutexLock lock(&mutex_);
  versions_ = std::make_unique<VersionSet>(dbname_, options_, fs_, &mutex_);
  if (fs_->FileExists(CurrentFileName(dbname_))) {
    if (options_.error_if_exists) {
      return Status::InvalidArgument(dbname_, "exists (error_if_exists is set)");
    }
    s = versions_->Recover();
  } else {
    if (!options_.create_if_missing) {
      return Status::InvalidArgument(dbname_, "does not exist (create_if_missing is false)");
    }
    s = versions_->CreateNew();
    if (s.ok()) s = versions_->Recover();
  }
  if (!s.ok()) return s;

  SequenceNumber max_sequence = versions_->LastSequence();
  s = ReplayLogs(&max_sequence);
  if (!s.ok()) return s;
  versions_->SetLastSequence(max_sequence);

  leader_.Acquire();  // no writer exists before Open returns
  s = NewLogFile();
  leader_.Release();
  if (!s.ok()) return s;
  // WALs older than the oldest replayed memtable's (empty ones included)
  // hold nothing unflushed.
  versions_->SetLogNumber(imm_.empty() ? logfile_number_ : imm_.front().log_number);
  s = versions_->StartNewManifest();
  if (!s.ok()) return s;
  InstallReadState();
  ChargeMemTables();
  RemoveObsoleteFiles();
  // A point-in-time stop left WALs out: once what was replayed is in tables,
  // the log number passes them all and they are deleted, so no later Open
  // (in any mode) replays what this one left out. No background thread
  // runs yet.
  while (replay_stopped_ && !imm_.empty()) {
    s = FlushOldestMemTable();
    if (!s.ok()) return s;
  }
  // The replayed memtables, if any, are flushed in the background.
  for (int i = 0; i < options_.max_background_jobs; i++) {
    bg_threads_.emplace_back(&DBImpl::BackgroundThread, this, RoleOfBackgroundThread(i));
  }
  return Status::OK();
}

Status DBImpl::RecoverReadOnly(bool* raced) {
  *raced = false;
  if (!fs_->FileExists(CurrentFileName(dbname_))) {
    return Status::InvalidArgument(dbname_, "is not a database (no CURRENT file)");
  }
  std::string manifest;
  uint64_t first_number = 0;
  Status s = ReadCurrentFile(fs_, dbname_, &manifest, &first_number);
  if (!s.ok()) return s;
  MutexLock lock(&mutex_);
  versions_ = std::make_unique<VersionSet>(dbname_, options_, fs_, &mutex_);
  s = versions_->Recover();
  if (!s.ok()) {
    // Damage, or CURRENT named a MANIFEST the writer replaced and deleted
    // meanwhile: then CURRENT names another one now.
    uint64_t number = 0;
    *raced = ReadCurrentFile(fs_, dbname_, &manifest, &number).ok() && number != first_number;
    return s;
  }
  // A compaction in the writer may delete tables this open's version names.
  // A table opened now stays readable while the table cache keeps it (the
  // descriptor outlives the unlink), so open as many as it holds; one
  // already gone means the writer moved on: start over.
  const std::shared_ptr<const Version> version = versions_->current();
  size_t room = static_cast<size_t>(options_.max_open_files) - kTableCacheReservedFiles;
  for (int level = 0; level < kNumLevels; level++) {
    for (const auto& f : version->files(level)) {
      if (room == 0) break;
      room--;
      s = table_cache_->NewIterator(ReadOptions(), *f)->status();
      if (s.ok()) continue;
      *raced = !fs_->FileExists(TableFileName(dbname_, f->number));
      return s;
    }
  }

  SequenceNumber max_sequence = versions_->LastSequence();
  s = ReplayLogs(&max_sequence);
  if (s.IsNotFound()) *raced = true;  // a WAL listed, then deleted by a flush
  if (!s.ok()) return s;

  // Every WAL at or after the log number read first is still there (none
  // was deleted during the replay) exactly when the log number has not
  // moved: the writer deletes WALs only behind its MANIFEST's log number.
  uint64_t number = 0;
  ManifestReplayer again(options_.comparator);
  s = ReadCurrentFile(fs_, dbname_, &manifest, &number);
  if (s.ok()) s = again.Replay(fs_, dbname_ + "/" + manifest);
  if (s.ok()) s = again.RecoveryStatus();
  if (!s.ok() || *again.log_number() != versions_->LogNumber()) {
    *raced = true;
    return s.ok() ? Status::Busy(dbname_, "a writer flushed during the read-only open") : s;
  }
  versions_->SetLastSequence(max_sequence);
  mem_ = NewMemTable(/*expected_bytes=*/0);  // a read-only DB never writes to it
  InstallReadState();
  return Status::OK();
}

Status DBImpl::CheckWritable() const {
  if (!read_only_) return Status::OK();
  return Status::NotSupported(dbname_, "is open read-only");
}

Status DBImpl::ReplayLogs(SequenceNumber* max_sequence) {
  std::vector<std::string> names;
  Status s = fs_->GetChildren(dbname_, &names);
  if (!s.ok()) return s;
  std::vector<uint64_t> logs;
  for (const auto& name : names) {
    uint64_t number;
    FileType type;
    if (!ParseFileName(name, &number, &type)) continue;
    versions_->MarkFileNumberUsed(number);
    if (type == FileType::kLog && number >= versions_->LogNumber()) logs.push_back(number);
  }
  std::sort(logs.begin(), logs.end());

  // Each replayed WAL becomes one immutable memtable, flushed in the
  // background like any other, so the memtable-to-WAL correspondence that
  // deleting a WAL after its flush relies on holds after recovery too.
  for (uint64_t number : logs) {
    // Sized by the WAL (a small one needs few buckets; an open, and each
    // read-only open, allocates one index per replayed WAL).
    uint64_t wal_bytes = 0;
    if (!fs_->GetFileSize(LogFileName(dbname_, number), &wal_bytes).ok()) wal_bytes = SIZE_MAX;
    auto mem = NewMemTable(static_cast<size_t>(std::min<uint64_t>(wal_bytes, SIZE_MAX)));
    const uint64_t corrupted_before = wal_corrupted_records_;
    bool stop = false;
    s = ReplayLog(number, mem.get(), max_sequence, /*live=*/read_only_ && number == logs.back(),
                  &stop);
    if (!s.ok()) return s;
    if (!mem->Empty()) {
      // The crashed process may have left the WAL's pages unwritten: make
      // what recovery found durable before a new (synced) write can follow
      // it. A read-only open writes nothing.
      if (!read_only_) s = fs_->SyncFile(LogFileName(dbname_, number));
      if (!s.ok()) return s;
      imm_.push_back({std::move(mem), number, nullptr});
    }
    if (stop) {
      // A torn tail in the newest WAL leaves nothing out that a later Open
      // could replay; anything else does (see Recover).
      replay_stopped_ = number != logs.back() || wal_corrupted_records_ > corrupted_before;
      break;
    }
  }
  return Status::OK();
}

Status DBImpl::ReplayLog(uint64_t number, MemTable* mem, SequenceNumber* max_sequence, bool live,
                         bool* stop) {
  std::string fname = LogFileName(dbname_, number);
  std::unique_ptr<SequentialFile> file;
  Status s = fs_->NewSequentialFile(fname, &file);
  if (!s.ok()) return s;

  ReplayReporter reporter;
  wal::Reader reader(file.get(), &reporter);
  std::string_view record;
  std::string scratch;
  WriteBatch batch;
  const WALRecoveryMode mode = options_.wal_recovery_mode;
  // Whether the damage met so far ends the replay here: the reader reports
  // damage just before it returns the record after it, which is then left
  // out too.
  // A live WAL (a read-only open's newest, beside a running writer) may be
  // read while the writer copies a record into its mapping
  // (Options::allow_mmap_writes): that record reads as damage, and blocks
  // read later may already hold the records after it. Its replay therefore
  // ends at the first damage, whatever the mode, so the reader sees a prefix
  // of the writes; the writer's own recovery judges real damage.
  auto stops_at_damage = [&] {
    return reporter.records > 0 && (live || mode == WALRecoveryMode::kAbsoluteConsistency ||
                                    mode == WALRecoveryMode::kPointInTimeRecovery);
  };
  while (reader.ReadRecord(&record, &scratch) && !stops_at_damage()) {
    // Checked whole before any of it is applied, so a damaged batch is
    // dropped whole, never applied in part.
    s = WriteBatchInternal::Decode(record, &batch);
    if (!s.ok()) {
      // The record passed its checksum but is not a batch: count it like a
      // checksum failure.
      reporter.Corruption(record.size(), s);
      continue;
    }
    SequenceNumber first = WriteBatchInternal::Sequence(&batch);
    s = WriteBatchInternal::InsertInto(&batch, mem);
    if (!s.ok()) return s;
    SequenceNumber last = first + WriteBatchInternal::Count(&batch) - 1;
    if (WriteBatchInternal::Count(&batch) > 0 && last > *max_sequence) *max_sequence = last;
  }
  if (!reader.status().ok()) return reader.status();
  if (live) {
    // The end of what the writer had written: no damage, no error.
    *stop = reporter.records > 0 || reader.TornTail();
    return Status::OK();
  }
  wal_corrupted_records_ += reporter.records;
  wal_corrupted_bytes_ += reporter.dropped_bytes;
  const bool damaged = reporter.records > 0;
  switch (mode) {
    case WALRecoveryMode::kTolerateCorruptedTailRecords:
      if (damaged && options_.paranoid_checks) {
        return Status::Corruption(fname, reporter.first.ToString());
      }
      break;
    case WALRecoveryMode::kAbsoluteConsistency:
      if (damaged) return Status::Corruption(fname, reporter.first.ToString());
      if (reader.TornTail()) {
        return Status::Corruption(fname, "torn or damaged last record (kAbsoluteConsistency)");
      }
      break;
    case WALRecoveryMode::kPointInTimeRecovery:
      // A torn tail is a write lost too: a later WAL's writes came after it.
      *stop = damaged || reader.TornTail();
      break;
    case WALRecoveryMode::kSkipAnyCorruptedRecords:
      break;
  }
  return Status::OK();
}

Status DBImpl::NewLogFile() {
  mutex_.AssertHeld();
  uint64_t number = versions_->NewFileNumber();
  std::unique_ptr<WritableFile> file;
  Status s;
  {
    // Only the write leader (or Open) switches logs, so the file work can
    // run without the mutex, sparing readers the directory sync.
    mutex_.Unlock();
    const std::string fname = LogFileName(dbname_, number);
    s = options_.allow_mmap_writes ? fs_->NewMappedWritableFile(fname, &file)
                                   : fs_->NewWritableFile(fname, &file);
    // The new WAL's directory entry must be durable before a sync=true
    // write in it is acknowledged.
    if (s.ok()) s = fs_->SyncDir(dbname_);
    mutex_.Lock();
  }
  if (!s.ok()) return s;
  logfile_ = std::move(file);
  log_ = std::make_unique<wal::Writer>(logfile_.get());
  logfile_number_ = number;
  mem_ = NewMemTable();
  idle_watch_woken_ = false;
  return Status::OK();
}

void DBImpl::RemoveObsoleteFiles() {
  mutex_.AssertHeld();
  // After a sticky error, keep everything for inspection. After a failed
  // MANIFEST write, the old MANIFEST may name files this process thinks
  // obsolete, until the next edit starts a new one.
  if (error_handler_.IsSticky()) return;
  if (versions_->ManifestNeedsRewrite()) return;
  // Listing first, then deciding under the mutex, is safe: a file created
  // after the listing is not in it, and one created before is pending or
  // live by the time the mutex is held.
  std::vector<std::string> names;
  mutex_.Unlock();
  Status s = fs_->GetChildren(dbname_, &names);
  mutex_.Lock();
  if (!s.ok() || versions_->ManifestNeedsRewrite()) return;

  std::set<uint64_t> live = versions_->LiveFiles();
  uint64_t min_log = versions_->LogNumber();
  std::vector<std::pair<std::string, FileType>> obsolete;
  for (auto& name : names) {
    uint64_t number;
    FileType type;
    if (!ParseFileName(name, &number, &type)) continue;
    bool keep = true;
    switch (type) {
      case FileType::kLog:
        keep = number >= min_log;
        break;
      case FileType::kManifest:
        keep = number >= versions_->ManifestFileNumber();
        break;
      case FileType::kTable:
      case FileType::kTemp:
        // A table being written is in no version yet; pending_outputs_
        // protects it until it is installed or abandoned.
        keep = live.count(number) != 0 || pending_outputs_.count(number) != 0;
        break;
      case FileType::kCurrent:
      case FileType::kLock:
        keep = true;
        break;
    }
    if (keep) continue;
    if (type == FileType::kTable) table_cache_->Evict(number);
    obsolete.emplace_back(std::move(name), type);
  }
  // Unlinking needs no mutex: no version names these files any more.
  mutex_.Unlock();
  for (const auto& [name, type] : obsolete) (void)fs_->RemoveFile(dbname_ + "/" + name);
  mutex_.Lock();
}

Status DestroyDB(const std::string& path, const Options& options) {
  FileSystem* fs = FileSystemFor(options);
  std::vector<std::string> names;
  if (!fs->GetChildren(path, &names).ok()) return Status::OK();  // nothing to destroy
  std::unique_ptr<FileLock> lock;
  std::string lockname = LockFileName(path);
  Status s = fs->LockFile(lockname, &lock);
  if (!s.ok()) return s;
  for (const auto& name : names) {
    uint64_t number;
    FileType type;
    if (!ParseFileName(name, &number, &type) || type == FileType::kLock) continue;
    Status del = fs->RemoveFile(path + "/" + name);
    if (s.ok() && !del.ok()) s = del;
  }
  (void)fs->UnlockFile(std::move(lock));
  (void)fs->RemoveFile(lockname);
  (void)fs->RemoveDir(path);  // fails harmlessly if other files remain
  return s;
}

}  // namespace strata
