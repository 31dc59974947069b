// Helpers shared by the inspection functions; see inspect_util.h.

#include "inspect/inspect_util.h"

#include <algorithm>

#include "util/internal_key.h"

namespace strata {

std::string BaseName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

InternalKeyInfo DecodeKeyInfo(std::string_view internal_key) {
  InternalKeyInfo info;
  ParsedInternalKey parsed;
  if (!ParseInternalKeyOrRangeDeletion(internal_key, &parsed)) {
    info.user_key.assign(internal_key);
    return info;
  }
  info.user_key.assign(parsed.user_key);
  info.sequence = parsed.sequence;
  info.deletion = parsed.type == kTypeDeletion;
  info.range_deletion = parsed.type == kTypeRangeDeletion;
  return info;
}

Status ListDbFiles(FileSystem* fs, const std::string& path, std::vector<DbFile>* files) {
  files->clear();
  std::vector<std::string> names;
  Status s = fs->GetChildren(path, &names);
  if (!s.ok()) return Status::NotFound(path, "no database directory there");
  for (auto& name : names) {
    DbFile f;
    if (!ParseFileName(name, &f.number, &f.type)) continue;
    f.name = std::move(name);
    files->push_back(std::move(f));
  }
  std::sort(files->begin(), files->end(), [](const DbFile& a, const DbFile& b) {
    if (a.type != b.type) return a.type < b.type;
    return a.number < b.number;
  });
  return Status::OK();
}

Status DbLock::Acquire(FileSystem* fs, const std::string& path) {
  Release();
  Status s = fs->LockFile(LockFileName(path), &lock_);
  if (s.IsBusy()) {
    return Status::Busy(path, "the database is open in another process (or DB); close it first");
  }
  if (s.ok()) fs_ = fs;
  return s;
}

void DbLock::Release() {
  if (lock_ != nullptr) (void)fs_->UnlockFile(std::move(lock_));
}

Status ListAndLockDb(FileSystem* fs, const std::string& path, std::vector<DbFile>* files,
                     DbLock* lock) {
  Status s = ListDbFiles(fs, path, files);
  if (!s.ok()) return s;
  if (files->empty()) return Status::NotFound(path, "not a database (no database files there)");
  return lock->Acquire(fs, path);
}

}  // namespace strata
