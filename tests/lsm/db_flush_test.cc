// Flushes through the public API: Flush() and automatic memtable flushes
// write level-0 tables, reads merge those tables with newer memtable data
// (both iterator directions, tombstones, snapshots), data survives a reopen
// from the tables alone, every compression type and a range of block sizes
// round-trip, obsolete WALs, MANIFESTs and stray tables are removed while
// unknown files are left alone, and reads of tables go through the block
// cache. Most tests turn automatic compaction off so the tables stay in
// level 0 where the test can count them; a few leave it on, to check that
// the flushed data and snapshots survive the merges too.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "lsm/db_test_util.h"
#include "lsm/filename.h"
#include "strata/db.h"
#include "test_util.h"

namespace strata {
namespace {

using test::GetValue;
using test::IntProperty;
using test::LogFiles;
using test::OpenOrDie;
using test::ScanAll;
using test::ScanAllBackward;
using test::TempDir;

using Model = std::map<std::string, std::string>;

// The numbers of the files of `type` in directory `dbname`.
std::set<uint64_t> FileNumbers(const std::string& dbname, FileType type) {
  std::vector<std::string> names;
  EXPECT_TRUE(DefaultFileSystem()->GetChildren(dbname, &names).ok());
  std::set<uint64_t> numbers;
  for (const auto& name : names) {
    uint64_t number;
    FileType t;
    if (ParseFileName(name, &number, &t) && t == type) numbers.insert(number);
  }
  return numbers;
}

// The table numbers strata.sstables lists, with the level of each.
std::map<uint64_t, int> ListedTables(DB* db) {
  std::string listing;
  EXPECT_TRUE(db->GetProperty("strata.sstables", &listing));
  std::map<uint64_t, int> tables;
  std::istringstream in(listing);
  std::string line;
  while (std::getline(in, line)) {
    int level = -1;
    unsigned long long number = 0;
    EXPECT_EQ(std::sscanf(line.c_str(), "L%d #%llu", &level, &number), 2) << line;
    tables[number] = level;
  }
  return tables;
}

// The number on the line of strata.stats that starts with `name`, e.g.
// "hits" or "flushes".
uint64_t StatsCounter(DB* db, const std::string& name) {
  std::string stats;
  EXPECT_TRUE(db->GetProperty("strata.stats", &stats));
  std::istringstream in(stats);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string first;
    uint64_t value;
    if (fields >> first && first == name && fields >> value) return value;
  }
  ADD_FAILURE() << "no \"" << name << "\" line in strata.stats:\n" << stats;
  return 0;
}

std::string RandomBytes(std::mt19937_64* rng, size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>((*rng)() & 0xff);
  return s;
}

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%06d", i);
  return buf;
}

// Walks an iterator at random (seeks, Next, Prev, both ends) beside the same
// walk over `model`, and checks they agree at every step.
void CheckRandomWalk(DB* db, const Model& model, std::mt19937_64* rng, int steps) {
  std::unique_ptr<Iterator> it = db->NewIterator();
  auto expected = model.end();
  for (int step = 0; step < steps; step++) {
    const int op = static_cast<int>((*rng)() % 6);
    const bool can_move = it->Valid();
    if (op == 0) {
      it->SeekToFirst();
      expected = model.begin();
    } else if (op == 1) {
      it->SeekToLast();
      expected = model.empty() ? model.end() : std::prev(model.end());
    } else if (op == 2 || !can_move) {
      // A target near an existing key, or past either end.
      std::string target =
          model.empty() ? "m" : std::next(model.begin(), (*rng)() % model.size())->first;
      if ((*rng)() % 2 == 0) target.push_back('\0');
      if ((*rng)() % 10 == 0) target = ((*rng)() % 2 == 0) ? "" : "\xff\xff";
      it->Seek(target);
      expected = model.lower_bound(target);
    } else if (op == 3 || op == 4) {
      it->Next();
      ++expected;
    } else {
      it->Prev();
      expected = expected == model.begin() ? model.end() : std::prev(expected);
    }
    ASSERT_EQ(it->Valid(), expected != model.end()) << "step " << step << " op " << op;
    if (it->Valid()) {
      ASSERT_EQ(it->key(), expected->first) << "step " << step << " op " << op;
      ASSERT_EQ(it->value(), expected->second) << "step " << step << " op " << op;
    }
  }
  EXPECT_TRUE(it->status().ok()) << it->status().ToString();
}

// Checks every key of `model` with Get, `absent` keys are NotFound, and both
// scans return exactly the model.
void CheckDB(DB* db, const Model& model, const std::set<std::string>& absent = {}) {
  int wrong = 0;
  for (const auto& [key, value] : model) {
    std::string got = GetValue(db, key);
    if (got != value && ++wrong <= 5) {
      ADD_FAILURE() << "Get(" << key << ") = " << got.substr(0, 80) << ", want "
                    << value.substr(0, 80);
    }
  }
  EXPECT_EQ(wrong, 0);
  for (const auto& key : absent) EXPECT_EQ(GetValue(db, key), "NOT_FOUND") << key;
  EXPECT_TRUE(ScanAll(db) == model) << "forward scan differs from the model";
  EXPECT_TRUE(ScanAllBackward(db) == model) << "backward scan differs from the model";
}

