// The kill -9 loop around checkpoints (checkpoint_crash_loop.h), many rounds:
// label "stress", left out of the normal run.

#include "lsm/checkpoint_crash_loop.h"

namespace strata {
namespace {

TEST(DBCheckpointStressTest, KillDuringCheckpoints) { test::RunCheckpointCrashRounds(60, 12); }

}  // namespace
}  // namespace strata
