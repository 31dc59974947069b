// DB-level tests through the public API (strata/db.h) on real directories:
// point reads and writes, binary keys and values, a 64 MiB value, write
// batches applied atomically and in order, snapshots read with Get and with
// iterators (also across flushes and compactions), properties, a
// fault-injecting Options::file_system (failed syncs, a full disk, failed
// flushes), and Open's argument checks and directory locking (in this process
// and in a forked one).

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "lsm/db_test_util.h"
#include "strata/db.h"
#include "test_util.h"

namespace strata {
namespace {

using test::GetValue;
using test::IntProperty;
using test::OpenOrDie;
using test::ScanAll;
using test::TempDir;

class DBTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen(const Options& options = Options()) {
    db_.reset();
    db_ = OpenOrDie(options, dbname_);
    ASSERT_NE(db_, nullptr);
  }

  TempDir dir_;
  const std::string dbname_ = dir_.Child("db");
  std::unique_ptr<DB> db_;
};

TEST_F(DBTest, EmptyDatabase) {
  EXPECT_EQ(GetValue(db_.get(), "a"), "NOT_FOUND");
  std::unique_ptr<Iterator> it = db_->NewIterator();
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  it->SeekToLast();
  EXPECT_FALSE(it->Valid());
  it->Seek("a");
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
}

TEST_F(DBTest, PutGetDelete) {
  ASSERT_TRUE(db_->Put("foo", "v1").ok());
  ASSERT_TRUE(db_->Put("bar", "v2").ok());
  EXPECT_EQ(GetValue(db_.get(), "foo"), "v1");
  EXPECT_EQ(GetValue(db_.get(), "bar"), "v2");

  ASSERT_TRUE(db_->Put("foo", "v3").ok());
  EXPECT_EQ(GetValue(db_.get(), "foo"), "v3");

  ASSERT_TRUE(db_->Delete("foo").ok());
  EXPECT_EQ(GetValue(db_.get(), "foo"), "NOT_FOUND");
  EXPECT_EQ(GetValue(db_.get(), "bar"), "v2");

  // Put after Delete brings the key back.
  ASSERT_TRUE(db_->Put("foo", "v4").ok());
  EXPECT_EQ(GetValue(db_.get(), "foo"), "v4");
}

TEST_F(DBTest, GetMissingKeyIsNotFound) {
  ASSERT_TRUE(db_->Put("b", "x").ok());
  std::string value = "untouched";
  Status s = db_->Get(ReadOptions(), "a", &value);
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
  s = db_->Get(ReadOptions(), "c", &value);
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
  // A prefix or an extension of a stored key is a different key.
  s = db_->Get(ReadOptions(), "", &value);
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
  s = db_->Get(ReadOptions(), "bb", &value);
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
}

TEST_F(DBTest, DeleteOfMissingKeyIsOk) {
  EXPECT_TRUE(db_->Delete("never-written").ok());
  EXPECT_EQ(GetValue(db_.get(), "never-written"), "NOT_FOUND");
  EXPECT_TRUE(ScanAll(db_.get()).empty());
}

TEST_F(DBTest, EmptyValueIsNotAMissingKey) {
  ASSERT_TRUE(db_->Put("k", "").ok());
  std::string value = "stale";
  ASSERT_TRUE(db_->Get(ReadOptions(), "k", &value).ok());
  EXPECT_EQ(value, "");
  std::map<std::string, std::string> expected = {{"k", ""}};
  EXPECT_EQ(ScanAll(db_.get()), expected);
}

TEST_F(DBTest, EmptyKey) {
  ASSERT_TRUE(db_->Put("", "empty-key").ok());
  ASSERT_TRUE(db_->Put("a", "A").ok());
  EXPECT_EQ(GetValue(db_.get(), ""), "empty-key");
  std::unique_ptr<Iterator> it = db_->NewIterator();
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "");
  EXPECT_EQ(it->value(), "empty-key");
  it->Seek("");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "");
  ASSERT_TRUE(db_->Delete("").ok());
  EXPECT_EQ(GetValue(db_.get(), ""), "NOT_FOUND");
}

// std::string_view() has no storage (a null data pointer); as a key or value
// it is the empty string, and must be handled without touching memory.
TEST_F(DBTest, StringViewsWithoutStorage) {
  const std::string_view none;
  ASSERT_TRUE(db_->Put(none, none).ok());
  ASSERT_TRUE(db_->Put("k", none).ok());
  EXPECT_EQ(GetValue(db_.get(), ""), "");
  EXPECT_EQ(GetValue(db_.get(), none), "");
  EXPECT_EQ(GetValue(db_.get(), "k"), "");
  ASSERT_TRUE(db_->Delete(none).ok());
  EXPECT_EQ(GetValue(db_.get(), ""), "NOT_FOUND");
  WriteBatch batch;
  batch.Put(none, none);
  batch.Delete(none);
  ASSERT_TRUE(db_->Write(WriteOptions(), &batch).ok());
  EXPECT_EQ(GetValue(db_.get(), none), "NOT_FOUND");
  ASSERT_TRUE(db_->Flush().ok());
  EXPECT_EQ(GetValue(db_.get(), "k"), "");
  std::unique_ptr<Iterator> it = db_->NewIterator();
  it->Seek(none);
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "k");
}

