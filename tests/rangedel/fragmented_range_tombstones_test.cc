// Tests of FragmentedRangeTombstones and RangeDelChecker: hand-made cases,
// then a randomized comparison with a naive model (every tombstone checked
// one by one).

#include "rangedel/fragmented_range_tombstones.h"

#include "memtable/memtable.h"
#include "test_comparators.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace strata {
namespace {

const InternalKeyComparator kCmp(BytewiseComparator());

std::string Render(const FragmentedRangeTombstones& list) {
  std::string out;
  for (const auto& f : list.fragments()) {
    out += "[" + f.begin + "," + f.end + "):";
    for (size_t i = 0; i < f.seqs.size(); i++) out += (i ? "," : "") + std::to_string(f.seqs[i]);
    out += " ";
  }
  return out;
}

TEST(FragmentedRangeTombstonesTest, Empty) {
  FragmentedRangeTombstones list(kCmp, {});
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(list.MaxCoveringSeq("a", kMaxSequenceNumber), 0u);
}

TEST(FragmentedRangeTombstonesTest, DropsEmptyRanges) {
  FragmentedRangeTombstones list(kCmp, {{"b", "b", 5}, {"c", "a", 6}});
  EXPECT_TRUE(list.empty());
}

TEST(FragmentedRangeTombstonesTest, OverlapsAreCut) {
  FragmentedRangeTombstones list(kCmp, {{"a", "e", 10}, {"c", "g", 20}, {"c", "d", 5}});
  EXPECT_EQ(Render(list), "[a,c):10 [c,d):20,10,5 [d,e):20,10 [e,g):20 ");
  EXPECT_EQ(list.MaxCoveringSeq("a", 100), 10u);
  EXPECT_EQ(list.MaxCoveringSeq("c", 100), 20u);
  EXPECT_EQ(list.MaxCoveringSeq("c", 19), 10u);
  EXPECT_EQ(list.MaxCoveringSeq("c", 9), 5u);
  EXPECT_EQ(list.MaxCoveringSeq("c", 4), 0u);
  EXPECT_EQ(list.MaxCoveringSeq("f", 100), 20u);
  EXPECT_EQ(list.MaxCoveringSeq("g", 100), 0u);  // end is exclusive
  EXPECT_EQ(list.MaxCoveringSeq("", 100), 0u);
}

TEST(FragmentedRangeTombstonesTest, GapsAndDuplicates) {
  FragmentedRangeTombstones list(kCmp, {{"a", "b", 3}, {"x", "z", 4}, {"a", "b", 3}});
  EXPECT_EQ(Render(list), "[a,b):3 [x,z):4 ");
  EXPECT_EQ(list.MaxCoveringSeq("m", 100), 0u);
  std::vector<RangeTombstone> back = list.ToTombstones();
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].begin, "x");
}

// A version is deleted for every reader when a covering tombstone is newer
// and no snapshot sees the version without it.
TEST(FragmentedRangeTombstonesTest, DeletesForEveryReaderUnlessASnapshotSeparates) {
  FragmentedRangeTombstones list(kCmp, {{"b", "f", 20}, {"d", "h", 40}});
  const std::vector<SequenceNumber> none;
  EXPECT_TRUE(list.DeletesForEveryReader("b", 10, none));
  EXPECT_TRUE(list.DeletesForEveryReader("e", 39, none));
  EXPECT_FALSE(list.DeletesForEveryReader("b", 20, none));  // not older than the tombstone
  EXPECT_FALSE(list.DeletesForEveryReader("b", 25, none));
  EXPECT_FALSE(list.DeletesForEveryReader("a", 1, none));  // not covered
  EXPECT_FALSE(list.DeletesForEveryReader("h", 1, none));  // end is exclusive
  EXPECT_TRUE(list.DeletesForEveryReader("g", 30, none));
  // A snapshot at 15 sees ("b", 10) but not the tombstone at 20.
  EXPECT_FALSE(list.DeletesForEveryReader("b", 10, {15}));
  EXPECT_FALSE(list.DeletesForEveryReader("b", 10, {10}));  // a snapshot at the version sees it
  EXPECT_TRUE(list.DeletesForEveryReader("b", 10, {20}));   // ... one at the tombstone sees both
  EXPECT_TRUE(list.DeletesForEveryReader("b", 10, {5, 25}));
  // In [d, f) the oldest newer tombstone (20) decides: a snapshot at 30
  // separates the version at 25 from the one at 40, not 10 from 20.
  EXPECT_TRUE(list.DeletesForEveryReader("e", 10, {30}));
  EXPECT_FALSE(list.DeletesForEveryReader("e", 25, {30}));
  EXPECT_TRUE(list.DeletesForEveryReader("e", 25, {10, 24}));
}

