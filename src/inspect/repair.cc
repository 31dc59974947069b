// RepairDB; see include/strata/inspect.h.
//
// Unlike LevelDB's RepairDB, which takes every table whose footer reads,
// every block read here is verified (sstable/table_walker.h): a table is
// kept only if all of it is whole, a damaged one is replaced by a table of
// its good blocks, and one with nothing readable is moved aside.
//
// Which tables belong to the database. A MANIFEST that reads back whole
// (DumpManifest finds no problem) is trusted: its tables, at their levels,
// are the database; other tables are debris of an interrupted flush or
// compaction, which Open would delete, and including them could bring back
// keys whose deletion was since compacted away. Without such a MANIFEST
// every table found is taken, in level 0, and the database is then compacted
// fully: level 0 is searched newest file (largest number) first, and the
// numbers of tables gathered this way say nothing about the age of their
// data, but a compaction merges by sequence number, which does. The same
// compaction runs when a damaged level-0 table was replaced, since its new
// number no longer says its age either.
//
// WALs the MANIFEST does not mark as flushed (all of them, without one) are
// read record by record, each whole batch put in a memtable, and written as
// a level-0 table: their data is newer than any table's, and their tables
// get the largest numbers.
//
// Crash safety: the repair first writes the new tables, then the new
// MANIFEST and CURRENT, and only then moves the files it replaced into
// lost/. Until CURRENT changes, the old state is intact (the new tables are
// debris to it); after, the files not yet moved are ones the new state does
// not use. Nothing is deleted.

#include <algorithm>
#include <map>

#include "buffer/lru_cache.h"
#include "inspect/inspect_util.h"
#include "lsm/build_table.h"
#include "lsm/table_cache.h"
#include "lsm/version_edit.h"
#include "lsm/write_batch_internal.h"
#include "memtable/memtable.h"
#include "sstable/table_walker.h"
#include "strata/db.h"
#include "util/internal_key.h"
#include "wal/log_scanner.h"
#include "wal/log_writer.h"

namespace strata {
namespace {

constexpr char kLostDir[] = "lost";

class Repairer {
 public:
  Repairer(const std::string& path, const Options& options, RepairReport* report)
      : path_(path),
        options_(options),
        icmp_(options.comparator),
        fs_(FileSystemFor(options)),
        report_(report),
        block_cache_(1 << 20),
        table_cache_(path, options, fs_, &block_cache_, &table_stats_) {}

  Status Run() {
    std::vector<DbFile> files;
    {
      DbLock lock;
      Status s = ListAndLockDb(fs_, path_, &files, &lock);
      if (!s.ok()) return s;
      for (const auto& f : files) next_file_ = std::max(next_file_, f.number + 1);
      ReadManifest();
      for (const auto& f : files) {
        if (!s.ok()) break;
        if (f.type == FileType::kTable) s = RepairTable(f);
      }
      for (const auto& f : files) {
        if (!s.ok()) break;
        if (f.type == FileType::kLog) s = ConvertLog(f);
      }
      if (!s.ok()) return s;
      for (const auto& f : files) {
        if (f.type == FileType::kManifest) PlanMove(f.name, "replaced by the repaired MANIFEST");
        if (f.type == FileType::kTemp) PlanMove(f.name, "a temporary file");
      }
      s = WriteManifest();
      if (s.ok()) s = MoveAside();
      if (!s.ok()) return s;
    }
    return OpenAndCompact();
  }

 private:
  void Problem(const std::string& file, uint64_t offset, std::string message) {
    report_->problems.push_back({file, offset, std::move(message)});
  }
  void PlanMove(const std::string& name, std::string reason) {
    moves_.push_back({name, 0, std::move(reason)});
  }
  std::string TableName(uint64_t number) const { return BaseName(TableFileName(path_, number)); }

  void ReadManifest() {
    ManifestDump dump;
    Status s = DumpManifest(path_, options_, &dump);
    if (s.ok() && dump.problems.empty()) {
      trusted_ = true;
      log_number_ = dump.log_number;
      next_file_ = std::max(next_file_, dump.next_file_number);
      last_sequence_ = dump.last_sequence;
      for (const auto& f : dump.files) live_[f.number] = f.level;
      return;
    }
    report_->manifest_rebuilt_from_scratch = true;
    needs_compaction_ = true;
    if (!s.ok()) {
      Problem("CURRENT", 0, "no usable MANIFEST: " + s.ToString());
      return;
    }
    for (auto& p : dump.problems) report_->problems.push_back(std::move(p));
  }

