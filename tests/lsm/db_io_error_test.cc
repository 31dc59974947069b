// I/O errors and a full disk, through the public API on a
// FaultInjectionFileSystem:
//  - the sweep: a workload of sync=true puts and deletes, memtable switches,
//    Flush, CompactRange and a reopen is run once for every N, failing the
//    Nth operation of one kind (write, sync, create, rename, remove, read),
//    until a run completes without reaching N. Whatever the failure, no write
//    reported OK is missing after the fault clears and the power is lost, no
//    value appears that was never written, and the database reopens;
//  - a failed fsync (of the WAL or of a table) is sticky: no retry, Resume
//    refuses, reopening recovers everything acknowledged;
//  - running out of space in the WAL, in a flush, in a compaction or in the
//    MANIFEST fails writes with NoSpace while reads keep working, leaves no
//    table the MANIFEST names half-written, and once space is back the
//    database resumes by itself (or at once with Resume) with nothing lost.
//    The automatic retry waits its backoff on a ManualClock, which the tests
//    move on once the retry is waiting, instead of sleeping through it.
//
// The databases live in /dev/shm: the sweep syncs thousands of times, and
// FaultInjectionFileSystem models durability itself.

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "lsm/db_impl.h"
#include "lsm/db_test_util.h"
#include "storage/fault_injection_file_system.h"
#include "strata/db.h"
#include "strata/inspect.h"
#include "test_util.h"
#include "util/clock.h"

namespace strata {
namespace {

using FS = FaultInjectionFileSystem;

constexpr char kAbsent[] = "<absent>";
// The longest wait before an automatic retry (see ErrorHandler).
constexpr uint64_t kMaxBackoffMicros = 1000000;

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%03d", i);
  return buf;
}

// ~900 bytes, distinct per (key, version), half compressible: 150 of them
// fill two 64 KiB memtables.
std::string Value(int key, int version) {
  char head[32];
  std::snprintf(head, sizeof(head), "%s@%04d:", Key(key).c_str(), version);
  std::string value = head;
  uint32_t x = static_cast<uint32_t>(key * 7919 + version * 104729 + 1);
  while (value.size() < 450) {
    x = x * 1103515245u + 12345u;
    value.push_back(static_cast<char>('a' + (x >> 16) % 26));
  }
  value.append(450, static_cast<char>('A' + version % 26));
  return value;
}

// For each key, the values it may hold: exactly one after an acknowledged
// write; after a failed one, the old values and the new one (the write may
// or may not have reached the disk).
class Model {
 public:
  void Write(const std::string& key, const std::string& value, bool ok) {
    std::set<std::string>& possible = possible_[key];
    if (possible.empty()) possible.insert(kAbsent);
    if (ok) possible.clear();
    possible.insert(value);
  }

  // "" if what the DB holds for every key is possible, else the first
  // difference. get(key) returns the value, kAbsent, or an error text.
  template <typename Get>
  std::string Check(Get get) const {
    for (const auto& [key, possible] : possible_) {
      std::string actual = get(key);
      if (possible.count(actual) == 0) {
        std::string want;
        for (const auto& p : possible) want += " [" + p.substr(0, 16) + "]";
        return key + ": has [" + actual.substr(0, 40) + "], possible:" + want;
      }
    }
    return "";
  }

  bool Possible(const std::string& key, const std::string& value) const {
    auto it = possible_.find(key);
    if (it == possible_.end()) return value == kAbsent;
    return it->second.count(value) != 0;
  }

  const std::map<std::string, std::set<std::string>>& possible() const { return possible_; }

