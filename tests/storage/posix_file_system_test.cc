// Tests of the POSIX file system's readable files: the pread file and the
// memory-mapped one (NewMappedRandomAccessFile) return the same bytes for
// every offset and length, short reads at the end of the file, nothing past
// it, and an empty file; a mapped file reads in place and keeps reading
// after its name is removed (tables are deleted while still open), and lets
// pages it was asked to go from the process's memory. And its
// mapped writable file (NewMappedWritableFile, the WAL's): what is appended
// is in the file at once, even if the process is killed right after, with
// zeros after it until Close cuts the file to its length; a file that may not
// grow is an error from Append, not a signal.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "strata/file_system.h"
#include "test_util.h"

namespace strata {
namespace {

using test::TempDir;
using test::WriteFileOrDie;

std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; i++) s[i] = static_cast<char>((i * 131 + i / 7) & 0xff);
  return s;
}

class PosixFileSystemTest : public ::testing::Test {
 protected:
  std::string Read(const RandomAccessFile& file, uint64_t offset, size_t n) {
    std::string scratch(file.ReadsInPlace() ? 0 : n, '\0');
    std::string_view result;
    Status s = file.Read(offset, n, &result, scratch.data());
    EXPECT_TRUE(s.ok()) << s.ToString();
    return std::string(result);
  }

  TempDir dir_;
  FileSystem* fs_ = DefaultFileSystem();
};

TEST_F(PosixFileSystemTest, MappedAndPreadFilesReadTheSameBytes) {
  const std::string path = dir_.path() + "/f";
  const std::string contents = Pattern(3 * 4096 + 123);
  WriteFileOrDie(path, contents);
  std::unique_ptr<RandomAccessFile> pread, mapped;
  ASSERT_TRUE(fs_->NewRandomAccessFile(path, &pread).ok());
  ASSERT_TRUE(fs_->NewMappedRandomAccessFile(path, &mapped).ok());
  EXPECT_FALSE(pread->ReadsInPlace());
  EXPECT_TRUE(mapped->ReadsInPlace());
  const uint64_t size = contents.size();
  for (uint64_t offset :
       {uint64_t{0}, uint64_t{1}, uint64_t{4095}, uint64_t{4096}, size - 10, size - 1}) {
    for (size_t n : {size_t{0}, size_t{1}, size_t{17}, size_t{4096}, size_t{20000}}) {
      const std::string want = contents.substr(offset, n);  // short at the end
      EXPECT_EQ(Read(*pread, offset, n), want) << offset << " " << n;
      EXPECT_EQ(Read(*mapped, offset, n), want) << offset << " " << n;
    }
  }
  // At and past the end: nothing, and no error.
  EXPECT_EQ(Read(*mapped, size, 10), "");
  EXPECT_EQ(Read(*mapped, size + 4096, 10), "");
  EXPECT_EQ(Read(*pread, size, 10), "");
}

TEST_F(PosixFileSystemTest, MappedFileOfNoBytesReadsNothing) {
  const std::string path = dir_.path() + "/empty";
  WriteFileOrDie(path, "");
  std::unique_ptr<RandomAccessFile> mapped;
  ASSERT_TRUE(fs_->NewMappedRandomAccessFile(path, &mapped).ok());
  EXPECT_EQ(Read(*mapped, 0, 100), "");
}

TEST_F(PosixFileSystemTest, MappedFileReadsAfterItsNameIsRemoved) {
  const std::string path = dir_.path() + "/gone";
  const std::string contents = Pattern(10000);
  WriteFileOrDie(path, contents);
  std::unique_ptr<RandomAccessFile> mapped;
  ASSERT_TRUE(fs_->NewMappedRandomAccessFile(path, &mapped).ok());
  ASSERT_TRUE(fs_->RemoveFile(path).ok());
  EXPECT_EQ(Read(*mapped, 5000, 100), contents.substr(5000, 100));
}

// ReleaseResidentRange lets a mapped file's read pages go from the
// process's memory (a table's metadata, which its reader copied), and the
// file still reads the same afterwards.
TEST_F(PosixFileSystemTest, MappedFileReleasesResidentPagesAndStillReads) {
  const std::string path = dir_.path() + "/f";
  const std::string contents = Pattern(8 << 20);
  WriteFileOrDie(path, contents);
  std::unique_ptr<RandomAccessFile> mapped, pread;
  ASSERT_TRUE(fs_->NewMappedRandomAccessFile(path, &mapped).ok());
  ASSERT_TRUE(fs_->NewRandomAccessFile(path, &pread).ok());
  const uint64_t before = test::ResidentFileKiB();
  ASSERT_EQ(Read(*mapped, 0, contents.size()), contents);  // every page touched
  const uint64_t read = test::ResidentFileKiB();
  EXPECT_GE(read, before + 6 * 1024) << "reading 8 MiB through the mapping";

  // The second half only, from the middle of a page.
  mapped->ReleaseResidentRange(4 * 1024 * 1024 + 100, contents.size());
  const uint64_t half = test::ResidentFileKiB();
  EXPECT_LE(half, read - 3 * 1024);
  EXPECT_GE(half, before + 3 * 1024) << "the first half stays resident";
  mapped->ReleaseResidentRange(0, contents.size());
  EXPECT_LE(test::ResidentFileKiB(), read - 6 * 1024);

  EXPECT_EQ(Read(*mapped, 0, contents.size()), contents);
  mapped->ReleaseResidentRange(contents.size(), 100);  // past the end: nothing
  pread->ReleaseResidentRange(0, contents.size());     // a pread file: nothing to do
  EXPECT_EQ(Read(*pread, 12345, 100), contents.substr(12345, 100));
}

