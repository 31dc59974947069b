// DB::CreateCheckpoint through the public API: the copy equals the database
// as of the call (against a std::map model), stays independent of it
// afterwards, refuses an existing directory, keeps every write acknowledged
// before the call while other threads write and compact, survives a power
// loss once finished (FaultInjectionFileSystem), and a failed one leaves
// nothing that opens.

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "lsm/db_test_util.h"
#include "storage/fault_injection_file_system.h"
#include "strata/db.h"
#include "test_util.h"
#include "util/random.h"
#include "util/sync_point.h"

namespace strata {
namespace {

using test::GetValue;
using test::ScanAll;
using test::TempDir;

std::string Key(int i) { return "key" + std::to_string(i); }

Options OpenExisting(Options options) {
  options.create_if_missing = false;
  return options;
}

TEST(DBCheckpointTest, EqualsTheDatabaseAndStaysIndependent) {
  TempDir dir;
  Options options = test::SmallBufferOptions();
  std::unique_ptr<DB> db = test::OpenOrDie(options, dir.Child("db"));
  std::map<std::string, std::string> model;
  Random rnd(7);
  for (int i = 0; i < 5000; i++) {
    std::string key = Key(static_cast<int>(rnd.Uniform(2000)));
    if (rnd.OneIn(5)) {
      ASSERT_TRUE(db->Delete(key).ok());
      model.erase(key);
    } else {
      std::string value = "v" + std::to_string(i) + std::string(rnd.Uniform(100), 'x');
      ASSERT_TRUE(db->Put(key, value).ok());
      model[key] = value;
    }
  }
  // Some data in tables, some only in the memtable and WAL.
  ASSERT_TRUE(test::WaitForBackgroundWork(db.get()).ok());
  ASSERT_TRUE(db->Put("in-memtable", "yes").ok());
  model["in-memtable"] = "yes";

  const std::string ckpt = dir.Child("ckpt");
  Status s = db->CreateCheckpoint(ckpt);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_FALSE(DefaultFileSystem()->FileExists(ckpt + ".strata-checkpoint-tmp"));

  std::unique_ptr<DB> copy = test::OpenOrDie(OpenExisting(options), ckpt);
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(ScanAll(copy.get()), model);

  // Writes to either do not show in the other.
  ASSERT_TRUE(db->Put("only-in-db", "1").ok());
  ASSERT_TRUE(db->Delete(Key(1)).ok());
  ASSERT_TRUE(copy->Put("only-in-copy", "2").ok());
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  ASSERT_TRUE(copy->CompactRange(nullptr, nullptr).ok());
  EXPECT_EQ(GetValue(copy.get(), "only-in-db"), "NOT_FOUND");
  EXPECT_EQ(GetValue(db.get(), "only-in-copy"), "NOT_FOUND");
  std::map<std::string, std::string> copy_model = model;
  copy_model["only-in-copy"] = "2";
  EXPECT_EQ(ScanAll(copy.get()), copy_model);

  // And after both are closed and the copy reopened.
  db.reset();
  copy.reset();
  copy = test::OpenOrDie(OpenExisting(options), ckpt);
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(ScanAll(copy.get()), copy_model);
}

TEST(DBCheckpointTest, ExistingDirectoryIsAnError) {
  TempDir dir;
  std::unique_ptr<DB> db = test::OpenOrDie(Options(), dir.Child("db"));
  ASSERT_TRUE(db->Put("a", "1").ok());
  Status s = db->CreateCheckpoint(dir.path());
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  s = db->CreateCheckpoint(dir.Child("db"));
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  s = db->CreateCheckpoint("");
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  ASSERT_TRUE(db->CreateCheckpoint(dir.Child("c")).ok());
  s = db->CreateCheckpoint(dir.Child("c"));
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
}

TEST(DBCheckpointTest, EmptyDatabase) {
  TempDir dir;
  std::unique_ptr<DB> db = test::OpenOrDie(Options(), dir.Child("db"));
  ASSERT_TRUE(db->CreateCheckpoint(dir.Child("c")).ok());
  std::unique_ptr<DB> copy = test::OpenOrDie(OpenExisting(Options()), dir.Child("c"));
  ASSERT_NE(copy, nullptr);
  EXPECT_TRUE(ScanAll(copy.get()).empty());
}

// A leftover staging directory (a crash during an earlier checkpoint) does
// not open as a database and is replaced by the next checkpoint.
TEST(DBCheckpointTest, LeftoverStagingDirectoryIsReplaced) {
  TempDir dir;
  std::unique_ptr<DB> db = test::OpenOrDie(Options(), dir.Child("db"));
  ASSERT_TRUE(db->Put("a", "1").ok());
  const std::string staging = dir.Child("c.strata-checkpoint-tmp");
  ASSERT_TRUE(DefaultFileSystem()->CreateDir(staging).ok());
  ASSERT_TRUE(DefaultFileSystem()->CreateDir(staging + "/db").ok());
  test::WriteFileOrDie(staging + "/db/000099.sst", "half a table");
  std::unique_ptr<DB> none;
  EXPECT_FALSE(DB::Open(OpenExisting(Options()), staging, &none).ok());

  ASSERT_TRUE(db->CreateCheckpoint(dir.Child("c")).ok());
  EXPECT_FALSE(DefaultFileSystem()->FileExists(staging));
  std::unique_ptr<DB> copy = test::OpenOrDie(OpenExisting(Options()), dir.Child("c"));
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(GetValue(copy.get(), "a"), "1");
}

// Writers and background compactions run during the checkpoints; each
// checkpoint holds, per writer, every write acknowledged before the call,
// and what it holds of each writer is a prefix of that writer's writes.
TEST(DBCheckpointTest, ConcurrentWriters) {
  TempDir dir;
  Options options = test::SmallBufferOptions();
  std::unique_ptr<DB> db = test::OpenOrDie(options, dir.Child("db"));
  constexpr int kWriters = 2;
  constexpr int kCheckpoints = 6;
  std::atomic<int> acked[kWriters];
  for (auto& a : acked) a.store(0);
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < kWriters; t++) {
    writers.emplace_back([&, t] {
      for (int i = 0; !stop.load(); i++) {
        std::string key = "w" + std::to_string(t) + "-" + std::to_string(i);
        if (!db->Put(key, key + std::string(100, 'v')).ok()) return;
        acked[t].store(i + 1);
      }
    });
  }
  std::vector<std::vector<int>> before(kCheckpoints, std::vector<int>(kWriters));
  for (int c = 0; c < kCheckpoints; c++) {
    while (acked[0].load() < (c + 1) * 300) std::this_thread::yield();
    for (int t = 0; t < kWriters; t++) before[c][t] = acked[t].load();
    Status s = db->CreateCheckpoint(dir.Child("c" + std::to_string(c)));
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  stop = true;
  for (auto& w : writers) w.join();
  db.reset();

  for (int c = 0; c < kCheckpoints; c++) {
    SCOPED_TRACE("checkpoint " + std::to_string(c));
    std::unique_ptr<DB> copy =
        test::OpenOrDie(OpenExisting(options), dir.Child("c" + std::to_string(c)));
    ASSERT_NE(copy, nullptr);
    for (int t = 0; t < kWriters; t++) {
      int present = 0;
      while (GetValue(copy.get(), "w" + std::to_string(t) + "-" + std::to_string(present)) !=
             "NOT_FOUND") {
        present++;
      }
      EXPECT_GE(present, before[c][t]) << "writer " << t;
      // A prefix: nothing after the first missing write.
      for (int i = present + 1; i < present + 50; i++) {
        EXPECT_EQ(GetValue(copy.get(), "w" + std::to_string(t) + "-" + std::to_string(i)),
                  "NOT_FOUND");
      }
    }
  }
}

#ifdef STRATA_SYNC_POINTS
// A compaction that replaces every table after the checkpoint picked its
// version does not delete the tables the checkpoint still has to link.
TEST(DBCheckpointTest, CompactionDuringCheckpointKeepsItsTables) {
  TempDir dir;
  Options options = test::SmallBufferOptions();
  std::unique_ptr<DB> db = test::OpenOrDie(options, dir.Child("db"));
  std::map<std::string, std::string> model;
  for (int i = 0; i < 3000; i++) {
    model[Key(i)] = std::string(100, static_cast<char>('a' + i % 26));
    ASSERT_TRUE(db->Put(Key(i), model[Key(i)]).ok());
  }
  ASSERT_TRUE(test::WaitForBackgroundWork(db.get()).ok());
  SyncPoint* sp = SyncPoint::GetInstance();
  bool compacted = false;
  sp->SetCallBack("DBImpl::CreateCheckpoint:Pinned", [&](void*) {
    if (compacted) return;
    compacted = true;
    for (int i = 0; i < 3000; i += 2) ASSERT_TRUE(db->Delete(Key(i)).ok());
    ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  });
  sp->EnableProcessing();
  Status s = db->CreateCheckpoint(dir.Child("c"));
  sp->Reset();
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_TRUE(compacted);
  std::unique_ptr<DB> copy = test::OpenOrDie(OpenExisting(options), dir.Child("c"));
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(ScanAll(copy.get()), model);
}
#endif

// A finished checkpoint survives a power loss; so does the database.
TEST(DBCheckpointTest, FinishedCheckpointSurvivesPowerLoss) {
  TempDir dir(TempDir::InMemory{});
  FaultInjectionFileSystem fs;
  Options options = test::SmallBufferOptions();
  options.file_system = &fs;
  std::unique_ptr<DB> db = test::OpenOrDie(options, dir.Child("db"));
  std::map<std::string, std::string> model;
  for (int i = 0; i < 2000; i++) {
    model[Key(i)] = "value" + std::to_string(i) + std::string(80, 'p');
    ASSERT_TRUE(db->Put(Key(i), model[Key(i)]).ok());  // not synced
  }
  Status s = db->CreateCheckpoint(dir.Child("c"));
  ASSERT_TRUE(s.ok()) << s.ToString();
  db.reset();
  ASSERT_TRUE(fs.SimulatePowerLoss().ok());
  ASSERT_TRUE(DefaultFileSystem()->FileExists(dir.Child("c")));
  std::unique_ptr<DB> copy = test::OpenOrDie(OpenExisting(options), dir.Child("c"));
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(ScanAll(copy.get()), model);
}

// A power loss before the final rename's directory sync undoes the rename;
// what is left (the staging directory) does not open, and the final
// directory is absent.
TEST(DBCheckpointTest, PowerLossBeforeTheRenameIsDurableLeavesNothing) {
  TempDir dir(TempDir::InMemory{});
  FaultInjectionFileSystem fs;
  Options options = test::SmallBufferOptions();
  options.file_system = &fs;
  std::unique_ptr<DB> db = test::OpenOrDie(options, dir.Child("db"));
  for (int i = 0; i < 500; i++) ASSERT_TRUE(db->Put(Key(i), std::string(100, 'q')).ok());
  ASSERT_TRUE(db->Flush().ok());
  ASSERT_TRUE(test::WaitForBackgroundWork(db.get()).ok());
  // The syncs after the rename: the parent directory's, then the staging
  // directory's. Failing the first leaves the rename unsynced. Count the
  // syncs a checkpoint makes on a first one.
  const uint64_t syncs_before = fs.OperationCount(FaultInjectionFileSystem::kSync);
  ASSERT_TRUE(db->CreateCheckpoint(dir.Child("probe")).ok());
  const uint64_t syncs = fs.OperationCount(FaultInjectionFileSystem::kSync) - syncs_before;
  ASSERT_GE(syncs, 3u);
  fs.FailOperation(FaultInjectionFileSystem::kSync, syncs - 1, /*sticky=*/true);
  Status s = db->CreateCheckpoint(dir.Child("c"));
  EXPECT_FALSE(s.ok());
  fs.ClearFaults();
  db.reset();
  ASSERT_TRUE(fs.SimulatePowerLoss().ok());
  EXPECT_FALSE(DefaultFileSystem()->FileExists(dir.Child("c")));
  std::unique_ptr<DB> none;
  EXPECT_FALSE(DB::Open(OpenExisting(options), dir.Child("c.strata-checkpoint-tmp"), &none).ok());
  // The first checkpoint, finished, is intact.
  std::unique_ptr<DB> copy = test::OpenOrDie(OpenExisting(options), dir.Child("probe"));
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(ScanAll(copy.get()).size(), 500u);
}

// Each sync before the final rename failing in turn (the table copies' or
// links' directory, the MANIFEST, CURRENT): the call fails, the target does
// not exist, and the staging directory does not open as a database.
TEST(DBCheckpointTest, FailedSyncBeforeTheRenameLeavesNothingThatOpens) {
  TempDir dir(TempDir::InMemory{});
  FaultInjectionFileSystem fs;
  Options options = test::SmallBufferOptions();
  options.file_system = &fs;
  std::unique_ptr<DB> db = test::OpenOrDie(options, dir.Child("db"));
  for (int i = 0; i < 500; i++) ASSERT_TRUE(db->Put(Key(i), std::string(100, 'q')).ok());
  ASSERT_TRUE(db->Flush().ok());
  ASSERT_TRUE(test::WaitForBackgroundWork(db.get()).ok());
  const uint64_t syncs_before = fs.OperationCount(FaultInjectionFileSystem::kSync);
  ASSERT_TRUE(db->CreateCheckpoint(dir.Child("probe")).ok());
  const uint64_t syncs = fs.OperationCount(FaultInjectionFileSystem::kSync) - syncs_before;
  ASSERT_GE(syncs, 6u);
  // The last two syncs come after the rename (the parent's, the staging
  // directory's); the four before it are the MANIFEST's, the directory's,
  // CURRENT's temporary file's, and the directory's again.
  for (uint64_t from_end = 2; from_end <= 5; from_end++) {
    SCOPED_TRACE("failing sync " + std::to_string(from_end) + " from the end");
    const std::string target = dir.Child("c" + std::to_string(from_end));
    fs.FailOperation(FaultInjectionFileSystem::kSync, syncs - from_end, /*sticky=*/false);
    Status s = db->CreateCheckpoint(target);
    fs.ClearFaults();
    EXPECT_FALSE(s.ok());
    EXPECT_FALSE(DefaultFileSystem()->FileExists(target));
    std::unique_ptr<DB> none;
    EXPECT_FALSE(DB::Open(OpenExisting(options), target, &none).ok());
    EXPECT_FALSE(DB::Open(OpenExisting(options), target + ".strata-checkpoint-tmp", &none).ok());
  }
  // The database itself is unharmed.
  EXPECT_EQ(GetValue(db.get(), Key(7)), std::string(100, 'q'));
}

}  // namespace
}  // namespace strata