 private:
  std::map<std::string, std::set<std::string>> possible_;
};

std::string GetOrAbsent(DB* db, const std::string& key) {
  std::string value;
  Status s = db->Get(key, &value);
  if (s.IsNotFound()) return kAbsent;
  if (!s.ok()) return "error: " + s.ToString();
  return value;
}

Options SweepOptions(FS* fs) {
  Options options;
  options.file_system = fs;
  options.write_buffer_size = test::kMinWriteBuffer;
  options.l0_compaction_trigger = 2;
  options.target_file_size = 64 << 10;
  options.max_background_jobs = 1;  // fewer interleavings: N means the same step
  options.block_cache_size = 0;     // every read goes to the file system
  return options;
}

// What one run of the sweep workload saw.
struct RunResult {
  bool completed = false;  // every step returned OK
  int acknowledged = 0;    // writes reported OK
  int failed = 0;          // writes reported failed
  std::string wrong;       // a read that returned an impossible value
};

// The workload: 150 sync=true writes over 60 keys with a Flush, a
// CompactRange, a reopen and reads along the way. Stops at the first failed
// Open; carries on after failed writes (they must keep failing or succeed
// honestly).
RunResult RunWorkload(FS* fs, const std::string& dbname, Model* model) {
  RunResult result;
  result.completed = true;
  Options options = SweepOptions(fs);
  WriteOptions sync;
  sync.sync = true;
  std::unique_ptr<DB> db;
  auto open = [&]() {
    Status s = DB::Open(options, dbname, &db);
    if (!s.ok()) result.completed = false;
    return s.ok();
  };
  auto check_read = [&](int k) {
    std::string actual = GetOrAbsent(db.get(), Key(k));
    if (actual.rfind("error: ", 0) == 0) return;  // a read may fail honestly
    if (!model->Possible(Key(k), actual) && result.wrong.empty()) {
      result.wrong = Key(k) + " read as [" + actual.substr(0, 40) + "]";
    }
  };
  int version = 0;
  auto write = [&](int i) {
    int k = (i * 37) % 60;
    version++;
    Status s;
    std::string value;
    if (i % 11 == 5) {
      s = db->Delete(sync, Key(k));
      value = kAbsent;
    } else if (i % 13 == 7) {
      WriteBatch batch;
      value = Value(k, version);
      batch.Put(Key(k), value);
      batch.Delete(Key((k + 1) % 60));
      s = db->Write(sync, &batch);
      model->Write(Key((k + 1) % 60), kAbsent, s.ok());
    } else {
      value = Value(k, version);
      s = db->Put(sync, Key(k), value);
    }
    model->Write(Key(k), value, s.ok());
    if (s.ok()) {
      result.acknowledged++;
    } else {
      result.failed++;
      result.completed = false;
    }
    if (i % 10 == 0) check_read((i * 17) % 60);
  };

  if (!open()) return result;
  for (int i = 0; i < 70; i++) write(i);
  if (!db->Flush().ok()) result.completed = false;
  for (int i = 70; i < 120; i++) write(i);
  if (!db->CompactRange(nullptr, nullptr).ok()) result.completed = false;
  for (int k = 0; k < 60; k += 7) check_read(k);
  db.reset();
  if (!open()) return result;
  for (int i = 120; i < 150; i++) write(i);
  for (int k = 0; k < 60; k += 5) check_read(k);
  return result;
}

// Reopens after the faults are cleared and the power lost; "" if every key
// holds a possible value (forward and backward scans agree with Get).
std::string VerifyAfterPowerLoss(FS* fs, const std::string& dbname, const Model& model) {
  fs->ClearFaults();
  Status s = fs->SimulatePowerLoss();
  if (!s.ok()) return "power loss: " + s.ToString();
  std::unique_ptr<DB> db;
  s = DB::Open(SweepOptions(fs), dbname, &db);
  if (!s.ok()) return "reopen: " + s.ToString();
  std::string diff =
      model.Check([&](const std::string& key) { return GetOrAbsent(db.get(), key); });
  if (!diff.empty()) return diff;
  std::map<std::string, std::string> scanned = test::ScanAll(db.get());
  if (scanned != test::ScanAllBackward(db.get())) return "forward and backward scans differ";
  for (const auto& [key, value] : scanned) {
    if (!model.Possible(key, value)) return "scan: " + key + " holds an impossible value";
  }
  for (const auto& [key, possible] : model.possible()) {
    if (possible.count(kAbsent) == 0 && scanned.count(key) == 0) return "scan misses " + key;
  }
  return "";
}

struct SweepFigures {
  uint64_t runs = 0;
  uint64_t runs_with_failed_writes = 0;
  uint64_t acknowledged = 0;
};

// Fails the Nth operation of kind op for N = first, first + stride, ...
// until a run never reaches N. Returns the figures.
SweepFigures Sweep(FS::Operation op, bool sticky, uint64_t stride) {
  SweepFigures figures;
  for (uint64_t n = 1;; n += stride) {
    test::TempDir dir{test::TempDir::InMemory{}};
    const std::string dbname = dir.Child("db");
    FS fs;
    fs.FailOperation(op, n, sticky);
    Model model;
    RunResult run = RunWorkload(&fs, dbname, &model);
    const bool reached = fs.OperationCount(op) >= n;
    figures.runs++;
    figures.acknowledged += run.acknowledged;
    if (run.failed > 0) figures.runs_with_failed_writes++;
    EXPECT_EQ(run.wrong, "") << "op " << op << " n " << n;
    std::string problem = VerifyAfterPowerLoss(&fs, dbname, model);
    EXPECT_EQ(problem, "") << "op " << op << " failing at n=" << n << (sticky ? " (sticky)" : "");
    if (!problem.empty() || !run.wrong.empty()) break;
    if (!reached) {
      EXPECT_TRUE(run.completed) << "op " << op << " n " << n << ": no fault, yet a step failed";
      break;
    }
  }
  std::printf(
      "sweep op=%d sticky=%d: %llu runs, %llu with failed writes, %llu writes acknowledged\n", op,
      sticky, static_cast<unsigned long long>(figures.runs),
      static_cast<unsigned long long>(figures.runs_with_failed_writes),
      static_cast<unsigned long long>(figures.acknowledged));
  return figures;
}

TEST(DBIOErrorSweepTest, FailEveryWrite) {
  SweepFigures f = Sweep(FS::kWrite, false, 1);
  EXPECT_GT(f.runs, 200u);
  EXPECT_GT(f.runs_with_failed_writes, 0u);
}

TEST(DBIOErrorSweepTest, FailEverySync) {
  SweepFigures f = Sweep(FS::kSync, false, 1);
  EXPECT_GT(f.runs, 100u);
  EXPECT_GT(f.runs_with_failed_writes, 0u);
}

TEST(DBIOErrorSweepTest, FailEveryCreate) { EXPECT_GT(Sweep(FS::kCreate, false, 1).runs, 10u); }

TEST(DBIOErrorSweepTest, FailEveryRename) { EXPECT_GT(Sweep(FS::kRename, false, 1).runs, 2u); }

TEST(DBIOErrorSweepTest, FailEveryRemove) { EXPECT_GT(Sweep(FS::kRemove, false, 1).runs, 5u); }

TEST(DBIOErrorSweepTest, FailEveryRead) { EXPECT_GT(Sweep(FS::kRead, false, 1).runs, 50u); }

TEST(DBIOErrorSweepTest, FailWritesFromNOn) { EXPECT_GT(Sweep(FS::kWrite, true, 7).runs, 20u); }

TEST(DBIOErrorSweepTest, FailSyncsFromNOn) { EXPECT_GT(Sweep(FS::kSync, true, 3).runs, 20u); }

// The single-fault tests: a DB on a FaultInjectionFileSystem with 64 KiB
// memtables and a model of what was acknowledged.
class DBIOErrorTest : public ::testing::Test {
 protected:
  DBIOErrorTest() {
    options_ = SweepOptions(&fs_);
    options_.max_background_jobs = 2;
    options_.l0_compaction_trigger = 10;  // no compaction unless asked for
    options_.read_triggered_compaction = false;
    options_.idle_compaction_ms = 0;  // nor when writes stop
  }

