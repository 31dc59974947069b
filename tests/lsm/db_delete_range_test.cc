// DB::DeleteRange end to end: Get and iterators over memtables and tables,
// snapshots, WAL replay, flush, compaction (covered keys and tombstones
// dropped, space returned), and a randomized differential test against a
// std::map model.

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "lsm/db_test_util.h"
#include "strata/db.h"
#include "strata/write_batch.h"
#include "test_util.h"

namespace strata {
namespace {

using test::GetValue;
using test::ScanAll;
using test::ScanAllBackward;
using test::TakeSnapshot;
using Model = std::map<std::string, std::string>;

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "k%06d", i);
  return buf;
}

class DeleteRangeTest : public testing::Test {
 protected:
  DeleteRangeTest() { Reopen(); }

  Options MakeOptions() const {
    Options options = test::SmallBufferOptions();
    options.target_file_size = 64 << 10;
    options.max_bytes_for_level_base = 256 << 10;
    return options;
  }

  void Reopen() {
    db_.reset();
    db_ = test::OpenOrDie(MakeOptions(), dir_.path());
  }

  void Put(const std::string& k, const std::string& v) {
    ASSERT_TRUE(db_->Put(WriteOptions(), k, v).ok());
  }
  void DeleteRange(const std::string& b, const std::string& e) {
    Status s = db_->DeleteRange(WriteOptions(), b, e);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void CompactAll() {
    Status s = db_->CompactRange(nullptr, nullptr);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void Flush() { ASSERT_TRUE(db_->Flush().ok()); }
  // Flushes and waits until no flush or compaction runs or is due. The
  // tests that count "strata.data-blocks-read" call it before they write
  // what they measure: compactions' own reads are not counted, but one
  // still running (lowered under Options::compaction_nice, slow under a
  // sanitizer) changes the tables the measured reads walk.
  void FlushAndSettle() {
    Flush();
    ASSERT_TRUE(test::WaitForBackgroundWork(db_.get()).ok());
  }

  test::TempDir dir_;
  std::unique_ptr<DB> db_;
};

TEST_F(DeleteRangeTest, EmptyRangeIsANoOp) {
  Put("b", "1");
  DeleteRange("b", "b");
  DeleteRange("c", "a");
  EXPECT_EQ(GetValue(db_.get(), "b"), "1");
}

TEST_F(DeleteRangeTest, MemtableGetAndIterate) {
  for (int i = 0; i < 10; i++) Put(Key(i), "v" + std::to_string(i));
  DeleteRange(Key(3), Key(7));
  EXPECT_EQ(GetValue(db_.get(), Key(2)), "v2");
  EXPECT_EQ(GetValue(db_.get(), Key(3)), "NOT_FOUND");
  EXPECT_EQ(GetValue(db_.get(), Key(6)), "NOT_FOUND");
  EXPECT_EQ(GetValue(db_.get(), Key(7)), "v7");
  Put(Key(4), "again");  // newer than the tombstone
  EXPECT_EQ(GetValue(db_.get(), Key(4)), "again");
  Model expect = {{Key(0), "v0"}, {Key(1), "v1"}, {Key(2), "v2"}, {Key(4), "again"},
                  {Key(7), "v7"}, {Key(8), "v8"}, {Key(9), "v9"}};
  EXPECT_EQ(ScanAll(db_.get()), expect);
  EXPECT_EQ(ScanAllBackward(db_.get()), expect);
}

TEST_F(DeleteRangeTest, TombstoneInNewerSourceHidesOlderTables) {
  for (int i = 0; i < 100; i++) Put(Key(i), "old");
  Flush();
  CompactAll();  // the values now sit in a deeper level
  DeleteRange(Key(10), Key(90));
  EXPECT_EQ(GetValue(db_.get(), Key(50)), "NOT_FOUND");
  Flush();  // the tombstone in a level-0 table over the values below
  EXPECT_EQ(GetValue(db_.get(), Key(50)), "NOT_FOUND");
  EXPECT_EQ(GetValue(db_.get(), Key(9)), "old");
  EXPECT_EQ(GetValue(db_.get(), Key(90)), "old");
  EXPECT_EQ(ScanAll(db_.get()).size(), 20u);
  EXPECT_EQ(ScanAllBackward(db_.get()).size(), 20u);
  Reopen();
  EXPECT_EQ(GetValue(db_.get(), Key(50)), "NOT_FOUND");
  EXPECT_EQ(ScanAll(db_.get()).size(), 20u);
}

TEST_F(DeleteRangeTest, SnapshotsSeeWhatWasThere) {
  for (int i = 0; i < 20; i++) Put(Key(i), "v");
  test::ScopedSnapshot before = TakeSnapshot(db_.get());
  DeleteRange(Key(0), Key(20));
  test::ScopedSnapshot after = TakeSnapshot(db_.get());
  Put(Key(5), "new");
  EXPECT_EQ(GetValue(db_.get(), Key(5), before.get()), "v");
  EXPECT_EQ(GetValue(db_.get(), Key(6), after.get()), "NOT_FOUND");
  EXPECT_EQ(GetValue(db_.get(), Key(5)), "new");
  Flush();
  CompactAll();
  EXPECT_EQ(ScanAll(db_.get(), before.get()).size(), 20u);
  EXPECT_EQ(ScanAll(db_.get(), after.get()).size(), 0u);
  EXPECT_EQ(ScanAll(db_.get()).size(), 1u);
}

TEST_F(DeleteRangeTest, WalReplay) {
  for (int i = 0; i < 10; i++) Put(Key(i), "v");
  WriteBatch batch;
  batch.Put(Key(20), "in batch, before");
  batch.DeleteRange(Key(2), Key(30));
  batch.Put(Key(25), "in batch, after");
  ASSERT_TRUE(db_->Write(WriteOptions(), &batch).ok());
  Reopen();
  EXPECT_EQ(GetValue(db_.get(), Key(1)), "v");
  EXPECT_EQ(GetValue(db_.get(), Key(5)), "NOT_FOUND");
  EXPECT_EQ(GetValue(db_.get(), Key(20)), "NOT_FOUND");
  EXPECT_EQ(GetValue(db_.get(), Key(25)), "in batch, after");
}

TEST_F(DeleteRangeTest, IteratorBoundsAndSeek) {
  for (int i = 0; i < 50; i++) Put(Key(i), "v");
  Flush();
  DeleteRange(Key(10), Key(40));
  const std::string lower_key = Key(5), upper_key = Key(45);
  std::string_view lower = lower_key, upper = upper_key;
  ReadOptions options;
  options.iterate_lower_bound = &lower;
  options.iterate_upper_bound = &upper;
  std::unique_ptr<Iterator> it = db_->NewIterator(options);
  it->Seek(Key(12));
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), Key(40));
  it->Prev();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), Key(9));
  it->SeekToLast();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), Key(44));
  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) n++;
  EXPECT_EQ(n, 10);  // 5..9 and 40..44
}

