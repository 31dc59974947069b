// Crashes while flushes (and the compactions they trigger) are under way: a
// forked child writes numbered batches as fast as it can into 64 KiB
// memtables, so a memtable switch, a table write, a MANIFEST edit or a WAL
// deletion is almost always in progress, and reports each acknowledged batch
// over a pipe. The parent kills it with SIGKILL at a random moment, reopens
// the database and checks that every acknowledged batch is there whole, that
// no batch is there in part, and that the batches present are exactly a
// prefix of those written (a process crash loses nothing the OS was given).
// Twenty rounds run on one database, so each recovery also starts from the
// state the previous crash left.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "lsm/db_test_util.h"
#include "strata/db.h"
#include "test_util.h"

namespace strata {
namespace {

using test::IntProperty;
using test::TempDir;

constexpr int kKeysPerBatch = 8;
constexpr size_t kValueSize = 60;
// A round's child writes at most this many batches (about 1 MB, some twenty
// memtables), paced over kWriteTime so that on any machine it is still
// writing when the kill comes (at most 300 ms in), yet rounds stay small.
constexpr uint64_t kMaxBatchesPerRound = 2000;
constexpr auto kWriteTime = std::chrono::milliseconds(350);
constexpr int kRounds = 20;
// Sent instead of a batch number when the child stopped writing before the
// kill.
constexpr uint64_t kDoneMarker = ~uint64_t{0};

std::string BatchKey(uint64_t batch, int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "b%012llu-%02d", static_cast<unsigned long long>(batch), i);
  return buf;
}

// A value that depends on the batch and key, so a value from another batch
// or a torn one is noticed.
std::string BatchValue(uint64_t batch, int i) {
  // splitmix64: cheap enough to recompute for every key the parent checks.
  uint64_t x = batch * kKeysPerBatch + static_cast<uint64_t>(i);
  std::string value(kValueSize, '\0');
  for (auto& c : value) {
    x += 0x9e3779b97f4a7c15;
    uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    c = static_cast<char>('a' + (z ^ (z >> 31)) % 26);
  }
  return value;
}

Options CrashOptions() {
  Options options;
  options.write_buffer_size = test::kMinWriteBuffer;
  return options;
}

// The child: writes batches first_batch, first_batch + 1, ... and writes
// each one's number to `fd` once it is acknowledged. Never returns.
[[noreturn]] void RunWriter(const std::string& dbname, uint64_t first_batch, int fd) {
  std::unique_ptr<DB> db;
  if (!DB::Open(CrashOptions(), dbname, &db).ok()) _exit(2);
  const auto start = std::chrono::steady_clock::now();
  for (uint64_t n = 0; n < kMaxBatchesPerRound; n++) {
    // Ahead of the pace (a fast machine): wait for the batch's moment.
    std::this_thread::sleep_until(start + kWriteTime * n / kMaxBatchesPerRound);
    const uint64_t batch = first_batch + n;
    WriteBatch updates;
    for (int i = 0; i < kKeysPerBatch; i++) updates.Put(BatchKey(batch, i), BatchValue(batch, i));
    if (!db->Write(WriteOptions(), &updates).ok()) _exit(3);
    if (write(fd, &batch, sizeof(batch)) != static_cast<ssize_t>(sizeof(batch))) _exit(4);
  }
  // Done early: say so, and wait for the kill without closing the database.
  const uint64_t done = kDoneMarker;
  if (write(fd, &done, sizeof(done)) != static_cast<ssize_t>(sizeof(done))) _exit(4);
  while (true) pause();
}

// Forks a writer starting at first_batch, kills it after `delay`, and
// returns the batches it acknowledged; *finished tells whether it had stopped
// writing before the kill. Fails the test if the child died on its own.
std::set<uint64_t> RunAndKill(const std::string& dbname, uint64_t first_batch,
                              std::chrono::milliseconds delay, bool* finished) {
  *finished = false;
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    RunWriter(dbname, first_batch, fds[1]);
  }
  EXPECT_GT(pid, 0);
  close(fds[1]);
  std::set<uint64_t> acknowledged;
  if (pid < 0) {
    close(fds[0]);
    return acknowledged;
  }
  std::this_thread::sleep_for(delay);
  kill(pid, SIGKILL);
  int status = 0;
  EXPECT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the writer died on its own, exit status "
      << (WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  // The child is gone, so this reads to the end of what it wrote.
  uint64_t batch;
  while (read(fds[0], &batch, sizeof(batch)) == static_cast<ssize_t>(sizeof(batch))) {
    if (batch == kDoneMarker) {
      *finished = true;
    } else {
      acknowledged.insert(batch);
    }
  }
  close(fds[0]);
  return acknowledged;
}

// Reads the database from batch `from` on: for each batch present, how many
// of its keys carry their right value. Counts keys that are not batch keys,
// or carry a wrong value, in *bad.
std::map<uint64_t, int> PresentBatches(DB* db, uint64_t from, int* bad) {
  std::map<uint64_t, int> batches;
  *bad = 0;
  std::unique_ptr<Iterator> it = db->NewIterator();
  for (it->Seek(BatchKey(from, 0)); it->Valid(); it->Next()) {
    unsigned long long batch;
    int i;
    std::string key(it->key());
    if (std::sscanf(key.c_str(), "b%12llu-%2d", &batch, &i) != 2 || BatchKey(batch, i) != key ||
        i >= kKeysPerBatch) {
      ADD_FAILURE() << "unexpected key " << key;
      ++*bad;
      continue;
    }
    if (it->value() != BatchValue(batch, i)) {
      ADD_FAILURE() << "wrong value for " << key;
      ++*bad;
      continue;
    }
    batches[batch]++;
  }
  EXPECT_TRUE(it->status().ok()) << it->status().ToString();
  return batches;
}

TEST(DBFlushCrashTest, KillDuringFlushesLosesNoAcknowledgedBatch) {
  TempDir dir;
  const std::string dbname = dir.Child("db");
  std::mt19937_64 rng(std::random_device{}());
  const uint64_t seed = rng();
  rng.seed(seed);
  SCOPED_TRACE("seed " + std::to_string(seed));

  // Batches 1 .. next_batch - 1 were present after the previous round.
  uint64_t next_batch = 1;
  uint64_t total_present = 0;
  uint64_t total_acknowledged = 0;
  int killed_mid_write = 0;
  for (int round = 0; round < kRounds && !HasFailure(); round++) {
    SCOPED_TRACE("round " + std::to_string(round));
    const auto delay = std::chrono::milliseconds(5 + rng() % 296);
    const uint64_t first = next_batch;
    bool finished;
    std::set<uint64_t> acknowledged = RunAndKill(dbname, first, delay, &finished);
    total_acknowledged += acknowledged.size();
    if (!finished) killed_mid_write++;

    Options options = CrashOptions();
    options.paranoid_checks = true;  // a torn WAL tail is still no error
    std::unique_ptr<DB> db;
    Status s = DB::Open(options, dbname, &db);
    ASSERT_TRUE(s.ok()) << "reopen after the kill: " << s.ToString();
    EXPECT_EQ(IntProperty(db.get(), "strata.wal-corrupted-records"), 0u);

    // This round's batches in full; earlier rounds' in full at the last
    // round, so the checking stays linear in the data.
    const bool last_round = round == kRounds - 1;
    int bad = 0;
    std::map<uint64_t, int> present = PresentBatches(db.get(), last_round ? 0 : first, &bad);
    EXPECT_EQ(bad, 0);
    // No batch in part.
    for (auto [batch, keys] : present) {
      EXPECT_EQ(keys, kKeysPerBatch) << "batch " << batch << " is partly present";
    }
    // Every acknowledged batch.
    for (uint64_t batch : acknowledged) {
      EXPECT_EQ(present.count(batch), 1u) << "acknowledged batch " << batch << " is lost";
    }
    // This round's batches form a prefix of those written: nothing after a
    // lost batch survived.
    uint64_t last = first - 1;
    while (present.count(last + 1) != 0) last++;
    for (auto [batch, keys] : present) {
      EXPECT_TRUE(batch <= last) << "batch " << batch << " present after missing batch "
                                 << last + 1;
    }
    // Batches the child wrote but could not report are present too; the next
    // round continues after the last present one, so numbers never repeat.
    if (!acknowledged.empty()) {
      EXPECT_GE(last, *acknowledged.rbegin());
    }
    // Earlier rounds' batches are all still there: spot checks each round,
    // and the last round's scan covered every batch.
    if (!last_round) {
      for (uint64_t batch = 1; batch < first; batch += 97) {
        EXPECT_EQ(test::GetValue(db.get(), BatchKey(batch, kKeysPerBatch - 1)),
                  BatchValue(batch, kKeysPerBatch - 1))
            << "batch " << batch << " vanished after a later crash";
      }
    }
    total_present = last;
    next_batch = last + 1;

    if (last_round) {
      EXPECT_EQ(present.size(), last) << "the batches present are not exactly 1.." << last;
      // Tables really were involved: the data reached level 0 and perhaps
      // moved deeper through compactions.
      uint64_t tables = 0;
      for (int level = 0; level < 7; level++) {
        tables += IntProperty(db.get(), "strata.num-files-at-level" + std::to_string(level));
      }
      EXPECT_GT(tables, 0u);
    }
  }
  // The kills did land while data was being written.
  EXPECT_GE(killed_mid_write, kRounds * 3 / 4);
  EXPECT_GT(total_acknowledged, 1000u);
  std::printf("%d of %d kills landed mid-write; %llu batches acknowledged, %llu present\n",
              killed_mid_write, kRounds, static_cast<unsigned long long>(total_acknowledged),
              static_cast<unsigned long long>(total_present));
}

}  // namespace
}  // namespace strata
