// CheckDB; see include/strata/inspect.h. Part of the inspection layer (src/inspect/),
// which reads the engine's files with the engine's own readers.
//
// Reads everything, stops at nothing: CURRENT and the MANIFEST it names
// (every record decodes, the state they add up to is consistent), every
// table in the directory block by block (sstable/table_walker.h), and every
// WAL record by record (each must be a whole write batch). Then compares the
// MANIFEST's file set with the tables present: a live table that is missing,
// or whose size or key range differs from what the MANIFEST says, is a
// problem. What is not damage but worth knowing (a torn WAL tail, files no
// version uses, which the next Open deletes) goes into the notes.

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

#include "inspect/inspect_util.h"
#include "lsm/build_table.h"
#include "lsm/manifest_replayer.h"
#include "lsm/write_batch_internal.h"
#include "sstable/table_walker.h"
#include "util/internal_key.h"
#include "wal/log_scanner.h"

namespace strata {
namespace {

class Checker {
 public:
  Checker(const std::string& path, FileSystem* fs, const Comparator* comparator,
          CheckReport* report)
      : path_(path), fs_(fs), comparator_(comparator), report_(report) {}

  Status Run(const Options& options) {
    std::vector<DbFile> files;
    Status s = ListDbFiles(fs_, path_, &files);
    if (!s.ok()) return s;
    bool have_current = false;
    for (const auto& f : files) have_current = have_current || f.type == FileType::kCurrent;

    s = CheckManifest(options, have_current);
    for (const auto& f : files) {
      if (!s.ok()) break;
      switch (f.type) {
        case FileType::kTable:
          s = CheckTable(f);
          break;
        case FileType::kLog:
          s = CheckLog(f);
          break;
        case FileType::kManifest:
          if (f.name != current_manifest_) Note(f.name, 0, "an old MANIFEST, not in use");
          break;
        case FileType::kTemp:
          Note(f.name, 0, "a temporary file, left by an interrupted update of CURRENT");
          break;
        case FileType::kCurrent:
        case FileType::kLock:
          break;
      }
    }
    if (!s.ok()) return s;
    for (const auto& [number, f] : live_) {
      Problem(current_manifest_, 0,
              "names table " + BaseName(TableFileName(path_, number)) + " (level " +
                  std::to_string(f.level) + "), which is missing");
    }
    return Status::OK();
  }

 private:
  void Problem(const std::string& file, uint64_t offset, std::string message) {
    report_->problems.push_back({file, offset, std::move(message)});
  }
  void Note(const std::string& file, uint64_t offset, std::string message) {
    report_->notes.push_back({file, offset, std::move(message)});
  }

  Status CheckManifest(const Options& options, bool have_current) {
    if (!have_current) {
      Problem("CURRENT", 0, "missing: nothing says which MANIFEST is in use");
      return Status::OK();
    }
    ManifestDump dump;
    Status s = DumpManifest(path_, options, &dump);
    if (s.IsCorruption()) {
      Problem("CURRENT", 0, std::string(s.message()));
      return Status::OK();
    }
    if (!s.ok()) return s;
    current_manifest_ = dump.file;
    manifest_ok_ = dump.problems.empty();
    log_number_ = dump.log_number;
    report_->manifest_records += dump.edits.size();
    report_->bytes_read += dump.file_size;
    for (auto& p : dump.problems) report_->problems.push_back(std::move(p));
    if (dump.torn_tail_bytes > 0) {
      Note(dump.file, dump.file_size - dump.torn_tail_bytes,
           std::to_string(dump.torn_tail_bytes) + " bytes of an interrupted edit (a torn tail)");
    }
    for (const auto& f : dump.files) live_[f.number] = f;
    return Status::OK();
  }

  Status CheckTable(const DbFile& file) {
    const std::string fname = path_ + "/" + file.name;
    uint64_t size;
    std::unique_ptr<RandomAccessFile> in;
    Status s = OpenWithSize(fs_, fname, &in, &size);
    if (!s.ok()) return s;
    TableWalker walker(in.get(), size, comparator_);
    if (walker.ReadMetadata()) walker.ReadDataBlocks(nullptr);
    if (!walker.status().ok()) return walker.status();
    report_->tables++;
    report_->table_blocks += walker.blocks_read();
    report_->table_entries += walker.entries_read();
    report_->bytes_read += walker.bytes_read();

    auto it = live_.find(file.number);
    if (it == live_.end() && manifest_ok_) {
      // Garbage the next Open deletes; a partial table is what an
      // interrupted flush or compaction leaves, so its damage is no problem.
      Note(file.name, 0, "in no version: left by an interrupted flush or compaction");
      for (const auto& d : walker.damage()) Note(file.name, d.offset, d.message);
      return Status::OK();
    }
    for (const auto& d : walker.damage()) Problem(file.name, d.offset, d.message);
    if (it == live_.end()) return Status::OK();
    const ManifestFileInfo& meta = it->second;
    if (meta.size != size) {
      Problem(file.name, 0,
              "is " + std::to_string(size) + " bytes; " + current_manifest_ + " says " +
                  std::to_string(meta.size));
    }
    if (walker.has_properties() &&
        (walker.properties().num_entries > 0 || !walker.range_tombstones().empty())) {
      // The points' range, widened by the range tombstones as the engine
      // records it.
      const TableProperties& p = walker.properties();
      FileMetaData range;
      if (p.num_entries > 0) {
        range.smallest = p.smallest_key;
        range.largest = p.largest_key;
      }
      for (const auto& t : walker.range_tombstones()) {
        ExtendRangeForTombstone(InternalKeyComparator(comparator_), t, &range);
      }
      InternalKeyInfo smallest = DecodeKeyInfo(range.smallest);
      InternalKeyInfo largest = DecodeKeyInfo(range.largest);
      if (smallest.user_key != meta.smallest.user_key ||
          smallest.sequence != meta.smallest.sequence ||
          largest.user_key != meta.largest.user_key || largest.sequence != meta.largest.sequence) {
        Problem(file.name, walker.properties_handle().offset(),
                "key range differs from the one " + current_manifest_ + " records");
      }
    }
    live_.erase(it);
    return Status::OK();
  }

