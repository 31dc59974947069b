// FaultInjectionFileSystem: see the header for the durability model, its
// invariants and the thread-safety contract.

#include "storage/fault_injection_file_system.h"

#include <algorithm>
#include <utility>

namespace strata {
namespace {

// Splits path into its directory ("." if none) and the name within it.
std::pair<std::string, std::string> SplitPath(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return {".", path};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

// Reads at most limit bytes from the start of path through fs.
Status ReadPrefix(FileSystem* fs, const std::string& path, uint64_t limit, std::string* data) {
  data->clear();
  std::unique_ptr<SequentialFile> file;
  Status s = fs->NewSequentialFile(path, &file);
  if (!s.ok()) return s;
  constexpr size_t kChunk = 64 * 1024;
  std::string scratch(kChunk, '\0');
  while (data->size() < limit) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, limit - data->size()));
    std::string_view chunk;
    s = file->Read(n, &chunk, scratch.data());
    if (!s.ok()) return s;
    if (chunk.empty()) break;
    data->append(chunk);
  }
  return Status::OK();
}

// Replaces path's contents with data, durably, through fs.
Status WriteDurably(FileSystem* fs, const std::string& path, std::string_view data) {
  std::unique_ptr<WritableFile> file;
  Status s = fs->NewWritableFile(path, &file);
  if (s.ok()) s = file->Append(data);
  if (s.ok()) s = file->Sync();
  Status c = file != nullptr ? file->Close() : Status::OK();
  return s.ok() ? c : s;
}

}  // namespace

class FaultInjectionFileSystem::FaultSequentialFile final : public SequentialFile {
 public:
  FaultSequentialFile(FaultInjectionFileSystem* fs, std::unique_ptr<SequentialFile> base)
      : fs_(fs), base_(std::move(base)) {}

  Status Read(size_t n, std::string_view* result, char* scratch) override {
    Status s = fs_->CountAndCheck(kRead, "read");
    if (!s.ok()) return s;
    return base_->Read(n, result, scratch);
  }
  Status Skip(uint64_t n) override { return base_->Skip(n); }

 private:
  FaultInjectionFileSystem* const fs_;
  const std::unique_ptr<SequentialFile> base_;
};

class FaultInjectionFileSystem::FaultRandomAccessFile final : public RandomAccessFile {
 public:
  FaultRandomAccessFile(FaultInjectionFileSystem* fs, std::unique_ptr<RandomAccessFile> base)
      : fs_(fs), base_(std::move(base)) {}

  Status Read(uint64_t offset, size_t n, std::string_view* result, char* scratch) const override {
    Status s = fs_->CountAndCheck(kRead, "read");
    if (!s.ok()) return s;
    return base_->Read(offset, n, result, scratch);
  }

 private:
  FaultInjectionFileSystem* const fs_;
  const std::unique_ptr<RandomAccessFile> base_;
};

class FaultInjectionFileSystem::FaultWritableFile final : public WritableFile {
 public:
  FaultWritableFile(FaultInjectionFileSystem* fs, std::string path,
                    std::unique_ptr<WritableFile> base, std::shared_ptr<FileState> state)
      : fs_(fs), path_(std::move(path)), base_(std::move(base)), state_(std::move(state)) {}

  Status Append(std::string_view data) override {
    Status s = fs_->CheckWrite("append", path_);
    if (!s.ok()) return s;
    std::string corrupted;
    if (fs_->MaybeCorrupt(data, &corrupted)) data = corrupted;
    s = base_->Append(data);
    if (!s.ok()) return s;
    MutexLock lock(&fs_->mu_);
    state_->size += data.size();
    return Status::OK();
  }

  Status Flush() override {
    Status s = fs_->CheckWrite("flush", path_);
    if (!s.ok()) return s;
    return base_->Flush();
  }

  Status Sync() override {
    Status s = fs_->CountAndCheck(kSync, "sync");
    if (!s.ok()) return s;
    // One thread uses this file, so no Append runs during the sync and the
    // size read afterwards is exactly what the sync covered.
    s = base_->Sync();
    if (!s.ok()) return s;
    MutexLock lock(&fs_->mu_);
    state_->synced = state_->size;
    return Status::OK();
  }

