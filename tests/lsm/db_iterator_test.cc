// Tests for DB::NewIterator through the public API: small scripted cases for
// direction changes at the edges and over tombstones, then a randomized test
// against a std::map model with puts, overwrites and deletes over binary
// keys, checking forward and backward scans, Seek, random interleavings of
// Next and Prev, iterators and snapshots that keep a fixed view while writes
// go on, and the same data after reopening.
//
// A 64 KiB write buffer (the minimum) makes the randomized test switch
// memtables dozens of times, so iterators merge several memtables (and
// whatever tables the background flush has written by then).

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lsm/db_test_util.h"
#include "strata/db.h"
#include "test_util.h"
#include "util/random.h"

namespace strata {
namespace {

using test::GetValue;
using test::OpenOrDie;
using test::ScanAll;
using test::TempDir;

using Model = std::map<std::string, std::string>;

// "key=value" of the iterator's entry, or "(invalid)".
std::string Entry(const Iterator& it) {
  if (!it.Valid()) return "(invalid)";
  return std::string(it.key()) + "=" + std::string(it.value());
}

std::string Entry(const Model& model, Model::const_iterator pos) {
  if (pos == model.end()) return "(invalid)";
  return pos->first + "=" + pos->second;
}

class DBIteratorTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    db_.reset();
    db_ = OpenOrDie(test::SmallBufferOptions(), dbname_);
    ASSERT_NE(db_, nullptr);
  }

  TempDir dir_;
  const std::string dbname_ = dir_.Child("db");
  std::unique_ptr<DB> db_;
};

TEST_F(DBIteratorTest, DirectionChangesAtTheEdges) {
  ASSERT_TRUE(db_->Put("a", "va").ok());
  ASSERT_TRUE(db_->Put("b", "vb").ok());
  ASSERT_TRUE(db_->Put("c", "vc").ok());
  std::unique_ptr<Iterator> it = db_->NewIterator();

  it->SeekToFirst();
  EXPECT_EQ(Entry(*it), "a=va");
  it->Prev();
  EXPECT_EQ(Entry(*it), "(invalid)");

  it->SeekToLast();
  EXPECT_EQ(Entry(*it), "c=vc");
  it->Next();
  EXPECT_EQ(Entry(*it), "(invalid)");

  it->Seek("b");
  EXPECT_EQ(Entry(*it), "b=vb");
  it->Prev();
  EXPECT_EQ(Entry(*it), "a=va");
  it->Next();
  EXPECT_EQ(Entry(*it), "b=vb");
  it->Next();
  EXPECT_EQ(Entry(*it), "c=vc");
  it->Prev();
  EXPECT_EQ(Entry(*it), "b=vb");
  it->Prev();
  EXPECT_EQ(Entry(*it), "a=va");

  it->Seek("bb");
  EXPECT_EQ(Entry(*it), "c=vc");
  it->Seek("d");
  EXPECT_EQ(Entry(*it), "(invalid)");
  it->Seek("");
  EXPECT_EQ(Entry(*it), "a=va");

  // Repositioning works from an invalid iterator.
  it->SeekToLast();
  EXPECT_EQ(Entry(*it), "c=vc");
  it->Prev();
  it->Prev();
  it->Prev();
  EXPECT_EQ(Entry(*it), "(invalid)");
  it->Seek("b");
  EXPECT_EQ(Entry(*it), "b=vb");
  EXPECT_TRUE(it->status().ok());
}

// Seek to the iterator's own key, in both directions and from tables: the
// target views memory the Seek itself moves.
TEST_F(DBIteratorTest, SeekToOwnKey) {
  for (const char* key : {"a", "bb", "ccc", "dddd"}) ASSERT_TRUE(db_->Put(key, key).ok());
  for (int pass = 0; pass < 2; pass++) {
    SCOPED_TRACE(pass == 0 ? "memtable" : "table");
    std::unique_ptr<Iterator> it = db_->NewIterator();
    it->Seek("bb");
    ASSERT_EQ(Entry(*it), "bb=bb");
    it->Seek(it->key());
    EXPECT_EQ(Entry(*it), "bb=bb");
    it->SeekToLast();
    it->Prev();  // reverse: key() views the iterator's own copy
    ASSERT_EQ(Entry(*it), "ccc=ccc");
    it->Seek(it->key());
    EXPECT_EQ(Entry(*it), "ccc=ccc");
    it->Next();
    EXPECT_EQ(Entry(*it), "dddd=dddd");
    it.reset();
    ASSERT_TRUE(db_->Flush().ok());
  }
}

