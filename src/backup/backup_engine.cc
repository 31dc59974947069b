// The BackupEngine of <strata/backup.h>: incremental backups over
// DB::CreateCheckpoint. The directory layout and the metadata format are in
// docs/FORMAT.md ("Backup directory"); in short:
//
//   LOCK                     held while an engine has the directory open
//   shared/<number>-<size>-<xxh3>.sst   tables, one copy shared by backups
//   private/<id>/            the backup's MANIFEST and CURRENT
//   meta/<id>                the backup's metadata; its presence makes the
//                            backup exist
//   tmp/                     staging: a checkpoint, metadata being written
//
// Invariants:
//  1. Every file a meta/<id> lists exists, with the size and checksum it
//     records, unless damaged from outside (which VerifyBackup finds).
//  2. A meta/<id> is written last (temp file, sync, rename, directory sync),
//     after every file it lists is synced and its directory synced, so a
//     crash leaves the backup whole or without metadata; files without
//     metadata are garbage that PurgeOldBackups or the next CreateBackup of
//     the same id removes.
//  3. PurgeOldBackups removes the metadata before the files, for the same
//     reason.
//  4. A shared table's name includes its size and checksum, so two files are
//     shared only if their contents agree (as far as XXH3-64 tells).
//
// Thread-safety: one thread at a time (see the header); the directory lock
// keeps other engines out.

#include "strata/backup.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <set>
#include <string_view>

#include "lsm/filename.h"
#include "lsm/manifest_replayer.h"
#include "storage/file_util.h"
#include "util/checksum.h"

namespace strata {
namespace {

constexpr std::string_view kMetaMagic = "strata-backup 1";

struct BackupFile {
  std::string path;  // relative to the backup directory
  FileDigest digest;
};

struct BackupMeta {
  BackupInfo info;
  std::vector<BackupFile> files;
};

std::string Hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016" PRIx64, v);
  return buf;
}

bool ParseUint(std::string_view s, uint64_t* v, int base = 10) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *v, base);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool ParseInt(std::string_view s, int64_t* v) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && ptr == s.data() + s.size();
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  while (true) {
    size_t at = s.find(sep);
    parts.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return parts;
    s.remove_prefix(at + 1);
  }
}

std::string EncodeMeta(const BackupMeta& meta) {
  const BackupInfo& info = meta.info;
  std::string out(kMetaMagic);
  out += "\nid " + std::to_string(info.id);
  out += "\ntimestamp " + std::to_string(info.timestamp);
  out += "\nsequence " + std::to_string(info.sequence);
  out += "\nnew_bytes " + std::to_string(info.new_bytes);
  for (const BackupFile& f : meta.files) {
    out +=
        "\nfile " + f.path + " " + std::to_string(f.digest.size) + " " + Hex64(f.digest.checksum);
  }
  out += "\n";
  Checksum64 checksum;
  checksum.Update(out);
  out += "end " + Hex64(checksum.Digest()) + "\n";
  return out;
}

