// DumpTable, DumpLog, DumpManifest and DumpManifestFile; see
// include/strata/inspect.h.
//
// Each reads its file with the checking readers the tools share
// (sstable/table_walker.h, wal/log_scanner.h), turns what it finds into the
// plain structures of inspect.h, and records damage with its offset instead
// of stopping at it: a dump is for looking at a file that may be broken.

#include <algorithm>
#include <map>

#include "lsm/db_inspect.h"
#include "lsm/version_edit.h"
#include "lsm/write_batch_internal.h"
#include "sstable/compression.h"
#include "sstable/table_walker.h"
#include "util/internal_key.h"
#include "wal/log_scanner.h"

namespace strata {
namespace {

TableBlockInfo BlockInfo(const BlockHandle& handle) { return {handle.offset(), handle.size()}; }

TablePropertiesInfo PropertiesInfo(const TableProperties& p) {
  TablePropertiesInfo info;
  info.num_entries = p.num_entries;
  info.num_deletions = p.num_deletions;
  info.num_data_blocks = p.num_data_blocks;
  info.raw_key_size = p.raw_key_size;
  info.raw_value_size = p.raw_value_size;
  info.data_size = p.data_size;
  info.index_size = p.index_size;
  info.filter_size = p.filter_size;
  info.min_sequence = p.min_sequence;
  info.max_sequence = p.max_sequence;
  info.compression = std::string(CompressionTypeName(p.compression));
  if (p.num_entries > 0) {
    info.smallest = DecodeKeyInfo(p.smallest_key);
    info.largest = DecodeKeyInfo(p.largest_key);
  }
  return info;
}

// Collects a batch's updates with their sequence numbers.
class UpdateCollector final : public WriteBatch::Handler {
 public:
  UpdateCollector(SequenceNumber first, std::vector<EntryInfo>* updates)
      : sequence_(first), updates_(updates) {}
  void Put(std::string_view key, std::string_view value) override {
    updates_->push_back({{std::string(key), sequence_++, false}, std::string(value)});
  }
  void Delete(std::string_view key) override {
    updates_->push_back({{std::string(key), sequence_++, true}, {}});
  }