  void Open() {
    db_ = test::OpenOrDie(options_, dbname_);
    static_cast<DBImpl*>(db_.get())->TEST_SetResumeClock(&clock_);
  }

  // Closes the DB (every file closed), loses power, and reopens.
  void PowerLossAndReopen() {
    db_.reset();
    ASSERT_TRUE(fs_.SimulatePowerLoss().ok());
    Open();
  }

  // Writes keys [from, to) with the given version, all acknowledged.
  void PutRange(int from, int to, int version) {
    for (int k = from; k < to; k++) {
      Status s = db_->Put(Key(k), Value(k, version));
      ASSERT_TRUE(s.ok()) << s.ToString();
      model_[Key(k)] = Value(k, version);
    }
  }

  // Every acknowledged write is readable, by Get and by a scan.
  void CheckAll() {
    for (const auto& [key, value] : model_) {
      std::string actual;
      Status s = db_->Get(key, &actual);
      ASSERT_TRUE(s.ok()) << key << ": " << s.ToString();
      ASSERT_EQ(actual, value) << key;
    }
    EXPECT_EQ(test::ModelDiff(model_, test::ScanAll(db_.get()), 20), "");
  }

  // The MANIFEST names only tables that exist and read back whole, every
  // checksum verifies: `strata check` on a copy of the open database's files.
  // REQUIRES: no flush or compaction running (a retry after an error may
  // be: its partial table, or its removal, is harmless to the check).
  void CheckTablesWhole() {
    const std::string copy = dir_.Child("copy" + std::to_string(copies_++));
    std::filesystem::create_directory(copy);
    for (const auto& entry : std::filesystem::directory_iterator(dbname_)) {
      std::error_code ec;  // a file removed meanwhile is simply not copied
      std::filesystem::copy_file(entry.path(), copy + "/" + entry.path().filename().string(), ec);
    }
    CheckReport report;
    Status s = CheckDB(copy, Options(), &report);
    ASSERT_TRUE(s.ok()) << s.ToString();
    for (const auto& problem : report.problems)
      ADD_FAILURE() << problem.file << ": " << problem.message;
    EXPECT_GT(report.manifest_records, 0u);
  }

