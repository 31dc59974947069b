// Options::wal_recovery_mode (issue 16): each mode under the WAL bit-flip
// sweep (bitflip_sweep.h says what each must do with every flip), and by
// hand on WALs built record by record: a clean log and a zero-filled
// (preallocated) tail are no damage to any mode; a torn tail fails only
// absolute consistency; point-in-time recovery leaves out everything from
// the first damaged record on, later WALs included, and keeps it out when
// the database is opened again in another mode.

#include <gtest/gtest.h>

#include <iostream>
#include <memory>
#include <string>

#include "lsm/bitflip_sweep.h"
#include "lsm/db_test_util.h"
#include "lsm/filename.h"
#include "lsm/write_batch_internal.h"
#include "strata/db.h"
#include "test_util.h"
#include "wal/log_writer.h"

namespace strata {
namespace {

using test::bitflip::Figures;

constexpr uint64_t kMaxFlips = 1000;

void Report(const Figures& figures) {
  std::cout << figures.ToString() << std::endl;
  EXPECT_GT(figures.flips, 0u);
  EXPECT_EQ(figures.failures, 0u);
}

TEST(DBWalRecoveryModeTest, BitFlipsUnderAbsoluteConsistency) {
  Report(test::bitflip::SweepWal(false, 40, 40 << 10, kMaxFlips, 0, 1,
                                 WALRecoveryMode::kAbsoluteConsistency));
}

TEST(DBWalRecoveryModeTest, BitFlipsUnderPointInTimeRecovery) {
  Report(test::bitflip::SweepWal(false, 40, 40 << 10, kMaxFlips, 0, 1,
                                 WALRecoveryMode::kPointInTimeRecovery));
}

TEST(DBWalRecoveryModeTest, BitFlipsUnderSkipAnyCorruptedRecordsEvenWhenParanoid) {
  Report(test::bitflip::SweepWal(true, 40, 40 << 10, kMaxFlips, 0, 1,
                                 WALRecoveryMode::kSkipAnyCorruptedRecords));
}

std::string Key(int i) { return "key" + std::to_string(i); }

// A database whose MANIFEST names no table and log number 0, and WAL files
// written here: `logs` of them, `per_log` one-Put batches each (key i, value
// "v" + i, sequence i + 1), numbered from 100. Returns the WAL names and the
// byte offset where each record starts in its file.
class HandMadeWals : public ::testing::Test {
 protected:
  void Build(int logs, int per_log) {
    {
      Options options;
      std::unique_ptr<DB> db = test::OpenOrDie(options, dbname_);
      ASSERT_NE(db, nullptr);
    }
    for (const auto& name : test::LogFiles(dbname_)) {
      std::filesystem::remove(dbname_ + "/" + name);
    }
    int key = 0;
    for (int l = 0; l < logs; l++) {
      std::string name = LogFileName(dbname_, 100 + static_cast<uint64_t>(l));
      std::unique_ptr<WritableFile> file;
      ASSERT_TRUE(DefaultFileSystem()->NewWritableFile(name, &file).ok());
      wal::Writer writer(file.get());
      uint64_t offset = 0;
      for (int i = 0; i < per_log; i++, key++) {
        WriteBatch batch;
        batch.Put(Key(key), "v" + std::to_string(key));
        WriteBatchInternal::SetSequence(&batch, static_cast<SequenceNumber>(key) + 1);
        record_offsets_.push_back({name, offset});
        ASSERT_TRUE(writer.AddRecord(WriteBatchInternal::Contents(&batch)).ok());
        // One fragment each: the records are far smaller than a block.
        offset += wal::kHeaderSize + WriteBatchInternal::ByteSize(&batch);
      }
      ASSERT_TRUE(file->Close().ok());
      logs_.push_back(name);
    }
    total_ = key;
  }

  // Flips a byte in the middle of record `index`'s payload.
  void Damage(int index) {
    const auto& [name, offset] = record_offsets_[static_cast<size_t>(index)];
    std::string contents = test::ReadFileOrDie(name);
    contents[offset + wal::kHeaderSize + 4] ^= 0x40;
    test::WriteFileOrDie(name, contents);
  }

  Status OpenWith(WALRecoveryMode mode, std::unique_ptr<DB>* db, bool paranoid = false) {
    Options options;
    options.wal_recovery_mode = mode;
    options.paranoid_checks = paranoid;
    db->reset();
    return DB::Open(options, dbname_, db);
  }

  // Which of keys 0..total_-1 are present (with their value): e.g. "111000".
  std::string Present(DB* db) {
    std::string result;
    for (int i = 0; i < total_; i++) {
      std::string value;
      Status s = db->Get(Key(i), &value);
      result += s.ok() && value == "v" + std::to_string(i) ? '1' : '0';
    }
    return result;
  }

