// CheckDB (include/strata/inspect.h) on real databases in a temporary
// directory: a healthy database has no problems; a flipped byte in a table,
// a damaged WAL record, a missing table or a damaged MANIFEST is reported
// with the file and the offset where it is; a torn WAL tail is only a note;
// a database open elsewhere is checked beside its writer.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "lsm/db_test_util.h"
#include "strata/db.h"
#include "strata/inspect.h"
#include "test_util.h"

namespace strata {
namespace {

using test::TempDir;

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%06d", i);
  return buf;
}

Options TestOptions() {
  Options options = test::SmallBufferOptions();
  options.block_size = 256;  // many data blocks per table
  options.compression = kNoCompression;
  return options;
}

// Writes keys [0, n) and flushes them to a table, then writes `unflushed`
// more that stay in the WAL.
void Fill(const std::string& path, int n, int unflushed) {
  auto db = test::OpenOrDie(TestOptions(), path);
  for (int i = 0; i < n; i++) ASSERT_TRUE(db->Put(Key(i), "value-" + std::to_string(i)).ok());
  ASSERT_TRUE(db->Flush().ok());
  for (int i = n; i < n + unflushed; i++) ASSERT_TRUE(db->Put(Key(i), "wal-value").ok());
}

std::string Describe(const CheckReport& report) {
  std::string r;
  for (const auto& p : report.problems) {
    r += "problem " + p.file + " @" + std::to_string(p.offset) + ": " + p.message + "\n";
  }
  for (const auto& p : report.notes) {
    r += "note " + p.file + " @" + std::to_string(p.offset) + ": " + p.message + "\n";
  }
  return r;
}

TEST(CheckTest, HealthyDatabaseHasNoProblems) {
  TempDir dir;
  Fill(dir.path(), 500, 20);
  CheckReport report;
  ASSERT_TRUE(CheckDB(dir.path(), Options(), &report).ok());
  EXPECT_TRUE(report.ok()) << Describe(report);
  EXPECT_GE(report.tables, 1u);
  EXPECT_GE(report.table_entries, 500u);
  EXPECT_GT(report.table_blocks, 10u);
  EXPECT_GE(report.logs, 1u);
  EXPECT_GE(report.log_records, 20u);
  EXPECT_GE(report.manifest_records, 1u);
}

TEST(CheckTest, FlippedByteInTableNamesFileAndBlock) {
  TempDir dir;
  Fill(dir.path(), 500, 0);
  std::vector<std::string> tables = test::FileNamesOfType(dir.path(), FileType::kTable);
  ASSERT_EQ(tables.size(), 1u);
  TableDump before;
  ASSERT_TRUE(DumpTable(dir.Child(tables[0]), Options(), false, &before).ok());
  ASSERT_GE(before.index_entries.size(), 3u);
  const TableBlockInfo block = before.index_entries[2].second;
  test::XorByteOrDie(dir.Child(tables[0]), block.offset + block.size / 2, 0x40);

  CheckReport report;
  ASSERT_TRUE(CheckDB(dir.path(), Options(), &report).ok());
  ASSERT_FALSE(report.ok());
  ASSERT_EQ(report.problems.size(), 1u) << Describe(report);
  EXPECT_EQ(report.problems[0].file, tables[0]);
  EXPECT_EQ(report.problems[0].offset, block.offset);
  EXPECT_NE(report.problems[0].message.find("checksum"), std::string::npos)
      << report.problems[0].message;
}

TEST(CheckTest, FlippedByteInTableFooterIsFound) {
  TempDir dir;
  Fill(dir.path(), 100, 0);
  std::vector<std::string> tables = test::FileNamesOfType(dir.path(), FileType::kTable);
  ASSERT_EQ(tables.size(), 1u);
  const uint64_t size = test::FileSize(dir.Child(tables[0]));
  test::XorByteOrDie(dir.Child(tables[0]), size - 1, 0x40);  // the magic number
  CheckReport report;
  ASSERT_TRUE(CheckDB(dir.path(), Options(), &report).ok());
  ASSERT_EQ(report.problems.size(), 1u) << Describe(report);
  EXPECT_EQ(report.problems[0].file, tables[0]);
  EXPECT_EQ(report.problems[0].offset, size - 48);
}

TEST(CheckTest, DamagedWalRecordIsFoundAndTornTailIsANote) {
  TempDir dir;
  Fill(dir.path(), 0, 50);
  std::vector<std::string> logs = test::LogFiles(dir.path());
  ASSERT_FALSE(logs.empty());
  const std::string log = logs.back();
  ASSERT_GT(test::FileSize(log), 200u);
  test::XorByteOrDie(log, 10, 0x40);  // inside the first record
  {
    std::string contents = test::ReadFileOrDie(log);
    test::WriteFileOrDie(log, contents + std::string("\x12\x34\x56", 3));  // a torn header
  }
  CheckReport report;
  ASSERT_TRUE(CheckDB(dir.path(), Options(), &report).ok());
  ASSERT_EQ(report.problems.size(), 1u) << Describe(report);
  EXPECT_EQ(report.problems[0].file, log.substr(log.rfind('/') + 1));
  EXPECT_EQ(report.problems[0].offset, 0u);
  bool torn_note = false;
  for (const auto& note : report.notes) {
    torn_note = torn_note || note.message.find("torn tail") != std::string::npos;
  }
  EXPECT_TRUE(torn_note) << Describe(report);
}

TEST(CheckTest, MissingTableIsAProblem) {
  TempDir dir;
  Fill(dir.path(), 100, 0);
  std::vector<std::string> tables = test::FileNamesOfType(dir.path(), FileType::kTable);
  ASSERT_EQ(tables.size(), 1u);
  std::filesystem::remove(dir.Child(tables[0]));
  CheckReport report;
  ASSERT_TRUE(CheckDB(dir.path(), Options(), &report).ok());
  ASSERT_EQ(report.problems.size(), 1u) << Describe(report);
  EXPECT_NE(report.problems[0].message.find(tables[0]), std::string::npos);
  EXPECT_NE(report.problems[0].message.find("missing"), std::string::npos);
}

TEST(CheckTest, DamagedManifestIsAProblem) {
  TempDir dir;
  Fill(dir.path(), 100, 0);
  std::vector<std::string> manifests = test::FileNamesOfType(dir.path(), FileType::kManifest);
  ASSERT_EQ(manifests.size(), 1u);
  test::XorByteOrDie(dir.Child(manifests[0]), 12, 0x40);
  CheckReport report;
  ASSERT_TRUE(CheckDB(dir.path(), Options(), &report).ok());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.problems[0].file, manifests[0]) << Describe(report);
}