  // Like DumpLog, without keeping the updates: a WAL may be large.
  Status CheckLog(const DbFile& file) {
    const std::string fname = path_ + "/" + file.name;
    uint64_t size;
    std::unique_ptr<SequentialFile> in;
    Status s = OpenWithSize(fs_, fname, &in, &size);
    if (!s.ok()) return s;
    wal::LogScanner scanner(in.get(), size);
    std::string_view record;
    std::string scratch;
    uint64_t offset;
    WriteBatch batch;
    while (scanner.Next(&record, &scratch, &offset)) {
      report_->log_records++;
      s = WriteBatchInternal::Decode(record, &batch);
      if (!s.ok()) {
        Problem(file.name, offset,
                "record is not a valid write batch: " + std::string(s.message()));
      }
    }
    if (!scanner.status().ok()) return scanner.status();
    report_->logs++;
    report_->bytes_read += size;
    for (const auto& d : scanner.damage()) {
      Problem(file.name, d.offset, std::to_string(d.bytes) + " bytes dropped: " + d.message);
    }
    if (scanner.torn_tail_bytes() > 0) {
      Note(file.name, size - scanner.torn_tail_bytes(),
           std::to_string(scanner.torn_tail_bytes()) +
               " bytes of an interrupted write (a torn tail)");
    }
    if (manifest_ok_ && file.number < log_number_) {
      Note(file.name, 0, "already flushed: deleted at the next open");
    }
    return Status::OK();
  }

  const std::string path_;
  FileSystem* const fs_;
  const Comparator* const comparator_;
  CheckReport* const report_;

  std::string current_manifest_;  // the file name, once read
  bool manifest_ok_ = false;      // read whole, without problems
  uint64_t log_number_ = 0;
  std::map<uint64_t, ManifestFileInfo> live_;  // tables not yet seen
};

}  // namespace

namespace {

// Attempts at checking a database a writer has open before giving up, and
// the pause before attempt n (n times this): a flush or compaction that
// changed the files during one attempt is usually over by the next.
constexpr int kLiveCheckAttempts = 10;
constexpr auto kLiveCheckBackoff = std::chrono::milliseconds(20);

// What a writer changes when it flushes, compacts or rotates its MANIFEST:
// the file names and the MANIFEST CURRENT names. A WAL or MANIFEST growing
// by appends keeps both.
Status FileSetOf(FileSystem* fs, const std::string& path, std::vector<std::string>* names) {
  std::vector<DbFile> files;
  Status s = ListDbFiles(fs, path, &files);
  if (!s.ok()) return s;
  names->clear();
  for (const auto& f : files) names->push_back(f.name);
  std::sort(names->begin(), names->end());
  std::string manifest;
  uint64_t number = 0;
  s = ReadCurrentFile(fs, path, &manifest, &number);
  names->push_back("CURRENT -> " + (s.ok() ? manifest : s.ToString()));
  return Status::OK();
}

}  // namespace

Status CheckDB(const std::string& path, const Options& options, CheckReport* report) {
  *report = CheckReport();
  if (options.comparator == nullptr) return Status::InvalidArgument("comparator must not be null");
  FileSystem* fs = FileSystemFor(options);
  std::vector<DbFile> files;
  Status s = ListDbFiles(fs, path, &files);
  if (!s.ok()) return s;
  if (files.empty()) return Status::NotFound(path, "not a database (no database files there)");
  DbLock lock;
  s = lock.Acquire(fs, path);
  if (s.ok()) return Checker(path, fs, options.comparator, report).Run(options);
  if (!s.IsBusy()) return s;

  // A writer has the database open. Check beside it, and trust the result
  // only if the writer changed no file name (no flush, compaction or
  // MANIFEST rotation deleted or added a file) while the check read them:
  // otherwise a table deleted mid-check would be reported missing.
  for (int attempt = 0; attempt < kLiveCheckAttempts; attempt++) {
    if (attempt > 0) std::this_thread::sleep_for(attempt * kLiveCheckBackoff);
    std::vector<std::string> before, after;
    s = FileSetOf(fs, path, &before);
    if (!s.ok()) return s;
    *report = CheckReport();
    Status checked = Checker(path, fs, options.comparator, report).Run(options);
    s = FileSetOf(fs, path, &after);
    if (!s.ok()) return s;
    if (before == after) return checked;
  }
  *report = CheckReport();
  return Status::Busy(path, "its writer changed its files during every attempt to check it");
}

}  // namespace strata