  test::TempDir dir_;
  const std::string dbname_ = dir_.Child("db");
  std::vector<std::string> logs_;
  std::vector<std::pair<std::string, uint64_t>> record_offsets_;
  int total_ = 0;
};

TEST_F(HandMadeWals, CleanLogsAndZeroTailsAreNoDamageToAnyMode) {
  Build(2, 5);
  // Preallocated space after the last record of the newest WAL.
  std::string last = test::ReadFileOrDie(logs_.back());
  test::WriteFileOrDie(logs_.back(), last + std::string(3000, '\0'));
  const test::bitflip::DirImage image(dbname_);
  for (auto mode :
       {WALRecoveryMode::kTolerateCorruptedTailRecords, WALRecoveryMode::kAbsoluteConsistency,
        WALRecoveryMode::kPointInTimeRecovery, WALRecoveryMode::kSkipAnyCorruptedRecords}) {
    image.RestoreTo(dbname_);
    std::unique_ptr<DB> db;
    Status s = OpenWith(mode, &db, /*paranoid=*/true);  // after RestoreTo: db is not open
    ASSERT_TRUE(s.ok()) << static_cast<int>(mode) << ": " << s.ToString();
    EXPECT_EQ(Present(db.get()), "1111111111") << static_cast<int>(mode);
    EXPECT_EQ(test::IntProperty(db.get(), "strata.wal-corrupted-records"), 0u);
  }
}

TEST_F(HandMadeWals, ATornTailFailsOnlyAbsoluteConsistency) {
  Build(1, 5);
  std::string contents = test::ReadFileOrDie(logs_[0]);
  // Cut the last record in half, as a crash during its append would.
  const uint64_t last_start = record_offsets_.back().second;
  contents.resize(last_start + (contents.size() - last_start) / 2);
  test::WriteFileOrDie(logs_[0], contents);
  const test::bitflip::DirImage image(dbname_);
  std::unique_ptr<DB> db;
  Status s = OpenWith(WALRecoveryMode::kAbsoluteConsistency, &db);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  for (auto mode :
       {WALRecoveryMode::kTolerateCorruptedTailRecords, WALRecoveryMode::kPointInTimeRecovery,
        WALRecoveryMode::kSkipAnyCorruptedRecords}) {
    db.reset();
    image.RestoreTo(dbname_);
    s = OpenWith(mode, &db);
    ASSERT_TRUE(s.ok()) << static_cast<int>(mode) << ": " << s.ToString();
    EXPECT_EQ(Present(db.get()), "11110") << static_cast<int>(mode);
  }
}

TEST_F(HandMadeWals, MidLogDamageInEachMode) {
  Build(3, 4);  // keys 0-3 in WAL 100, 4-7 in 101, 8-11 in 102
  Damage(5);    // the second record of WAL 101
  const test::bitflip::DirImage image(dbname_);
  std::unique_ptr<DB> db;

  Status s = OpenWith(WALRecoveryMode::kAbsoluteConsistency, &db);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();

  db.reset();
  image.RestoreTo(dbname_);
  s = OpenWith(WALRecoveryMode::kTolerateCorruptedTailRecords, &db, /*paranoid=*/true);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();

  for (auto mode : {WALRecoveryMode::kTolerateCorruptedTailRecords,
                    WALRecoveryMode::kSkipAnyCorruptedRecords}) {
    db.reset();
    image.RestoreTo(dbname_);
    // skip-any skips even under paranoid_checks.
    s = OpenWith(mode, &db, mode == WALRecoveryMode::kSkipAnyCorruptedRecords);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(Present(db.get()), "111110111111") << static_cast<int>(mode);
    EXPECT_EQ(test::IntProperty(db.get(), "strata.wal-corrupted-records"), 1u);
  }

  // Point in time: a prefix, no later write, and it stays that way.
  db.reset();
  image.RestoreTo(dbname_);
  s = OpenWith(WALRecoveryMode::kPointInTimeRecovery, &db);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Present(db.get()), "111110000000");
  EXPECT_EQ(test::IntProperty(db.get(), "strata.wal-corrupted-records"), 1u);
  // The WALs it left out are gone (the prefix is in a table), so new
  // writes are kept and nothing left out comes back in any mode.
  for (const auto& log : logs_) EXPECT_FALSE(std::filesystem::exists(log)) << log;
  ASSERT_TRUE(db->Put(Key(11), "later").ok());
  for (auto mode :
       {WALRecoveryMode::kTolerateCorruptedTailRecords, WALRecoveryMode::kAbsoluteConsistency,
        WALRecoveryMode::kPointInTimeRecovery, WALRecoveryMode::kSkipAnyCorruptedRecords}) {
    s = OpenWith(mode, &db);
    ASSERT_TRUE(s.ok()) << static_cast<int>(mode) << ": " << s.ToString();
    EXPECT_EQ(Present(db.get()), "111110000000") << static_cast<int>(mode);
    std::string value;
    ASSERT_TRUE(db->Get(Key(11), &value).ok());
    EXPECT_EQ(value, "later");
  }
}

TEST_F(HandMadeWals, ReadOnlyOpenAppliesTheModeInMemoryOnly) {
  Build(2, 3);
  Damage(1);
  const test::bitflip::DirImage image(dbname_);
  Options options;
  options.wal_recovery_mode = WALRecoveryMode::kPointInTimeRecovery;
  std::unique_ptr<DB> db;
  Status s = DB::OpenReadOnly(options, dbname_, &db);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Present(db.get()), "100000");
  db.reset();
  // Nothing was flushed or deleted.
  for (const auto& log : logs_) EXPECT_TRUE(std::filesystem::exists(log)) << log;
  options.wal_recovery_mode = WALRecoveryMode::kAbsoluteConsistency;
  s = DB::OpenReadOnly(options, dbname_, &db);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
}

TEST(DBWalRecoveryModeOptionsTest, AnUnknownModeIsRejected) {
  test::TempDir dir;
  Options options;
  options.wal_recovery_mode = static_cast<WALRecoveryMode>(9);
  std::unique_ptr<DB> db;
  EXPECT_TRUE(DB::Open(options, dir.Child("db"), &db).IsInvalidArgument());
}

}  // namespace
}  // namespace strata
