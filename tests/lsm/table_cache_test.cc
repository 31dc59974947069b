// Tests for TableCache (lsm/table_cache.h) through its public methods, on
// real table files in a temporary directory: reads through iterators and
// Get, one open per table while it stays cached, Evict then reopen, a
// missing or damaged file reported with its name (and retried, never
// cached), the bound on open tables, and the uncached reader of reads that
// do not fill the block cache.

#include "lsm/table_cache.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "lsm/filename.h"
#include "lsm/iterator_test_util.h"
#include "test_util.h"

namespace strata {
namespace {

using test::InternalPosition;
using test::ParseEntries;
using test::TempDir;
using test::WriteTableFile;

class TableCacheTest : public testing::Test {
 protected:
  explicit TableCacheTest(int max_open_files = 1000) {
    options_.max_open_files = max_open_files;
    cache_ = std::make_unique<TableCache>(dir_.path(), options_, DefaultFileSystem(), &block_cache_,
                                          &stats_);
  }

  // Everything an iterator over file reads, forward, in text form.
  std::string Scan(const FileMetaData& file) {
    std::unique_ptr<Iterator> it = cache_->NewIterator(ReadOptions(), file);
    std::string out;
    for (it->SeekToFirst(); it->Valid(); it->Next()) out += InternalPosition(*it) + " ";
    if (!it->status().ok()) out += "(error: " + it->status().ToString() + ")";
    return out;
  }

  // Get of user_key at the newest sequence: the value, "(deleted)",
  // "(not found)" or the error.
  std::string Get(const FileMetaData& file, const std::string& user_key) {
    std::string value;
    TableReader::GetResult result = TableReader::GetResult::kNotFound;
    Status s =
        cache_->Get(ReadOptions(), file, LookupKey(user_key, kMaxSequenceNumber), &value, &result);
    if (!s.ok()) return "(error: " + s.ToString() + ")";
    switch (result) {
      case TableReader::GetResult::kFound:
        return value;
      case TableReader::GetResult::kDeleted:
        return "(deleted)";
      case TableReader::GetResult::kNotFound:
        return "(not found)";
    }
    return "(?)";
  }

