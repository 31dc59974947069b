// Running compactions, and CompactRange.
//
// RunCompaction marks the inputs busy, merges them without the mutex
// (DoCompactionWork), then records "inputs removed, outputs added" in one
// MANIFEST edit. Inputs are deleted only after that edit is durable, and
// only once no reader's version still names them, so a crash or kill -9 at
// any point loses nothing: before the edit the inputs are the truth, after
// it the synced outputs are.
//
// What a compaction drops, for each user key (entries come newest first):
//  - a version that no snapshot can see: the snapshots (and "now") cut the
//    sequence numbers into stripes, and each stripe needs only its newest
//    version of a key;
//  - a tombstone older than every snapshot, at the bottom of the tree (no
//    level below the output holds the key), together with what it hides.
// Range tombstones follow the rules in compaction_range_del.h.
// With Options::compaction_filter the merged input passes through a
// CompactionFilterIterator first: a version the filter removes arrives here
// as a tombstone and is dropped by the rule above. A snapshot taken during
// the merge may see what the filter changed; such a compaction is not
// installed (Busy) and runs again later.
// Output tables are cut at target_file_size, or earlier once one overlaps
// too much of the level below the output, but never between two versions of
// one user key, so the files of a level never share a user key.

#include <algorithm>

#include "lsm/build_table.h"
#include "lsm/compaction_filter_iterator.h"
#include "lsm/compaction_range_del.h"
#include "lsm/db_impl.h"
#include "lsm/filename.h"
#include "lsm/level_iterator.h"
#include "lsm/merging_iterator.h"
#include "sstable/table_builder.h"
#include "util/clock.h"

