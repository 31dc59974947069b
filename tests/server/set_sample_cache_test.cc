// SetSampleCache (set_sample_cache.h): an entry is used only for the exact
// set state it copies; Pop takes members out and the entry matches again
// only once Settle names the state written; the copy is built after
// size / kBuildRatio draws; the budget bounds what is held (least recently
// used evicted, a set over half the budget never copied); Sample draws
// distinct members when asked, each member as often as another.

#include "server/set_sample_cache.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace strata::server {
namespace {

using State = SetSampleCache::State;

std::vector<std::string> MembersOf(int n, const std::string& prefix = "m") {
  std::vector<std::string> v;
  for (int i = 0; i < n; i++) v.push_back(prefix + std::to_string(i));
  return v;
}

TEST(SetSampleCacheTest, BuildsAfterEnoughDraws) {
  SetSampleCache cache(1 << 20);
  const State s{7, 1280, 0};
  EXPECT_FALSE(cache.ShouldBuild("k", State{7, 256, 0}, 1000));  // small: read whole anyway
  for (int i = 0; i < 9; i++) EXPECT_FALSE(cache.ShouldBuild("k", s, 1)) << i;
  EXPECT_TRUE(cache.ShouldBuild("k", s, 1));  // the 10th: 10 * 128 >= 1280
  cache.Install("k", s, MembersOf(1280));
  // Installing starts the count again.
  EXPECT_FALSE(cache.ShouldBuild("k", s, 9));
  EXPECT_TRUE(cache.ShouldBuild("k", s, 1));
}

TEST(SetSampleCacheTest, UsedOnlyForTheStateItCopies) {
  SetSampleCache cache(1 << 20);
  const State s{7, 300, 2};
  cache.Install("k", s, MembersOf(300));
  std::vector<std::string> out;
  for (const State& other : {State{8, 300, 2}, State{7, 301, 2}, State{7, 300, 3}}) {
    EXPECT_FALSE(cache.Pop("k", other, 1, &out));
    EXPECT_FALSE(cache.Sample("k", other, 1, false, &out));
  }
  EXPECT_FALSE(cache.Pop("other", s, 1, &out));
  EXPECT_FALSE(cache.Pop("k", s, 300, &out));  // not more than it holds, less one
  EXPECT_TRUE(cache.Sample("k", s, 5, false, &out));
  EXPECT_EQ(out.size(), 5u);
  // A pop leaves the entry matching nothing until Settle.
  ASSERT_TRUE(cache.Pop("k", s, 2, &out));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_NE(out[0], out[1]);
  std::vector<std::string> more;
  EXPECT_FALSE(cache.Pop("k", s, 1, &more));
  EXPECT_FALSE(cache.Sample("k", s, 1, false, &more));
  const State after{7, 298, 4};
  EXPECT_FALSE(cache.Sample("k", after, 1, false, &more));
  cache.Settle("k", after);
  // The popped members are gone from every later draw.
  ASSERT_TRUE(cache.Sample("k", after, 297, true, &more));
  std::set<std::string> drawn(more.begin(), more.end());
  EXPECT_EQ(drawn.size(), 297u);
  for (const std::string& m : out) EXPECT_EQ(drawn.count(m), 0u) << m;
  // A Settle whose size disagrees with the copy drops the copy.
  ASSERT_TRUE(cache.Pop("k", after, 1, &out));
  cache.Settle("k", State{7, 298, 5});
  EXPECT_FALSE(cache.Sample("k", State{7, 298, 5}, 1, false, &more));
  EXPECT_FALSE(cache.Sample("k", State{7, 297, 5}, 1, false, &more));
  // Drop forgets it.
  cache.Install("k", s, MembersOf(300));
  cache.Drop("k");
  EXPECT_FALSE(cache.Sample("k", s, 1, false, &more));
  EXPECT_EQ(cache.charge(), 0u);
}

TEST(SetSampleCacheTest, InstallRefusesACopyThatDisagreesWithItsState) {
  SetSampleCache cache(1 << 20);
  cache.Install("k", State{1, 301, 0}, MembersOf(300));
  std::vector<std::string> out;
  EXPECT_FALSE(cache.Sample("k", State{1, 301, 0}, 1, false, &out));
  EXPECT_FALSE(cache.Sample("k", State{1, 300, 0}, 1, false, &out));
}

TEST(SetSampleCacheTest, BudgetEvictsLeastRecentlyUsedAndRefusesHugeSets) {
  // Each copy: 1000 members of 2-4 bytes + 8 each, 12,019 bytes charged;
  // four fit in 48 KiB, five do not.
  SetSampleCache cache(48 << 10);
  const State s{1, 1000, 0};
  std::vector<std::string> out;
  cache.Install("a", s, MembersOf(1000, "a"));
  cache.Install("b", s, MembersOf(1000, "b"));
  cache.Install("c", s, MembersOf(1000, "c"));
  EXPECT_TRUE(cache.Sample("a", s, 1, false, &out));  // a is now the most recent
  cache.Install("d", s, MembersOf(1000, "d"));
  cache.Install("e", s, MembersOf(1000, "e"));  // over 48 KiB: b goes first
  EXPECT_LE(cache.charge(), size_t{48} << 10);
  EXPECT_FALSE(cache.Sample("b", s, 1, false, &out));
  EXPECT_TRUE(cache.Sample("a", s, 1, false, &out));
  EXPECT_TRUE(cache.Sample("e", s, 1, false, &out));
  EXPECT_EQ(out[0][0], 'e');
  // Over half the budget: not copied, and nothing else is evicted for it.
  const size_t before = cache.charge();
  cache.Install("huge", State{1, 3000, 0}, MembersOf(3000, "huge"));
  EXPECT_FALSE(cache.Sample("huge", State{1, 3000, 0}, 1, false, &out));
  EXPECT_TRUE(cache.Sample("a", s, 1, false, &out));
  EXPECT_LE(cache.charge(), before + 256);
}

TEST(SetSampleCacheTest, NeverAsksToReadASetTooLargeToCopy) {
  // 64 KiB: half is 32 KiB, i.e. at most 4,096 members at 8 bytes each.
  SetSampleCache cache(64 << 10);
  // 5,000 members: 40,000 bytes of offsets alone; however many draws.
  EXPECT_FALSE(cache.ShouldBuild("k", State{1, 5000, 0}, 1'000'000));
  // 3,000 members of 8 bytes: 48 KB with their offsets, which only the
  // read finds out. Asked once, refused, then never asked again for a set
  // as large or larger ...
  const State s{2, 3000, 0};
  EXPECT_TRUE(cache.ShouldBuild("k", s, 3000));
  cache.Install("k", s, MembersOf(3000, "member_"));
  std::vector<std::string> out;
  EXPECT_FALSE(cache.Pop("k", s, 1, &out));
  EXPECT_FALSE(cache.ShouldBuild("k", s, 1'000'000));
  EXPECT_FALSE(cache.ShouldBuild("k", State{2, 3500, 0}, 1'000'000));
  // ... but again once it has shrunk below that.
  const State smaller{2, 1000, 2000};
  EXPECT_TRUE(cache.ShouldBuild("k", smaller, 1000));
  cache.Install("k", smaller, MembersOf(1000, "m"));
  EXPECT_TRUE(cache.Pop("k", smaller, 1, &out));
}

TEST(SetSampleCacheTest, DrawsAreUniform) {
  SetSampleCache cache(1 << 20);
  const State s{3, 500, 0};
  cache.Install("k", s, MembersOf(500));
  std::vector<std::string> out;
  // With repetition: 100,000 draws of 500 members, chi-square (df 499,
  // sd ~32) well under 700.
  std::map<std::string, int> counts;
  ASSERT_TRUE(cache.Sample("k", s, 100000, false, &out));
  for (const std::string& m : out) counts[m]++;
  double chi = 0;
  for (const auto& [m, c] : counts) chi += (c - 200.0) * (c - 200.0) / 200.0;
  EXPECT_EQ(counts.size(), 500u);
  EXPECT_LT(chi, 700);
  // Distinct: 2000 samples of 10, each member in ~40 of them.
  counts.clear();
  for (int i = 0; i < 2000; i++) {
    ASSERT_TRUE(cache.Sample("k", s, 10, true, &out));
    ASSERT_EQ(std::set<std::string>(out.begin(), out.end()).size(), 10u);
    for (const std::string& m : out) counts[m]++;
  }
  chi = 0;
  for (const auto& [m, c] : counts) chi += (c - 40.0) * (c - 40.0) / 40.0;
  EXPECT_LT(chi, 700);
  // Pops: popping all but one of a small copy yields each member once.
  ASSERT_TRUE(cache.Pop("k", s, 499, &out));
  EXPECT_EQ(std::set<std::string>(out.begin(), out.end()).size(), 499u);
}

}  // namespace
}  // namespace strata::server
