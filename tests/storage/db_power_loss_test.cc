// DB-level durability through the public API on a FaultInjectionFileSystem:
// after a simulated power loss every sync=true write survives, the surviving
// sync=false writes are a prefix of the write order (also across memtable
// switches and flushes), and a failed WAL sync fails that write and every
// later one without losing what was acknowledged before it.

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "storage/fault_injection_file_system.h"
#include "strata/db.h"
#include "test_util.h"

namespace strata {
namespace {

using FS = FaultInjectionFileSystem;

// 64 KiB memtables, so a few hundred KiB of writes switch WALs and flush.
constexpr size_t kSmallWriteBuffer = 64 << 10;

std::string Key(int round, int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "r%02d-k%06d", round, i);
  return buf;
}

// Distinct per key, and long enough that a round spans several memtables.
std::string Value(int round, int i) { return Key(round, i) + std::string(200, 'v'); }

class DBPowerLossTest : public ::testing::Test {
 protected:
  DBPowerLossTest() {
    options_.file_system = &fs_;
    options_.write_buffer_size = kSmallWriteBuffer;
  }

  void Open() {
    Status s = DB::Open(options_, dbname_, &db_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // Closes the DB (every file closed), loses power, and reopens.
  void PowerLossAndReopen() {
    db_.reset();
    Status s = fs_.SimulatePowerLoss();
    ASSERT_TRUE(s.ok()) << s.ToString();
    Open();
  }

  // The value of key, "NOT_FOUND", or the error.
  std::string Get(const std::string& key) {
    std::string value;
    Status s = db_->Get(key, &value);
    if (s.IsNotFound()) return "NOT_FOUND";
    if (!s.ok()) return s.ToString();
    return value;
  }

  // Checks that of keys 0..n-1 of round, exactly a prefix is present, each
  // with its value; returns the prefix's length.
  int CheckPrefix(int round, int n) {
    int present = 0;
    while (present < n && Get(Key(round, present)) == Value(round, present)) present++;
    for (int j = present; j < n; j++) {
      EXPECT_EQ(Get(Key(round, j)), "NOT_FOUND")
          << "round " << round << ": key " << j << " survived but key " << present << " did not";
    }
    return present;
  }

  // Which keys 0..n-1 of round read back with their value; fails the test on
  // any other value.
  std::vector<bool> PresentKeys(int round, int n) {
    std::vector<bool> present(static_cast<size_t>(n));
    for (int i = 0; i < n; i++) {
      std::string value = Get(Key(round, i));
      present[static_cast<size_t>(i)] = value == Value(round, i);
      if (value != "NOT_FOUND") {
        EXPECT_EQ(value, Value(round, i)) << "round " << round << " key " << i;
      }
    }
    return present;
  }

  FS fs_;
  test::TempDir dir_{test::TempDir::InMemory{}};
  const std::string dbname_ = dir_.Child("db");
  Options options_;
  std::unique_ptr<DB> db_;
};

TEST_F(DBPowerLossTest, SyncedWritesSurvive) {
  Open();
  WriteOptions sync;
  sync.sync = true;
  constexpr int kWrites = 1500;  // ~330 KiB: several WAL switches and flushes
  for (int i = 0; i < kWrites; i++) ASSERT_TRUE(db_->Put(sync, Key(0, i), Value(0, i)).ok()) << i;
  PowerLossAndReopen();
  for (int i = 0; i < kWrites; i++) ASSERT_EQ(Get(Key(0, i)), Value(0, i)) << i;
}

TEST_F(DBPowerLossTest, UnsyncedWritesSurviveAsAPrefix) {
  Open();
  constexpr int kRounds = 4;
  constexpr int kWrites = 1200;
  int survived[kRounds] = {};
  for (int round = 0; round < kRounds; round++) {
    for (int i = 0; i < kWrites; i++) {
      ASSERT_TRUE(db_->Put(Key(round, i), Value(round, i)).ok()) << round << " " << i;
      // Mid-round, one explicit flush besides those the small memtable forces.
      if (round % 2 == 1 && i == kWrites / 2) {
        ASSERT_TRUE(db_->Flush().ok());
      }
    }
    PowerLossAndReopen();
    survived[round] = CheckPrefix(round, kWrites);
    // What survived an earlier power loss (and was recovered) stays.
    for (int r = 0; r < round; r++) {
      EXPECT_EQ(CheckPrefix(r, kWrites), survived[r]) << r;
    }
  }
}

// DeleteRanges among unsynced Puts: after a power loss the database holds
// the result of a prefix of the operations, in their order (a DeleteRange is
// neither lost while a later Put survives, nor applied in part), reaching at
// least the last synced DeleteRange.
TEST_F(DBPowerLossTest, DeleteRangesSurviveInOrderWithWrites) {
  Open();
  constexpr int kRounds = 3;
  constexpr int kWrites = 900;
  WriteOptions sync;
  sync.sync = true;
  struct Op {
    bool range;
    int first, end;  // the keys [first, end) it writes or deletes
  };
  std::vector<std::vector<bool>> survived;
  for (int round = 0; round < kRounds; round++) {
    std::vector<Op> ops;
    int last_synced_op = -1;
    for (int i = 0; i < kWrites; i++) {
      ASSERT_TRUE(db_->Put(Key(round, i), Value(round, i)).ok()) << i;
      ops.push_back({false, i, i + 1});
      if (i % 10 == 9) {  // keys i-6..i-3, all present: every op changes the state
        const bool synced = i % 300 == 299;
        ASSERT_TRUE(
            db_->DeleteRange(synced ? sync : WriteOptions(), Key(round, i - 6), Key(round, i - 2))
                .ok())
            << i;
        ops.push_back({true, i - 6, i - 2});
        if (synced) last_synced_op = static_cast<int>(ops.size()) - 1;
      }
    }
    PowerLossAndReopen();
    std::vector<bool> present = PresentKeys(round, kWrites);
    std::vector<bool> model(kWrites, false);
    int matched = model == present ? 0 : -1;
    for (size_t p = 0; p < ops.size() && matched < 0; p++) {
      for (int k = ops[p].first; k < ops[p].end; k++) model[k] = !ops[p].range;
      if (model == present) matched = static_cast<int>(p) + 1;
    }
    ASSERT_GE(matched, 0) << "round " << round << ": no prefix of the operations leaves this";
    EXPECT_GT(matched, last_synced_op) << "round " << round << ": lost a synced DeleteRange";
    survived.push_back(present);
    for (int r = 0; r < round; r++) EXPECT_EQ(PresentKeys(r, kWrites), survived[r]) << r;
  }
}

TEST_F(DBPowerLossTest, FailedWalSyncFailsLaterWritesAndKeepsAcknowledged) {
  Open();
  WriteOptions sync;
  sync.sync = true;
  constexpr int kAcknowledged = 300;
  for (int i = 0; i < kAcknowledged; i++) {
    ASSERT_TRUE(db_->Put(sync, Key(0, i), Value(0, i)).ok()) << i;
  }

  fs_.FailOperation(FS::kSync, 1, /*sticky=*/true);
  Status s = db_->Put(sync, "failed", "x");
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  s = db_->Put("later", "x");
  EXPECT_FALSE(s.ok());
  s = db_->Put(sync, "later-sync", "x");
  EXPECT_FALSE(s.ok());

  // Without a power loss: everything acknowledged is there after a reopen.
  fs_.ClearFaults();
  db_.reset();
  Open();
  for (int i = 0; i < kAcknowledged; i++) ASSERT_EQ(Get(Key(0, i)), Value(0, i)) << i;
  EXPECT_EQ(Get("later"), "NOT_FOUND");
  EXPECT_EQ(Get("later-sync"), "NOT_FOUND");
}

TEST_F(DBPowerLossTest, FailedWalSyncThenPowerLossKeepsSyncedWrites) {
  Open();
  WriteOptions sync;
  sync.sync = true;
  constexpr int kAcknowledged = 300;
  for (int i = 0; i < kAcknowledged; i++) {
    ASSERT_TRUE(db_->Put(sync, Key(0, i), Value(0, i)).ok()) << i;
  }
  fs_.FailOperation(FS::kSync, 1, /*sticky=*/true);
  EXPECT_FALSE(db_->Put(sync, "failed", "x").ok());
  EXPECT_FALSE(db_->Put(sync, "later", "x").ok());
  fs_.ClearFaults();
  PowerLossAndReopen();
  for (int i = 0; i < kAcknowledged; i++) ASSERT_EQ(Get(Key(0, i)), Value(0, i)) << i;
  EXPECT_EQ(Get("later"), "NOT_FOUND");
}

// Mostly unsynced writes with a synced one now and then, across WAL switches,
// with the power lost while a flush is running (the disk "freezes": every
// operation fails from then on, so the flush at close cannot finish either).
// A synced write makes every write before it durable too, including those in
// older WALs whose memtables are not flushed yet: the survivors are a prefix
// that reaches at least the last synced write.
TEST_F(DBPowerLossTest, SyncedWriteMakesEarlierUnsyncedWritesInOlderWalsDurable) {
  WriteOptions sync;
  sync.sync = true;
  constexpr int kRounds = 12;
  constexpr int kWrites = 700;  // ~150 KiB: two or three WAL switches
  Open();
  for (int round = 0; round < kRounds; round++) {
    int last_synced = -1;
    for (int i = 0; i < kWrites; i++) {
      // A synced write right after the memtable switches is the case to
      // catch: the previous WAL's flush has only just started.
      const bool synced = i % 97 == 96 || i == kWrites - 1;
      ASSERT_TRUE(db_->Put(synced ? sync : WriteOptions(), Key(round, i), Value(round, i)).ok());
      if (synced) last_synced = i;
    }
    for (int op = 0; op < FS::kNumOperations; op++) {
      if (op != FS::kRead) fs_.FailOperation(static_cast<FS::Operation>(op), 1, /*sticky=*/true);
    }
    db_.reset();
    fs_.ClearFaults();
    ASSERT_TRUE(fs_.SimulatePowerLoss().ok());
    Open();
    int survived = CheckPrefix(round, kWrites);
    ASSERT_GT(survived, last_synced) << "round " << round << ": lost a write before a synced one";
  }
}

// Every single sync a short synced workload makes, failed in turn: the DB
// either acknowledges a write (and it survives a power loss) or fails it.
TEST_F(DBPowerLossTest, SweepFailingEachSync) {
  WriteOptions sync;
  sync.sync = true;
  constexpr int kWrites = 400;  // spans a WAL switch and a flush
  auto workload = [&](int round, int* acknowledged) {
    *acknowledged = 0;
    for (int i = 0; i < kWrites; i++) {
      if (!db_->Put(sync, Key(round, i), Value(round, i)).ok()) return;
      ++*acknowledged;
    }
  };
  Open();
  int acknowledged = 0;
  const uint64_t start = fs_.OperationCount(FS::kSync);
  workload(0, &acknowledged);
  ASSERT_EQ(acknowledged, kWrites);
  const uint64_t syncs = fs_.OperationCount(FS::kSync) - start;
  ASSERT_GT(syncs, static_cast<uint64_t>(kWrites));

  // Failing every sync would take minutes; a spread of them covers WAL syncs,
  // directory syncs at WAL switches and the flush's syncs.
  const uint64_t step = syncs / 25 + 1;
  int round = 1;
  for (uint64_t n = 1; n <= syncs; n += step, round++) {
    fs_.FailOperation(FS::kSync, n, /*sticky=*/false);
    workload(round, &acknowledged);
    fs_.ClearFaults();
    PowerLossAndReopen();
    for (int i = 0; i < acknowledged; i++) {
      ASSERT_EQ(Get(Key(round, i)), Value(round, i)) << "sync " << n << ", key " << i;
    }
    EXPECT_LT(acknowledged, kWrites) << "sync " << n << " failed but every write succeeded";
  }
}

// Every WAL recovery mode after power losses: a power loss drops whole
// unsynced appends, never part of one, so no mode sees damage; each must
// open and recover a prefix of the writes (synced ones included), and
// absolute consistency must not mistake the lost tail for damage.
class DBPowerLossRecoveryModeTest : public DBPowerLossTest,
                                    public ::testing::WithParamInterface<WALRecoveryMode> {};

TEST_P(DBPowerLossRecoveryModeTest, EachPowerLossLeavesAPrefix) {
  options_.wal_recovery_mode = GetParam();
  Open();
  constexpr int kRounds = 3;
  constexpr int kWrites = 900;
  int survived[kRounds] = {};
  WriteOptions sync;
  sync.sync = true;
  for (int round = 0; round < kRounds; round++) {
    for (int i = 0; i < kWrites; i++) {
      // Every 200th write synced: it and everything before it survive.
      ASSERT_TRUE(
          db_->Put(i % 200 == 199 ? sync : WriteOptions(), Key(round, i), Value(round, i)).ok());
    }
    PowerLossAndReopen();
    survived[round] = CheckPrefix(round, kWrites);
    EXPECT_GE(survived[round], 800) << "round " << round;
    for (int r = 0; r < round; r++) EXPECT_EQ(CheckPrefix(r, kWrites), survived[r]) << r;
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, DBPowerLossRecoveryModeTest,
                         ::testing::Values(WALRecoveryMode::kTolerateCorruptedTailRecords,
                                           WALRecoveryMode::kAbsoluteConsistency,
                                           WALRecoveryMode::kPointInTimeRecovery,
                                           WALRecoveryMode::kSkipAnyCorruptedRecords));

}  // namespace
}  // namespace strata
