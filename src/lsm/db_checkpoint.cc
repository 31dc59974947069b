// DB::CreateCheckpoint: an openable copy of a live database in a new
// directory.
//
// The steps, and the failure each prevents:
//  1. Flush. The copy then needs no WAL: every write acknowledged before the
//     call is in a table. Copying the live WAL instead would race with the
//     write leader appending to it without the DB mutex, and could catch a
//     partial record at its end, which a strict WAL recovery mode refuses.
//  2. Pin the current Version (a shared_ptr) and encode a MANIFEST snapshot
//     of it under the DB mutex. While the pin is held, no compaction can
//     delete a table it names (VersionSet::LiveFiles counts every live
//     version), and the version is a consistent prefix of the writes:
//     memtables are flushed oldest first, so its tables hold every write up
//     to some sequence number and none after.
//  3. Without the mutex: hard-link each table into the staging directory, or
//     copy it (and sync the copy) when linking fails (another device, a file
//     system without links); write and sync the MANIFEST; sync the staging
//     directory; only then write CURRENT (temp file, sync, rename, sync).
//  4. Rename the staging directory to `dir` and sync `dir`'s parent.
//
// The staging directory is `dir` + kCheckpointTempSuffix, and the database
// is built in its subdirectory "db", which step 4 renames to `dir`. So the
// staging directory itself never holds CURRENT and never opens as a database,
// and the database in it has CURRENT only once everything it names is
// durable. The next checkpoint to the same `dir` removes a leftover one.
//
// Thread-safety: safe to call from any thread, concurrently with writes,
// flushes, compactions and other checkpoints (to different directories).

#include <string>
#include <vector>

#include "lsm/db_impl.h"
#include "lsm/filename.h"
#include "storage/file_util.h"
#include "util/sync_point.h"
#include "wal/log_writer.h"

namespace strata {
namespace {

constexpr char kCheckpointTempSuffix[] = ".strata-checkpoint-tmp";

std::string ParentDir(const std::string& path) {
  size_t slash = path.find_last_not_of('/');
  slash = slash == std::string::npos ? std::string::npos : path.rfind('/', slash);
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Writes a MANIFEST holding the one record `record` to path, synced.
Status WriteManifest(FileSystem* fs, const std::string& path, const std::string& record) {
  std::unique_ptr<WritableFile> file;
  Status s = fs->NewWritableFile(path, &file);
  if (!s.ok()) return s;
  wal::Writer log(file.get());
  s = log.AddRecord(record);
  if (s.ok()) s = file->Sync();
  Status close = file->Close();
  return s.ok() ? close : s;
}

}  // namespace

Status DB::CreateCheckpoint(const std::string& dir) {
  return Status::NotSupported("CreateCheckpoint", dir);
}

Status DBImpl::CreateCheckpoint(const std::string& dir) {
  if (dir.empty()) return Status::InvalidArgument("checkpoint directory", "empty name");
  if (fs_->FileExists(dir)) return Status::InvalidArgument(dir, "exists (a checkpoint makes it)");
  const std::string staging = dir + kCheckpointTempSuffix;
  const std::string db_dir = staging + "/db";
  Status s = RemoveTree(fs_, staging);  // left by a crash during an earlier checkpoint
  if (s.ok()) s = fs_->CreateDir(staging);
  if (s.ok()) s = fs_->CreateDir(db_dir);
  if (s.ok()) s = Flush();
  if (!s.ok()) return s;

  std::shared_ptr<const Version> version;
  std::string manifest_record;
  uint64_t manifest_number;
  {
    MutexLock lock(&mutex_);
    version = versions_->current();
    manifest_number =
        versions_->NewFileNumber();  // after this, so the record's next number is above it
    manifest_record = versions_->SnapshotRecord(*version);
  }
  TEST_SYNC_POINT("DBImpl::CreateCheckpoint:Pinned");

  for (int level = 0; level < kNumLevels && s.ok(); level++) {
    for (const auto& f : version->files(level)) {
      const std::string src = TableFileName(dbname_, f->number);
      const std::string dst = TableFileName(db_dir, f->number);
      if (!fs_->LinkFile(src, dst).ok()) s = CopyFile(fs_, src, dst);
      if (!s.ok()) break;
    }
  }
  if (s.ok()) s = WriteManifest(fs_, ManifestFileName(db_dir, manifest_number), manifest_record);
  if (s.ok()) s = fs_->SyncDir(db_dir);
  if (s.ok()) s = SetCurrentFile(fs_, db_dir, manifest_number);
  TEST_SYNC_POINT("DBImpl::CreateCheckpoint:BeforeRename");
  if (s.ok()) s = fs_->RenameDir(db_dir, dir);
  if (!s.ok()) {
    (void)RemoveTree(fs_, staging);
    return s;
  }
  // From here `dir` is complete; an error means its name may not survive a
  // power loss, and is returned for that reason.
  s = fs_->SyncDir(ParentDir(dir));
  // Only tidying: a leftover empty staging directory is harmless, and the
  // next checkpoint to `dir` would remove it.
  if (s.ok() && fs_->SyncDir(staging).ok()) (void)fs_->RemoveDir(staging);
  return s;
}

}  // namespace strata
