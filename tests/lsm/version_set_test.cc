// VersionSet through its own interface, on real files in a temporary
// directory behind a fault-injecting file system: CreateNew and Recover,
// LogAndApply and what a later Recover makes of it, file numbers, LiveFiles
// with readers holding old versions, the MANIFEST rollover to a snapshot, a
// torn MANIFEST tail (ignored) against damage before it (an error), and a
// failed LogAndApply retried. Also VersionBuilder's ordering, and the CURRENT
// and MANIFEST readers of manifest_replayer.h.

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "lsm/filename.h"
#include "lsm/manifest_replayer.h"
#include "lsm/version_edit.h"
#include "lsm/version_set.h"
#include "storage/fault_injection_file_system.h"
#include "strata/options.h"
#include "test_util.h"
#include "util/internal_key.h"
#include "util/mutex.h"
#include "wal/log_writer.h"

namespace strata {
namespace {

using Fault = FaultInjectionFileSystem;

FileMetaData File(uint64_t number, std::string_view smallest, std::string_view largest,
                  uint64_t size = 1000) {
  FileMetaData f;
  f.number = number;
  f.file_size = size;
  f.smallest = MakeInternalKey(smallest, 1, kTypeValue);
  f.largest = MakeInternalKey(largest, 1, kTypeValue);
  return f;
}

std::vector<uint64_t> Numbers(const Version& v, int level) {
  std::vector<uint64_t> numbers;
  for (const auto& f : v.files(level)) numbers.push_back(f->number);
  return numbers;
}

class VersionSetTest : public ::testing::Test {
 protected:
  VersionSetTest() { options_.file_system = &fs_; }

  // A new VersionSet on the directory, as DB::Open makes one.
  std::unique_ptr<VersionSet> NewVersionSet() {
    return std::make_unique<VersionSet>(dir_.path(), options_, &fs_, &mu_);
  }

  // CreateNew, Recover and StartNewManifest, as DB::Open does for a new
  // database; leaves the set in versions_.
  void CreateAndOpen() {
    versions_ = NewVersionSet();
    MutexLock lock(&mu_);
    ASSERT_TRUE(versions_->CreateNew().ok());
    ASSERT_TRUE(versions_->Recover().ok());
    ASSERT_TRUE(versions_->StartNewManifest().ok());
  }

  // Recovers a fresh VersionSet from the directory into *recovered.
  Status Reopen(std::unique_ptr<VersionSet>* recovered) {
    *recovered = NewVersionSet();
    MutexLock lock(&mu_);
    return (*recovered)->Recover();
  }

  Status Apply(VersionEdit* edit) {
    MutexLock lock(&mu_);
    return versions_->LogAndApply(edit, &mu_);
  }

  Status AddFile(int level, const FileMetaData& f) {
    VersionEdit edit;
    edit.AddFile(level, f);
    return Apply(&edit);
  }

  std::shared_ptr<const Version> Current(VersionSet* versions) {
    MutexLock lock(&mu_);
    return versions->current();
  }

  uint64_t ManifestNumber() {
    MutexLock lock(&mu_);
    return versions_->ManifestFileNumber();
  }

  std::string ManifestPath() { return ManifestFileName(dir_.path(), ManifestNumber()); }