namespace strata {
namespace {

constexpr uint64_t kMaxGrandparentOverlapFiles = 10;

}  // namespace

Status DBImpl::RunCompaction(std::unique_ptr<Compaction> compaction) {
  mutex_.AssertHeld();
  Compaction* c = compaction.get();
  uint64_t start = NowMicros();
  compactions_.Add(c);

  VersionEdit edit;
  c->AddInputDeletions(&edit);
  std::vector<FileMetaData> outputs;
  Status s;
  const bool trivial_move = c->IsTrivialMove(options_);
  if (trivial_move) {
    // Nothing below to merge with: the files change level, not bytes.
    for (const auto& f : c->inputs(0)) outputs.push_back(*f);
  } else {
    std::vector<SequenceNumber> snapshots = snapshots_.Sequences();
    mutex_.Unlock();
    s = DoCompactionWork(c, snapshots, &outputs);
    mutex_.Lock();
    if (s.ok() &&
        FilterRacedWithSnapshot(snapshots_.Sequences(), c->smallest_filtered_sequence())) {
      // A snapshot taken during the merge sees a version the filter changed:
      // installing would change that snapshot's reads. Redo it later, with
      // the snapshot known.
      s = Status::Busy("compaction filter raced with a new snapshot; compaction to be redone");
    }
  }
  if (s.ok()) {
    for (const auto& f : outputs) edit.AddFile(c->output_level(), f);
    s = versions_->LogAndApply(&edit, &mutex_);
  }
  for (const auto& f : outputs) pending_outputs_.erase(f.number);
  compactions_.Remove(c);
  if (!s.ok()) {
    compaction.reset();
    RemoveObsoleteFiles();  // the outputs no version names
    return s;
  }

  InstallReadState();
  LevelStats& stats = level_stats_[c->output_level()];
  stats.compactions++;
  stats.micros += NowMicros() - start;
  if (!trivial_move) {
    stats.bytes_read += c->InputBytes();
    for (const auto& f : outputs) stats.bytes_written += f.file_size;
  }
  // The compaction's input version names the inputs: drop it before looking
  // for files no version needs.
  compaction.reset();
  RemoveObsoleteFiles();
  return Status::OK();
}

Status DBImpl::FinishOutputTable(std::unique_ptr<WritableFile> file,
                                 std::unique_ptr<TableBuilder> builder, FileMetaData* meta) {
  Status s = builder->Finish();
  if (s.ok()) s = file->Sync();
  Status close = file->Close();
  if (s.ok()) s = close;
  if (!s.ok()) return s;
  meta->file_size = builder->FileSize();
  // Read the new table back before the MANIFEST names it.
  return table_cache_->NewIterator(ReadOptions(), *meta)->status();
}

Status DBImpl::DoCompactionWork(Compaction* c, const std::vector<SequenceNumber>& snapshots,
                                std::vector<FileMetaData>* outputs) {
  ReadOptions read_options;
  read_options.fill_cache = false;  // a compaction reads each block once
  std::vector<std::unique_ptr<Iterator>> children;
  for (int which = 0; which < 2; which++) {
    const FileList& files = c->inputs(which);
    if (files.empty()) continue;
    if (which == 0 && c->level() == 0) {
      for (const auto& f : files) {
        children.push_back(
            table_cache_->NewIterator(read_options, *f, TableReadCaller::kCompaction));
      }
    } else {
      children.push_back(NewLevelIterator(read_options, table_cache_.get(), icmp_, &files,
                                          TableReadCaller::kCompaction));
    }
  }
  std::unique_ptr<Iterator> input = NewMergingIterator(icmp_, std::move(children));
  CompactionFilterIterator* filtered = nullptr;
  if (options_.compaction_filter != nullptr) {
    CompactionFilter::Context context;
    context.level = c->output_level();
    context.is_manual_compaction = c->is_manual();
    context.is_full_compaction = c->IsFullCompaction();
    context.job_id = filter_jobs_.fetch_add(1, std::memory_order_relaxed) + 1;
    auto wrapper = std::make_unique<CompactionFilterIterator>(
        std::move(input), options_.compaction_filter, context, snapshots, icmp_);
    filtered = wrapper.get();
    input = std::move(wrapper);
  }

  const uint64_t max_overlap = kMaxGrandparentOverlapFiles * options_.target_file_size;
  std::unique_ptr<WritableFile> file;
  std::unique_ptr<TableBuilder> builder;
  FileMetaData meta;
  std::string current_user_key;
  bool has_current_user_key = false;
  size_t last_stripe = 0;
  bool last_stripe_valid = false;
  // Range tombstones of the inputs; output_lower is where the current
  // output's tombstone pieces start (the previous output ended there).
  CompactionRangeDel range_del(c, snapshots);
  std::string output_lower;
  bool has_output_lower = false;
  std::string_view output_lower_view;
  auto lower_ptr = [&]() -> const std::string_view* {
    output_lower_view = output_lower;
    return has_output_lower ? &output_lower_view : nullptr;
  };
  auto open_output = [&]() -> Status {
    {
      MutexLock lock(&mutex_);
      meta = FileMetaData();
      meta.number = versions_->NewFileNumber();
      pending_outputs_.insert(meta.number);
    }
    Status st = fs_->NewWritableFile(TableFileName(dbname_, meta.number), &file);
    if (st.ok()) builder = std::make_unique<TableBuilder>(TableOptionsFrom(options_), file.get());
    return st;
  };
  Status s = range_del.Load(table_cache_.get());

  for (input->SeekToFirst(); s.ok() && input->Valid(); input->Next()) {
    if (shutting_down_.load(std::memory_order_acquire)) {
      s = Status::IOError("compaction stopped: the database is closing");
      break;
    }
    std::string_view key = input->key();
    ParsedInternalKey ikey;
    if (!ParseInternalKey(key, &ikey)) {
      // Never drop what cannot be understood: stop with an error instead.
      s = Status::Corruption("compaction input has a malformed key");
      break;
    }
    bool new_user_key =
        !has_current_user_key || icmp_.CompareUserKeys(ikey.user_key, current_user_key) != 0;
    if (new_user_key) {
      if (builder != nullptr && (builder->FileSize() >= options_.target_file_size ||
                                 c->ShouldStopBefore(key, max_overlap))) {
        // The table ends below this user key: so do its tombstone pieces.
        const std::string_view upper = ikey.user_key;
        range_del.AddToOutput(lower_ptr(), &upper, builder.get(), &meta);
        s = FinishOutputTable(std::move(file), std::move(builder), &meta);
        if (!s.ok()) break;
        outputs->push_back(meta);
        output_lower.assign(ikey.user_key);
        has_output_lower = true;
      }
      current_user_key.assign(ikey.user_key);
      has_current_user_key = true;
      last_stripe_valid = false;
    }

    // The stripe: the oldest snapshot (or "now") that sees this version.
    const size_t stripe = SnapshotStripe(snapshots, ikey.sequence);
    bool drop = false;
    if (last_stripe_valid && stripe == last_stripe) {
      drop = true;  // a newer version of the key serves this stripe
    } else if (ikey.type == kTypeDeletion && stripe == 0 && c->IsBottommostForKey(ikey.user_key)) {
      drop = true;  // nothing older below, and every snapshot sees the delete
    } else if (range_del.ShouldDrop(ikey.user_key, ikey.sequence)) {
      drop = true;  // a range tombstone hides it from every reader that sees it
    }
    last_stripe = stripe;
    last_stripe_valid = true;
    if (drop) continue;

    if (builder == nullptr) {
      s = open_output();
      if (!s.ok()) break;
      meta.smallest.assign(key);
    }
    meta.largest.assign(key);
    builder->Add(key, input->value());
  }
  if (s.ok()) s = input->status();
  if (filtered != nullptr) {
    c->set_smallest_filtered_sequence(filtered->smallest_filtered_sequence());
  }
  // Tombstone pieces after the last point entry (or with none at all) still
  // need a table.
  if (s.ok() && builder == nullptr && range_del.HasOutputIn(lower_ptr(), nullptr)) {
    s = open_output();
  }
  if (s.ok() && builder != nullptr) {
    range_del.AddToOutput(lower_ptr(), nullptr, builder.get(), &meta);
    s = FinishOutputTable(std::move(file), std::move(builder), &meta);
    if (s.ok()) outputs->push_back(meta);
  }
  if (builder != nullptr) builder->Abandon();
  // The outputs' directory entries must be durable before the MANIFEST
  // names them.
  if (s.ok() && !outputs->empty()) s = fs_->SyncDir(dbname_);
  if (!s.ok() && meta.number != 0) {
    // The unfinished output is no one's: let RemoveObsoleteFiles take it.
    MutexLock lock(&mutex_);
    pending_outputs_.erase(meta.number);
  }
  return s;
}

std::unique_ptr<Compaction> DBImpl::PickManualCompaction(int level, const std::string_view* begin,
                                                         const std::string_view* end,
                                                         bool* conflict) {
  mutex_.AssertHeld();
  std::shared_ptr<const Version> v = versions_->current();
  int output = std::min(level + 1, kNumLevels - 1);
  while (output < kNumLevels - 1 && v->NumFiles(output) == 0) output++;
  return picker_.PickRange(std::move(v), level, output, begin, end, compactions_, conflict);
}

Status DBImpl::CompactRange(const std::string_view* begin, const std::string_view* end) {
  if (Status s = CheckWritable(); !s.ok()) return s;
  Status s = Flush();
  if (!s.ok()) return s;
  MutexLock lock(&mutex_);
  // Level by level down, then the bottom level into itself: that last pass
  // drops what snapshots released since the data got there were keeping.
  for (int level = 0; level < kNumLevels; level++) {
    while (true) {
      if (!error_handler_.ok()) return error_handler_.bg_error();
      if (shutting_down_) return Status::IOError("the database is closing");
      // Into the next level that holds any data, or the bottom: skipping
      // only empty levels keeps newer data above older.
      bool conflict = false;
      std::unique_ptr<Compaction> c = PickManualCompaction(level, begin, end, &conflict);
      if (conflict) {
        bg_cv_.Wait();  // a background compaction holds some of the files
        continue;
      }
      if (c == nullptr) break;
      s = RunCompaction(std::move(c));
      bg_cv_.SignalAll();
      if (s.IsBusy()) continue;  // the compaction filter met a new snapshot: redo
      if (!s.ok()) {
        if (!shutting_down_) error_handler_.RecordBackgroundError(s);
        return s;
      }
      break;
    }
  }
  return Status::OK();
}

}  // namespace strata