TEST(FragmentedRangeTombstonesTest, ReverseComparator) {
  // A comparator that orders keys backwards: "z" < "a".
  static const test::ReverseBytewiseComparator reverse;
  InternalKeyComparator cmp(&reverse);
  FragmentedRangeTombstones list(cmp, {{"z", "m", 7}, {"a", "m", 8}});
  EXPECT_EQ(Render(list), "[z,m):7 ");  // [a, m) is empty in this order
  EXPECT_EQ(list.MaxCoveringSeq("p", 100), 7u);
  EXPECT_EQ(list.MaxCoveringSeq("c", 100), 0u);
}

// The naive answer: scan every tombstone.
SequenceNumber Naive(const std::vector<RangeTombstone>& ts, const std::string& key,
                     SequenceNumber snapshot) {
  SequenceNumber best = 0;
  for (const auto& t : ts) {
    if (t.begin <= key && key < t.end && t.seq <= snapshot) best = std::max(best, t.seq);
  }
  return best;
}

TEST(FragmentedRangeTombstonesTest, RandomizedAgainstNaiveModel) {
  std::mt19937 rng(301);
  auto key = [&](int n) { return std::string(1, static_cast<char>('a' + rng() % n)); };
  for (int round = 0; round < 200; round++) {
    std::vector<RangeTombstone> ts;
    int count = 1 + static_cast<int>(rng() % 20);
    SequenceNumber seq = 1;
    for (int i = 0; i < count; i++) {
      std::string b = key(20), e = key(20);
      if (rng() % 4 == 0) b += key(3);
      ts.push_back({b, e, seq});
      seq += 1 + rng() % 3;
    }
    FragmentedRangeTombstones list(kCmp, ts);
    // Invariants 1 and 2.
    const auto& fs = list.fragments();
    for (size_t i = 0; i < fs.size(); i++) {
      ASSERT_LT(fs[i].begin, fs[i].end);
      ASSERT_FALSE(fs[i].seqs.empty());
      ASSERT_TRUE(std::is_sorted(fs[i].seqs.rbegin(), fs[i].seqs.rend()));
      if (i > 0) {
        ASSERT_LE(fs[i - 1].end, fs[i].begin);
      }
    }
    // The re-fragmented output deletes the same.
    FragmentedRangeTombstones again(kCmp, list.ToTombstones());
    RangeDelChecker checker(seq / 2 + 1);
    checker.AddList(std::make_shared<const FragmentedRangeTombstones>(kCmp, ts));
    for (int k = 0; k < 60; k++) {
      std::string probe = key(22);
      if (rng() % 3 == 0) probe += key(3);
      SequenceNumber snap = rng() % (seq + 2);
      ASSERT_EQ(list.MaxCoveringSeq(probe, snap), Naive(ts, probe, snap)) << probe << "@" << snap;
      ASSERT_EQ(again.MaxCoveringSeq(probe, snap), Naive(ts, probe, snap));
    }
    // The checker, probed in order (its cached intervals) and out of order.
    std::vector<std::string> probes;
    for (int k = 0; k < 40; k++) probes.push_back(key(22) + (rng() % 2 ? key(3) : ""));
    std::sort(probes.begin(), probes.end());
    for (const auto& p : probes) ASSERT_EQ(checker.MaxCoveringSeq(p), Naive(ts, p, seq / 2 + 1));
    std::shuffle(probes.begin(), probes.end(), rng);
    for (const auto& p : probes) ASSERT_EQ(checker.MaxCoveringSeq(p), Naive(ts, p, seq / 2 + 1));
  }
}

