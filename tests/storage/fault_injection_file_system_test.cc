// Tests of FaultInjectionFileSystem through the FileSystem interface on a
// real temporary directory: what a simulated power loss keeps and drops
// (synced prefixes, unsynced directory entries, unsynced renames), each
// injected fault (once and sticky, NoSpace, bit flips), and the counters.

#include "storage/fault_injection_file_system.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "test_util.h"

namespace strata {
namespace {

using test::ReadFileOrDie;
using test::TempDir;
using test::WriteFileOrDie;
using FS = FaultInjectionFileSystem;

class FaultInjectionFileSystemTest : public ::testing::Test {
 protected:
  // Creates path through fs_ with `synced` appended and synced, then
  // `unsynced` appended and flushed (in the OS, not durable), and closes it.
  void WriteFile(const std::string& path, const std::string& synced,
                 const std::string& unsynced = "") {
    std::unique_ptr<WritableFile> file;
    ASSERT_TRUE(fs_.NewWritableFile(path, &file).ok());
    ASSERT_TRUE(file->Append(synced).ok());
    ASSERT_TRUE(file->Sync().ok());
    ASSERT_TRUE(file->Append(unsynced).ok());
    ASSERT_TRUE(file->Flush().ok());
    ASSERT_TRUE(file->Close().ok());
  }