  Status Close() override { return base_->Close(); }

 private:
  FaultInjectionFileSystem* const fs_;
  const std::string path_;  // as created (for FailWithNoSpace's filter)
  const std::unique_ptr<WritableFile> base_;
  const std::shared_ptr<FileState> state_;  // fields guarded by fs_->mu_
};

FaultInjectionFileSystem::FaultInjectionFileSystem(FileSystem* base) : base_(base) {}

FaultInjectionFileSystem::~FaultInjectionFileSystem() = default;

// ---------------------------------------------------------------------------
// Power loss

Status FaultInjectionFileSystem::DropUnsyncedData() {
  MutexLock lock(&mu_);
  for (auto& [path, state] : files_) {
    if (state->size == state->synced || !base_->FileExists(path)) continue;
    std::string durable;
    Status s = ReadPrefix(base_, path, state->synced, &durable);
    if (s.ok()) s = WriteDurably(base_, path, durable);
    if (!s.ok()) return s;
    state->size = state->synced;
  }
  return Status::OK();
}

Status FaultInjectionFileSystem::DeleteFilesCreatedAfterLastDirSync() {
  MutexLock lock(&mu_);
  for (auto& [dir, changes] : dir_changes_) {
    for (auto& [name, contents] : changes) {
      const std::string path = dir + "/" + name;
      Status s;
      if (contents.has_value()) {
        s = WriteDurably(base_, path, *contents);
      } else if (base_->FileExists(path)) {
        s = base_->RemoveFile(path);
      }
      if (!s.ok()) return s;
      files_.erase(path);  // now durable in full, or absent
    }
  }
  dir_changes_.clear();
  for (auto it = dir_renames_.rbegin(); it != dir_renames_.rend(); ++it) {
    const auto& [src, target] = *it;
    Status s = base_->RenameDir(target, src);
    if (!s.ok()) return s;
    MoveTracking(target, src);
  }
  dir_renames_.clear();
  return Status::OK();
}

void FaultInjectionFileSystem::MoveTracking(const std::string& src, const std::string& target) {
  const std::string prefix = src + "/";
  auto moved = [&](const std::string& path) -> std::optional<std::string> {
    if (path == src) return target;
    if (path.compare(0, prefix.size(), prefix) == 0) return target + path.substr(src.size());
    return std::nullopt;
  };
  std::map<std::string, std::shared_ptr<FileState>> files;
  for (auto& [path, state] : files_) files[moved(path).value_or(path)] = std::move(state);
  files_ = std::move(files);
  std::map<std::string, std::map<std::string, std::optional<std::string>>> changes;
  for (auto& [dir, names] : dir_changes_) changes[moved(dir).value_or(dir)] = std::move(names);
  dir_changes_ = std::move(changes);
}

Status FaultInjectionFileSystem::SimulatePowerLoss() {
  Status s = DropUnsyncedData();
  if (s.ok()) s = DeleteFilesCreatedAfterLastDirSync();
  if (!s.ok()) return s;
  MutexLock lock(&mu_);
  files_.clear();
  return Status::OK();
}

Status FaultInjectionFileSystem::DurableContents(const std::string& path,
                                                 std::optional<std::string>* contents) {
  contents->reset();
  if (!base_->FileExists(path)) return Status::OK();
  uint64_t limit = UINT64_MAX;
  auto it = files_.find(path);
  if (it != files_.end()) limit = it->second->synced;
  std::string data;
  Status s = ReadPrefix(base_, path, limit, &data);
  if (s.ok()) *contents = std::move(data);
  return s;
}

Status FaultInjectionFileSystem::RecordChange(const std::string& path) {
  auto [dir, name] = SplitPath(path);
  auto& changes = dir_changes_[dir];
  if (changes.count(name) != 0) return Status::OK();
  std::optional<std::string> contents;
  Status s = DurableContents(path, &contents);
  if (s.ok()) changes.emplace(name, std::move(contents));
  return s;
}

