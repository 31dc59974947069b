// Version, VersionBuilder and VersionSet: lookups in a version, building
// versions, MANIFEST writing, version installation and live-file tracking;
// see version_set.h. Reading a MANIFEST back is manifest_replayer.cc's.

#include "lsm/version_set.h"

#include <algorithm>
#include <cassert>

#include "lsm/filename.h"
#include "lsm/level_iterator.h"
#include "lsm/manifest_replayer.h"
#include "lsm/version_invariants.h"
#include "util/iterate_bounds.h"

namespace strata {
namespace {

// A MANIFEST longer than this is replaced by a snapshot of the state.
constexpr uint64_t kMaxManifestBytes = 16 << 20;

}  // namespace

uint64_t Version::LevelBytes(int level) const {
  uint64_t sum = 0;
  for (const auto& f : files_[level]) sum += f->file_size;
  return sum;
}

std::vector<std::shared_ptr<const FileMetaData>> Version::OverlappingFiles(
    int level, const std::string_view* smallest_user_key,
    const std::string_view* largest_user_key) const {
  std::vector<std::shared_ptr<const FileMetaData>> result;
  for (const auto& f : files_[level]) {
    bool before = smallest_user_key != nullptr &&
                  comparator_.CompareUserKeys(ExtractUserKey(f->largest), *smallest_user_key) < 0;
    bool after = largest_user_key != nullptr &&
                 comparator_.CompareUserKeys(ExtractUserKey(f->smallest), *largest_user_key) > 0;
    if (!before && !after) result.push_back(f);
  }
  return result;
}

Status Version::RangeTombstones(TableCache* table_cache,
                                std::shared_ptr<const FragmentedRangeTombstones>* result,
                                SequenceNumber* max_point_seq) const {
  result->reset();
  if (max_point_seq != nullptr) *max_point_seq = 0;
  if (!has_range_tombstones_) return Status::OK();
  MutexLock lock(&range_mu_);
  if (range_tombstones_ == nullptr) {
    if (!max_point_seq_known_) ComputeMaxPointSequence(table_cache);
    std::vector<RangeTombstone> all;
    for (const auto& files : files_) {
      for (const auto& f : files) {
        Status s = table_cache->AppendRangeTombstones(*f, &all);
        if (!s.ok()) return s;
      }
    }
    range_tombstones_ =
        std::make_shared<const FragmentedRangeTombstones>(comparator_, std::move(all));
    range_tombstones_built_.store(range_tombstones_.get(), std::memory_order_release);
  }
  *result = range_tombstones_;
  if (max_point_seq != nullptr) *max_point_seq = max_point_seq_;
  return Status::OK();
}

Status Version::RangeTombstonesView(TableCache* table_cache,
                                    const FragmentedRangeTombstones** result) const {
  *result = range_tombstones_built_.load(std::memory_order_acquire);
  if (*result != nullptr || !has_range_tombstones_) return Status::OK();
  std::shared_ptr<const FragmentedRangeTombstones> list;
  Status s = RangeTombstones(table_cache, &list);
  // The version keeps the list: the view outlives this shared_ptr.
  *result = list.get();
  return s;
}

SequenceNumber Version::MaxPointSequence(TableCache* table_cache) const {
  MutexLock lock(&range_mu_);
  if (!max_point_seq_known_) ComputeMaxPointSequence(table_cache);
  return max_point_seq_;
}

void Version::ComputeMaxPointSequence(TableCache* table_cache) const {
  SequenceNumber max_seq = 0;
  file_max_seqs_.clear();
  for (const auto& files : files_) {
    for (const auto& f : files) {
      // Only an optimization rests on the figure: a table that cannot be
      // read disables it here, and fails the reads that need the table.
      SequenceNumber file_max = kMaxSequenceNumber;
      (void)table_cache->GetMaxSequence(*f, &file_max);
      max_seq = std::max(max_seq, file_max);
      file_max_seqs_.push_back(file_max);
    }
  }
  max_point_seq_ = max_seq;
  max_point_seq_known_ = true;
}

SequenceNumber Version::PointSequenceBound(TableCache* table_cache,
                                           std::vector<NewerTable>* newer) const {
  MutexLock lock(&range_mu_);
  if (!max_point_seq_known_) ComputeMaxPointSequence(table_cache);
  if (range_tombstones_ == nullptr) return max_point_seq_;
  if (!bound_known_) {
    // A table whose points go above the newest tombstone: a kMaxSequenceNumber
    // figure (an unreadable table) stays in the bound, which it then
    // disables, as in MaxPointSequence.
    const SequenceNumber newest = range_tombstones_->max_seq();
    SequenceNumber bound = 0;
    size_t i = 0;
    for (const auto& files : files_) {
      for (const auto& f : files) {
        const SequenceNumber file_max = file_max_seqs_[i++];
        if (file_max > newest && file_max != kMaxSequenceNumber) {
          newer_tables_.push_back({f, file_max});
        } else {
          bound = std::max(bound, file_max);
        }
      }
    }
    bound_ = bound;
    bound_known_ = true;
  }
  newer->insert(newer->end(), newer_tables_.begin(), newer_tables_.end());
  return bound_;
}

namespace {

// Charges the first file a read looks in when it goes on to look in a
// second one (LevelDB's seek charge), once per read.
class FirstFileCharger {
 public:
  // The read looks in f (of level) next. Returns the first file if this
  // charge used its ReadBudget up.
  std::optional<ReadCompactionTarget> Next(int level, const FileMetaData& f) {
    if (first_ == nullptr) {
      first_ = &f;
      first_level_ = level;
      return std::nullopt;
    }
    if (charged_) return std::nullopt;
    charged_ = true;
    if (!first_->read_budget.Charge()) return std::nullopt;
    return ReadCompactionTarget{first_->number, first_level_};
  }
  bool charged() const { return charged_; }

