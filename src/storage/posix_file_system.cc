// The real file system: POSIX files with a user-space write buffer, or
// written and read through memory mappings where the caller asks.
//
// WritableFile buffers appends (kWritableBufferSize) and hands them to the
// kernel with write(2) on Flush, so one group-commit record costs one system
// call; Sync is fdatasync(2). LockFile uses flock(2) plus a process-wide set of
// held paths, so a second Open of one directory fails in the same process as
// well as in another one.
//
// Thread-safety: the file system object is stateless but for the lock set,
// which a mutex guards. Each file object is used by one thread at a time,
// except PosixRandomAccessFile::Read (pread), which is safe concurrently.

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>

#include "strata/file_system.h"

namespace strata {
namespace {

constexpr size_t kWritableBufferSize = 64 * 1024;

Status PosixError(const std::string& context, int err) {
  std::string msg = std::strerror(err);
  if (err == ENOENT) return Status::NotFound(context, msg);
  if (err == ENOSPC || err == EDQUOT) return Status::NoSpace(context, msg);
  return Status::IOError(context, msg);
}

class PosixSequentialFile final : public SequentialFile {
 public:
  PosixSequentialFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixSequentialFile() override { ::close(fd_); }

  Status Read(size_t n, std::string_view* result, char* scratch) override {
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::read(fd_, scratch + done, n - done);
      if (r < 0) {
        if (errno == EINTR) continue;
        return PosixError(path_, errno);
      }
      if (r == 0) break;
      done += static_cast<size_t>(r);
    }
    *result = std::string_view(scratch, done);
    return Status::OK();
  }

  Status Skip(uint64_t n) override {
    if (::lseek(fd_, static_cast<off_t>(n), SEEK_CUR) == static_cast<off_t>(-1)) {
      return PosixError(path_, errno);
    }
    return Status::OK();
  }

 private:
  const std::string path_;
  const int fd_;
};

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixRandomAccessFile() override { ::close(fd_); }

  Status Read(uint64_t offset, size_t n, std::string_view* result, char* scratch) const override {
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_, scratch + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return PosixError(path_, errno);
      }
      if (r == 0) break;
      done += static_cast<size_t>(r);
    }
    *result = std::string_view(scratch, done);
    return Status::OK();
  }

 private:
  const std::string path_;
  const int fd_;
};

// A file read through a read-only mapping of all of it: Read returns a view
// into the mapping, with no system call and no copy. Pages the kernel holds
// are shared with every other reader of the file. The mapping lives as long
// as the object; tables are never changed after they are written, so the
// file's bytes do not change under it (a deleted file stays mapped).
class PosixMappedFile final : public RandomAccessFile {
 public:
  PosixMappedFile(const char* base, size_t size) : base_(base), size_(size) {}
  ~PosixMappedFile() override {
    if (size_ > 0) ::munmap(const_cast<char*>(base_), size_);
  }

  Status Read(uint64_t offset, size_t n, std::string_view* result, char*) const override {
    if (offset >= size_) {
      *result = std::string_view();
    } else {
      *result = std::string_view(base_ + offset, std::min<uint64_t>(n, size_ - offset));
    }
    return Status::OK();
  }

  bool ReadsInPlace() const override { return true; }

  void ReleaseResidentRange(uint64_t offset, uint64_t n) const override {
    if (offset >= size_ || n == 0) return;
    n = std::min<uint64_t>(n, size_ - offset);
    // From the page holding offset (the mapping starts on a page boundary):
    // a page shared with bytes before the range only faults in again if
    // they are read. Dropping a shared file mapping's pages loses nothing.
    static const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
    const uintptr_t begin = reinterpret_cast<uintptr_t>(base_ + offset) & ~(page - 1);
    const uintptr_t end = reinterpret_cast<uintptr_t>(base_ + offset + n);
    (void)::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
  }

 private:
  const char* const base_;
  const size_t size_;
};

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {
    buffer_.reserve(kWritableBufferSize);
  }
  ~PosixWritableFile() override {
    if (fd_ >= 0) (void)Close();
  }

  Status Append(std::string_view data) override {
    if (buffer_.size() + data.size() <= kWritableBufferSize) {
      buffer_.append(data);
      return Status::OK();
    }
    Status s = Flush();
    if (!s.ok()) return s;
    if (data.size() <= kWritableBufferSize) {
      buffer_.append(data);
      return Status::OK();
    }
    return WriteAll(data);
  }

  Status Flush() override {
    Status s = WriteAll(buffer_);
    buffer_.clear();
    return s;
  }

  Status Sync() override {
    Status s = Flush();
    if (!s.ok()) return s;
    if (::fdatasync(fd_) != 0) return PosixError(path_, errno);
    return Status::OK();
  }

  Status Close() override {
    Status s = Flush();
    if (::close(fd_) != 0 && s.ok()) s = PosixError(path_, errno);
    fd_ = -1;
    return s;
  }

 private:
  Status WriteAll(std::string_view data) {
    while (!data.empty()) {
      ssize_t w = ::write(fd_, data.data(), data.size());
      if (w < 0) {
        if (errno == EINTR) continue;
        return PosixError(path_, errno);
      }
      data.remove_prefix(static_cast<size_t>(w));
    }
    return Status::OK();
  }

  const std::string path_;
  int fd_;
  std::string buffer_;
};