  TempDir dir_;
  FS fs_;
};

TEST_F(FaultInjectionFileSystemTest, PowerLossKeepsExactlyTheSyncedPrefix) {
  const std::string synced = dir_.Child("synced");
  const std::string unsynced = dir_.Child("unsynced");
  const std::string partial = dir_.Child("partial");
  WriteFile(synced, "durable");
  WriteFile(unsynced, "", "lost");
  WriteFile(partial, "kept-", "dropped");
  ASSERT_TRUE(fs_.SyncDir(dir_.path()).ok());
  EXPECT_EQ(ReadFileOrDie(partial), "kept-dropped");

  ASSERT_TRUE(fs_.SimulatePowerLoss().ok());
  EXPECT_EQ(ReadFileOrDie(synced), "durable");
  EXPECT_EQ(ReadFileOrDie(unsynced), "");
  EXPECT_EQ(ReadFileOrDie(partial), "kept-");
}

TEST_F(FaultInjectionFileSystemTest, SeveralSyncsKeepTheLastSyncedSize) {
  const std::string path = dir_.Child("f");
  std::unique_ptr<WritableFile> file;
  ASSERT_TRUE(fs_.NewWritableFile(path, &file).ok());
  ASSERT_TRUE(fs_.SyncDir(dir_.path()).ok());
  ASSERT_TRUE(file->Append("a").ok());
  ASSERT_TRUE(file->Sync().ok());
  ASSERT_TRUE(file->Append("b").ok());
  ASSERT_TRUE(file->Sync().ok());
  ASSERT_TRUE(file->Append("c").ok());
  ASSERT_TRUE(file->Close().ok());
  file.reset();
  ASSERT_TRUE(fs_.DropUnsyncedData().ok());
  EXPECT_EQ(ReadFileOrDie(path), "ab");
}

TEST_F(FaultInjectionFileSystemTest, FileInUnsyncedDirectoryDisappears) {
  const std::string path = dir_.Child("new");
  WriteFile(path, "synced data, but no directory entry");
  ASSERT_TRUE(fs_.SimulatePowerLoss().ok());
  EXPECT_FALSE(fs_.FileExists(path));
}

TEST_F(FaultInjectionFileSystemTest, FileSurvivesAfterSyncDir) {
  const std::string path = dir_.Child("new");
  WriteFile(path, "data");
  ASSERT_TRUE(fs_.SyncDir(dir_.path()).ok());
  const std::string later = dir_.Child("later");
  WriteFile(later, "created after the sync");
  ASSERT_TRUE(fs_.SimulatePowerLoss().ok());
  EXPECT_EQ(ReadFileOrDie(path), "data");
  EXPECT_FALSE(fs_.FileExists(later));
}

TEST_F(FaultInjectionFileSystemTest, PreexistingFilesAreDurable) {
  const std::string path = dir_.Child("old");
  WriteFileOrDie(path, "written around the fault file system");
  ASSERT_TRUE(fs_.SimulatePowerLoss().ok());
  EXPECT_EQ(ReadFileOrDie(path), "written around the fault file system");
}

TEST_F(FaultInjectionFileSystemTest, UnsyncedRenameIsUndone) {
  const std::string src = dir_.Child("tmp");
  const std::string target = dir_.Child("CURRENT");
  WriteFile(target, "old");
  WriteFile(src, "new", "+unsynced");
  ASSERT_TRUE(fs_.SyncDir(dir_.path()).ok());
  ASSERT_TRUE(fs_.RenameFile(src, target).ok());
  EXPECT_FALSE(fs_.FileExists(src));
  EXPECT_EQ(ReadFileOrDie(target), "new+unsynced");

  ASSERT_TRUE(fs_.SimulatePowerLoss().ok());
  EXPECT_EQ(ReadFileOrDie(src), "new");
  EXPECT_EQ(ReadFileOrDie(target), "old");
}

TEST_F(FaultInjectionFileSystemTest, UnsyncedRenameToNewNameIsUndone) {
  const std::string src = dir_.Child("a");
  const std::string target = dir_.Child("b");
  WriteFile(src, "data");
  ASSERT_TRUE(fs_.SyncDir(dir_.path()).ok());
  ASSERT_TRUE(fs_.RenameFile(src, target).ok());
  ASSERT_TRUE(fs_.SimulatePowerLoss().ok());
  EXPECT_EQ(ReadFileOrDie(src), "data");
  EXPECT_FALSE(fs_.FileExists(target));
}

TEST_F(FaultInjectionFileSystemTest, SyncedRenameSurvives) {
  const std::string src = dir_.Child("tmp");
  const std::string target = dir_.Child("CURRENT");
  WriteFile(target, "old");
  WriteFile(src, "new", "+unsynced");
  ASSERT_TRUE(fs_.RenameFile(src, target).ok());
  ASSERT_TRUE(fs_.SyncDir(dir_.path()).ok());
  ASSERT_TRUE(fs_.SimulatePowerLoss().ok());
  EXPECT_FALSE(fs_.FileExists(src));
  EXPECT_EQ(ReadFileOrDie(target), "new");  // the file's unsynced tail is still lost
}

TEST_F(FaultInjectionFileSystemTest, RenamedFileKeepsItsTrackingWhileOpen) {
  const std::string src = dir_.Child("a");
  const std::string target = dir_.Child("b");
  std::unique_ptr<WritableFile> file;
  ASSERT_TRUE(fs_.NewWritableFile(src, &file).ok());
  ASSERT_TRUE(file->Append("x").ok());
  ASSERT_TRUE(file->Flush().ok());
  ASSERT_TRUE(fs_.RenameFile(src, target).ok());
  ASSERT_TRUE(fs_.SyncDir(dir_.path()).ok());
  ASSERT_TRUE(file->Append("y").ok());
  ASSERT_TRUE(file->Sync().ok());
  ASSERT_TRUE(file->Append("z").ok());
  ASSERT_TRUE(file->Close().ok());
  file.reset();
  ASSERT_TRUE(fs_.SimulatePowerLoss().ok());
  EXPECT_EQ(ReadFileOrDie(target), "xy");
}

// Performs one operation of kind op on a file in dir; returns its status.
Status DoOperation(FS* fs, const TempDir& dir, FS::Operation op) {
  const std::string path = dir.Child("op");
  if (!fs->FileExists(path)) WriteFileOrDie(path, "contents");
  switch (op) {
    case FS::kRead: {
      std::unique_ptr<SequentialFile> file;
      Status s = fs->NewSequentialFile(path, &file);
      if (!s.ok()) return s;
      char scratch[8];
      std::string_view result;
      return file->Read(sizeof(scratch), &result, scratch);
    }
    case FS::kWrite: {
      std::unique_ptr<WritableFile> file;
      Status s = fs->NewWritableFile(dir.Child("w"), &file);
      if (!s.ok()) return s;
      return file->Append("x");
    }
    case FS::kSync:
      return fs->SyncDir(dir.path());
    case FS::kRename: {
      Status s = fs->RenameFile(path, dir.Child("renamed"));
      if (s.ok()) s = fs->RenameFile(dir.Child("renamed"), path);
      return s;
    }
    case FS::kCreate: {
      std::unique_ptr<WritableFile> file;
      return fs->NewWritableFile(dir.Child("c"), &file);
    }
    case FS::kRemove:
      return fs->RemoveFile(path);
  }
  return Status::InvalidArgument("unknown operation");
}

class FailOperationTest : public ::testing::TestWithParam<FS::Operation> {
 protected:
  TempDir dir_;
  FS fs_;
};

TEST_P(FailOperationTest, FailsTheNthOnce) {
  const FS::Operation op = GetParam();
  // kRename's DoOperation renames twice; the others perform one operation.
  const uint64_t per_call = op == FS::kRename ? 2 : 1;
  fs_.FailOperation(op, 2 * per_call, /*sticky=*/false);
  EXPECT_TRUE(DoOperation(&fs_, dir_, op).ok());
  Status s = DoOperation(&fs_, dir_, op);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(s.ToString().find("injected"), std::string::npos) << s.ToString();
  if (op == FS::kRename) {  // the failed second rename left the file renamed
    ASSERT_TRUE(fs_.RenameFile(dir_.Child("renamed"), dir_.Child("op")).ok());
  }
  for (int i = 0; i < 3; i++) EXPECT_TRUE(DoOperation(&fs_, dir_, op).ok()) << i;
}

TEST_P(FailOperationTest, StickyFailsFromTheNthOn) {
  const FS::Operation op = GetParam();
  fs_.FailOperation(op, 1, /*sticky=*/true);
  for (int i = 0; i < 3; i++) EXPECT_TRUE(DoOperation(&fs_, dir_, op).IsIOError()) << i;
  fs_.ClearFaults();
  EXPECT_TRUE(DoOperation(&fs_, dir_, op).ok());
}

TEST_P(FailOperationTest, CountsOperations) {
  const FS::Operation op = GetParam();
  const uint64_t before = fs_.OperationCount(op);
  for (int i = 0; i < 3; i++) ASSERT_TRUE(DoOperation(&fs_, dir_, op).ok());
  const uint64_t per_call = op == FS::kRename ? 2 : 1;
  EXPECT_EQ(fs_.OperationCount(op), before + 3 * per_call);
}

INSTANTIATE_TEST_SUITE_P(AllKinds, FailOperationTest,
                         ::testing::Values(FS::kRead, FS::kWrite, FS::kSync, FS::kRename,
                                           FS::kCreate, FS::kRemove));

TEST_F(FaultInjectionFileSystemTest, WriteFailuresCoverFlushAndSyncCoversFileSync) {
  std::unique_ptr<WritableFile> file;
  ASSERT_TRUE(fs_.NewWritableFile(dir_.Child("f"), &file).ok());
  ASSERT_TRUE(file->Append("a").ok());
  fs_.FailOperation(FS::kWrite, 1, false);
  EXPECT_TRUE(file->Flush().IsIOError());
  fs_.FailOperation(FS::kSync, 1, false);
  EXPECT_TRUE(file->Sync().IsIOError());
  EXPECT_TRUE(file->Sync().ok());
  EXPECT_TRUE(file->Close().ok());
}

TEST_F(FaultInjectionFileSystemTest, SweepFailsEachOperationInTurn) {
  // The pattern a test uses: count a workload's operations, then fail each.
  auto workload = [&]() -> Status {
    for (int i = 0; i < 3; i++) {
      Status s = fs_.SyncDir(dir_.path());
      if (!s.ok()) return s;
    }
    return Status::OK();
  };
  const uint64_t start = fs_.OperationCount(FS::kSync);
  ASSERT_TRUE(workload().ok());
  const uint64_t n = fs_.OperationCount(FS::kSync) - start;
  ASSERT_EQ(n, 3u);
  for (uint64_t i = 1; i <= n; i++) {
    fs_.FailOperation(FS::kSync, i, false);
    EXPECT_TRUE(workload().IsIOError()) << i;
  }
  EXPECT_TRUE(workload().ok());
}

TEST_F(FaultInjectionFileSystemTest, NoSpaceWritesNothing) {
  const std::string path = dir_.Child("f");
  std::unique_ptr<WritableFile> file;
  ASSERT_TRUE(fs_.NewWritableFile(path, &file).ok());
  ASSERT_TRUE(file->Append("a").ok());
  fs_.FailWithNoSpace(true);
  Status s = file->Append("b");
  EXPECT_TRUE(s.IsNoSpace()) << s.ToString();
  EXPECT_TRUE(s.IsIOError());
  EXPECT_TRUE(file->Flush().IsNoSpace());
  fs_.FailWithNoSpace(false);
  ASSERT_TRUE(file->Append("c").ok());
  ASSERT_TRUE(file->Close().ok());
  EXPECT_EQ(ReadFileOrDie(path), "ac");
}

int DifferingBits(const std::string& a, const std::string& b) {
  EXPECT_EQ(a.size(), b.size());
  int bits = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); i++) {
    bits += __builtin_popcount(static_cast<unsigned char>(a[i] ^ b[i]));
  }
  return bits;
}

