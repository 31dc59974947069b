// VersionEdit: one record of the MANIFEST, the change from one version of the
// database's file set to the next (files added and removed per level, and the
// counters recovery needs).
//
// Encoding (docs/FORMAT.md, "MANIFEST"): a sequence of fields, each a varint32
// tag followed by its payload; tags are on-disk values, never renumbered.
// Unknown tags are Corruption, so an older binary refuses a newer MANIFEST
// rather than misreading it.
//
// Thread-safety: a plain value; external synchronization to mutate.

#ifndef STRATA_LSM_VERSION_EDIT_H_
#define STRATA_LSM_VERSION_EDIT_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "strata/status.h"
#include "util/internal_key.h"

namespace strata {

inline constexpr int kNumLevels = 7;

// How many more reads may find a table file in their way before it is
// compacted (LevelDB's allowed_seeks): a read that looked in this file and
// then had to look in another one charges it. A seek costs about as much as
// compacting 16 KiB (LevelDB's estimate), so a file gets one read per 16 KiB
// of its size, and at least 100. Kept in memory only: a reopened database
// starts over. Copying copies the count left.
//
// Thread-safety: Charge is safe from any number of readers at once.
class ReadBudget {
 public:
  static constexpr uint64_t kBytesPerRead = 16 * 1024;
  static constexpr int64_t kMinReads = 100;

  ReadBudget() = default;
  ReadBudget(const ReadBudget& other) : left_(other.left_.load(std::memory_order_relaxed)) {}
  ReadBudget& operator=(const ReadBudget& other) {
    left_.store(other.left_.load(std::memory_order_relaxed), std::memory_order_relaxed);
    return *this;
  }

  // The budget of a new file of file_size bytes.
  void Reset(uint64_t file_size) {
    left_.store(std::max<int64_t>(kMinReads, static_cast<int64_t>(file_size / kBytesPerRead)),
                std::memory_order_relaxed);
  }
  // Takes one read from the budget. True for exactly one call: the one
  // that used it up.
  bool Charge() { return left_.fetch_sub(1, std::memory_order_relaxed) == 1; }
  int64_t left() const { return left_.load(std::memory_order_relaxed); }

 private:
  // A file never Reset (a version built by hand in a test) is never due.
  std::atomic<int64_t> left_{INT64_MAX};
};

// What the engine knows of one table file.
struct FileMetaData {
  uint64_t number = 0;
  uint64_t file_size = 0;
  std::string smallest;  // smallest internal key in the table
  std::string largest;   // largest internal key in the table
  // The table has a range-deletion block. smallest and largest then cover
  // its tombstones too: a tombstone [b, e) at seq s widens them to at least
  // (b, s, kTypeRangeDeletion) and (e, kMaxSequenceNumber,
  // kTypeRangeDeletion), the sentinel for the exclusive end.
  bool has_range_tombstones = false;
  // Not part of the MANIFEST; see ReadBudget. Mutable: versions share
  // their files as const, and every reader charges the same budget.
  mutable ReadBudget read_budget;
};

class VersionEdit {
 public:
  void Clear() { *this = VersionEdit(); }

  void SetComparatorName(std::string_view name) { comparator_ = std::string(name); }
  void SetLogNumber(uint64_t n) { log_number_ = n; }
  void SetNextFileNumber(uint64_t n) { next_file_number_ = n; }
  void SetLastSequence(SequenceNumber s) { last_sequence_ = s; }
  void AddFile(int level, FileMetaData file) { new_files_.emplace_back(level, std::move(file)); }
  void RemoveFile(int level, uint64_t number) { deleted_files_.emplace(level, number); }

  const std::optional<std::string>& comparator() const { return comparator_; }
  const std::optional<uint64_t>& log_number() const { return log_number_; }
  const std::optional<uint64_t>& next_file_number() const { return next_file_number_; }
  const std::optional<SequenceNumber>& last_sequence() const { return last_sequence_; }
  const std::vector<std::pair<int, FileMetaData>>& new_files() const { return new_files_; }
  const std::set<std::pair<int, uint64_t>>& deleted_files() const { return deleted_files_; }

  void EncodeTo(std::string* dst) const;
  Status DecodeFrom(std::string_view src);
  // A human-readable rendering for tools and logs.
  std::string DebugString() const;

 private:
  std::optional<std::string> comparator_;
  std::optional<uint64_t> log_number_;
  std::optional<uint64_t> next_file_number_;
  std::optional<SequenceNumber> last_sequence_;
  std::set<std::pair<int, uint64_t>> deleted_files_;
  std::vector<std::pair<int, FileMetaData>> new_files_;
};

}  // namespace strata

#endif  // STRATA_LSM_VERSION_EDIT_H_
