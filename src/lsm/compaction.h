// Compaction and the compaction picker: which files to merge next, and into
// which level.
//
// Level targets are dynamic, sized from the bottom up: the bottom level's
// target is the size of the largest level, each level above targets a tenth
// of the one below, and the base level (the one level 0 compacts into) is
// the first, walking up from the bottom, whose target is at most
// max_bytes_for_level_base. Levels above the base stay empty. About 90% of the data therefore sits
// in the bottom level whatever the database's size, which keeps space amplification near 1.1.
//
// Scores say how far each level is over its target (level 0: its file count
// over l0_compaction_trigger). The picker takes the highest score of at
// least 1 that does not conflict with a running compaction. With no level
// over its target, a file that reads keep finding in their way (its
// ReadBudget used up: LevelDB's seek compaction) is compacted down. In a level
// below 0 it takes the free file whose overlap with the next level is
// smallest relative to its size: the most data moved down per byte
// rewritten. Files that overlap nothing below, nor each other, move down
// without being rewritten.
//
// Thread-safety: a Compaction is owned by the thread that runs it; picking
// requires the DB mutex (it reads the set of files being compacted).

#ifndef STRATA_LSM_COMPACTION_H_
#define STRATA_LSM_COMPACTION_H_

#include <array>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "lsm/version_set.h"

namespace strata {

using FileList = std::vector<std::shared_ptr<const FileMetaData>>;

// Per-level targets for one version.
struct LevelTargets {
  int base_level = kNumLevels - 1;
  std::array<uint64_t, kNumLevels> target_bytes{};  // 0 above the base level
};

LevelTargets ComputeLevelTargets(const Version& version, const Options& options);

// How much each level is over its target; >= 1 means it needs compaction.
std::array<double, kNumLevels> ComputeScores(const Version& version, const Options& options,
                                             const LevelTargets& targets);

// Bytes compaction must still rewrite to bring every level to its target:
// each level's excess, times the fan-out it will be merged with below.
uint64_t EstimatePendingCompactionBytes(const Version& version, const Options& options);

class Compaction {
 public:
  Compaction(std::shared_ptr<const Version> input_version, int level, int output_level)
      : input_version_(std::move(input_version)), level_(level), output_level_(output_level) {}

  int level() const { return level_; }
  int output_level() const { return output_level_; }
  const Version& input_version() const { return *input_version_; }
  // which 0: files of level(); which 1: files of output_level().
  const FileList& inputs(int which) const { return inputs_[which]; }
  const FileList& grandparents() const { return grandparents_; }
  uint64_t InputBytes() const;

  // Inputs with nothing to merge below, no two sharing a user key (a single
  // file, or level-0 files written in key order): move them, do not rewrite
  // them. Never for a manual compaction, which must rewrite to drop
  // tombstones.
  bool IsTrivialMove(const Options& options) const;

  // True if no level below output_level() holds user_key, so a tombstone for
  // it can be dropped. Keys must be asked in increasing order.
  bool IsBottommostForKey(std::string_view user_key);

  // True if the output file being written should end before internal_key,
  // because it already overlaps too much of the level below the output.
  bool ShouldStopBefore(std::string_view internal_key, uint64_t max_grandparent_overlap);

  // Adds the removal of every input to edit.
  void AddInputDeletions(VersionEdit* edit) const;

  // Every input file number (for marking them busy).
  std::vector<uint64_t> InputNumbers() const;

  // Part of DB::CompactRange rather than picked in the background.
  bool is_manual() const { return manual_; }
  // The inputs are every table of the input version.
  bool IsFullCompaction() const;

  // The smallest sequence number of a version the compaction filter removed
  // or changed in this compaction's outputs (kMaxSequenceNumber + 1: none);
  // set by the merge, checked against new snapshots before installing.
  SequenceNumber smallest_filtered_sequence() const { return smallest_filtered_sequence_; }
  void set_smallest_filtered_sequence(SequenceNumber s) { smallest_filtered_sequence_ = s; }

  // The user-key range the outputs may cover: that of all the inputs.
  std::string_view smallest_user_key() const { return smallest_user_key_; }
  std::string_view largest_user_key() const { return largest_user_key_; }

 private:
  friend class CompactionPicker;

  const std::shared_ptr<const Version> input_version_;
  const int level_;
  const int output_level_;
  FileList inputs_[2];
  FileList grandparents_;  // files of output_level + 1 overlapping the inputs
  bool manual_ = false;
  SequenceNumber smallest_filtered_sequence_ = kMaxSequenceNumber + 1;
  std::string smallest_user_key_;  // of every input
  std::string largest_user_key_;

