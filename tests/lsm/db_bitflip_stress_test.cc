// Bit-flip sweeps (issue 7), exhaustive: flips every bit of a small table
// (under each compression), of a WAL spanning two blocks (with and without
// paranoid_checks), of a MANIFEST holding several edits, and of CURRENT.
// Each flip must be detected as Corruption or be harmless, never returned as
// data; bitflip_sweep.h says what each file kind may do. db_bitflip_test.cc
// runs a sample of the same flips in `make test`.

#include <gtest/gtest.h>

#include <cstdint>
#include <iostream>
#include <limits>

#include "lsm/bitflip_sweep.h"

namespace strata {
namespace {

using test::bitflip::Figures;

constexpr uint64_t kEveryBit = std::numeric_limits<uint64_t>::max();

void Report(const Figures& figures) {
  std::cout << figures.ToString() << std::endl;
  EXPECT_EQ(figures.flips, figures.file_bits);
  EXPECT_EQ(figures.failures, 0u);
}

class DBBitFlipTableStressTest : public ::testing::TestWithParam<CompressionType> {};

TEST_P(DBBitFlipTableStressTest, EveryBitOfATable) {
  Report(test::bitflip::SweepTable(GetParam(), 200, kEveryBit));
}

INSTANTIATE_TEST_SUITE_P(Compressions, DBBitFlipTableStressTest,
                         ::testing::Values(kNoCompression, kSnappyCompression, kLZ4Compression,
                                           kZstdCompression),
                         [](const auto& info) {
                           return std::string(CompressionTypeName(info.param));
                         });

// Each reopen replays the log and flushes it, so the sweep without
// paranoid_checks (which always reopens) runs as four tests.
constexpr int kWalShards = 4;

class DBBitFlipWalStressTest : public ::testing::TestWithParam<int> {};

TEST_P(DBBitFlipWalStressTest, EveryBitOfAWal) {
  Figures figures =
      test::bitflip::SweepWal(/*paranoid=*/false, 40, 40 << 10, kEveryBit, GetParam(), kWalShards);
  std::cout << figures.ToString() << std::endl;
  EXPECT_GE(figures.flips, figures.file_bits / kWalShards);
  EXPECT_EQ(figures.failures, 0u);
}

INSTANTIATE_TEST_SUITE_P(Shards, DBBitFlipWalStressTest, ::testing::Range(0, kWalShards));

TEST(DBBitFlipStressTest, EveryBitOfAWalParanoid) {
  Report(test::bitflip::SweepWal(/*paranoid=*/true, 40, 40 << 10, kEveryBit));
}

TEST(DBBitFlipStressTest, EveryBitOfTheManifest) {
  Report(test::bitflip::SweepManifest("", kEveryBit));
}

TEST(DBBitFlipStressTest, EveryBitOfCurrent) {
  Report(test::bitflip::SweepManifest("CURRENT", kEveryBit));
}

}  // namespace
}  // namespace strata
