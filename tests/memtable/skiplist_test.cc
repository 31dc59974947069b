// Tests for SkipList (memtable/skiplist.h), single-threaded: insert, Contains
// and iteration in both directions checked against std::set.

#include "memtable/skiplist.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>

#include "util/arena.h"
#include "util/random.h"

namespace strata {
namespace {

struct U64Comparator {
  int operator()(uint64_t a, uint64_t b) const { return a < b ? -1 : (a > b ? 1 : 0); }
};
using U64SkipList = SkipList<uint64_t, U64Comparator>;

TEST(SkipListTest, EmptyListHasNothing) {
  Arena arena;
  U64SkipList list(U64Comparator(), &arena);
  EXPECT_FALSE(list.Contains(10));

  U64SkipList::Iterator iter(&list);
  EXPECT_FALSE(iter.Valid());
  iter.SeekToFirst();
  EXPECT_FALSE(iter.Valid());
  iter.Seek(100);
  EXPECT_FALSE(iter.Valid());
  iter.SeekToLast();
  EXPECT_FALSE(iter.Valid());
}

TEST(SkipListTest, SingleKey) {
  Arena arena;
  U64SkipList list(U64Comparator(), &arena);
  list.Insert(7);
  EXPECT_TRUE(list.Contains(7));
  EXPECT_FALSE(list.Contains(6));
  EXPECT_FALSE(list.Contains(8));

  U64SkipList::Iterator iter(&list);
  iter.SeekToLast();
  ASSERT_TRUE(iter.Valid());
  EXPECT_EQ(7u, iter.key());
  iter.Prev();
  EXPECT_FALSE(iter.Valid());
  iter.Seek(0);
  ASSERT_TRUE(iter.Valid());
  EXPECT_EQ(7u, iter.key());
  iter.Next();
  EXPECT_FALSE(iter.Valid());
  iter.Seek(8);
  EXPECT_FALSE(iter.Valid());
}

class SkipListRandomTest : public ::testing::TestWithParam<int> {};

TEST_P(SkipListRandomTest, MatchesStdSet) {
  const int n = GetParam();
  const uint64_t kRange = 5000;
  Random rnd(301 + n);
  Arena arena;
  U64SkipList list(U64Comparator(), &arena);
  std::set<uint64_t> model;
  for (int i = 0; i < n; i++) {
    uint64_t key = rnd.Uniform(kRange);
    if (model.insert(key).second) list.Insert(key);
  }

  list.CheckInvariants();
  for (uint64_t k = 0; k < kRange; k++) {
    ASSERT_EQ(model.count(k) == 1, list.Contains(k)) << "key " << k;
  }

  U64SkipList::Iterator iter(&list);
  iter.SeekToFirst();
  for (uint64_t expected : model) {
    ASSERT_TRUE(iter.Valid());
    ASSERT_EQ(expected, iter.key());
    iter.Next();
  }
  EXPECT_FALSE(iter.Valid());

  iter.SeekToLast();
  for (auto it = model.rbegin(); it != model.rend(); ++it) {
    ASSERT_TRUE(iter.Valid());
    ASSERT_EQ(*it, iter.key());
    iter.Prev();
  }
  EXPECT_FALSE(iter.Valid());

  // Seek lands on the first key >= target; walk a few steps either way from
  // there and compare with the set.
  for (int i = 0; i < 500; i++) {
    uint64_t target = rnd.Uniform(kRange + 10);
    iter.Seek(target);
    auto model_iter = model.lower_bound(target);
    for (int step = 0; step < 3; step++) {
      if (model_iter == model.end()) {
        ASSERT_FALSE(iter.Valid()) << "target " << target;
        break;
      }
      ASSERT_TRUE(iter.Valid()) << "target " << target;
      ASSERT_EQ(*model_iter, iter.key());
      iter.Next();
      ++model_iter;
    }

    iter.Seek(target);
    model_iter = model.lower_bound(target);
    if (model_iter == model.end()) continue;
    for (int step = 0; step < 3; step++) {
      ASSERT_TRUE(iter.Valid());
      ASSERT_EQ(*model_iter, iter.key());
      iter.Prev();
      if (model_iter == model.begin()) {
        ASSERT_FALSE(iter.Valid());
        break;
      }
      --model_iter;
    }
  }
}

// Sizes from a handful of nodes (height 1 only, most likely) to enough for
// several levels.
INSTANTIATE_TEST_SUITE_P(Sizes, SkipListRandomTest, ::testing::Values(1, 10, 200, 2000, 20000));

TEST(SkipListTest, AscendingAndDescendingInsertOrders) {
  Arena arena;
  U64SkipList list(U64Comparator(), &arena);
  // Interleave appends at the end and inserts at the front.
  for (uint64_t i = 0; i < 1000; i++) {
    list.Insert(10000 + i);
    list.Insert(9999 - i);
  }
  list.CheckInvariants();
  U64SkipList::Iterator iter(&list);
  iter.SeekToFirst();
  for (uint64_t expected = 9000; expected < 11000; expected++) {
    ASSERT_TRUE(iter.Valid());
    ASSERT_EQ(expected, iter.key());
    iter.Next();
  }
  EXPECT_FALSE(iter.Valid());
}

// A comparator whose order a test can reverse after the inserts, so the
// list's links contradict it: what CheckInvariants exists to catch.
bool reverse_order = false;
struct FlippableComparator {
  int operator()(uint64_t a, uint64_t b) const {
    int r = a < b ? -1 : (a > b ? 1 : 0);
    return reverse_order ? -r : r;
  }
};

TEST(SkipListDeathTest, CheckInvariantsCatchesKeysOutOfOrder) {
  if (!kInvariantChecks) GTEST_SKIP() << "built without STRATA_INVARIANTS";
  Arena arena;
  SkipList<uint64_t, FlippableComparator> list(FlippableComparator(), &arena);
  for (uint64_t i = 0; i < 100; i++) list.Insert(i);
  list.CheckInvariants();
  reverse_order = true;
  EXPECT_DEATH(list.CheckInvariants(), "invariant failed");
  reverse_order = false;
}

TEST(SkipListTest, UsesTheArena) {
  Arena arena;
  U64SkipList list(U64Comparator(), &arena);
  size_t before = arena.MemoryUsage();
  for (uint64_t i = 0; i < 10000; i++) list.Insert(i);
  // Each node holds at least a key and one next pointer.
  EXPECT_GE(arena.MemoryUsage() - before, 10000 * 2 * sizeof(uint64_t));
}

}  // namespace
}  // namespace strata