// Parses what EncodeMeta wrote; Corruption (naming `name`) otherwise.
Status DecodeMeta(std::string_view data, const std::string& name, BackupMeta* meta) {
  auto bad = [&](std::string_view why) { return Status::Corruption(name, why); };
  size_t end_at = data.rfind("\nend ");
  if (end_at == std::string_view::npos || data.back() != '\n') {
    return bad("backup metadata is truncated");
  }
  end_at++;  // past the newline that ends the last field
  Checksum64 checksum;
  checksum.Update(data.substr(0, end_at));
  uint64_t recorded;
  if (!ParseUint(data.substr(end_at + 4, data.size() - end_at - 5), &recorded, 16) ||
      recorded != checksum.Digest()) {
    return bad("backup metadata checksum mismatch");
  }
  std::vector<std::string_view> lines = Split(data.substr(0, end_at), '\n');
  if (lines.empty() || lines[0] != kMetaMagic) return bad("not backup metadata (bad first line)");
  *meta = BackupMeta();
  uint64_t v;
  int fields = 0;
  for (size_t i = 1; i < lines.size(); i++) {
    std::vector<std::string_view> w = Split(lines[i], ' ');
    if (w.size() == 1 && w[0].empty() && i + 1 == lines.size()) break;  // after the last \n
    if (w.size() == 2 && w[0] == "id" && ParseUint(w[1], &v) && v <= UINT32_MAX) {
      meta->info.id = static_cast<uint32_t>(v);
      fields++;
    } else if (w.size() == 2 && w[0] == "timestamp" && ParseInt(w[1], &meta->info.timestamp)) {
      fields++;
    } else if (w.size() == 2 && w[0] == "sequence" && ParseUint(w[1], &meta->info.sequence)) {
      fields++;
    } else if (w.size() == 2 && w[0] == "new_bytes" && ParseUint(w[1], &meta->info.new_bytes)) {
      fields++;
    } else if (w.size() == 4 && w[0] == "file") {
      BackupFile f{std::string(w[1]), {}};
      if (!ParseUint(w[2], &f.digest.size) || !ParseUint(w[3], &f.digest.checksum, 16) ||
          f.path.find("..") != std::string::npos) {
        return bad("bad file line in backup metadata");
      }
      meta->info.size += f.digest.size;
      meta->files.push_back(std::move(f));
    } else {
      return bad("unknown line in backup metadata");
    }
  }
  if (fields != 4) return bad("backup metadata lacks a field");
  meta->info.num_files = static_cast<uint32_t>(meta->files.size());
  return Status::OK();
}

std::string SharedTableName(uint64_t number, const FileDigest& digest) {
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%06" PRIu64 "-%" PRIu64 "-%s.sst", number, digest.size,
                Hex64(digest.checksum).c_str());
  return buf;
}

// The table number in a shared table's name; false if it is not one.
bool ParseSharedTableName(std::string_view name, uint64_t* number) {
  std::vector<std::string_view> parts = Split(name, '-');
  uint64_t ignored;
  return parts.size() == 3 && ParseUint(parts[0], number) && ParseUint(parts[1], &ignored) &&
         parts[2].size() == 16 + 4 && parts[2].substr(16) == ".sst" &&
         ParseUint(parts[2].substr(0, 16), &ignored, 16);
}

class BackupEngineImpl final : public BackupEngine {
 public:
  BackupEngineImpl(std::string dir, FileSystem* fs, std::unique_ptr<FileLock> lock)
      : dir_(std::move(dir)), fs_(fs), lock_(std::move(lock)) {}
  ~BackupEngineImpl() override { (void)fs_->UnlockFile(std::move(lock_)); }

  Status Init();
  Status CreateBackup(DB* db, BackupInfo* info) override;
  Status GetBackupInfo(std::vector<BackupInfo>* backups) override;
  Status VerifyBackup(uint32_t id) override;
  Status RestoreBackup(uint32_t id, const std::string& db_dir) override;
  Status PurgeOldBackups(uint32_t keep) override;

 private:
  std::string Path(std::string_view relative) const { return dir_ + "/" + std::string(relative); }
  std::string MetaPath(uint32_t id) const { return Path("meta/" + std::to_string(id)); }
  std::string PrivateDir(uint32_t id) const { return Path("private/" + std::to_string(id)); }
  // The ids that have metadata, ascending.
  Status ListIds(std::vector<uint32_t>* ids);
  Status ReadMeta(uint32_t id, BackupMeta* meta);
  Status WriteMeta(const BackupMeta& meta);
  // Moves the table at path into shared/ unless an equal one is there;
  // records it in *meta (and its bytes in new_bytes if copied).
  Status AddSharedTable(const std::string& path, uint64_t number, BackupMeta* meta);
  Status AddPrivateFile(const std::string& path, const std::string& name, BackupMeta* meta);

  const std::string dir_;
  FileSystem* const fs_;
  std::unique_ptr<FileLock> lock_;
};