TEST_F(FaultInjectionFileSystemTest, CorruptWritesFlipsExactlyOneBitPerAppend) {
  const std::string data(1000, 'x');
  fs_.CorruptWrites(1.0, 42);
  for (int i = 0; i < 5; i++) {
    const std::string path = dir_.Child("f" + std::to_string(i));
    std::unique_ptr<WritableFile> file;
    ASSERT_TRUE(fs_.NewWritableFile(path, &file).ok());
    ASSERT_TRUE(file->Append(data).ok());
    ASSERT_TRUE(file->Close().ok());
    EXPECT_EQ(DifferingBits(ReadFileOrDie(path), data), 1) << i;
  }
  fs_.ClearFaults();
  const std::string path = dir_.Child("clean");
  std::unique_ptr<WritableFile> file;
  ASSERT_TRUE(fs_.NewWritableFile(path, &file).ok());
  ASSERT_TRUE(file->Append(data).ok());
  ASSERT_TRUE(file->Close().ok());
  EXPECT_EQ(ReadFileOrDie(path), data);
}

TEST_F(FaultInjectionFileSystemTest, CorruptWritesAtProbabilityZeroChangesNothing) {
  const std::string path = dir_.Child("f");
  fs_.CorruptWrites(0.0, 1);
  std::unique_ptr<WritableFile> file;
  ASSERT_TRUE(fs_.NewWritableFile(path, &file).ok());
  for (int i = 0; i < 100; i++) ASSERT_TRUE(file->Append("abc").ok());
  ASSERT_TRUE(file->Close().ok());
  std::string expected;
  for (int i = 0; i < 100; i++) expected += "abc";
  EXPECT_EQ(ReadFileOrDie(path), expected);
}