  // Keeps, salvages or sets aside one table.
  Status RepairTable(const DbFile& file) {
    int level = 0;
    if (trusted_) {
      auto it = live_.find(file.number);
      if (it == live_.end()) {
        PlanMove(file.name, "in no version: left by an interrupted flush or compaction");
        return Status::OK();
      }
      level = it->second;
      live_.erase(it);
    }
    const std::string fname = path_ + "/" + file.name;
    uint64_t size;
    std::unique_ptr<RandomAccessFile> in;
    Status s = OpenWithSize(fs_, fname, &in, &size);
    if (!s.ok()) return s;
    TableWalker walker(in.get(), size, options_.comparator);
    const bool index_ok = walker.ReadMetadata();
    if (index_ok) walker.ReadDataBlocks(nullptr);
    if (!walker.status().ok()) return walker.status();
    const uint64_t recorded = walker.has_properties() ? walker.properties().num_entries : 0;

    if (walker.damage().empty()) {
      if (walker.entries_read() == 0 && walker.range_tombstones().empty()) {
        PlanMove(file.name, "holds no entries");
        return Status::OK();
      }
      const TableProperties& p = walker.properties();
      FileMetaData meta;
      meta.number = file.number;
      meta.file_size = size;
      meta.smallest = p.smallest_key;
      meta.largest = p.largest_key;
      SequenceNumber max_sequence = p.max_sequence;
      for (const auto& t : walker.range_tombstones()) {
        ExtendRangeForTombstone(icmp_, t, &meta);
        max_sequence = std::max(max_sequence, t.seq);
      }
      AddTable(level, std::move(meta), max_sequence);
      report_->tables_kept++;
      report_->entries_kept += walker.entries_read();
      return Status::OK();
    }

    for (const auto& d : walker.damage()) Problem(file.name, d.offset, d.message);
    if (!index_ok || (walker.entries_read() == 0 && walker.range_tombstones().empty())) {
      report_->tables_lost++;
      report_->entries_lost += recorded;
      report_->bytes_lost += size;
      PlanMove(file.name, "damaged: nothing readable");
      return Status::OK();
    }

    // A second pass copies the good blocks' entries: the first one found
    // which blocks are good without keeping anything.
    MemTable mem(icmp_);
    TableWalker copier(in.get(), size, options_.comparator);
    if (copier.ReadMetadata()) {
      copier.ReadDataBlocks([&mem](std::string_view key, std::string_view value) {
        ParsedInternalKey parsed;
        (void)ParseInternalKey(key, &parsed);  // the walker checked it
        mem.Add(parsed.sequence, parsed.type, parsed.user_key, value);
      });
      // An intact range-deletion block is kept whole: dropping it would
      // bring deleted keys back.
      for (const auto& t : copier.range_tombstones()) mem.AddRangeTombstone(t.seq, t.begin, t.end);
    }
    if (!copier.status().ok()) return copier.status();
    uint64_t number;
    s = WriteTable(level, &mem, &number);
    if (!s.ok()) return s;
    report_->tables_salvaged++;
    report_->entries_kept += mem.NumEntries();
    if (recorded > mem.NumEntries()) report_->entries_lost += recorded - mem.NumEntries();
    report_->bytes_lost += walker.bad_data_bytes();
    if (level == 0) needs_compaction_ = true;
    PlanMove(file.name, "damaged: " + std::to_string(mem.NumEntries()) +
                            " readable entries copied to " + TableName(number));
    return Status::OK();
  }

  // Writes the whole batches of one WAL to a level-0 table.
  Status ConvertLog(const DbFile& file) {
    if (trusted_ && file.number < log_number_) {
      PlanMove(file.name, "already flushed (below the MANIFEST's log number)");
      return Status::OK();
    }
    const std::string fname = path_ + "/" + file.name;
    uint64_t size;
    std::unique_ptr<SequentialFile> in;
    Status s = OpenWithSize(fs_, fname, &in, &size);
    if (!s.ok()) return s;

    MemTable mem(icmp_);
    wal::LogScanner scanner(in.get(), size);
    std::string_view record;
    std::string scratch;
    uint64_t offset;
    WriteBatch batch;
    while (scanner.Next(&record, &scratch, &offset)) {
      s = WriteBatchInternal::Decode(record, &batch);
      if (!s.ok()) {
        Problem(file.name, offset,
                "record skipped, not a valid write batch: " + std::string(s.message()));
        report_->bytes_lost += record.size();
        continue;
      }
      s = WriteBatchInternal::InsertInto(&batch, &mem);
      if (!s.ok()) return s;
      const uint32_t count = WriteBatchInternal::Count(&batch);
      if (count > 0) {
        last_sequence_ = std::max(last_sequence_, WriteBatchInternal::Sequence(&batch) + count - 1);
      }
    }
    if (!scanner.status().ok()) return scanner.status();
    for (const auto& d : scanner.damage()) {
      Problem(file.name, d.offset,
              "records lost: " + std::to_string(d.bytes) + " bytes dropped: " + d.message);
      report_->bytes_lost += d.bytes;
    }
    if (mem.Empty()) {
      PlanMove(file.name, "holds no complete write");
      return Status::OK();
    }
    uint64_t number;
    s = WriteTable(0, &mem, &number);
    if (!s.ok()) return s;
    report_->logs_converted++;
    report_->entries_kept += mem.NumEntries();
    PlanMove(file.name, "converted to " + TableName(number));
    return Status::OK();
  }

