// TableWalker (sstable/table_walker.h) on tables written by TableBuilder in a
// temporary directory: a whole table yields every entry and no damage; a
// flipped byte in a data block is reported at that block's offset while the
// other blocks' entries still come out; damage to the filter is reported
// without losing data; a broken footer or index stops the walk.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sstable/table_builder.h"
#include "sstable/table_walker.h"
#include "strata/file_system.h"
#include "test_util.h"
#include "util/internal_key.h"

namespace strata {
namespace {

using Entries = std::vector<std::pair<std::string, std::string>>;

// 400 entries in data blocks of about 256 bytes, uncompressed.
Entries WriteTable(const std::string& path) {
  Entries entries;
  for (int i = 0; i < 400; i++) {
    char key[16];
    std::snprintf(key, sizeof(key), "key%05d", i);
    entries.emplace_back(MakeInternalKey(key, 1000 - i, i % 10 == 0 ? kTypeDeletion : kTypeValue),
                         i % 10 == 0 ? "" : "value" + std::to_string(i));
  }
  TableBuilderOptions options;
  options.block_size = 256;
  options.compression = kNoCompression;
  std::unique_ptr<WritableFile> file;
  EXPECT_TRUE(DefaultFileSystem()->NewWritableFile(path, &file).ok());
  TableBuilder builder(options, file.get());
  for (const auto& [key, value] : entries) builder.Add(key, value);
  EXPECT_TRUE(builder.Finish().ok());
  EXPECT_TRUE(file->Close().ok());
  return entries;
}

struct Walk {
  bool metadata_ok = false;
  Entries entries;
  std::vector<TableWalker::Damage> damage;
  std::vector<TableWalker::IndexEntry> index;
  uint64_t bad_blocks = 0;
};

Walk WalkTable(const std::string& path) {
  Walk walk;
  uint64_t size;
  std::unique_ptr<RandomAccessFile> file;
  EXPECT_TRUE(DefaultFileSystem()->GetFileSize(path, &size).ok());
  EXPECT_TRUE(DefaultFileSystem()->NewRandomAccessFile(path, &file).ok());
  TableWalker walker(file.get(), size, BytewiseComparator());
  walk.metadata_ok = walker.ReadMetadata();
  if (walk.metadata_ok) {
    walker.ReadDataBlocks([&walk](std::string_view key, std::string_view value) {
      walk.entries.emplace_back(key, value);
    });
  }
  EXPECT_TRUE(walker.status().ok());
  walk.damage = walker.damage();
  walk.index = walker.index();
  walk.bad_blocks = walker.bad_data_blocks();
  return walk;
}

void FlipByte(const std::string& path, uint64_t offset) {
  std::string contents = test::ReadFileOrDie(path);
  ASSERT_LT(offset, contents.size());
  contents[offset] ^= 0x20;
  test::WriteFileOrDie(path, contents);
}

TEST(TableWalkerTest, WholeTable) {
  test::TempDir dir;
  const std::string path = dir.Child("t.sst");
  Entries entries = WriteTable(path);
  Walk walk = WalkTable(path);
  ASSERT_TRUE(walk.metadata_ok);
  EXPECT_EQ(walk.entries, entries);
  EXPECT_TRUE(walk.damage.empty());
  EXPECT_GT(walk.index.size(), 10u);
}

TEST(TableWalkerTest, DamagedDataBlockIsSkippedAndLocated) {
  test::TempDir dir;
  const std::string path = dir.Child("t.sst");
  Entries entries = WriteTable(path);
  const auto index = WalkTable(path).index;
  ASSERT_GT(index.size(), 5u);
  const BlockHandle damaged = index[5].handle;
  FlipByte(path, damaged.offset() + damaged.size() / 2);

  Walk walk = WalkTable(path);
  ASSERT_TRUE(walk.metadata_ok);
  ASSERT_EQ(walk.damage.size(), 1u);
  EXPECT_EQ(walk.damage[0].offset, damaged.offset());
  EXPECT_EQ(walk.bad_blocks, 1u);
  // Exactly the entries of block 5 are missing: those after separator 4 up
  // to separator 5.
  Entries expected;
  for (const auto& entry : entries) {
    if (InternalKeyComparator(BytewiseComparator()).Compare(entry.first, index[4].separator) <= 0 ||
        InternalKeyComparator(BytewiseComparator()).Compare(entry.first, index[5].separator) > 0) {
      expected.push_back(entry);
    }
  }
  EXPECT_LT(expected.size(), entries.size());
  EXPECT_EQ(walk.entries, expected);
}

TEST(TableWalkerTest, DamagedFilterLosesNoData) {
  test::TempDir dir;
  const std::string path = dir.Child("t.sst");
  Entries entries = WriteTable(path);
  uint64_t size;
  std::unique_ptr<RandomAccessFile> file;
  ASSERT_TRUE(DefaultFileSystem()->GetFileSize(path, &size).ok());
  ASSERT_TRUE(DefaultFileSystem()->NewRandomAccessFile(path, &file).ok());
  TableWalker probe(file.get(), size, BytewiseComparator());
  ASSERT_TRUE(probe.ReadMetadata());
  ASSERT_TRUE(probe.has_filter());
  const uint64_t filter_offset = probe.filter_handle().offset();
  FlipByte(path, filter_offset + 3);

  Walk walk = WalkTable(path);
  ASSERT_TRUE(walk.metadata_ok);
  EXPECT_EQ(walk.entries, entries);
  ASSERT_FALSE(walk.damage.empty());
  EXPECT_EQ(walk.damage[0].offset, filter_offset);
}

TEST(TableWalkerTest, BrokenFooterStopsTheWalk) {
  test::TempDir dir;
  const std::string path = dir.Child("t.sst");
  WriteTable(path);
  FlipByte(path, test::ReadFileOrDie(path).size() - 1);
  Walk walk = WalkTable(path);
  EXPECT_FALSE(walk.metadata_ok);
  ASSERT_EQ(walk.damage.size(), 1u);
  EXPECT_EQ(walk.damage[0].offset, test::ReadFileOrDie(path).size() - 48);
}

}  // namespace
}  // namespace strata