class DBFlushTest : public ::testing::Test {
 protected:
  // Small memtables, and no automatic compaction unless a test turns it
  // back on, so the level-0 tables the flushes write stay where they are.
  DBFlushTest() {
    options_.write_buffer_size = test::kMinWriteBuffer;
    options_.l0_compaction_trigger = kNever;
    options_.read_triggered_compaction = false;
    options_.idle_compaction_ms = 0;
    options_.l0_slowdown_writes_trigger = kNever;
    options_.l0_stop_writes_trigger = kNever;
  }

  void EnableCompaction() {
    const Options defaults;
    options_.l0_compaction_trigger = defaults.l0_compaction_trigger;
    options_.l0_slowdown_writes_trigger = defaults.l0_slowdown_writes_trigger;
    options_.l0_stop_writes_trigger = defaults.l0_stop_writes_trigger;
  }

  void Reopen() {
    db_.reset();
    db_ = OpenOrDie(options_, dbname_);
    ASSERT_NE(db_, nullptr);
  }
  void Close() { db_.reset(); }

  void Put(const std::string& key, const std::string& value) {
    ASSERT_TRUE(db_->Put(key, value).ok());
    model_[key] = value;
  }
  void Delete(const std::string& key) {
    ASSERT_TRUE(db_->Delete(key).ok());
    model_.erase(key);
  }
  void Flush() {
    Status s = db_->Flush();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  uint64_t FilesAtLevel0() { return IntProperty(db_.get(), "strata.num-files-at-level0"); }
  uint64_t FilesAtAllLevels() {
    uint64_t total = 0;
    for (int level = 0; level < 7; level++) {
      total += IntProperty(db_.get(), "strata.num-files-at-level" + std::to_string(level));
    }
    return total;
  }

  // About `bytes` of random puts (values of 200 to 2000 random bytes) and
  // deletes (one in ten) over `keys` keys; returns the keys left absent.
  std::set<std::string> WriteRandomly(uint64_t bytes, int keys, std::mt19937_64* rng) {
    uint64_t written = 0;
    while (written < bytes && !HasFatalFailure()) {
      std::string key = Key(static_cast<int>((*rng)() % keys));
      if ((*rng)() % 10 == 0) {
        Delete(key);
        written += key.size();
      } else {
        std::string value = RandomBytes(rng, 200 + (*rng)() % 1800);
        written += key.size() + value.size();
        Put(key, value);
      }
    }
    std::set<std::string> absent;
    for (int i = 0; i < keys; i++) {
      if (model_.count(Key(i)) == 0) absent.insert(Key(i));
    }
    EXPECT_FALSE(absent.empty());
    return absent;
  }

  static constexpr int kNever = 1 << 20;

  TempDir dir_;
  const std::string dbname_ = dir_.Child("db");
  Options options_;
  std::unique_ptr<DB> db_;
  Model model_;
};

// ---------------------------------------------------------------------------
// Flush() and what it leaves on disk

TEST_F(DBFlushTest, FlushWritesOneLevel0Table) {
  Reopen();
  EXPECT_EQ(FilesAtLevel0(), 0u);
  for (int i = 0; i < 100; i++) Put(Key(i), "value" + std::to_string(i));
  EXPECT_TRUE(FileNumbers(dbname_, FileType::kTable).empty());
  Flush();

  EXPECT_EQ(FilesAtLevel0(), 1u);
  for (int level = 1; level < 7; level++) {
    EXPECT_EQ(IntProperty(db_.get(), "strata.num-files-at-level" + std::to_string(level)), 0u);
  }
  EXPECT_EQ(IntProperty(db_.get(), "strata.num-entries-active-mem-table"), 0u);
  EXPECT_EQ(IntProperty(db_.get(), "strata.num-immutable-mem-table"), 0u);

  std::set<uint64_t> on_disk = FileNumbers(dbname_, FileType::kTable);
  ASSERT_EQ(on_disk.size(), 1u);
  const uint64_t number = *on_disk.begin();
  std::string listing;
  ASSERT_TRUE(db_->GetProperty("strata.sstables", &listing));
  const std::string expected = "L0 #" + std::to_string(number) + " " +
                               std::to_string(test::FileSize(TableFileName(dbname_, number))) +
                               " bytes [" + Key(0) + " .. " + Key(99) + "]\n";
  EXPECT_EQ(listing, expected);

  CheckDB(db_.get(), model_, {"key", Key(100), "a", "z"});
  std::mt19937_64 rng(1);
  CheckRandomWalk(db_.get(), model_, &rng, 500);
}

TEST_F(DBFlushTest, FlushOfEmptyMemTableWritesNoTable) {
  Reopen();
  Flush();
  EXPECT_EQ(FilesAtLevel0(), 0u);
  Put("a", "1");
  Flush();
  Flush();  // nothing new since the first
  EXPECT_EQ(FilesAtLevel0(), 1u);
  EXPECT_EQ(FileNumbers(dbname_, FileType::kTable).size(), 1u);
  EXPECT_EQ(GetValue(db_.get(), "a"), "1");
}

TEST_F(DBFlushTest, EachFlushAddsATable) {
  Reopen();
  for (int round = 0; round < 5; round++) {
    Put("round" + std::to_string(round), "x");
    Flush();
    EXPECT_EQ(FilesAtLevel0(), static_cast<uint64_t>(round + 1));
    std::map<uint64_t, int> listed = ListedTables(db_.get());
    std::set<uint64_t> on_disk = FileNumbers(dbname_, FileType::kTable);
    EXPECT_EQ(listed.size(), on_disk.size());
    for (auto [number, level] : listed) {
      EXPECT_EQ(level, 0);
      EXPECT_EQ(on_disk.count(number), 1u) << number;
    }
  }
  CheckDB(db_.get(), model_);
}

// ---------------------------------------------------------------------------
// Options::idle_flush_ms: a memtable left alone goes to a table

class DBIdleFlushTest : public DBFlushTest {
 protected:
  DBIdleFlushTest() {
    options_.write_buffer_size = 4 << 20;  // a quarter of it: 1 MiB, the least flushed idle
    options_.idle_flush_ms = 500;
    // The level-0 tables the idle flushes make stay there: an idle
    // compaction would move them down (db_idle_compaction_concurrency_test).
    options_.idle_compaction_ms = 0;
  }