TEST_F(DBTest, BinaryKeysAndValues) {
  const std::string keys[] = {
      std::string("\0", 1),         std::string("\0\0", 2), std::string("a\0b", 3),
      std::string("a\0c", 3),       std::string("a", 1),    std::string("\x7f", 1),
      std::string("\x80", 1),       std::string("\xff", 1), std::string("\xff\xff", 2),
      std::string("\xff\0\xff", 3),
  };
  for (const auto& key : keys) {
    std::string value = "v" + key + std::string("\0\xff", 2);
    ASSERT_TRUE(db_->Put(key, value).ok());
  }
  for (const auto& key : keys) {
    EXPECT_EQ(GetValue(db_.get(), key), "v" + key + std::string("\0\xff", 2));
  }
  // A key with an embedded NUL is not its prefix.
  EXPECT_EQ(GetValue(db_.get(), "a"), "v" + std::string("a") + std::string("\0\xff", 2));
  EXPECT_EQ(GetValue(db_.get(), std::string("a\0", 2)), "NOT_FOUND");

  // Bytes compare as unsigned: "\xff" sorts after "\x7f" and "\x80".
  std::vector<std::string> expected = {
      std::string("\0", 1),       std::string("\0\0", 2), std::string("a", 1),
      std::string("a\0b", 3),     std::string("a\0c", 3), std::string("\x7f", 1),
      std::string("\x80", 1),     std::string("\xff", 1), std::string("\xff\0\xff", 3),
      std::string("\xff\xff", 2),
  };
  std::vector<std::string> forward;
  std::unique_ptr<Iterator> it = db_->NewIterator();
  for (it->SeekToFirst(); it->Valid(); it->Next()) forward.emplace_back(it->key());
  EXPECT_EQ(forward, expected);
  std::vector<std::string> backward;
  for (it->SeekToLast(); it->Valid(); it->Prev()) backward.emplace_back(it->key());
  std::reverse(backward.begin(), backward.end());
  EXPECT_EQ(backward, expected);

  it->Seek("\x80");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "\x80");
  it->Seek("\x81");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "\xff");
}

TEST_F(DBTest, LargeValueRoundTrip) {
  // 64 MiB: many WAL blocks in one record, and more than the default
  // write_buffer_size in one memtable entry.
  std::string big(64 << 20, '\0');
  for (size_t i = 0; i < big.size(); i++) big[i] = static_cast<char>((i * 7919) >> 3);
  ASSERT_TRUE(db_->Put("big", big).ok());
  ASSERT_TRUE(db_->Put("small", "s").ok());  // lands in a fresh memtable

  std::string value;
  ASSERT_TRUE(db_->Get(ReadOptions(), "big", &value).ok());
  EXPECT_TRUE(value == big) << "size " << value.size();
  EXPECT_EQ(GetValue(db_.get(), "small"), "s");

  Reopen();
  value.clear();
  ASSERT_TRUE(db_->Get(ReadOptions(), "big", &value).ok());
  EXPECT_TRUE(value == big) << "size " << value.size() << " after reopen";
  EXPECT_EQ(GetValue(db_.get(), "small"), "s");

  // From a table: one block far larger than block_size.
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  value.clear();
  ASSERT_TRUE(db_->Get(ReadOptions(), "big", &value).ok());
  EXPECT_TRUE(value == big) << "size " << value.size() << " from a table";
  std::unique_ptr<Iterator> it = db_->NewIterator();
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "big");
  EXPECT_TRUE(it->value() == big);
  it->Next();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "small");
}

TEST_F(DBTest, ReadOptionsDoNotChangeResults) {
  Reopen(test::SmallBufferOptions());
  for (int i = 0; i < 500; i++) {
    ASSERT_TRUE(db_->Put("k" + std::to_string(i), std::string(300, 'a' + i % 26)).ok());
  }
  ASSERT_TRUE(db_->Flush().ok());
  const std::map<std::string, std::string> expected = ScanAll(db_.get());
  ASSERT_EQ(expected.size(), 500u);
  for (bool verify : {false, true}) {
    for (bool fill : {false, true}) {
      ReadOptions options;
      options.verify_checksums = verify;
      options.fill_cache = fill;
      std::map<std::string, std::string> seen;
      std::unique_ptr<Iterator> it = db_->NewIterator(options);
      for (it->SeekToFirst(); it->Valid(); it->Next()) seen.emplace(it->key(), it->value());
      EXPECT_TRUE(it->status().ok());
      EXPECT_TRUE(seen == expected) << "verify " << verify << " fill " << fill;
      std::string value;
      ASSERT_TRUE(db_->Get(options, "k123", &value).ok());
      EXPECT_EQ(value, expected.at("k123"));
    }
  }
}

TEST_F(DBTest, WriteBatchAppliesInOrder) {
  ASSERT_TRUE(db_->Put("deleted-then-put", "old").ok());
  WriteBatch batch;
  batch.Put("put-then-delete", "x");
  batch.Delete("put-then-delete");
  batch.Delete("deleted-then-put");
  batch.Put("deleted-then-put", "new");
  batch.Put("twice", "first");
  batch.Put("twice", "second");
  ASSERT_TRUE(db_->Write(WriteOptions(), &batch).ok());

  EXPECT_EQ(GetValue(db_.get(), "put-then-delete"), "NOT_FOUND");
  EXPECT_EQ(GetValue(db_.get(), "deleted-then-put"), "new");
  EXPECT_EQ(GetValue(db_.get(), "twice"), "second");
  std::map<std::string, std::string> expected = {{"deleted-then-put", "new"}, {"twice", "second"}};
  EXPECT_EQ(ScanAll(db_.get()), expected);

  // The same holds after the batch is replayed from the WAL.
  Reopen();
  EXPECT_EQ(GetValue(db_.get(), "put-then-delete"), "NOT_FOUND");
  EXPECT_EQ(ScanAll(db_.get()), expected);
}