 private:
  SequenceNumber sequence_;
  std::vector<EntryInfo>* const updates_;
};

Status OpenLog(FileSystem* fs, const std::string& file, uint64_t* size,
               std::unique_ptr<SequentialFile>* in) {
  Status s = fs->GetFileSize(file, size);
  if (s.ok()) s = fs->NewSequentialFile(file, in);
  return s;
}

ManifestFileInfo FileInfo(int level, const FileMetaData& f) {
  return {level, f.number, f.file_size, DecodeKeyInfo(f.smallest), DecodeKeyInfo(f.largest)};
}

ManifestEditInfo EditInfo(const VersionEdit& edit) {
  ManifestEditInfo info;
  info.comparator = edit.comparator();
  info.log_number = edit.log_number();
  info.next_file_number = edit.next_file_number();
  info.last_sequence = edit.last_sequence();
  info.deleted_files.assign(edit.deleted_files().begin(), edit.deleted_files().end());
  for (const auto& [level, f] : edit.new_files()) info.new_files.push_back(FileInfo(level, f));
  return info;
}

// The live files the edits add up to, as VersionSet::Apply orders them:
// level 0 newest first, deeper levels by smallest key.
void SortFiles(std::vector<std::pair<int, FileMetaData>>* files) {
  std::sort(files->begin(), files->end(), [](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    if (a.first == 0) return a.second.number > b.second.number;
    int r = CompareInternalKeys(a.second.smallest, b.second.smallest);
    return r != 0 ? r < 0 : a.second.number < b.second.number;
  });
}

}  // namespace

Status DumpTable(const std::string& file, const Options& options, bool with_entries,
                 TableDump* dump) {
  *dump = TableDump();
  dump->file = BaseName(file);
  FileSystem* fs = FileSystemFor(options);
  std::unique_ptr<RandomAccessFile> in;
  Status s = fs->GetFileSize(file, &dump->file_size);
  if (s.ok()) s = fs->NewRandomAccessFile(file, &in);
  if (!s.ok()) return s;

  TableWalker walker(in.get(), dump->file_size);
  bool index_ok = walker.ReadMetadata();
  if (index_ok && with_entries) {
    walker.ReadDataBlocks([dump](std::string_view key, std::string_view value) {
      dump->entries.push_back({DecodeKeyInfo(key), std::string(value)});
    });
  }
  if (!walker.status().ok()) return walker.status();

  dump->footer_ok = walker.footer_ok();
  if (walker.footer_ok()) {
    dump->format_version = Footer::kFormatVersion;
    dump->metaindex = BlockInfo(walker.footer().metaindex_handle);
    dump->index = BlockInfo(walker.footer().index_handle);
  }
  if (walker.has_properties()) {
    dump->properties_block = BlockInfo(walker.properties_handle());
    dump->properties = PropertiesInfo(walker.properties());
  }
  if (walker.has_filter()) dump->filter = BlockInfo(walker.filter_handle());
  for (const auto& entry : walker.index()) {
    dump->index_entries.emplace_back(DecodeKeyInfo(entry.separator), BlockInfo(entry.handle));
  }
  for (const auto& d : walker.damage()) dump->problems.push_back({dump->file, d.offset, d.message});
  return Status::OK();
}

Status DumpLog(const std::string& file, const Options& options, LogDump* dump) {
  *dump = LogDump();
  dump->file = BaseName(file);
  std::unique_ptr<SequentialFile> in;
  Status s = OpenLog(FileSystemFor(options), file, &dump->file_size, &in);
  if (!s.ok()) return s;

  wal::LogScanner scanner(in.get(), dump->file_size);
  std::string_view record;
  std::string scratch;
  uint64_t offset;
  WriteBatch batch;
  while (scanner.Next(&record, &scratch, &offset)) {
    LogRecordInfo info;
    info.offset = offset;
    info.size = record.size();
    s = WriteBatchInternal::SetContents(&batch, record);
    if (s.ok()) {
      info.sequence = WriteBatchInternal::Sequence(&batch);
      info.count = WriteBatchInternal::Count(&batch);
      UpdateCollector collector(info.sequence, &info.updates);
      s = batch.Iterate(&collector);
    }
    if (!s.ok()) {
      info.updates.clear();  // recovery never applies part of a batch
      info.error = std::string(s.message());
      dump->problems.push_back(
          {dump->file, offset, "record is not a valid write batch: " + info.error});
    }
    dump->records.push_back(std::move(info));
  }
  if (!scanner.status().ok()) return scanner.status();
  for (const auto& d : scanner.damage()) {
    dump->problems.push_back(
        {dump->file, d.offset, std::to_string(d.bytes) + " bytes dropped: " + d.message});
  }
  std::stable_sort(dump->problems.begin(), dump->problems.end(),
                   [](const FileProblem& a, const FileProblem& b) { return a.offset < b.offset; });
  dump->torn_tail_bytes = scanner.torn_tail_bytes();
  return Status::OK();
}

Status DumpManifestFile(const std::string& file, const Options& options, ManifestDump* dump) {
  *dump = ManifestDump();
  dump->file = BaseName(file);
  std::unique_ptr<SequentialFile> in;
  Status s = OpenLog(FileSystemFor(options), file, &dump->file_size, &in);
  if (!s.ok()) return s;

  auto problem = [dump](uint64_t offset, std::string message) {
    dump->problems.push_back({dump->file, offset, std::move(message)});
  };
  wal::LogScanner scanner(in.get(), dump->file_size);
  std::map<std::pair<int, uint64_t>, FileMetaData> live;
  bool have_comparator = false, have_log = false, have_next = false, have_last = false;
  std::string_view record;
  std::string scratch;
  uint64_t offset;
  while (scanner.Next(&record, &scratch, &offset)) {
    VersionEdit edit;
    s = edit.DecodeFrom(record);
    if (!s.ok()) {
      ManifestEditInfo info;
      info.offset = offset;
      info.error = std::string(s.message());
      problem(offset, "record is not a version edit: " + info.error);
      dump->edits.push_back(std::move(info));
      continue;
    }
    ManifestEditInfo info = EditInfo(edit);
    info.offset = offset;
    dump->edits.push_back(std::move(info));
    if (edit.comparator()) {
      dump->comparator = *edit.comparator();
      have_comparator = true;
      if (dump->comparator != kComparatorName) {
        problem(offset, "made with another key order: " + dump->comparator);
      }
    }
    if (edit.log_number()) {
      dump->log_number = *edit.log_number();
      have_log = true;
    }
    if (edit.next_file_number()) {
      dump->next_file_number = *edit.next_file_number();
      have_next = true;
    }
    if (edit.last_sequence()) {
      dump->last_sequence = *edit.last_sequence();
      have_last = true;
    }
    for (const auto& key : edit.deleted_files()) live.erase(key);
    for (const auto& [level, f] : edit.new_files()) live[{level, f.number}] = f;
  }
  if (!scanner.status().ok()) return scanner.status();
  for (const auto& d : scanner.damage()) {
    problem(d.offset, std::to_string(d.bytes) + " bytes dropped: " + d.message);
  }
  dump->torn_tail_bytes = scanner.torn_tail_bytes();
  if (scanner.damaged_tail()) {
    // Open refuses this MANIFEST: each edit is synced before anything
    // relies on it, so a damaged last one is no interrupted append.
    problem(dump->file_size - dump->torn_tail_bytes,
            "the last edit is damaged (" + std::to_string(dump->torn_tail_bytes) +
                " bytes; it was complete, so this is no torn tail)");
    dump->torn_tail_bytes = 0;
  }
  if (dump->edits.empty()) {
    problem(0, "no version edit could be read");
  } else if (!have_comparator || !have_log || !have_next || !have_last) {
    problem(0,
            "lacks a required field (comparator, log number, next file number or last "
            "sequence)");
  }

  std::vector<std::pair<int, FileMetaData>> files;
  for (const auto& [key, f] : live) files.emplace_back(key.first, f);
  SortFiles(&files);
  for (size_t i = 0; i < files.size(); i++) {
    const auto& [level, f] = files[i];
    dump->files.push_back(FileInfo(level, f));
    if (f.number >= dump->next_file_number && have_next) {
      problem(0, "file #" + std::to_string(f.number) + " is not below the next file number");
    }
    if (i > 0 && level > 0 && files[i - 1].first == level &&
        CompareUserKeys(ExtractUserKey(files[i - 1].second.largest), ExtractUserKey(f.smallest)) >=
            0) {
      problem(0, "level " + std::to_string(level) + ": files #" +
                     std::to_string(files[i - 1].second.number) + " and #" +
                     std::to_string(f.number) + " overlap");
    }
  }
  std::stable_sort(dump->problems.begin(), dump->problems.end(),
                   [](const FileProblem& a, const FileProblem& b) { return a.offset < b.offset; });
  return Status::OK();
}

Status DumpManifest(const std::string& path, const Options& options, ManifestDump* dump) {
  *dump = ManifestDump();
  std::string current;
  Status s = ReadFileToString(FileSystemFor(options), CurrentFileName(path), &current);
  if (s.IsNotFound()) return Status::NotFound(path, "no CURRENT file: not a database");
  if (!s.ok()) return s;
  uint64_t number;
  FileType type;
  if (current.empty() || current.back() != '\n' ||
      !ParseFileName(std::string_view(current).substr(0, current.size() - 1), &number, &type) ||
      type != FileType::kManifest) {
    return Status::Corruption("CURRENT does not name a MANIFEST", EscapeBytes(current));
  }
  current.pop_back();
  s = DumpManifestFile(path + "/" + current, options, dump);
  if (s.IsNotFound()) return Status::Corruption("CURRENT names a missing MANIFEST", current);
  return s;
}

}  // namespace strata