Status BackupEngineImpl::Init() {
  Status s = RemoveTree(fs_, Path("tmp"));
  for (const char* sub : {"shared", "private", "meta", "tmp"}) {
    if (s.ok()) s = fs_->CreateDir(Path(sub));
  }
  if (s.ok()) s = fs_->SyncDir(dir_);
  return s;
}

Status BackupEngineImpl::ListIds(std::vector<uint32_t>* ids) {
  ids->clear();
  std::vector<std::string> names;
  Status s = fs_->GetChildren(Path("meta"), &names);
  if (!s.ok()) return s;
  for (const std::string& name : names) {
    uint64_t id;
    if (ParseUint(name, &id) && id > 0 && id <= UINT32_MAX)
      ids->push_back(static_cast<uint32_t>(id));
  }
  std::sort(ids->begin(), ids->end());
  return Status::OK();
}

Status BackupEngineImpl::ReadMeta(uint32_t id, BackupMeta* meta) {
  std::string data;
  Status s = ReadFileToString(fs_, MetaPath(id), &data);
  if (s.IsNotFound()) return Status::NotFound("no backup", std::to_string(id));
  if (!s.ok()) return s;
  s = DecodeMeta(data, MetaPath(id), meta);
  if (s.ok() && meta->info.id != id) s = Status::Corruption(MetaPath(id), "holds another id");
  return s;
}

Status BackupEngineImpl::WriteMeta(const BackupMeta& meta) {
  const std::string tmp = Path("tmp/meta-" + std::to_string(meta.info.id));
  Status s = WriteStringToFileSync(fs_, EncodeMeta(meta), tmp);
  if (s.ok()) s = fs_->RenameFile(tmp, MetaPath(meta.info.id));
  if (s.ok()) s = fs_->SyncDir(Path("meta"));
  return s;
}

Status BackupEngineImpl::AddSharedTable(const std::string& path, uint64_t number,
                                        BackupMeta* meta) {
  FileDigest digest;
  Status s = DigestFile(fs_, path, &digest);
  if (!s.ok()) return s;
  const std::string relative = "shared/" + SharedTableName(number, digest);
  meta->files.push_back({relative, digest});
  if (fs_->FileExists(Path(relative))) return Status::OK();  // shared with an earlier backup
  // Copied, not linked, even on one file system: a backup must not share
  // its bytes (and their damage) with the live database.
  const std::string tmp = Path("tmp/" + SharedTableName(number, digest));
  FileDigest copied;
  s = CopyFile(fs_, path, tmp, &copied);
  if (s.ok() && (copied.size != digest.size || copied.checksum != digest.checksum)) {
    s = Status::Corruption(path, "changed while being backed up");
  }
  if (s.ok()) s = fs_->RenameFile(tmp, Path(relative));
  if (s.ok()) meta->info.new_bytes += digest.size;
  return s;
}

Status BackupEngineImpl::AddPrivateFile(const std::string& path, const std::string& name,
                                        BackupMeta* meta) {
  const std::string relative = "private/" + std::to_string(meta->info.id) + "/" + name;
  FileDigest digest;
  Status s = CopyFile(fs_, path, Path(relative), &digest);
  if (!s.ok()) return s;
  meta->files.push_back({relative, digest});
  meta->info.new_bytes += digest.size;
  return Status::OK();
}

