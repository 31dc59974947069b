// RepairDB (include/strata/inspect.h) on real databases in a temporary
// directory: a healthy database comes back whole; a table with a damaged
// block is replaced by its readable blocks; an unreadable table is moved to
// lost/; damage in the middle of a WAL loses only the damaged records; and
// with the MANIFEST deleted, the newest version of every key (tombstones
// included) still wins, whatever the levels and file numbers were.

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "lsm/db_test_util.h"
#include "strata/db.h"
#include "strata/inspect.h"
#include "test_util.h"

namespace strata {
namespace {

using test::TempDir;
using Model = std::map<std::string, std::string>;

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%06d", i);
  return buf;
}

Options TestOptions() {
  Options options = test::SmallBufferOptions();
  options.block_size = 256;
  options.compression = kNoCompression;
  return options;
}

// Every key/value of the reopened database, by a scan; also checks that a
// Get of each of keys [0, num_keys) agrees with the scan (Get searches
// level 0 by file number, where a scan merges by sequence number).
Model Reopen(const std::string& path, int num_keys = 0) {
  auto db = test::OpenOrDie(TestOptions(), path);
  if (db == nullptr) return {};
  Model model = test::ScanAll(db.get());
  for (int i = 0; i < num_keys; i++) {
    auto it = model.find(Key(i));
    EXPECT_EQ(test::GetValue(db.get(), Key(i)), it == model.end() ? "NOT_FOUND" : it->second)
        << Key(i);
  }
  return model;
}

std::string Describe(const RepairReport& r) {
  std::string s = "kept " + std::to_string(r.tables_kept) + " salvaged " +
                  std::to_string(r.tables_salvaged) + " lost " + std::to_string(r.tables_lost) +
                  " logs " + std::to_string(r.logs_converted) + " entries kept " +
                  std::to_string(r.entries_kept) + " lost " + std::to_string(r.entries_lost) + "\n";
  for (const auto& p : r.problems) s += "problem " + p.file + ": " + p.message + "\n";
  for (const auto& p : r.moved) s += "moved " + p.file + ": " + p.message + "\n";
  return s;
}

TEST(RepairTest, HealthyDatabaseComesBackWhole) {
  TempDir dir;
  Model model;
  {
    auto db = test::OpenOrDie(TestOptions(), dir.path());
    for (int i = 0; i < 300; i++) {
      ASSERT_TRUE(db->Put(Key(i), "v" + std::to_string(i)).ok());
      model[Key(i)] = "v" + std::to_string(i);
    }
    ASSERT_TRUE(db->Flush().ok());
    for (int i = 0; i < 300; i += 3) {
      ASSERT_TRUE(db->Delete(Key(i)).ok());  // in the WAL only
      model.erase(Key(i));
    }
  }
  RepairReport report;
  ASSERT_TRUE(RepairDB(dir.path(), Options(), &report).ok());
  EXPECT_FALSE(report.manifest_rebuilt_from_scratch);
  EXPECT_EQ(report.tables_kept, 1u) << Describe(report);
  EXPECT_GE(report.logs_converted, 1u) << Describe(report);
  EXPECT_EQ(report.entries_lost, 0u);
  EXPECT_TRUE(report.problems.empty()) << Describe(report);
  EXPECT_EQ(Reopen(dir.path()), model);
  CheckReport check;
  ASSERT_TRUE(CheckDB(dir.path(), Options(), &check).ok());
  EXPECT_TRUE(check.ok());
}

TEST(RepairTest, DamagedTableKeepsItsReadableBlocks) {
  TempDir dir;
  Model model;
  {
    auto db = test::OpenOrDie(TestOptions(), dir.path());
    for (int i = 0; i < 500; i++) {
      ASSERT_TRUE(db->Put(Key(i), "v" + std::to_string(i)).ok());
      model[Key(i)] = "v" + std::to_string(i);
    }
    ASSERT_TRUE(db->Flush().ok());
  }
  std::vector<std::string> tables = test::FileNamesOfType(dir.path(), FileType::kTable);
  ASSERT_EQ(tables.size(), 1u);
  TableDump dump;
  ASSERT_TRUE(DumpTable(dir.Child(tables[0]), Options(), true, &dump).ok());
  ASSERT_GE(dump.index_entries.size(), 5u);
  const TableBlockInfo block = dump.index_entries[3].second;
  test::XorByteOrDie(dir.Child(tables[0]), block.offset + 1, 0x40);
  // The damaged block's keys are exactly the ones after block 2's separator
  // up to block 3's.
  std::set<std::string> damaged_keys;
  for (const auto& e : dump.entries) {
    if (e.key.user_key > dump.index_entries[2].first.user_key &&
        e.key.user_key <= dump.index_entries[3].first.user_key) {
      damaged_keys.insert(e.key.user_key);
    }
  }
  ASSERT_FALSE(damaged_keys.empty());

  RepairReport report;
  ASSERT_TRUE(RepairDB(dir.path(), Options(), &report).ok());
  EXPECT_EQ(report.tables_salvaged, 1u) << Describe(report);
  EXPECT_EQ(report.entries_lost, damaged_keys.size()) << Describe(report);
  EXPECT_EQ(report.entries_kept, model.size() - damaged_keys.size());
  ASSERT_FALSE(report.problems.empty());
  EXPECT_EQ(report.problems[0].file, tables[0]);
  EXPECT_EQ(report.problems[0].offset, block.offset);
  EXPECT_TRUE(std::filesystem::exists(dir.Child("lost/" + tables[0])));

  for (const auto& key : damaged_keys) model.erase(key);
  EXPECT_EQ(Reopen(dir.path()), model);
}

// A damaged level-0 table is replaced by one with a larger file number,
// which level 0 would search first: the repair must not let its older
// versions shadow the newer ones of the other level-0 table.
TEST(RepairTest, SalvagedLevel0TableDoesNotShadowNewerData) {
  TempDir dir;
  {
    auto db = test::OpenOrDie(TestOptions(), dir.path());
    for (int i = 0; i < 500; i++) ASSERT_TRUE(db->Put(Key(i), "old").ok());
    ASSERT_TRUE(db->Flush().ok());
    for (int i = 0; i < 500; i += 2) ASSERT_TRUE(db->Put(Key(i), "new").ok());
    ASSERT_TRUE(db->Flush().ok());
    ASSERT_EQ(test::IntProperty(db.get(), "strata.num-files-at-level0"), 2u);
  }
  std::vector<std::string> tables = test::FileNamesOfType(dir.path(), FileType::kTable);
  ASSERT_EQ(tables.size(), 2u);
  const std::string older = dir.Child(tables[0]);
  TableDump dump;
  ASSERT_TRUE(DumpTable(older, Options(), false, &dump).ok());
  ASSERT_GE(dump.index_entries.size(), 5u);
  test::XorByteOrDie(older, dump.index_entries[4].second.offset + 1, 0x40);

  RepairReport report;
  ASSERT_TRUE(RepairDB(dir.path(), Options(), &report).ok());
  EXPECT_EQ(report.tables_salvaged, 1u) << Describe(report);
  Model repaired = Reopen(dir.path(), 500);
  for (int i = 0; i < 500; i += 2) EXPECT_EQ(repaired[Key(i)], "new") << Key(i);
}

TEST(RepairTest, UnreadableTableIsMovedToLost) {
  TempDir dir;
  Model model;
  {
    auto db = test::OpenOrDie(TestOptions(), dir.path());
    ASSERT_TRUE(db->Put("doomed", "x").ok());
    ASSERT_TRUE(db->Flush().ok());
    for (int i = 0; i < 50; i++) {
      ASSERT_TRUE(db->Put(Key(i), "kept").ok());
      model[Key(i)] = "kept";
    }
    ASSERT_TRUE(db->Flush().ok());
  }
  std::vector<std::string> tables = test::FileNamesOfType(dir.path(), FileType::kTable);
  ASSERT_EQ(tables.size(), 2u);
  std::filesystem::resize_file(dir.Child(tables[0]), 10);  // the older table: "doomed"

  RepairReport report;
  ASSERT_TRUE(RepairDB(dir.path(), Options(), &report).ok());
  EXPECT_EQ(report.tables_lost, 1u) << Describe(report);
  EXPECT_EQ(report.tables_kept, 1u) << Describe(report);
  EXPECT_TRUE(std::filesystem::exists(dir.Child("lost/" + tables[0])));
  EXPECT_EQ(Reopen(dir.path()), model);
}

TEST(RepairTest, WalDamageLosesOnlyTheDamagedRecord) {
  TempDir dir;
  Model model;
  {
    auto db = test::OpenOrDie(TestOptions(), dir.path());
    for (int i = 0; i < 40; i++) {
      ASSERT_TRUE(db->Put(Key(i), "v").ok());
      if (i != 0) model[Key(i)] = "v";
    }
  }
  std::vector<std::string> logs = test::LogFiles(dir.path());
  ASSERT_FALSE(logs.empty());
  test::XorByteOrDie(logs.back(), 10, 0x40);  // the first record: Key(0)

  RepairReport report;
  ASSERT_TRUE(RepairDB(dir.path(), Options(), &report).ok());
  EXPECT_EQ(report.logs_converted, 1u) << Describe(report);
  EXPECT_EQ(report.entries_kept, 39u);
  EXPECT_GT(report.bytes_lost, 0u);
  EXPECT_EQ(Reopen(dir.path()), model);
}

// Versions of the keys spread over several levels and level-0 files, then
// the MANIFEST is lost: only merging by sequence number, not by file number
// or level, gives back the newest version of each key.
TEST(RepairTest, DeletedManifestKeepsNewestVersions) {
  TempDir dir;
  Model model;
  {
    auto db = test::OpenOrDie(TestOptions(), dir.path());
    for (int round = 0; round < 4; round++) {
      for (int i = round; i < 200; i += round + 1) {
        std::string value = "r" + std::to_string(round) + "-" + std::to_string(i);
        ASSERT_TRUE(db->Put(Key(i), value).ok());
        model[Key(i)] = value;
      }
      for (int i = 7 * round; i < 200; i += 11) {
        ASSERT_TRUE(db->Delete(Key(i)).ok());
        model.erase(Key(i));
      }
      ASSERT_TRUE(db->Flush().ok());
      if (round == 1) {
        ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
      }
    }
    ASSERT_TRUE(db->Put(Key(5), "in the wal").ok());
    model[Key(5)] = "in the wal";
  }
  for (const auto& name : test::FileNamesOfType(dir.path(), FileType::kManifest)) {
    std::filesystem::remove(dir.Child(name));
  }
  RepairReport report;
  ASSERT_TRUE(RepairDB(dir.path(), Options(), &report).ok());
  EXPECT_TRUE(report.manifest_rebuilt_from_scratch);
  EXPECT_EQ(report.tables_lost, 0u) << Describe(report);
  EXPECT_EQ(report.entries_lost, 0u);
  EXPECT_EQ(Reopen(dir.path(), 200), model);
  CheckReport check;
  ASSERT_TRUE(CheckDB(dir.path(), Options(), &check).ok());
  EXPECT_TRUE(check.ok());
}

TEST(RepairTest, OpenDatabaseIsBusy) {
  TempDir dir;
  auto db = test::OpenOrDie(Options(), dir.path());
  RepairReport report;
  EXPECT_TRUE(RepairDB(dir.path(), Options(), &report).IsBusy());
}

TEST(RepairTest, NoDatabaseIsNotFound) {
  TempDir dir;
  RepairReport report;
  EXPECT_TRUE(RepairDB(dir.Child("absent"), Options(), &report).IsNotFound());
}

}  // namespace
}  // namespace strata
