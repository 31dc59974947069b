// Tests for NewMergingIterator (lsm/merging_iterator.h) through the Iterator
// interface, over vector-backed children: scripted moves (forward, backward,
// Seek, direction changes, empty children), a child's error stopping the
// merge, and random moves against a std::map of every child's entries.

#include "lsm/merging_iterator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lsm/iterator_test_util.h"
#include "test_comparators.h"
#include "util/invariants.h"
#include "util/random.h"

namespace strata {
namespace {

using test::InternalPosition;
using test::InternalTarget;
using test::NewVectorIterator;
using test::RunScript;

std::unique_ptr<Iterator> Merge(const std::vector<std::string>& children) {
  std::vector<std::unique_ptr<Iterator>> iters;
  for (const std::string& child : children) iters.push_back(NewVectorIterator(child));
  return NewMergingIterator(InternalKeyComparator(BytewiseComparator()), std::move(iters));
}

void RunMoves(Iterator* it, const std::string& script) {
  RunScript(it, script, InternalTarget, InternalPosition);
}

TEST(MergingIteratorTest, ThreeChildrenInBothDirections) {
  // A memtable-like child and two table-like ones; "b" has versions in all.
  auto it = Merge({"a.9=x b.8=new d.7:del", "b.5=mid c.4=c", "b.1=old d.2=d e.3=e"});
  RunMoves(it.get(), R"(
    first -> a.9=x
    next  -> b.8=new
    next  -> b.5=mid
    next  -> b.1=old
    next  -> c.4=c
    next  -> d.7:del
    next  -> d.2=d
    next  -> e.3=e
    next  -> (invalid)
    last  -> e.3=e
    prev  -> d.2=d
    prev  -> d.7:del
    prev  -> c.4=c
    prev  -> b.1=old
    prev  -> b.5=mid
    prev  -> b.8=new
    prev  -> a.9=x
    prev  -> (invalid)
  )");
  EXPECT_TRUE(it->status().ok());
}

TEST(MergingIteratorTest, SeekLandsOnFirstEntryAtOrAfterTarget) {
  auto it = Merge({"a.9=x b.8=new d.7:del", "b.5=mid c.4=c", "b.1=old d.2=d e.3=e"});
  RunMoves(it.get(), R"(
    # Newer sequence numbers sort first: b.6 lands on b.5.
    seek b.6   -> b.5=mid
    seek b.99  -> b.8=new
    seek b.0   -> c.4=c
    seek bb.50 -> c.4=c
    seek a.9   -> a.9=x
    seek 0.1   -> a.9=x
    seek e.3   -> e.3=e
    seek e.2   -> (invalid)
    seek z.1   -> (invalid)
  )");
}

TEST(MergingIteratorTest, DirectionChangesAnywhere) {
  // Each switch re-seeks the children that were behind the current one.
  auto it = Merge({"a.1=1 c.1=3 e.1=5", "b.1=2 d.1=4 f.1=6", ""});
  RunMoves(it.get(), R"(
    seek c.1 -> c.1=3
    prev     -> b.1=2
    next     -> c.1=3
    next     -> d.1=4
    prev     -> c.1=3
    prev     -> b.1=2
    prev     -> a.1=1
    next     -> b.1=2
    last     -> f.1=6
    prev     -> e.1=5
    next     -> f.1=6
    next     -> (invalid)
    first    -> a.1=1
    next     -> b.1=2
    prev     -> a.1=1
    prev     -> (invalid)
  )");
}

TEST(MergingIteratorTest, DirectionChangeWithOneKeyInSeveralChildren) {
  // Versions of one user key spread over children, moving back and forth
  // across them: each version exactly once per pass.
  auto it = Merge({"k.9=9 k.3=3", "k.7=7 k.1=1", "k.5=5"});
  RunMoves(it.get(), R"(
    seek k.7 -> k.7=7
    next     -> k.5=5
    prev     -> k.7=7
    prev     -> k.9=9
    next     -> k.7=7
    next     -> k.5=5
    next     -> k.3=3
    prev     -> k.5=5
    next     -> k.3=3
    next     -> k.1=1
    prev     -> k.3=3
  )");
}

// A child that moves like a skip list (each step back finds the last entry
// before its current key among the entries it holds at that moment) and
// gains one entry at its first step back, as a memtable does when a write
// lands between a reader's seek and its step back.
class GrowingIterator final : public Iterator {
 public:
  GrowingIterator(test::Entries entries, std::pair<std::string, std::string> written)
      : entries_(std::move(entries)), written_(std::move(written)) {}