TEST_F(PosixFileSystemTest, MissingFileIsNotFound) {
  std::unique_ptr<RandomAccessFile> mapped;
  EXPECT_TRUE(fs_->NewMappedRandomAccessFile(dir_.path() + "/none", &mapped).IsNotFound());
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Appends contents in pieces of varied sizes, one of them larger than any
// window.
void AppendInPieces(WritableFile* file, const std::string& contents) {
  size_t pos = 0;
  size_t piece = 1;
  while (pos < contents.size()) {
    const size_t n = std::min(piece, contents.size() - pos);
    ASSERT_TRUE(file->Append(std::string_view(contents).substr(pos, n)).ok());
    pos += n;
    piece = piece >= (size_t{3} << 20) ? 7 : piece * 5 + 3;
  }
}

TEST_F(PosixFileSystemTest, MappedWritableFileHoldsTheAppendsThenZerosUntilClose) {
  const std::string path = dir_.path() + "/log";
  const std::string contents = Pattern((size_t{7} << 20) + 12345);  // many windows
  std::unique_ptr<WritableFile> file;
  ASSERT_TRUE(fs_->NewMappedWritableFile(path, &file).ok());
  ASSERT_NO_FATAL_FAILURE(AppendInPieces(file.get(), contents));
  // Before Close (and with no Flush): the bytes appended, then zeros to the
  // end of the last window.
  std::string on_disk = ReadWholeFile(path);
  ASSERT_GT(on_disk.size(), contents.size());
  EXPECT_EQ(on_disk.size() % 4096, 0u);
  EXPECT_TRUE(on_disk.compare(0, contents.size(), contents) == 0);
  EXPECT_EQ(on_disk.find_first_not_of('\0', contents.size()), std::string::npos);
  ASSERT_TRUE(file->Sync().ok());
  ASSERT_TRUE(file->Close().ok());
  EXPECT_EQ(ReadWholeFile(path), contents);
}

TEST_F(PosixFileSystemTest, MappedWritableFileDestroyedUnclosedKeepsItsLength) {
  const std::string path = dir_.path() + "/log";
  {
    std::unique_ptr<WritableFile> file;
    ASSERT_TRUE(fs_->NewMappedWritableFile(path, &file).ok());
    ASSERT_TRUE(file->Append("abc").ok());
  }
  EXPECT_EQ(ReadWholeFile(path), "abc");
  // An empty file stays empty.
  {
    std::unique_ptr<WritableFile> file;
    ASSERT_TRUE(fs_->NewMappedWritableFile(path, &file).ok());
  }
  EXPECT_EQ(ReadWholeFile(path), "");
}

TEST_F(PosixFileSystemTest, MappedAppendsSurviveAKillWithoutFlush) {
  const std::string path = dir_.path() + "/log";
  const std::string contents = Pattern(300000);
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::unique_ptr<WritableFile> file;
    if (!fs_->NewMappedWritableFile(path, &file).ok()) ::_exit(1);
    for (size_t pos = 0; pos < contents.size(); pos += 1000) {
      if (!file->Append(std::string_view(contents).substr(pos, 1000)).ok()) ::_exit(1);
    }
    if (::write(ready[1], "x", 1) != 1) ::_exit(1);
    ::pause();  // killed here: no Flush, Sync or Close
    ::_exit(1);
  }
  ::close(ready[1]);
  char byte;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  ::close(ready[0]);
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));
  const std::string on_disk = ReadWholeFile(path);
  ASSERT_GE(on_disk.size(), contents.size());
  EXPECT_TRUE(on_disk.compare(0, contents.size(), contents) == 0);
  EXPECT_EQ(on_disk.find_first_not_of('\0', contents.size()), std::string::npos);
}

TEST_F(PosixFileSystemTest, MappedFileThatMayNotGrowFailsItsAppend) {
  // In a child: the file size limit is the process's. Past it, allocating
  // the next window fails (EFBIG): Append says so instead of the process
  // dying of SIGBUS on a store into space that is not there.
  const std::string path = dir_.path() + "/log";
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    struct rlimit limit = {256 * 1024, 256 * 1024};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(2);
    std::unique_ptr<WritableFile> file;
    if (!fs_->NewMappedWritableFile(path, &file).ok()) ::_exit(3);
    const std::string piece(1000, 'p');
    for (int i = 0; i < 1000; i++) {
      Status s = file->Append(piece);
      if (!s.ok()) ::_exit(s.IsIOError() && i >= 64 ? 0 : 4);  // past the first window
    }
    ::_exit(5);  // a megabyte appended past a 256 KiB limit
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace strata