  // About `bytes` of 1,000-byte values under new keys, written without a
  // pause.
  void WriteBytes(size_t bytes) {
    const std::string value(1000, 'v');
    for (size_t written = 0; written < bytes && !HasFatalFailure(); written += value.size()) {
      Put(Key(next_key_++), value);
    }
  }

  uint64_t IdleSwitches() { return test::StatsCounter(db_.get(), "idle switches"); }
  uint64_t MemTableEntries() {
    return IntProperty(db_.get(), "strata.num-entries-active-mem-table");
  }

  // Waits up to 20 s for the active memtable to be empty and no immutable
  // one to wait for its flush.
  bool WaitForMemTablesEmpty() {
    for (int i = 0; i < 2000; i++) {
      if (MemTableEntries() == 0 && IntProperty(db_.get(), "strata.num-immutable-mem-table") == 0) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  // Waits up to 20 s for `count` WAL files. The flush thread removes the
  // WAL it made obsolete after it has installed the table and dropped the
  // immutable memtable, with the mutex released: a test that saw the
  // memtables empty may look at the directory before the file is gone.
  bool WaitForLogFiles(size_t count) {
    for (int i = 0; i < 2000; i++) {
      if (LogFiles(dbname_).size() == count) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  int next_key_ = 0;
};

TEST_F(DBIdleFlushTest, AMemTableLeftAloneGoesToATable) {
  Reopen();
  WriteBytes(1500 << 10);
  ASSERT_EQ(FilesAtLevel0(), 0u);  // the buffer is far from full
  const auto written = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitForMemTablesEmpty());
  // Not before the interval: each look at the writes is one interval apart.
  EXPECT_GE(std::chrono::steady_clock::now() - written, std::chrono::milliseconds(400));
  EXPECT_EQ(FilesAtLevel0(), 1u);
  EXPECT_EQ(IdleSwitches(), 1u);
  EXPECT_EQ(StatsCounter(db_.get(), "flushes"), 1u);
  EXPECT_TRUE(WaitForLogFiles(1u));  // the flushed memtable's WAL goes
  CheckDB(db_.get(), model_, {Key(next_key_)});

  // Nothing new: no second flush, however long the wait.
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  EXPECT_EQ(FilesAtLevel0(), 1u);
  EXPECT_EQ(IdleSwitches(), 1u);

  // Writes after it land in the new memtable and are flushed in turn.
  WriteBytes(1500 << 10);
  ASSERT_TRUE(WaitForMemTablesEmpty());
  EXPECT_EQ(FilesAtLevel0(), 2u);
  EXPECT_EQ(IdleSwitches(), 2u);

  Reopen();  // the tables alone hold everything
  EXPECT_EQ(MemTableEntries(), 0u);
  EXPECT_EQ(FilesAtLevel0(), 2u);
  CheckDB(db_.get(), model_);
}

TEST_F(DBIdleFlushTest, SmallMemTablesAreLeftAlone) {
  Reopen();
  WriteBytes(300 << 10);  // well under a quarter of the buffer
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(FilesAtLevel0(), 0u);
  EXPECT_EQ(IdleSwitches(), 0u);
  EXPECT_GT(MemTableEntries(), 200u);
  CheckDB(db_.get(), model_);
}

TEST_F(DBIdleFlushTest, ZeroTurnsItOff) {
  options_.idle_flush_ms = 0;
  Reopen();
  WriteBytes(1500 << 10);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(FilesAtLevel0(), 0u);
  EXPECT_EQ(IdleSwitches(), 0u);
  EXPECT_GT(MemTableEntries(), 1000u);
  CheckDB(db_.get(), model_);
}

TEST_F(DBIdleFlushTest, WritesThatKeepComingPostponeTheFlush) {
  options_.idle_flush_ms = 1000;
  Reopen();
  WriteBytes(1500 << 10);
  // A write every 50 ms for 3 s: never a whole interval without one.
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    WriteBytes(1);
    ASSERT_EQ(FilesAtLevel0(), 0u);
  }
  EXPECT_EQ(IdleSwitches(), 0u);
  ASSERT_TRUE(WaitForMemTablesEmpty());  // once they stop
  EXPECT_EQ(FilesAtLevel0(), 1u);
  EXPECT_EQ(IdleSwitches(), 1u);
  CheckDB(db_.get(), model_);
}

// ---------------------------------------------------------------------------
// Reads merging tables and memtables

TEST_F(DBFlushTest, ReadsMergeTablesAndMemTable) {
  Reopen();
  // Oldest table.
  Put("a", "a1");
  Put("b", "b1");
  Put("c", "c1");
  Put("d", "d1");
  Put("e", "e1");
  Flush();
  // Newer table: a newer value hides the older table's, and a tombstone in a
  // table hides an older table's value.
  Put("b", "b2");
  Delete("c");
  Put("f", "f2");
  Flush();
  ASSERT_EQ(FilesAtLevel0(), 2u);
  // The memtable: a tombstone hides a table's value, a value replaces one.
  Delete("d");
  Put("e", "e3");
  Put("g", "g3");
  // A key deleted and rewritten in the memtable over a table's tombstone.
  Delete("c");
  Put("c", "c3");
  Delete("c");

  const Model expected = {{"a", "a1"}, {"b", "b2"}, {"e", "e3"}, {"f", "f2"}, {"g", "g3"}};
  ASSERT_EQ(model_, expected);
  CheckDB(db_.get(), model_, {"c", "d", "h"});

  std::unique_ptr<Iterator> it = db_->NewIterator();
  it->Seek("c");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "e");
  it->Prev();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "b");
  EXPECT_EQ(it->value(), "b2");
  it->Next();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "e");
  EXPECT_EQ(it->value(), "e3");
  it.reset();