  // State of ShouldStopBefore.
  size_t grandparent_index_ = 0;
  bool seen_key_ = false;
  uint64_t overlapped_bytes_ = 0;
  // State of IsBottommostForKey: a position per level below the output.
  std::array<size_t, kNumLevels> level_ptrs_{};
};

// What the running compactions hold: their input files, and the key range
// each writes into its output level. A new compaction may use none of those
// files, nor write into a range another writes into at the same level: two
// such outputs could overlap, e.g. a bottom-level compaction's output
// spanning a gap between its inputs where another compaction put a file.
// Guarded by the DB mutex.
class CompactionsInProgress {
 public:
  void Add(const Compaction* c);
  void Remove(const Compaction* c);
  int size() const { return static_cast<int>(running_.size()); }
  bool IsBusy(uint64_t file_number) const { return files_.count(file_number) != 0; }
  // True if c needs a busy file or writes where a running compaction does.
  bool Conflicts(const Compaction& c) const;

 private:
  std::set<uint64_t> files_;
  std::vector<const Compaction*> running_;
};

class CompactionPicker {
 public:
  explicit CompactionPicker(const Options& options) : options_(options) {}

  // The most urgent compaction of version that does not conflict with the
  // ones in progress, or nullptr.
  std::unique_ptr<Compaction> Pick(std::shared_ptr<const Version> version,
                                   const CompactionsInProgress& busy) const;

  // A compaction of the file reads found in their way too often (its
  // ReadBudget used up; see Version::Get), when no level is over its
  // target: a level-0 file takes all of level 0 into the base level, a
  // file of a middle level moves into the next one, as Pick would. nullptr
  // with *stale set if the target is to be dropped: the file is no longer
  // in that level of version, a running compaction has it (it will be
  // gone), or it is in the bottom level. nullptr with *stale false if the
  // compaction conflicts with a running one: try again later.
  std::unique_ptr<Compaction> PickForReads(std::shared_ptr<const Version> version,
                                           const ReadCompactionTarget& target,
                                           const CompactionsInProgress& busy, bool* stale) const;

  // A compaction that moves data down toward the bottom level, for a
  // database no write is changing (Options::idle_compaction_ms): level 0
  // into the level it compacts into, else the file of the shallowest middle
  // level with data that Pick would choose there. Only one whose input is at
  // most max_input_bytes, or that moves files without rewriting them;
  // nullptr if there is none, or if only the bottom level holds data.
  // *cost is what the pick takes from the budget: its input bytes, 0 for a
  // move.
  std::unique_ptr<Compaction> PickIdle(std::shared_ptr<const Version> version,
                                       const CompactionsInProgress& busy, uint64_t max_input_bytes,
                                       uint64_t* cost) const;

  // A compaction of level's files overlapping [*begin, *end] (user keys;
  // nullptr: unbounded) into output_level, or nullptr if level has none
  // there. Sets *conflict if some of the files it needs are busy.
  std::unique_ptr<Compaction> PickRange(std::shared_ptr<const Version> version, int level,
                                        int output_level, const std::string_view* begin,
                                        const std::string_view* end,
                                        const CompactionsInProgress& busy, bool* conflict) const;

 private:
  std::unique_ptr<Compaction> PickLevel0(std::shared_ptr<const Version> version, int output_level,
                                         const CompactionsInProgress& busy) const;
  // The level level 0 compacts into: the base level, or a level above it
  // that still holds data.
  static int Level0Output(const Version& version, const LevelTargets& targets);
  std::unique_ptr<Compaction> PickLevel(std::shared_ptr<const Version> version, int level,
                                        const CompactionsInProgress& busy) const;
  // Fills in the output-level inputs, key range and grandparents of c from
  // its level inputs. Returns false if c conflicts with one in progress.
  bool Complete(Compaction* c, const CompactionsInProgress& busy) const;

  const Options options_;
};

// The files whose ReadBudget reads used up, oldest first, each once. A
// budget is used up by exactly one read (ReadBudget::Charge), so a target
// dropped while another waited would never come back, and a read-mostly
// database would keep the files that lost the race in its way for good:
// every target waits here until it is compacted or gone. (LevelDB keeps one
// and lets each later read of an exhausted file retry, under its mutex.)
// Holds at most one entry per file. Guarded by the DB mutex.
class ReadCompactionQueue {
 public:
  // Queues target unless its file is queued already.
  void Add(const ReadCompactionTarget& target);
  bool empty() const { return targets_.empty(); }
  size_t size() const { return targets_.size(); }
  // The i-th oldest target, for i < size().
  const ReadCompactionTarget& at(size_t i) const { return targets_[i]; }

  // The compaction (CompactionPicker::PickForReads) of the oldest target
  // that can run now, or nullptr. With consume, targets found stale are
  // dropped, and so is the one handed out; a target that conflicts with a
  // running compaction stays for a later call. Without consume nothing
  // changes (a test hook asking whether work is due).
  std::unique_ptr<Compaction> Pick(const CompactionPicker& picker,
                                   const std::shared_ptr<const Version>& version,
                                   const CompactionsInProgress& busy, bool consume);

 private:
  std::deque<ReadCompactionTarget> targets_;
};

}  // namespace strata

#endif  // STRATA_LSM_COMPACTION_H_
