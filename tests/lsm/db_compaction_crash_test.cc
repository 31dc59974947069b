// Crashes during compaction: a forked child writes batches without pause
// with 64 KiB memtables and tables and a 256 KiB base level, so flushes and
// compactions run all the time, and reports each acknowledged batch number
// over a pipe; the parent SIGKILLs it at a random moment, reopens the
// database and checks that its contents are exactly those of batches
// 1..n, where n is the last acknowledged batch or the one after it (written
// but killed before it was reported). Batches overwrite and delete keys
// written by earlier ones, so a compaction that lost, resurrected or half
// applied anything would show. Rounds continue on one directory, each
// child carrying on from the batch the previous round ended with, so
// recovery meets the half-written outputs and MANIFEST edits of earlier
// kills.
//
// KillDuringCompactRange adds a child thread calling CompactRange (bounded
// and full) in a loop, so kills also land inside manual compactions.
//
// A SIGKILL loses nothing the process handed to the kernel: this tests the
// ordering of table writes, MANIFEST edits and file deletion, not power
// loss.

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "lsm/db_test_util.h"
#include "strata/db.h"
#include "test_util.h"

namespace strata {
namespace {

using test::TempDir;

using Model = std::map<std::string, std::string>;

constexpr int kSlots = 10000;
constexpr int kPutsPerBatch = 4;
// A child stops writing (and waits for its kill) after this many batches,
// which bounds the data, and so the time, of each round.
constexpr uint64_t kMaxBatchesPerRound = 8000;

Options CrashOptions() {
  Options options;
  options.write_buffer_size = 64 << 10;
  options.target_file_size = 64 << 10;
  options.max_bytes_for_level_base = 256 << 10;
  options.l0_compaction_trigger = 2;
  return options;
}

std::string SlotKey(uint64_t slot) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "slot%06llu", static_cast<unsigned long long>(slot));
  return buf;
}

// A 200-byte value naming its batch, with filler that compresses poorly.
std::string SlotValue(uint64_t batch, int j) {
  std::string v = "b" + std::to_string(batch) + "." + std::to_string(j) + ":";
  uint64_t x = batch * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(j) + 1;
  while (v.size() < 200) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 29;
    v.push_back(static_cast<char>('a' + x % 26));
  }
  return v;
}

// Batch n (n >= 1) puts the next kPutsPerBatch slots in a cycle over all of
// them, and every third batch also deletes a slot elsewhere.
struct Op {
  std::string key;
  bool put;
  std::string value;
};

std::vector<Op> BatchOps(uint64_t n) {
  std::vector<Op> ops;
  for (int j = 0; j < kPutsPerBatch; j++) {
    ops.push_back({SlotKey((n * kPutsPerBatch + j) % kSlots), true, SlotValue(n, j)});
  }
  if (n % 3 == 0) ops.push_back({SlotKey((n * 7919) % kSlots), false, ""});
  return ops;
}

void ApplyBatch(uint64_t n, Model* model) {
  for (Op& op : BatchOps(n)) {
    if (op.put) {
      (*model)[op.key] = std::move(op.value);
    } else {
      model->erase(op.key);
    }
  }
}

// The child: writes batches first, first + 1, ..., writing each number to
// fd once Write acknowledged it; with compact_loop, another thread calls
// CompactRange without pause. Never returns.
[[noreturn]] void ChildWriteLoop(const std::string& dbname, uint64_t first, bool compact_loop,
                                 int fd) {
  std::unique_ptr<DB> db;
  if (!DB::Open(CrashOptions(), dbname, &db).ok()) _exit(10);
  if (compact_loop) {
    std::thread([&db, first] {
      std::mt19937_64 rng(first);
      while (true) {
        Status s;
        if (rng() % 4 == 0) {
          s = db->CompactRange(nullptr, nullptr);
        } else {
          std::string begin = SlotKey(rng() % kSlots), end = SlotKey(rng() % kSlots);
          if (end < begin) std::swap(begin, end);
          std::string_view b = begin, e = end;
          s = db->CompactRange(&b, &e);
        }
        if (!s.ok()) _exit(13);
      }
    }).detach();
  }
  for (uint64_t n = first; n < first + kMaxBatchesPerRound; n++) {
    WriteBatch batch;
    for (const Op& op : BatchOps(n)) {
      if (op.put) {
        batch.Put(op.key, op.value);
      } else {
        batch.Delete(op.key);
      }
    }
    if (!db->Write(&batch).ok()) _exit(11);
    // 8 bytes: atomic on a pipe.
    if (write(fd, &n, sizeof(n)) != static_cast<ssize_t>(sizeof(n))) _exit(12);
  }
  while (true) pause();
}