  // Lets the automatic retry run and waits for it to clear the error: once
  // the background thread waits its backoff on clock_, moving the clock past
  // the longest backoff makes it retry at once.
  void WaitForAutomaticResume() {
    std::vector<uint64_t> waits = clock_.WaitForWaits(waits_passed_ + 1);
    ASSERT_GT(waits.size(), waits_passed_) << "no automatic retry was scheduled";
    waits_passed_ = waits.size();
    clock_.Advance(kMaxBackoffMicros);
    Status s = static_cast<DBImpl*>(db_.get())->TEST_WaitForAutomaticResume();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  FS fs_;
  // The clock the resume backoff waits by, and how many of its waits the
  // tests have moved it past.
  ManualClock clock_;
  size_t waits_passed_ = 0;
  test::TempDir dir_{test::TempDir::InMemory{}};
  const std::string dbname_ = dir_.Child("db");
  Options options_;
  std::unique_ptr<DB> db_;
  std::map<std::string, std::string> model_;
  int copies_ = 0;
};

TEST_F(DBIOErrorTest, FailedWalSyncIsStickyAndResumeRefuses) {
  Open();
  PutRange(0, 50, 1);
  fs_.FailOperation(FS::kSync, 1, /*sticky=*/false);
  WriteOptions sync;
  sync.sync = true;
  Status s = db_->Put(sync, Key(50), Value(50, 1));
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  // The fault fired once, but the error stays: no retry and carry on.
  s = db_->Put(Key(51), Value(51, 1));
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  s = db_->Resume();
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  // No automatic retry either: none ever waits its backoff, however far the
  // clock moves.
  clock_.Advance(10 * kMaxBackoffMicros);
  EXPECT_TRUE(clock_.waits().empty());
  s = db_->Put(Key(51), Value(51, 1));
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  CheckAll();  // reads keep working

  db_.reset();
  Open();
  // The write whose sync failed reached the WAL before the sync: it may be
  // replayed (it was never acknowledged, so either way is right).
  std::string key50 = GetOrAbsent(db_.get(), Key(50));
  EXPECT_TRUE(key50 == kAbsent || key50 == Value(50, 1)) << key50.substr(0, 20);
  if (key50 != kAbsent) model_[Key(50)] = key50;
  CheckAll();
  PutRange(50, 60, 2);
}

TEST_F(DBIOErrorTest, FailedTableSyncDuringFlushIsSticky) {
  Open();
  PutRange(0, 50, 1);
  fs_.FailOperation(FS::kSync, 1, /*sticky=*/false);  // the flush's table sync
  Status s = db_->Flush();
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_TRUE(db_->Put(Key(99), "x").IsIOError());
  EXPECT_TRUE(db_->Resume().IsIOError());
  CheckAll();
  db_.reset();
  Open();
  CheckAll();
}

TEST_F(DBIOErrorTest, NoSpaceInWalFailsWritesKeepsReadsAndResumes) {
  Open();
  PutRange(0, 40, 1);
  fs_.FailWithNoSpace(true, ".log");
  Status s = db_->Put(Key(40), Value(40, 1));
  EXPECT_TRUE(s.IsNoSpace()) << s.ToString();
  s = db_->Put(Key(41), Value(41, 1));  // fails too, whether retried meanwhile or not
  EXPECT_TRUE(s.IsNoSpace()) << s.ToString();
  CheckAll();

  fs_.FailWithNoSpace(false);
  WaitForAutomaticResume();
  PutRange(40, 80, 2);
  CheckAll();
  // Nothing acknowledged depended on the WAL that ran out of space.
  PowerLossAndReopen();
  // Power loss keeps only what was synced: sync=false writes may be gone,
  // so check only that no value is wrong and the database works.
  for (const auto& [key, value] : test::ScanAll(db_.get())) EXPECT_EQ(value, model_[key]) << key;
  PutRange(0, 10, 3);
}

TEST_F(DBIOErrorTest, NoSpaceInWalThenCloseAndReopenKeepsEverything) {
  Open();
  PutRange(0, 40, 1);
  fs_.FailWithNoSpace(true, ".log");
  EXPECT_TRUE(db_->Put(Key(40), Value(40, 1)).IsNoSpace());
  db_.reset();  // closing with the error set
  fs_.FailWithNoSpace(false);
  Open();
  CheckAll();
  PutRange(40, 60, 2);
  CheckAll();
}

TEST_F(DBIOErrorTest, NoSpaceDuringFlushThenResume) {
  Open();
  PutRange(0, 40, 1);  // two thirds of a memtable: no flush yet
  fs_.FailWithNoSpace(true, ".sst");
  Status s = db_->Flush();
  EXPECT_TRUE(s.IsNoSpace()) << s.ToString();
  // Writes fail, reads work, no table is named half-written.
  s = db_->Put(Key(100), "x");
  EXPECT_TRUE(s.IsNoSpace()) << s.ToString();
  CheckAll();
  CheckTablesWhole();
  EXPECT_EQ(test::IntProperty(db_.get(), "strata.num-files-at-level0"), 0u);

  fs_.FailWithNoSpace(false);
  s = db_->Resume();  // at once, instead of waiting for the retry
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(test::IntProperty(db_.get(), "strata.num-immutable-mem-table"), 0u);
  ASSERT_TRUE(db_->Flush().ok());
  EXPECT_GT(test::IntProperty(db_.get(), "strata.num-files-at-level0"), 0u);
  PutRange(40, 100, 2);
  ASSERT_TRUE(db_->Flush().ok());
  CheckAll();
  CheckTablesWhole();
  PowerLossAndReopen();
  // Everything up to the flush is in synced tables now.
  for (int k = 0; k < 40; k++) EXPECT_EQ(GetOrAbsent(db_.get(), Key(k)), Value(k, 1)) << k;
}

TEST_F(DBIOErrorTest, NoSpaceDuringFlushResumesByItself) {
  Open();
  PutRange(0, 40, 1);
  fs_.FailWithNoSpace(true, ".sst");
  EXPECT_TRUE(db_->Flush().IsNoSpace());
  // While the disk stays full, each retry fails again, the error stays, and
  // the next retry waits twice as long.
  EXPECT_EQ(clock_.WaitForWaits(1), std::vector<uint64_t>({50000}));
  clock_.Advance(50000);
  EXPECT_EQ(clock_.WaitForWaits(2), std::vector<uint64_t>({50000, 100000}));
  clock_.Advance(100000);
  EXPECT_EQ(clock_.WaitForWaits(3), std::vector<uint64_t>({50000, 100000, 200000}));
  waits_passed_ = 2;
  EXPECT_TRUE(db_->Put(Key(100), "x").IsNoSpace());
  CheckAll();
  CheckTablesWhole();

  fs_.FailWithNoSpace(false);
  WaitForAutomaticResume();
  ASSERT_TRUE(db_->Flush().ok());
  PutRange(60, 100, 2);
  CheckAll();
  db_.reset();
  Open();
  CheckAll();
}

TEST_F(DBIOErrorTest, NoSpaceDuringCompactionThenResume) {
  Open();
  for (int round = 0; round < 4; round++) {
    PutRange(0, 40, round);
    ASSERT_TRUE(db_->Flush().ok());
  }
  ASSERT_EQ(test::IntProperty(db_.get(), "strata.num-files-at-level0"), 4u);
  fs_.FailWithNoSpace(true, ".sst");
  Status s = db_->CompactRange(nullptr, nullptr);
  EXPECT_TRUE(s.IsNoSpace()) << s.ToString();
  EXPECT_TRUE(db_->Put(Key(100), "x").IsNoSpace());
  CheckAll();
  CheckTablesWhole();
  // The inputs are all still there; the failed output is gone.
  EXPECT_EQ(test::IntProperty(db_.get(), "strata.num-files-at-level0"), 4u);
  EXPECT_EQ(test::FileNamesOfType(dbname_, FileType::kTable).size(), 4u);

  fs_.FailWithNoSpace(false);
  WaitForAutomaticResume();
  s = db_->CompactRange(nullptr, nullptr);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(test::IntProperty(db_.get(), "strata.num-files-at-level0"), 0u);
  CheckAll();
  CheckTablesWhole();
  PowerLossAndReopen();
  CheckAll();  // every write was flushed before the power loss
}

TEST_F(DBIOErrorTest, NoSpaceInManifestThenResumeStartsANewManifest) {
  Open();
  PutRange(0, 40, 1);
  std::vector<std::string> manifests = test::FileNamesOfType(dbname_, FileType::kManifest);
  ASSERT_EQ(manifests.size(), 1u);
  fs_.FailWithNoSpace(true, "MANIFEST");
  Status s = db_->Flush();  // the table is written, its MANIFEST edit is not
  EXPECT_TRUE(s.IsNoSpace()) << s.ToString();
  EXPECT_TRUE(db_->Put(Key(100), "x").IsNoSpace());
  CheckAll();
  EXPECT_EQ(test::IntProperty(db_.get(), "strata.num-files-at-level0"), 0u);

  fs_.FailWithNoSpace(false);
  s = db_->Resume();
  ASSERT_TRUE(s.ok()) << s.ToString();
  // The MANIFEST the failed edit may have torn was replaced, not appended to.
  std::vector<std::string> now = test::FileNamesOfType(dbname_, FileType::kManifest);
  ASSERT_EQ(now.size(), 1u);
  EXPECT_NE(now[0], manifests[0]);
  PutRange(60, 100, 2);
  ASSERT_TRUE(db_->Flush().ok());
  CheckAll();
  CheckTablesWhole();
  PowerLossAndReopen();
  CheckAll();
}

}  // namespace
}  // namespace strata