TEST_F(DBIteratorTest, SingleEntry) {
  ASSERT_TRUE(db_->Put("only", "1").ok());
  std::unique_ptr<Iterator> it = db_->NewIterator();
  it->SeekToFirst();
  EXPECT_EQ(Entry(*it), "only=1");
  it->Next();
  EXPECT_EQ(Entry(*it), "(invalid)");
  it->SeekToLast();
  EXPECT_EQ(Entry(*it), "only=1");
  it->Prev();
  EXPECT_EQ(Entry(*it), "(invalid)");
  it->Seek("only");
  EXPECT_EQ(Entry(*it), "only=1");
  it->Prev();
  EXPECT_EQ(Entry(*it), "(invalid)");
}

// Tombstones and overwrites spread over the active memtable and older data
// (made older by Flush) are hidden in both directions, including when the
// direction changes next to them.
TEST_F(DBIteratorTest, TombstonesAndOverwritesAcrossLayers) {
  ASSERT_TRUE(db_->Put("a", "old-a").ok());
  ASSERT_TRUE(db_->Put("b", "old-b").ok());
  ASSERT_TRUE(db_->Put("c", "old-c").ok());
  ASSERT_TRUE(db_->Put("d", "old-d").ok());
  ASSERT_TRUE(db_->Put("e", "old-e").ok());
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_TRUE(db_->Delete("b").ok());
  ASSERT_TRUE(db_->Put("c", "new-c").ok());
  ASSERT_TRUE(db_->Delete("d").ok());
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_TRUE(db_->Put("b", "newest-b").ok());
  ASSERT_TRUE(db_->Delete("e").ok());
  ASSERT_TRUE(db_->Delete("f").ok());  // a tombstone for a key never written

  std::unique_ptr<Iterator> it = db_->NewIterator();
  std::vector<std::string> forward;
  for (it->SeekToFirst(); it->Valid(); it->Next()) forward.push_back(Entry(*it));
  EXPECT_EQ(forward, (std::vector<std::string>{"a=old-a", "b=newest-b", "c=new-c"}));
  std::vector<std::string> backward;
  for (it->SeekToLast(); it->Valid(); it->Prev()) backward.push_back(Entry(*it));
  EXPECT_EQ(backward, (std::vector<std::string>{"c=new-c", "b=newest-b", "a=old-a"}));

  it->Seek("d");  // deleted: lands past every hidden key
  EXPECT_EQ(Entry(*it), "(invalid)");
  it->Seek("c");
  EXPECT_EQ(Entry(*it), "c=new-c");
  it->Next();
  EXPECT_EQ(Entry(*it), "(invalid)");
  it->SeekToLast();
  EXPECT_EQ(Entry(*it), "c=new-c");
  it->Prev();
  EXPECT_EQ(Entry(*it), "b=newest-b");
  it->Next();
  EXPECT_EQ(Entry(*it), "c=new-c");
  it->Prev();
  it->Prev();
  EXPECT_EQ(Entry(*it), "a=old-a");
  it->Next();
  EXPECT_EQ(Entry(*it), "b=newest-b");
  EXPECT_TRUE(it->status().ok());
}

TEST_F(DBIteratorTest, EverythingDeleted) {
  for (int i = 0; i < 50; i++) ASSERT_TRUE(db_->Put("k" + std::to_string(i), "v").ok());
  ASSERT_TRUE(db_->Flush().ok());
  for (int i = 0; i < 50; i++) ASSERT_TRUE(db_->Delete("k" + std::to_string(i)).ok());
  std::unique_ptr<Iterator> it = db_->NewIterator();
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  it->SeekToLast();
  EXPECT_FALSE(it->Valid());
  it->Seek("k2");
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
}

TEST_F(DBIteratorTest, IteratorKeepsItsViewWhileWritesGoOn) {
  ASSERT_TRUE(db_->Put("a", "1").ok());
  ASSERT_TRUE(db_->Put("b", "2").ok());
  std::unique_ptr<Iterator> it = db_->NewIterator();

  // Overwrite, delete and add, with enough data to switch (and flush)
  // memtables several times under the iterator.
  ASSERT_TRUE(db_->Put("a", "changed").ok());
  ASSERT_TRUE(db_->Delete("b").ok());
  const std::string filler(1000, 'x');
  for (int i = 0; i < 400; i++) ASSERT_TRUE(db_->Put("c" + std::to_string(i), filler).ok());
  ASSERT_TRUE(db_->Flush().ok());
  EXPECT_GE(test::StatsCounter(db_.get(), "switches"), 4u);

  std::vector<std::string> seen;
  for (it->SeekToFirst(); it->Valid(); it->Next()) seen.push_back(Entry(*it));
  EXPECT_EQ(seen, (std::vector<std::string>{"a=1", "b=2"}));
  it->SeekToLast();
  EXPECT_EQ(Entry(*it), "b=2");
  it->Seek("c");
  EXPECT_EQ(Entry(*it), "(invalid)");
  EXPECT_TRUE(it->status().ok());

  // A new iterator sees the new state.
  std::unique_ptr<Iterator> now = db_->NewIterator();
  now->SeekToFirst();
  EXPECT_EQ(Entry(*now), "a=changed");
  now->Next();
  ASSERT_TRUE(now->Valid());
  EXPECT_EQ(now->key(), "c0");
}