// A file written through a shared, writable mapping of a window of it (the
// WAL's writer): Append is a memcpy into the kernel's page cache, so what it
// copied survives a crash of the process with no system call, and Flush has
// nothing to do. Sync is fdatasync(2), which writes back the pages the
// mapping dirtied like any others.
//
// The window moves along the file: when it is full, the next one, twice as
// large up to kMaxMappedWindow, is first allocated with fallocate(2) (so a
// full disk is a NoSpace error from Append, never a SIGBUS on a store into a
// hole) and then mapped. The file is therefore longer than what was
// appended, up to the window's end, and reads as zeros there; Close cuts it
// back to the bytes appended. A process that dies first leaves the zeros,
// which a log reader takes for the end of the log (docs/FORMAT.md).
//
// Invariants: [map_offset_, map_offset_ + map_size_) is mapped at base_ and
// allocated in the file; size_ (the bytes appended) lies within it, except
// before the first window; map_offset_ and map_size_ are multiples of the
// page size.
class PosixMappedWritableFile final : public WritableFile {
 public:
  PosixMappedWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixMappedWritableFile() override {
    if (fd_ >= 0) (void)Close();
  }

  Status Append(std::string_view data) override {
    while (!data.empty()) {
      if (size_ == map_offset_ + map_size_) {
        Status s = MapNextWindow();
        if (!s.ok()) return s;
      }
      const size_t room = static_cast<size_t>(map_offset_ + map_size_ - size_);
      const size_t n = std::min(room, data.size());
      std::memcpy(base_ + (size_ - map_offset_), data.data(), n);
      size_ += n;
      data.remove_prefix(n);
    }
    return Status::OK();
  }

  // Appended bytes are in the page cache already.
  Status Flush() override { return Status::OK(); }

  Status Sync() override {
    if (::fdatasync(fd_) != 0) return PosixError(path_, errno);
    return Status::OK();
  }

  Status Close() override {
    Status s = Unmap();
    // The zeros past the last append are not part of the file.
    if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0 && s.ok()) s = PosixError(path_, errno);
    if (::close(fd_) != 0 && s.ok()) s = PosixError(path_, errno);
    fd_ = -1;
    return s;
  }

 private:
  static constexpr size_t kFirstMappedWindow = 64 * 1024;
  static constexpr size_t kMaxMappedWindow = 1024 * 1024;

  Status Unmap() {
    if (base_ != nullptr && ::munmap(base_, map_size_) != 0) return PosixError(path_, errno);
    base_ = nullptr;
    return Status::OK();
  }

  Status MapNextWindow() {
    Status s = Unmap();
    if (!s.ok()) return s;
    const uint64_t offset = map_offset_ + map_size_;
    const size_t size =
        map_size_ == 0 ? kFirstMappedWindow : std::min(map_size_ * 2, kMaxMappedWindow);
    // posix_fallocate returns the error instead of setting errno.
    int err = ::posix_fallocate(fd_, static_cast<off_t>(offset), static_cast<off_t>(size));
    if (err != 0) return PosixError(path_, err);
    void* base =
        ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, static_cast<off_t>(offset));
    if (base == MAP_FAILED) return PosixError(path_, errno);
#ifdef MADV_POPULATE_WRITE
    // Fault the whole window in with one call, writable, rather than one page
    // fault per 4 KiB page as the appends first touch it: a fault costs an
    // exception each (in a virtual machine, many times a system call). Only
    // a hint: a kernel without MADV_POPULATE_WRITE (before 5.14) says EINVAL
    // and the pages fault in as before.
    (void)::madvise(base, size, MADV_POPULATE_WRITE);
#endif
    base_ = static_cast<char*>(base);
    map_offset_ = offset;
    map_size_ = size;
    return Status::OK();
  }

  const std::string path_;
  int fd_;
  char* base_ = nullptr;
  uint64_t map_offset_ = 0;
  size_t map_size_ = 0;
  uint64_t size_ = 0;
};

class PosixFileLock final : public FileLock {
 public:
  PosixFileLock(std::string path, int fd) : path(std::move(path)), fd(fd) {}
  const std::string path;
  const int fd;
};