// ---------------------------------------------------------------------------
// Injected faults

void FaultInjectionFileSystem::FailOperation(Operation op, uint64_t nth, bool sticky) {
  MutexLock lock(&mu_);
  failures_[op] = PendingFailure{true, sticky, counts_[op] + nth};
}

void FaultInjectionFileSystem::FailWithNoSpace(bool on, std::string path_contains) {
  MutexLock lock(&mu_);
  no_space_ = on;
  no_space_filter_ = std::move(path_contains);
}

void FaultInjectionFileSystem::CorruptWrites(double probability, uint64_t seed) {
  MutexLock lock(&mu_);
  corrupt_probability_ = probability;
  rng_.seed(seed);
}

void FaultInjectionFileSystem::ClearFaults() {
  MutexLock lock(&mu_);
  for (auto& failure : failures_) failure = PendingFailure{};
  no_space_ = false;
  corrupt_probability_ = 0;
}

uint64_t FaultInjectionFileSystem::OperationCount(Operation op) const {
  MutexLock lock(&mu_);
  return counts_[op];
}

Status FaultInjectionFileSystem::CountAndCheck(Operation op, std::string_view what) {
  MutexLock lock(&mu_);
  return CountAndCheckLocked(op, what);
}

Status FaultInjectionFileSystem::CountAndCheckLocked(Operation op, std::string_view what) {
  uint64_t count = ++counts_[op];
  PendingFailure& failure = failures_[op];
  if (!failure.armed || count < failure.at) return Status::OK();
  if (!failure.sticky) {
    if (count > failure.at) return Status::OK();
    failure.armed = false;
  }
  return Status::IOError("injected", what);
}

Status FaultInjectionFileSystem::CheckWrite(std::string_view what, const std::string& path) {
  MutexLock lock(&mu_);
  if (no_space_ && path.find(no_space_filter_) != std::string::npos) {
    return Status::NoSpace("injected", what);
  }
  return CountAndCheckLocked(kWrite, what);
}

bool FaultInjectionFileSystem::MaybeCorrupt(std::string_view data, std::string* corrupted) {
  MutexLock lock(&mu_);
  if (corrupt_probability_ <= 0 || data.empty()) return false;
  if (std::uniform_real_distribution<double>(0, 1)(rng_) >= corrupt_probability_) return false;
  uint64_t bit = std::uniform_int_distribution<uint64_t>(0, data.size() * 8 - 1)(rng_);
  corrupted->assign(data);
  (*corrupted)[bit / 8] = static_cast<char>((*corrupted)[bit / 8] ^ (1 << (bit % 8)));
  return true;
}

// ---------------------------------------------------------------------------
// FileSystem

Status FaultInjectionFileSystem::NewSequentialFile(const std::string& path,
                                                   std::unique_ptr<SequentialFile>* result) {
  std::unique_ptr<SequentialFile> file;
  Status s = base_->NewSequentialFile(path, &file);
  if (!s.ok()) return s;
  *result = std::make_unique<FaultSequentialFile>(this, std::move(file));
  return Status::OK();
}

Status FaultInjectionFileSystem::NewRandomAccessFile(const std::string& path,
                                                     std::unique_ptr<RandomAccessFile>* result) {
  std::unique_ptr<RandomAccessFile> file;
  Status s = base_->NewRandomAccessFile(path, &file);
  if (!s.ok()) return s;
  *result = std::make_unique<FaultRandomAccessFile>(this, std::move(file));
  return Status::OK();
}

Status FaultInjectionFileSystem::NewWritableFile(const std::string& path,
                                                 std::unique_ptr<WritableFile>* result) {
  MutexLock lock(&mu_);
  Status s = CountAndCheckLocked(kCreate, path);
  if (!s.ok()) return s;
  // An existing name is already durable in its directory (simplification 4).
  if (!base_->FileExists(path)) s = RecordChange(path);
  if (!s.ok()) return s;
  std::unique_ptr<WritableFile> file;
  s = base_->NewWritableFile(path, &file);
  if (!s.ok()) return s;
  auto state = std::make_shared<FileState>();
  files_[path] = state;
  *result = std::make_unique<FaultWritableFile>(this, path, std::move(file), std::move(state));
  return Status::OK();
}