TEST_F(DBTest, WriteBatchIsAtomicAndLeftUnchanged) {
  WriteBatch batch;
  for (int i = 0; i < 100; i++) batch.Put("k" + std::to_string(i), "v" + std::to_string(i));
  const size_t size_before = batch.ApproximateSize();
  const Snapshot* before = db_->GetSnapshot();
  ASSERT_TRUE(db_->Write(WriteOptions(), &batch).ok());
  EXPECT_EQ(batch.Count(), 100u);
  EXPECT_EQ(batch.ApproximateSize(), size_before);

  // All of it after, none of it before.
  EXPECT_EQ(ScanAll(db_.get()).size(), 100u);
  EXPECT_TRUE(ScanAll(db_.get(), before).empty());
  db_->ReleaseSnapshot(before);

  // The batch can be written again (a second copy of every update).
  ASSERT_TRUE(db_->Delete("k5").ok());
  ASSERT_TRUE(db_->Write(WriteOptions(), &batch).ok());
  EXPECT_EQ(GetValue(db_.get(), "k5"), "v5");
}

TEST_F(DBTest, EmptyWriteBatch) {
  const uint64_t sequence = IntProperty(db_.get(), "strata.last-sequence");
  WriteBatch batch;
  EXPECT_TRUE(db_->Write(WriteOptions(), &batch).ok());
  WriteOptions sync;
  sync.sync = true;
  EXPECT_TRUE(db_->Write(sync, &batch).ok());
  EXPECT_EQ(IntProperty(db_.get(), "strata.last-sequence"), sequence);
  EXPECT_TRUE(ScanAll(db_.get()).empty());
}

TEST_F(DBTest, EachUpdateTakesOneSequenceNumber) {
  EXPECT_EQ(IntProperty(db_.get(), "strata.last-sequence"), 0u);
  ASSERT_TRUE(db_->Put("a", "1").ok());
  EXPECT_EQ(IntProperty(db_.get(), "strata.last-sequence"), 1u);
  ASSERT_TRUE(db_->Delete("a").ok());
  EXPECT_EQ(IntProperty(db_.get(), "strata.last-sequence"), 2u);
  WriteBatch batch;
  batch.Put("b", "1");
  batch.Put("c", "1");
  batch.Delete("d");
  ASSERT_TRUE(db_->Write(WriteOptions(), &batch).ok());
  EXPECT_EQ(IntProperty(db_.get(), "strata.last-sequence"), 5u);
}

TEST_F(DBTest, SyncWrites) {
  WriteOptions sync;
  sync.sync = true;
  ASSERT_TRUE(db_->Put(sync, "a", "1").ok());
  ASSERT_TRUE(db_->Delete(sync, "b").ok());
  ASSERT_TRUE(db_->Put(sync, "c", "3").ok());
  EXPECT_EQ(GetValue(db_.get(), "a"), "1");
  EXPECT_EQ(GetValue(db_.get(), "c"), "3");
  Reopen();
  EXPECT_EQ(GetValue(db_.get(), "a"), "1");
  EXPECT_EQ(GetValue(db_.get(), "c"), "3");
}

TEST_F(DBTest, FlushAndCompactRangeKeepData) {
  ASSERT_TRUE(db_->Put("a", "1").ok());
  ASSERT_TRUE(db_->Put("b", "2").ok());
  ASSERT_TRUE(db_->Delete("a").ok());
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  std::map<std::string, std::string> expected = {{"b", "2"}};
  EXPECT_EQ(ScanAll(db_.get()), expected);
  Reopen();
  EXPECT_EQ(ScanAll(db_.get()), expected);
}

TEST_F(DBTest, LargeKey) {
  Reopen(test::SmallBufferOptions());
  const std::string big_key(100000, 'k');
  const std::string other = big_key + "2";
  ASSERT_TRUE(db_->Put(big_key, "v1").ok());
  ASSERT_TRUE(db_->Put(other, "v2").ok());
  ASSERT_TRUE(db_->Put("small", "v3").ok());
  for (int pass = 0; pass < 2; pass++) {
    SCOPED_TRACE(pass == 0 ? "in memtables" : "in tables");
    EXPECT_EQ(GetValue(db_.get(), big_key), "v1");
    EXPECT_EQ(GetValue(db_.get(), other), "v2");
    std::unique_ptr<Iterator> it = db_->NewIterator();
    it->Seek(big_key);
    ASSERT_TRUE(it->Valid());
    EXPECT_TRUE(it->key() == big_key);
    it->Next();
    ASSERT_TRUE(it->Valid());
    EXPECT_TRUE(it->key() == other);
    it->Next();
    ASSERT_TRUE(it->Valid());
    EXPECT_EQ(it->key(), "small");
    it.reset();
    ASSERT_TRUE(db_->Flush().ok());
    ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  }
}

// Many versions of one key, spread over memtables and tables, each read back
// at its snapshot.
TEST_F(DBTest, ManyVersionsOfOneKey) {
  Reopen(test::SmallBufferOptions());
  const std::string padding(500, 'p');
  std::vector<test::ScopedSnapshot> snapshots;
  for (int i = 0; i < 1000; i++) {
    ASSERT_TRUE(db_->Put("key", std::to_string(i) + padding).ok());
    if (i % 100 == 0) snapshots.push_back(test::TakeSnapshot(db_.get()));
    if (i % 250 == 0) {
      ASSERT_TRUE(db_->Flush().ok());
    }
  }
  auto check = [&](const std::string& label) {
    SCOPED_TRACE(label);
    for (size_t i = 0; i < snapshots.size(); i++) {
      ReadOptions options;
      options.snapshot = snapshots[i].get();
      const std::string expected = std::to_string(i * 100) + padding;
      EXPECT_EQ(GetValue(db_.get(), "key", snapshots[i].get()), expected);
      std::unique_ptr<Iterator> it = db_->NewIterator(options);
      it->SeekToLast();
      EXPECT_TRUE(it->Valid() && it->key() == "key" && it->value() == expected) << i;
    }
    EXPECT_EQ(GetValue(db_.get(), "key"), "999" + padding);
    std::map<std::string, std::string> expected = {{"key", "999" + padding}};
    EXPECT_EQ(ScanAll(db_.get()), expected);
    EXPECT_EQ(test::ScanAllBackward(db_.get()), expected);
  };
  check("in memtables and level-0 tables");
  ASSERT_TRUE(db_->Flush().ok());
  check("after a flush");
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  check("after a full compaction");
}

