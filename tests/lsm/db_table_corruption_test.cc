// Damaged table files, read through the DB: a flipped byte anywhere in a
// table, a truncated table, a broken footer or a missing table file must
// surface as Corruption on the reads that need the damaged part, never as a
// wrong value, a stale value from an older table, or a silently missing key;
// the undamaged parts stay readable. Each case runs with tables read through
// a memory mapping (Options::allow_mmap_reads) and with pread.

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "lsm/db_test_util.h"
#include "lsm/filename.h"
#include "strata/db.h"
#include "test_util.h"

namespace strata {
namespace {

using test::OpenOrDie;
using test::TempDir;

using Model = std::map<std::string, std::string>;

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%06d", i);
  return buf;
}

std::string RandomBytes(std::mt19937_64* rng, size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>((*rng)() & 0xff);
  return s;
}

// What the reads of a damaged database returned, key by key.
struct GetOutcome {
  int correct = 0;
  int corruption = 0;
  // OK with other bytes, NotFound for a key that exists, or another error:
  // each is a failure of the engine, described in `wrong`.
  std::vector<std::string> wrong;
};

GetOutcome GetEveryKey(DB* db, const Model& model) {
  GetOutcome outcome;
  for (const auto& [key, expected] : model) {
    std::string value;
    Status s = db->Get(ReadOptions(), key, &value);
    if (s.ok() && value == expected) {
      outcome.correct++;
    } else if (s.IsCorruption()) {
      outcome.corruption++;
    } else {
      outcome.wrong.push_back(key + ": " + (s.ok() ? "OK with a wrong value" : s.ToString()));
    }
  }
  return outcome;
}

// What a full scan of a damaged database returned.
struct ScanOutcome {
  int correct = 0;
  std::vector<std::string> wrong;  // wrong entries, or contract violations
  Status status;                   // at the end
};

// Scans the whole database forward or backward. Every entry it yields must
// be in the model with the model's value, in order, and an iterator that has
// met an error must not be Valid() (strata/iterator.h).
ScanOutcome ScanEverything(DB* db, const Model& model, bool forward) {
  ScanOutcome outcome;
  std::unique_ptr<Iterator> it = db->NewIterator();
  std::string previous;
  bool first = true;
  for (forward ? it->SeekToFirst() : it->SeekToLast(); it->Valid();
       forward ? it->Next() : it->Prev()) {
    std::string key(it->key());
    if (!it->status().ok()) {
      outcome.wrong.push_back(key + ": Valid() after the error " + it->status().ToString());
    }
    auto m = model.find(key);
    if (m == model.end()) {
      outcome.wrong.push_back(key + ": not in the database");
    } else if (it->value() != m->second) {
      outcome.wrong.push_back(key + ": wrong (or stale) value");
    } else {
      outcome.correct++;
    }
    if (!first && (forward ? key <= previous : key >= previous)) {
      outcome.wrong.push_back(key + ": out of order after " + previous);
    }
    first = false;
    previous = std::move(key);
    if (outcome.wrong.size() > 20) break;
  }
  outcome.status = it->status();
  return outcome;
}

std::string Describe(const std::vector<std::string>& wrong) {
  std::string out;
  for (size_t i = 0; i < wrong.size() && i < 10; i++) out += "\n  " + wrong[i];
  if (wrong.size() > 10) out += "\n  ... " + std::to_string(wrong.size() - 10) + " more";
  return out;
}

// The parameter is Options::allow_mmap_reads: every case runs with tables
// read through a memory mapping and with pread.
class DBTableCorruptionTest : public ::testing::TestWithParam<bool> {
 protected:
  DBTableCorruptionTest() {
    options_.allow_mmap_reads = GetParam();
    // Random values do not compress; no compression keeps block offsets
    // predictable. A large memtable makes each Flush() exactly one table,
    // and no compaction runs to read the damage in the background.
    options_.compression = kNoCompression;
    options_.block_size = 4096;
    options_.l0_compaction_trigger = 1 << 20;
    options_.read_triggered_compaction = false;
    options_.idle_compaction_ms = 0;  // nor when writes stop
    options_.l0_slowdown_writes_trigger = 1 << 20;
    options_.l0_stop_writes_trigger = 1 << 20;
  }

  void Open() {
    db_.reset();
    db_ = OpenOrDie(options_, dbname_);
    ASSERT_NE(db_, nullptr);
  }
  void Close() { db_.reset(); }