  std::mt19937_64 rng(2);
  CheckRandomWalk(db_.get(), model_, &rng, 1000);

  // The same once the memtable is a third table, and after a reopen.
  Flush();
  ASSERT_EQ(FilesAtLevel0(), 3u);
  CheckDB(db_.get(), model_, {"c", "d", "h"});
  CheckRandomWalk(db_.get(), model_, &rng, 1000);
  Reopen();
  CheckDB(db_.get(), model_, {"c", "d", "h"});
  CheckRandomWalk(db_.get(), model_, &rng, 1000);
}

// Many small tables interleaved with memtable data, against the model, with
// random walks in both directions.
TEST_F(DBFlushTest, RandomOperationsAcrossManyTables) {
  Reopen();
  std::mt19937_64 rng(3);
  for (int round = 0; round < 12; round++) {
    for (int i = 0; i < 200; i++) {
      std::string key = Key(static_cast<int>(rng() % 400));
      if (rng() % 4 == 0) {
        Delete(key);
      } else {
        Put(key, "r" + std::to_string(round) + "-" + RandomBytes(&rng, rng() % 40));
      }
    }
    if (round % 3 != 2) Flush();
  }
  EXPECT_EQ(FilesAtLevel0(), 8u);
  CheckDB(db_.get(), model_);
  CheckRandomWalk(db_.get(), model_, &rng, 3000);
  Reopen();
  CheckDB(db_.get(), model_);
  CheckRandomWalk(db_.get(), model_, &rng, 3000);
}

TEST_F(DBFlushTest, SnapshotsTakenBeforeAFlushReadOldVersions) {
  Reopen();
  Put("k", "v1");
  Put("j", "j1");
  const Snapshot* s1 = db_->GetSnapshot();
  Put("k", "v2");
  Delete("j");
  Put("n", "n2");
  const Snapshot* s2 = db_->GetSnapshot();
  Flush();
  Put("k", "v3");
  Put("j", "j3");
  const Snapshot* s3 = db_->GetSnapshot();
  Flush();
  Delete("k");

  EXPECT_EQ(GetValue(db_.get(), "k", s1), "v1");
  EXPECT_EQ(GetValue(db_.get(), "j", s1), "j1");
  EXPECT_EQ(GetValue(db_.get(), "n", s1), "NOT_FOUND");
  EXPECT_EQ(ScanAll(db_.get(), s1), (Model{{"j", "j1"}, {"k", "v1"}}));

  EXPECT_EQ(GetValue(db_.get(), "k", s2), "v2");
  EXPECT_EQ(GetValue(db_.get(), "j", s2), "NOT_FOUND");
  EXPECT_EQ(ScanAll(db_.get(), s2), (Model{{"k", "v2"}, {"n", "n2"}}));

  EXPECT_EQ(GetValue(db_.get(), "k", s3), "v3");
  EXPECT_EQ(GetValue(db_.get(), "j", s3), "j3");
  EXPECT_EQ(ScanAll(db_.get(), s3), (Model{{"j", "j3"}, {"k", "v3"}, {"n", "n2"}}));

  CheckDB(db_.get(), model_, {"k"});
  db_->ReleaseSnapshot(s1);
  db_->ReleaseSnapshot(s2);
  db_->ReleaseSnapshot(s3);
}