// With one write buffer every switch waits for the previous memtable's
// flush; writes still all complete.
TEST_F(DBTest, SingleWriteBuffer) {
  Options options = test::SmallBufferOptions();
  options.max_write_buffer_number = 1;
  Reopen(options);
  const std::string value(1000, 'v');
  for (int i = 0; i < 1000; i++) ASSERT_TRUE(db_->Put("k" + std::to_string(i), value).ok());
  for (int i = 0; i < 1000; i += 37) EXPECT_EQ(GetValue(db_.get(), "k" + std::to_string(i)), value);
  EXPECT_EQ(ScanAll(db_.get()).size(), 1000u);
}

// ---------------------------------------------------------------------------
// Snapshots

TEST_F(DBTest, SnapshotSeesOldValuesAndTombstones) {
  ASSERT_TRUE(db_->Put("overwritten", "old").ok());
  ASSERT_TRUE(db_->Put("deleted", "here").ok());
  ASSERT_TRUE(db_->Delete("resurrected").ok());
  const Snapshot* s1 = db_->GetSnapshot();

  ASSERT_TRUE(db_->Put("overwritten", "new").ok());
  ASSERT_TRUE(db_->Delete("deleted").ok());
  ASSERT_TRUE(db_->Put("resurrected", "alive").ok());
  ASSERT_TRUE(db_->Put("added", "later").ok());
  const Snapshot* s2 = db_->GetSnapshot();
  ASSERT_TRUE(db_->Put("overwritten", "newest").ok());

  EXPECT_EQ(GetValue(db_.get(), "overwritten", s1), "old");
  EXPECT_EQ(GetValue(db_.get(), "deleted", s1), "here");
  EXPECT_EQ(GetValue(db_.get(), "resurrected", s1), "NOT_FOUND");
  EXPECT_EQ(GetValue(db_.get(), "added", s1), "NOT_FOUND");
  std::map<std::string, std::string> at_s1 = {{"deleted", "here"}, {"overwritten", "old"}};
  EXPECT_EQ(ScanAll(db_.get(), s1), at_s1);

  EXPECT_EQ(GetValue(db_.get(), "overwritten", s2), "new");
  EXPECT_EQ(GetValue(db_.get(), "deleted", s2), "NOT_FOUND");
  std::map<std::string, std::string> at_s2 = {
      {"added", "later"}, {"overwritten", "new"}, {"resurrected", "alive"}};
  EXPECT_EQ(ScanAll(db_.get(), s2), at_s2);

  std::map<std::string, std::string> now = {
      {"added", "later"}, {"overwritten", "newest"}, {"resurrected", "alive"}};
  EXPECT_EQ(ScanAll(db_.get()), now);

  // A snapshot iterator also reads backward at its snapshot.
  ReadOptions at_snapshot;
  at_snapshot.snapshot = s1;
  std::unique_ptr<Iterator> it = db_->NewIterator(at_snapshot);
  it->SeekToLast();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "overwritten");
  EXPECT_EQ(it->value(), "old");
  it->Prev();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "deleted");
  it->Prev();
  EXPECT_FALSE(it->Valid());
  it.reset();

  EXPECT_EQ(IntProperty(db_.get(), "strata.num-snapshots"), 2u);
  db_->ReleaseSnapshot(s1);
  EXPECT_EQ(IntProperty(db_.get(), "strata.num-snapshots"), 1u);
  // The other snapshot still reads its own state after s1 is gone.
  EXPECT_EQ(GetValue(db_.get(), "overwritten", s2), "new");
  db_->ReleaseSnapshot(s2);
  EXPECT_EQ(IntProperty(db_.get(), "strata.num-snapshots"), 0u);
  db_->ReleaseSnapshot(nullptr);  // a no-op
  EXPECT_EQ(IntProperty(db_.get(), "strata.num-snapshots"), 0u);
}

TEST_F(DBTest, SnapshotAcrossMemTableSwitches) {
  Reopen(test::SmallBufferOptions());
  const std::string filler(1000, 'f');
  for (int i = 0; i < 100; i++) ASSERT_TRUE(db_->Put("k" + std::to_string(i), "v1").ok());
  const Snapshot* snapshot = db_->GetSnapshot();
  // Enough to fill several memtables after the snapshot.
  for (int round = 0; round < 3; round++) {
    for (int i = 0; i < 100; i++) {
      std::string key = "k" + std::to_string(i);
      if (i % 3 == 0) {
        ASSERT_TRUE(db_->Delete(key).ok());
      } else {
        ASSERT_TRUE(db_->Put(key, filler + std::to_string(round)).ok());
      }
    }
  }
  EXPECT_GE(test::StatsCounter(db_.get(), "switches"), 3u);
  std::map<std::string, std::string> snap = ScanAll(db_.get(), snapshot);
  ASSERT_EQ(snap.size(), 100u);
  for (const auto& [key, value] : snap) EXPECT_EQ(value, "v1") << key;
  for (int i = 0; i < 100; i += 7) {
    EXPECT_EQ(GetValue(db_.get(), "k" + std::to_string(i), snapshot), "v1");
  }
  EXPECT_EQ(GetValue(db_.get(), "k0"), "NOT_FOUND");
  EXPECT_EQ(GetValue(db_.get(), "k1"), filler + "2");
  db_->ReleaseSnapshot(snapshot);
}