TEST_F(DeleteRangeTest, SeekIntoADeletedRun) {
  // A Seek whose target a tombstone covers goes straight to the run's end
  // (when the tombstone is above every point version): it must land where
  // stepping would, under bounds, snapshots and versions newer than the
  // tombstone.
  for (int i = 0; i < 50; i++) Put(Key(i), "v");
  Flush();
  test::ScopedSnapshot before = TakeSnapshot(db_.get());
  DeleteRange(Key(10), Key(40));
  auto seek = [&](const ReadOptions& options, const std::string& target) -> std::string {
    std::unique_ptr<Iterator> it = db_->NewIterator(options);
    it->Seek(target);
    EXPECT_TRUE(it->status().ok()) << it->status().ToString();
    return it->Valid() ? std::string(it->key()) : "(invalid)";
  };
  EXPECT_EQ(seek(ReadOptions(), Key(10)), Key(40));
  EXPECT_EQ(seek(ReadOptions(), Key(39)), Key(40));
  EXPECT_EQ(seek(ReadOptions(), Key(9)), Key(9));
  const std::string upper_key = Key(30);
  std::string_view upper = upper_key;
  ReadOptions bounded;
  bounded.iterate_upper_bound = &upper;
  EXPECT_EQ(seek(bounded, Key(12)), "(invalid)");
  ReadOptions old_view;
  old_view.snapshot = before.get();
  EXPECT_EQ(seek(old_view, Key(12)), Key(12));

  // A key rewritten after the tombstone: its version is above it, so no
  // run is skipped whole and the seek finds the new value.
  Put(Key(25), "new");
  EXPECT_EQ(seek(ReadOptions(), Key(12)), Key(25));
  Flush();
  EXPECT_EQ(seek(ReadOptions(), Key(12)), Key(25));
  EXPECT_EQ(seek(ReadOptions(), Key(26)), Key(40));

  // Seek(key()) after a Prev: the target views the iterator's own copy.
  std::unique_ptr<Iterator> it = db_->NewIterator(ReadOptions());
  it->Seek(Key(40));
  it->Prev();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), Key(25));
  it->Seek(it->key());
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), Key(25));
}