bool FaultInjectionFileSystem::FileExists(const std::string& path) {
  return base_->FileExists(path);
}

Status FaultInjectionFileSystem::GetChildren(const std::string& dir,
                                             std::vector<std::string>* names) {
  return base_->GetChildren(dir, names);
}

Status FaultInjectionFileSystem::GetFileSize(const std::string& path, uint64_t* size) {
  return base_->GetFileSize(path, size);
}

Status FaultInjectionFileSystem::RemoveFile(const std::string& path) {
  MutexLock lock(&mu_);
  Status s = CountAndCheckLocked(kRemove, path);
  if (!s.ok()) return s;
  s = base_->RemoveFile(path);
  if (s.ok()) files_.erase(path);
  return s;
}

Status FaultInjectionFileSystem::RenameFile(const std::string& src, const std::string& target) {
  MutexLock lock(&mu_);
  Status s = CountAndCheckLocked(kRename, src);
  if (!s.ok()) return s;
  if (!base_->FileExists(src)) return base_->RenameFile(src, target);  // the base's error
  s = RecordChange(src);
  if (s.ok()) s = RecordChange(target);
  if (s.ok()) s = base_->RenameFile(src, target);
  if (!s.ok()) return s;
  auto it = files_.find(src);
  if (it == files_.end()) {
    files_.erase(target);  // src was untracked: durable in full
  } else {
    files_[target] = std::move(it->second);
    files_.erase(it);
  }
  return Status::OK();
}

Status FaultInjectionFileSystem::CreateDir(const std::string& dir) { return base_->CreateDir(dir); }

Status FaultInjectionFileSystem::RemoveDir(const std::string& dir) { return base_->RemoveDir(dir); }

Status FaultInjectionFileSystem::LinkFile(const std::string& src, const std::string& target) {
  MutexLock lock(&mu_);
  Status s = CountAndCheckLocked(kCreate, target);
  if (!s.ok()) return s;
  if (base_->FileExists(target)) return base_->LinkFile(src, target);  // the base's error
  s = RecordChange(target);
  if (s.ok()) s = base_->LinkFile(src, target);
  return s;
}

Status FaultInjectionFileSystem::RenameDir(const std::string& src, const std::string& target) {
  MutexLock lock(&mu_);
  Status s = CountAndCheckLocked(kRename, src);
  if (!s.ok()) return s;
  s = base_->RenameDir(src, target);
  if (!s.ok()) return s;
  MoveTracking(src, target);
  dir_renames_.emplace_back(src, target);
  return Status::OK();
}

Status FaultInjectionFileSystem::SyncDir(const std::string& dir) {
  MutexLock lock(&mu_);
  Status s = CountAndCheckLocked(kSync, dir);
  if (!s.ok()) return s;
  s = base_->SyncDir(dir);
  if (!s.ok()) return s;
  dir_changes_.erase(dir);
  std::erase_if(dir_renames_,
                [&](const auto& rename) { return SplitPath(rename.second).first == dir; });
  return s;
}

Status FaultInjectionFileSystem::SyncFile(const std::string& path) {
  MutexLock lock(&mu_);
  Status s = CountAndCheckLocked(kSync, path);
  if (!s.ok()) return s;
  s = base_->SyncFile(path);
  if (!s.ok()) return s;
  auto it = files_.find(path);
  if (it != files_.end()) it->second->synced = it->second->size;
  return s;
}

Status FaultInjectionFileSystem::LockFile(const std::string& path,
                                          std::unique_ptr<FileLock>* lock) {
  return base_->LockFile(path, lock);
}

Status FaultInjectionFileSystem::UnlockFile(std::unique_ptr<FileLock> lock) {
  return base_->UnlockFile(std::move(lock));
}

}  // namespace strata
