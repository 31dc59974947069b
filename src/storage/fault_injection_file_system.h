// FaultInjectionFileSystem: a FileSystem for tests that does what real disks
// rarely do on demand: loses what was not made durable, fails chosen
// operations, runs out of space, and flips bits.
//
// It wraps a base FileSystem (normally DefaultFileSystem()) and passes every
// call through, while tracking durability:
//   1. A file created through NewWritableFile is tracked by path: `size` is
//      the bytes appended so far, `synced` the prefix a successful Sync made
//      durable (Flush hands data to the OS but does not make it durable).
//      synced <= size always. An untracked file (one that existed before, or
//      one restored by a power loss) is durable in full.
//   2. Each directory keeps the names changed since its last SyncDir, each
//      with its durable state as of then: absent, or the contents it had. A
//      name is recorded the first time it changes (created by NewWritableFile
//      or as a rename's target; removed as a rename's source) and forgotten
//      when its directory is synced, so a second change before that sync
//      keeps the first record.
//   3. RenameFile moves a file's tracking to the target path, so an open
//      WritableFile keeps tracking the same file under its new name.
//   4. LinkFile records its new name like a created file (absent until its
//      directory is synced); the name shares the source's contents.
//   5. RenameDir moves the tracking of everything under the directory to the
//      new path, and is itself undone by a power loss until the target's
//      parent directory is synced (the source's parent is assumed synced
//      with it, as it is when both are one directory).
//   6. Simplifications: truncating an existing file by NewWritableFile, and
//      RemoveFile of a name not recorded by (2), are durable at once; the
//      creation and removal of directories (CreateDir, RemoveDir) are not
//      tracked.
//
// SimulatePowerLoss() then rewinds the files to what a machine would find
// after losing power: every tracked file is cut to its synced prefix, and
// every name recorded by (2) reverts to its recorded state (a file created
// since its directory's last sync disappears; an unsynced rename is undone),
// then every unsynced directory rename (5) is undone, newest first.
// REQUIRES: no file opened through this file system is still open (close the
// DB first), since a live WritableFile could append after the rewind.
//
// Injected faults, counted per Operation kind (see OperationCount):
// FailOperation fails the nth operation of a kind from now (once, or every one
// from then on if sticky) with IOError; FailWithNoSpace fails Appends and
// Flushes with NoSpace; CorruptWrites flips one random bit in an Append's data.
//
// Thread-safety: all methods may be called from any thread at once; mu_
// guards the fault settings, counters and durability state. Directory
// changes and SyncDir run their base call under mu_, so a SyncDir forgets
// exactly the changes made before it. File objects follow the FileSystem
// contract (one thread at a time, except RandomAccessFile::Read).
//
// Internal, not public API: the tests use it through strata_static, and
// libstrata.so does not export it. Its interface grows with each fault a
// test needs, which a public header would freeze under the library's ABI;
// an embedder who wants faults wraps the public FileSystem the same way.

#ifndef STRATA_STORAGE_FAULT_INJECTION_FILE_SYSTEM_H_
#define STRATA_STORAGE_FAULT_INJECTION_FILE_SYSTEM_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "strata/file_system.h"
#include "util/mutex.h"
#include "util/thread_annotations.h"

namespace strata {

class FaultInjectionFileSystem final : public FileSystem {
 public:
  // The kinds of operation that are counted and can be made to fail.
  enum Operation {
    kRead,    // SequentialFile::Read, RandomAccessFile::Read
    kWrite,   // WritableFile::Append, WritableFile::Flush
    kSync,    // WritableFile::Sync, FileSystem::SyncDir, FileSystem::SyncFile
    kRename,  // FileSystem::RenameFile, FileSystem::RenameDir
    kCreate,  // FileSystem::NewWritableFile, FileSystem::LinkFile
    kRemove,  // FileSystem::RemoveFile
  };
  static constexpr int kNumOperations = kRemove + 1;

  // base is not owned and must outlive this object.
  explicit FaultInjectionFileSystem(FileSystem* base = DefaultFileSystem());
  ~FaultInjectionFileSystem() override;

  // Power loss. REQUIRES: no file opened through this object is open.
  // Cuts every tracked file to its synced prefix.
  Status DropUnsyncedData();
  // Reverts every name changed since its directory's last SyncDir.
  Status DeleteFilesCreatedAfterLastDirSync();
  // Both, in that order (a reverted name gets its recorded contents, which
  // must not then be cut), then forgets all tracking: everything on disk is
  // now durable.
  Status SimulatePowerLoss();

