// Tests of the POSIX file system's readable files: the pread file and the
// memory-mapped one (NewMappedRandomAccessFile) return the same bytes for
// every offset and length, short reads at the end of the file, nothing past
// it, and an empty file; a mapped file reads in place and keeps reading
// after its name is removed (tables are deleted while still open).

#include <gtest/gtest.h>

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

TEST_F(PosixFileSystemTest, MissingFileIsNotFound) {
  std::unique_ptr<RandomAccessFile> mapped;
  EXPECT_TRUE(fs_->NewMappedRandomAccessFile(dir_.path() + "/none", &mapped).IsNotFound());
}

}  // namespace
}  // namespace strata