  // Writes mem to a new table (synced, read back) and adds it at level.
  Status WriteTable(int level, MemTable* mem, uint64_t* number) {
    FileMetaData meta;
    meta.number = next_file_++;
    std::unique_ptr<Iterator> it = mem->NewIterator();
    std::shared_ptr<const FragmentedRangeTombstones> range_tombstones = mem->RangeTombstones();
    Status s =
        BuildTable(path_, fs_, options_, &table_cache_, it.get(), range_tombstones.get(), &meta);
    if (!s.ok()) return s;
    *number = meta.number;
    SequenceNumber max_sequence = 0;
    if (range_tombstones != nullptr) {
      for (const auto& f : range_tombstones->fragments()) {
        max_sequence = std::max(max_sequence, f.seqs.front());
      }
    }
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ParsedInternalKey parsed;
      (void)ParseInternalKey(it->key(), &parsed);
      max_sequence = std::max(max_sequence, parsed.sequence);
    }
    AddTable(level, std::move(meta), max_sequence);
    return Status::OK();
  }

  void AddTable(int level, FileMetaData meta, SequenceNumber max_sequence) {
    last_sequence_ = std::max(last_sequence_, max_sequence);
    tables_.emplace_back(level, std::move(meta));
  }

  Status WriteManifest() {
    for (const auto& [number, level] : live_) {
      Problem("CURRENT", 0,
              "the MANIFEST names " + TableName(number) + " (level " + std::to_string(level) +
                  "), which is missing: its data is lost");
    }
    const uint64_t manifest_number = next_file_++;
    VersionEdit edit;
    edit.SetComparatorName(options_.comparator->Name());
    edit.SetLogNumber(next_file_);  // every WAL was converted or set aside
    edit.SetNextFileNumber(next_file_);
    edit.SetLastSequence(last_sequence_);
    for (const auto& [level, meta] : tables_) edit.AddFile(level, meta);
    std::string record;
    edit.EncodeTo(&record);

    // The new tables' directory entries must be durable before the
    // MANIFEST names them.
    Status s = fs_->SyncDir(path_);
    if (!s.ok()) return s;
    const std::string manifest = ManifestFileName(path_, manifest_number);
    std::unique_ptr<WritableFile> file;
    s = fs_->NewWritableFile(manifest, &file);
    if (!s.ok()) return s;
    wal::Writer log(file.get());
    s = log.AddRecord(record);
    if (s.ok()) s = file->Sync();
    Status close = file->Close();
    if (s.ok()) s = close;
    if (s.ok()) s = SetCurrentFile(fs_, path_, manifest_number);
    if (!s.ok()) {
      (void)fs_->RemoveFile(manifest);
      return s;
    }
    report_->new_manifest_number = manifest_number;
    return Status::OK();
  }

  Status MoveAside() {
    if (moves_.empty()) return Status::OK();
    const std::string lost = path_ + "/" + kLostDir;
    Status s = fs_->CreateDir(lost);
    if (!s.ok()) return s;
    for (const auto& move : moves_) {
      // Never replace what an earlier repair set aside.
      std::string target = move.file;
      for (int i = 1; fs_->FileExists(lost + "/" + target); i++) {
        target = move.file + "." + std::to_string(i);
      }
      s = fs_->RenameFile(path_ + "/" + move.file, lost + "/" + target);
      if (!s.ok()) return s;
      report_->moved.push_back({std::string(kLostDir) + "/" + target, 0, move.message});
    }
    s = fs_->SyncDir(lost);
    if (s.ok()) s = fs_->SyncDir(path_);
    return s;
  }

  Status OpenAndCompact() {
    Options options = options_;
    options.create_if_missing = false;
    options.error_if_exists = false;
    std::unique_ptr<DB> db;
    Status s = DB::Open(options, path_, &db);
    if (s.ok() && needs_compaction_ && !tables_.empty()) s = db->CompactRange(nullptr, nullptr);
    return s;
  }

  const std::string path_;
  const Options options_;
  const InternalKeyComparator icmp_;  // for the memtables salvaged entries go through
  FileSystem* const fs_;
  RepairReport* const report_;
  LRUCache block_cache_;  // for BuildTable's read-back check
  TableReadStats table_stats_;
  TableCache table_cache_;

  bool trusted_ = false;          // the MANIFEST read back whole
  std::map<uint64_t, int> live_;  // trusted MANIFEST's tables not yet seen: number -> level
  uint64_t log_number_ = 0;
  uint64_t next_file_ = 2;
  SequenceNumber last_sequence_ = 0;
  bool needs_compaction_ = false;

  std::vector<std::pair<int, FileMetaData>> tables_;  // the repaired file set
  std::vector<FileProblem> moves_;                    // file, why
};

}  // namespace

Status RepairDB(const std::string& path, const Options& options, RepairReport* report) {
  *report = RepairReport();
  if (options.comparator == nullptr) return Status::InvalidArgument("comparator must not be null");
  return Repairer(path, options, report).Run();
}

}  // namespace strata