  // Fails the nth (1 = the next) operation of kind op from now with IOError,
  // or, if sticky, that one and every later one, until ClearFaults. Replaces
  // an earlier FailOperation for the same kind.
  void FailOperation(Operation op, uint64_t nth, bool sticky);
  // While on, Append and Flush write nothing and return NoSpace.
  // With path_contains, only files whose path (when created) contains it.
  void FailWithNoSpace(bool on, std::string path_contains = "");
  // Each Append, with this probability, has one random bit of its data
  // flipped before it is written; the call still succeeds. 0 turns it off.
  void CorruptWrites(double probability, uint64_t seed);
  // Turns off every injected fault. Counters and durability tracking stay.
  void ClearFaults();
  // Operations of kind op attempted so far, failed ones included.
  uint64_t OperationCount(Operation op) const;

  // FileSystem
  Status NewSequentialFile(const std::string& path,
                           std::unique_ptr<SequentialFile>* result) override;
  Status NewRandomAccessFile(const std::string& path,
                             std::unique_ptr<RandomAccessFile>* result) override;
  Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* result) override;
  bool FileExists(const std::string& path) override;
  Status GetChildren(const std::string& dir, std::vector<std::string>* names) override;
  Status GetFileSize(const std::string& path, uint64_t* size) override;
  Status RemoveFile(const std::string& path) override;
  Status RenameFile(const std::string& src, const std::string& target) override;
  Status CreateDir(const std::string& dir) override;
  Status RemoveDir(const std::string& dir) override;
  Status LinkFile(const std::string& src, const std::string& target) override;
  Status RenameDir(const std::string& src, const std::string& target) override;
  Status SyncDir(const std::string& dir) override;
  Status SyncFile(const std::string& path) override;
  Status LockFile(const std::string& path, std::unique_ptr<FileLock>* lock) override;
  Status UnlockFile(std::unique_ptr<FileLock> lock) override;

 private:
  class FaultSequentialFile;
  class FaultRandomAccessFile;
  class FaultWritableFile;

  // Durability of one tracked file (invariant 1). Shared with its open
  // FaultWritableFile; the fields are guarded by mu_.
  struct FileState {
    uint64_t size = 0;
    uint64_t synced = 0;
  };

  struct PendingFailure {
    bool armed = false;
    bool sticky = false;
    uint64_t at = 0;  // the count (counts_[op]) of the first failing operation
  };

  // Counts one operation of kind op; returns the injected error if it fails.
  Status CountAndCheck(Operation op, std::string_view what) EXCLUDES(mu_);
  Status CountAndCheckLocked(Operation op, std::string_view what) REQUIRES(mu_);
  // Checks for NoSpace, then counts a kWrite.
  Status CheckWrite(std::string_view what, const std::string& path) EXCLUDES(mu_);
  // With probability corrupt_probability_, stores data with one random bit
  // flipped in *corrupted and returns true (copying only then).
  bool MaybeCorrupt(std::string_view data, std::string* corrupted) EXCLUDES(mu_);
  // Records path's durable state in its directory's changes (invariant 2),
  // unless it is recorded already.
  Status RecordChange(const std::string& path) REQUIRES(mu_);
  // Re-keys the tracking of every path under directory src to target (5).
  void MoveTracking(const std::string& src, const std::string& target) REQUIRES(mu_);
  // The contents of path a power loss would leave now; nullopt if absent.
  Status DurableContents(const std::string& path, std::optional<std::string>* contents)
      REQUIRES(mu_);

  FileSystem* const base_;

  mutable Mutex mu_;
  uint64_t counts_[kNumOperations] GUARDED_BY(mu_) = {};
  PendingFailure failures_[kNumOperations] GUARDED_BY(mu_);
  bool no_space_ GUARDED_BY(mu_) = false;
  std::string no_space_filter_ GUARDED_BY(mu_);  // "" matches every path
  double corrupt_probability_ GUARDED_BY(mu_) = 0;
  std::mt19937_64 rng_ GUARDED_BY(mu_);
  // Tracked files by path (invariant 1).
  std::map<std::string, std::shared_ptr<FileState>> files_ GUARDED_BY(mu_);
  // Per directory, each name changed since its last SyncDir and its durable
  // state then (nullopt: absent) (invariant 2).
  std::map<std::string, std::map<std::string, std::optional<std::string>>> dir_changes_
      GUARDED_BY(mu_);
  // Directory renames (source, target) whose target's parent has not been
  // synced since, oldest first (invariant 5).
  std::vector<std::pair<std::string, std::string>> dir_renames_ GUARDED_BY(mu_);
};

}  // namespace strata

#endif  // STRATA_STORAGE_FAULT_INJECTION_FILE_SYSTEM_H_