// As Open: the last edit damaged but whole is a problem (it was synced
// before anything relied on it); cut short by the end of the file, a note.
TEST(CheckTest, DamagedLastManifestEditIsAProblemAndCutShortANote) {
  TempDir dir;
  Fill(dir.path(), 100, 0);
  std::vector<std::string> manifests = test::FileNamesOfType(dir.path(), FileType::kManifest);
  ASSERT_EQ(manifests.size(), 1u);
  const std::string manifest = dir.Child(manifests[0]);
  const std::string pristine = test::ReadFileOrDie(manifest);
  // The last byte belongs to the last edit's payload.
  test::XorByteOrDie(manifest, pristine.size() - 1, 0x01);
  CheckReport report;
  ASSERT_TRUE(CheckDB(dir.path(), Options(), &report).ok());
  ASSERT_EQ(report.problems.size(), 1u) << Describe(report);
  EXPECT_EQ(report.problems[0].file, manifests[0]);
  EXPECT_NE(report.problems[0].message.find("last edit is damaged"), std::string::npos)
      << Describe(report);
  std::unique_ptr<DB> db;
  EXPECT_TRUE(DB::Open(Options(), dir.path(), &db).IsCorruption());

  test::WriteFileOrDie(manifest, pristine.substr(0, pristine.size() - 3));
  CheckReport cut;
  ASSERT_TRUE(CheckDB(dir.path(), Options(), &cut).ok());
  EXPECT_TRUE(cut.ok()) << Describe(cut);
  // The torn tail, and the table only the lost edit named.
  EXPECT_NE(Describe(cut).find("torn tail"), std::string::npos) << Describe(cut);
}

TEST(CheckTest, OpenDatabaseIsCheckedBesideItsWriter) {
  TempDir dir;
  Options options;
  options.write_buffer_size = 64 << 10;  // flushes while the checks run
  auto db = test::OpenOrDie(options, dir.path());
  for (int i = 0; i < 2000; i++) {
    ASSERT_TRUE(db->Put("key" + std::to_string(i), std::string(100, 'v')).ok());
  }
  ASSERT_TRUE(db->Flush().ok());
  // Quiet (no compaction left running): the check runs through at once.
  ASSERT_TRUE(test::WaitForBackgroundWork(db.get()).ok());
  CheckReport report;
  Status s = CheckDB(dir.path(), options, &report);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(report.ok()) << Describe(report);
  EXPECT_GE(report.tables, 1u);

  // With a writer flushing all along, every check either finds nothing wrong
  // or reports Busy (the file set kept changing): never a false problem.
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; !stop.load() && i < 200000; i++) {
      ASSERT_TRUE(db->Put("w" + std::to_string(i % 5000), std::string(200, 'w')).ok());
    }
  });
  int ok_checks = 0;
  for (int round = 0; round < 10; round++) {
    s = CheckDB(dir.path(), options, &report);
    if (s.IsBusy()) continue;
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_TRUE(report.ok()) << Describe(report);
    ok_checks++;
  }
  stop = true;
  writer.join();
  ASSERT_TRUE(test::WaitForBackgroundWork(db.get()).ok());
  s = CheckDB(dir.path(), options, &report);  // quiet again: runs through
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(report.ok()) << Describe(report);
  std::printf("checks beside a busy writer: %d of 10 ran through\n", ok_checks);
}

TEST(CheckTest, NoDatabaseIsNotFound) {
  TempDir dir;
  CheckReport report;
  EXPECT_TRUE(CheckDB(dir.Child("absent"), Options(), &report).IsNotFound());
  EXPECT_TRUE(CheckDB(dir.path(), Options(), &report).IsNotFound());
}

}  // namespace
}  // namespace strata
