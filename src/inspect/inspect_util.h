// The inspection layer's internal helpers, shared by the functions of
// include/strata/inspect.h: dump.cc (DumpTable, DumpLog, DumpManifest),
// check.cc (CheckDB) and repair.cc (RepairDB).
//
// src/inspect/ sits above src/lsm/: it reads the engine's files with the
// engine's own readers (the MANIFEST replayer, the table walker, the log
// scanner) and nothing below it includes anything from here.
//
// Thread-safety: pure functions, and a lock held by one thread.

#ifndef STRATA_INSPECT_INSPECT_UTIL_H_
#define STRATA_INSPECT_INSPECT_UTIL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "lsm/filename.h"
#include "strata/file_system.h"
#include "strata/inspect.h"
#include "strata/options.h"

namespace strata {

// Opens path for reading (a RandomAccessFile or a SequentialFile) and tells
// its size, which the table walker and the log scanner need to tell a short
// file from a damaged one.
template <typename File>
Status OpenWithSize(FileSystem* fs, const std::string& path, std::unique_ptr<File>* file,
                    uint64_t* size) {
  Status s = fs->GetFileSize(path, size);
  if (!s.ok()) return s;
  if constexpr (std::is_same_v<File, RandomAccessFile>) {
    return fs->NewRandomAccessFile(path, file);
  } else {
    return fs->NewSequentialFile(path, file);
  }
}

// The last component of a path.
std::string BaseName(const std::string& path);

// An internal key decoded for people; a key that does not parse is shown
// whole as the user key, with sequence 0.
InternalKeyInfo DecodeKeyInfo(std::string_view internal_key);

// One of the database's files, by name.
struct DbFile {
  std::string name;
  uint64_t number = 0;
  FileType type = FileType::kTemp;
};

// The database's files in directory `path` (names ParseFileName knows),
// ordered by type then number. NotFound if `path` is not a directory that
// can be listed.
Status ListDbFiles(FileSystem* fs, const std::string& path, std::vector<DbFile>* files);

// Holds the database's LOCK, as DB::Open does, until destroyed.
class DbLock {
 public:
  DbLock() = default;
  DbLock(const DbLock&) = delete;
  DbLock& operator=(const DbLock&) = delete;
  ~DbLock() { Release(); }

  // Busy, with a message saying so, if another DB has the database open.
  Status Acquire(FileSystem* fs, const std::string& path);
  void Release();

 private:
  FileSystem* fs_ = nullptr;
  std::unique_ptr<FileLock> lock_;
};

// What CheckDB and RepairDB do first: lists the database's files into *files
// (NotFound if there are none, so an empty or unrelated directory is not
// taken for a database) and takes its LOCK into *lock (Busy if it is open).
Status ListAndLockDb(FileSystem* fs, const std::string& path, std::vector<DbFile>* files,
                     DbLock* lock);

}  // namespace strata

#endif  // STRATA_INSPECT_INSPECT_UTIL_H_
