// Inspecting and repairing a database's files: what the `strata` tool's
// check, repair and *-dump commands are built on, for any program that needs
// to look into a database (or one of its files) below the key-value API.
//
//   CheckDB       reads every block of every table, the MANIFEST and the WALs,
//                 verifies every checksum and the key order, and lists each
//                 problem with the file and offset where it is.
//   RepairDB      rebuilds the MANIFEST from the tables and WALs present,
//                 verifying them as it reads, and moves what cannot be read
//                 aside into <db>/lost/.
//   DumpTable,    the structure and contents of one table, WAL or MANIFEST,
//   DumpLog,      as plain structures a caller prints as text or JSON.
//   DumpManifest
//
// Keys and values in these structures are the raw bytes; EscapeBytes
// (<strata/escape.h>, included here) makes them printable and UnescapeBytes
// reads them back.
//
// Not included by <strata/db.h>: the internal-key details here (sequence
// numbers, tombstones) are for programs that look below the key-value API.
//
// CheckDB and RepairDB lock the database like DB::Open (Busy if another DB
// has it open); the dumps only read and need no lock. The file formats are in
// docs/FORMAT.md.
//
// Thread-safety: the functions touch only their arguments and the files they
// name; the structures are plain values.

#ifndef STRATA_INSPECT_H_
#define STRATA_INSPECT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "strata/escape.h"
#include "strata/export.h"
#include "strata/options.h"
#include "strata/status.h"

namespace strata {

// ---------------------------------------------------------------------------
// Shared pieces

// Something wrong (or, in `notes`, worth knowing) in a file.
struct STRATA_EXPORT FileProblem {
  std::string file;     // the file's name (within the database directory)
  uint64_t offset = 0;  // byte offset where the damage is, or starts
  std::string message;
};

// An internal key, decoded: one version of a user key.
struct STRATA_EXPORT InternalKeyInfo {
  std::string user_key;
  uint64_t sequence = 0;
  bool deletion = false;  // a tombstone rather than a value
  // A range tombstone (DeleteRange): user_key is the range's begin and the
  // EntryInfo's value its end (exclusive).
  bool range_deletion = false;
};

// One entry of a table, or one update of a WAL record.
struct STRATA_EXPORT EntryInfo {
  InternalKeyInfo key;
  std::string value;  // empty for a deletion; the end for a range deletion
};

// ---------------------------------------------------------------------------
// CheckDB

struct STRATA_EXPORT CheckReport {
  // Damage and inconsistencies: a database with any is not healthy.
  std::vector<FileProblem> problems;
  // Not errors: a torn WAL tail left by a crash, files no version uses.
  std::vector<FileProblem> notes;

  uint64_t tables = 0;        // table files read
  uint64_t table_blocks = 0;  // blocks read from them, metadata included
  uint64_t table_entries = 0;
  uint64_t logs = 0;  // WAL files read
  uint64_t log_records = 0;
  uint64_t manifest_records = 0;
  uint64_t bytes_read = 0;  // in all the files above