Status BackupEngineImpl::CreateBackup(DB* db, BackupInfo* info) {
  std::vector<uint32_t> ids;
  Status s = ListIds(&ids);
  if (!s.ok()) return s;
  BackupMeta meta;
  meta.info.id = ids.empty() ? 1 : ids.back() + 1;
  meta.info.timestamp = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  const std::string checkpoint = Path("tmp/checkpoint");
  s = RemoveTree(fs_, checkpoint);
  if (s.ok()) s = db->CreateCheckpoint(checkpoint);
  if (!s.ok()) return s;

  std::string manifest;
  uint64_t manifest_number;
  // Only the last sequence is read, so any key order will do.
  ManifestReplayer replayer(/*comparator=*/nullptr);
  s = ReadCurrentFile(fs_, checkpoint, &manifest, &manifest_number);
  if (s.ok()) s = replayer.Replay(fs_, checkpoint + "/" + manifest);
  if (s.ok()) s = replayer.RecoveryStatus();
  if (!s.ok()) return s;
  meta.info.sequence = *replayer.last_sequence();

  // Whatever a crash left under this id (files without metadata).
  s = RemoveTree(fs_, PrivateDir(meta.info.id));
  if (s.ok()) s = fs_->CreateDir(PrivateDir(meta.info.id));
  std::vector<std::string> names;
  if (s.ok()) s = fs_->GetChildren(checkpoint, &names);
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    if (!s.ok()) break;
    uint64_t number;
    FileType type;
    if (!ParseFileName(name, &number, &type)) continue;
    const std::string path = checkpoint + "/" + name;
    if (type == FileType::kTable) {
      s = AddSharedTable(path, number, &meta);
    } else if (type == FileType::kManifest || type == FileType::kCurrent) {
      s = AddPrivateFile(path, name, &meta);
    }
  }
  for (const char* sub : {"shared", "private"}) {
    if (s.ok()) s = fs_->SyncDir(Path(sub));
  }
  if (s.ok()) s = fs_->SyncDir(PrivateDir(meta.info.id));
  if (s.ok()) s = WriteMeta(meta);
  (void)RemoveTree(fs_, checkpoint);
  if (!s.ok()) return s;
  meta.info.num_files = static_cast<uint32_t>(meta.files.size());
  for (const BackupFile& f : meta.files) meta.info.size += f.digest.size;
  if (info != nullptr) *info = meta.info;
  return Status::OK();
}

Status BackupEngineImpl::GetBackupInfo(std::vector<BackupInfo>* backups) {
  backups->clear();
  std::vector<uint32_t> ids;
  Status s = ListIds(&ids);
  for (uint32_t id : ids) {
    if (!s.ok()) break;
    BackupMeta meta;
    s = ReadMeta(id, &meta);
    if (s.ok()) backups->push_back(meta.info);
  }
  return s;
}

Status BackupEngineImpl::VerifyBackup(uint32_t id) {
  BackupMeta meta;
  Status s = ReadMeta(id, &meta);
  if (!s.ok()) return s;
  for (const BackupFile& f : meta.files) {
    FileDigest digest;
    s = DigestFile(fs_, Path(f.path), &digest);
    if (s.IsNotFound()) return Status::Corruption(Path(f.path), "missing");
    if (!s.ok()) return s;
    if (digest.size != f.digest.size) {
      return Status::Corruption(Path(f.path), "size " + std::to_string(digest.size) +
                                                  ", metadata says " +
                                                  std::to_string(f.digest.size));
    }
    if (digest.checksum != f.digest.checksum) {
      return Status::Corruption(Path(f.path), "checksum mismatch");
    }
  }
  return Status::OK();
}

