// BackupEngine (<strata/backup.h>) through its public interface, on real
// files: a restored backup equals the database as of the backup (a
// std::map model); a second backup copies only the new tables; VerifyBackup
// finds a flipped byte and names the file; RestoreBackup refuses a damaged
// backup and a non-empty target; PurgeOldBackups keeps the newest N and
// deletes only tables no remaining backup uses.

#include "strata/backup.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "lsm/db_test_util.h"
#include "strata/db.h"
#include "test_util.h"

namespace strata {
namespace {

using test::ScanAll;
using test::TempDir;

std::set<std::string> Children(const std::string& dir) {
  std::vector<std::string> names;
  EXPECT_TRUE(DefaultFileSystem()->GetChildren(dir, &names).ok()) << dir;
  return {names.begin(), names.end()};
}

class BackupEngineTest : public ::testing::Test {
 protected:
  BackupEngineTest() {
    options_ = test::SmallBufferOptions();
    db_ = test::OpenOrDie(options_, dir_.Child("db"));
    Status s = BackupEngine::Open(backup_dir(), &engine_);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }

  std::string backup_dir() const { return dir_.Child("backups"); }

  // Writes keys [from, to) with values tagged by `tag`, and flushes them to
  // tables.
  void Write(int from, int to, const std::string& tag) {
    for (int i = from; i < to; i++) {
      char key_buf[16];
      std::snprintf(key_buf, sizeof(key_buf), "key%06d", i);
      std::string key = key_buf;
      model_[key] = tag + std::string(100, 'x');
      ASSERT_TRUE(db_->Put(key, model_[key]).ok());
    }
    ASSERT_TRUE(db_->Flush().ok());
    ASSERT_TRUE(test::WaitForBackgroundWork(db_.get()).ok());
  }

  BackupInfo Backup() {
    BackupInfo info;
    Status s = engine_->CreateBackup(db_.get(), &info);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return info;
  }

  std::map<std::string, std::string> Restored(uint32_t id, const std::string& name) {
    Status s = engine_->RestoreBackup(id, dir_.Child(name));
    EXPECT_TRUE(s.ok()) << s.ToString();
    Options options = options_;
    options.create_if_missing = false;
    std::unique_ptr<DB> db = test::OpenOrDie(options, dir_.Child(name));
    if (db == nullptr) return {};
    return ScanAll(db.get());
  }

