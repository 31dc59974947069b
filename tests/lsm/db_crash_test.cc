// Crash tests: a forked child opens the database and writes batches in a
// loop, reporting each acknowledged operation's number over a pipe; the
// parent SIGKILLs it at a random moment, reopens the database and checks that
//   1. every acknowledged operation is present, whole;
//   2. no batch is partial (all of its keys or none);
//   3. the database holds the result of a prefix of the operations (the
//      child does them one after another, so a later one cannot survive an
//      earlier one);
//   4. earlier rounds keep exactly what they had.
// With DeleteRanges, every eighth operation deletes, by one DeleteRange, the
// keys of the batch written four operations before it, so a DeleteRange lost
// (the batch back) or applied in part is seen as well.
// Rounds repeat on one directory, so recovery meets the torn WALs, half
// written tables and MANIFESTs of earlier kills, and a kill may land during
// the child's own Open, flushes or compactions (a 64 KiB write buffer makes
// those frequent).
//
// A SIGKILL loses nothing the process handed to the kernel, so this tests
// that an acknowledged write (sync or not) has reached the OS, and that
// recovery is atomic per batch; it does not simulate power loss. The WAL is
// written through a mapping (Options::allow_mmap_writes), where a kill can
// tear the record being copied, and, in one test, with write(2).

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
// With DeleteRanges: operation i is one if i % kRangeEvery == kRangeEvery - 1,
// and deletes batch i - kRangeLag.
constexpr int kRangeEvery = 8;
constexpr int kRangeLag = 4;
// The child stops writing (and waits for its kill) after this many batches,
// which bounds the data, and so the time, of the whole test.
constexpr int kMaxBatchesPerRound = 4000;

std::string CrashKey(int round, int batch, int j) {
  return "r" + std::to_string(round) + "-k" + std::to_string(batch) + "-" + std::to_string(j);
}

// [begin, end) holding exactly batch's keys: "-" < "." and both sort below the
// digits that would make another batch number.
std::string BatchRangeBegin(int round, int batch) {
  return "r" + std::to_string(round) + "-k" + std::to_string(batch) + "-";
}
std::string BatchRangeEnd(int round, int batch) {
  return "r" + std::to_string(round) + "-k" + std::to_string(batch) + ".";
}

bool IsRangeOp(bool delete_ranges, int op) {
  return delete_ranges && op % kRangeEvery == kRangeEvery - 1;
}

// Whether batch's keys exist once the first `ops` operations are done.
bool PresentAfter(bool delete_ranges, int batch, int ops) {
  if (IsRangeOp(delete_ranges, batch) || batch >= ops) return false;
  int deleter = batch + kRangeLag;
  return !(IsRangeOp(delete_ranges, deleter) && deleter < ops);
}

std::string CrashValue(int round, int batch, int j) {
  std::string v =
      "v" + std::to_string(round) + "." + std::to_string(batch) + "." + std::to_string(j) + ":";
  v.append(static_cast<size_t>(batch % 97), static_cast<char>('a' + (batch + j) % 26));
  return v;
}

