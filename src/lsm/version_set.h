// Version, VersionBuilder and VersionSet: which table files make up the
// database, and the MANIFEST that records it durably.
//
// A Version is an immutable set of files per level, made by a VersionBuilder
// (from edits, or from files listed directly, as tests do). Readers hold a
// std::shared_ptr<const Version> for as long as they read (a Get, an
// iterator), so the files it names stay on disk until the last reader lets
// go: a table file is deleted only when no live Version names it.
//
// The VersionSet owns the current Version and the MANIFEST. LogAndApply
// appends a VersionEdit to the MANIFEST (the WAL record format), syncs it, and
// only then installs the new Version: a crash leaves either the old state or
// the new one. Each Open, and each MANIFEST that outgrows 16 MiB, starts a new
// MANIFEST holding a snapshot of the state, so none grows without bound.
//
// Invariants:
//  1. Files in levels >= 1 are sorted by smallest key and do not overlap.
//  2. Level-0 files are ordered newest (largest number) first.
//  3. Every file named by a live Version exists on disk.
//  4. next_file_number_ is greater than every file number in use.
//
// Thread-safety: VersionSet methods require the DB mutex (the one given to the
// constructor; clang checks LogAndApply's callers hold it). LogAndApply
// releases it while writing the MANIFEST; concurrent callers queue on
// manifest_cv_. Versions are immutable and freely shared; a VersionBuilder
// is used by one thread.

#ifndef STRATA_LSM_VERSION_SET_H_
#define STRATA_LSM_VERSION_SET_H_

#include <atomic>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "lsm/table_cache.h"
#include "lsm/version_edit.h"
#include "strata/file_system.h"
#include "strata/options.h"
#include "util/mutex.h"
#include "wal/log_writer.h"

namespace strata {

// A file whose ReadBudget a read used up (Version::Get, RecordReadSample):
// reads keep finding it in their way, so it is due for compaction.
struct ReadCompactionTarget {
  uint64_t number = 0;
  int level = -1;
};

class Version {
 public:
  // An empty version over user keys in user_comparator's order.
  explicit Version(const Comparator* user_comparator) : comparator_(user_comparator) {}

  // The order of the keys in this version's files.
  const InternalKeyComparator& comparator() const { return comparator_; }
  const std::vector<std::shared_ptr<const FileMetaData>>& files(int level) const {
    return files_[level];
  }
  int NumFiles(int level) const { return static_cast<int>(files_[level].size()); }
  // Whether a level above the bottom one holds a file.
  bool HasFilesAboveBottom() const {
    for (int level = 0; level < kNumLevels - 1; level++) {
      if (!files_[level].empty()) return true;
    }
    return false;
  }
  uint64_t LevelBytes(int level) const;
  // Files of `level` whose user-key range overlaps [*smallest, *largest]
  // (nullptr: unbounded on that side).
  std::vector<std::shared_ptr<const FileMetaData>> OverlappingFiles(
      int level, const std::string_view* smallest_user_key,
      const std::string_view* largest_user_key) const;

  // Looks key up in the tables, newest data first: level-0 files newest to
  // oldest, then one file per deeper level. *found is false if no table
  // knows the key; otherwise the status is OK with *value set, or NotFound
  // for a tombstone, and *seq (if not null) is the entry's sequence number.
  // Range tombstones are not consulted (see RangeTombstones).
  // With due not null, a lookup that looked in two or more files charges
  // the first one's ReadBudget, and if that used it up, *due names the file.
  Status Get(const ReadOptions& options, const LookupKey& key, TableCache* table_cache,
             std::string* value, bool* found, SequenceNumber* seq = nullptr,
             std::optional<ReadCompactionTarget>* due = nullptr) const;

  // An iterator's sample of where its reads go (LevelDB's read sampling):
  // if two or more files hold user_key in their range, the first of them
  // (the one a read meets first) is charged as by Get. Returns the file if
  // that used its budget up.
  std::optional<ReadCompactionTarget> RecordReadSample(std::string_view user_key) const;

  // True if any file of this version has range tombstones.
  bool HasRangeTombstones() const { return has_range_tombstones_; }
  // The range tombstones of every file, fragmented into one list; nullptr
  // if there are none (then without any work or lock). Built by the first
  // caller and kept with the version (files never change within a version),
  // so later reads pay one binary search for all the tables together.
  // *max_point_seq (if not null) is then the largest sequence number of any
  // table's point entries (kept with the list), so an iterator can tell when
  // a tombstone deletes every entry of a key run (RangeDelChecker).
  Status RangeTombstones(TableCache* table_cache,
                         std::shared_ptr<const FragmentedRangeTombstones>* result,
                         SequenceNumber* max_point_seq = nullptr) const;
  // The same list for a point read: viewed, not shared (it lives as long as
  // the version), and once built read without the lock, so a Get in a
  // database with range tombstones pays no mutex for them.
  Status RangeTombstonesView(TableCache* table_cache,
                             const FragmentedRangeTombstones** result) const;