  TempDir dir_;
  Options options_;
  std::unique_ptr<DB> db_;
  std::unique_ptr<BackupEngine> engine_;
  std::map<std::string, std::string> model_;
};

TEST_F(BackupEngineTest, RestoreGivesTheDatabaseAsOfTheBackup) {
  Write(0, 2000, "a");
  ASSERT_TRUE(db_->Put("unflushed", "1").ok());  // only in the memtable
  model_["unflushed"] = "1";
  BackupInfo info = Backup();
  EXPECT_EQ(info.id, 1u);
  EXPECT_GT(info.sequence, 2000u);
  EXPECT_GT(info.num_files, 2u);
  const auto as_of_backup = model_;
  Write(0, 100, "later");  // not in the backup

  EXPECT_TRUE(engine_->VerifyBackup(1).ok());
  EXPECT_EQ(Restored(1, "restored"), as_of_backup);

  std::vector<BackupInfo> backups;
  ASSERT_TRUE(engine_->GetBackupInfo(&backups).ok());
  ASSERT_EQ(backups.size(), 1u);
  EXPECT_EQ(backups[0].id, 1u);
  EXPECT_EQ(backups[0].sequence, info.sequence);
  EXPECT_EQ(backups[0].size, info.size);
  EXPECT_EQ(backups[0].num_files, info.num_files);
  EXPECT_EQ(backups[0].timestamp, info.timestamp);
  EXPECT_GT(info.timestamp, 1600000000);

  // Metadata survives reopening the engine.
  engine_.reset();
  ASSERT_TRUE(BackupEngine::Open(backup_dir(), &engine_).ok());
  ASSERT_TRUE(engine_->GetBackupInfo(&backups).ok());
  ASSERT_EQ(backups.size(), 1u);
  EXPECT_TRUE(engine_->VerifyBackup(1).ok());
}

TEST_F(BackupEngineTest, SecondBackupCopiesOnlyNewTables) {
  Write(0, 3000, "a");
  BackupInfo first = Backup();
  const std::set<std::string> shared_first = Children(backup_dir() + "/shared");
  ASSERT_FALSE(shared_first.empty());
  EXPECT_EQ(first.new_bytes, first.size);  // everything was new

  Write(3000, 3500, "b");  // one more table, the old ones unchanged
  BackupInfo second = Backup();
  const std::set<std::string> shared_second = Children(backup_dir() + "/shared");
  // Every table of the first backup is shared, none copied again.
  for (const std::string& name : shared_first) EXPECT_EQ(shared_second.count(name), 1u) << name;
  EXPECT_GT(shared_second.size(), shared_first.size());
  uint64_t new_table_bytes = 0;
  for (const std::string& name : shared_second) {
    if (shared_first.count(name) != 0) continue;
    uint64_t size = 0;
    ASSERT_TRUE(DefaultFileSystem()->GetFileSize(backup_dir() + "/shared/" + name, &size).ok());
    new_table_bytes += size;
  }
  // What the second backup added: the new tables, its MANIFEST and CURRENT.
  EXPECT_GE(second.new_bytes, new_table_bytes);
  EXPECT_LT(second.new_bytes, new_table_bytes + 64 * 1024);
  EXPECT_LT(second.new_bytes, second.size / 2);
  EXPECT_EQ(second.id, 2u);

  EXPECT_EQ(Restored(2, "r2").size(), 3500u);
  EXPECT_EQ(Restored(1, "r1").size(), 3000u);
}

TEST_F(BackupEngineTest, VerifyNamesTheFileWithAFlippedByte) {
  Write(0, 2000, "a");
  Backup();
  ASSERT_TRUE(engine_->VerifyBackup(1).ok());
  for (const std::string& name : Children(backup_dir() + "/shared")) {
    const std::string path = backup_dir() + "/shared/" + name;
    test::XorByteOrDie(path, 100, 0x01);
    Status s = engine_->VerifyBackup(1);
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    EXPECT_NE(s.ToString().find(name), std::string::npos) << s.ToString();
    test::XorByteOrDie(path, 100, 0x01);  // undo
  }
  ASSERT_TRUE(engine_->VerifyBackup(1).ok());
  for (const std::string& name : Children(backup_dir() + "/private/1")) {
    const std::string path = backup_dir() + "/private/1/" + name;
    test::XorByteOrDie(path, 0, 0x80);
    Status s = engine_->VerifyBackup(1);
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    EXPECT_NE(s.ToString().find("private/1/" + name), std::string::npos) << s.ToString();
    test::XorByteOrDie(path, 0, 0x80);
  }
  // The metadata itself.
  test::XorByteOrDie(backup_dir() + "/meta/1", 30, 0x04);
  Status s = engine_->VerifyBackup(1);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.ToString().find("meta/1"), std::string::npos) << s.ToString();
  std::vector<BackupInfo> backups;
  EXPECT_TRUE(engine_->GetBackupInfo(&backups).IsCorruption());
  test::XorByteOrDie(backup_dir() + "/meta/1", 30, 0x04);
  EXPECT_TRUE(engine_->VerifyBackup(1).ok());
  // A missing file.
  const std::string table = *Children(backup_dir() + "/shared").begin();
  ASSERT_TRUE(DefaultFileSystem()->RemoveFile(backup_dir() + "/shared/" + table).ok());
  s = engine_->VerifyBackup(1);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.ToString().find(table), std::string::npos) << s.ToString();
}