class PosixFileSystem final : public FileSystem {
 public:
  Status NewSequentialFile(const std::string& path,
                           std::unique_ptr<SequentialFile>* result) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError(path, errno);
    *result = std::make_unique<PosixSequentialFile>(path, fd);
    return Status::OK();
  }

  Status NewRandomAccessFile(const std::string& path,
                             std::unique_ptr<RandomAccessFile>* result) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError(path, errno);
    *result = std::make_unique<PosixRandomAccessFile>(path, fd);
    return Status::OK();
  }

  Status NewMappedRandomAccessFile(const std::string& path,
                                   std::unique_ptr<RandomAccessFile>* result) override {
    if constexpr (sizeof(void*) < 8) return NewRandomAccessFile(path, result);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError(path, errno);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      int err = errno;
      ::close(fd);
      return PosixError(path, err);
    }
    const size_t size = static_cast<size_t>(st.st_size);
    void* base = nullptr;
    if (size > 0) {
      base = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
      if (base == MAP_FAILED) {
        // Out of address space or a file system without mmap: read with pread.
        *result = std::make_unique<PosixRandomAccessFile>(path, fd);
        return Status::OK();
      }
    }
    ::close(fd);
    *result = std::make_unique<PosixMappedFile>(static_cast<const char*>(base), size);
    return Status::OK();
  }

  Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* result) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return PosixError(path, errno);
    *result = std::make_unique<PosixWritableFile>(path, fd);
    return Status::OK();
  }

  Status NewMappedWritableFile(const std::string& path,
                               std::unique_ptr<WritableFile>* result) override {
    if constexpr (sizeof(void*) < 8) return NewWritableFile(path, result);
    // Read access too: a shared writable mapping needs it.
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return PosixError(path, errno);
    *result = std::make_unique<PosixMappedWritableFile>(path, fd);
    return Status::OK();
  }

  bool FileExists(const std::string& path) override { return ::access(path.c_str(), F_OK) == 0; }

  Status GetChildren(const std::string& dir, std::vector<std::string>* names) override {
    names->clear();
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return PosixError(dir, errno);
    while (struct dirent* entry = ::readdir(d)) {
      std::string_view name(entry->d_name);
      if (name == "." || name == "..") continue;
      names->emplace_back(name);
    }
    ::closedir(d);
    return Status::OK();
  }

  Status GetFileSize(const std::string& path, uint64_t* size) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return PosixError(path, errno);
    *size = static_cast<uint64_t>(st.st_size);
    return Status::OK();
  }

  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return PosixError(path, errno);
    return Status::OK();
  }

  Status RenameFile(const std::string& src, const std::string& target) override {
    if (::rename(src.c_str(), target.c_str()) != 0) return PosixError(src, errno);
    return Status::OK();
  }

  Status CreateDir(const std::string& dir) override {
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return PosixError(dir, errno);
    return Status::OK();
  }

  Status RemoveDir(const std::string& dir) override {
    if (::rmdir(dir.c_str()) != 0) return PosixError(dir, errno);
    return Status::OK();
  }

  Status LinkFile(const std::string& src, const std::string& target) override {
    if (::link(src.c_str(), target.c_str()) != 0) return PosixError(src + " -> " + target, errno);
    return Status::OK();
  }

  Status RenameDir(const std::string& src, const std::string& target) override {
    // rename(2) would replace an empty target directory: refuse any target.
    if (::access(target.c_str(), F_OK) == 0) {
      return Status::IOError(target, "exists (RenameDir never replaces)");
    }
    if (::rename(src.c_str(), target.c_str()) != 0) return PosixError(src, errno);
    return Status::OK();
  }

  Status SyncDir(const std::string& dir) override {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return PosixError(dir, errno);
    Status s;
    if (::fsync(fd) != 0) s = PosixError(dir, errno);
    ::close(fd);
    return s;
  }

  Status SyncFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError(path, errno);
    Status s;
    if (::fdatasync(fd) != 0) s = PosixError(path, errno);
    ::close(fd);
    return s;
  }

  Status LockFile(const std::string& path, std::unique_ptr<FileLock>* lock) override {
    std::lock_guard<std::mutex> guard(mu_);
    if (locked_.count(path) != 0) {
      return Status::Busy(path, "already held by this process (is the database open twice?)");
    }
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return PosixError(path, errno);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK) return Status::Busy(path, "held by another process");
      return PosixError(path, err);
    }
    locked_.insert(path);
    *lock = std::make_unique<PosixFileLock>(path, fd);
    return Status::OK();
  }

  Status UnlockFile(std::unique_ptr<FileLock> lock) override {
    auto* l = static_cast<PosixFileLock*>(lock.get());
    std::lock_guard<std::mutex> guard(mu_);
    Status s;
    if (::flock(l->fd, LOCK_UN) != 0) s = PosixError(l->path, errno);
    ::close(l->fd);
    locked_.erase(l->path);
    return s;
  }

 private:
  std::mutex mu_;
  std::set<std::string> locked_;  // guarded by mu_
};

}  // namespace

FileSystem* DefaultFileSystem() {
  static PosixFileSystem* fs = new PosixFileSystem();  // never destroyed: used until exit
  return fs;
}

}  // namespace strata
