// Iterator bounds (ReadOptions::iterate_lower_bound, iterate_upper_bound;
// issue 16) through the DB: random moves in both directions against a
// std::map model restricted to the bounds, over a database spread across
// memtables, level 0 and deeper levels; and the cost side: a bounded scan of
// a small range in a large multi-level database opens a handful of data
// blocks ("strata.data-blocks-read"), however far it walks past the bound.

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "lsm/db_test_util.h"
#include "lsm/iterator_test_util.h"
#include "strata/db.h"
#include "test_util.h"
#include "util/random.h"

namespace strata {
namespace {

std::string Key(uint64_t i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "k%07llu", static_cast<unsigned long long>(i));
  return buf;
}

// Small memtables, tables and blocks, so a few MiB make several levels of
// many tables of many blocks.
Options SmallTableOptions() {
  Options options;
  options.write_buffer_size = 64 << 10;
  options.block_size = 512;
  options.target_file_size = 64 << 10;
  options.max_bytes_for_level_base = 256 << 10;
  options.compression = kNoCompression;
  return options;
}

using Model = std::map<std::string, std::string>;

Model Within(const Model& model, const std::string* lower, const std::string* upper) {
  Model result;
  for (const auto& [key, value] : model) {
    if (lower != nullptr && key < *lower) continue;
    if (upper != nullptr && key >= *upper) continue;
    result.emplace(key, value);
  }
  return result;
}

TEST(DBIteratorBoundsTest, RandomMovesMatchTheModelWithinTheBounds) {
  test::TempDir dir;
  const std::string dbname = dir.Child("db");
  std::unique_ptr<DB> db = test::OpenOrDie(SmallTableOptions(), dbname);
  ASSERT_NE(db, nullptr);
  Random rnd(301);
  Model model;
  // Overwrites and deletes over 3,000 keys, in rounds, so every key has
  // versions in several levels, level 0 and the memtable.
  for (int round = 0; round < 6; round++) {
    for (int i = 0; i < 4000; i++) {
      std::string key = Key(rnd.Uniform(3000));
      if (rnd.Uniform(5) == 0) {
        ASSERT_TRUE(db->Delete(key).ok());
        model.erase(key);
      } else {
        std::string value = key + "@" + std::to_string(round) + std::string(rnd.Uniform(60), 'v');
        ASSERT_TRUE(db->Put(key, value).ok());
        model[key] = value;
      }
    }
    if (round == 3) {
      ASSERT_TRUE(test::WaitForBackgroundWork(db.get()).ok());
    }
  }
  ASSERT_GT(test::IntProperty(db.get(), "strata.num-files-at-level0") +
                test::IntProperty(db.get(), "strata.num-files-at-level1"),
            0u);

  for (int trial = 0; trial < 60; trial++) {
    // Bounds of every kind: none, one side, both, empty, inverted, outside
    // the keys, not keys themselves.
    std::string lower = Key(rnd.Uniform(3200)), upper = Key(rnd.Uniform(3200));
    if (rnd.OneIn(3)) lower += "x";
    if (rnd.OneIn(3)) upper += "x";
    const bool has_lower = !rnd.OneIn(4), has_upper = !rnd.OneIn(4);
    const std::string_view lower_view = lower, upper_view = upper;
    ReadOptions options;
    if (has_lower) options.iterate_lower_bound = &lower_view;
    if (has_upper) options.iterate_upper_bound = &upper_view;
    const Model expected =
        Within(model, has_lower ? &lower : nullptr, has_upper ? &upper : nullptr);
    std::unique_ptr<Iterator> it = db->NewIterator(options);
    // The model's answer to Seek below the lower bound is its first key,
    // which is what lower_bound over the restricted model says too.
    test::CheckRandomMoves(it.get(), expected, &rnd, 200, [&] {
      std::string target = Key(rnd.Uniform(3200));
      return rnd.OneIn(4) ? target.substr(0, 1 + rnd.Uniform(6)) : target;
    });
    if (HasFatalFailure()) {
      ADD_FAILURE() << "trial " << trial << " lower " << (has_lower ? lower : "(none)") << " upper "
                    << (has_upper ? upper : "(none)");
      return;
    }
    // Whole walks both ways.
    Model forward, backward;
    for (it->SeekToFirst(); it->Valid(); it->Next()) forward.emplace(it->key(), it->value());
    for (it->SeekToLast(); it->Valid(); it->Prev()) backward.emplace(it->key(), it->value());
    ASSERT_TRUE(it->status().ok()) << it->status().ToString();
    EXPECT_EQ(forward, expected) << test::ModelDiff(expected, forward, 5);
    EXPECT_EQ(backward, expected) << test::ModelDiff(expected, backward, 5);
  }
}

TEST(DBIteratorBoundsTest, BoundsHoldAtASnapshot) {
  test::TempDir dir;
  std::unique_ptr<DB> db = test::OpenOrDie(SmallTableOptions(), dir.Child("db"));
  ASSERT_NE(db, nullptr);
  for (int i = 0; i < 10; i++) ASSERT_TRUE(db->Put(Key(i), "old").ok());
  test::ScopedSnapshot snapshot = test::TakeSnapshot(db.get());
  for (int i = 0; i < 10; i++) ASSERT_TRUE(db->Put(Key(i), "new").ok());
  ASSERT_TRUE(db->Delete(Key(4)).ok());
  const std::string lower_key = Key(3), upper_key = Key(6);
  const std::string_view lower = lower_key, upper = upper_key;
  ReadOptions options;
  options.snapshot = snapshot.get();
  options.iterate_lower_bound = &lower;
  options.iterate_upper_bound = &upper;
  std::unique_ptr<Iterator> it = db->NewIterator(options);
  std::string seen;
  for (it->SeekToLast(); it->Valid(); it->Prev())
    seen += std::string(it->key()) + "=" + std::string(it->value()) + " ";
  EXPECT_EQ(seen, Key(5) + "=old " + Key(4) + "=old " + Key(3) + "=old ");
  it->Seek(Key(0));  // below the lower bound: lands on it
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), Key(3));
  it->Seek(Key(7));  // at or past the upper bound: nothing
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
}