// Flushes and compactions must keep every version a snapshot can see, and
// the tombstones that hide older versions from it.
TEST_F(DBTest, SnapshotSurvivesFlushAndCompaction) {
  Reopen(test::SmallBufferOptions());
  auto key = [](int i) { return "key" + std::to_string(1000 + i); };
  for (int i = 0; i < 200; i++) ASSERT_TRUE(db_->Put(key(i), "v1-" + std::to_string(i)).ok());
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  test::ScopedSnapshot s1 = test::TakeSnapshot(db_.get());
  for (int i = 0; i < 200; i++) {
    if (i % 4 == 0) {
      ASSERT_TRUE(db_->Delete(key(i)).ok());
    } else {
      ASSERT_TRUE(db_->Put(key(i), "v2-" + std::to_string(i)).ok());
    }
  }
  test::ScopedSnapshot s2 = test::TakeSnapshot(db_.get());
  for (int i = 0; i < 200; i += 2) ASSERT_TRUE(db_->Put(key(i), "v3-" + std::to_string(i)).ok());
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());

  for (int i = 0; i < 200; i++) {
    SCOPED_TRACE(key(i));
    const std::string n = std::to_string(i);
    EXPECT_EQ(GetValue(db_.get(), key(i), s1.get()), "v1-" + n);
    EXPECT_EQ(GetValue(db_.get(), key(i), s2.get()), i % 4 == 0 ? "NOT_FOUND" : "v2-" + n);
    EXPECT_EQ(GetValue(db_.get(), key(i)), i % 2 == 0 ? "v3-" + n : "v2-" + n);
  }
  EXPECT_EQ(ScanAll(db_.get(), s1.get()).size(), 200u);
  EXPECT_EQ(ScanAll(db_.get(), s2.get()).size(), 150u);
  EXPECT_EQ(ScanAll(db_.get()).size(), 200u);

  // Once the snapshots are gone, compaction may drop what only they saw;
  // what is current stays.
  s1.reset();
  s2.reset();
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  for (int i = 0; i < 200; i++) {
    EXPECT_EQ(GetValue(db_.get(), key(i)), (i % 2 == 0 ? "v3-" : "v2-") + std::to_string(i));
  }
}

// A tombstone compacted in part of the key range, or kept above older data
// in a lower level, still hides that data.
TEST_F(DBTest, DeletesStayDeletedThroughCompaction) {
  Reopen(test::SmallBufferOptions());
  for (char c = 'a'; c <= 'z'; c++) ASSERT_TRUE(db_->Put(std::string(1, c), "old").ok());
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());  // to the bottom
  ASSERT_TRUE(db_->Delete("b").ok());
  ASSERT_TRUE(db_->Delete("m").ok());
  ASSERT_TRUE(db_->Delete("y").ok());
  ASSERT_TRUE(db_->Put("c", "new").ok());
  ASSERT_TRUE(db_->Flush().ok());
  const std::string_view begin = "a", end = "c";
  ASSERT_TRUE(db_->CompactRange(&begin, &end).ok());
  ASSERT_TRUE(db_->Delete("c").ok());
  ASSERT_TRUE(db_->Flush().ok());

  auto check = [&](const std::string& label) {
    SCOPED_TRACE(label);
    std::map<std::string, std::string> expected;
    for (char c = 'a'; c <= 'z'; c++) {
      if (c != 'b' && c != 'c' && c != 'm' && c != 'y') expected[std::string(1, c)] = "old";
    }
    EXPECT_EQ(ScanAll(db_.get()), expected);
    EXPECT_EQ(test::ScanAllBackward(db_.get()), expected);
    for (const char* k : {"b", "c", "m", "y"}) EXPECT_EQ(GetValue(db_.get(), k), "NOT_FOUND");
  };
  check("after partial compaction");
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  check("after full compaction");
  Reopen(test::SmallBufferOptions());
  check("after reopen");
}

TEST_F(DBTest, SnapshotsAtTheSameSequence) {
  ASSERT_TRUE(db_->Put("a", "1").ok());
  const Snapshot* s1 = db_->GetSnapshot();
  const Snapshot* s2 = db_->GetSnapshot();
  EXPECT_EQ(IntProperty(db_.get(), "strata.num-snapshots"), 2u);
  ASSERT_TRUE(db_->Put("a", "2").ok());
  db_->ReleaseSnapshot(s2);
  EXPECT_EQ(GetValue(db_.get(), "a", s1), "1");
  db_->ReleaseSnapshot(s1);
  EXPECT_EQ(IntProperty(db_.get(), "strata.num-snapshots"), 0u);
}

// ---------------------------------------------------------------------------
// Properties

