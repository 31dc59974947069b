// Bit-flip sweeps (issue 7), sampled to stay fast: flips a few thousand bits
// of a small table (no compression and LZ4; and one with range tombstones), of a WAL (with and
// without paranoid_checks), of a MANIFEST holding several edits, and every bit of CURRENT. Each
// flip must be detected as Corruption or be harmless, never returned as data; bitflip_sweep.h says
// what each file kind may do. db_bitflip_stress_test.cc flips every bit.

#include <gtest/gtest.h>

#include <cstdint>
#include <iostream>
#include <limits>
#include <memory>
#include <string>

#include "lsm/bitflip_sweep.h"
#include "lsm/db_test_util.h"
#include "strata/db.h"
#include "test_util.h"

namespace strata {
namespace {

using test::bitflip::Figures;

// Flips per file kind: about 2 s each in a RelWithDebInfo build, 20 s under
// ASan + UBSan.
constexpr uint64_t kMaxFlips = 1500;

void Report(const Figures& figures) {
  std::cout << figures.ToString() << std::endl;
  EXPECT_GT(figures.flips, 0u);
  EXPECT_EQ(figures.failures, 0u);
}

TEST(DBBitFlipTest, TableWithoutCompression) {
  Report(test::bitflip::SweepTable(kNoCompression, 200, kMaxFlips));
}

TEST(DBBitFlipTest, TableWithLz4) {
  Report(test::bitflip::SweepTable(kLZ4Compression, 200, kMaxFlips));
}

TEST(DBBitFlipTest, TableWithRangeTombstones) {
  Report(test::bitflip::SweepTable(kNoCompression, 200, kMaxFlips / 2, /*range_deletions=*/true));
}

TEST(DBBitFlipTest, Wal) {
  // Two blocks, so one record crosses a block boundary.
  Report(test::bitflip::SweepWal(/*paranoid=*/false, 40, 40 << 10, kMaxFlips));
}

TEST(DBBitFlipTest, WalParanoid) {
  Report(test::bitflip::SweepWal(/*paranoid=*/true, 40, 40 << 10, kMaxFlips));
}

// The MANIFEST is small: every bit.
TEST(DBBitFlipTest, Manifest) {
  Report(test::bitflip::SweepManifest("", std::numeric_limits<uint64_t>::max()));
}

TEST(DBBitFlipTest, Current) { Report(test::bitflip::SweepManifest("CURRENT", kMaxFlips)); }

// The sweeps' two findings, each on its own.

// A damaged last MANIFEST record is not a torn tail: the edit was synced
// before the WAL it made obsolete was deleted, so ignoring it would lose the
// flushed writes. Only a record cut short by the end of the file (an append
// a crash interrupted) is ignored.
TEST(DBBitFlipTest, DamagedLastManifestRecordIsCorruption) {
  test::TempDir dir;
  const std::string dbname = dir.Child("db");
  {
    std::unique_ptr<DB> db = test::OpenOrDie(Options(), dbname);
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->Put(WriteOptions(), "k", "v").ok());
    ASSERT_TRUE(db->Flush().ok());  // the last edit; its WAL is deleted
  }
  const std::string manifest =
      dbname + "/" + test::bitflip::OnlyFileOfType(dbname, FileType::kManifest);
  const std::string pristine = test::ReadFileOrDie(manifest);
  std::unique_ptr<DB> db;
  for (size_t from_end : {1, 3, 10}) {
    SCOPED_TRACE(from_end);
    test::WriteFileOrDie(manifest,
                         test::bitflip::FlipBit(pristine, (pristine.size() - from_end) * 8));
    Status s = DB::Open(Options(), dbname, &db);
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  }
  // The same record cut short opens (without the edit).
  test::WriteFileOrDie(manifest, pristine.substr(0, pristine.size() - 3));
  Status s = DB::Open(Options(), dbname, &db);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

// A damaged length field in the WAL's last block, not in the last record,
// is mid-log damage: it fails Open under paranoid_checks, and otherwise is
// counted, not dropped silently as a torn tail. The length says nothing
// about where the next header is, so the rest of the block goes with it
// (never is a header read where the writer put none).
TEST(DBBitFlipTest, DamagedWalLengthLosesTheRestOfItsBlockAndSaysSo) {
  test::TempDir dir;
  // Byte 5 is the high byte of the first fragment's length: +256 runs past
  // the end of the file. Byte 4, bit 2: +4 lands inside the next header.
  for (uint64_t bit : {5 * 8, 4 * 8 + 2}) {
    SCOPED_TRACE(bit);
    const std::string dbname = dir.Child("db" + std::to_string(bit));
    {
      std::unique_ptr<DB> db = test::OpenOrDie(Options(), dbname);
      ASSERT_NE(db, nullptr);
      for (const char* key : {"a", "b", "c"}) {
        ASSERT_TRUE(db->Put(WriteOptions(), key, std::string(20, *key)).ok());
      }
    }
    const std::string log = test::LogFiles(dbname).back();
    test::WriteFileOrDie(log, test::bitflip::FlipBit(test::ReadFileOrDie(log), bit));

    Options paranoid;
    paranoid.paranoid_checks = true;
    std::unique_ptr<DB> db;
    Status s = DB::Open(paranoid, dbname, &db);
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    db = test::OpenOrDie(Options(), dbname);
    ASSERT_NE(db, nullptr);
    EXPECT_EQ(test::GetValue(db.get(), "a"), "NOT_FOUND");
    EXPECT_EQ(test::GetValue(db.get(), "b"), "NOT_FOUND");
    EXPECT_EQ(test::GetValue(db.get(), "c"), "NOT_FOUND");
    EXPECT_EQ(test::IntProperty(db.get(), "strata.wal-corrupted-records"), 1u);
  }
}

}  // namespace
}  // namespace strata