TEST(RangeDelCheckerTest, SeveralLists) {
  RangeDelChecker checker(100);
  EXPECT_TRUE(checker.empty());
  checker.AddList(nullptr);
  checker.AddList(
      std::make_shared<const FragmentedRangeTombstones>(kCmp, std::vector<RangeTombstone>{}));
  EXPECT_TRUE(checker.empty());
  checker.AddList(std::make_shared<const FragmentedRangeTombstones>(
      kCmp, std::vector<RangeTombstone>{{"a", "m", 50}}));
  checker.AddList(std::make_shared<const FragmentedRangeTombstones>(
      kCmp, std::vector<RangeTombstone>{{"k", "p", 60}, {"b", "c", 150}}));
  EXPECT_FALSE(checker.empty());
  EXPECT_TRUE(checker.ShouldDelete("b", 49));
  EXPECT_FALSE(checker.ShouldDelete("b", 50));  // not below the tombstone
  EXPECT_TRUE(checker.ShouldDelete("l", 55));   // the second list's
  EXPECT_FALSE(checker.ShouldDelete("p", 1));
  EXPECT_EQ(checker.MaxCoveringSeq("b"), 50u);  // 150 is above the snapshot
}

TEST(RangeDelCheckerTest, CoveredRunGoesOnAcrossFragmentsAndLists) {
  // Snapshot 100; no point version above 40.
  RangeDelChecker checker(100);
  checker.SetMaxPointSequence(40);
  // Overlaps cut [b, f) into [b,c) [c,d) [d,f); [f, g) has only seq 30,
  // not above the points; [g, h) then [h, j) from the other list.
  checker.AddList(std::make_shared<const FragmentedRangeTombstones>(
      kCmp, std::vector<RangeTombstone>{{"b", "d", 50}, {"c", "f", 60}, {"f", "g", 30}}));
  checker.AddList(std::make_shared<const FragmentedRangeTombstones>(
      kCmp, std::vector<RangeTombstone>{{"e", "f", 70}, {"g", "h", 45}, {"h", "j", 150}}));
  std::string_view end;
  ASSERT_TRUE(checker.CoveredRunEnd("b", &end));
  EXPECT_EQ(end, "f");  // every fragment up to f; [f, g) is below the points
  ASSERT_TRUE(checker.CoveredRunEnd("cc", &end));
  EXPECT_EQ(end, "f");
  EXPECT_FALSE(checker.CoveredRunEnd("f", &end));
  EXPECT_FALSE(checker.CoveredRunEnd("a", &end));
  ASSERT_TRUE(checker.CoveredRunEnd("g", &end));
  EXPECT_EQ(end, "h");  // seq 150 is above the snapshot
  // Across lists: [x, y) in one, [y, z) in the other.
  RangeDelChecker two(100);
  two.SetMaxPointSequence(10);
  two.AddList(std::make_shared<const FragmentedRangeTombstones>(
      kCmp, std::vector<RangeTombstone>{{"x", "y", 20}, {"yy", "z", 20}}));
  two.AddList(std::make_shared<const FragmentedRangeTombstones>(
      kCmp, std::vector<RangeTombstone>{{"y", "yy", 30}}));
  ASSERT_TRUE(two.CoveredRunEnd("x", &end));
  EXPECT_EQ(end, "z");
  // Points as new as the snapshot: nothing is skipped whole.
  RangeDelChecker none(100);
  none.AddList(std::make_shared<const FragmentedRangeTombstones>(
      kCmp, std::vector<RangeTombstone>{{"a", "z", 90}}));
  EXPECT_FALSE(none.CoveredRunEnd("b", &end));
}