  bool Valid() const override { return at_ < entries_.size(); }
  void SeekToFirst() override { at_ = entries_.empty() ? kNone : 0; }
  void SeekToLast() override { at_ = entries_.empty() ? kNone : entries_.size() - 1; }
  void Seek(std::string_view target) override {
    at_ = kNone;
    for (size_t i = 0; i < entries_.size(); i++) {
      if (!Less(entries_[i].first, target)) {
        at_ = i;
        break;
      }
    }
  }
  void Next() override { at_ = at_ + 1 < entries_.size() ? at_ + 1 : kNone; }
  void Prev() override {
    if (!written_.first.empty()) {  // the write lands; at_ keeps its key
      std::string current = entries_[at_].first;
      entries_.push_back(std::move(written_));
      written_ = {};
      std::sort(entries_.begin(), entries_.end(),
                [&](const auto& a, const auto& b) { return Less(a.first, b.first); });
      while (entries_[at_].first != current) at_++;
    }
    at_ = at_ == 0 ? kNone : at_ - 1;
  }
  std::string_view key() const override { return entries_[at_].first; }
  std::string_view value() const override { return entries_[at_].second; }
  Status status() const override { return Status::OK(); }

 private:
  static constexpr size_t kNone = static_cast<size_t>(-1);
  static bool Less(std::string_view a, std::string_view b) {
    return InternalKeyComparator(BytewiseComparator()).Compare(a, b) < 0;
  }
  test::Entries entries_;
  std::pair<std::string, std::string> written_;
  size_t at_ = kNone;
};

TEST(MergingIteratorTest, TurningAroundWhileAChildGainsAnEntryStaysInOrder) {
  // Forward at c.5 (from the first child); Prev turns around: the second
  // child seeks to c.5, landing on f.1, then d.9 is written, so its step
  // back lands on d.9, after c.5. The merge must still step to b.2, the
  // last entry before c.5, not to d.9.
  std::vector<std::unique_ptr<Iterator>> children;
  children.push_back(NewVectorIterator("a.1=a c.5=c e.1=e"));
  children.push_back(std::make_unique<GrowingIterator>(test::ParseEntries("b.2=b f.1=f"),
                                                       test::ParseEntry("d.9=d")));
  auto it = NewMergingIterator(InternalKeyComparator(BytewiseComparator()), std::move(children));
  RunMoves(it.get(), R"(
    first -> a.1=a
    next  -> b.2=b
    next  -> c.5=c
    prev  -> b.2=b
    prev  -> a.1=a
    prev  -> (invalid)
  )");
}

TEST(MergingIteratorTest, EmptyChildren) {
  auto none = Merge({});
  RunMoves(none.get(), R"(
    first    -> (invalid)
    last     -> (invalid)
    seek a.1 -> (invalid)
  )");
  auto all_empty = Merge({"", "", ""});
  RunMoves(all_empty.get(), R"(
    first    -> (invalid)
    last     -> (invalid)
    seek a.1 -> (invalid)
  )");
  EXPECT_TRUE(all_empty->status().ok());
  auto one_full = Merge({"", "a.1=1 b.1=2", ""});
  RunMoves(one_full.get(), R"(
    first -> a.1=1
    next  -> b.1=2
    next  -> (invalid)
    last  -> b.1=2
    prev  -> a.1=1
  )");
}

TEST(MergingIteratorTest, ChildErrorStopsTheMergeAndIsReported) {
  // The second child fails reading its second entry (c.1). Going on without
  // it could surface stale versions it hides, so the merge stops at once,
  // though the first child still holds a.1 onwards.
  std::vector<std::unique_ptr<Iterator>> children;
  children.push_back(NewVectorIterator("a.1=1 b.1=2 d.1=4 e.1=5"));
  children.push_back(NewVectorIterator("a.2=x c.1=3 f.1=6", 1));
  auto it = NewMergingIterator(InternalKeyComparator(BytewiseComparator()), std::move(children));
  RunMoves(it.get(), R"(
    first -> a.2=x
    next  -> (error: IO error: injected read error)
  )");
}

TEST(MergingIteratorTest, ChildErrorAfterADirectionChange) {
  std::vector<std::unique_ptr<Iterator>> children;
  children.push_back(NewVectorIterator("b.1=2 d.1=4"));
  children.push_back(NewVectorIterator("a.1=1 c.1=3 e.1=5", 0));  // a.1 unreadable
  auto it = NewMergingIterator(InternalKeyComparator(BytewiseComparator()), std::move(children));
  // Seek lands the failing child on c.1, readable; going back moves it
  // from c.1 onto a.1, which is not: the merge stops at the error rather
  // than return b.1 from the other child as if nothing were missing.
  RunMoves(it.get(), R"(
    seek c.1 -> c.1=3
    next     -> d.1=4
    prev     -> c.1=3
    prev     -> (error: IO error: injected read error)
  )");
}

TEST(MergingIteratorTest, ChildFailingAtSeekMakesTheMergeInvalid) {
  std::vector<std::unique_ptr<Iterator>> children;
  children.push_back(NewVectorIterator("a.1=1 b.1=2"));
  children.push_back(NewVectorIterator("a.2=x", 0));  // fails on its first entry
  auto it = NewMergingIterator(InternalKeyComparator(BytewiseComparator()), std::move(children));
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsIOError()) << it->status().ToString();
}

// Forwards every call to a child and counts its Seeks (and, given keys, its
// key() calls).
class SeekCountingIterator final : public Iterator {
 public:
  SeekCountingIterator(std::unique_ptr<Iterator> child, int* seeks, int* keys = nullptr)
      : child_(std::move(child)), seeks_(seeks), keys_(keys) {}
  bool Valid() const override { return child_->Valid(); }
  void SeekToFirst() override { child_->SeekToFirst(); }
  void SeekToLast() override { child_->SeekToLast(); }
  void Seek(std::string_view target) override {
    ++*seeks_;
    child_->Seek(target);
  }
  void Next() override { child_->Next(); }
  void Prev() override { child_->Prev(); }
  std::string_view key() const override {
    if (keys_ != nullptr) ++*keys_;
    return child_->key();
  }
  std::string_view value() const override { return child_->value(); }
  Status status() const override { return child_->status(); }