TEST_F(DeleteRangeTest, AWriteAfterTheTombstoneEndsOnlyTheRunItReaches) {
  // A scan passes a deleted run with one seek rather than a step per
  // deleted key, also when writes came after the tombstone (a FLUSHALL, then
  // more traffic): a newer version in the memtable ends only the run that
  // reaches its key, wherever else it is.
  for (int i = 0; i < 20000; i++) Put(Key(i), std::string(20, 'v'));
  FlushAndSettle();
  DeleteRange(Key(100), Key(19900));
  Put(Key(5000), "new");       // inside the run: it cuts it in two
  Put(Key(30000), "outside");  // past it
  Model expected;
  for (int i = 0; i < 100; i++) expected[Key(i)] = std::string(20, 'v');
  for (int i = 19900; i < 20000; i++) expected[Key(i)] = std::string(20, 'v');
  expected[Key(5000)] = "new";
  expected[Key(30000)] = "outside";
  auto blocks_read = [&] {
    std::string value;
    EXPECT_TRUE(db_->GetProperty("strata.data-blocks-read", &value));
    return std::stoull(value);
  };
  for (int round = 0; round < 2; round++) {
    const uint64_t before = blocks_read();
    EXPECT_EQ(ScanAll(db_.get()), expected);
    // The 20000 entries fill about 200 blocks; stepping over the deleted
    // keys read every one of them.
    EXPECT_LT(blocks_read() - before, 40u) << "round " << round;
    Flush();  // the second round: the newer versions in a table, under the tombstone's run
  }
}

TEST_F(DeleteRangeTest, SeeksAfterTheTombstoneFindNewerWritesAndSkipDeletedRuns) {
  // A Seek does not ask the memtable (a point source) up front whether a
  // run is deleted whole: the entry it lands on tells. Both ways must give
  // the right key and neither may step over the deleted keys one by one.
  for (int i = 0; i < 20000; i++) Put(Key(i), std::string(20, 'v'));
  FlushAndSettle();
  DeleteRange(Key(100), Key(19900));
  for (int i = 5000; i < 5010; i++) Put(Key(i), "new");
  std::unique_ptr<Iterator> it(db_->NewIterator(ReadOptions()));
  auto blocks_read = [&] {
    std::string value;
    EXPECT_TRUE(db_->GetProperty("strata.data-blocks-read", &value));
    return std::stoull(value);
  };
  const uint64_t before = blocks_read();
  it->Seek(Key(5003));  // a newer write
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), Key(5003));
  EXPECT_EQ(it->value(), "new");
  it->Seek(Key(100));  // a deleted run, up to the newer writes
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), Key(5000));
  it->Seek(Key(5010));  // the run after them, to the tombstone's end
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), Key(19900));
  it->Seek(Key(50));  // before the tombstone
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), Key(50));
  ASSERT_TRUE(it->status().ok());
  // Each seek reads a block or two of each table the keys were flushed to
  // (about 20 in all); stepping over the ~15,000 deleted keys would read
  // ~150 more.
  EXPECT_LT(blocks_read() - before, 50u);
}

