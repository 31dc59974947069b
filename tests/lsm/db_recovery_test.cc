// Recovery tests through the public API: what a clean close and reopen keeps
// (across memtable switches, many reopens, and the last sequence number), and
// how Open treats damaged files: a byte flipped in the middle of a WAL is
// fatal under paranoid_checks and otherwise skipped and counted with the rest
// of the log still replayed; a torn WAL tail is silent; a batch that does
// not decode is dropped whole; a bad CURRENT is Corruption.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lsm/db_test_util.h"
#include "lsm/filename.h"
#include "lsm/write_batch_internal.h"
#include "strata/db.h"
#include "test_util.h"
#include "util/coding.h"
#include "util/random.h"
#include "wal/log_format.h"
#include "wal/log_writer.h"

namespace strata {
namespace {

using test::GetValue;
using test::IntProperty;
using test::OpenOrDie;
using test::ScanAll;
using test::TempDir;

using Model = std::map<std::string, std::string>;

class DBRecoveryTest : public ::testing::Test {
 protected:
  void Reopen(const Options& options = test::SmallBufferOptions()) {
    db_.reset();
    db_ = OpenOrDie(options, dbname_);
    ASSERT_NE(db_, nullptr);
  }

  Status TryReopen(const Options& options) {
    db_.reset();
    return DB::Open(options, dbname_, &db_);
  }

  // Applies `ops` random puts, overwrites and deletes to the DB and model.
  void RandomWrites(Random* rnd, int ops, Model* model) {
    for (int i = 0; i < ops; i++) {
      std::string key = "key" + std::to_string(rnd->Uniform(500));
      if (rnd->OneIn(4)) {
        ASSERT_TRUE(db_->Delete(key).ok());
        model->erase(key);
      } else {
        std::string value(rnd->Uniform(800), static_cast<char>('a' + rnd->Uniform(26)));
        value += std::to_string(i);
        ASSERT_TRUE(db_->Put(key, value).ok());
        (*model)[key] = value;
      }
      updates_++;
    }
  }

  void CheckModel(const Model& model, const std::string& label) {
    SCOPED_TRACE(label);
    EXPECT_TRUE(ScanAll(db_.get()) == model) << "forward scan differs from the model";
    EXPECT_TRUE(test::ScanAllBackward(db_.get()) == model) << "backward scan differs";
    for (int i = 0; i < 500; i += 7) {
      std::string key = "key" + std::to_string(i);
      auto pos = model.find(key);
      EXPECT_EQ(GetValue(db_.get(), key), pos == model.end() ? "NOT_FOUND" : pos->second) << key;
    }
  }

