// FileSystem: the boundary between StrataDB and the storage it runs on.
//
// Every file operation the engine makes goes through this interface, so a
// test can substitute a file system that injects faults (lost unsynced data,
// failed syncs, a full disk) and an embedder can route I/O elsewhere.
// DefaultFileSystem() is the process's real POSIX file system.
//
// Errors: every call returns a Status; a full device is Status::NoSpace (which
// is also an IOError), a missing file is NotFound.
//
// Thread-safety: FileSystem methods may be called from any thread at once.
// A file object is used by one thread at a time (the engine guarantees it),
// except RandomAccessFile::Read, which is safe to call concurrently.

#ifndef STRATA_FILE_SYSTEM_H_
#define STRATA_FILE_SYSTEM_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "strata/export.h"
#include "strata/status.h"

namespace strata {

// A file read from start to end (a WAL or MANIFEST during recovery).
class STRATA_EXPORT SequentialFile {
 public:
  virtual ~SequentialFile() = default;
  // Reads up to n bytes into scratch; *result views the bytes read (it may
  // point into scratch). A short read means end of file.
  virtual Status Read(size_t n, std::string_view* result, char* scratch) = 0;
  virtual Status Skip(uint64_t n) = 0;
};

// A file read at arbitrary offsets (an SSTable).
class STRATA_EXPORT RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads up to n bytes at offset; *result views the bytes read. It points
  // into scratch, or, for a file that ReadsInPlace(), into memory the file
  // object owns (valid while it lives). A short read means end of file. Safe
  // to call concurrently.
  virtual Status Read(uint64_t offset, size_t n, std::string_view* result, char* scratch) const = 0;
  // True if Read never writes scratch (a memory-mapped file): the caller may
  // pass nullptr for it and skip allocating a buffer.
  virtual bool ReadsInPlace() const { return false; }
  // A hint that [offset, offset + n) will not be read through this object
  // soon (a table's metadata, which its reader keeps copies of): a mapped
  // file lets those pages go from the process's resident memory (the
  // kernel's page cache keeps them). A later Read of them is still correct.
  virtual void ReleaseResidentRange(uint64_t offset, uint64_t n) const {
    (void)offset;
    (void)n;
  }
};

// A file written from start to end. Appends are buffered in the process until
// Flush() hands them to the operating system; Sync() makes them durable.
class STRATA_EXPORT WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(std::string_view data) = 0;
  // Hands buffered data to the OS: it survives a process crash after this.
  virtual Status Flush() = 0;
  // Flushes, then makes the file's data durable (fdatasync).
  virtual Status Sync() = 0;
  // Flushes and closes. Further calls are invalid.
  virtual Status Close() = 0;
};

// A held lock on a database directory, released by FileSystem::UnlockFile.
class STRATA_EXPORT FileLock {
 public:
  virtual ~FileLock() = default;
};

class STRATA_EXPORT FileSystem {
 public:
  virtual ~FileSystem() = default;

  virtual Status NewSequentialFile(const std::string& path,
                                   std::unique_ptr<SequentialFile>* result) = 0;
  virtual Status NewRandomAccessFile(const std::string& path,
                                     std::unique_ptr<RandomAccessFile>* result) = 0;
  // Like NewRandomAccessFile, but the file may be read through a memory
  // mapping: Read then returns a view into memory the file object owns (valid
  // while it lives) instead of copying into scratch. Only for files that do
  // not change while open. The default is NewRandomAccessFile.
  virtual Status NewMappedRandomAccessFile(const std::string& path,
                                           std::unique_ptr<RandomAccessFile>* result) {
    return NewRandomAccessFile(path, result);
  }
  // Creates (or truncates) path for writing.
  virtual Status NewWritableFile(const std::string& path,
                                 std::unique_ptr<WritableFile>* result) = 0;
  // Like NewWritableFile, but the file may be written through a memory
  // mapping: each Append reaches the operating system at once (Flush has
  // nothing left to do), and until Close the file may be longer than what
  // was appended, zero-filled past it. For a log whose reader takes zeros
  // for its end. The default is NewWritableFile.
  virtual Status NewMappedWritableFile(const std::string& path,
                                       std::unique_ptr<WritableFile>* result) {
    return NewWritableFile(path, result);
  }

  virtual bool FileExists(const std::string& path) = 0;
  // The names (not paths) of the entries of dir, without "." and "..".
  virtual Status GetChildren(const std::string& dir, std::vector<std::string>* names) = 0;
  virtual Status GetFileSize(const std::string& path, uint64_t* size) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  // Atomically replaces target with src.
  virtual Status RenameFile(const std::string& src, const std::string& target) = 0;
  // Creates dir; OK if it exists already.
  virtual Status CreateDir(const std::string& dir) = 0;
  virtual Status RemoveDir(const std::string& dir) = 0;
  // Makes target a second name (a hard link) for the existing file src.
  // target must not exist. Fails (IOError, or NotSupported from a file
  // system without links) when the two are on different devices or links
  // are not allowed; callers that only want the contents then copy.
  // The new name is durable once target's directory is synced.
  virtual Status LinkFile(const std::string& src, const std::string& target) {
    return Status::NotSupported("hard links", src);
  }
  // Renames the directory src, with everything in it, to target, which must
  // not exist. Atomic: a crash leaves one name or the other, and the new
  // name is durable once both parent directories are synced.
  virtual Status RenameDir(const std::string& src, const std::string& target) {
    return Status::NotSupported("directory rename", src);
  }
  // Makes the creation, removal and renaming of dir's entries durable.
  virtual Status SyncDir(const std::string& dir) = 0;
  // Makes the contents of the existing file at path durable (fsync), for a
  // file written by an earlier process, such as a WAL replayed after a
  // crash, whose pages may not have reached the disk.
  virtual Status SyncFile(const std::string& path) = 0;

  // Takes an exclusive lock on path (created if missing), so that one process
  // (and one DB object) at a time uses a database. Busy if it is held.
  virtual Status LockFile(const std::string& path, std::unique_ptr<FileLock>* lock) = 0;
  virtual Status UnlockFile(std::unique_ptr<FileLock> lock) = 0;
};

// The real file system of this process. Never null; lives forever.
STRATA_EXPORT FileSystem* DefaultFileSystem();

}  // namespace strata

#endif  // STRATA_FILE_SYSTEM_H_