TEST_F(DeleteRangeTest, KeysTheTombstoneDeletesInTheMemtableDoNotEndTheRun) {
  // A DeleteRange over keys that are partly still in the memtable (older
  // than the tombstone): the scan skips the run whole, as it did before the
  // memtables became point sources.
  for (int i = 0; i < 20000; i++) Put(Key(i), std::string(20, 'v'));
  FlushAndSettle();
  for (int i = 100; i < 19900; i += 100) Put(Key(i), "newer, deleted too");
  DeleteRange(Key(100), Key(19900));
  Model expected;
  for (int i = 0; i < 100; i++) expected[Key(i)] = std::string(20, 'v');
  for (int i = 19900; i < 20000; i++) expected[Key(i)] = std::string(20, 'v');
  std::string before, after;
  ASSERT_TRUE(db_->GetProperty("strata.data-blocks-read", &before));
  EXPECT_EQ(ScanAll(db_.get()), expected);
  ASSERT_TRUE(db_->GetProperty("strata.data-blocks-read", &after));
  // A seek per memtable key read about 200 blocks.
  EXPECT_LT(std::stoull(after) - std::stoull(before), 40u);
}

// Table sizes on disk, all levels.
uint64_t TotalTableBytes(DB* db) {
  std::string sstables;
  EXPECT_TRUE(db->GetProperty("strata.sstables", &sstables));
  uint64_t total = 0;
  size_t pos = 0;
  while ((pos = sstables.find(" bytes", pos)) != std::string::npos) {
    size_t start = sstables.rfind(' ', pos - 1) + 1;
    total += std::stoull(sstables.substr(start, pos - start));
    pos += 6;
  }
  return total;
}

TEST_F(DeleteRangeTest, CompactionReturnsTheSpace) {
  const int n = 20000;
  std::mt19937 rng(7);
  std::string value(100, 'x');
  for (int i = 0; i < n; i++) {
    for (auto& c : value) c = static_cast<char>('a' + rng() % 26);
    Put(Key(i), value);
  }
  CompactAll();
  const uint64_t before = TotalTableBytes(db_.get());
  ASSERT_GT(before, 1000000u);
  DeleteRange(Key(0), Key(n));
  EXPECT_EQ(ScanAll(db_.get()).size(), 0u);
  CompactAll();
  const uint64_t after = TotalTableBytes(db_.get());
  EXPECT_LT(after * 100, before) << before << " -> " << after;
  EXPECT_EQ(ScanAll(db_.get()).size(), 0u);
  Put(Key(5), "back");
  EXPECT_EQ(GetValue(db_.get(), Key(5)), "back");
}

TEST_F(DeleteRangeTest, SnapshotKeepsCoveredKeysThroughCompaction) {
  for (int i = 0; i < 1000; i++) Put(Key(i), "v");
  CompactAll();
  test::ScopedSnapshot snap = TakeSnapshot(db_.get());
  DeleteRange(Key(100), Key(900));
  CompactAll();
  EXPECT_EQ(ScanAll(db_.get(), snap.get()).size(), 1000u);
  EXPECT_EQ(ScanAll(db_.get()).size(), 200u);
  snap.reset();
  CompactAll();
  EXPECT_EQ(ScanAll(db_.get()).size(), 200u);
  EXPECT_EQ(GetValue(db_.get(), Key(500)), "NOT_FOUND");
}

