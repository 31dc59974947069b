// Tests for SkipList (memtable/skiplist.h), single-threaded: insert, Contains
// and iteration in both directions checked against std::set.

#include "memtable/skiplist.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "util/arena.h"
#include "util/invariants.h"
#include "util/random.h"

namespace strata {
namespace {

struct U64Comparator {
  int operator()(uint64_t a, uint64_t b) const { return a < b ? -1 : (a > b ? 1 : 0); }
};
using U64SkipList = SkipList<uint64_t, U64Comparator>;

// A forward walk of iter yields exactly model's keys, in order.
void ExpectForwardScan(U64SkipList::Iterator* iter, const std::set<uint64_t>& model) {
  iter->SeekToFirst();
  for (uint64_t expected : model) {
    ASSERT_TRUE(iter->Valid());
    ASSERT_EQ(expected, iter->key());
    iter->Next();
  }
  EXPECT_FALSE(iter->Valid());
}

// A backward walk of iter from the end yields exactly model's keys, in
// reverse order.
void ExpectBackwardScan(U64SkipList::Iterator* iter, const std::set<uint64_t>& model) {
  iter->SeekToLast();
  for (auto it = model.rbegin(); it != model.rend(); ++it) {
    ASSERT_TRUE(iter->Valid());
    ASSERT_EQ(*it, iter->key());
    iter->Prev();
  }
  EXPECT_FALSE(iter->Valid());
}

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
  ASSERT_NO_FATAL_FAILURE(ExpectForwardScan(&iter, model));