  test::TempDir dir_;
  Fault fs_;
  Options options_;
  Mutex mu_;
  std::unique_ptr<VersionSet> versions_;
};

TEST_F(VersionSetTest, NewDatabaseRecoversEmpty) {
  versions_ = NewVersionSet();
  {
    MutexLock lock(&mu_);
    ASSERT_TRUE(versions_->CreateNew().ok());
  }
  std::unique_ptr<VersionSet> recovered;
  ASSERT_TRUE(Reopen(&recovered).ok());
  MutexLock lock(&mu_);
  for (int level = 0; level < kNumLevels; level++) {
    EXPECT_EQ(recovered->current()->NumFiles(level), 0);
  }
  EXPECT_EQ(recovered->ManifestFileNumber(), 1u);
  EXPECT_EQ(recovered->NextFileNumber(), 2u);
  EXPECT_EQ(recovered->LastSequence(), 0u);
  EXPECT_EQ(recovered->LogNumber(), 0u);
}

TEST_F(VersionSetTest, EditsSurviveRecovery) {
  CreateAndOpen();
  uint64_t a, b, c;
  {
    MutexLock lock(&mu_);
    a = versions_->NewFileNumber();
    b = versions_->NewFileNumber();
    c = versions_->NewFileNumber();
    versions_->SetLastSequence(100);
  }
  ASSERT_TRUE(AddFile(0, File(a, "a", "z")).ok());
  ASSERT_TRUE(AddFile(0, File(b, "c", "d")).ok());
  VersionEdit edit;
  edit.SetLogNumber(7);
  edit.AddFile(1, File(c, "m", "n", 5000));
  edit.RemoveFile(0, a);
  ASSERT_TRUE(Apply(&edit).ok());
  EXPECT_EQ(*edit.next_file_number(), c + 1) << "LogAndApply fills in the counters";
  EXPECT_EQ(*edit.last_sequence(), 100u);

  std::unique_ptr<VersionSet> recovered;
  ASSERT_TRUE(Reopen(&recovered).ok());
  std::shared_ptr<const Version> v = Current(recovered.get());
  EXPECT_EQ(Numbers(*v, 0), std::vector<uint64_t>{b});
  EXPECT_EQ(Numbers(*v, 1), std::vector<uint64_t>{c});
  EXPECT_EQ(v->LevelBytes(1), 5000u);
  MutexLock lock(&mu_);
  EXPECT_EQ(recovered->LastSequence(), 100u);
  EXPECT_EQ(recovered->LogNumber(), 7u);
  EXPECT_EQ(recovered->ManifestFileNumber(), versions_->ManifestFileNumber());
  EXPECT_GT(recovered->NextFileNumber(), c);
  EXPECT_GT(recovered->NextFileNumber(), recovered->ManifestFileNumber());
}

TEST_F(VersionSetTest, FileNumbersOnlyGrow) {
  CreateAndOpen();
  MutexLock lock(&mu_);
  const uint64_t first = versions_->NewFileNumber();
  EXPECT_GT(first, versions_->ManifestFileNumber());
  EXPECT_EQ(versions_->NewFileNumber(), first + 1);
  versions_->MarkFileNumberUsed(first + 10);
  EXPECT_EQ(versions_->NewFileNumber(), first + 11);
  versions_->MarkFileNumberUsed(first);  // already below: no effect
  EXPECT_EQ(versions_->NextFileNumber(), first + 12);
}

TEST_F(VersionSetTest, RecoveryMarksEveryNamedFileNumberUsed) {
  CreateAndOpen();
  // A file numbered past the recorded next file number (as a crash between
  // allocating numbers and recording them cannot leave, but a repaired
  // database might) must still never be reused.
  ASSERT_TRUE(AddFile(2, File(1000, "a", "b")).ok());
  std::unique_ptr<VersionSet> recovered;
  ASSERT_TRUE(Reopen(&recovered).ok());
  MutexLock lock(&mu_);
  EXPECT_GT(recovered->NextFileNumber(), 1000u);
}

TEST_F(VersionSetTest, LiveFilesIncludeVersionsReadersHold) {
  CreateAndOpen();
  ASSERT_TRUE(AddFile(1, File(10, "a", "c")).ok());
  std::shared_ptr<const Version> held = Current(versions_.get());
  VersionEdit edit;
  edit.RemoveFile(1, 10);
  edit.AddFile(2, File(11, "a", "c"));
  ASSERT_TRUE(Apply(&edit).ok());
  {
    MutexLock lock(&mu_);
    EXPECT_EQ(versions_->LiveFiles(), (std::set<uint64_t>{10, 11}));
  }
  held.reset();
  MutexLock lock(&mu_);
  EXPECT_EQ(versions_->LiveFiles(), (std::set<uint64_t>{11}));
}

TEST_F(VersionSetTest, BuilderOrdersLevelZeroNewestFirstAndDeeperLevelsByKey) {
  VersionBuilder builder(BytewiseComparator());
  builder.AddFile(0, File(3, "a", "z"));
  builder.AddFile(0, File(7, "a", "z"));
  builder.AddFile(0, File(5, "a", "z"));
  builder.AddFile(1, File(4, "m", "n"));
  builder.AddFile(1, File(8, "a", "b"));
  builder.AddFile(1, File(6, "x", "y"));
  std::shared_ptr<const Version> v = builder.Build();
  EXPECT_EQ(Numbers(*v, 0), (std::vector<uint64_t>{7, 5, 3}));
  EXPECT_EQ(Numbers(*v, 1), (std::vector<uint64_t>{8, 4, 6}));

  VersionEdit edit;
  edit.RemoveFile(0, 5);
  edit.AddFile(1, File(4, "m", "o", 2000));  // the same file again replaces it
  VersionBuilder next(*v);
  next.Apply(edit);
  v = next.Build();
  EXPECT_EQ(Numbers(*v, 0), (std::vector<uint64_t>{7, 3}));
  EXPECT_EQ(Numbers(*v, 1), (std::vector<uint64_t>{8, 4, 6}));
  EXPECT_EQ(v->files(1)[1]->file_size, 2000u);
}

TEST_F(VersionSetTest, LargeManifestRollsOverToASnapshot) {
  CreateAndOpen();
  const uint64_t first_manifest = ManifestNumber();
  // Edits of two 64 KiB keys: the MANIFEST passes 16 MiB after ~128 of them.
  const std::string pad(64 << 10, 'k');
  uint64_t number = 100;
  for (int i = 0; i < 300 && ManifestNumber() == first_manifest; i++) {
    VersionEdit edit;
    if (i > 0) edit.RemoveFile(3, number - 1);
    edit.AddFile(3, File(number, pad + "a", pad + "b"));
    number++;
    ASSERT_TRUE(Apply(&edit).ok());
  }
  const uint64_t second_manifest = ManifestNumber();
  ASSERT_NE(second_manifest, first_manifest) << "no rollover after 300 large edits";
  std::string name;
  uint64_t current_number = 0;
  ASSERT_TRUE(ReadCurrentFile(&fs_, dir_.path(), &name, &current_number).ok());
  EXPECT_EQ(current_number, second_manifest);
  uint64_t size = 0;
  ASSERT_TRUE(fs_.GetFileSize(ManifestPath(), &size).ok());
  EXPECT_LT(size, 1u << 20) << "the new MANIFEST starts with a snapshot only";

  std::unique_ptr<VersionSet> recovered;
  ASSERT_TRUE(Reopen(&recovered).ok());
  EXPECT_EQ(Numbers(*Current(recovered.get()), 3), std::vector<uint64_t>{number - 1});
}

TEST_F(VersionSetTest, TornManifestTailIsIgnored) {
  CreateAndOpen();
  ASSERT_TRUE(AddFile(1, File(10, "a", "b")).ok());
  uint64_t before = 0;
  ASSERT_TRUE(fs_.GetFileSize(ManifestPath(), &before).ok());
  ASSERT_TRUE(AddFile(1, File(11, "c", "d")).ok());
  // A crash while appending the second edit: only part of it reached disk.
  std::string contents = test::ReadFileOrDie(ManifestPath());
  ASSERT_GT(contents.size(), before + 5);
  test::WriteFileOrDie(ManifestPath(), contents.substr(0, contents.size() - 5));

  std::unique_ptr<VersionSet> recovered;
  Status s = Reopen(&recovered);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Numbers(*Current(recovered.get()), 1), std::vector<uint64_t>{10});
}

TEST_F(VersionSetTest, DamageBeforeTheTailIsCorruption) {
  CreateAndOpen();
  ASSERT_TRUE(AddFile(1, File(10, "a", "b")).ok());
  ASSERT_TRUE(AddFile(1, File(11, "c", "d")).ok());
  // A byte of the first record (the snapshot), with whole records after it.
  std::string contents = test::ReadFileOrDie(ManifestPath());
  contents[10] ^= 0x40;
  test::WriteFileOrDie(ManifestPath(), contents);
  std::unique_ptr<VersionSet> recovered;
  Status s = Reopen(&recovered);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
}

TEST_F(VersionSetTest, DamagedLastRecordIsCorruptionNotATornTail) {
  CreateAndOpen();
  ASSERT_TRUE(AddFile(1, File(10, "a", "b")).ok());
  // The last record's bytes are all there, but wrong: it was synced whole
  // before anything relied on it, so no crash explains this.
  std::string contents = test::ReadFileOrDie(ManifestPath());
  contents[contents.size() - 2] ^= 0x40;
  test::WriteFileOrDie(ManifestPath(), contents);
  std::unique_ptr<VersionSet> recovered;
  Status s = Reopen(&recovered);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.ToString().find("last record is damaged"), std::string::npos) << s.ToString();
}

