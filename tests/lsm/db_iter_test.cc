// Tests for NewDBIterator (lsm/db_iter.h) through the Iterator interface,
// over a vector of internal entries standing for the merged memtables and
// tables: the newest version at or below the sequence number, tombstones
// hiding older versions (and only those), forward, backward, Seek and
// direction changes as scripts of moves, errors and malformed keys from
// the input, the pin's lifetime, and random moves against a std::map model
// at random snapshots.

#include "lsm/db_iter.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lsm/iterator_test_util.h"
#include "util/random.h"

namespace strata {
namespace {

using test::NewVectorIterator;
using test::RunScript;
using test::UserPosition;

std::unique_ptr<Iterator> DBIterOver(const std::string& entries, SequenceNumber sequence,
                                     size_t fail_at = test::VectorIterator::kNoFailure) {
  return NewDBIterator(InternalKeyComparator(BytewiseComparator()),
                       NewVectorIterator(entries, fail_at), sequence, nullptr);
}

void RunMoves(Iterator* it, const std::string& script) {
  RunScript(
      it, script, [](const std::string& user_key) { return user_key; }, UserPosition);
}

// Four keys with several versions: a overwritten, b deleted, c deleted
// before it was written again, d written then deleted then written again.
const char* const kHistory = "a.5=a5 a.3=a3 b.6:del b.2=b2 c.4=c4 c.1:del d.7=d7 d.6:del d.2=d2";

TEST(DBIterTest, NewestVisibleVersionOfEachKey) {
  auto it = DBIterOver(kHistory, 10);
  RunMoves(it.get(), R"(
    first -> a=a5
    next  -> c=c4
    next  -> d=d7
    next  -> (invalid)
    last  -> d=d7
    prev  -> c=c4
    prev  -> a=a5
    prev  -> (invalid)
  )");
  EXPECT_TRUE(it->status().ok());
}

TEST(DBIterTest, OlderSequenceSeesOlderVersions) {
  // At 4: a.5, b.6's tombstone and d's last three entries are in the future.
  auto at4 = DBIterOver(kHistory, 4);
  RunMoves(at4.get(), R"(
    first -> a=a3
    next  -> b=b2
    next  -> c=c4
    next  -> d=d2
    next  -> (invalid)
    last  -> d=d2
    prev  -> c=c4
    prev  -> b=b2
    prev  -> a=a3
    prev  -> (invalid)
  )");
  // At 6: d's tombstone is visible, its newer value is not.
  auto at6 = DBIterOver(kHistory, 6);
  RunMoves(at6.get(), R"(
    first -> a=a5
    next  -> c=c4
    next  -> (invalid)
    last  -> c=c4
  )");
  // At 1: only c's tombstone, which hides nothing.
  auto at1 = DBIterOver(kHistory, 1);
  RunMoves(at1.get(), R"(
    first -> (invalid)
    last  -> (invalid)
    seek a -> (invalid)
  )");
}

TEST(DBIterTest, SeekAndDirectionChanges) {
  auto it = DBIterOver(kHistory, 10);
  RunMoves(it.get(), R"(
    seek a  -> a=a5
    seek b  -> c=c4
    seek bb -> c=c4
    seek 0  -> a=a5
    seek e  -> (invalid)
    seek c  -> c=c4
    prev    -> a=a5
    next    -> c=c4
    next    -> d=d7
    prev    -> c=c4
    prev    -> a=a5
    next    -> c=c4
    last    -> d=d7
    prev    -> c=c4
    next    -> d=d7
    next    -> (invalid)
  )");
}

TEST(DBIterTest, SeekToTheCurrentKeyAfterPrev) {
  // Seek(key()) after a Prev: key() views the iterator's own copy.
  auto it = DBIterOver("a.1=1 b.1=2 c.1=3", 10);
  it->SeekToLast();
  it->Prev();
  ASSERT_EQ(UserPosition(*it), "b=2");
  it->Seek(it->key());
  EXPECT_EQ(UserPosition(*it), "b=2");
}

TEST(DBIterTest, RunsOfTombstonesAreSkippedBothWays) {
  auto it = DBIterOver("a.1=a b.9:del b.3=b c.8:del d.7:del d.1=d e.2=e", 10);
  RunMoves(it.get(), R"(
    first -> a=a
    next  -> e=e
    prev  -> a=a
    last  -> e=e
    prev  -> a=a
    seek b -> e=e
  )");
  auto all_deleted = DBIterOver("a.2:del a.1=a b.2:del", 10);
  RunMoves(all_deleted.get(), R"(
    first -> (invalid)
    last  -> (invalid)
  )");
}

TEST(DBIterTest, InputErrorIsReportedForward) {
  // Entry 3 (b.2) cannot be read.
  auto it = DBIterOver("a.5=a5 a.3=a3 b.6=b6 b.2=b2 c.4=c4", 10, 3);
  RunMoves(it.get(), R"(
    first -> a=a5
    next  -> b=b6
    next  -> (error: IO error: injected read error)
  )");
}

TEST(DBIterTest, InputErrorInsideAKeyBackwardHidesTheKey) {
  // Walking backward meets b.2 first, then fails on b.6 (entry 1), the
  // newer version: returning b2 would show a stale value.
  auto it = DBIterOver("a.5=a5 b.6=b6 b.2=b2 c.4=c4", 10, 1);
  RunMoves(it.get(), R"(
    last -> c=c4
    prev -> (error: IO error: injected read error)
  )");
}

TEST(DBIterTest, MalformedInternalKeyIsCorruption) {
  test::Entries entries = test::ParseEntries("a.1=a");
  entries.emplace_back("bad", "x");  // shorter than an internal key's trailer
  auto it = NewDBIterator(InternalKeyComparator(BytewiseComparator()),
                          std::make_unique<test::VectorIterator>(entries), 10, nullptr);
  it->SeekToFirst();
  ASSERT_EQ(UserPosition(*it), "a=a");
  it->Next();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsCorruption()) << it->status().ToString();
}

TEST(DBIterTest, PinLivesAsLongAsTheIterator) {
  bool released = false;
  std::shared_ptr<const void> pin(new int(0), [&](const void* p) {
    delete static_cast<const int*>(p);
    released = true;
  });
  std::weak_ptr<const void> watch = pin;
  auto it = NewDBIterator(InternalKeyComparator(BytewiseComparator()), NewVectorIterator("a.1=a"),
                          10, std::move(pin));
  it->SeekToFirst();
  EXPECT_FALSE(released);
  EXPECT_FALSE(watch.expired());
  it.reset();
  EXPECT_TRUE(released);
}

// Random moves against a std::map model, over `rounds` random histories of
// puts and deletes (every entry its own sequence number; one in delete_one_in
// a delete) of up to max_entries entries over the user keys make_key draws,
// each read at a random snapshot; seek targets come from make_target.
template <typename MakeKey, typename MakeTarget>
void CheckRandomHistories(Random* rnd, int rounds, uint32_t max_entries, int delete_one_in,
                          int moves, MakeKey make_key, MakeTarget make_target) {
  for (int round = 0; round < rounds; round++) {
    SCOPED_TRACE("round " + std::to_string(round));
    test::Entries entries;
    const SequenceNumber last = 1 + rnd->Uniform(max_entries);
    for (SequenceNumber seq = 1; seq <= last; seq++) {
      std::string user = make_key();
      if (rnd->OneIn(delete_one_in)) {
        entries.emplace_back(MakeInternalKey(user, seq, kTypeDeletion), "");
      } else {
        entries.emplace_back(MakeInternalKey(user, seq, kTypeValue), "v" + std::to_string(seq));
      }
    }
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
      return InternalKeyComparator(BytewiseComparator()).Compare(a.first, b.first) < 0;
    });
    const SequenceNumber snapshot = rnd->Uniform(last + 2);
    // The model: each key's newest entry at or below the snapshot, if a value.
    std::map<std::string, std::string> model;
    std::map<std::string, SequenceNumber> newest;
    for (const auto& [key, value] : entries) {
      ParsedInternalKey parsed;
      ASSERT_TRUE(ParseInternalKey(key, &parsed));
      if (parsed.sequence > snapshot) continue;
      std::string user(parsed.user_key);
      if (newest.count(user) != 0 && newest[user] > parsed.sequence) continue;
      newest[user] = parsed.sequence;
      if (parsed.type == kTypeValue) {
        model[user] = value;
      } else {
        model.erase(user);
      }
    }
    auto it = NewDBIterator(InternalKeyComparator(BytewiseComparator()),
                            std::make_unique<test::VectorIterator>(entries), snapshot, nullptr);
    test::CheckRandomMoves(it.get(), model, rnd, moves, make_target);
  }
}