  // Writes keys [first, first + count) with random values of value_size
  // bytes (prefixed by `tag`), then flushes them to one table.
  void WriteTable(int first, int count, size_t value_size, const std::string& tag) {
    for (int i = first; i < first + count; i++) {
      std::string value = tag + RandomBytes(&rng_, value_size);
      ASSERT_TRUE(db_->Put(Key(i), value).ok());
      model_[Key(i)] = value;
    }
    Status s = db_->Flush();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // The table files on disk, oldest (lowest number) first.
  std::vector<std::string> Tables() {
    std::vector<std::string> names;
    EXPECT_TRUE(DefaultFileSystem()->GetChildren(dbname_, &names).ok());
    std::map<uint64_t, std::string> tables;
    for (const auto& name : names) {
      uint64_t number;
      FileType type;
      if (ParseFileName(name, &number, &type) && type == FileType::kTable) {
        tables[number] = dbname_ + "/" + name;
      }
    }
    std::vector<std::string> result;
    for (auto& [number, path] : tables) result.push_back(path);
    return result;
  }

  // Reopens, then checks that no Get and no scan in either direction
  // returns a wrong value, and returns what the Gets found.
  GetOutcome ReopenAndCheckNothingWrong(bool expect_damage_seen) {
    Open();
    if (db_ == nullptr) return {};
    GetOutcome gets = GetEveryKey(db_.get(), model_);
    EXPECT_TRUE(gets.wrong.empty()) << "Get returned wrong results:" << Describe(gets.wrong);
    for (bool forward : {true, false}) {
      ScanOutcome scan = ScanEverything(db_.get(), model_, forward);
      EXPECT_TRUE(scan.wrong.empty())
          << (forward ? "forward" : "backward") << " scan:" << Describe(scan.wrong);
      if (expect_damage_seen) {
        EXPECT_TRUE(scan.status.IsCorruption())
            << (forward ? "forward" : "backward") << " scan ended with " << scan.status.ToString()
            << " after " << scan.correct << " of " << model_.size() << " entries";
      } else if (scan.status.ok()) {
        EXPECT_EQ(scan.correct, static_cast<int>(model_.size()));
      }
    }
    return gets;
  }

  TempDir dir_;
  const std::string dbname_ = dir_.Child("db");
  Options options_;
  std::unique_ptr<DB> db_;
  Model model_;
  std::mt19937_64 rng_{42};
};

TEST_P(DBTableCorruptionTest, FlippedByteInDataBlock) {
  Open();
  // About 1 MB in 4 KiB blocks of four values each: hundreds of blocks.
  WriteTable(0, 1000, 1000, "");
  Close();
  std::vector<std::string> tables = Tables();
  ASSERT_EQ(tables.size(), 1u);
  const uint64_t size = test::FileSize(tables[0]);
  test::XorByteOrDie(tables[0], size / 3, 0xff);

  GetOutcome gets = ReopenAndCheckNothingWrong(/*expect_damage_seen=*/true);
  // The flip is inside one data block: the keys of that block (about four)
  // report Corruption, every other key still reads correctly.
  EXPECT_GE(gets.corruption, 1);
  EXPECT_LE(gets.corruption, 8);
  EXPECT_EQ(gets.correct + gets.corruption, 1000);

  // Damage does not stop the database: new writes and reads of them work,
  // and the damage is still reported (not cached away) after another reopen.
  ASSERT_TRUE(db_->Put("new", "value").ok());
  std::string value;
  ASSERT_TRUE(db_->Get(ReadOptions(), "new", &value).ok());
  EXPECT_EQ(value, "value");
  model_["new"] = "value";
  Close();
  gets = ReopenAndCheckNothingWrong(/*expect_damage_seen=*/true);
  EXPECT_GE(gets.corruption, 1);
}

// Every byte of a table is covered by a block checksum or by the footer's
// checks, so a flip anywhere is noticed by some read, and never turns into a
// wrong value.
TEST_P(DBTableCorruptionTest, FlippedByteAnywhereIsDetected) {
  options_.block_size = 1024;
  options_.compression = kSnappyCompression;  // half the values compress
  Open();
  for (int i = 0; i < 300; i++) {
    std::string value = i % 2 == 0 ? RandomBytes(&rng_, 100) : std::string(100, 'a' + i % 26);
    ASSERT_TRUE(db_->Put(Key(i), value).ok());
    model_[Key(i)] = value;
  }
  ASSERT_TRUE(db_->Flush().ok());
  Close();
  std::vector<std::string> tables = Tables();
  ASSERT_EQ(tables.size(), 1u);
  const std::string pristine = test::ReadFileOrDie(tables[0]);
  const uint64_t size = pristine.size();

  // Offsets spread over the file, and every byte of the last 64 (footer,
  // metaindex).
  std::set<uint64_t> offsets;
  for (uint64_t offset = 0; offset < size; offset += size / 61 + 1) offsets.insert(offset);
  for (uint64_t offset = size > 64 ? size - 64 : 0; offset < size; offset++) offsets.insert(offset);
  for (uint64_t offset : offsets) {
    SCOPED_TRACE("flipped byte at offset " + std::to_string(offset) + " of " +
                 std::to_string(size));
    std::string damaged = pristine;
    damaged[offset] = static_cast<char>(damaged[offset] ^ 0xff);
    test::WriteFileOrDie(tables[0], damaged);
    GetOutcome gets = ReopenAndCheckNothingWrong(/*expect_damage_seen=*/true);
    EXPECT_GE(gets.corruption, 1);
    Close();
    if (HasFailure()) break;  // one offset's report is enough
  }
  test::WriteFileOrDie(tables[0], pristine);
  GetOutcome gets = ReopenAndCheckNothingWrong(/*expect_damage_seen=*/false);
  EXPECT_EQ(gets.correct, 300);
}

TEST_P(DBTableCorruptionTest, TruncatedTable) {
  Open();
  WriteTable(0, 500, 500, "");
  Close();
  std::vector<std::string> tables = Tables();
  ASSERT_EQ(tables.size(), 1u);
  const uint64_t size = test::FileSize(tables[0]);
  for (uint64_t new_size : {size - 1, size * 2 / 3, uint64_t{10}, uint64_t{0}}) {
    SCOPED_TRACE("truncated to " + std::to_string(new_size) + " of " + std::to_string(size));
    std::filesystem::resize_file(tables[0], new_size);
    // Tables open lazily, so Open may succeed; every read of the table's
    // keys must then fail, since the table's index is gone.
    GetOutcome gets = ReopenAndCheckNothingWrong(/*expect_damage_seen=*/true);
    EXPECT_EQ(gets.corruption, 500);
    Close();
  }
}

TEST_P(DBTableCorruptionTest, BrokenFooterMagic) {
  Open();
  WriteTable(0, 500, 500, "");
  Close();
  std::vector<std::string> tables = Tables();
  ASSERT_EQ(tables.size(), 1u);
  test::XorByteOrDie(tables[0], test::FileSize(tables[0]) - 1, 0xff);
  GetOutcome gets = ReopenAndCheckNothingWrong(/*expect_damage_seen=*/true);
  EXPECT_EQ(gets.corruption, 500);
}

TEST_P(DBTableCorruptionTest, MissingTableFile) {
  Open();
  WriteTable(0, 200, 100, "");
  WriteTable(200, 200, 100, "");
  Close();
  std::vector<std::string> tables = Tables();
  ASSERT_EQ(tables.size(), 2u);
  ASSERT_TRUE(DefaultFileSystem()->RemoveFile(tables[1]).ok());

  std::unique_ptr<DB> db;
  Status s = DB::Open(options_, dbname_, &db);
  if (!s.ok()) {
    // Refusing to open is fine, as long as it says why.
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    return;
  }
  db.reset();
  GetOutcome gets = ReopenAndCheckNothingWrong(/*expect_damage_seen=*/true);
  // The keys of the missing table are Corruption, not NotFound; the other
  // table's keys still read.
  EXPECT_EQ(gets.corruption, 200);
  EXPECT_EQ(gets.correct, 200);
}

// A damaged newer table must not let an older table's value through: the
// newest version is unreadable, so the read fails instead of going back in
// time.
TEST_P(DBTableCorruptionTest, DamagedNewerTableNeverYieldsOlderValues) {
  Open();
  WriteTable(0, 1000, 1000, "old:");
  WriteTable(0, 1000, 1000, "new:");
  Close();
  std::vector<std::string> tables = Tables();
  ASSERT_EQ(tables.size(), 2u);
  test::XorByteOrDie(tables[1], test::FileSize(tables[1]) / 2, 0xff);

  GetOutcome gets = ReopenAndCheckNothingWrong(/*expect_damage_seen=*/true);
  EXPECT_GE(gets.corruption, 1);
  EXPECT_LE(gets.corruption, 8);
}

// The same when the older table is the damaged one: keys whose newest
// version is in the intact newer table are unaffected.
TEST_P(DBTableCorruptionTest, DamagedOlderTableHidesNothingNewer) {
  Open();
  WriteTable(0, 1000, 1000, "old:");
  WriteTable(0, 1000, 1000, "new:");
  Close();
  std::vector<std::string> tables = Tables();
  ASSERT_EQ(tables.size(), 2u);
  test::XorByteOrDie(tables[0], test::FileSize(tables[0]) / 2, 0xff);

  // Scans read every table, so they meet the damage; Gets stop at the newer
  // table and never do.
  GetOutcome gets = ReopenAndCheckNothingWrong(/*expect_damage_seen=*/true);
  EXPECT_EQ(gets.correct, 1000);
}

INSTANTIATE_TEST_SUITE_P(ReadPath, DBTableCorruptionTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Mapped" : "Pread";
                         });

}  // namespace
}  // namespace strata
