// The kill -9 loop around checkpoints (checkpoint_crash_loop.h), short
// enough for every run; db_checkpoint_stress_test runs it longer.

#include "lsm/checkpoint_crash_loop.h"

namespace strata {
namespace {

TEST(DBCheckpointCrashTest, KillDuringCheckpoints) { test::RunCheckpointCrashRounds(6, 11); }

}  // namespace
}  // namespace strata
