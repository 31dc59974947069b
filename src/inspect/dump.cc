// DumpTable, DumpLog, DumpManifest and DumpManifestFile; see
// include/strata/inspect.h.
//
// Each reads its file with the engine's own checking readers
// (sstable/table_walker.h, wal/log_scanner.h, and for a MANIFEST the replayer
// recovery uses, lsm/manifest_replayer.h), turns what it finds into the
// plain structures of inspect.h, and records damage with its offset instead
// of stopping at it: a dump is for looking at a file that may be broken.

#include <algorithm>

#include "inspect/inspect_util.h"
#include "lsm/manifest_replayer.h"
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
  void DeleteRange(std::string_view begin, std::string_view end) override {
    updates_->push_back({{std::string(begin), sequence_++, false, true}, std::string(end)});
  }

 private:
  SequenceNumber sequence_;
  std::vector<EntryInfo>* const updates_;
};

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

}  // namespace

Status DumpTable(const std::string& file, const Options& options, bool with_entries,
                 TableDump* dump) {
  *dump = TableDump();
  dump->file = BaseName(file);
  if (options.comparator == nullptr) return Status::InvalidArgument("comparator must not be null");
  std::unique_ptr<RandomAccessFile> in;
  Status s = OpenWithSize(FileSystemFor(options), file, &in, &dump->file_size);
  if (!s.ok()) return s;

  TableWalker walker(in.get(), dump->file_size, options.comparator);
  bool index_ok = walker.ReadMetadata();
  if (index_ok && with_entries) {
    walker.ReadDataBlocks([dump](std::string_view key, std::string_view value) {
      dump->entries.push_back({DecodeKeyInfo(key), std::string(value)});
    });
  }
  if (!walker.status().ok()) return walker.status();

  dump->footer_ok = walker.footer_ok();
  if (walker.footer_ok()) {
    dump->format_version = walker.footer().format_version;
    dump->metaindex = BlockInfo(walker.footer().metaindex_handle);
    dump->index = BlockInfo(walker.footer().index_handle);
  }
  if (walker.has_properties()) {
    dump->properties_block = BlockInfo(walker.properties_handle());
    dump->properties = PropertiesInfo(walker.properties());
  }
  if (walker.has_filter()) dump->filter = BlockInfo(walker.filter_handle());
  if (walker.has_range_del_block()) dump->range_del_block = BlockInfo(walker.range_del_handle());
  for (const auto& t : walker.range_tombstones()) {
    dump->range_tombstones.push_back({{t.begin, t.seq, false, true}, t.end});
  }
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
  Status s = OpenWithSize(FileSystemFor(options), file, &in, &dump->file_size);
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
  if (options.comparator == nullptr) return Status::InvalidArgument("comparator must not be null");
  auto problem = [dump](uint64_t offset, std::string message) {
    dump->problems.push_back({dump->file, offset, std::move(message)});
  };
  ManifestReplayer replayer(options.comparator);
  const std::string comparator_name = options.comparator->Name();
  Status s = replayer.Replay(FileSystemFor(options), file,
                             [dump, &problem, &comparator_name](
                                 uint64_t offset, const VersionEdit& edit, const Status& decoded) {
                               if (!decoded.ok()) {
                                 ManifestEditInfo info;
                                 info.offset = offset;
                                 info.error = std::string(decoded.message());
                                 problem(offset, "record is not a version edit: " + info.error);
                                 dump->edits.push_back(std::move(info));
                                 return;
                               }
                               ManifestEditInfo info = EditInfo(edit);
                               info.offset = offset;
                               dump->edits.push_back(std::move(info));
                               if (edit.comparator() && *edit.comparator() != comparator_name) {
                                 problem(offset, "made with comparator " + *edit.comparator() +
                                                     ", not " + comparator_name);
                               }
                             });
  dump->file_size = replayer.file_size();
  if (!s.ok()) return s;
  if (!replayer.read_status().ok()) return replayer.read_status();

  dump->comparator = replayer.comparator().value_or("");
  dump->log_number = replayer.log_number().value_or(0);
  dump->next_file_number = replayer.next_file_number().value_or(0);
  dump->last_sequence = replayer.last_sequence().value_or(0);
  for (const auto& d : replayer.damage()) {
    problem(d.offset, std::to_string(d.bytes) + " bytes dropped: " + d.message);
  }
  dump->torn_tail_bytes = replayer.tail_bytes();
  if (replayer.damaged_tail()) {
    // Open refuses this MANIFEST: each edit is synced before anything
    // relies on it, so a damaged last one is no interrupted append.
    problem(dump->file_size - dump->torn_tail_bytes,
            "the last edit is damaged (" + std::to_string(dump->torn_tail_bytes) +
                " bytes; it was complete, so this is no torn tail)");
    dump->torn_tail_bytes = 0;
  }
  if (dump->edits.empty()) {
    problem(0, "no version edit could be read");
  } else if (!replayer.HasRequiredFields()) {
    problem(0,
            "lacks a required field (comparator, log number, next file number or last "
            "sequence)");
  }

  std::shared_ptr<const Version> version = replayer.Build();
  for (int level = 0; level < kNumLevels; level++) {
    const auto& files = version->files(level);
    for (size_t i = 0; i < files.size(); i++) {
      const FileMetaData& f = *files[i];
      dump->files.push_back(FileInfo(level, f));
      if (replayer.next_file_number() && f.number >= dump->next_file_number) {
        problem(0, "file #" + std::to_string(f.number) + " is not below the next file number");
      }
      if (i > 0 && level > 0 &&
          version->comparator().CompareUserKeys(ExtractUserKey(files[i - 1]->largest),
                                                ExtractUserKey(f.smallest)) >= 0) {
        problem(0, "level " + std::to_string(level) + ": files #" +
                       std::to_string(files[i - 1]->number) + " and #" + std::to_string(f.number) +
                       " overlap");
      }
    }
  }
  std::stable_sort(dump->problems.begin(), dump->problems.end(),
                   [](const FileProblem& a, const FileProblem& b) { return a.offset < b.offset; });
  return Status::OK();
}

Status DumpManifest(const std::string& path, const Options& options, ManifestDump* dump) {
  *dump = ManifestDump();
  std::string manifest;
  uint64_t number;
  Status s = ReadCurrentFile(FileSystemFor(options), path, &manifest, &number);
  if (s.IsNotFound()) return Status::NotFound(path, "no CURRENT file: not a database");
  if (!s.ok()) return s;
  s = DumpManifestFile(path + "/" + manifest, options, dump);
  if (s.IsNotFound()) return Status::Corruption("CURRENT names a missing MANIFEST", manifest);
  return s;
}

}  // namespace strata