// Builds a database of `keys` keys (in order, so each level's tables hold
// disjoint ranges), some rewritten later so level 0 and the upper levels
// hold tables spanning the whole key range.
void BuildLargeDatabase(DB* db, uint64_t keys, Random* rnd) {
  const std::string value(100, 'v');
  WriteBatch batch;
  for (uint64_t i = 0; i < keys; i++) {
    batch.Put(Key(i), value);
    if (batch.Count() == 100) {
      ASSERT_TRUE(db->Write(&batch).ok());
      batch.Clear();
    }
  }
  ASSERT_TRUE(db->Write(&batch).ok());
  ASSERT_TRUE(test::WaitForBackgroundWork(db).ok());
  // Scattered overwrites: tables (and memtable entries) across the range.
  for (int i = 0; i < 3000; i++) ASSERT_TRUE(db->Put(Key(rnd->Uniform(keys)), "new").ok());
}

TEST(DBIteratorBoundsTest, ABoundedScanOfASmallRangeReadsAHandfulOfBlocks) {
  test::TempDir dir;
  std::unique_ptr<DB> db = test::OpenOrDie(SmallTableOptions(), dir.Child("db"));
  ASSERT_NE(db, nullptr);
  Random rnd(17);
  const uint64_t keys = 60000;  // ~7 MiB: ~15,000 blocks in ~100 tables
  BuildLargeDatabase(db.get(), keys, &rnd);
  ASSERT_TRUE(test::WaitForBackgroundWork(db.get()).ok());
  int levels_with_files = 0;
  for (int level = 0; level < 7; level++) {
    if (test::IntProperty(db.get(), "strata.num-files-at-level" + std::to_string(level)) > 0) {
      levels_with_files++;
    }
  }
  std::string sstables;
  ASSERT_TRUE(db->GetProperty("strata.sstables", &sstables));
  ASSERT_GE(levels_with_files, 2) << sstables;

  const std::string_view lower = "k0031000", upper = "k0031020";  // 20 keys
  ReadOptions options;
  options.iterate_lower_bound = &lower;
  options.iterate_upper_bound = &upper;
  auto blocks_for = [&](bool forward) {
    uint64_t before = test::IntProperty(db.get(), "strata.data-blocks-read");
    std::unique_ptr<Iterator> it = db->NewIterator(options);
    int n = 0;
    if (forward) {
      for (it->SeekToFirst(); it->Valid(); it->Next()) n++;
    } else {
      for (it->SeekToLast(); it->Valid(); it->Prev()) n++;
    }
    EXPECT_TRUE(it->status().ok()) << it->status().ToString();
    EXPECT_EQ(n, 20);
    return test::IntProperty(db.get(), "strata.data-blocks-read") - before;
  };
  const uint64_t forward = blocks_for(true);
  const uint64_t backward = blocks_for(false);
  // 20 keys of ~110 bytes span 5 or 6 blocks of 512 bytes per table that
  // holds them; each level (and level-0 table) overlapping the range adds
  // them, plus one block at the seek. Far from the ~15,000 of a full scan.
  std::printf("bounded 20-key scan of %llu keys: %llu blocks forward, %llu backward\n",
              static_cast<unsigned long long>(keys), static_cast<unsigned long long>(forward),
              static_cast<unsigned long long>(backward));
  EXPECT_LE(forward, 40u);
  EXPECT_LE(backward, 40u);

  // Without bounds, the same walk to the end reads every block after the
  // range: the bound is what stops it.
  uint64_t before = test::IntProperty(db.get(), "strata.data-blocks-read");
  std::unique_ptr<Iterator> it = db->NewIterator(ReadOptions());
  for (it->Seek(lower); it->Valid() && it->key() < upper; it->Next()) {
  }
  const uint64_t unbounded_walk = test::IntProperty(db.get(), "strata.data-blocks-read") - before;
  EXPECT_LE(unbounded_walk, 60u);  // a walk that stops by itself is cheap too
  EXPECT_GE(unbounded_walk, forward);
}

}  // namespace
}  // namespace strata
