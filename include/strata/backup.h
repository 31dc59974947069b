// BackupEngine: incremental backups of a database into a backup directory,
// and their verification and restoration. See docs/BACKUPS.md for where,
// when and how; docs/FORMAT.md ("Backup directory") for the layout.
//
// A backup is a consistent copy of a database as of CreateBackup (made
// through DB::CreateCheckpoint, so writes go on meanwhile). Tables are
// stored once in the directory's shared/ folder, named by file number, size
// and checksum, so consecutive backups of one database copy only the tables
// that are new since the last one. Each backup's metadata lists every file
// it needs with its size and XXH3-64 checksum; it is written to a temporary
// file, synced and renamed into place, so a crash leaves a backup complete or
// absent.
//
// Errors: Corruption names the damaged file (a flipped byte, a wrong size, a
// missing file); InvalidArgument for a restore into a non-empty directory or
// an unknown backup id.
//
// Thread-safety: a BackupEngine is used by one thread at a time. Open takes
// a lock on the backup directory (its LOCK file), so one engine at a time,
// in any process, uses a directory; Busy otherwise.

#ifndef STRATA_BACKUP_H_
#define STRATA_BACKUP_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "strata/db.h"
#include "strata/export.h"
#include "strata/file_system.h"
#include "strata/status.h"

namespace strata {

struct STRATA_EXPORT BackupInfo {
  uint32_t id = 0;         // 1, 2, ...: one more than the newest before it
  int64_t timestamp = 0;   // when it was made, in seconds since the Unix epoch
  uint64_t sequence = 0;   // the database's last sequence number it holds
  uint32_t num_files = 0;  // files it needs (tables, MANIFEST, CURRENT)
  uint64_t size = 0;       // bytes of those files, shared tables in full
  // Bytes this backup added to the directory when it was made (tables no
  // earlier backup had, and its MANIFEST and CURRENT): what an incremental
  // backup cost.
  uint64_t new_bytes = 0;
};

class STRATA_EXPORT BackupEngine {
 public:
  // Opens the backup directory backup_dir, creating it if missing, through
  // fs (nullptr: the real file system). Removes what an interrupted
  // CreateBackup left in its tmp/ folder.
  static Status Open(const std::string& backup_dir, std::unique_ptr<BackupEngine>* engine,
                     FileSystem* fs = nullptr);

  BackupEngine() = default;
  BackupEngine(const BackupEngine&) = delete;
  BackupEngine& operator=(const BackupEngine&) = delete;
  // Releases the directory's lock.
  virtual ~BackupEngine();

  // Backs db up as of the call. Stores the new backup's description in
  // *info if info is not null.
  virtual Status CreateBackup(DB* db, BackupInfo* info = nullptr) = 0;
  // The backups, oldest first. Corruption if a backup's metadata is damaged.
  virtual Status GetBackupInfo(std::vector<BackupInfo>* backups) = 0;
  // Rereads every file of backup id and compares its size and checksum with
  // the metadata: OK, or Corruption naming the first file that differs or is
  // missing. NotFound for an unknown id.
  virtual Status VerifyBackup(uint32_t id) = 0;
  // Verifies backup id, then writes it as a new database in db_dir, which
  // must not exist or be an empty directory. Refuses a damaged backup
  // (Corruption) and writes nothing then. The database is built beside
  // db_dir and renamed into place, so a crash leaves no partial db_dir.
  virtual Status RestoreBackup(uint32_t id, const std::string& db_dir) = 0;
  // Deletes all but the `keep` newest backups, then every shared table no
  // remaining backup uses.
  virtual Status PurgeOldBackups(uint32_t keep) = 0;
};

}  // namespace strata

#endif  // STRATA_BACKUP_H_