TEST(DBIterTest, RandomMovesMatchAModelAtRandomSnapshots) {
  // Few keys, so most keys have several versions.
  Random rnd(515);
  CheckRandomHistories(
      &rnd, 40, 150, 3, 300,
      [&] { return std::string(1 + rnd.Uniform(2), static_cast<char>('a' + rnd.Uniform(10))); },
      [&] { return std::string(rnd.Uniform(3), static_cast<char>('a' + rnd.Uniform(11))); });
}

// Counts the moves DBIter makes on its input.
class CountingIterator final : public Iterator {
 public:
  CountingIterator(std::unique_ptr<Iterator> base, int* nexts, int* seeks)
      : base_(std::move(base)), nexts_(nexts), seeks_(seeks) {}
  bool Valid() const override { return base_->Valid(); }
  void SeekToFirst() override { base_->SeekToFirst(); }
  void SeekToLast() override { base_->SeekToLast(); }
  void Seek(std::string_view target) override {
    ++*seeks_;
    base_->Seek(target);
  }
  void Next() override {
    ++*nexts_;
    base_->Next();
  }
  void Prev() override { base_->Prev(); }
  std::string_view key() const override { return base_->key(); }
  std::string_view value() const override { return base_->value(); }
  Status status() const override { return base_->status(); }