// A flush writes only the versions some reader can see: of 1,000
// overwrites of one key, the newest and the one each live snapshot sees
// (the table's size says how many of the 1 KiB random values it holds),
// and the snapshots still read theirs after the flush and a reopen of the
// memtable's data from the table alone.
TEST_F(DBFlushTest, FlushLeavesOutVersionsNoReaderCanSee) {
  options_.compression = CompressionType::kNoCompression;
  options_.write_buffer_size = 8 << 20;  // one memtable holds every version
  Reopen();
  std::mt19937_64 rng(3);
  std::vector<std::string> values;
  std::vector<const Snapshot*> snapshots;
  for (int i = 0; i < 1000; i++) {
    values.push_back(RandomBytes(&rng, 1024));
    Put("k", values.back());
    if (i == 99 || i == 499) snapshots.push_back(db_->GetSnapshot());
  }
  Delete("d");  // a tombstone over older puts, all shadowed
  Put("d", "1");
  Put("d", "2");
  Delete("d");
  Flush();
  std::set<uint64_t> tables = FileNumbers(dbname_, FileType::kTable);
  ASSERT_EQ(tables.size(), 1u);
  const uint64_t size = test::FileSize(TableFileName(dbname_, *tables.begin()));
  EXPECT_GT(size, 3 * 1024u);
  EXPECT_LT(size, 4 * 1024u + 1024u);  // three values, not 1,000
  EXPECT_EQ(GetValue(db_.get(), "k"), values[999]);
  EXPECT_EQ(GetValue(db_.get(), "k", snapshots[0]), values[99]);
  EXPECT_EQ(GetValue(db_.get(), "k", snapshots[1]), values[499]);
  EXPECT_EQ(GetValue(db_.get(), "d"), "NOT_FOUND");
  for (const Snapshot* snapshot : snapshots) db_->ReleaseSnapshot(snapshot);
  CheckDB(db_.get(), model_, {"d"});
}

// Hundreds of versions of one key spread over many tiny blocks and two
// tables: a snapshot must find its version even when it is the first entry
// of a block after the one the lookup lands in.
TEST_F(DBFlushTest, SnapshotsReadVersionsAcrossBlockBoundaries) {
  options_.block_size = 256;
  Reopen();
  Put("hos", "before");
  Put("hou", "after");
  std::vector<const Snapshot*> snapshots;
  std::vector<std::string> values;
  for (int i = 0; i < 300; i++) {
    values.push_back("version" + std::to_string(i) + std::string(40, 'a' + i % 26));
    if (i % 7 == 3) {
      Delete("hot");
      values.back() = "NOT_FOUND";
    } else {
      Put("hot", values.back());
    }
    snapshots.push_back(db_->GetSnapshot());
    if (i == 150) Flush();
  }
  Flush();
  ASSERT_EQ(FilesAtLevel0(), 2u);

  for (size_t i = 0; i < snapshots.size(); i++) {
    EXPECT_EQ(GetValue(db_.get(), "hot", snapshots[i]), values[i]) << "snapshot " << i;
    ReadOptions at;
    at.snapshot = snapshots[i];
    std::unique_ptr<Iterator> it = db_->NewIterator(at);
    it->Seek("hot");
    ASSERT_TRUE(it->Valid());
    if (values[i] == "NOT_FOUND") {
      EXPECT_EQ(it->key(), "hou") << "snapshot " << i;
    } else {
      EXPECT_EQ(it->key(), "hot") << "snapshot " << i;
      EXPECT_EQ(it->value(), values[i]) << "snapshot " << i;
    }
    // Backward onto the key, from its successor.
    it->Seek("hou");
    ASSERT_TRUE(it->Valid());
    it->Prev();
    ASSERT_TRUE(it->Valid());
    if (values[i] == "NOT_FOUND") {
      EXPECT_EQ(it->key(), "hos") << "snapshot " << i;
    } else {
      EXPECT_EQ(it->key(), "hot") << "snapshot " << i;
      EXPECT_EQ(it->value(), values[i]) << "snapshot " << i;
    }
  }
  for (const Snapshot* s : snapshots) db_->ReleaseSnapshot(s);
  CheckDB(db_.get(), model_);
}

// Binary keys (NUL, 0xff runs, prefixes of one another) in tiny blocks: the
// shortened separators and successors a table's index stores must still
// route every lookup and seek to the right block.
TEST_F(DBFlushTest, BinaryKeysAcrossBlockBoundaries) {
  options_.block_size = 256;
  Reopen();
  std::mt19937_64 rng(10);
  const std::string alphabet("\x00\x01\x7f\x80\xfe\xff", 6);
  for (int round = 0; round < 4; round++) {
    for (int i = 0; i < 600; i++) {
      std::string key;
      const size_t length = rng() % 12;
      for (size_t j = 0; j < length; j++) key.push_back(alphabet[rng() % alphabet.size()]);
      if (rng() % 5 == 0) {
        Delete(key);
      } else {
        Put(key, RandomBytes(&rng, rng() % 60));
      }
    }
    Flush();
  }
  CheckDB(db_.get(), model_);
  CheckRandomWalk(db_.get(), model_, &rng, 3000);
  Reopen();
  CheckDB(db_.get(), model_);
  CheckRandomWalk(db_.get(), model_, &rng, 3000);
}

// Values larger than a memtable and than a block go through a flush whole.
TEST_F(DBFlushTest, ValuesLargerThanTheMemTableAndBlocks) {
  Reopen();
  std::mt19937_64 rng(11);
  for (int i = 0; i < 6; i++) {
    Put(Key(i), RandomBytes(&rng, 3 * test::kMinWriteBuffer + i));
    Put(Key(100 + i), "small" + std::to_string(i));
  }
  Flush();
  EXPECT_GE(FilesAtLevel0(), 2u);
  CheckDB(db_.get(), model_);
  Reopen();
  CheckDB(db_.get(), model_);
}