TEST_F(VersionSetTest, BadCurrentOrManifestIsRefused) {
  CreateAndOpen();
  std::unique_ptr<VersionSet> recovered;
  const std::string current = CurrentFileName(dir_.path());

  test::WriteFileOrDie(current, "MANIFEST-000099\n");
  Status s = Reopen(&recovered);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.ToString().find("missing MANIFEST"), std::string::npos) << s.ToString();

  for (const char* bad : {"", "MANIFEST-000002", "000002.log\n"}) {
    test::WriteFileOrDie(current, bad);
    s = Reopen(&recovered);
    EXPECT_TRUE(s.IsCorruption()) << bad << ": " << s.ToString();
  }

  ASSERT_TRUE(fs_.RemoveFile(current).ok());
  EXPECT_TRUE(Reopen(&recovered).IsNotFound());
}

TEST_F(VersionSetTest, ManifestOfAnotherKeyOrderOrWithoutCountersIsRefused) {
  struct Case {
    bool other_comparator;
    bool with_counters;
  };
  for (const Case& c : {Case{true, true}, Case{false, false}}) {
    const std::string manifest = ManifestFileName(dir_.path(), 5);
    {
      std::unique_ptr<WritableFile> file;
      ASSERT_TRUE(fs_.NewWritableFile(manifest, &file).ok());
      wal::Writer log(file.get());
      VersionEdit edit;
      edit.SetComparatorName(c.other_comparator ? "other.Comparator"
                                                : BytewiseComparator()->Name());
      if (c.with_counters) {
        edit.SetLogNumber(0);
        edit.SetNextFileNumber(6);
        edit.SetLastSequence(0);
      }
      std::string record;
      edit.EncodeTo(&record);
      ASSERT_TRUE(log.AddRecord(record).ok());
      ASSERT_TRUE(file->Close().ok());
    }
    ASSERT_TRUE(SetCurrentFile(&fs_, dir_.path(), 5).ok());
    std::unique_ptr<VersionSet> recovered;
    Status s = Reopen(&recovered);
    if (c.other_comparator) {
      EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
    } else {
      EXPECT_TRUE(s.IsCorruption()) << s.ToString();
      EXPECT_NE(s.ToString().find("lacks required fields"), std::string::npos) << s.ToString();
    }
  }
}