TEST_F(FaultInjectionFileSystemTest, LinkIsLostUnlessItsDirectoryIsSynced) {
  const std::string src = dir_.Child("src");
  WriteFile(src, "contents");
  ASSERT_TRUE(fs_.SyncDir(dir_.path()).ok());
  ASSERT_TRUE(fs_.CreateDir(dir_.Child("a")).ok());
  ASSERT_TRUE(fs_.CreateDir(dir_.Child("b")).ok());
  ASSERT_TRUE(fs_.LinkFile(src, dir_.Child("a/link")).ok());
  ASSERT_TRUE(fs_.LinkFile(src, dir_.Child("b/link")).ok());
  EXPECT_FALSE(fs_.LinkFile(src, dir_.Child("b/link")).ok());  // exists
  ASSERT_TRUE(fs_.SyncDir(dir_.Child("b")).ok());
  EXPECT_EQ(ReadFileOrDie(dir_.Child("a/link")), "contents");

  ASSERT_TRUE(fs_.SimulatePowerLoss().ok());
  EXPECT_FALSE(fs_.FileExists(dir_.Child("a/link")));
  EXPECT_EQ(ReadFileOrDie(dir_.Child("b/link")), "contents");
  EXPECT_EQ(ReadFileOrDie(src), "contents");
}

TEST_F(FaultInjectionFileSystemTest, DirectoryRenameIsUndoneUnlessItsParentIsSynced) {
  // d1 holds a synced file and an unsynced one; renamed and not made durable.
  ASSERT_TRUE(fs_.CreateDir(dir_.Child("d1")).ok());
  WriteFile(dir_.Child("d1/f"), "synced", "-lost");
  ASSERT_TRUE(fs_.SyncDir(dir_.Child("d1")).ok());
  ASSERT_TRUE(fs_.RenameDir(dir_.Child("d1"), dir_.Child("r1")).ok());
  // p/d2: renamed within p, and p synced (dir_ is not).
  ASSERT_TRUE(fs_.CreateDir(dir_.Child("p")).ok());
  ASSERT_TRUE(fs_.CreateDir(dir_.Child("p/d2")).ok());
  WriteFile(dir_.Child("p/d2/f"), "kept", "-dropped");
  ASSERT_TRUE(fs_.SyncDir(dir_.Child("p/d2")).ok());
  ASSERT_TRUE(fs_.RenameDir(dir_.Child("p/d2"), dir_.Child("p/r2")).ok());
  ASSERT_TRUE(fs_.SyncDir(dir_.Child("p")).ok());
  // A rename never replaces an existing directory.
  ASSERT_TRUE(fs_.CreateDir(dir_.Child("p/d3")).ok());
  EXPECT_FALSE(fs_.RenameDir(dir_.Child("p/d3"), dir_.Child("p/r2")).ok());
  EXPECT_EQ(ReadFileOrDie(dir_.Child("r1/f")), "synced-lost");

  ASSERT_TRUE(fs_.SimulatePowerLoss().ok());
  EXPECT_FALSE(fs_.FileExists(dir_.Child("r1")));
  EXPECT_EQ(ReadFileOrDie(dir_.Child("d1/f")), "synced");  // tracking followed the rename
  EXPECT_FALSE(fs_.FileExists(dir_.Child("p/d2")));
  EXPECT_EQ(ReadFileOrDie(dir_.Child("p/r2/f")), "kept");
}

}  // namespace
}  // namespace strata