 private:
  std::unique_ptr<Iterator> child_;
  int* seeks_;
  int* keys_;
};

TEST(MergingIteratorTest, EachChildKeyIsReadOncePerMove) {
  // In a database a child's key() is a chain of virtual calls (level, table,
  // pinned block): the heap compares keys cached at each child's last move,
  // so a scan reads each child's key once per entry it yields, however many
  // comparisons its sift makes and however often the caller reads key().
  int seeks = 0, keys = 0;
  std::vector<std::unique_ptr<Iterator>> iters;
  std::vector<std::string> expected;
  for (int c = 0; c < 5; c++) {
    std::string entries;
    for (int i = 0; i < 10; i++) {
      const std::string user = std::string(1, static_cast<char>('a' + i)) + std::to_string(c);
      entries += (entries.empty() ? "" : " ") + user + ".9=v";
      expected.push_back(user);
    }
    iters.push_back(
        std::make_unique<SeekCountingIterator>(NewVectorIterator(entries), &seeks, &keys));
  }
  std::sort(expected.begin(), expected.end());
  auto it = NewMergingIterator(InternalKeyComparator(BytewiseComparator()), std::move(iters));
  std::vector<std::string> seen;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    seen.push_back(std::string(ExtractUserKey(it->key())));
    EXPECT_EQ(ExtractUserKey(it->key()), seen.back());  // a second read of the same key
  }
  EXPECT_EQ(seen, expected);
  // SeekToFirst reads each of the 5 children's keys once; each of the other
  // 49 entries was reached by one Next of one child. Uncached, the sifts
  // and the caller's reads made 438 calls here.
  EXPECT_LE(keys, 5 + 49);
  EXPECT_TRUE(it->status().ok());
}

TEST(MergingIteratorTest, ARunFromOneChildCostsOneComparisonPerMove) {
  // A scan mostly takes runs of entries from one source. While the top
  // child stays on top, the better of the root's two children is already
  // known, so each Next compares once (a plain sift compares twice); in
  // both directions.
  test::CountingBytewise cmp;
  std::vector<std::unique_ptr<Iterator>> iters;
  std::string run;
  for (int i = 0; i < 100; i++) {
    char user[8];
    std::snprintf(user, sizeof(user), "m%03d", i);
    run += std::string(run.empty() ? "" : " ") + user + ".9=v";
  }
  iters.push_back(NewVectorIterator("a.9=a z.9=z"));
  iters.push_back(NewVectorIterator(run));
  iters.push_back(NewVectorIterator("b.9=b y.9=y"));
  iters.push_back(NewVectorIterator("c.9=c x.9=x"));
  auto it = NewMergingIterator(InternalKeyComparator(&cmp), std::move(iters));
  // Builds with STRATA_INVARIANTS check each move's order: one more
  // comparison per move, there and in a plain sift alike.
  const int checks = kInvariantChecks ? 1 : 0;
  it->Seek(MakeInternalKey("m000", kMaxSequenceNumber, kValueTypeForSeek));
  ASSERT_TRUE(it->Valid());
  cmp.count = 0;
  int moves = 0;
  for (; it->Valid() && ExtractUserKey(it->key()) < "x"; it->Next()) moves++;
  ASSERT_EQ(moves, 100);
  // The choice of runner-up after the seek, then 99 Nexts within the run at
  // one comparison each; the last Next exhausts the run, whose child is
  // dropped and the heap sifted (a plain sift: two comparisons at most).
  EXPECT_LE(cmp.count, 100 * (1 + checks) + 4);
  EXPECT_GE(cmp.count, 100 * (1 + checks));

  it->Seek(MakeInternalKey("m099", kMaxSequenceNumber, kValueTypeForSeek));
  it->Prev();  // turns around: every other child seeks
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(ExtractUserKey(it->key()), "m098");
  cmp.count = 0;
  moves = 0;
  for (; it->Valid() && ExtractUserKey(it->key()) > "c"; it->Prev()) moves++;
  EXPECT_EQ(moves, 99);
  EXPECT_LE(cmp.count, 99 * (1 + checks) + 4);
  EXPECT_TRUE(it->status().ok());
}