 private:
  const FileMetaData* first_ = nullptr;
  int first_level_ = 0;
  bool charged_ = false;
};

}  // namespace

template <typename Fn>
void Version::ForEachFileHolding(std::string_view user_key, std::string_view internal_key,
                                 Fn&& fn) const {
  for (const auto& f : files_[0]) {
    if (comparator_.CompareUserKeys(user_key, ExtractUserKey(f->smallest)) < 0 ||
        comparator_.CompareUserKeys(user_key, ExtractUserKey(f->largest)) > 0) {
      continue;
    }
    if (!fn(0, *f)) return;
  }
  for (int level = 1; level < kNumLevels; level++) {
    const auto& files = files_[level];
    size_t index = FindFile(comparator_, files, internal_key);
    if (index == files.size()) continue;
    const FileMetaData& f = *files[index];
    if (comparator_.CompareUserKeys(user_key, ExtractUserKey(f.smallest)) < 0) continue;
    if (!fn(level, f)) return;
  }
}

Status Version::Get(const ReadOptions& options, const LookupKey& key, TableCache* table_cache,
                    std::string* value, bool* found, SequenceNumber* seq,
                    std::optional<ReadCompactionTarget>* due) const {
  *found = false;
  std::string_view user_key = key.user_key();
  FirstFileCharger charger;
  Status s;
  ForEachFileHolding(user_key, key.internal_key(), [&](int level, const FileMetaData& f) {
    if (due != nullptr) {
      if (auto target = charger.Next(level, f)) *due = target;
    }
    TableReader::GetResult result;
    s = table_cache->Get(options, f, key, value, &result, seq);
    if (!s.ok()) {
      *found = true;  // an error ends the search: never fall back to older data
      return false;
    }
    if (result == TableReader::GetResult::kNotFound) return true;
    *found = true;
    if (result != TableReader::GetResult::kFound) s = Status::NotFound();
    return false;
  });
  return s;
}

std::optional<ReadCompactionTarget> Version::RecordReadSample(std::string_view user_key) const {
  const std::string seek = MakeInternalKey(user_key, kMaxSequenceNumber, kValueTypeForSeek);
  FirstFileCharger charger;
  std::optional<ReadCompactionTarget> due;
  ForEachFileHolding(user_key, seek, [&](int level, const FileMetaData& f) {
    due = charger.Next(level, f);
    return !charger.charged();  // a second file: a read of user_key would look in both
  });
  return due;
}

void Version::AddIterators(const ReadOptions& options, TableCache* table_cache,
                           std::vector<std::unique_ptr<Iterator>>* iters) const {
  // Tables wholly outside the iterator bounds get no iterator at all, so
  // they are not even opened.
  const IterateBounds bounds(options, comparator_);
  auto overlaps = [&bounds](const FileMetaData& f) {
    return bounds.Overlaps(ExtractUserKey(f.smallest), ExtractUserKey(f.largest));
  };
  for (const auto& f : files_[0]) {
    if (overlaps(*f)) iters->push_back(table_cache->NewIterator(options, *f));
  }
  for (int level = 1; level < kNumLevels; level++) {
    const auto& files = files_[level];
    if (std::any_of(files.begin(), files.end(), [&](const auto& f) { return overlaps(*f); })) {
      iters->push_back(NewLevelIterator(options, table_cache, comparator_, &files));
    }
  }
}

VersionSet::VersionSet(const std::string& dbname, const Options& options, FileSystem* fs, Mutex* mu)
    : dbname_(dbname), options_(options), fs_(fs), mu_(mu), manifest_cv_(mu) {
  // Nothing else can see the VersionSet yet; the analysis needs the
  // capability to let Install touch guarded members.
  mu_->AssertHeld();
  Install(std::make_shared<const Version>(options.comparator));
}

void VersionSet::Install(std::shared_ptr<const Version> v) {
  versions_.remove_if([](const std::weak_ptr<const Version>& w) { return w.expired(); });
  versions_.push_back(v);
  current_ = std::move(v);
}

std::set<uint64_t> VersionSet::LiveFiles() {
  mu_->AssertHeld();
  std::set<uint64_t> live;
  versions_.remove_if([](const std::weak_ptr<const Version>& w) { return w.expired(); });
  for (const auto& weak : versions_) {
    std::shared_ptr<const Version> v = weak.lock();
    if (v == nullptr) continue;
    for (int level = 0; level < kNumLevels; level++) {
      for (const auto& f : v->files(level)) live.insert(f->number);
    }
  }
  return live;
}

VersionBuilder::VersionBuilder(const Version& base) : comparator_(base.comparator()) {
  for (int level = 0; level < kNumLevels; level++) {
    for (const auto& f : base.files(level)) levels_[level].emplace(f->number, f);
  }
}

void VersionBuilder::Apply(const VersionEdit& edit) {
  for (const auto& [level, number] : edit.deleted_files()) levels_[level].erase(number);
  for (const auto& [level, f] : edit.new_files()) AddFile(level, f);
}

void VersionBuilder::AddFile(int level, const FileMetaData& file) {
  auto f = std::make_shared<FileMetaData>(file);
  f->read_budget.Reset(f->file_size);
  AddFile(level, std::shared_ptr<const FileMetaData>(std::move(f)));
}

void VersionBuilder::AddFile(int level, std::shared_ptr<const FileMetaData> file) {
  assert(level >= 0 && level < kNumLevels);
  levels_[level].insert_or_assign(file->number, std::move(file));
}

std::shared_ptr<const Version> VersionBuilder::Build() const {
  auto v = std::make_shared<Version>(comparator_.user_comparator());
  for (int level = 0; level < kNumLevels; level++) {
    auto& files = v->files_[level];
    files.reserve(levels_[level].size());
    for (const auto& [number, f] : levels_[level]) files.push_back(f);
  }
  for (const auto& files : v->files_) {
    for (const auto& f : files) v->has_range_tombstones_ |= f->has_range_tombstones;
  }
  // By number, newest first, in level 0; by key range elsewhere.
  std::reverse(v->files_[0].begin(), v->files_[0].end());
  for (int level = 1; level < kNumLevels; level++) {
    std::sort(v->files_[level].begin(), v->files_[level].end(),
              [this](const auto& a, const auto& b) {
                int r = comparator_.Compare(a->smallest, b->smallest);
                return r != 0 ? r < 0 : a->number < b->number;
              });
  }
  return v;
}

std::shared_ptr<const Version> VersionSet::Apply(const Version& base,
                                                 const VersionEdit& edit) const {
  VersionBuilder builder(base);
  builder.Apply(edit);
  std::shared_ptr<const Version> v = builder.Build();
  CheckVersionInvariants(*v);
  return v;
}

std::string VersionSet::SnapshotRecord(const Version& version) const {
  mu_->AssertHeld();
  VersionEdit edit;
  edit.SetComparatorName(options_.comparator->Name());
  edit.SetLogNumber(log_number_);
  edit.SetNextFileNumber(next_file_number_);
  edit.SetLastSequence(last_sequence_);
  for (int level = 0; level < kNumLevels; level++) {
    for (const auto& f : version.files(level)) edit.AddFile(level, *f);
  }
  std::string record;
  edit.EncodeTo(&record);
  return record;
}

Status VersionSet::WriteSnapshot(wal::Writer* log) const {
  return log->AddRecord(SnapshotRecord(*current_));
}

Status VersionSet::CreateNew() {
  mu_->AssertHeld();
  manifest_file_number_ = 1;
  next_file_number_ = 2;
  log_number_ = 0;
  last_sequence_ = 0;
  std::unique_ptr<WritableFile> file;
  std::string manifest = ManifestFileName(dbname_, manifest_file_number_);
  Status s = fs_->NewWritableFile(manifest, &file);
  if (!s.ok()) return s;
  wal::Writer log(file.get());
  s = WriteSnapshot(&log);
  if (s.ok()) s = file->Sync();
  Status close = file->Close();
  if (s.ok()) s = close;
  if (s.ok()) s = SetCurrentFile(fs_, dbname_, manifest_file_number_);
  if (!s.ok()) (void)fs_->RemoveFile(manifest);
  return s;
}

Status VersionSet::Recover() {
  mu_->AssertHeld();
  std::string manifest;
  uint64_t number;
  Status s = ReadCurrentFile(fs_, dbname_, &manifest, &number);
  if (!s.ok()) return s;
  ManifestReplayer replayer(options_.comparator);
  s = replayer.Replay(fs_, dbname_ + "/" + manifest);
  if (s.IsNotFound()) return Status::Corruption("CURRENT names a missing MANIFEST", manifest);
  if (s.ok()) s = replayer.RecoveryStatus();
  if (!s.ok()) return s;

  log_number_ = *replayer.log_number();
  next_file_number_ = *replayer.next_file_number();
  last_sequence_ = *replayer.last_sequence();
  manifest_file_number_ = number;
  MarkFileNumberUsed(number);
  std::shared_ptr<const Version> v = replayer.Build();
  CheckVersionInvariants(*v);
  for (int level = 0; level < kNumLevels; level++) {
    for (const auto& f : v->files(level)) MarkFileNumberUsed(f->number);
  }
  Install(std::move(v));
  return Status::OK();
}

Status VersionSet::StartNewManifest() {
  mu_->AssertHeld();
  uint64_t number = NewFileNumber();
  std::string manifest = ManifestFileName(dbname_, number);
  std::unique_ptr<WritableFile> file;
  Status s = fs_->NewWritableFile(manifest, &file);
  if (!s.ok()) return s;
  auto log = std::make_unique<wal::Writer>(file.get());
  s = WriteSnapshot(log.get());
  if (s.ok()) s = file->Sync();
  if (s.ok()) s = SetCurrentFile(fs_, dbname_, number);
  if (!s.ok()) {
    (void)file->Close();
    (void)fs_->RemoveFile(manifest);
    return s;
  }
  if (manifest_file_) (void)manifest_file_->Close();
  manifest_file_ = std::move(file);
  manifest_log_ = std::move(log);
  manifest_bytes_ = 0;
  manifest_file_number_ = number;
  return Status::OK();
}

Status VersionSet::LogAndApply(VersionEdit* edit, Mutex* mu) {
  assert(mu == mu_);
  mu_->AssertHeld();  // tells clang that *mu, which the caller holds, is mu_
  while (manifest_busy_) manifest_cv_.Wait();
  manifest_busy_ = true;
  if (manifest_needs_rewrite_) {
    // The last append failed, so the MANIFEST may end in a partial record
    // that nothing may follow: start over with a snapshot.
    Status s = StartNewManifest();
    if (!s.ok()) {
      manifest_busy_ = false;
      manifest_cv_.SignalAll();
      return s;
    }
    manifest_needs_rewrite_ = false;
  }

  if (!edit->log_number()) edit->SetLogNumber(log_number_);
  assert(*edit->log_number() >= log_number_);
  edit->SetNextFileNumber(next_file_number_);
  edit->SetLastSequence(last_sequence_);
  std::shared_ptr<const Version> v = Apply(*current_, *edit);
  std::string record;
  edit->EncodeTo(&record);

  Status s;
  {
    // The MANIFEST write and sync happen without the DB mutex so that
    // readers and writers are not held up by the disk; manifest_busy_ keeps
    // other editors out.
    // Through mu, not mu_: clang takes mu_ as asserted for the whole call,
    // and would see a Lock of mu_ here as one never released.
    mu->Unlock();
    s = manifest_log_->AddRecord(record);
    if (s.ok()) s = manifest_file_->Sync();
    mu->Lock();
  }
  if (!s.ok()) manifest_needs_rewrite_ = true;
  if (s.ok()) {
    Install(std::move(v));
    log_number_ = *edit->log_number();
    manifest_bytes_ += record.size();
    if (manifest_bytes_ > kMaxManifestBytes) {
      // Start over with a snapshot so recovery never replays a long history.
      // On failure the current MANIFEST, which holds this edit, stays in use.
      (void)StartNewManifest();
    }
  }
  manifest_busy_ = false;
  manifest_cv_.SignalAll();
  return s;
}

}  // namespace strata