  bool ok() const { return problems.empty(); }
};

// Reads every file of the database in `path` (options.file_system is used;
// the rest of options is ignored) and fills *report. Returns OK when the
// check ran, whatever it found (see report->ok()); NotFound if there is no
// database there, or the error that stopped the check (an I/O error listing
// the directory, say). A database a writer has open is checked beside it,
// without its lock: the result is kept only if no file was added or deleted
// while the check ran (a flush or compaction), else the check is run again;
// Busy if the writer changed its files during each of 10 attempts (over
// about a second).
STRATA_EXPORT Status CheckDB(const std::string& path, const Options& options, CheckReport* report);

// ---------------------------------------------------------------------------
// RepairDB

struct STRATA_EXPORT RepairReport {
  uint64_t tables_kept = 0;      // verified whole, kept as they are
  uint64_t tables_salvaged = 0;  // damaged: their readable blocks copied to a new table
  uint64_t tables_lost = 0;      // nothing readable: moved to lost/ whole
  uint64_t logs_converted = 0;   // WALs turned into tables
  uint64_t entries_kept = 0;     // entries in the repaired database's tables
  // Entries known lost: those of damaged blocks (from the table's own count)
  // and of WAL records that fail to decode. Damage can also hide how much
  // was there: see bytes_lost and the problems.
  uint64_t entries_lost = 0;
  uint64_t bytes_lost = 0;  // bytes of damaged blocks and WAL records skipped
  // No usable MANIFEST was found: every table was placed in level 0 and the
  // database fully compacted, so newer versions of a key shadow older ones.
  bool manifest_rebuilt_from_scratch = false;
  uint64_t new_manifest_number = 0;
  // Every file moved into lost/, with why (a file name within lost/).
  std::vector<FileProblem> moved;
  // The damage found, where it was.
  std::vector<FileProblem> problems;
};

// Rebuilds the database in `path` from the files present. Every table is
// read block by block with checksums verified: whole tables are kept,
// damaged ones are replaced by a table of their readable blocks, unreadable
// ones are moved to `path`/lost/. Every WAL is read, its undamaged records
// written to a table, and the WAL moved to lost/. A MANIFEST that reads back
// whole decides which tables belong to the database (and at which level);
// without one, every table found does. A new MANIFEST and CURRENT are
// written last, then the database is opened to check it. Files are moved,
// never deleted. Returns OK with *report filled in, Busy if the database is
// open elsewhere, NotFound if `path` does not exist, or the error that
// stopped the repair (the database is then as it was, but for files already
// moved to lost/).
STRATA_EXPORT Status RepairDB(const std::string& path, const Options& options,
                              RepairReport* report);

// ---------------------------------------------------------------------------
// Dumps

// Where a block of a table is: `size` counts its stored bytes, without the
// 5-byte trailer.
struct STRATA_EXPORT TableBlockInfo {
  uint64_t offset = 0;
  uint64_t size = 0;
};

// The properties a table records about itself (docs/FORMAT.md).
struct STRATA_EXPORT TablePropertiesInfo {
  uint64_t num_entries = 0;
  uint64_t num_deletions = 0;
  uint64_t num_data_blocks = 0;
  uint64_t raw_key_size = 0;
  uint64_t raw_value_size = 0;
  uint64_t data_size = 0;
  uint64_t index_size = 0;
  uint64_t filter_size = 0;
  uint64_t min_sequence = 0;
  uint64_t max_sequence = 0;
  std::string compression;   // "none", "snappy", "lz4" or "zstd"
  InternalKeyInfo smallest;  // meaningful when num_entries > 0
  InternalKeyInfo largest;
};

struct STRATA_EXPORT TableDump {
  std::string file;
  uint64_t file_size = 0;
  uint32_t format_version = 0;
  bool footer_ok = false;  // false: nothing else could be read
  TableBlockInfo metaindex;
  TableBlockInfo index;
  TableBlockInfo properties_block;
  std::optional<TableBlockInfo> filter;  // absent when the table has none
  // The range-deletion block (format version 2), absent when the table has
  // none, and its tombstones (key.range_deletion set, value the end).
  std::optional<TableBlockInfo> range_del_block;
  std::vector<EntryInfo> range_tombstones;
  std::optional<TablePropertiesInfo> properties;
  // One per data block, in file order: the index's separator key (>= every
  // key of the block, < every key of the next) and where the block is.
  std::vector<std::pair<InternalKeyInfo, TableBlockInfo>> index_entries;
  // Every entry of every readable data block, when asked for.
  std::vector<EntryInfo> entries;
  std::vector<FileProblem> problems;
};

// Reads the table file at `file` (through options.file_system), checking
// every block it reads. Data blocks are read, and their entries listed, only
// when with_entries is set. OK when the file could be read, with any damage
// found in dump->problems; otherwise the file's error (NotFound, IOError).
STRATA_EXPORT Status DumpTable(const std::string& file, const Options& options, bool with_entries,
                               TableDump* dump);

// One record of a WAL: a write batch.
struct STRATA_EXPORT LogRecordInfo {
  uint64_t offset = 0;  // where the record's first fragment starts
  uint64_t size = 0;    // bytes of the record (the encoded batch)
  uint64_t sequence = 0;
  uint32_t count = 0;              // updates the batch declares
  std::vector<EntryInfo> updates;  // with their sequence numbers
  std::string error;               // non-empty: not a valid write batch, and why
};

struct STRATA_EXPORT LogDump {
  std::string file;
  uint64_t file_size = 0;
  std::vector<LogRecordInfo> records;
  // Damage in the middle of the log (records lost).
  std::vector<FileProblem> problems;
  // Bytes after the last record that form none (a torn tail): not an error.
  uint64_t torn_tail_bytes = 0;
};

// Reads the WAL file at `file`. OK when it could be read, with damage in
// dump->problems; otherwise the file's error.
STRATA_EXPORT Status DumpLog(const std::string& file, const Options& options, LogDump* dump);

// A table file as a MANIFEST names it.
struct STRATA_EXPORT ManifestFileInfo {
  int level = 0;
  uint64_t number = 0;
  uint64_t size = 0;
  InternalKeyInfo smallest;
  InternalKeyInfo largest;
};

// One record of a MANIFEST: a version edit.
struct STRATA_EXPORT ManifestEditInfo {
  uint64_t offset = 0;
  std::optional<std::string> comparator;
  std::optional<uint64_t> log_number;
  std::optional<uint64_t> next_file_number;
  std::optional<uint64_t> last_sequence;
  std::vector<std::pair<int, uint64_t>> deleted_files;  // (level, file number)
  std::vector<ManifestFileInfo> new_files;
  std::string error;  // non-empty: the record does not decode, and why
};

struct STRATA_EXPORT ManifestDump {
  std::string file;
  uint64_t file_size = 0;
  std::vector<ManifestEditInfo> edits;
  // The state the edits add up to.
  std::string comparator;
  uint64_t log_number = 0;
  uint64_t next_file_number = 0;
  uint64_t last_sequence = 0;
  std::vector<ManifestFileInfo> files;  // by level, then as the level orders them
  std::vector<FileProblem> problems;
  uint64_t torn_tail_bytes = 0;
};

// Reads the MANIFEST that CURRENT names in the database directory `path`.
// OK when it could be read, with damage in dump->problems; NotFound without
// a CURRENT; Corruption if CURRENT is malformed or names a missing MANIFEST;
// otherwise the error reading CURRENT or the MANIFEST.
STRATA_EXPORT Status DumpManifest(const std::string& path, const Options& options,
                                  ManifestDump* dump);

// Reads the MANIFEST file at `file`, as DumpManifest.
STRATA_EXPORT Status DumpManifestFile(const std::string& file, const Options& options,
                                      ManifestDump* dump);

}  // namespace strata

#endif  // STRATA_INSPECT_H_