// ---------------------------------------------------------------------------
// Randomized test against std::map.

// Keys from a fixed space of kKeySpace, so overwrites and deletes of live
// keys are common. Some hold NUL and 0xFF bytes, and some are prefixes of
// others.
constexpr int kKeySpace = 300;

std::string ModelKey(int i) {
  std::string key = "k" + std::to_string(i % 100);
  switch (i / 100) {
    case 0:
      return key;
    case 1:
      return key + std::string("\0", 1) + "nul";
    default:
      return std::string("\xff", 1) + key + std::string("\x80\x7f", 2);
  }
}

std::string RandomValue(Random* rnd, int op) {
  if (rnd->OneIn(20)) return "";
  size_t length = rnd->Uniform(rnd->OneIn(10) ? 2000 : 300);
  std::string value = "op" + std::to_string(op) + ":";
  while (value.size() < length) value.push_back(static_cast<char>(rnd->Uniform(256)));
  return value;
}

// A seek target: a key of the space, a key just before or after one, or
// one outside the space.
std::string RandomTarget(Random* rnd) {
  std::string key = ModelKey(static_cast<int>(rnd->Uniform(kKeySpace)));
  switch (rnd->Uniform(5)) {
    case 0:
      return key + std::string("\0", 1);
    case 1:
      key.pop_back();
      return key;
    case 2:
      return rnd->OneIn(2) ? "" : std::string(3, '\xff');
    default:
      return key;
  }
}

// Checks every way of moving `it` against `model`, which must be what the
// iterator should see. `label` says which check failed.
void CheckIteratorAgainstModel(Iterator* it, const Model& model, Random* rnd,
                               const std::string& label) {
  SCOPED_TRACE(label);
  // Full scans both ways.
  Model forward;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    forward.emplace(std::string(it->key()), std::string(it->value()));
  }
  EXPECT_TRUE(forward == model) << "forward scan: " << forward.size() << " entries, model "
                                << model.size();
  std::vector<std::string> backward_keys;
  for (it->SeekToLast(); it->Valid(); it->Prev()) {
    auto pos = model.find(std::string(it->key()));
    if (pos == model.end() || pos->second != it->value()) {
      ADD_FAILURE() << "backward scan: unexpected " << Entry(*it);
      break;
    }
    backward_keys.emplace_back(it->key());
  }
  std::vector<std::string> expected_backward;
  for (auto pos = model.rbegin(); pos != model.rend(); ++pos)
    expected_backward.push_back(pos->first);
  EXPECT_TRUE(backward_keys == expected_backward)
      << "backward scan: " << backward_keys.size() << " keys, model " << model.size();

  // Seeks.
  for (int i = 0; i < 50; i++) {
    std::string target = RandomTarget(rnd);
    it->Seek(target);
    ASSERT_EQ(Entry(*it), Entry(model, model.lower_bound(target))) << "Seek " << target;
  }

  // Random walks: position, then Next and Prev in random order.
  for (int walk = 0; walk < 20; walk++) {
    Model::const_iterator pos;
    std::string how;
    switch (rnd->Uniform(3)) {
      case 0:
        it->SeekToFirst();
        pos = model.begin();
        how = "SeekToFirst";
        break;
      case 1:
        it->SeekToLast();
        pos = model.empty() ? model.end() : std::prev(model.end());
        how = "SeekToLast";
        break;
      default:
        how = RandomTarget(rnd);
        it->Seek(how);
        pos = model.lower_bound(how);
        how = "Seek " + how;
        break;
    }
    ASSERT_EQ(Entry(*it), Entry(model, pos)) << how;
    for (int step = 0; step < 40 && pos != model.end(); step++) {
      if (rnd->OneIn(2)) {
        it->Next();
        ++pos;
        how += " Next";
      } else {
        it->Prev();
        pos = pos == model.begin() ? model.end() : std::prev(pos);
        how += " Prev";
      }
      ASSERT_EQ(Entry(*it), Entry(model, pos)) << how;
    }
  }
  EXPECT_TRUE(it->status().ok()) << it->status().ToString();
}