TEST_F(VersionSetTest, FailedLogAndApplyLeavesTheVersionAndCanBeRetried) {
  CreateAndOpen();
  ASSERT_TRUE(AddFile(1, File(10, "a", "b")).ok());
  const uint64_t manifest = ManifestNumber();

  fs_.FailOperation(Fault::kSync, 1, /*sticky=*/false);
  VersionEdit edit;
  edit.AddFile(1, File(11, "c", "d"));
  Status s = Apply(&edit);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_EQ(Numbers(*Current(versions_.get()), 1), std::vector<uint64_t>{10});
  {
    MutexLock lock(&mu_);
    EXPECT_TRUE(versions_->ManifestNeedsRewrite());
  }

  // The retry must start a new MANIFEST, and fails while it cannot.
  fs_.FailOperation(Fault::kCreate, 1, /*sticky=*/true);
  VersionEdit again;
  again.AddFile(1, File(11, "c", "d"));
  EXPECT_FALSE(Apply(&again).ok());
  fs_.ClearFaults();

  VersionEdit last;
  last.AddFile(1, File(11, "c", "d"));
  s = Apply(&last);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_NE(ManifestNumber(), manifest) << "a snapshot replaced the MANIFEST";
  {
    MutexLock lock(&mu_);
    EXPECT_FALSE(versions_->ManifestNeedsRewrite());
  }
  EXPECT_EQ(Numbers(*Current(versions_.get()), 1), (std::vector<uint64_t>{10, 11}));

  std::unique_ptr<VersionSet> recovered;
  ASSERT_TRUE(Reopen(&recovered).ok());
  EXPECT_EQ(Numbers(*Current(recovered.get()), 1), (std::vector<uint64_t>{10, 11}));
}

TEST_F(VersionSetTest, ReplayerReportsEachEditWithItsOffset) {
  CreateAndOpen();
  ASSERT_TRUE(AddFile(1, File(10, "a", "b")).ok());
  ASSERT_TRUE(AddFile(2, File(11, "c", "d")).ok());
  ManifestReplayer replayer(BytewiseComparator());
  std::vector<uint64_t> offsets;
  std::vector<size_t> new_files;
  ASSERT_TRUE(replayer
                  .Replay(&fs_, ManifestPath(),
                          [&](uint64_t offset, const VersionEdit& edit, const Status& decoded) {
                            EXPECT_TRUE(decoded.ok());
                            offsets.push_back(offset);
                            new_files.push_back(edit.new_files().size());
                          })
                  .ok());
  EXPECT_TRUE(replayer.RecoveryStatus().ok());
  ASSERT_EQ(offsets.size(), 3u);  // the snapshot and two edits
  EXPECT_EQ(offsets[0], 0u);
  EXPECT_LT(offsets[0], offsets[1]);
  EXPECT_LT(offsets[1], offsets[2]);
  EXPECT_EQ(new_files, (std::vector<size_t>{0, 1, 1}));
  EXPECT_EQ(replayer.records(), 3u);
  EXPECT_EQ(replayer.tail_bytes(), 0u);
  std::shared_ptr<const Version> v = replayer.Build();
  EXPECT_EQ(Numbers(*v, 1), std::vector<uint64_t>{10});
  EXPECT_EQ(Numbers(*v, 2), std::vector<uint64_t>{11});
}

}  // namespace
}  // namespace strata
