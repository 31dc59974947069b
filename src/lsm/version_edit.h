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