TEST_F(DBFlushTest, IteratorCreatedBeforeAFlushKeepsReading) {
  Reopen();
  for (int i = 0; i < 500; i++) Put(Key(i), "old" + std::to_string(i));
  const Model before = model_;
  std::unique_ptr<Iterator> it = db_->NewIterator();
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  // The iterator's memtable becomes a table and newer writes arrive.
  Flush();
  for (int i = 0; i < 500; i += 2) Put(Key(i), "new");
  Flush();
  Model seen;
  for (; it->Valid(); it->Next()) seen.emplace(std::string(it->key()), std::string(it->value()));
  EXPECT_TRUE(it->status().ok()) << it->status().ToString();
  EXPECT_TRUE(seen == before);
  it.reset();
  CheckDB(db_.get(), model_);
}

// ---------------------------------------------------------------------------
// Reopen

TEST_F(DBFlushTest, ReopenAfterFlushReadsFromTablesAlone) {
  Reopen();
  std::mt19937_64 rng(4);
  for (int i = 0; i < 2000; i++) Put(Key(i), RandomBytes(&rng, 100));
  for (int i = 0; i < 2000; i += 5) Delete(Key(i));
  Flush();
  const uint64_t last_sequence = IntProperty(db_.get(), "strata.last-sequence");
  Close();

  // The only WAL is the active one, and it holds nothing: after the reopen,
  // every value comes from the tables.
  std::vector<std::string> logs = LogFiles(dbname_);
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(test::FileSize(logs[0]), 0u);
  EXPECT_EQ(FileNumbers(dbname_, FileType::kManifest).size(), 1u);
  ASSERT_FALSE(FileNumbers(dbname_, FileType::kTable).empty());

  Reopen();
  EXPECT_EQ(IntProperty(db_.get(), "strata.last-sequence"), last_sequence);
  EXPECT_EQ(IntProperty(db_.get(), "strata.num-immutable-mem-table"), 0u);
  EXPECT_EQ(IntProperty(db_.get(), "strata.num-entries-active-mem-table"), 0u);
  EXPECT_GE(FilesAtLevel0(), 3u);  // about 300 KB in 64 KiB memtables
  CheckDB(db_.get(), model_, {Key(0), Key(5), Key(1995)});
  EXPECT_EQ(LogFiles(dbname_).size(), 1u);
  EXPECT_EQ(FileNumbers(dbname_, FileType::kManifest).size(), 1u);
}

// Writes after a reopen from tables must be newer than the tables' data:
// the sequence number carries over through the MANIFEST.
TEST_F(DBFlushTest, WritesAfterReopenFromTablesAreNewer) {
  Reopen();
  for (int i = 0; i < 100; i++) Put(Key(i), "first");
  Flush();
  Reopen();
  for (int i = 0; i < 100; i += 2) Put(Key(i), "second");
  for (int i = 1; i < 100; i += 4) Delete(Key(i));
  CheckDB(db_.get(), model_);
  // Now from the WAL and a table.
  Reopen();
  CheckDB(db_.get(), model_);
  Flush();
  Reopen();
  CheckDB(db_.get(), model_);
  for (int i = 0; i < 100; i += 3) Put(Key(i), "third");
  Flush();
  Reopen();
  CheckDB(db_.get(), model_);
}

TEST_F(DBFlushTest, ReopensWithoutWritesKeepEverything) {
  Reopen();
  for (int i = 0; i < 300; i++) Put(Key(i), std::to_string(i));
  Flush();
  for (int i = 300; i < 400; i++) Put(Key(i), std::to_string(i));
  for (int round = 0; round < 5; round++) {
    Reopen();
    CheckDB(db_.get(), model_);
    EXPECT_EQ(FileNumbers(dbname_, FileType::kManifest).size(), 1u);
  }
  // The WAL replayed at a reopen becomes one table (once, however many
  // reopens replayed it before its flush finished), then goes away.
  Flush();
  EXPECT_EQ(FilesAtLevel0(), 2u);
  EXPECT_EQ(LogFiles(dbname_).size(), 1u);
  Reopen();
  CheckDB(db_.get(), model_);
}

// ---------------------------------------------------------------------------
// Automatic flushes

TEST_F(DBFlushTest, AutomaticFlushesAgainstModel) {
  options_.max_write_buffer_number = 2;
  Reopen();
  std::mt19937_64 rng(5);
  const std::set<std::string> absent = WriteRandomly(20 << 20, 8000, &rng);
  Flush();
  const uint64_t tables = FilesAtLevel0();
  EXPECT_GE(tables, 100u);
  EXPECT_EQ(ListedTables(db_.get()).size(), tables);
  EXPECT_GE(StatsCounter(db_.get(), "flushes"), tables);
  EXPECT_GE(StatsCounter(db_.get(), "switches"), tables);
  CheckDB(db_.get(), model_, absent);

  Reopen();
  EXPECT_EQ(FilesAtLevel0(), tables);
  CheckDB(db_.get(), model_, absent);
  CheckRandomWalk(db_.get(), model_, &rng, 2000);
}