TEST_F(DBTest, Properties) {
  std::string value = "stale";
  EXPECT_FALSE(db_->GetProperty("strata.no-such-property", &value));
  EXPECT_FALSE(db_->GetProperty("no-prefix", &value));
  EXPECT_FALSE(db_->GetProperty("strata.stats", nullptr));

  ASSERT_TRUE(db_->Put("a", "1").ok());
  ASSERT_TRUE(db_->Put("b", "2").ok());
  EXPECT_EQ(IntProperty(db_.get(), "strata.num-entries-active-mem-table"), 2u);
  EXPECT_EQ(IntProperty(db_.get(), "strata.num-immutable-mem-table"), 0u);
  EXPECT_GT(IntProperty(db_.get(), "strata.cur-size-active-mem-table"), 0u);
  EXPECT_GE(IntProperty(db_.get(), "strata.approximate-memory-usage"),
            IntProperty(db_.get(), "strata.cur-size-active-mem-table"));
  EXPECT_EQ(IntProperty(db_.get(), "strata.wal-corrupted-records"), 0u);
  // Two small writes into a fresh memtable are never slowed.
  EXPECT_EQ(IntProperty(db_.get(), "strata.stall-count"), 0u);
  EXPECT_EQ(IntProperty(db_.get(), "strata.stall-micros"), 0u);
  ASSERT_TRUE(db_->GetProperty("strata.background-error", &value));
  EXPECT_EQ(value, "OK");
  ASSERT_TRUE(db_->GetProperty("strata.stats", &value));
  EXPECT_NE(value.find("group commits"), std::string::npos) << value;
  EXPECT_NE(value.find("last sequence"), std::string::npos) << value;
}

// An empty memtable must be smaller than the smallest write buffer Open
// accepts; otherwise every write switches memtables forever (each switch
// making a new, equally "full" memtable and WAL).
TEST_F(DBTest, EmptyMemTableFitsTheSmallestWriteBuffer) {
  Reopen(test::SmallBufferOptions());
  EXPECT_LT(IntProperty(db_.get(), "strata.cur-size-active-mem-table"), test::kMinWriteBuffer / 2);
}

TEST_F(DBTest, MemTableSwitchesAtWriteBufferSize) {
  Reopen(test::SmallBufferOptions());
  const std::string value(1024, 'v');
  // About 320 KiB: at least four switches of a 64 KiB memtable.
  for (int i = 0; i < 320; i++) ASSERT_TRUE(db_->Put("key" + std::to_string(i), value).ok());
  EXPECT_GE(test::StatsCounter(db_.get(), "switches"), 4u);
  EXPECT_LT(IntProperty(db_.get(), "strata.cur-size-active-mem-table"), 2 * test::kMinWriteBuffer);
  for (int i = 0; i < 320; i++) EXPECT_EQ(GetValue(db_.get(), "key" + std::to_string(i)), value);
}

// ---------------------------------------------------------------------------
// Options::file_system, and failures it injects

// Passes every call to the real file system, records the paths it creates,
// and fails the operations a test switches on: Sync (IOError), Append
// (NoSpace), or the creation of table files (IOError).
class FaultInjectionFileSystem final : public FileSystem {
 public:
  std::atomic<bool> fail_sync{false};
  std::atomic<bool> fail_append{false};
  std::atomic<bool> fail_new_table{false};

  std::set<std::string> Created() {
    std::lock_guard<std::mutex> guard(mu_);
    return created_;
  }

  Status NewSequentialFile(const std::string& path,
                           std::unique_ptr<SequentialFile>* result) override {
    return base_->NewSequentialFile(path, result);
  }
  Status NewRandomAccessFile(const std::string& path,
                             std::unique_ptr<RandomAccessFile>* result) override {
    return base_->NewRandomAccessFile(path, result);
  }
  Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* result) override {
    if (fail_new_table && path.ends_with(".sst")) return Status::IOError(path, "injected");
    std::unique_ptr<WritableFile> file;
    Status s = base_->NewWritableFile(path, &file);
    if (!s.ok()) return s;
    Record(path);
    *result = std::make_unique<File>(this, std::move(file));
    return Status::OK();
  }
  bool FileExists(const std::string& path) override { return base_->FileExists(path); }
  Status GetChildren(const std::string& dir, std::vector<std::string>* names) override {
    return base_->GetChildren(dir, names);
  }
  Status GetFileSize(const std::string& path, uint64_t* size) override {
    return base_->GetFileSize(path, size);
  }
  Status RemoveFile(const std::string& path) override { return base_->RemoveFile(path); }
  Status RenameFile(const std::string& src, const std::string& target) override {
    Status s = base_->RenameFile(src, target);
    if (s.ok()) Record(target);
    return s;
  }
  Status CreateDir(const std::string& dir) override { return base_->CreateDir(dir); }
  Status RemoveDir(const std::string& dir) override { return base_->RemoveDir(dir); }
  Status SyncDir(const std::string& dir) override { return base_->SyncDir(dir); }
  Status SyncFile(const std::string& path) override { return base_->SyncFile(path); }
  Status LockFile(const std::string& path, std::unique_ptr<FileLock>* lock) override {
    Status s = base_->LockFile(path, lock);
    if (s.ok()) Record(path);
    return s;
  }
  Status UnlockFile(std::unique_ptr<FileLock> lock) override {
    return base_->UnlockFile(std::move(lock));
  }

 private:
  class File final : public WritableFile {
   public:
    File(FaultInjectionFileSystem* fs, std::unique_ptr<WritableFile> base)
        : fs_(fs), base_(std::move(base)) {}
    Status Append(std::string_view data) override {
      if (fs_->fail_append) return Status::NoSpace("append", "injected");
      return base_->Append(data);
    }
    Status Flush() override { return base_->Flush(); }
    Status Sync() override {
      if (fs_->fail_sync) return Status::IOError("sync", "injected");
      return base_->Sync();
    }
    Status Close() override { return base_->Close(); }

   private:
    FaultInjectionFileSystem* const fs_;
    std::unique_ptr<WritableFile> base_;
  };

  void Record(const std::string& path) {
    std::lock_guard<std::mutex> guard(mu_);
    created_.insert(path.substr(path.rfind('/') + 1));
  }

  FileSystem* const base_ = DefaultFileSystem();
  std::mutex mu_;
  std::set<std::string> created_;  // file names, guarded by mu_
};

class DBFileSystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_ = test::SmallBufferOptions();
    options_.file_system = &fs_;
    db_ = OpenOrDie(options_, dbname_);
    ASSERT_NE(db_, nullptr);
  }

  std::string BackgroundError() {
    std::string value;
    EXPECT_TRUE(db_->GetProperty("strata.background-error", &value));
    return value;
  }

  FaultInjectionFileSystem fs_;
  TempDir dir_;
  const std::string dbname_ = dir_.Child("db");
  Options options_;
  std::unique_ptr<DB> db_;
};

TEST_F(DBFileSystemTest, EveryFileComesFromOptionsFileSystem) {
  const std::string value(1000, 'v');
  for (int i = 0; i < 300; i++) ASSERT_TRUE(db_->Put("k" + std::to_string(i), value).ok());
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  db_.reset();
  db_ = OpenOrDie(options_, dbname_);
  ASSERT_NE(db_, nullptr);
  EXPECT_EQ(GetValue(db_.get(), "k7"), value);

  std::vector<std::string> names;
  ASSERT_TRUE(DefaultFileSystem()->GetChildren(dbname_, &names).ok());
  const std::set<std::string> created = fs_.Created();
  bool has_table = false;
  for (const auto& name : names) {
    EXPECT_EQ(created.count(name), 1u) << name << " was made around Options::file_system";
    has_table = has_table || name.ends_with(".sst");
  }
  EXPECT_TRUE(has_table);
}

TEST_F(DBFileSystemTest, FailedWalSyncIsSticky) {
  ASSERT_TRUE(db_->Put("before", "1").ok());
  fs_.fail_sync = true;
  WriteOptions sync;
  sync.sync = true;
  Status s = db_->Put(sync, "failed", "2");
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  fs_.fail_sync = false;

  // The failed write is not visible, and every later write fails: the WAL
  // may have lost data the kernel reported written.
  EXPECT_EQ(GetValue(db_.get(), "failed"), "NOT_FOUND");
  s = db_->Put("later", "3");
  EXPECT_FALSE(s.ok());
  s = db_->Put(sync, "later", "3");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(GetValue(db_.get(), "later"), "NOT_FOUND");
  EXPECT_NE(BackgroundError(), "OK");
  // Reads go on.
  EXPECT_EQ(GetValue(db_.get(), "before"), "1");

  // A reopen clears the error and keeps what was acknowledged.
  db_.reset();
  db_ = OpenOrDie(options_, dbname_);
  ASSERT_NE(db_, nullptr);
  EXPECT_EQ(BackgroundError(), "OK");
  EXPECT_EQ(GetValue(db_.get(), "before"), "1");
  EXPECT_EQ(GetValue(db_.get(), "later"), "NOT_FOUND");
  EXPECT_TRUE(db_->Put("later", "4").ok());
}

TEST_F(DBFileSystemTest, FullDiskFailsWrites) {
  ASSERT_TRUE(db_->Put("before", "1").ok());
  fs_.fail_append = true;
  Status s = db_->Put("failed", "2");
  EXPECT_TRUE(s.IsNoSpace()) << s.ToString();
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  fs_.fail_append = false;
  EXPECT_FALSE(db_->Put("later", "3").ok());
  EXPECT_EQ(GetValue(db_.get(), "failed"), "NOT_FOUND");
  EXPECT_EQ(GetValue(db_.get(), "before"), "1");
  db_.reset();
  db_ = OpenOrDie(options_, dbname_);
  ASSERT_NE(db_, nullptr);
  EXPECT_EQ(GetValue(db_.get(), "before"), "1");
}

TEST_F(DBFileSystemTest, FailedFlushIsReported) {
  ASSERT_TRUE(db_->Put("before", "1").ok());
  fs_.fail_new_table = true;
  Status s = db_->Flush();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(BackgroundError(), "OK");
  EXPECT_FALSE(db_->Put("later", "2").ok());
  EXPECT_EQ(GetValue(db_.get(), "before"), "1");
  fs_.fail_new_table = false;

  // Nothing acknowledged was lost: the WAL still holds it.
  db_.reset();
  db_ = OpenOrDie(options_, dbname_);
  ASSERT_NE(db_, nullptr);
  EXPECT_EQ(GetValue(db_.get(), "before"), "1");
  ASSERT_TRUE(db_->Flush().ok());
  db_.reset();
  db_ = OpenOrDie(options_, dbname_);
  EXPECT_EQ(GetValue(db_.get(), "before"), "1");
}

// ---------------------------------------------------------------------------
// Open and argument checks

class DBOpenTest : public ::testing::Test {
 protected:
  TempDir dir_;
  const std::string dbname_ = dir_.Child("db");
};

TEST_F(DBOpenTest, CreateIfMissingFalseOnMissingDirectory) {
  Options options;
  options.create_if_missing = false;
  std::unique_ptr<DB> db;
  Status s = DB::Open(options, dbname_, &db);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_EQ(db, nullptr);
}

// Options::create_if_missing documents that it governs creating "the database
// directory and files"; a refused Open should leave nothing behind.
TEST_F(DBOpenTest, CreateIfMissingFalseCreatesNothing) {
  Options options;
  options.create_if_missing = false;
  std::unique_ptr<DB> db;
  Status s = DB::Open(options, dbname_, &db);
  ASSERT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_FALSE(std::filesystem::exists(dbname_)) << "Open created " << dbname_;
}