  TempDir dir_;
  Options options_;
  LRUCache block_cache_{1 << 20};
  TableReadStats stats_;
  std::unique_ptr<TableCache> cache_;
};

TEST_F(TableCacheTest, IteratorAndGetReadTheTable) {
  FileMetaData file = WriteTableFile(dir_.path(), 7, ParseEntries("a.3=apple b.5:del c.2=cherry"));
  EXPECT_EQ(Scan(file), "a.3=apple b.5:del c.2=cherry ");
  EXPECT_EQ(Get(file, "a"), "apple");
  EXPECT_EQ(Get(file, "b"), "(deleted)");
  EXPECT_EQ(Get(file, "c"), "cherry");
  EXPECT_EQ(Get(file, "bb"), "(not found)");
}

TEST_F(TableCacheTest, OpensATableOnceWhileItStaysCached) {
  FileMetaData file = WriteTableFile(dir_.path(), 7, ParseEntries("a.1=1 b.1=2"));
  EXPECT_EQ(Scan(file), "a.1=1 b.1=2 ");
  LRUCache::Stats first = cache_->GetStats();
  EXPECT_EQ(first.inserts, 1u);
  EXPECT_EQ(first.misses, 1u);
  for (int i = 0; i < 5; i++) {
    EXPECT_EQ(Get(file, "a"), "1");
    EXPECT_EQ(Scan(file), "a.1=1 b.1=2 ");
  }
  LRUCache::Stats later = cache_->GetStats();
  EXPECT_EQ(later.inserts, 1u) << "the table was opened again";
  EXPECT_EQ(later.hits, first.hits + 10);
  EXPECT_EQ(later.usage, 1u);  // each open table is charged 1
}

// A compaction's reads (fill_cache false) read the whole table once: with
// mapped tables they get a pread reader of their own, so the table's pages do
// not all join the resident set through the cached reader's mapping.
TEST_F(TableCacheTest, ReadsThatDoNotFillTheCacheUseAReaderOfTheirOwn) {
  FileMetaData file = WriteTableFile(dir_.path(), 7, ParseEntries("a.1=1 b.1=2 c.1=3"));
  ReadOptions once;
  once.fill_cache = false;
  for (int i = 0; i < 3; i++) {
    std::unique_ptr<Iterator> it = cache_->NewIterator(once, file);
    std::string out;
    for (it->SeekToFirst(); it->Valid(); it->Next()) out += InternalPosition(*it) + " ";
    EXPECT_TRUE(it->status().ok()) << it->status().ToString();
    EXPECT_EQ(out, "a.1=1 b.1=2 c.1=3 ");
  }
  LRUCache::Stats stats = cache_->GetStats();
  EXPECT_EQ(stats.inserts, 0u);
  EXPECT_EQ(stats.usage, 0u);
  // A missing file is still Corruption naming it.
  FileMetaData missing = file;
  missing.number = 8;
  std::unique_ptr<Iterator> it = cache_->NewIterator(once, missing);
  EXPECT_TRUE(it->status().IsCorruption()) << it->status().ToString();

  // Without mapped reads every reader is the cached one.
  options_.allow_mmap_reads = false;
  cache_ = std::make_unique<TableCache>(dir_.path(), options_, DefaultFileSystem(), &block_cache_,
                                        &stats_);
  it = cache_->NewIterator(once, file);
  it->SeekToFirst();
  EXPECT_TRUE(it->Valid());
  EXPECT_EQ(cache_->GetStats().inserts, 1u);
}

TEST_F(TableCacheTest, EvictClosesTheTableAndTheNextReadReopensIt) {
  FileMetaData file = WriteTableFile(dir_.path(), 9, ParseEntries("a.1=1 b.1=2 c.1=3"));
  std::unique_ptr<Iterator> pinned = cache_->NewIterator(ReadOptions(), file);
  pinned->SeekToFirst();
  EXPECT_EQ(cache_->GetStats().pinned_usage, 1u);

  cache_->Evict(file.number);
  EXPECT_EQ(cache_->GetStats().usage, 0u) << "an evicted table is still cached";
  EXPECT_EQ(Scan(file), "a.1=1 b.1=2 c.1=3 ");
  EXPECT_EQ(cache_->GetStats().inserts, 2u) << "the next read did not reopen the table";

  // As after a compaction: the file is deleted, then evicted. The iterator
  // pins the reader it had, so eviction never closes a file under a reader;
  // a new read finds the file gone.
  ASSERT_TRUE(DefaultFileSystem()->RemoveFile(TableFileName(dir_.path(), 9)).ok());
  cache_->Evict(file.number);
  ASSERT_TRUE(pinned->Valid());
  EXPECT_EQ(InternalPosition(*pinned), "a.1=1");
  pinned->Next();
  pinned->Next();
  EXPECT_EQ(InternalPosition(*pinned), "c.1=3");
  EXPECT_TRUE(pinned->status().ok()) << pinned->status().ToString();
  pinned.reset();
  EXPECT_EQ(cache_->GetStats().pinned_usage, 0u);
  EXPECT_NE(Get(file, "a").find("missing table file"), std::string::npos);
}

TEST_F(TableCacheTest, MissingFileIsCorruptionNamingTheFileAndIsRetried) {
  FileMetaData file;
  file.number = 12;
  file.file_size = 1000;
  const std::string name = TableFileName(dir_.path(), 12);
  std::string scan = Scan(file);
  EXPECT_NE(scan.find("Corruption"), std::string::npos) << scan;
  EXPECT_NE(scan.find("missing table file"), std::string::npos) << scan;
  EXPECT_NE(scan.find(name), std::string::npos) << scan;
  std::string get = Get(file, "a");
  EXPECT_NE(get.find("missing table file"), std::string::npos) << get;
  EXPECT_EQ(cache_->GetStats().usage, 0u) << "an error was cached";

  // Errors are not cached: once the file exists the same lookup works.
  file = WriteTableFile(dir_.path(), 12, ParseEntries("a.1=found"));
  EXPECT_EQ(Get(file, "a"), "found");
}

TEST_F(TableCacheTest, DamagedFileIsCorruptionNamingTheFile) {
  FileMetaData file = WriteTableFile(dir_.path(), 15, ParseEntries("a.1=1 b.1=2 c.1=3"));
  const std::string name = TableFileName(dir_.path(), 15);
  // The footer's magic number is the file's last bytes.
  test::XorByteOrDie(name, file.file_size - 1, 0xff);
  std::string scan = Scan(file);
  EXPECT_NE(scan.find("Corruption"), std::string::npos) << scan;
  EXPECT_NE(scan.find(name), std::string::npos) << scan;

  // A size that does not match the file (a MANIFEST from another life) is
  // caught too.
  FileMetaData good = WriteTableFile(dir_.path(), 16, ParseEntries("a.1=1"));
  FileMetaData wrong_size = good;
  wrong_size.file_size = good.file_size - 5;
  std::string get = Get(wrong_size, "a");
  EXPECT_NE(get.find("Corruption"), std::string::npos) << get;
  EXPECT_NE(get.find(TableFileName(dir_.path(), 16)), std::string::npos) << get;
  EXPECT_EQ(Get(good, "a"), "1") << "the failed open stuck to the file";
}

// A cache for at most a few tables (max_open_files minus the files the DB
// reserves for its WAL, MANIFEST and the like).
class SmallTableCacheTest : public TableCacheTest {
 protected:
  SmallTableCacheTest() : TableCacheTest(/*max_open_files=*/14) {}
};

TEST_F(SmallTableCacheTest, KeepsAtMostCapacityTablesOpen) {
  const size_t capacity = cache_->GetStats().capacity;
  ASSERT_GT(capacity, 0u);
  ASSERT_LT(capacity, static_cast<size_t>(options_.max_open_files));
  std::vector<FileMetaData> files;
  for (uint64_t n = 1; n <= capacity + 6; n++) {
    std::string key = "k" + std::to_string(n);
    files.push_back(WriteTableFile(dir_.path(), n, ParseEntries(key + ".1=v" + std::to_string(n))));
  }
  for (const FileMetaData& f : files) {
    EXPECT_EQ(Get(f, "k" + std::to_string(f.number)), "v" + std::to_string(f.number));
    EXPECT_LE(cache_->GetStats().usage, capacity);
  }
  EXPECT_GE(cache_->GetStats().evictions, 6u);
  // The tables evicted first reopen on demand.
  EXPECT_EQ(Get(files.front(), "k1"), "v1");

  // Pinned tables may exceed the bound (none is closed under a reader);
  // once released, the cache shrinks back within it.
  std::vector<std::unique_ptr<Iterator>> pins;
  for (const FileMetaData& f : files) {
    pins.push_back(cache_->NewIterator(ReadOptions(), f));
    pins.back()->SeekToFirst();
  }
  for (size_t i = 0; i < pins.size(); i++) {
    ASSERT_TRUE(pins[i]->Valid()) << "table " << files[i].number;
  }
  pins.clear();
  FileMetaData one_more = WriteTableFile(dir_.path(), 100, ParseEntries("z.1=z"));
  EXPECT_EQ(Get(one_more, "z"), "z");
  EXPECT_LE(cache_->GetStats().usage, capacity);
}

}  // namespace
}  // namespace strata