  // The largest sequence number of any table's point entries, tombstones
  // or not: computed by the first caller and kept with the version. A
  // range tombstone above it (and above the memtables' points) deletes every
  // entry of the keys it covers, so an iterator may seek past them
  // (RangeDelChecker::SetMaxPointSequence), even when only a memtable holds
  // tombstones. kMaxSequenceNumber if a table cannot be read: only that
  // optimization rests on the figure.
  SequenceNumber MaxPointSequence(TableCache* table_cache) const;

  // A table whose points go above every table's range tombstone, with its
  // largest point sequence number.
  struct NewerTable {
    std::shared_ptr<const FileMetaData> file;
    SequenceNumber max_seq;
  };
  // MaxPointSequence for an iterator's RangeDelChecker, without the tables
  // written after the newest range tombstone any table holds (say, the
  // flushes of the writes after a FLUSHALL): those are appended to *newer,
  // for the checker to consult as point sources, so that they end only the
  // deleted runs that reach their keys instead of every run. Without table
  // tombstones (or before RangeTombstones built them) no table is newer.
  // Computed once per version.
  SequenceNumber PointSequenceBound(TableCache* table_cache, std::vector<NewerTable>* newer) const;

  // Appends iterators that together cover every table: one per level-0
  // file, one per non-empty deeper level. The version must outlive them.
  void AddIterators(const ReadOptions& options, TableCache* table_cache,
                    std::vector<std::unique_ptr<Iterator>>* iters) const;

 private:
  friend class VersionBuilder;
  // Calls fn(level, file) for each file whose key range holds user_key
  // (internal_key is a seek key for it), in the order a lookup looks: level
  // 0 newest first, then at most one file per deeper level. Stops when fn
  // returns false.
  template <typename Fn>
  void ForEachFileHolding(std::string_view user_key, std::string_view internal_key, Fn&& fn) const;

  InternalKeyComparator comparator_;
  std::vector<std::shared_ptr<const FileMetaData>> files_[kNumLevels];
  bool has_range_tombstones_ = false;  // set by VersionBuilder::Build

  // The lazily built RangeTombstones() result. A failed build (a table that
  // cannot be read) is not kept, so a later read retries.
  mutable Mutex range_mu_;
  mutable std::shared_ptr<const FragmentedRangeTombstones> range_tombstones_ GUARDED_BY(range_mu_);
  // range_tombstones_.get() once built (never reset after), for readers
  // that take no lock; published with release after the list is complete.
  mutable std::atomic<const FragmentedRangeTombstones*> range_tombstones_built_{nullptr};
  mutable SequenceNumber max_point_seq_ GUARDED_BY(range_mu_) = kMaxSequenceNumber;
  mutable bool max_point_seq_known_ GUARDED_BY(range_mu_) = false;
  // Each table's largest point sequence number, in files_ order (level by
  // level), kept by ComputeMaxPointSequence for PointSequenceBound.
  mutable std::vector<SequenceNumber> file_max_seqs_ GUARDED_BY(range_mu_);
  // PointSequenceBound's result, once known.
  mutable bool bound_known_ GUARDED_BY(range_mu_) = false;
  mutable SequenceNumber bound_ GUARDED_BY(range_mu_) = kMaxSequenceNumber;
  mutable std::vector<NewerTable> newer_tables_ GUARDED_BY(range_mu_);
  // Sets max_point_seq_ (and max_point_seq_known_) from every table.
  void ComputeMaxPointSequence(TableCache* table_cache) const REQUIRES(range_mu_);
};

// Accumulates edits (or single files) on top of a base version, and makes a
// Version of the result. Recovery, LogAndApply, the MANIFEST dump and tests
// all build versions this way, so they order files the same way: level 0
// newest (largest number) first, so a lookup can stop at the first file that
// knows the key; deeper levels by smallest key (in the comparator's order),
// for binary search.
class VersionBuilder {
 public:
  // An empty base, keys in user_comparator's order.
  explicit VersionBuilder(const Comparator* user_comparator) : comparator_(user_comparator) {}
  // base's files and order.
  explicit VersionBuilder(const Version& base);

  // Removes the edit's deleted files, then adds its new ones. A file added
  // again at the same level (same number) replaces the earlier entry.
  void Apply(const VersionEdit& edit);
  void AddFile(int level, std::shared_ptr<const FileMetaData> file);
  // A new file (from an edit): its ReadBudget starts full.
  void AddFile(int level, const FileMetaData& file);

  // The files, ordered as a Version orders them. Deeper levels are not
  // checked for overlap: the caller decides whether that is a bug (a
  // VersionSet asserts it) or damage to report (the MANIFEST dump).
  std::shared_ptr<const Version> Build() const;

 private:
  InternalKeyComparator comparator_;
  // By file number, which is unique across levels in a sound database.
  std::map<uint64_t, std::shared_ptr<const FileMetaData>> levels_[kNumLevels];
};

class VersionSet {
 public:
  // mu is the DB mutex, which callers hold for every call. The MANIFEST
  // records options.comparator's name; Recover refuses a MANIFEST that
  // names another.
  VersionSet(const std::string& dbname, const Options& options, FileSystem* fs, Mutex* mu);
  VersionSet(const VersionSet&) = delete;
  VersionSet& operator=(const VersionSet&) = delete;