// The same with compactions merging the flushed tables meanwhile.
TEST_F(DBFlushTest, AutomaticFlushesWithCompactionAgainstModel) {
  EnableCompaction();
  options_.max_write_buffer_number = 2;
  Reopen();
  std::mt19937_64 rng(9);
  const std::set<std::string> absent = WriteRandomly(8 << 20, 8000, &rng);
  Flush();
  EXPECT_GE(StatsCounter(db_.get(), "flushes"), 40u);
  EXPECT_GT(FilesAtAllLevels(), 0u);
  CheckDB(db_.get(), model_, absent);

  Reopen();
  CheckDB(db_.get(), model_, absent);
  CheckRandomWalk(db_.get(), model_, &rng, 2000);
  // Every table a version names exists.
  std::set<uint64_t> on_disk = FileNumbers(dbname_, FileType::kTable);
  for (auto [number, level] : ListedTables(db_.get())) {
    EXPECT_EQ(on_disk.count(number), 1u) << "L" << level << " #" << number;
  }
}

// Flushes that trigger compactions: the merges must keep every version a
// snapshot can still see, and drop none of the current data.
TEST_F(DBFlushTest, SnapshotsSurviveCompactionsOfFlushedTables) {
  EnableCompaction();
  Reopen();
  std::vector<const Snapshot*> snapshots;
  std::vector<Model> states;
  for (int round = 0; round < 12; round++) {
    for (int i = 0; i < 50; i++) {
      if ((i + round) % 5 == 0) {
        Delete(Key(i));
      } else {
        Put(Key(i), "round" + std::to_string(round) + "-" + std::to_string(i));
      }
    }
    snapshots.push_back(db_->GetSnapshot());
    states.push_back(model_);
    Flush();
  }
  // Twelve flushes with a trigger of four: compactions ran (in the
  // background: on a loaded machine the flushes can outrun them).
  ASSERT_TRUE(test::WaitForBackgroundWork(db_.get()).ok());
  EXPECT_LT(FilesAtLevel0(), 12u);
  for (size_t i = 0; i < snapshots.size(); i++) {
    EXPECT_TRUE(ScanAll(db_.get(), snapshots[i]) == states[i]) << "snapshot " << i;
    for (int k = 0; k < 50; k++) {
      auto it = states[i].find(Key(k));
      EXPECT_EQ(GetValue(db_.get(), Key(k), snapshots[i]),
                it == states[i].end() ? "NOT_FOUND" : it->second)
          << "snapshot " << i << " key " << k;
    }
  }
  for (const Snapshot* s : snapshots) db_->ReleaseSnapshot(s);
  CheckDB(db_.get(), model_);
  Reopen();
  CheckDB(db_.get(), model_);
}

// ---------------------------------------------------------------------------
// Compression and block sizes

class DBFlushFormatTest
    : public DBFlushTest,
      public ::testing::WithParamInterface<std::tuple<CompressionType, size_t>> {};

TEST_P(DBFlushFormatTest, FlushReopenVerify) {
  const auto [compression, block_size] = GetParam();
  options_.compression = compression;
  options_.block_size = block_size;
  options_.write_buffer_size = Options().write_buffer_size;  // one table
  Reopen();
  std::mt19937_64 rng(6);
  uint64_t raw_bytes = 0;
  for (int i = 0; i < 3000; i++) {
    // Three values in four compress well; the rest are random bytes.
    std::string value = i % 4 == 3 ? RandomBytes(&rng, 100)
                                   : std::string(300, static_cast<char>('a' + i % 26)) + Key(i);
    // What the table must hold: the deleted keys' values are shadowed by
    // their tombstones in the same memtable, so the flush leaves them out.
    raw_bytes += Key(i).size() + (i % 10 == 0 ? 0 : value.size());
    Put(Key(i), value);
  }
  for (int i = 0; i < 3000; i += 10) Delete(Key(i));
  Put("", "empty key");
  Put(std::string("\0\xff", 2), std::string(5000, 'z'));  // larger than any block
  Flush();
  ASSERT_EQ(FilesAtLevel0(), 1u);
  std::set<uint64_t> tables = FileNumbers(dbname_, FileType::kTable);
  ASSERT_EQ(tables.size(), 1u);
  const uint64_t table_size = test::FileSize(TableFileName(dbname_, *tables.begin()));
  if (compression == kNoCompression) {
    EXPECT_GE(table_size, raw_bytes);
  } else {
    EXPECT_LT(table_size, raw_bytes / 2) << "compression " << int{compression};
  }
  CheckDB(db_.get(), model_, {Key(0), Key(10)});
  Reopen();
  CheckDB(db_.get(), model_, {Key(0), Key(10)});
  CheckRandomWalk(db_.get(), model_, &rng, 1000);
}

std::string FormatName(const ::testing::TestParamInfo<std::tuple<CompressionType, size_t>>& info) {
  static const char* const kNames[] = {"None", "Snappy", "LZ4", "Zstd"};
  return std::string(kNames[std::get<0>(info.param)]) + "_" +
         std::to_string(std::get<1>(info.param));
}

INSTANTIATE_TEST_SUITE_P(CompressionAndBlockSize, DBFlushFormatTest,
                         ::testing::Combine(::testing::Values(kNoCompression, kSnappyCompression,
                                                              kLZ4Compression, kZstdCompression),
                                            ::testing::Values(size_t{256}, size_t{4096},
                                                              size_t{65536})),
                         FormatName);

// ---------------------------------------------------------------------------
// Obsolete files