  ASSERT_NO_FATAL_FAILURE(ExpectBackwardScan(&iter, model));

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

// Scanner: a whole forward pass yields every key in order, for lists from
// empty to many windows (a window is kScanStretches stretches of about 64
// nodes), keys inserted in random order so that the stretches' lengths
// vary.
TEST(SkipListTest, ScannerYieldsEveryKeyInOrder) {
  for (size_t n : {0, 1, 2, 63, 64, 65, 500, 2048, 5000, 100000}) {
    Arena arena;
    U64SkipList list(U64Comparator(), &arena);
    std::vector<uint64_t> keys(n);
    for (size_t i = 0; i < n; i++) keys[i] = 3 * i + 7;
    Random rnd(static_cast<uint32_t>(n) + 11);
    for (size_t i = n; i > 1; i--) std::swap(keys[i - 1], keys[rnd.Uniform(i)]);
    for (uint64_t key : keys) list.Insert(key);

    U64SkipList::Scanner scanner(&list);
    EXPECT_FALSE(scanner.Valid());
    for (int pass = 0; pass < 2; pass++) {  // SeekToFirst starts over
      scanner.SeekToFirst();
      for (size_t i = 0; i < n; i++) {
        ASSERT_TRUE(scanner.Valid()) << "n " << n << " at " << i;
        ASSERT_EQ(3 * i + 7, scanner.key()) << "n " << n;
        scanner.Next();
      }
      EXPECT_FALSE(scanner.Valid()) << "n " << n;
    }
  }
}

// Splices: four "hot keys" whose successive versions each sort right before
// the previous one (as a memtable's newer versions of a user key do), each
// inserted through its own splice, interleaved with random keys (some
// landing at a splice's place, which must make it fall back to a search)
// and with inserts that move a splice to an unrelated place.
TEST(SkipListTest, SpliceInsertsMatchStdSet) {
  Random rnd(77);
  Arena arena;
  U64SkipList list(U64Comparator(), &arena);
  std::set<uint64_t> model;
  constexpr int kHot = 4;
  constexpr uint64_t kSpan = 1000000;
  U64SkipList::Splice splices[kHot];
  uint64_t next_version[kHot];
  for (int h = 0; h < kHot; h++) next_version[h] = (h + 1) * kSpan - 1;
  for (int i = 0; i < 40000; i++) {
    int op = static_cast<int>(rnd.Uniform(10));
    if (op < 5) {
      int h = static_cast<int>(rnd.Uniform(kHot));
      uint64_t key = next_version[h]--;
      if (!model.insert(key).second) continue;  // a random key took it
      list.Insert(key, &splices[h]);
    } else if (op < 9) {
      uint64_t key = rnd.Uniform(kHot * kSpan);
      if (model.insert(key).second) list.Insert(key);
    } else {
      // Through a hot key's splice, a key somewhere else: the splice does
      // not hold for it; afterwards it holds for the key's own place.
      int h = static_cast<int>(rnd.Uniform(kHot));
      uint64_t key = rnd.Uniform(kHot * kSpan);
      if (model.insert(key).second) list.Insert(key, &splices[h]);
    }
  }
  list.CheckInvariants();
  U64SkipList::Iterator iter(&list);
  ASSERT_NO_FATAL_FAILURE(ExpectForwardScan(&iter, model));
  // Upper levels: every search must find every key and its neighbours.
  for (uint64_t key : model) {
    ASSERT_TRUE(list.Contains(key)) << key;
    ASSERT_FALSE(list.Contains(key + 1) && model.count(key + 1) == 0) << key + 1;
    iter.Seek(key);
    ASSERT_TRUE(iter.Valid());
    ASSERT_EQ(key, iter.key());
    iter.Prev();
    auto before = model.find(key);
    if (before == model.begin()) {
      ASSERT_FALSE(iter.Valid());
    } else {
      ASSERT_TRUE(iter.Valid());
      ASSERT_EQ(*std::prev(before), iter.key());
    }
  }
}

// InsertBatch: batches of 1 to 16 keys, drawn so that some keys of a batch
// share a gap of the list (consecutive runs, a cluster) and some raise the
// list's height, mixed with single inserts; the list must match a std::set
// at every level and both ways.
TEST(SkipListTest, BatchInsertsMatchStdSet) {
  Random rnd(4242);
  Arena arena;
  U64SkipList list(U64Comparator(), &arena);
  std::set<uint64_t> model;
  // Sequences in gaps of their own (InsertBatch searches for a batch's ends
  // only after a batch that fell in one gap): keys counting up from 3M, as
  // fillseq writes, and down from 2M, as a list's LPUSHes do.
  uint64_t up = 3000000, down = 2000000;
  for (int round = 0; round < 4000; round++) {
    U64SkipList::Unlinked nodes[U64SkipList::kMaxBatch];
    std::set<uint64_t> batch;
    const size_t n = 1 + rnd.Uniform(U64SkipList::kMaxBatch);
    // Sequences come several batches in a row, then other shapes.
    const int shape = round % 16 < 6 ? 3 + round % 2 : static_cast<int>(rnd.Uniform(3));
    const uint64_t base = rnd.Uniform(1000000);
    for (size_t k = 0; k < n; k++) {
      uint64_t key = shape == 0   ? rnd.Uniform(1000000)             // anywhere
                     : shape == 1 ? base + k * (1 + rnd.Uniform(3))  // a run
                     : shape == 2 ? base + rnd.Uniform(64)           // a cluster
                     : shape == 3 ? up++                             // a sequence
                                  : down--;                          // one backwards
      if (model.count(key) == 0) batch.insert(key);
    }
    size_t m = 0;
    // Shuffled, in order or in reverse, as batches come: InsertBatch sorts
    // (or reverses) them.
    std::vector<uint64_t> keys(batch.begin(), batch.end());
    const int order = static_cast<int>(rnd.Uniform(3));
    if (order == 0) {
      for (size_t k = keys.size(); k > 1; k--) std::swap(keys[k - 1], keys[rnd.Uniform(k)]);
    } else if (order == 1) {
      std::reverse(keys.begin(), keys.end());
    }
    for (uint64_t key : keys) nodes[m++] = list.Prepare(key);
    list.InsertBatch(nodes, m);
    model.insert(keys.begin(), keys.end());
    if (rnd.OneIn(4)) {
      uint64_t key = rnd.Uniform(1000000);
      if (model.insert(key).second) list.Insert(key);
    }
  }
  list.CheckInvariants();
  U64SkipList::Iterator iter(&list);
  ASSERT_NO_FATAL_FAILURE(ExpectForwardScan(&iter, model));
  ASSERT_NO_FATAL_FAILURE(ExpectBackwardScan(&iter, model));
  for (uint64_t key : model) {
    ASSERT_TRUE(list.Contains(key)) << key;
    if (model.count(key + 1) == 0) {
      ASSERT_FALSE(list.Contains(key + 1)) << key + 1;
    }
  }
}

struct CountingComparator {
  int* count;
  int operator()(uint64_t a, uint64_t b) const {
    ++*count;
    return a < b ? -1 : (a > b ? 1 : 0);
  }
};

// A batch in key order, or in reverse, is not sorted: checking takes n - 1
// comparisons, where std::sort took some 5n. The same keys shuffled are.
TEST(SkipListTest, BatchInOrderOrReverseIsNotSorted) {
  auto compares_to_insert = [](std::vector<uint64_t> keys) {
    int compares = 0;
    Arena arena;
    SkipList<uint64_t, CountingComparator> list(CountingComparator{&compares}, &arena);
    using List = SkipList<uint64_t, CountingComparator>;
    List::Unlinked nodes[List::kMaxBatch];
    for (size_t k = 0; k < keys.size(); k++) nodes[k] = list.Prepare(keys[k]);
    compares = 0;
    list.InsertBatch(nodes, keys.size());
    std::sort(keys.begin(), keys.end());
    List::Iterator iter(&list);
    iter.SeekToFirst();
    for (uint64_t key : keys) {
      EXPECT_TRUE(iter.Valid() && iter.key() == key) << key;
      iter.Next();
    }
    EXPECT_FALSE(iter.Valid());
    return compares;
  };
  std::vector<uint64_t> up;
  for (uint64_t k = 0; k < 64; k++) up.push_back(1000 + 3 * k);
  std::vector<uint64_t> down(up.rbegin(), up.rend());
  std::vector<uint64_t> shuffled = up;
  Random rnd(77);
  for (size_t k = shuffled.size(); k > 1; k--) std::swap(shuffled[k - 1], shuffled[rnd.Uniform(k)]);
  const int in_order = compares_to_insert(up);
  const int reversed = compares_to_insert(down);
  const int sorted = compares_to_insert(shuffled);
  // Linking costs the three about n comparisons each; sorting the shuffled
  // batch some 7n more. Before the checks, sorting the ordered batches cost
  // 4-5n too (370 and 337 comparisons in all, against 547).
  EXPECT_LE(in_order + 300, sorted) << in_order << " " << sorted;
  EXPECT_LE(reversed + 300, sorted) << reversed << " " << sorted;
}

TEST(SkipListTest, AHoldingSpliceInsertsWithTwoComparisons) {
  int compares = 0;
  Arena arena;
  SkipList<uint64_t, CountingComparator> list(CountingComparator{&compares}, &arena);
  Random rnd(5);
  std::set<uint64_t> random_keys;  // even, distinct (Insert requires it)
  while (random_keys.size() < 20000) random_keys.insert(2 * (rnd.Uniform(1000000) + 1000000));
  for (uint64_t key : random_keys) list.Insert(key);
  SkipList<uint64_t, CountingComparator>::Splice splice;
  uint64_t version = 2999999;  // odd: never a random key
  compares = 0;
  list.Insert(version--, &splice);  // a search
  const int search = compares;
  EXPECT_GT(search, 10);
  for (int i = 0; i < 100; i++) {
    compares = 0;
    list.Insert(version--, &splice);
    // Two, plus the invariant checks' two a level in invariant builds.
    ASSERT_LE(compares, 2 + (kInvariantChecks ? 2 * 12 : 0)) << i;
  }
  // A key inserted at the splice's place (right before its node): the next
  // insert through the splice searches again, and lands right.
  const uint64_t intruder = version--;
  list.Insert(intruder);
  compares = 0;
  list.Insert(version, &splice);
  EXPECT_GT(compares, 2);
  list.CheckInvariants();
  EXPECT_TRUE(list.Contains(intruder));
  EXPECT_TRUE(list.Contains(version));
  SkipList<uint64_t, CountingComparator>::Iterator iter(&list);
  iter.Seek(version);
  ASSERT_TRUE(iter.Valid());
  iter.Next();
  ASSERT_TRUE(iter.Valid());
  EXPECT_EQ(iter.key(), intruder);
}

TEST(SkipListTest, BatchesInOneGapSearchForTheirEndsOnly) {
  int compares = 0;
  Arena arena;
  using List = SkipList<uint64_t, CountingComparator>;
  List list(CountingComparator{&compares}, &arena);
  Random rnd(7);
  std::set<uint64_t> random_keys;
  // Random keys in [2M, 3M) and [4M, 5M); batches counting down from 3.5M
  // between them, as a list's LPUSHes write its elements. The first batch
  // searches for every key; after it, a batch in one gap searches for its
  // first and last keys only.
  auto random_key = [&] { return rnd.Uniform(1000000) + (rnd.OneIn(2) ? 2000000 : 4000000); };
  while (random_keys.size() < 20000) random_keys.insert(random_key());
  for (uint64_t key : random_keys) list.Insert(key);
  const uint64_t start = 3500000;
  uint64_t next = start;
  auto insert_batch = [&] {
    List::Unlinked nodes[List::kMaxBatch];
    for (size_t k = 0; k < List::kMaxBatch; k++) nodes[k] = list.Prepare(next--);
    compares = 0;
    list.InsertBatch(nodes, List::kMaxBatch);
    return compares;
  };
  const int first = insert_batch();
  for (int i = 0; i < 10; i++) {
    const int later = insert_batch();
    EXPECT_LT(later, first / 2) << i;
  }
  // Then a batch across the random keys: searched for key by key, and right.
  List::Unlinked nodes[List::kMaxBatch];
  std::set<uint64_t> spread;
  while (spread.size() < List::kMaxBatch) {
    uint64_t key = random_key();
    if (random_keys.count(key) == 0) spread.insert(key);
  }
  size_t m = 0;
  for (uint64_t key : spread) nodes[m++] = list.Prepare(key);
  list.InsertBatch(nodes, m);
  list.CheckInvariants();
  for (uint64_t key : spread) EXPECT_TRUE(list.Contains(key)) << key;
  for (uint64_t key = next + 1; key <= start; key++) ASSERT_TRUE(list.Contains(key)) << key;
  List::Iterator iter(&list);
  iter.SeekToFirst();
  uint64_t count = 0, last = 0;
  for (; iter.Valid(); iter.Next(), count++) {
    if (count > 0) {
      ASSERT_LT(last, iter.key());
    }
    last = iter.key();
  }
  EXPECT_EQ(count, random_keys.size() + 11 * List::kMaxBatch + spread.size());
}

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

// Inline keys: NUL-terminated strings that InsertInline's fill writes into
// the node's own payload, after a 4-byte prefix that is not part of the key.
struct CStringComparator {
  int operator()(const char* a, const char* b) const {
    int r = std::strcmp(a, b);
    return r < 0 ? -1 : (r > 0 ? 1 : 0);
  }
};
using CStringSkipList = SkipList<const char*, CStringComparator>;

// Walks of iter in both directions yield exactly model's keys, in order.
void ExpectCStringScans(CStringSkipList::Iterator* iter, const std::set<std::string>& model) {
  iter->SeekToFirst();
  for (const std::string& expected : model) {
    ASSERT_TRUE(iter->Valid());
    ASSERT_STREQ(expected.c_str(), iter->key());
    iter->Next();
  }
  EXPECT_FALSE(iter->Valid());
  iter->SeekToLast();
  for (auto it = model.rbegin(); it != model.rend(); ++it) {
    ASSERT_TRUE(iter->Valid());
    ASSERT_STREQ(it->c_str(), iter->key());
    iter->Prev();
  }
  EXPECT_FALSE(iter->Valid());
}

TEST(SkipListTest, InlineKeysLiveInTheirNodesAndMatchStdSet) {
  Random rnd(301);
  Arena arena;
  CStringSkipList list(CStringComparator(), &arena);
  std::set<std::string> model;
  CStringSkipList::Splice hot;  // holds for the descending "hot" keys
  constexpr size_t kPrefix = 4;
  const char* last_end = nullptr;
  int adjacent = 0;
  int inserted_count = 0;
  for (int i = 0; i < 5000; i++) {
    std::string key = i % 2 == 0 ? "hot" + std::to_string(999999 - i)
                                 : "key" + std::to_string(rnd.Uniform(1000000));
    if (!model.insert(key).second) continue;
    char* payload = nullptr;
    CStringSkipList::Splice fresh;
    const char* inserted = list.InsertInline(
        kPrefix + key.size() + 1, kPrefix,
        [&](char* p) {
          payload = p;
          std::memset(p, 0xAB, kPrefix);
          std::memcpy(p + kPrefix, key.c_str(), key.size() + 1);
        },
        i % 2 == 0 ? &hot : &fresh);
    ASSERT_EQ(inserted, payload + kPrefix);
    ASSERT_EQ(reinterpret_cast<uintptr_t>(payload) % alignof(uint64_t), 0u);
    ASSERT_STREQ(inserted, key.c_str());
    // Between the last payload's end and this one lies only this node (a
    // key pointer and 1 to 12 next pointers, after alignment padding),
    // except where the arena started a new block.
    const ptrdiff_t gap = payload - last_end;
    if (last_end != nullptr && gap >= 16 && gap <= 13 * 8 + 7) adjacent++;
    last_end = payload + kPrefix + key.size() + 1;
    inserted_count++;
  }
  EXPECT_GE(adjacent, inserted_count * 9 / 10);
  list.CheckInvariants();
  CStringSkipList::Iterator iter(&list);
  iter.SeekToFirst();
  for (const std::string& expected : model) {
    ASSERT_TRUE(iter.Valid());
    ASSERT_STREQ(expected.c_str(), iter.key());
    iter.Next();
  }
  EXPECT_FALSE(iter.Valid());
  for (const std::string& key : model) ASSERT_TRUE(list.Contains(key.c_str())) << key;
  EXPECT_FALSE(list.Contains("key"));
}

// TryLinkBefore links a height-1 node right before a linked inline key's
// node when the new key sorts just below it, and refuses otherwise.
TEST(SkipListTest, TryLinkBeforePlacesANodeRightBeforeAnInlineKey) {
  Arena arena;
  CStringSkipList list(CStringComparator(), &arena);
  constexpr size_t kPrefix = 8;  // as the memtable's chain link
  auto prepare = [&](const std::string& key) {
    return list.PrepareInline(kPrefix + key.size() + 1, kPrefix, [&](char* p) {
      std::memset(p, 0xCD, kPrefix);
      std::memcpy(p + kPrefix, key.c_str(), key.size() + 1);
    });
  };
  // Existing keys "k<i>b", every height, linked in; their key pointers are
  // what an index would name.
  std::set<std::string> model;
  std::vector<const char*> existing;
  for (int i = 0; i < 4000; i++) {
    char key[16];
    std::snprintf(key, sizeof(key), "k%05db", i);
    CStringSkipList::Splice fresh;
    existing.push_back(list.InsertInline(
        kPrefix + std::strlen(key) + 1, kPrefix,
        [&](char* p) { std::memcpy(p + kPrefix, key, std::strlen(key) + 1); }, &fresh));
    model.insert(key);
  }
  // "k<i>a" sorts right before "k<i>b": linked there when of height 1.
  int linked = 0, refused = 0;
  std::vector<CStringSkipList::Unlinked> rest;
  for (int i = 0; i < 4000; i += 2) {
    char key[16];
    std::snprintf(key, sizeof(key), "k%05da", i);
    CStringSkipList::Unlinked node = prepare(key);
    if (list.TryLinkBefore(node, existing[i], kPrefix)) {
      linked++;
    } else {
      refused++;
      rest.push_back(node);
    }
    model.insert(key);
  }
  // About three in four nodes have height 1 (branching 4).
  EXPECT_GT(linked, 1300);
  EXPECT_GT(refused, 300);
  // The refused ones are taller: they go in through a batch.
  for (size_t begin = 0; begin < rest.size(); begin += CStringSkipList::kMaxBatch) {
    size_t n = std::min(rest.size() - begin, CStringSkipList::kMaxBatch);
    list.InsertBatch(rest.data() + begin, n);
  }
  // A key that does not sort right before the named node is refused, and
  // so is one before a node not yet linked in; both stay insertable.
  int wrong_place = 0;
  for (int i = 1; i < 4000 && wrong_place < 50; i += 2) {
    char key[16];
    std::snprintf(key, sizeof(key), "k%05dc", i);  // after "k<i>b", not before
    CStringSkipList::Unlinked node = prepare(key);
    EXPECT_FALSE(list.TryLinkBefore(node, existing[i], kPrefix)) << key;
    list.InsertBatch(&node, 1);
    model.insert(key);
    wrong_place++;
  }
  CStringSkipList::Unlinked pending = prepare("z1b");
  for (int attempt = 0; attempt < 20; attempt++) {
    CStringSkipList::Unlinked before = prepare("z1a" + std::to_string(attempt));
    EXPECT_FALSE(list.TryLinkBefore(before, pending.key(), kPrefix));
    CStringSkipList::Unlinked both[2] = {pending, before};
    if (attempt == 19) {
      list.InsertBatch(both, 2);
      model.insert("z1b");
    } else {
      list.InsertBatch(&both[1], 1);
    }
    model.insert("z1a" + std::to_string(attempt));
  }
  list.CheckInvariants();
  CStringSkipList::Iterator iter(&list);
  ExpectCStringScans(&iter, model);
}

TEST(SkipListTest, NodesPreparedWithHeightOneAllLinkBefore) {
  // The memtable prepares a tombstone of a key it holds with height 1, so
  // that TryLinkBefore takes every one, not three in four: all are linked,
  // and the list stays ordered and searchable at every level.
  Arena arena;
  CStringSkipList list(CStringComparator(), &arena);
  constexpr size_t kPrefix = 8;
  auto prepare = [&](const std::string& key, int height) {
    return list.PrepareInline(
        kPrefix + key.size() + 1, kPrefix,
        [&](char* p) {
          std::memset(p, 0xCD, kPrefix);
          std::memcpy(p + kPrefix, key.c_str(), key.size() + 1);
        },
        height);
  };
  std::set<std::string> model;
  std::vector<const char*> existing;
  for (int i = 0; i < 4000; i++) {
    char key[16];
    std::snprintf(key, sizeof(key), "k%05db", i);
    CStringSkipList::Unlinked node = prepare(key, 0);
    list.InsertBatch(&node, 1);
    existing.push_back(node.key());
    model.insert(key);
  }
  int taller = 0;
  for (int i = 0; i < 4000; i++) {
    char key[16];
    std::snprintf(key, sizeof(key), "k%05da", i);
    CStringSkipList::Unlinked node = prepare(key, 1);
    ASSERT_EQ(node.height(), 1);
    ASSERT_TRUE(list.TryLinkBefore(node, existing[i], kPrefix)) << key;
    model.insert(key);
    taller += prepare("unused", 0).height() > 1 ? 1 : 0;  // the draw still varies
  }
  EXPECT_GT(taller, 500);
  list.CheckInvariants();
  for (const std::string& key : model) ASSERT_TRUE(list.Contains(key.c_str())) << key;
  CStringSkipList::Iterator iter(&list);
  ExpectCStringScans(&iter, model);
}

TEST(SkipListTest, SeekToInlineKeyFindsLinkedNodesOfEveryHeightOnly) {
  // The memtable positions an iterator on the entry its hash index names:
  // the node is found from its key whatever its height, and only a linked
  // node is taken (a pending one is not in the list yet).
  Arena arena;
  CStringSkipList list(CStringComparator(), &arena);
  constexpr size_t kPrefix = 8;
  auto prepare = [&](const std::string& key) {
    return list.PrepareInline(kPrefix + key.size() + 1, kPrefix, [&](char* p) {
      std::memset(p, 0xCD, kPrefix);
      std::memcpy(p + kPrefix, key.c_str(), key.size() + 1);
    });
  };
  std::vector<const char*> linked;
  std::set<int> heights;
  for (int i = 0; i < 3000; i++) {
    char key[16];
    std::snprintf(key, sizeof(key), "k%05d", i * 2);
    CStringSkipList::Unlinked node = prepare(key);
    heights.insert(node.height());
    list.InsertBatch(&node, 1);
    linked.push_back(node.key());
  }
  EXPECT_GE(heights.size(), 5u);  // nodes of several heights
  CStringSkipList::Iterator iter(&list);
  for (size_t i = 0; i < linked.size(); i++) {
    ASSERT_TRUE(iter.SeekToInlineKey(linked[i], kPrefix)) << i;
    ASSERT_EQ(iter.key(), linked[i]);
    iter.Next();  // the list goes on from there
    if (i + 1 < linked.size()) {
      ASSERT_TRUE(iter.Valid());
      ASSERT_EQ(iter.key(), linked[i + 1]);
    } else {
      ASSERT_FALSE(iter.Valid());
    }
  }
  // Prepared, not linked: refused, the iterator left where it was; once
  // linked, found. Among them the list's new first node (no back link).
  for (const char* key : {"a-first", "k00003", "k99999"}) {
    CStringSkipList::Unlinked node = prepare(key);
    iter.SeekToFirst();
    const char* first = iter.key();
    ASSERT_FALSE(iter.SeekToInlineKey(node.key(), kPrefix)) << key;
    ASSERT_TRUE(iter.Valid());
    EXPECT_EQ(iter.key(), first);
    list.InsertBatch(&node, 1);
    ASSERT_TRUE(iter.SeekToInlineKey(node.key(), kPrefix)) << key;
    EXPECT_STREQ(iter.key(), key);
  }
  list.CheckInvariants();
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