  TempDir dir_;
  const std::string dbname_ = dir_.Child("db");
  std::unique_ptr<DB> db_;
  uint64_t updates_ = 0;  // updates written, each one sequence number
};

TEST_F(DBRecoveryTest, ReopenKeepsEverything) {
  Reopen();
  Random rnd(17);
  Model model;
  RandomWrites(&rnd, 3000, &model);
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_GE(test::StatsCounter(db_.get(), "switches"), 5u);
  CheckModel(model, "before reopen");
  Reopen();
  CheckModel(model, "after reopen");
  // Reopening with another write buffer size reads the same data.
  Reopen(Options());
  CheckModel(model, "after reopen with the default options");
}

TEST_F(DBRecoveryTest, ReopenEmptyDatabase) {
  Reopen();
  Reopen();
  EXPECT_TRUE(ScanAll(db_.get()).empty());
  EXPECT_EQ(IntProperty(db_.get(), "strata.last-sequence"), 0u);
}

TEST_F(DBRecoveryTest, ReopenManyTimes) {
  Reopen();
  Random rnd(99);
  Model model;
  for (int round = 0; round < 30; round++) {
    // Some rounds write nothing, some enough to switch memtables.
    int ops = round % 5 == 0 ? 0 : static_cast<int>(rnd.Uniform(400));
    RandomWrites(&rnd, ops, &model);
    ASSERT_FALSE(HasFatalFailure());
    Reopen();
    CheckModel(model, "round " + std::to_string(round));
    ASSERT_EQ(IntProperty(db_.get(), "strata.last-sequence"), updates_) << "round " << round;
    if (HasFailure()) return;
  }
}

TEST_F(DBRecoveryTest, LastSequenceRestored) {
  Reopen();
  ASSERT_TRUE(db_->Put("a", "1").ok());
  ASSERT_TRUE(db_->Delete("b").ok());
  WriteBatch batch;
  batch.Put("c", "1");
  batch.Put("d", "1");
  ASSERT_TRUE(db_->Write(WriteOptions(), &batch).ok());
  ASSERT_EQ(IntProperty(db_.get(), "strata.last-sequence"), 4u);

  Reopen();
  EXPECT_EQ(IntProperty(db_.get(), "strata.last-sequence"), 4u);
  Reopen();  // nothing written in between
  EXPECT_EQ(IntProperty(db_.get(), "strata.last-sequence"), 4u);
  ASSERT_TRUE(db_->Put("e", "1").ok());
  EXPECT_EQ(IntProperty(db_.get(), "strata.last-sequence"), 5u);
  // After a flush the sequence lives only in the MANIFEST and the tables.
  ASSERT_TRUE(db_->Flush().ok());
  Reopen();
  EXPECT_EQ(IntProperty(db_.get(), "strata.last-sequence"), 5u);
}

// A write after a reopen must get a larger sequence number than every
// recovered one, or an older version would shadow it.
TEST_F(DBRecoveryTest, WritesAfterReopenWin) {
  Reopen();
  ASSERT_TRUE(db_->Put("k", "v1").ok());
  Reopen();
  ASSERT_TRUE(db_->Put("k", "v2").ok());
  EXPECT_EQ(GetValue(db_.get(), "k"), "v2");
  Reopen();
  EXPECT_EQ(GetValue(db_.get(), "k"), "v2");
  ASSERT_TRUE(db_->Delete("k").ok());
  Reopen();
  EXPECT_EQ(GetValue(db_.get(), "k"), "NOT_FOUND");
  ASSERT_TRUE(db_->Put("k", "v3").ok());
  ASSERT_TRUE(db_->Flush().ok());
  Reopen();
  EXPECT_EQ(GetValue(db_.get(), "k"), "v3");
  ASSERT_TRUE(db_->Put("k", "v4").ok());
  Reopen();
  EXPECT_EQ(GetValue(db_.get(), "k"), "v4");
}

// A tombstone in a later WAL hides a value in an earlier one after replay.
TEST_F(DBRecoveryTest, TombstoneInLaterWalHidesEarlierValue) {
  Reopen();
  for (int i = 0; i < 20; i++) ASSERT_TRUE(db_->Put("victim" + std::to_string(i), "v").ok());
  const std::string filler(1000, 'f');
  for (int i = 0; i < 200; i++) ASSERT_TRUE(db_->Put("filler" + std::to_string(i), filler).ok());
  for (int i = 0; i < 20; i += 2) ASSERT_TRUE(db_->Delete("victim" + std::to_string(i)).ok());
  EXPECT_GE(test::StatsCounter(db_.get(), "switches"), 2u);
  Reopen();
  for (int i = 0; i < 20; i++) {
    EXPECT_EQ(GetValue(db_.get(), "victim" + std::to_string(i)), i % 2 == 0 ? "NOT_FOUND" : "v");
  }
}

// ---------------------------------------------------------------------------
// Damaged files

constexpr int kBatches = 12;
constexpr int kKeysPerBatch = 4;

std::string BatchKey(int batch, int j) {
  return "batch" + std::to_string(batch) + "-" + std::to_string(j);
}

std::string BatchValue(int batch, int j) {
  // 3 KB per key: a batch is a 12 KB WAL record, so the log spans several
  // 32 KiB blocks and records cross block boundaries.
  return std::string(3000, static_cast<char>('a' + (batch + j) % 26)) + std::to_string(batch);
}

// Writes kBatches synced batches into a fresh database (one WAL record each)
// and closes it. Returns the path of the WAL holding them.
std::string WriteBatchesAndClose(const std::string& dbname) {
  // The default (large) write buffer keeps every batch in one WAL: no
  // memtable switch, no flush.
  std::unique_ptr<DB> db = OpenOrDie(Options(), dbname);
  if (db == nullptr) return "";
  WriteOptions sync;
  sync.sync = true;
  for (int i = 0; i < kBatches; i++) {
    WriteBatch batch;
    for (int j = 0; j < kKeysPerBatch; j++) batch.Put(BatchKey(i, j), BatchValue(i, j));
    EXPECT_TRUE(db->Write(sync, &batch).ok());
  }
  db.reset();
  std::string largest;
  for (const auto& log : test::LogFiles(dbname)) {
    if (largest.empty() || test::FileSize(log) > test::FileSize(largest)) largest = log;
  }
  EXPECT_GT(test::FileSize(largest), 3 * wal::kBlockSize);
  return largest;
}

// For each batch: true if all its keys are present with the right values,
// false if none is; a partial batch fails the test.
std::vector<bool> BatchesPresent(DB* db) {
  std::vector<bool> present;
  for (int i = 0; i < kBatches; i++) {
    int found = 0;
    for (int j = 0; j < kKeysPerBatch; j++) {
      std::string value = GetValue(db, BatchKey(i, j));
      if (value == "NOT_FOUND") continue;
      EXPECT_EQ(value, BatchValue(i, j)) << BatchKey(i, j);
      found++;
    }
    EXPECT_TRUE(found == 0 || found == kKeysPerBatch)
        << "batch " << i << " is partial: " << found << " of " << kKeysPerBatch << " keys";
    present.push_back(found == kKeysPerBatch);
  }
  return present;
}

TEST_F(DBRecoveryTest, WalCorruptionInTheMiddle) {
  const std::string log = WriteBatchesAndClose(dbname_);
  ASSERT_FALSE(log.empty());
  uint64_t offset = test::FileSize(log) / 2;
  // Not in a block's zero trailer, which the reader skips unread.
  if (offset % wal::kBlockSize >= wal::kBlockSize - wal::kHeaderSize) offset += 100;
  test::XorByteOrDie(log, offset, 0x5a);

  Options paranoid;
  paranoid.paranoid_checks = true;
  Status s = TryReopen(paranoid);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_EQ(db_, nullptr);

  // The refused Open changed nothing: a tolerant Open still finds the
  // damage, skips it, and replays what follows.
  Options tolerant;
  tolerant.paranoid_checks = false;
  s = TryReopen(tolerant);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_GT(IntProperty(db_.get(), "strata.wal-corrupted-records"), 0u);
  std::vector<bool> present = BatchesPresent(db_.get());
  EXPECT_TRUE(present.front()) << "a batch before the damage was lost";
  EXPECT_TRUE(present.back()) << "the batch after the damage was not replayed";
  int lost = static_cast<int>(std::count(present.begin(), present.end(), false));
  EXPECT_GE(lost, 1) << "the damaged record was replayed";
  EXPECT_LE(lost, 2) << "more than the damaged record was dropped";

  // What survived stays. Once flushed, the damaged WAL is obsolete and its
  // damage is not met again.
  std::vector<bool> before = present;
  ASSERT_TRUE(db_->Flush().ok());
  Reopen(tolerant);
  EXPECT_EQ(BatchesPresent(db_.get()), before);
  EXPECT_EQ(IntProperty(db_.get(), "strata.wal-corrupted-records"), 0u);
}

TEST_F(DBRecoveryTest, TornWalTailIsSilent) {
  // Cut the last record (about 12 KB, in several fragments) short by a few
  // bytes and by more.
  for (uint64_t cut : {1, 3, 100, 2000}) {
    SCOPED_TRACE("cut " + std::to_string(cut));
    ASSERT_TRUE(DestroyDB(dbname_, Options()).ok());
    const std::string log = WriteBatchesAndClose(dbname_);
    ASSERT_FALSE(log.empty());
    std::filesystem::resize_file(log, test::FileSize(log) - cut);

    // Even paranoid checks accept a torn tail: the write it held was the
    // last one and may never have been acknowledged.
    Options paranoid;
    paranoid.paranoid_checks = true;
    Status s = TryReopen(paranoid);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(IntProperty(db_.get(), "strata.wal-corrupted-records"), 0u);
    std::vector<bool> present = BatchesPresent(db_.get());
    for (int i = 0; i + 1 < kBatches; i++) EXPECT_TRUE(present[i]) << "batch " << i;
    EXPECT_FALSE(present.back()) << "the torn batch was replayed";
    db_.reset();
  }
}

TEST_F(DBRecoveryTest, TornTailThenMoreWrites) {
  const std::string log = WriteBatchesAndClose(dbname_);
  ASSERT_FALSE(log.empty());
  std::filesystem::resize_file(log, test::FileSize(log) - 5);
  Reopen();
  ASSERT_TRUE(db_->Put("after", "torn").ok());
  Reopen();
  EXPECT_EQ(GetValue(db_.get(), "after"), "torn");
  std::vector<bool> present = BatchesPresent(db_.get());
  EXPECT_EQ(std::count(present.begin(), present.end(), true), kBatches - 1);
  EXPECT_EQ(IntProperty(db_.get(), "strata.wal-corrupted-records"), 0u);
}

// A WAL record whose checksum is good but whose batch does not decode (here:
// a good Put followed by an update of unknown type) is dropped whole, never
// applied in part, and replay goes on with the next record.
TEST_F(DBRecoveryTest, UndecodableBatchIsDroppedWhole) {
  Reopen();
  ASSERT_TRUE(db_->Put("before", "1").ok());
  const uint64_t last = IntProperty(db_.get(), "strata.last-sequence");
  db_.reset();

  // A WAL numbered after every existing file, as if written by a later run.
  std::string bad;
  PutFixed64(&bad, last + 1);
  PutFixed32(&bad, 2);
  bad += test::Bytes({0x01, 9}) + "partial-a" + test::Bytes({1, 'x'});  // a good Put
  bad += test::Bytes({0x07, 1, 'z'});                                   // an update of unknown type
  WriteBatch good;
  good.Put("after", "2");
  WriteBatchInternal::SetSequence(&good, last + 3);
  {
    std::unique_ptr<WritableFile> file;
    ASSERT_TRUE(DefaultFileSystem()->NewWritableFile(LogFileName(dbname_, 999999), &file).ok());
    wal::Writer writer(file.get());
    ASSERT_TRUE(writer.AddRecord(bad).ok());
    ASSERT_TRUE(writer.AddRecord(WriteBatchInternal::Contents(&good)).ok());
    ASSERT_TRUE(file->Close().ok());
  }

  Options paranoid;
  paranoid.paranoid_checks = true;
  Status s = TryReopen(paranoid);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();

  s = TryReopen(Options());
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(IntProperty(db_.get(), "strata.wal-corrupted-records"), 1u);
  EXPECT_EQ(GetValue(db_.get(), "partial-a"), "NOT_FOUND");
  EXPECT_EQ(GetValue(db_.get(), "before"), "1");
  EXPECT_EQ(GetValue(db_.get(), "after"), "2");
  // New writes number after the replayed record.
  EXPECT_GE(IntProperty(db_.get(), "strata.last-sequence"), last + 3);
  ASSERT_TRUE(db_->Put("after", "3").ok());
  Reopen();
  EXPECT_EQ(GetValue(db_.get(), "after"), "3");
}

TEST_F(DBRecoveryTest, BadCurrentFileIsCorruption) {
  Reopen();
  ASSERT_TRUE(db_->Put("k", "v").ok());
  db_.reset();
  const std::string current = dir_.Child("db/CURRENT");
  const std::string good = test::ReadFileOrDie(current);

  test::WriteFileOrDie(current, "MANIFEST-999999\n");  // names a missing file
  Status s = TryReopen(Options());
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();

  test::WriteFileOrDie(current, good.substr(0, good.size() - 1));  // no newline
  s = TryReopen(Options());
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();

  test::WriteFileOrDie(current, "garbage\n");
  s = TryReopen(Options());
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();

  test::WriteFileOrDie(current, good);
  Reopen();
  EXPECT_EQ(GetValue(db_.get(), "k"), "v");
}

}  // namespace
}  // namespace strata
