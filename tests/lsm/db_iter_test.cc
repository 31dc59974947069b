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

TEST(DBIterTest, RandomMovesMatchAModelAtRandomSnapshots) {
  Random rnd(515);
  for (int round = 0; round < 40; round++) {
    SCOPED_TRACE("round " + std::to_string(round));
    // A history of puts and deletes over few keys, so most keys have
    // several versions; every entry has its own sequence number.
    test::Entries entries;
    const SequenceNumber last = 1 + rnd.Uniform(150);
    for (SequenceNumber seq = 1; seq <= last; seq++) {
      std::string user(1 + rnd.Uniform(2), static_cast<char>('a' + rnd.Uniform(10)));
      if (rnd.OneIn(3)) {
        entries.emplace_back(MakeInternalKey(user, seq, kTypeDeletion), "");
      } else {
        entries.emplace_back(MakeInternalKey(user, seq, kTypeValue), "v" + std::to_string(seq));
      }
    }
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
      return InternalKeyComparator(BytewiseComparator()).Compare(a.first, b.first) < 0;
    });
    const SequenceNumber snapshot = rnd.Uniform(last + 2);
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
    test::CheckRandomMoves(it.get(), model, &rnd, 300, [&] {
      return std::string(rnd.Uniform(3), static_cast<char>('a' + rnd.Uniform(11)));
    });
  }
}

}  // namespace
}  // namespace strata