TEST_F(DBFlushTest, ObsoleteWalsAreDeletedAsFlushesFinish) {
  options_.max_write_buffer_number = 2;
  Reopen();
  std::mt19937_64 rng(7);
  // The active WAL and one per immutable memtable, plus one just made
  // obsolete: the flush deletes it with the mutex released, so a writer may
  // switch memtables (a new WAL) before the file is gone. What must not
  // happen is obsolete WALs piling up.
  const size_t max_logs = static_cast<size_t>(options_.max_write_buffer_number) + 2;
  size_t most_logs = 0;
  for (int i = 0; i < 6000; i++) {
    Put(Key(i), RandomBytes(&rng, 500));
    if (i % 50 == 0) {
      size_t logs = LogFiles(dbname_).size();
      most_logs = std::max(most_logs, logs);
      ASSERT_LE(logs, max_logs) << "after " << i << " writes";
    }
  }
  EXPECT_GE(most_logs, 2u);  // memtables did switch
  Flush();
  EXPECT_GE(FilesAtLevel0(), 10u);
  ASSERT_EQ(LogFiles(dbname_).size(), 1u);
  EXPECT_EQ(test::FileSize(LogFiles(dbname_)[0]), 0u);

  // Every table on disk is listed, and every listed table is on disk.
  std::set<uint64_t> on_disk = FileNumbers(dbname_, FileType::kTable);
  std::set<uint64_t> listed;
  for (auto [number, level] : ListedTables(db_.get())) listed.insert(number);
  EXPECT_EQ(on_disk, listed);
  EXPECT_EQ(FileNumbers(dbname_, FileType::kManifest).size(), 1u);
  CheckDB(db_.get(), model_);
}

TEST_F(DBFlushTest, StrayTableIsRemovedAndForeignFileKeptAtOpen) {
  Reopen();
  Put("a", "1");
  Flush();
  Put("b", "2");
  Close();
  const std::string stray = dbname_ + "/999999.sst";
  const std::string stray_temp = dbname_ + "/999998.dbtmp";
  const std::string foreign = dbname_ + "/notes.txt";
  test::WriteFileOrDie(stray, "");
  test::WriteFileOrDie(stray_temp, "partial");
  test::WriteFileOrDie(foreign, "keep me");

  Reopen();
  EXPECT_FALSE(DefaultFileSystem()->FileExists(stray));
  EXPECT_FALSE(DefaultFileSystem()->FileExists(stray_temp));
  ASSERT_TRUE(DefaultFileSystem()->FileExists(foreign));
  EXPECT_EQ(test::ReadFileOrDie(foreign), "keep me");
  CheckDB(db_.get(), model_);

  // Later flushes (and their obsolete-file sweeps) keep the foreign file too.
  Put("c", "3");
  Flush();
  EXPECT_EQ(test::ReadFileOrDie(foreign), "keep me");
  Close();
  EXPECT_EQ(test::ReadFileOrDie(foreign), "keep me");
  Reopen();
  CheckDB(db_.get(), model_);
}

// ---------------------------------------------------------------------------
// Block cache

TEST_F(DBFlushTest, RepeatedReadsHitTheBlockCache) {
  options_.compression = kNoCompression;
  Reopen();
  std::mt19937_64 rng(8);
  const int kKeys = 500;
  for (int i = 0; i < kKeys; i++) Put(Key(i), RandomBytes(&rng, 1000));
  Flush();
  Reopen();  // a cold cache

  auto read_all = [&](bool fill_cache) {
    ReadOptions options;
    options.fill_cache = fill_cache;
    for (int i = 0; i < kKeys; i++) {
      std::string value;
      Status s = db_->Get(options, Key(i), &value);
      ASSERT_TRUE(s.ok()) << s.ToString();
      ASSERT_EQ(value, model_[Key(i)]);
    }
  };
  struct Counters {
    uint64_t hits, misses, inserts;
  };
  auto counters = [&] {
    return Counters{StatsCounter(db_.get(), "hits"), StatsCounter(db_.get(), "misses"),
                    StatsCounter(db_.get(), "inserts")};
  };

  const Counters start = counters();
  // Reads that do not fill the cache insert nothing and so never hit.
  read_all(false);
  const Counters after_no_fill = counters();
  EXPECT_EQ(after_no_fill.inserts, start.inserts);
  EXPECT_EQ(after_no_fill.hits, start.hits);
  EXPECT_GE(after_no_fill.misses, start.misses + kKeys);

  // A scan without fill_cache inserts nothing either.
  ReadOptions no_fill;
  no_fill.fill_cache = false;
  std::unique_ptr<Iterator> it = db_->NewIterator(no_fill);
  int count = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) count++;
  EXPECT_TRUE(it->status().ok());
  it.reset();
  EXPECT_EQ(count, kKeys);
  EXPECT_EQ(counters().inserts, start.inserts);

  // The first filling pass inserts every block it reads; the second finds
  // them all in the cache.
  read_all(true);
  const Counters after_fill = counters();
  EXPECT_GT(after_fill.inserts, after_no_fill.inserts + 50);  // ~4 KiB blocks of 1 KB values
  read_all(true);
  const Counters after_second = counters();
  EXPECT_EQ(after_second.inserts, after_fill.inserts);
  EXPECT_GE(after_second.hits, after_fill.hits + kKeys);
  EXPECT_EQ(after_second.misses, after_fill.misses);
}

}  // namespace
}  // namespace strata