struct PinnedView {
  std::unique_ptr<Iterator> iter;
  test::ScopedSnapshot snapshot;
  Model model;
  int op;
};

class DBIteratorRandomizedTest : public DBIteratorTest,
                                 public ::testing::WithParamInterface<uint64_t> {};

TEST_P(DBIteratorRandomizedTest, AgainstModel) {
  constexpr int kOps = 6000;
  constexpr int kCheckEvery = 750;
  Random rnd(GetParam());
  Model model;
  std::vector<PinnedView> views;

  for (int op = 1; op <= kOps; op++) {
    const std::string key = ModelKey(static_cast<int>(rnd.Uniform(kKeySpace)));
    const uint64_t kind = rnd.Uniform(10);
    if (kind < 6) {
      std::string value = RandomValue(&rnd, op);
      ASSERT_TRUE(db_->Put(key, value).ok());
      model[key] = value;
    } else if (kind < 9) {
      ASSERT_TRUE(db_->Delete(key).ok());
      model.erase(key);
    } else {
      // A batch of a few updates, some of one key.
      WriteBatch batch;
      for (int i = 0; i < 4; i++) {
        std::string k = rnd.OneIn(3) ? key : ModelKey(static_cast<int>(rnd.Uniform(kKeySpace)));
        if (rnd.OneIn(3)) {
          batch.Delete(k);
          model.erase(k);
        } else {
          std::string value = RandomValue(&rnd, op);
          batch.Put(k, value);
          model[k] = value;
        }
      }
      ASSERT_TRUE(db_->Write(WriteOptions(), &batch).ok());
    }

    // Move data down the tree now and then, so iterators and snapshots
    // also read tables of several levels, and compactions run while
    // snapshots hold old versions.
    if (op % 400 == 0) {
      ASSERT_TRUE(db_->Flush().ok());
    }
    if (op % 1100 == 0) {
      std::string begin = RandomTarget(&rnd);
      std::string end = RandomTarget(&rnd);
      if (end < begin) std::swap(begin, end);
      std::string_view b(begin), e(end);
      Status s = rnd.OneIn(3) ? db_->CompactRange(nullptr, nullptr) : db_->CompactRange(&b, &e);
      ASSERT_TRUE(s.ok()) << s.ToString();
    }

    if (op % kCheckEvery == 0) {
      std::unique_ptr<Iterator> it = db_->NewIterator();
      CheckIteratorAgainstModel(it.get(), model, &rnd, "now, op " + std::to_string(op));
      if (HasFatalFailure()) return;
      for (int i = 0; i < 30; i++) {
        std::string k = ModelKey(static_cast<int>(rnd.Uniform(kKeySpace)));
        auto pos = model.find(k);
        ASSERT_EQ(GetValue(db_.get(), k), pos == model.end() ? "NOT_FOUND" : pos->second) << k;
      }
      // Pin an iterator and a snapshot at this state, checked after later
      // writes.
      views.push_back({db_->NewIterator(), test::TakeSnapshot(db_.get()), model, op});
    }
  }
  EXPECT_GE(test::StatsCounter(db_.get(), "switches"), 10u);

  for (PinnedView& view : views) {
    std::string at = "op " + std::to_string(view.op);
    CheckIteratorAgainstModel(view.iter.get(), view.model, &rnd, "iterator from " + at);
    if (HasFatalFailure()) break;
    ReadOptions options;
    options.snapshot = view.snapshot.get();
    std::unique_ptr<Iterator> it = db_->NewIterator(options);
    CheckIteratorAgainstModel(it.get(), view.model, &rnd, "snapshot iterator from " + at);
    if (HasFatalFailure()) break;
    for (int i = 0; i < kKeySpace; i++) {
      std::string k = ModelKey(i);
      auto pos = view.model.find(k);
      ASSERT_EQ(GetValue(db_.get(), k, view.snapshot.get()),
                pos == view.model.end() ? "NOT_FOUND" : pos->second)
          << "Get of " << k << " at snapshot from " << at;
    }
  }
  views.clear();

  Reopen();
  std::unique_ptr<Iterator> it = db_->NewIterator();
  CheckIteratorAgainstModel(it.get(), model, &rnd, "after reopen");
}

INSTANTIATE_TEST_SUITE_P(Seeds, DBIteratorRandomizedTest, ::testing::Values(301, 7, 20240611));

}  // namespace
}  // namespace strata