TEST(RangeDelCheckerTest, APointSourceEndsOnlyTheRunThatReachesItsKeys) {
  // Writes after the tombstone, in a memtable: the bound covers the tables
  // (40), the memtable is a point source.
  MemTable mem(kCmp);
  mem.Add(60, kTypeValue, "f", "new");
  mem.Add(61, kTypeDeletion, "p", "");
  mem.Add(62, kTypeValue, "z", "past every tombstone");
  RangeDelChecker checker(100);
  checker.SetMaxPointSequence(40);
  checker.AddList(std::make_shared<const FragmentedRangeTombstones>(
      kCmp, std::vector<RangeTombstone>{{"b", "m", 50}, {"n", "q", 55}}));
  checker.AddPointSource(mem.NewIterator(), 62);
  std::string_view end;
  ASSERT_TRUE(checker.CoveredRunEnd("b", &end));
  EXPECT_EQ(end, "f");  // the source's key: it may be newer than the tombstone
  EXPECT_FALSE(checker.CoveredRunEnd("f", &end));  // the source holds f itself
  ASSERT_TRUE(checker.CoveredRunEnd("ff", &end));
  EXPECT_EQ(end, "m");  // the run after f goes on to the tombstone's end
  ASSERT_TRUE(checker.CoveredRunEnd("n", &end));
  EXPECT_EQ(end, "p");  // a deletion ends it too: the source's keys, whatever their type
  EXPECT_FALSE(checker.CoveredRunEnd("x", &end));  // no tombstone there
  // Without the sources: a run up to the tombstone's end, which only they
  // can cut short; no run where no tombstone is.
  using Answer = RangeDelChecker::RunAnswer;
  EXPECT_EQ(checker.CoveredRunEndWithoutSources("f", &end), Answer::kAskSources);
  EXPECT_EQ(end, "m");
  EXPECT_EQ(checker.CoveredRunEndWithoutSources("x", &end), Answer::kNoRun);

  // A source whose points are all below the tombstone (keys a DeleteRange
  // deleted before a flush): the run is skipped whole, past its keys.
  MemTable older(kCmp);
  older.Add(45, kTypeValue, "f", "deleted");
  RangeDelChecker below(100);
  below.SetMaxPointSequence(40);
  below.AddList(std::make_shared<const FragmentedRangeTombstones>(
      kCmp, std::vector<RangeTombstone>{{"b", "m", 50}}));
  below.AddPointSource(older.NewIterator(), 45);
  ASSERT_TRUE(below.CoveredRunEnd("b", &end));
  EXPECT_EQ(end, "m");
  end = {};
  EXPECT_EQ(below.CoveredRunEndWithoutSources("b", &end), RangeDelChecker::RunAnswer::kRun);
  EXPECT_EQ(end, "m");  // the sources are below the tombstone: nothing to ask
}

TEST(RangeDelCheckerTest, CoveredRunAgainstNaiveModel) {
  // Every probe key inside [key, end) must be deleted above the points, and
  // end itself not (the run is as long as it can be).
  std::mt19937 rng(17);
  auto key = [&](int n) { return std::string(1, static_cast<char>('a' + rng() % n)); };
  for (int round = 0; round < 200; round++) {
    std::vector<std::vector<RangeTombstone>> lists(1 + rng() % 3);
    SequenceNumber seq = 1;
    for (auto& ts : lists) {
      int count = static_cast<int>(rng() % 12);
      for (int i = 0; i < count; i++) {
        std::string b = key(16), e = key(16);
        if (rng() % 4 == 0) b += key(3);
        ts.push_back({b, e, seq});
        seq += 1 + rng() % 3;
      }
    }
    const SequenceNumber snapshot = rng() % (seq + 1), max_point = rng() % (seq + 1);
    RangeDelChecker checker(snapshot);
    checker.SetMaxPointSequence(max_point);
    std::vector<RangeTombstone> all;
    for (auto& ts : lists) {
      all.insert(all.end(), ts.begin(), ts.end());
      checker.AddList(std::make_shared<const FragmentedRangeTombstones>(kCmp, ts));
    }
    auto deleted_whole = [&](const std::string& k) {
      return max_point < snapshot && Naive(all, k, snapshot) > max_point;
    };
    std::vector<std::string> probes;
    for (char c = 'a'; c <= 'q'; c++) {
      probes.push_back(std::string(1, c));
      for (char d = 'a'; d <= 'c'; d++) probes.push_back(std::string(1, c) + d);
    }
    for (const auto& p : probes) {
      std::string_view end;
      bool found = checker.CoveredRunEnd(p, &end);
      ASSERT_EQ(found, deleted_whole(p)) << "round " << round << " key " << p;
      if (!found) continue;
      ASSERT_GT(end, p);
      for (const auto& q : probes) {
        if (q >= p && q < end) {
          ASSERT_TRUE(deleted_whole(q)) << p << " -> " << end << " at " << q;
        }
      }
      ASSERT_FALSE(deleted_whole(std::string(end))) << p << " -> " << end;
    }
  }
}

}  // namespace
}  // namespace strata