 private:
  std::unique_ptr<Iterator> base_;
  int* nexts_;
  int* seeks_;
};

TEST(DBIterTest, ManyVersionsOfAKeyArePassedBySeeking) {
  // b has 1000 versions (seq 2..1001), the newest a deletion at 1001; a
  // and c one each, before and after all of them.
  test::Entries entries;
  entries.emplace_back(MakeInternalKey("a", 1, kTypeValue), "a1");
  entries.emplace_back(MakeInternalKey("b", 1001, kTypeDeletion), "");
  for (SequenceNumber seq = 1000; seq >= 2; seq--) {
    entries.emplace_back(MakeInternalKey("b", seq, kTypeValue), "b" + std::to_string(seq));
  }
  entries.emplace_back(MakeInternalKey("c", 1002, kTypeValue), "c1002");
  struct Case {
    SequenceNumber snapshot;
    std::string want;  // the keys and values a forward walk returns
  };
  for (const Case& c : {Case{2000, "a=a1 c=c1002 "},  // b deleted
                        Case{1001, "a=a1 "},          // b deleted, c not yet written
                        Case{1000, "a=a1 b=b1000 "},  // b's newest value; its 998 older ones hidden
                        Case{500, "a=a1 b=b500 "}}) {  // 501 newer versions of b, 499 older
    SCOPED_TRACE(c.snapshot);
    int nexts = 0, seeks = 0;
    auto it = NewDBIterator(InternalKeyComparator(BytewiseComparator()),
                            std::make_unique<CountingIterator>(
                                std::make_unique<test::VectorIterator>(entries), &nexts, &seeks),
                            c.snapshot, nullptr);
    std::string got;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      got += std::string(it->key()) + "=" + std::string(it->value()) + " ";
    }
    EXPECT_TRUE(it->status().ok());
    EXPECT_EQ(got, c.want);
    // A few steps and a seek or two per run of versions, not one step each.
    EXPECT_LT(nexts, 40);
    EXPECT_LE(seeks, 4);
    // Seeking into the run lands on the same answers.
    it->Seek("b");
    std::string from_b;
    for (; it->Valid(); it->Next()) from_b += std::string(it->key()) + " ";
    EXPECT_EQ(from_b, c.want.find("b=") != std::string::npos
                          ? std::string("b ") + (c.snapshot >= 1002 ? "c " : "")
                          : (c.snapshot >= 1002 ? "c " : ""));
  }
}

TEST(DBIterTest, LongHistoriesOfFewKeysMatchAModel) {
  // Three keys and up to 600 entries: runs of versions far longer than the
  // steps DBIter takes before it seeks past them.
  Random rnd(1977);
  CheckRandomHistories(
      &rnd, 30, 600, 5, 200,
      [&] { return std::string(1, static_cast<char>('a' + rnd.Uniform(3))); },
      [&] { return std::string(rnd.Uniform(2), static_cast<char>('a' + rnd.Uniform(4))); });
}

}  // namespace
}  // namespace strata
