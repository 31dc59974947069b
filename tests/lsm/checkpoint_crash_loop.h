// The kill -9 loop around checkpoints, shared by db_checkpoint_crash_test
// (a few rounds, in every run) and db_checkpoint_stress_test (many rounds,
// label "stress").
//
// Each round forks a child that opens the database, starts a writer thread
// (keys "w<round>-<n>", n counting up), and in a loop: notes how many writer
// keys were acknowledged (A), writes "marker" = "<round>:<i>:<A>", then
// checkpoints into "c<round>-<i>". The parent SIGKILLs it at a random moment
// and checks that
//   1. every finished checkpoint (its directory exists) opens, holds
//      "marker" = its own "<round>:<i>:<A>" (the last write acknowledged
//      before the call, since the next marker is written only after the call
//      returns) and every writer key below A;
//   2. no leftover staging directory (".strata-checkpoint-tmp") opens as a
//      database;
//   3. the database itself reopens.
// A SIGKILL loses nothing handed to the kernel: this tests the atomicity of
// the rename and the pinning against concurrent compaction, not power loss
// (db_checkpoint_test covers that with FaultInjectionFileSystem).
//
// Header-only, since each test file is its own executable.

#ifndef STRATA_TESTS_LSM_CHECKPOINT_CRASH_LOOP_H_
#define STRATA_TESTS_LSM_CHECKPOINT_CRASH_LOOP_H_

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "lsm/db_test_util.h"
#include "strata/db.h"
#include "test_util.h"
#include "util/random.h"

namespace strata::test {

// The child stops checkpointing (and waits for its kill) after this many,
// which bounds the disk used by a round.
inline constexpr int kMaxCheckpointsPerRound = 40;
inline constexpr char kStagingSuffix[] = ".strata-checkpoint-tmp";

inline std::string WriterKey(int round, int n) {
  return "w" + std::to_string(round) + "-" + std::to_string(n);
}

inline std::string CheckpointName(int round, int i) {
  return "c" + std::to_string(round) + "-" + std::to_string(i);
}

[[noreturn]] inline void CheckpointChild(const TempDir& dir, int round) {
  std::unique_ptr<DB> db;
  if (!DB::Open(SmallBufferOptions(), dir.Child("db"), &db).ok()) _exit(10);
  std::atomic<int> acked{0};
  std::thread writer([&] {
    for (int n = 0;; n++) {
      if (!db->Put(WriterKey(round, n), std::string(64, 'w')).ok()) _exit(11);
      acked.store(n + 1);
    }
  });
  for (int i = 0; i < kMaxCheckpointsPerRound; i++) {
    const int a = acked.load();
    const std::string marker =
        std::to_string(round) + ":" + std::to_string(i) + ":" + std::to_string(a);
    if (!db->Put("marker", marker).ok()) _exit(12);
    if (!db->CreateCheckpoint(dir.Child(CheckpointName(round, i))).ok()) _exit(13);
  }
  while (true) pause();
}

// Checks the finished checkpoint c<round>-<i> at path.
inline void CheckFinishedCheckpoint(const std::string& path, int round, int i) {
  SCOPED_TRACE(path);
  Options options = SmallBufferOptions();
  options.create_if_missing = false;
  std::unique_ptr<DB> db;
  Status s = DB::Open(options, path, &db);
  ASSERT_TRUE(s.ok()) << "a finished checkpoint does not open: " << s.ToString();
  const std::string marker = GetValue(db.get(), "marker");
  const std::string prefix = std::to_string(round) + ":" + std::to_string(i) + ":";
  ASSERT_EQ(marker.compare(0, prefix.size(), prefix), 0) << "marker " << marker;
  const int acked = std::stoi(marker.substr(prefix.size()));
  // Every 97th writer key and the last one acknowledged before the call.
  for (int n = 0; n < acked; n += 97) {
    EXPECT_NE(GetValue(db.get(), WriterKey(round, n)), "NOT_FOUND") << n;
  }
  if (acked > 0) {
    EXPECT_NE(GetValue(db.get(), WriterKey(round, acked - 1)), "NOT_FOUND") << acked - 1;
  }
}

inline void RunCheckpointCrashRounds(int rounds, uint64_t seed) {
  TempDir dir;
  Random rnd(seed);
  int finished_total = 0;
  int leftover_staging = 0;
  for (int round = 0; round < rounds; round++) {
    SCOPED_TRACE("round " + std::to_string(round));
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) CheckpointChild(dir, round);
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + rnd.Uniform(300)));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with code " << WEXITSTATUS(status);

    for (int i = 0; i < kMaxCheckpointsPerRound; i++) {
      const std::string path = dir.Child(CheckpointName(round, i));
      if (DefaultFileSystem()->FileExists(path)) {
        CheckFinishedCheckpoint(path, round, i);
        finished_total++;
      }
      const std::string staging = path + kStagingSuffix;
      if (DefaultFileSystem()->FileExists(staging)) {
        leftover_staging++;
        Options options;
        options.create_if_missing = false;
        std::unique_ptr<DB> db;
        EXPECT_FALSE(DB::Open(options, staging, &db).ok()) << staging << " opens";
      }
    }
    std::unique_ptr<DB> db = OpenOrDie(SmallBufferOptions(), dir.Child("db"));
    ASSERT_NE(db, nullptr);
    if (::testing::Test::HasFailure()) return;
  }
  // Kills can all land before the first checkpoint; over the rounds, some
  // must have finished, or the test tested nothing.
  EXPECT_GT(finished_total, 0);
  std::printf("%d rounds: %d finished checkpoints checked, %d staging directories left by kills\n",
              rounds, finished_total, leftover_staging);
}

}  // namespace strata::test

#endif  // STRATA_TESTS_LSM_CHECKPOINT_CRASH_LOOP_H_