  // Creates the MANIFEST and CURRENT of a new, empty database.
  Status CreateNew();
  // Reads CURRENT and the MANIFEST it names (with ManifestReplayer). A torn
  // tail of the MANIFEST (a crash while appending) is ignored; corruption
  // before it is an error (manifest_replayer.h says what counts as which).
  Status Recover();
  // Writes a fresh MANIFEST describing the recovered state and points
  // CURRENT at it. Call once after Recover and before LogAndApply.
  Status StartNewManifest();

  // Records edit in the MANIFEST (synced) and installs the resulting version.
  // Fills in the edit's next file number and last sequence. On failure the
  // current version is unchanged, and the MANIFEST may end in the failed
  // edit, whole or partial: the next call first starts a new MANIFEST (and
  // fails if it cannot), so the caller may retry once the cause is gone.
  // Releases the mutex while writing; concurrent callers take turns.
  // REQUIRES: mu is the DB mutex given to the constructor. It is passed
  // again so that clang can check the caller holds it (it cannot see that
  // the caller's mutex and mu_ are one).
  Status LogAndApply(VersionEdit* edit, Mutex* mu) REQUIRES(mu);

  // The accessors below assert the DB mutex for clang: callers hold it as
  // their own member, which the analysis cannot tie to mu_.
  std::shared_ptr<const Version> current() const {
    mu_->AssertHeld();
    return current_;
  }

  uint64_t NewFileNumber() {
    mu_->AssertHeld();
    return next_file_number_++;
  }
  // Ensures future file numbers are greater than number.
  void MarkFileNumberUsed(uint64_t number) {
    mu_->AssertHeld();
    if (next_file_number_ <= number) next_file_number_ = number + 1;
  }
  uint64_t NextFileNumber() const {
    mu_->AssertHeld();
    return next_file_number_;
  }
  uint64_t LogNumber() const {
    mu_->AssertHeld();
    return log_number_;
  }
  // Sets the log number the next MANIFEST snapshot records (at Open, before
  // StartNewManifest).
  void SetLogNumber(uint64_t n) {
    mu_->AssertHeld();
    log_number_ = n;
  }
  uint64_t ManifestFileNumber() const {
    mu_->AssertHeld();
    return manifest_file_number_;
  }
  // True after a failed LogAndApply until a new MANIFEST replaces the one it
  // may have left an edit in: meanwhile the on-disk MANIFEST may name files
  // that the current version does not, so none may be deleted.
  bool ManifestNeedsRewrite() const {
    mu_->AssertHeld();
    return manifest_needs_rewrite_;
  }
  SequenceNumber LastSequence() const {
    mu_->AssertHeld();
    return last_sequence_;
  }
  void SetLastSequence(SequenceNumber s) {
    mu_->AssertHeld();
    last_sequence_ = s;
  }

  // Every file number named by a live version (current or held by a reader).
  std::set<uint64_t> LiveFiles();

  // The record a new MANIFEST starts with, describing `version` whole, with
  // this set's counters (log number, next file number, last sequence). A
  // checkpoint writes it as the MANIFEST of its copy.
  std::string SnapshotRecord(const Version& version) const;

 private:
  Status WriteSnapshot(wal::Writer* log) const REQUIRES(mu_);
  // base + edit, with the invariants checked in debug builds.
  std::shared_ptr<const Version> Apply(const Version& base, const VersionEdit& edit) const;
  void Install(std::shared_ptr<const Version> v) REQUIRES(mu_);

  // Constant after construction.
  const std::string dbname_;
  const Options options_;
  FileSystem* const fs_;
  Mutex* const mu_;

  // Guarded by the DB mutex.
  CondVar manifest_cv_;  // signalled when manifest_busy_ clears
  // A LogAndApply is writing the MANIFEST (with the mutex released); others
  // wait, so edits reach the MANIFEST in the order they are installed.
  bool manifest_busy_ GUARDED_BY(mu_) = false;
  bool manifest_needs_rewrite_ GUARDED_BY(mu_) = false;
  uint64_t next_file_number_ GUARDED_BY(mu_) = 2;
  uint64_t manifest_file_number_ GUARDED_BY(mu_) = 0;
  uint64_t log_number_ GUARDED_BY(mu_) = 0;
  SequenceNumber last_sequence_ GUARDED_BY(mu_) = 0;
  std::shared_ptr<const Version> current_ GUARDED_BY(mu_);
  // Every version handed out, to find the files readers still use.
  std::list<std::weak_ptr<const Version>> versions_ GUARDED_BY(mu_);

  // The MANIFEST being appended to. Not guarded by the mutex: only the
  // LogAndApply that set manifest_busy_ (or Open, before any) touches them,
  // and it writes with the mutex released.
  std::unique_ptr<WritableFile> manifest_file_;
  std::unique_ptr<wal::Writer> manifest_log_;
  uint64_t manifest_bytes_ = 0;  // edits appended since the snapshot
};

}  // namespace strata

#endif  // STRATA_LSM_VERSION_SET_H_