// Reads batch numbers from fd into *last (each must follow the one
// before) until the pipe is empty for timeout_ms or closed. Returns false
// once it is closed.
bool DrainAcks(int fd, int timeout_ms, uint64_t* last) {
  while (true) {
    pollfd p{fd, POLLIN, 0};
    int ready = poll(&p, 1, timeout_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return true;
    uint64_t numbers[512];
    ssize_t n = read(fd, numbers, sizeof(numbers));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    EXPECT_EQ(n % static_cast<ssize_t>(sizeof(uint64_t)), 0) << "a torn batch number";
    for (ssize_t i = 0; i < n / static_cast<ssize_t>(sizeof(uint64_t)); i++) {
      EXPECT_EQ(numbers[i], *last + 1) << "batch numbers out of order";
      *last = numbers[i];
    }
    timeout_ms = 0;
  }
}

int FilesBelowLevel0(DB* db) {
  int files = 0;
  for (int level = 1; level <= 6; level++) {
    files += static_cast<int>(
        test::IntProperty(db, "strata.num-files-at-level" + std::to_string(level)));
  }
  return files;
}

// Checks that db holds exactly batches 1..n for n = acked or acked + 1,
// given *model = batches 1..(*applied), and advances both to n.
void CheckRecovered(DB* db, uint64_t acked, uint64_t* applied, Model* model) {
  ASSERT_GE(acked, *applied);
  while (*applied < acked) ApplyBatch(++*applied, model);
  Model actual = test::ScanAll(db);
  if (actual != *model) {
    Model one_more = *model;
    ApplyBatch(acked + 1, &one_more);
    ASSERT_EQ(test::ModelDiff(one_more, actual, 16), "")
        << "the database is neither batches 1.." << acked << " nor 1.." << acked + 1
        << "; against 1.." << acked << ":\n"
        << test::ModelDiff(*model, actual, 16);
    *model = std::move(one_more);
    ++*applied;
  }
  // Point reads agree with the scan, deleted slots included.
  for (uint64_t slot = 0; slot < kSlots; slot += 7) {
    auto it = model->find(SlotKey(slot));
    ASSERT_EQ(test::GetValue(db, SlotKey(slot)), it == model->end() ? "NOT_FOUND" : it->second)
        << SlotKey(slot);
  }
}

void RunCrashRounds(int rounds, bool compact_loop, uint64_t seed) {
  TempDir dir;
  const std::string dbname = dir.Child("db");
  std::mt19937_64 rng(seed);
  Model model;
  uint64_t applied = 0;  // model holds batches 1..applied
  int rounds_with_deeper_files = 0;

  for (int round = 0; round < rounds; round++) {
    SCOPED_TRACE("round " + std::to_string(round) + ", from batch " + std::to_string(applied + 1));
    int fds[2];
    ASSERT_EQ(pipe(fds), 0) << std::strerror(errno);
    pid_t pid = fork();
    ASSERT_GE(pid, 0) << std::strerror(errno);
    if (pid == 0) {
      close(fds[0]);
      ChildWriteLoop(dbname, applied + 1, compact_loop, fds[1]);
    }
    close(fds[1]);

    // Wait until the child has opened the database and written once, then
    // kill it a random moment later.
    uint64_t acked = applied;
    bool open = DrainAcks(fds[0], 20000, &acked);
    if (open) {
      auto kill_at = std::chrono::steady_clock::now() +
                     std::chrono::milliseconds(10 + static_cast<int>(rng() % 240));
      while (open && std::chrono::steady_clock::now() < kill_at) {
        open = DrainAcks(fds[0], 5, &acked);
      }
    }
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    // Killed, not exited: an exit means the child's Open, Write or
    // CompactRange failed.
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with code " << WEXITSTATUS(status);
    while (DrainAcks(fds[0], 1000, &acked)) {
    }
    close(fds[0]);
    ASSERT_GT(acked, applied) << "the child acknowledged nothing";

    std::unique_ptr<DB> db = test::OpenOrDie(CrashOptions(), dbname);
    ASSERT_NE(db, nullptr);
    CheckRecovered(db.get(), acked, &applied, &model);
    if (FilesBelowLevel0(db.get()) > 0) rounds_with_deeper_files++;
    if (::testing::Test::HasFatalFailure()) return;
  }

  // Compactions ran: only they put files below level 0.
  EXPECT_GE(rounds_with_deeper_files, rounds / 2);
  std::unique_ptr<DB> db = test::OpenOrDie(CrashOptions(), dbname);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(test::ModelDiff(model, test::ScanAll(db.get()), 16), "")
      << "after a final clean reopen";
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  EXPECT_EQ(test::ModelDiff(model, test::ScanAll(db.get()), 16), "") << "after a full compaction";
}

TEST(DBCompactionCrashTest, KillDuringBackgroundCompactions) {
  RunCrashRounds(15, /*compact_loop=*/false, 1);
}

TEST(DBCompactionCrashTest, KillDuringCompactRange) {
  RunCrashRounds(12, /*compact_loop=*/true, 2);
}

}  // namespace
}  // namespace strata
