// Crash tests: a forked child opens the database and writes batches in a
// loop, reporting each acknowledged batch's number over a pipe; the parent
// SIGKILLs it at a random moment, reopens the database and checks that
//   1. every acknowledged batch is present, whole;
//   2. no batch is partial (all of its keys or none);
//   3. the batches present are a prefix of those written (the child writes
//      them one after another, so a later one cannot survive an earlier one);
//   4. earlier rounds keep exactly what they had.
// Rounds repeat on one directory, so recovery meets the torn WALs, half
// written tables and MANIFESTs of earlier kills, and a kill may land during
// the child's own Open, flushes or compactions (a 64 KiB write buffer makes
// those frequent).
//
// A SIGKILL loses nothing the process handed to the kernel, so this tests
// that an acknowledged write (sync or not) has reached the OS, and that
// recovery is atomic per batch; it does not simulate power loss.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "lsm/db_test_util.h"
#include "strata/db.h"
#include "test_util.h"
#include "util/random.h"

namespace strata {
namespace {

using test::GetValue;
using test::TempDir;

constexpr int kKeysPerBatch = 5;
// The child stops writing (and waits for its kill) after this many batches,
// which bounds the data, and so the time, of the whole test.
constexpr int kMaxBatchesPerRound = 4000;

std::string CrashKey(int round, int batch, int j) {
  return "r" + std::to_string(round) + "-k" + std::to_string(batch) + "-" + std::to_string(j);
}

std::string CrashValue(int round, int batch, int j) {
  std::string v =
      "v" + std::to_string(round) + "." + std::to_string(batch) + "." + std::to_string(j) + ":";
  v.append(static_cast<size_t>(batch % 97), static_cast<char>('a' + (batch + j) % 26));
  return v;
}

// The child: writes batches 0, 1, ... of `round`, writing each number to fd
// once Write acknowledged it. Never returns.
[[noreturn]] void ChildWriteLoop(const std::string& dbname, int round, bool sync, int fd) {
  std::unique_ptr<DB> db;
  Status s = DB::Open(test::SmallBufferOptions(), dbname, &db);
  if (!s.ok()) _exit(10);
  WriteOptions options;
  options.sync = sync;
  for (uint32_t i = 0; i < kMaxBatchesPerRound; i++) {
    WriteBatch batch;
    for (int j = 0; j < kKeysPerBatch; j++) {
      batch.Put(CrashKey(round, static_cast<int>(i), j), CrashValue(round, static_cast<int>(i), j));
    }
    if (!db->Write(options, &batch).ok()) _exit(11);
    // 4 bytes: atomic on a pipe.
    if (write(fd, &i, sizeof(i)) != sizeof(i)) _exit(12);
  }
  while (true) pause();
}

// How many of the batches of `round` in [0, limit) are present; fails the
// test on a partial batch, a wrong value, or a batch present after a missing
// one.
int CountPresentBatches(DB* db, int round, int limit) {
  int present = 0;
  bool gap = false;
  for (int i = 0; i < limit; i++) {
    int found = 0;
    for (int j = 0; j < kKeysPerBatch; j++) {
      std::string value = GetValue(db, CrashKey(round, i, j));
      if (value == "NOT_FOUND") continue;
      EXPECT_EQ(value, CrashValue(round, i, j)) << CrashKey(round, i, j);
      found++;
    }
    if (found != 0 && found != kKeysPerBatch) {
      ADD_FAILURE() << "round " << round << " batch " << i << " is partial: " << found << " of "
                    << kKeysPerBatch << " keys";
    }
    if (found == 0) {
      gap = true;
    } else {
      EXPECT_FALSE(gap) << "round " << round << " batch " << i << " survived an earlier batch";
      present++;
    }
  }
  return present;
}

// Reads every batch number the child wrote before it died, checking they
// came in order. Returns how many there were.
int ReadAcknowledged(int fd) {
  int count = 0;
  char buf[4096];
  std::string pending;
  while (true) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buf, static_cast<size_t>(n));
    while (pending.size() >= sizeof(uint32_t)) {
      uint32_t number;
      std::memcpy(&number, pending.data(), sizeof(number));
      pending.erase(0, sizeof(number));
      EXPECT_EQ(number, static_cast<uint32_t>(count)) << "batch numbers out of order";
      count++;
    }
  }
  EXPECT_TRUE(pending.empty()) << "a partial batch number on the pipe";
  return count;
}

void RunCrashRounds(int rounds, bool sync, uint64_t seed) {
  TempDir dir;
  const std::string dbname = dir.Child("db");
  Random rnd(seed);
  std::vector<int> survived;  // batches present after each round

  for (int round = 0; round < rounds; round++) {
    SCOPED_TRACE("round " + std::to_string(round));
    int fds[2];
    ASSERT_EQ(pipe(fds), 0) << std::strerror(errno);
    pid_t pid = fork();
    ASSERT_GE(pid, 0) << std::strerror(errno);
    if (pid == 0) {
      close(fds[0]);
      ChildWriteLoop(dbname, round, sync, fds[1]);
    }
    close(fds[1]);

    // Kill at a random moment: during the child's Open, its writes, or
    // (rarely) once it has stopped.
    std::this_thread::sleep_for(std::chrono::milliseconds(5 + rnd.Uniform(195)));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    // Killed, not exited: an exit means the child's Open or Write failed.
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with code " << WEXITSTATUS(status);
    const int acknowledged = ReadAcknowledged(fds[0]);
    close(fds[0]);

    std::unique_ptr<DB> db;
    Status s = DB::Open(test::SmallBufferOptions(), dbname, &db);
    ASSERT_TRUE(s.ok()) << "reopen after the kill: " << s.ToString();
    EXPECT_EQ(test::IntProperty(db.get(), "strata.wal-corrupted-records"), 0u);
    // At most one batch more than acknowledged can be present (written, then
    // killed before reporting it); look a little further for stray ones.
    int present = CountPresentBatches(db.get(), round, acknowledged + 20);
    EXPECT_GE(present, acknowledged) << "acknowledged batches were lost";
    EXPECT_LE(present, acknowledged + 1);
    survived.push_back(present);
    // The previous round's batches are still exactly there.
    if (round > 0) {
      EXPECT_EQ(CountPresentBatches(db.get(), round - 1, survived[round - 1] + 20),
                survived[round - 1]);
    }
    if (::testing::Test::HasFailure()) return;
  }

  // Every round, read once more after a final clean reopen.
  std::unique_ptr<DB> db = test::OpenOrDie(test::SmallBufferOptions(), dbname);
  ASSERT_NE(db, nullptr);
  for (int round = 0; round < rounds; round++) {
    EXPECT_EQ(CountPresentBatches(db.get(), round, survived[round] + 20), survived[round])
        << "round " << round;
  }
}

TEST(DBCrashTest, KillDuringUnsyncedWrites) { RunCrashRounds(20, /*sync=*/false, 1); }

TEST(DBCrashTest, KillDuringSyncedWrites) { RunCrashRounds(10, /*sync=*/true, 2); }

}  // namespace
}  // namespace strata