// The child: does operations 0, 1, ... of `round` (batch writes, and with
// delete_ranges some DeleteRanges), writing each number to fd once it was
// acknowledged. Never returns.
[[noreturn]] void ChildWriteLoop(const std::string& dbname, int round, bool sync,
                                 bool delete_ranges, bool mmap_writes, int fd) {
  std::unique_ptr<DB> db;
  Options db_options = test::SmallBufferOptions();
  db_options.allow_mmap_writes = mmap_writes;
  Status s = DB::Open(db_options, dbname, &db);
  if (!s.ok()) _exit(10);
  WriteOptions options;
  options.sync = sync;
  for (uint32_t i = 0; i < kMaxBatchesPerRound; i++) {
    const int op = static_cast<int>(i);
    if (IsRangeOp(delete_ranges, op)) {
      if (!db->DeleteRange(options, BatchRangeBegin(round, op - kRangeLag),
                           BatchRangeEnd(round, op - kRangeLag))
               .ok()) {
        _exit(13);
      }
      if (write(fd, &i, sizeof(i)) != sizeof(i)) _exit(12);
      continue;
    }
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

// How many operations of `round` the database holds the result of, looking
// at the batches in [0, limit); fails the test (and returns -1) on a partial
// batch, a wrong value, or a state no prefix of the operations leaves (e.g. a
// batch present after a missing one).
int CountPresentOps(DB* db, int round, int limit, bool delete_ranges) {
  std::vector<bool> present(static_cast<size_t>(limit));
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
    present[static_cast<size_t>(i)] = found != 0;
  }
  // Every operation changes the state, so at most one prefix matches.
  for (int ops = 0; ops <= limit; ops++) {
    bool matches = true;
    for (int i = 0; i < limit && matches; i++) {
      matches = present[static_cast<size_t>(i)] == PresentAfter(delete_ranges, i, ops);
    }
    if (matches) return ops;
  }
  std::string batches;
  for (int i = 0; i < limit; i++) batches += present[static_cast<size_t>(i)] ? '1' : '0';
  ADD_FAILURE() << "round " << round
                << ": no prefix of the operations leaves these batches present: " << batches;
  return -1;
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

void RunCrashRounds(int rounds, bool sync, bool delete_ranges, uint64_t seed,
                    bool mmap_writes = true) {
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
      ChildWriteLoop(dbname, round, sync, delete_ranges, mmap_writes, fds[1]);
    }
    close(fds[1]);

    // Kill at a random moment: during the child's Open, its writes, or
    // (rarely) once it has stopped.
    std::this_thread::sleep_for(std::chrono::milliseconds(5 + rnd.Uniform(195)));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    // Killed, not exited: an exit means the child's Open or Write failed.
    ASSERT_TRUE(WIFSIGNALED(status))
        << "child exited with code " << WEXITSTATUS(status)
        << " (10: Open, 11: Write, 12: the pipe, 13: DeleteRange failed)";
    const int acknowledged = ReadAcknowledged(fds[0]);
    close(fds[0]);

    std::unique_ptr<DB> db;
    Status s = DB::Open(test::SmallBufferOptions(), dbname, &db);
    ASSERT_TRUE(s.ok()) << "reopen after the kill: " << s.ToString();
    EXPECT_EQ(test::IntProperty(db.get(), "strata.wal-corrupted-records"), 0u);
    // At most one batch more than acknowledged can be present (written, then
    // killed before reporting it); look a little further for stray ones.
    int present = CountPresentOps(db.get(), round, acknowledged + 20, delete_ranges);
    EXPECT_GE(present, acknowledged) << "acknowledged operations were lost";
    EXPECT_LE(present, acknowledged + 1);
    survived.push_back(present);
    // The previous round's batches are still exactly there.
    if (round > 0) {
      EXPECT_EQ(CountPresentOps(db.get(), round - 1, survived[round - 1] + 20, delete_ranges),
                survived[round - 1]);
    }
    if (::testing::Test::HasFailure()) return;
  }

  // Every round, read once more after a final clean reopen.
  std::unique_ptr<DB> db = test::OpenOrDie(test::SmallBufferOptions(), dbname);
  ASSERT_NE(db, nullptr);
  for (int round = 0; round < rounds; round++) {
    EXPECT_EQ(CountPresentOps(db.get(), round, survived[round] + 20, delete_ranges),
              survived[round])
        << "round " << round;
  }
}

TEST(DBCrashTest, KillDuringUnsyncedWrites) {
  RunCrashRounds(20, /*sync=*/false, /*delete_ranges=*/false, 1);
}

TEST(DBCrashTest, KillDuringSyncedWrites) {
  RunCrashRounds(10, /*sync=*/true, /*delete_ranges=*/false, 2);
}

TEST(DBCrashTest, KillDuringWritesAndDeleteRanges) {
  RunCrashRounds(10, /*sync=*/false, /*delete_ranges=*/true, 3);
}

// The tests above write the WAL through a mapping (the default); this one
// with write(2).
TEST(DBCrashTest, KillDuringUnsyncedWritesToAWalWrittenWithWrite) {
  RunCrashRounds(10, /*sync=*/false, /*delete_ranges=*/false, 4, /*mmap_writes=*/false);
}

}  // namespace
}  // namespace strata