// A flush leaves out the memtable's entries its own tombstones delete for
// every reader: a DeleteRange over keys still in the memtable (a server's
// FLUSHALL) writes a table of tombstones, not of dead values. Entries a
// snapshot still sees stay, and so does everything written after the
// tombstone.
TEST_F(DeleteRangeTest, FlushLeavesOutWhatTheMemtablesTombstonesDelete) {
  Options options = MakeOptions();
  options.write_buffer_size = 8 << 20;   // every write below stays in one memtable
  options.compression = kNoCompression;  // table sizes count values
  db_.reset();
  db_ = test::OpenOrDie(options, dir_.path());
  const std::string value(200, 'v');
  for (int i = 0; i < 2000; i++) Put(Key(i), value);
  test::ScopedSnapshot snap = TakeSnapshot(db_.get());
  for (int i = 2000; i < 3000; i++) Put(Key(i), value);  // only "now" sees these
  DeleteRange(Key(1000), Key(3000));
  Put(Key(2500), "after");
  Flush();
  // Kept: 0..999 (live), 1000..1999 (the snapshot sees them), 2500's new
  // version: ~400 KB of values. Left out: 2000..2999's (no reader sees
  // them), another 200 KB.
  const uint64_t with_snapshot = TotalTableBytes(db_.get());
  EXPECT_LT(with_snapshot, 2500u * value.size());
  EXPECT_EQ(ScanAll(db_.get(), snap.get()).size(), 2000u);
  EXPECT_EQ(GetValue(db_.get(), Key(1500), snap.get()), value);
  EXPECT_EQ(GetValue(db_.get(), Key(2500), snap.get()), "NOT_FOUND");
  Model now = ScanAll(db_.get());
  EXPECT_EQ(now.size(), 1001u);
  EXPECT_EQ(now[Key(2500)], "after");
  EXPECT_EQ(GetValue(db_.get(), Key(2999)), "NOT_FOUND");
  EXPECT_EQ(GetValue(db_.get(), Key(999)), value);

  // Without a snapshot, everything the tombstone covers goes: the table
  // holds 0..999, the tombstone and 2500's new version.
  snap.reset();
  for (int i = 0; i < 3000; i++) Put(Key(i), value);
  DeleteRange(Key(1000), Key(3000));
  Put(Key(2500), "again");
  Flush();
  // ~200 KB of values, where all 3000 would be 600 KB.
  const uint64_t without_snapshot = TotalTableBytes(db_.get()) - with_snapshot;
  EXPECT_GT(without_snapshot, 1000u * value.size());
  EXPECT_LT(without_snapshot, 1500u * value.size());
  Reopen();
  now = ScanAll(db_.get());
  EXPECT_EQ(now.size(), 1001u);
  EXPECT_EQ(now[Key(2500)], "again");
  EXPECT_EQ(now[Key(0)], value);
  EXPECT_EQ(GetValue(db_.get(), Key(1000)), "NOT_FOUND");
}