Status BackupEngineImpl::RestoreBackup(uint32_t id, const std::string& db_dir) {
  if (db_dir.empty()) return Status::InvalidArgument("restore directory", "empty name");
  bool replace_empty_dir = false;
  if (fs_->FileExists(db_dir)) {
    std::vector<std::string> names;
    Status s = fs_->GetChildren(db_dir, &names);
    if (!s.ok()) return s;
    if (!names.empty()) return Status::InvalidArgument(db_dir, "is not empty");
    replace_empty_dir = true;
  }
  Status s = VerifyBackup(id);
  if (!s.ok()) return s;
  BackupMeta meta;
  s = ReadMeta(id, &meta);
  if (!s.ok()) return s;

  // Built beside db_dir and renamed into place. CURRENT is copied last, so
  // the staging directory opens as a database only once complete.
  const std::string staging = db_dir + ".strata-restore-tmp";
  s = RemoveTree(fs_, staging);
  if (s.ok()) s = fs_->CreateDir(staging);
  std::stable_partition(meta.files.begin(), meta.files.end(), [](const BackupFile& f) {
    return f.path.size() < 8 || f.path.compare(f.path.size() - 8, 8, "/CURRENT") != 0;
  });
  for (const BackupFile& f : meta.files) {
    if (!s.ok()) break;
    std::string name = f.path.substr(f.path.rfind('/') + 1);
    uint64_t number;
    if (f.path.compare(0, 7, "shared/") == 0) {
      if (!ParseSharedTableName(name, &number)) {
        s = Status::Corruption(MetaPath(id), "bad shared table name " + name);
        break;
      }
      name = TableFileName("", number).substr(1);
    }
    // Every other file is synced, and so is its name, before CURRENT exists.
    if (name == "CURRENT") s = fs_->SyncDir(staging);
    FileDigest copied;
    if (s.ok()) s = CopyFile(fs_, Path(f.path), staging + "/" + name, &copied);
    if (s.ok() && (copied.size != f.digest.size || copied.checksum != f.digest.checksum)) {
      s = Status::Corruption(Path(f.path), "changed during the restore");
    }
  }
  if (s.ok()) s = fs_->SyncDir(staging);
  if (s.ok() && replace_empty_dir) s = fs_->RemoveDir(db_dir);
  if (s.ok()) s = fs_->RenameDir(staging, db_dir);
  if (!s.ok()) {
    (void)RemoveTree(fs_, staging);
    return s;
  }
  size_t slash = db_dir.find_last_not_of('/');
  slash = slash == std::string::npos ? std::string::npos : db_dir.rfind('/', slash);
  return fs_->SyncDir(slash == std::string::npos ? "."
                      : slash == 0               ? "/"
                                                 : db_dir.substr(0, slash));
}

Status BackupEngineImpl::PurgeOldBackups(uint32_t keep) {
  std::vector<uint32_t> ids;
  Status s = ListIds(&ids);
  if (!s.ok()) return s;
  const size_t remove = ids.size() > keep ? ids.size() - keep : 0;
  for (size_t i = 0; i < remove; i++) {
    s = fs_->RemoveFile(MetaPath(ids[i]));  // first: the backup is gone once this is
    if (s.ok()) s = fs_->SyncDir(Path("meta"));
    if (!s.ok()) return s;
  }
  // Collect what the remaining backups use; remove the rest, including what
  // a crash left without metadata.
  std::set<std::string> used;
  std::set<std::string> kept_ids;
  for (size_t i = remove; i < ids.size(); i++) {
    BackupMeta meta;
    s = ReadMeta(ids[i], &meta);
    if (!s.ok()) return s;  // never delete tables a backup we cannot read may use
    for (const BackupFile& f : meta.files) used.insert(f.path);
    kept_ids.insert(std::to_string(ids[i]));
  }
  std::vector<std::string> names;
  s = fs_->GetChildren(Path("private"), &names);
  for (const std::string& name : names) {
    if (s.ok() && kept_ids.count(name) == 0) s = RemoveTree(fs_, Path("private/" + name));
  }
  if (s.ok()) s = fs_->GetChildren(Path("shared"), &names);
  for (const std::string& name : names) {
    if (s.ok() && used.count("shared/" + name) == 0) s = fs_->RemoveFile(Path("shared/" + name));
  }
  if (s.ok()) s = fs_->SyncDir(Path("shared"));
  if (s.ok()) s = fs_->SyncDir(Path("private"));
  return s;
}

}  // namespace

BackupEngine::~BackupEngine() = default;

Status BackupEngine::Open(const std::string& backup_dir, std::unique_ptr<BackupEngine>* engine,
                          FileSystem* fs) {
  engine->reset();
  if (backup_dir.empty()) return Status::InvalidArgument("backup directory", "empty name");
  if (fs == nullptr) fs = DefaultFileSystem();
  Status s = fs->CreateDir(backup_dir);
  std::unique_ptr<FileLock> lock;
  if (s.ok()) s = fs->LockFile(backup_dir + "/LOCK", &lock);
  if (!s.ok()) return s;
  auto impl = std::make_unique<BackupEngineImpl>(backup_dir, fs, std::move(lock));
  s = impl->Init();
  if (s.ok()) *engine = std::move(impl);
  return s;
}

}  // namespace strata
