// Tests for NewLevelIterator and FindFile (lsm/level_iterator.h) over real
// table files of one level, through a TableCache: scripted moves across
// file boundaries in both directions, Seek into gaps between files, an
// empty level, a missing file stopping the walk with its error (never
// skipping its keys), and random moves against a std::map.

#include "lsm/level_iterator.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lsm/iterator_test_util.h"
#include "test_util.h"
#include "util/random.h"

namespace strata {
namespace {

using test::InternalPosition;
using test::InternalTarget;
using test::ParseEntries;
using test::RunScript;
using test::TempDir;
using test::WriteTableFile;

using FileList = std::vector<std::shared_ptr<const FileMetaData>>;

class LevelIteratorTest : public testing::Test {
 protected:
  LevelIteratorTest()
      : table_cache_(dir_.path(), options_, DefaultFileSystem(), &block_cache_, &stats_) {}

  // Adds a file of the level holding text's entries (in key order after
  // the files added before).
  void AddFile(const std::string& text) {
    FileMetaData meta = WriteTableFile(dir_.path(), next_number_++, ParseEntries(text));
    files_.push_back(std::make_shared<const FileMetaData>(meta));
  }

  std::unique_ptr<Iterator> NewIterator() {
    return NewLevelIterator(ReadOptions(), &table_cache_,
                            InternalKeyComparator(BytewiseComparator()), &files_);
  }

  void RunMoves(const std::string& script) {
    std::unique_ptr<Iterator> it = NewIterator();
    RunScript(it.get(), script, InternalTarget, InternalPosition);
  }

  TempDir dir_;
  Options options_;
  LRUCache block_cache_{1 << 20};
  TableReadStats stats_;
  TableCache table_cache_;
  FileList files_;
  uint64_t next_number_ = 1;
};

TEST_F(LevelIteratorTest, WalksAcrossFilesInBothDirections) {
  AddFile("a.5=a b.4=b");
  AddFile("d.3=d");
  AddFile("f.9=f-new f.2=f-old g.1=g");
  RunMoves(R"(
    first -> a.5=a
    next  -> b.4=b
    next  -> d.3=d
    next  -> f.9=f-new
    next  -> f.2=f-old
    next  -> g.1=g
    next  -> (invalid)
    last  -> g.1=g
    prev  -> f.2=f-old
    prev  -> f.9=f-new
    prev  -> d.3=d
    prev  -> b.4=b
    prev  -> a.5=a
    prev  -> (invalid)
  )");
}

TEST_F(LevelIteratorTest, SeekFindsTheFileAndCrossesGaps) {
  AddFile("a.5=a b.4=b");
  AddFile("d.3=d");
  AddFile("f.9=f-new f.2=f-old g.1=g");
  RunMoves(R"(
    # Into a file, at and between its entries.
    seek a.5  -> a.5=a
    seek a.1  -> b.4=b
    seek f.5  -> f.2=f-old
    # Past a file's last key: the next file's first.
    seek c.9  -> d.3=d
    seek b.3  -> d.3=d
    seek e.1  -> f.9=f-new
    # Before everything, after everything.
    seek 0.1  -> a.5=a
    seek g.0  -> (invalid)
    seek zz.1 -> (invalid)
    # Direction changes across a file boundary.
    seek d.3  -> d.3=d
    prev      -> b.4=b
    next      -> d.3=d
    next      -> f.9=f-new
    prev      -> d.3=d
  )");
}

TEST_F(LevelIteratorTest, EmptyLevel) {
  RunMoves(R"(
    first    -> (invalid)
    last     -> (invalid)
    seek a.1 -> (invalid)
  )");
  EXPECT_TRUE(NewIterator()->status().ok());
}

TEST_F(LevelIteratorTest, MissingFileStopsTheWalkWithItsError) {
  AddFile("a.1=a");
  AddFile("c.1=c");
  AddFile("e.1=e");
  ASSERT_TRUE(DefaultFileSystem()->RemoveFile(TableFileName(dir_.path(), 2)).ok());
  const std::string missing =
      "(error: Corruption: missing table file: " + TableFileName(dir_.path(), 2) + ")";
  // Forward and backward the walk stops at file 2 instead of jumping to
  // e or a as if c had never been written.
  RunMoves("first -> a.1=a\nnext -> " + missing + "\n");
  RunMoves("last -> e.1=e\nprev -> " + missing + "\n");
  RunMoves("seek b.1 -> " + missing + "\n");
  RunMoves("seek e.1 -> e.1=e\n");
}

TEST_F(LevelIteratorTest, FindFileIsABinarySearchOnLargestKeys) {
  AddFile("b.1=b c.1=c");
  AddFile("e.1=e");
  AddFile("g.1=g h.1=h");
  auto find = [&](const std::string& target) {
    return FindFile(InternalKeyComparator(BytewiseComparator()), files_, InternalTarget(target));
  };
  EXPECT_EQ(find("a.1"), 0u);
  EXPECT_EQ(find("c.1"), 0u);
  EXPECT_EQ(find("c.0"), 1u);  // after c.1 in internal-key order
  EXPECT_EQ(find("d.1"), 1u);
  EXPECT_EQ(find("e.1"), 1u);
  EXPECT_EQ(find("f.1"), 2u);
  EXPECT_EQ(find("h.1"), 2u);
  EXPECT_EQ(find("i.1"), 3u);
  EXPECT_EQ(
      FindFile(InternalKeyComparator(BytewiseComparator()), FileList(), InternalTarget("a.1")), 0u);
}

TEST_F(LevelIteratorTest, RandomMovesMatchAModel) {
  // Twelve files of up to 20 consecutive keys, some files far apart.
  Random rnd(77);
  std::map<std::string, std::string, bool (*)(const std::string&, const std::string&)> model(
      [](const std::string& a, const std::string& b) {
        return InternalKeyComparator(BytewiseComparator()).Compare(a, b) < 0;
      });
  int next_key = 0;
  for (int f = 0; f < 12; f++) {
    next_key += static_cast<int>(rnd.Uniform(30));
    test::Entries entries;
    for (int k = 0, n = 1 + static_cast<int>(rnd.Uniform(20)); k < n; k++) {
      char user[16];
      std::snprintf(user, sizeof(user), "key%05d", next_key++);
      std::string key = MakeInternalKey(user, 1 + rnd.Uniform(100), kTypeValue);
      std::string value = "v" + std::to_string(next_key);
      entries.emplace_back(key, value);
      model[key] = value;
    }
    FileMetaData meta = WriteTableFile(dir_.path(), next_number_++, entries);
    files_.push_back(std::make_shared<const FileMetaData>(meta));
  }

  std::unique_ptr<Iterator> it = NewIterator();
  test::CheckRandomMoves(it.get(), model, &rnd, 2000, [&] {
    char user[16];
    std::snprintf(user, sizeof(user), "key%05d", static_cast<int>(rnd.Uniform(next_key + 5)));
    return MakeInternalKey(user, rnd.Uniform(101), kValueTypeForSeek);
  });
}

}  // namespace
}  // namespace strata