// The randomized differential test: random writes, range deletions,
// snapshots, flushes, compactions and reopens, checked against std::map
// models (one per live snapshot) by Get, forward and backward scans, Seek
// and bounded iterators.
TEST_F(DeleteRangeTest, RandomizedAgainstModel) {
  std::mt19937 rng(1701);
  const int kKeys = 400;
  Model model;
  struct Snap {
    test::ScopedSnapshot snapshot;
    Model model;
  };
  std::vector<Snap> snaps;
  auto rand_key = [&] { return Key(static_cast<int>(rng() % kKeys)); };

  auto check = [&](const Model& m, const Snapshot* snapshot) {
    for (int i = 0; i < 30; i++) {
      std::string k = rand_key();
      auto it = m.find(k);
      ASSERT_EQ(GetValue(db_.get(), k, snapshot), it == m.end() ? "NOT_FOUND" : it->second) << k;
    }
    ASSERT_EQ(ScanAll(db_.get(), snapshot), m);
    ReadOptions options;
    options.snapshot = snapshot;
    std::string lo = rand_key(), hi = rand_key();
    if (hi < lo) std::swap(lo, hi);
    std::string_view lower = lo, upper = hi;
    options.iterate_lower_bound = &lower;
    options.iterate_upper_bound = &upper;
    std::unique_ptr<Iterator> iter = db_->NewIterator(options);
    Model bounded(m.lower_bound(lo), m.lower_bound(hi));
    Model seen;
    for (iter->SeekToLast(); iter->Valid(); iter->Prev()) seen.emplace(iter->key(), iter->value());
    ASSERT_EQ(seen, bounded);
    // Seek and one step each way, unbounded.
    options.iterate_lower_bound = options.iterate_upper_bound = nullptr;
    iter = db_->NewIterator(options);
    for (int i = 0; i < 10; i++) {
      std::string target = rand_key();
      iter->Seek(target);
      auto want = m.lower_bound(target);
      ASSERT_EQ(iter->Valid(), want != m.end());
      if (!iter->Valid()) continue;
      ASSERT_EQ(iter->key(), want->first);
      iter->Prev();
      ASSERT_EQ(iter->Valid(), want != m.begin());
      if (iter->Valid()) {
        ASSERT_EQ(iter->key(), std::prev(want)->first);
      }
    }
  };

  for (int step = 0; step < 1500; step++) {
    int op = static_cast<int>(rng() % 100);
    if (op < 50) {
      std::string k = rand_key(), v = "v" + std::to_string(step);
      Put(k, v);
      model[k] = v;
    } else if (op < 58) {
      std::string k = rand_key();
      ASSERT_TRUE(db_->Delete(WriteOptions(), k).ok());
      model.erase(k);
    } else if (op < 68) {
      int b = static_cast<int>(rng() % kKeys);
      int e = b + 1 + static_cast<int>(rng() % 40);
      DeleteRange(Key(b), Key(e));
      model.erase(model.lower_bound(Key(b)), model.lower_bound(Key(e)));
    } else if (op < 72) {
      // A batch mixing the three.
      WriteBatch batch;
      int b = static_cast<int>(rng() % kKeys);
      std::string k1 = rand_key(), k2 = rand_key();
      batch.Put(k1, "b1");
      model[k1] = "b1";
      batch.DeleteRange(Key(b), Key(b + 10));
      model.erase(model.lower_bound(Key(b)), model.lower_bound(Key(b + 10)));
      batch.Put(k2, "b2");
      model[k2] = "b2";
      ASSERT_TRUE(db_->Write(WriteOptions(), &batch).ok());
    } else if (op < 76) {
      if (snaps.size() < 3) {
        snaps.push_back({TakeSnapshot(db_.get()), model});
      } else {
        snaps.erase(snaps.begin() + static_cast<long>(rng() % snaps.size()));
      }
    } else if (op < 80) {
      Flush();
    } else if (op < 82) {
      CompactAll();
    } else if (op < 84) {
      std::string b = rand_key(), e = rand_key();
      if (e < b) std::swap(b, e);
      std::string_view bv = b, ev = e;
      ASSERT_TRUE(db_->CompactRange(&bv, &ev).ok());
    } else if (op < 85) {
      snaps.clear();  // snapshots do not survive a reopen
      Reopen();
    } else if (op < 90) {
      check(model, nullptr);
      for (const auto& s : snaps) check(s.model, s.snapshot.get());
      if (HasFatalFailure()) return;
    }
  }
  ASSERT_TRUE(test::WaitForBackgroundWork(db_.get()).ok());
  check(model, nullptr);
  for (const auto& s : snaps) check(s.model, s.snapshot.get());
  snaps.clear();
  CompactAll();
  check(model, nullptr);
}

}  // namespace
}  // namespace strata