TEST_F(BackupEngineTest, RestoreRefusesADamagedBackupAndWritesNothing) {
  Write(0, 2000, "a");
  Backup();
  const std::string table = *Children(backup_dir() + "/shared").begin();
  test::XorByteOrDie(backup_dir() + "/shared/" + table, 10, 0x10);
  Status s = engine_->RestoreBackup(1, dir_.Child("restored"));
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.ToString().find(table), std::string::npos) << s.ToString();
  EXPECT_FALSE(DefaultFileSystem()->FileExists(dir_.Child("restored")));
  EXPECT_FALSE(DefaultFileSystem()->FileExists(dir_.Child("restored.strata-restore-tmp")));
}

TEST_F(BackupEngineTest, RestoreTarget) {
  Write(0, 500, "a");
  Backup();
  // Not empty: refused.
  Status s = engine_->RestoreBackup(1, dir_.Child("db"));
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  // An empty directory is fine.
  ASSERT_TRUE(DefaultFileSystem()->CreateDir(dir_.Child("empty")).ok());
  EXPECT_EQ(Restored(1, "empty"), model_);
  // Unknown backup.
  s = engine_->RestoreBackup(7, dir_.Child("seven"));
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
  EXPECT_TRUE(engine_->VerifyBackup(7).IsNotFound());
}

TEST_F(BackupEngineTest, PurgeKeepsTheNewestAndTheirTablesOnly) {
  Write(0, 2000, "a");
  Backup();
  Write(0, 2000, "b");                                    // every key rewritten
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());  // no table of backup 1 left
  Backup();
  Write(2000, 2500, "c");  // adds tables; backup 2's stay
  Backup();
  const auto latest = model_;

  const std::set<std::string> before = Children(backup_dir() + "/shared");
  ASSERT_TRUE(engine_->PurgeOldBackups(2).ok());
  std::vector<BackupInfo> backups;
  ASSERT_TRUE(engine_->GetBackupInfo(&backups).ok());
  ASSERT_EQ(backups.size(), 2u);
  EXPECT_EQ(backups[0].id, 2u);
  EXPECT_EQ(backups[1].id, 3u);
  const std::set<std::string> after = Children(backup_dir() + "/shared");
  EXPECT_LT(after.size(), before.size());  // backup 1's tables went
  EXPECT_EQ(Children(backup_dir() + "/private"), (std::set<std::string>{"2", "3"}));
  EXPECT_TRUE(engine_->VerifyBackup(2).ok());
  EXPECT_TRUE(engine_->VerifyBackup(3).ok());

  ASSERT_TRUE(engine_->PurgeOldBackups(1).ok());
  ASSERT_TRUE(engine_->GetBackupInfo(&backups).ok());
  ASSERT_EQ(backups.size(), 1u);
  EXPECT_EQ(backups[0].id, 3u);
  // Backup 3 shares tables with backup 2: they stay, the rest went.
  const std::set<std::string> last = Children(backup_dir() + "/shared");
  EXPECT_LE(last.size(), after.size());
  EXPECT_TRUE(engine_->VerifyBackup(3).ok());
  EXPECT_EQ(Restored(3, "r3"), latest);

  // The next id is never reused.
  EXPECT_EQ(Backup().id, 4u);
  ASSERT_TRUE(engine_->PurgeOldBackups(0).ok());
  EXPECT_TRUE(Children(backup_dir() + "/shared").empty());
  EXPECT_TRUE(Children(backup_dir() + "/private").empty());
}

TEST_F(BackupEngineTest, OneEnginePerDirectory) {
  std::unique_ptr<BackupEngine> second;
  Status s = BackupEngine::Open(backup_dir(), &second);
  EXPECT_TRUE(s.IsBusy()) << s.ToString();
  EXPECT_EQ(second, nullptr);
}

}  // namespace
}  // namespace strata