TEST(MergingIteratorTest, SeekForwardMovesOnlyTheChildrenBelowTheTarget) {
  // A reader skipping a deleted run seeks above key() while moving forward:
  // a child already at or above the target must not seek (that costs a
  // block read in a table), yet the merge must land as a full seek would.
  int far_seeks = 0, near_seeks = 0;
  std::vector<std::unique_ptr<Iterator>> iters;
  iters.push_back(std::make_unique<SeekCountingIterator>(
      NewVectorIterator("a.9=a b.9=b c.9=c d.9=d m.9=m"), &near_seeks));
  iters.push_back(
      std::make_unique<SeekCountingIterator>(NewVectorIterator("k.9=k x.9=x"), &far_seeks));
  auto it = NewMergingIterator(InternalKeyComparator(BytewiseComparator()), std::move(iters));
  RunMoves(it.get(), R"(
    first   -> a.9=a
    seek c.9 -> c.9=c
    next    -> d.9=d
    seek l.9 -> m.9=m
  )");
  EXPECT_EQ(near_seeks, 2);
  EXPECT_EQ(far_seeks, 1);  // left at k by the seek to c; below l for the next
  RunMoves(it.get(), R"(
    next    -> x.9=x
    seek y.9 -> (invalid)
    seek b.9 -> b.9=b
  )");
  // The exhausted near child seeks again at y; at b (backward) both do.
  EXPECT_EQ(near_seeks, 4);
  EXPECT_EQ(far_seeks, 3);
  // Turning backward re-seeks the far child; after the turn the heap orders
  // the other side, so the next seek is a full one.
  RunMoves(it.get(), R"(
    prev    -> a.9=a
    seek k.9 -> k.9=k
    next    -> m.9=m
  )");
  EXPECT_EQ(near_seeks, 5);
  EXPECT_EQ(far_seeks, 5);
  EXPECT_TRUE(it->status().ok());
}

TEST(MergingIteratorTest, RandomMovesMatchAModel) {
  Random rnd(2024);
  for (int round = 0; round < 30; round++) {
    SCOPED_TRACE("round " + std::to_string(round));
    // Up to nine children (a heap three deep); every entry unique
    // (distinct sequence numbers).
    std::map<std::string, std::string, bool (*)(const std::string&, const std::string&)> model(
        [](const std::string& a, const std::string& b) {
          return InternalKeyComparator(BytewiseComparator()).Compare(a, b) < 0;
        });
    const int num_children = static_cast<int>(rnd.Uniform(10));
    std::vector<test::Entries> child_entries(num_children);
    uint64_t seq = 1;
    for (int i = 0; i < 200 && num_children > 0; i++) {
      std::string user(1 + rnd.Uniform(3), static_cast<char>('a' + rnd.Uniform(8)));
      ValueType type = rnd.OneIn(4) ? kTypeDeletion : kTypeValue;
      std::string key = MakeInternalKey(user, seq++, type);
      std::string value = type == kTypeValue ? "v" + std::to_string(seq) : "";
      model[key] = value;
      child_entries[rnd.Uniform(num_children)].emplace_back(key, value);
    }
    std::vector<std::unique_ptr<Iterator>> children;
    for (auto& entries : child_entries) {
      std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        return InternalKeyComparator(BytewiseComparator()).Compare(a.first, b.first) < 0;
      });
      children.push_back(std::make_unique<test::VectorIterator>(std::move(entries)));
    }
    auto it = NewMergingIterator(InternalKeyComparator(BytewiseComparator()), std::move(children));

    test::CheckRandomMoves(it.get(), model, &rnd, 300, [&] {
      return MakeInternalKey(
          std::string(1 + rnd.Uniform(3), static_cast<char>('a' + rnd.Uniform(9))),
          rnd.Uniform(static_cast<uint32_t>(seq + 1)), kValueTypeForSeek);
    });
  }
}

}  // namespace
}  // namespace strata
