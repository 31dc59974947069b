// Tests that one block cache can serve several DBs: two TableCaches (as two
// DBs own) share one LRUCache, each over its own directory holding a table with
// the same file number but different contents. Block cache keys carry each
// TableCache's id (LRUCache::NewId), so each reads its own blocks, never the
// other's.

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>

#include "buffer/lru_cache.h"
#include "lsm/filename.h"
#include "lsm/table_cache.h"
#include "sstable/table_builder.h"
#include "strata/file_system.h"
#include "strata/options.h"
#include "test_util.h"
#include "util/internal_key.h"

namespace strata {
namespace {

constexpr uint64_t kFileNumber = 5;
constexpr int kKeys = 500;

std::string KeyAt(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%05d", i);
  return buf;
}

std::string ValueAt(const std::string& db, int i) { return db + "-value-" + std::to_string(i); }

// Writes table kFileNumber in dir: KeyAt(i) -> ValueAt(db, i) for every i,
// in blocks small enough to make many of them. Fills *meta.
void WriteTable(const std::string& dir, const std::string& db, FileMetaData* meta) {
  const std::string path = TableFileName(dir, kFileNumber);
  std::unique_ptr<WritableFile> file;
  ASSERT_TRUE(DefaultFileSystem()->NewWritableFile(path, &file).ok());
  TableBuilderOptions options;
  options.block_size = 256;
  TableBuilder builder(options, file.get());
  for (int i = 0; i < kKeys; i++) {
    builder.Add(MakeInternalKey(KeyAt(i), 100, kTypeValue), ValueAt(db, i));
  }
  ASSERT_TRUE(builder.Finish().ok());
  ASSERT_TRUE(file->Close().ok());
  meta->number = kFileNumber;
  meta->file_size = builder.FileSize();
  meta->smallest = MakeInternalKey(KeyAt(0), 100, kTypeValue);
  meta->largest = MakeInternalKey(KeyAt(kKeys - 1), 100, kTypeValue);
}

// Scans the whole table through table_cache and checks every value is db's.
void ExpectScanReads(TableCache* table_cache, const FileMetaData& meta, const std::string& db) {
  std::unique_ptr<Iterator> it = table_cache->NewIterator(ReadOptions(), meta);
  int i = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), i++) {
    ASSERT_LT(i, kKeys);
    ASSERT_EQ(MakeInternalKey(KeyAt(i), 100, kTypeValue), it->key());
    ASSERT_EQ(ValueAt(db, i), it->value());
  }
  ASSERT_TRUE(it->status().ok()) << it->status().ToString();
  EXPECT_EQ(kKeys, i);
}

void ExpectGetReads(TableCache* table_cache, const FileMetaData& meta, const std::string& db) {
  for (int i = 0; i < kKeys; i += 7) {
    std::string value;
    TableReader::GetResult result;
    ASSERT_TRUE(
        table_cache->Get(ReadOptions(), meta, LookupKey(KeyAt(i), 200), &value, &result).ok());
    ASSERT_EQ(TableReader::GetResult::kFound, result);
    EXPECT_EQ(ValueAt(db, i), value);
  }
}

TEST(SharedCacheTest, TableCachesSharingABlockCacheReadTheirOwnTables) {
  test::TempDir dir_a;
  test::TempDir dir_b;
  FileMetaData meta_a;
  FileMetaData meta_b;
  ASSERT_NO_FATAL_FAILURE(WriteTable(dir_a.path(), "a", &meta_a));
  ASSERT_NO_FATAL_FAILURE(WriteTable(dir_b.path(), "b", &meta_b));

  LRUCache block_cache(8 << 20);
  Options options;
  // Hits below must be hits on another cache's blocks, not on blocks a
  // scan's own read-ahead put there.
  options.scan_readahead_blocks = 0;
  TableReadStats stats_a;
  TableReadStats stats_b;
  TableCache cache_a(dir_a.path(), options, DefaultFileSystem(), &block_cache, &stats_a);
  TableCache cache_b(dir_b.path(), options, DefaultFileSystem(), &block_cache, &stats_b);

  // a fills the cache with its blocks; b, same file number and offsets,
  // must miss every one of them and read its own.
  ASSERT_NO_FATAL_FAILURE(ExpectScanReads(&cache_a, meta_a, "a"));
  const LRUCache::Stats after_a = block_cache.GetStats();
  ASSERT_GT(after_a.inserts, 1u);
  ASSERT_NO_FATAL_FAILURE(ExpectScanReads(&cache_b, meta_b, "b"));
  const LRUCache::Stats after_b = block_cache.GetStats();
  EXPECT_EQ(after_a.hits, after_b.hits);
  EXPECT_EQ(2 * after_a.inserts, after_b.inserts);

  // Both sets of blocks now cached: each still reads its own, from the cache.
  ASSERT_NO_FATAL_FAILURE(ExpectGetReads(&cache_a, meta_a, "a"));
  ASSERT_NO_FATAL_FAILURE(ExpectGetReads(&cache_b, meta_b, "b"));
  ASSERT_NO_FATAL_FAILURE(ExpectScanReads(&cache_a, meta_a, "a"));
  ASSERT_NO_FATAL_FAILURE(ExpectScanReads(&cache_b, meta_b, "b"));
  EXPECT_EQ(after_b.inserts, block_cache.GetStats().inserts);
  EXPECT_GT(block_cache.GetStats().hits, after_b.hits);
}

}  // namespace
}  // namespace strata