TEST_F(DBOpenTest, CreateIfMissingFalseOpensExistingDatabase) {
  {
    std::unique_ptr<DB> db = OpenOrDie(Options(), dbname_);
    ASSERT_TRUE(db->Put("k", "v").ok());
  }
  Options options;
  options.create_if_missing = false;
  std::unique_ptr<DB> db = OpenOrDie(options, dbname_);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(GetValue(db.get(), "k"), "v");
}

TEST_F(DBOpenTest, ErrorIfExists) {
  Options options;
  options.error_if_exists = true;
  // A new database is fine.
  { ASSERT_NE(OpenOrDie(options, dbname_), nullptr); }
  std::unique_ptr<DB> db;
  Status s = DB::Open(options, dbname_, &db);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_EQ(db, nullptr);
  // The refused Open released the directory.
  EXPECT_NE(OpenOrDie(Options(), dbname_), nullptr);
}

TEST_F(DBOpenTest, BadArguments) {
  Status s = DB::Open(Options(), dbname_, nullptr);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();

  std::unique_ptr<DB> db;
  s = DB::Open(Options(), "", &db);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_EQ(db, nullptr);

  Options options;
  options.write_buffer_size = test::kMinWriteBuffer - 1;
  s = DB::Open(options, dbname_, &db);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_EQ(db, nullptr);

  options = Options();
  options.max_write_buffer_number = 0;
  s = DB::Open(options, dbname_, &db);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();

  options = Options();
  options.compression = static_cast<CompressionType>(200);
  s = DB::Open(options, dbname_, &db);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();

  // The smallest write buffer is accepted.
  ASSERT_NE(OpenOrDie(test::SmallBufferOptions(), dbname_), nullptr);
}

TEST_F(DBOpenTest, OpenResetsTheOutputOnFailure) {
  std::unique_ptr<DB> other_db = OpenOrDie(Options(), dir_.Child("other"));
  ASSERT_NE(other_db, nullptr);
  std::unique_ptr<DB> db = std::move(other_db);
  Options options;
  options.create_if_missing = false;
  Status s = DB::Open(options, dbname_, &db);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(db, nullptr);
}

TEST_F(DBOpenTest, NullArgumentsToWriteAndGet) {
  std::unique_ptr<DB> db = OpenOrDie(Options(), dbname_);
  ASSERT_NE(db, nullptr);
  Status s = db->Write(WriteOptions(), nullptr);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  ASSERT_TRUE(db->Put("k", "v").ok());
  s = db->Get(ReadOptions(), "k", nullptr);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  // The database is still usable.
  EXPECT_EQ(GetValue(db.get(), "k"), "v");
}

TEST_F(DBOpenTest, SecondOpenInProcessIsBusy) {
  std::unique_ptr<DB> first = OpenOrDie(Options(), dbname_);
  ASSERT_NE(first, nullptr);
  ASSERT_TRUE(first->Put("k", "v").ok());

  std::unique_ptr<DB> second;
  Status s = DB::Open(Options(), dbname_, &second);
  EXPECT_TRUE(s.IsBusy()) << s.ToString();
  EXPECT_EQ(second, nullptr);
  // Another spelling of the same directory is the same database.
  s = DB::Open(Options(), dbname_ + "/.", &second);
  EXPECT_TRUE(s.IsBusy()) << s.ToString();
  EXPECT_EQ(second, nullptr);

  // The failed Opens did not disturb the first.
  EXPECT_EQ(GetValue(first.get(), "k"), "v");
  ASSERT_TRUE(first->Put("k2", "v2").ok());

  first.reset();
  second = OpenOrDie(Options(), dbname_);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(GetValue(second.get(), "k"), "v");
  EXPECT_EQ(GetValue(second.get(), "k2"), "v2");
}

// Opens the database in a forked child and returns what the child saw:
// 0 Busy, 1 OK, 2 another error.
int OpenInChildProcess(const std::string& path) {
  pid_t pid = fork();
  if (pid == 0) {
    std::unique_ptr<DB> db;
    Status s = DB::Open(Options(), path, &db);
    _exit(s.IsBusy() ? 0 : s.ok() ? 1 : 2);
  }
  EXPECT_GT(pid, 0);
  int status = 0;
  EXPECT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

TEST_F(DBOpenTest, OpenInAnotherProcessIsBusy) {
  std::unique_ptr<DB> db = OpenOrDie(Options(), dbname_);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(OpenInChildProcess(dbname_), 0);
  // Through another spelling of the path the child's copy of this process's
  // lock table does not know it: only the file lock can refuse it.
  EXPECT_EQ(OpenInChildProcess(dbname_ + "/."), 0);
  db.reset();
  EXPECT_EQ(OpenInChildProcess(dbname_), 1);
}

TEST_F(DBOpenTest, DestroyDB) {
  {
    std::unique_ptr<DB> db = OpenOrDie(Options(), dbname_);
    ASSERT_TRUE(db->Put("k", "v").ok());
    // Refused while open.
    EXPECT_FALSE(DestroyDB(dbname_, Options()).ok());
  }
  ASSERT_TRUE(DestroyDB(dbname_, Options()).ok());
  EXPECT_FALSE(std::filesystem::exists(dbname_));
  EXPECT_TRUE(DestroyDB(dbname_, Options()).ok());  // nothing to destroy
  std::unique_ptr<DB> db = OpenOrDie(Options(), dbname_);
  EXPECT_EQ(GetValue(db.get(), "k"), "NOT_FOUND");
}

}  // namespace
}  // namespace strata
