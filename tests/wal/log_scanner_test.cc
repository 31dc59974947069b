// wal::LogScanner (wal/log_scanner.h) on real files: the start offset it
// gives each record, for records of every size across block boundaries,
// both when it follows from the previous record and when it is worked out
// backwards after damage; where damage is reported; the torn tail.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "strata/file_system.h"
#include "test_util.h"
#include "wal/log_format.h"
#include "wal/log_scanner.h"
#include "wal/log_writer.h"

namespace strata::wal {
namespace {

struct Written {
  std::vector<uint64_t> starts;  // where each record's first fragment starts
  std::vector<std::string> records;
  uint64_t size = 0;
};

// Where the writer puts a record it starts at `position`.
uint64_t StartAt(uint64_t position) {
  uint64_t left = kBlockSize - position % kBlockSize;
  return left < kHeaderSize ? position + left : position;
}

Written WriteLog(const std::string& path, const std::vector<size_t>& sizes) {
  Written w;
  std::unique_ptr<WritableFile> file;
  EXPECT_TRUE(DefaultFileSystem()->NewWritableFile(path, &file).ok());
  Writer writer(file.get());
  for (size_t i = 0; i < sizes.size(); i++) {
    EXPECT_TRUE(file->Flush().ok());
    uint64_t position;
    EXPECT_TRUE(DefaultFileSystem()->GetFileSize(path, &position).ok());
    w.starts.push_back(StartAt(position));
    w.records.push_back(std::string(sizes[i], static_cast<char>('a' + i % 26)));
    EXPECT_TRUE(writer.AddRecord(w.records.back()).ok());
  }
  EXPECT_TRUE(file->Close().ok());
  EXPECT_TRUE(DefaultFileSystem()->GetFileSize(path, &w.size).ok());
  return w;
}

struct Scanned {
  std::vector<uint64_t> starts;
  std::vector<std::string> records;
  std::vector<LogScanner::Damage> damage;
  uint64_t torn_tail_bytes = 0;
};

Scanned Scan(const std::string& path) {
  Scanned result;
  uint64_t size;
  std::unique_ptr<SequentialFile> file;
  EXPECT_TRUE(DefaultFileSystem()->GetFileSize(path, &size).ok());
  EXPECT_TRUE(DefaultFileSystem()->NewSequentialFile(path, &file).ok());
  LogScanner scanner(file.get(), size);
  std::string_view record;
  std::string scratch;
  uint64_t offset;
  while (scanner.Next(&record, &scratch, &offset)) {
    result.starts.push_back(offset);
    result.records.emplace_back(record);
  }
  EXPECT_TRUE(scanner.status().ok());
  result.damage = scanner.damage();
  result.torn_tail_bytes = scanner.torn_tail_bytes();
  return result;
}

// Sizes that end records just short of, at, and past block boundaries, and
// records of one, two and three blocks.
const std::vector<size_t> kSizes = {10,    32700, 50, 3,   kBlockSize - kHeaderSize, 0,
                                    70000, 1,     9,  100, 2 * kBlockSize,           5};

TEST(LogScannerTest, OffsetsOfAnUndamagedLog) {
  test::TempDir dir;
  const std::string path = dir.Child("log");
  Written written = WriteLog(path, kSizes);
  Scanned scanned = Scan(path);
  EXPECT_EQ(scanned.records, written.records);
  EXPECT_EQ(scanned.starts, written.starts);
  EXPECT_TRUE(scanned.damage.empty());
  EXPECT_EQ(scanned.torn_tail_bytes, 0u);
}

// After damage, every later record's start is worked out from its end and
// size; it must agree with where the writer put it.
TEST(LogScannerTest, OffsetsAfterDamage) {
  test::TempDir dir;
  const std::string path = dir.Child("log");
  Written written = WriteLog(path, kSizes);
  std::string contents = test::ReadFileOrDie(path);
  contents[written.starts[0] + kHeaderSize] ^= 1;  // the first record's payload
  test::WriteFileOrDie(path, contents);

  Scanned scanned = Scan(path);
  ASSERT_EQ(scanned.records.size(), written.records.size() - 1);
  for (size_t i = 0; i < scanned.records.size(); i++) {
    EXPECT_EQ(scanned.starts[i], written.starts[i + 1]) << "record " << i + 1;
  }
  ASSERT_EQ(scanned.damage.size(), 1u);
  EXPECT_EQ(scanned.damage[0].offset, 0u);
  EXPECT_EQ(scanned.damage[0].bytes, kHeaderSize + kSizes[0]);
}

// A log written through a mapping and never closed (its writer was killed)
// ends in zeros: the space allocated ahead, no interrupted write. A record
// torn by the kill, with zeros after it, is one.
TEST(LogScannerTest, ZerosAfterTheLastRecordAreNoTornTail) {
  test::TempDir dir;
  const std::string path = dir.Child("log");
  Written written = WriteLog(path, {100, 200});
  const std::string contents = test::ReadFileOrDie(path);
  test::WriteFileOrDie(path, contents + std::string(3 * kBlockSize + 11, '\0'));
  Scanned scanned = Scan(path);
  EXPECT_EQ(scanned.records, written.records);
  EXPECT_TRUE(scanned.damage.empty());
  EXPECT_EQ(scanned.torn_tail_bytes, 0u);

  std::string torn = contents + std::string(kBlockSize, '\0');
  std::fill(torn.begin() + static_cast<ptrdiff_t>(contents.size() - 50), torn.end(), '\0');
  test::WriteFileOrDie(path, torn);
  scanned = Scan(path);
  ASSERT_EQ(scanned.records.size(), 1u);
  EXPECT_TRUE(scanned.damage.empty());
  EXPECT_EQ(scanned.torn_tail_bytes, torn.size() - written.starts[1]);
}

TEST(LogScannerTest, TornTail) {
  test::TempDir dir;
  const std::string path = dir.Child("log");
  Written written = WriteLog(path, {100, 200});
  std::string contents = test::ReadFileOrDie(path);
  test::WriteFileOrDie(path, contents.substr(0, contents.size() - 50));
  Scanned scanned = Scan(path);
  ASSERT_EQ(scanned.records.size(), 1u);
  EXPECT_TRUE(scanned.damage.empty());
  EXPECT_EQ(scanned.torn_tail_bytes, written.size - 50 - written.starts[1]);
}

}  // namespace
}  // namespace strata::wal
