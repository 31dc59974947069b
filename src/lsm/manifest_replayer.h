// ReadCurrentFile and ManifestReplayer: the one reader of CURRENT and of the
// MANIFEST it names. Recovery (VersionSet::Recover), the MANIFEST dump and,
// through it, CheckDB and RepairDB all read them here, so they agree on what
// a MANIFEST says and on what counts as damage.
//
// A replay reads every record of a MANIFEST through wal::LogScanner (a
// wal::Reader that also tells where each record starts), decodes each as a
// VersionEdit, applies it to a VersionBuilder, and notes which of the
// required fields (comparator, log number, next file number, last sequence)
// it has seen. It never stops at damage: it records it, so the dump can list
// everything wrong with a file, and RecoveryStatus() says whether Open may
// use the state, as Open always has:
//   1. a record that does not decode, or names a comparator other than the
//      one given to the replayer, is an error (the first one, in file order);
//   2. then an I/O error that stopped reading;
//   3. then damage in the middle of the file (acknowledged edits lost);
//   4. then a damaged last record: unlike a WAL's, the MANIFEST's last record
//      was synced before anything relied on it (the WALs and tables it made
//      obsolete may be gone), so only a record cut short by a crash during
//      its append (a torn tail) may be ignored, not one whose bytes are all
//      there but wrong;
//   5. then a required field that no edit set.
//
// Thread-safety: one thread at a time; ReadCurrentFile is a pure function.

#ifndef STRATA_LSM_MANIFEST_REPLAYER_H_
#define STRATA_LSM_MANIFEST_REPLAYER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lsm/version_edit.h"
#include "lsm/version_set.h"
#include "strata/file_system.h"
#include "strata/status.h"
#include "wal/log_scanner.h"

namespace strata {

// Reads CURRENT in the database directory dbname and stores the name of the
// MANIFEST it names (a file name within dbname) in *manifest_name and its
// number in *manifest_number. The file system's error (NotFound when there
// is no CURRENT), or Corruption if CURRENT does not hold "MANIFEST-<n>\n".
Status ReadCurrentFile(FileSystem* fs, const std::string& dbname, std::string* manifest_name,
                       uint64_t* manifest_number);

class ManifestReplayer {
 public:
  // Called for each record, in file order, with where it starts: the edit it
  // decoded to (applied already) and OK, or an empty edit and why the record
  // does not decode (nothing applied).
  using EditHook =
      std::function<void(uint64_t offset, const VersionEdit& edit, const Status& decoded)>;

  // comparator: the order the caller means to read the database in. A
  // MANIFEST that names another comparator is refused (rule 1), and the
  // versions built order files by it. Not owned; must outlive the replayer.
  //
  // nullptr: any comparator name is accepted, for callers that want only the
  // counters (log number, last sequence...) and the file list, not an order
  // (the backup engine, which does not know the database's comparator). The
  // version then orders files bytewise: do not search it.
  explicit ManifestReplayer(const Comparator* comparator)
      : expected_comparator_(comparator),
        builder_(comparator != nullptr ? comparator : BytewiseComparator()) {}
  ManifestReplayer(const ManifestReplayer&) = delete;
  ManifestReplayer& operator=(const ManifestReplayer&) = delete;

  // Reads the MANIFEST at path to its end, applying every edit that decodes.
  // Returns the error opening it (NotFound if it is missing); damage and an
  // I/O error while reading are recorded, not returned. Call once.
  Status Replay(FileSystem* fs, const std::string& path, const EditHook& hook = nullptr);

  // OK if Open may recover from what Replay read; otherwise the first
  // problem, by the precedence above.
  Status RecoveryStatus() const;

  // What the edits add up to.
  std::shared_ptr<const Version> Build() const { return builder_.Build(); }
  // The last value each field was set to, if any edit set it.
  const std::optional<std::string>& comparator() const { return comparator_; }
  const std::optional<uint64_t>& log_number() const { return log_number_; }
  const std::optional<uint64_t>& next_file_number() const { return next_file_number_; }
  const std::optional<SequenceNumber>& last_sequence() const { return last_sequence_; }
  bool HasRequiredFields() const {
    return comparator_ && log_number_ && next_file_number_ && last_sequence_;
  }

  uint64_t file_size() const { return file_size_; }
  // Records read, whether they decoded or not.
  uint64_t records() const { return records_; }
  // Non-OK if an I/O error stopped reading.
  const Status& read_status() const { return read_status_; }
  // Bytes dropped in the middle of the file, where and why.
  const std::vector<wal::LogScanner::Damage>& damage() const { return damage_; }
  // Bytes after the last record, and whether they are a damaged record
  // rather than a torn tail (see wal::Reader::DamagedTail).
  uint64_t tail_bytes() const { return tail_bytes_; }
  bool damaged_tail() const { return damaged_tail_; }

 private:
  std::string name_;  // the MANIFEST's file name, for messages
  const Comparator* const expected_comparator_;
  VersionBuilder builder_;
  std::optional<std::string> comparator_;
  std::optional<uint64_t> log_number_;
  std::optional<uint64_t> next_file_number_;
  std::optional<SequenceNumber> last_sequence_;
  Status first_bad_edit_;  // rule 1

  uint64_t file_size_ = 0;
  uint64_t records_ = 0;
  Status read_status_;
  std::vector<wal::LogScanner::Damage> damage_;
  uint64_t tail_bytes_ = 0;
  bool damaged_tail_ = false;
};

}  // namespace strata

#endif  // STRATA_LSM_MANIFEST_REPLAYER_H_
