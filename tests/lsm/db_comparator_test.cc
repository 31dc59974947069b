// Custom key orders (Options::comparator) and filter policies
// (Options::filter_policy) through the public DB API.
//
// A reverse-bytewise and a numeric comparator are driven against a std::map
// ordered the same way through random puts, deletes and overwrites, with
// small memtables and files so flushes and compactions (automatic and
// CompactRange) spread the keys over several levels, snapshots, and reopens;
// every check reads through Get, forward and backward scans, and random
// iterator moves with Seek to present and absent keys. Then the MANIFEST's
// comparator name check, and the filter policy rules: a custom policy is
// used (and counted), a table built by another policy is read without its
// filter, and NewBloomFilterPolicy builds the default options' bytes.
//
// Thread-safety: single-threaded tests.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "lsm/db_test_util.h"
#include "lsm/iterator_test_util.h"
#include "lsm/manifest_replayer.h"
#include "strata/comparator.h"
#include "strata/db.h"
#include "strata/filter_policy.h"
#include "test_comparators.h"
#include "test_util.h"
#include "util/coding.h"
#include "util/random.h"

namespace strata::test {
namespace {

// Decimal integers without leading zeros, compared as numbers ("9" < "10").
// A shorter key is a smaller number, so no key can be shortened: the helpers
// are no-ops.
class NumericComparator final : public Comparator {
 public:
  int Compare(std::string_view a, std::string_view b) const override {
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
    return a.compare(b);
  }
  const char* Name() const override { return "test.Numeric"; }
  void FindShortestSeparator(std::string*, std::string_view) const override {}
  void FindShortSuccessor(std::string*) const override {}
};

// std::map's strict weak order from a Comparator.
struct Less {
  const Comparator* comparator;
  bool operator()(const std::string& a, const std::string& b) const {
    return comparator->Compare(a, b) < 0;
  }
};
using Model = std::map<std::string, std::string, Less>;

// Every entry of db at snapshot, in iteration order, forward or backward.
std::vector<std::pair<std::string, std::string>> Scan(DB* db, bool forward,
                                                      const Snapshot* snapshot = nullptr) {
  ReadOptions options;
  options.snapshot = snapshot;
  std::unique_ptr<Iterator> it = db->NewIterator(options);
  std::vector<std::pair<std::string, std::string>> result;
  if (forward) {
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      result.emplace_back(std::string(it->key()), std::string(it->value()));
    }
  } else {
    for (it->SeekToLast(); it->Valid(); it->Prev()) {
      result.emplace_back(std::string(it->key()), std::string(it->value()));
    }
    std::reverse(result.begin(), result.end());
  }
  EXPECT_TRUE(it->status().ok()) << it->status().ToString();
  return result;
}

std::vector<std::pair<std::string, std::string>> ModelEntries(const Model& model) {
  return {model.begin(), model.end()};
}

// Random keys for one comparator: decimal numbers of 1 to 6 digits (so
// "10" and "9" meet), the only shape the numeric comparator accepts.
std::string RandomKey(Random* rnd) {
  const uint64_t digits = 1 + rnd->Uniform(6);
  uint64_t limit = 1;
  for (uint64_t i = 0; i < digits; i++) limit *= 10;
  const uint64_t low = digits == 1 ? 0 : limit / 10;
  return std::to_string(low + rnd->Uniform(limit - low));
}

std::string RandomValue(Random* rnd, const std::string& key) {
  return key + ":" + std::string(20 + rnd->Uniform(200), static_cast<char>('a' + rnd->Uniform(26)));
}

Options SmallOptions(const Comparator* comparator) {
  Options options;
  options.create_if_missing = true;
  options.comparator = comparator;
  options.write_buffer_size = kMinWriteBuffer;
  options.target_file_size = 64 << 10;
  options.max_bytes_for_level_base = 256 << 10;
  options.block_size = 512;  // many index separators
  return options;
}

class ComparatorModelTest : public ::testing::TestWithParam<int> {
 protected:
  const Comparator* comparator() const {
    return GetParam() == 0 ? static_cast<const Comparator*>(&reverse_) : &numeric_;
  }

  // The whole DB against model, at snapshot.
  void CheckAgainst(DB* db, const Model& model, Random* rnd, const Snapshot* snapshot = nullptr) {
    SCOPED_TRACE(comparator()->Name());
    ASSERT_EQ(Scan(db, true, snapshot), ModelEntries(model));
    ASSERT_EQ(Scan(db, false, snapshot), ModelEntries(model));
    for (int i = 0; i < 200; i++) {
      const std::string key = RandomKey(rnd);
      auto found = model.find(key);
      EXPECT_EQ(GetValue(db, key, snapshot), found == model.end() ? "NOT_FOUND" : found->second)
          << key;
    }
    for (const auto& [key, value] : model) {
      if (rnd->OneIn(10)) {
        EXPECT_EQ(GetValue(db, key, snapshot), value) << key;
      }
    }
    ReadOptions options;
    options.snapshot = snapshot;
    std::unique_ptr<Iterator> it = db->NewIterator(options);
    std::vector<std::string> present;
    for (const auto& entry : model) present.push_back(entry.first);
    CheckRandomMoves(it.get(), model, rnd, 2000, [&] {
      // Half present keys, half random (mostly absent) ones.
      if (!present.empty() && rnd->OneIn(2)) return present[rnd->Uniform(present.size())];
      return RandomKey(rnd);
    });
  }

  ReverseBytewiseComparator reverse_;
  NumericComparator numeric_;
};

TEST_P(ComparatorModelTest, RandomOperationsFlushesCompactionsSnapshotsReopen) {
  TempDir dir;
  const Options options = SmallOptions(comparator());
  std::unique_ptr<DB> db = OpenOrDie(options, dir.path());
  ASSERT_NE(db, nullptr);
  Model model(Less{comparator()});
  Random rnd(301 + GetParam());

  struct Saved {
    ScopedSnapshot snapshot;
    Model model;
  };
  std::vector<Saved> snapshots;

  for (int round = 0; round < 6; round++) {
    for (int i = 0; i < 4000; i++) {
      std::string key = RandomKey(&rnd);
      if (rnd.OneIn(4)) {
        ASSERT_TRUE(db->Delete(WriteOptions(), key).ok());
        model.erase(key);
      } else {
        std::string value = RandomValue(&rnd, key);
        ASSERT_TRUE(db->Put(WriteOptions(), key, value).ok());
        model.insert_or_assign(std::move(key), std::move(value));
      }
    }
    if (round % 2 == 0) snapshots.push_back({TakeSnapshot(db.get()), model});
    switch (round % 3) {
      case 0:
        ASSERT_TRUE(db->Flush().ok());
        break;
      case 1: {
        // A range given in the comparator's order.
        std::string a = RandomKey(&rnd), b = RandomKey(&rnd);
        if (comparator()->Compare(a, b) > 0) std::swap(a, b);
        std::string_view begin = a, end = b;
        ASSERT_TRUE(db->CompactRange(&begin, &end).ok());
        break;
      }
      case 2:
        ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
        break;
    }
    ASSERT_TRUE(WaitForBackgroundWork(db.get()).ok());
    CheckAgainst(db.get(), model, &rnd);
    for (const Saved& saved : snapshots)
      CheckAgainst(db.get(), saved.model, &rnd, saved.snapshot.get());
  }

  // Keys reached the deeper levels, so level binary search and overlap
  // tests ran in the custom order.
  int deeper_files = 0;
  for (int level = 1; level < 7; level++) {
    deeper_files += static_cast<int>(
        IntProperty(db.get(), "strata.num-files-at-level" + std::to_string(level)));
  }
  EXPECT_GT(deeper_files, 1);

  snapshots.clear();
  db.reset();
  db = OpenOrDie(options, dir.path());
  ASSERT_NE(db, nullptr);
  CheckAgainst(db.get(), model, &rnd);
}

INSTANTIATE_TEST_SUITE_P(Orders, ComparatorModelTest, ::testing::Values(0, 1),
                         [](const auto& info) {
                           return std::string(info.param == 0 ? "Reverse" : "Numeric");
                         });

TEST(ComparatorTest, OpeningWithAnotherComparatorFails) {
  TempDir dir;
  NumericComparator numeric;
  ReverseBytewiseComparator reverse;
  {
    std::unique_ptr<DB> db = OpenOrDie(SmallOptions(&numeric), dir.path());
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->Put(WriteOptions(), "10", "ten").ok());
    ASSERT_TRUE(db->Put(WriteOptions(), "9", "nine").ok());
    ASSERT_TRUE(db->Flush().ok());
  }
  for (const Comparator* other : {static_cast<const Comparator*>(&reverse), BytewiseComparator()}) {
    std::unique_ptr<DB> db;
    Status s = DB::Open(SmallOptions(other), dir.path(), &db);
    ASSERT_TRUE(s.IsInvalidArgument()) << s.ToString();
    EXPECT_NE(s.ToString().find("test.Numeric"), std::string::npos) << s.ToString();
    EXPECT_NE(s.ToString().find(other->Name()), std::string::npos) << s.ToString();
    EXPECT_EQ(db, nullptr);
  }
  std::unique_ptr<DB> db = OpenOrDie(SmallOptions(&numeric), dir.path());
  ASSERT_NE(db, nullptr);
  std::vector<std::pair<std::string, std::string>> expected = {{"9", "nine"}, {"10", "ten"}};
  EXPECT_EQ(Scan(db.get(), true), expected);
  EXPECT_EQ(GetValue(db.get(), "10"), "ten");
}

TEST(ComparatorTest, BytewiseDatabaseOpensWithTheDefault) {
  // A database made with default options records "strata.BytewiseComparator",
  // the name every database made before comparators were pluggable holds.
  TempDir dir;
  Options options;
  options.create_if_missing = true;
  {
    std::unique_ptr<DB> db = OpenOrDie(options, dir.path());
    ASSERT_TRUE(db->Put(WriteOptions(), "k", "v").ok());
  }
  std::string manifest_name;
  uint64_t number;
  ASSERT_TRUE(ReadCurrentFile(DefaultFileSystem(), dir.path(), &manifest_name, &number).ok());
  EXPECT_NE(ReadFileOrDie(dir.Child(manifest_name)).find("strata.BytewiseComparator"),
            std::string::npos);
  options.create_if_missing = false;
  options.comparator = BytewiseComparator();
  std::unique_ptr<DB> db = OpenOrDie(options, dir.path());
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(GetValue(db.get(), "k"), "v");
}

TEST(ComparatorTest, NullComparatorIsRefused) {
  TempDir dir;
  Options options;
  options.create_if_missing = true;
  options.comparator = nullptr;
  std::unique_ptr<DB> db;
  EXPECT_TRUE(DB::Open(options, dir.path(), &db).IsInvalidArgument());
}

// A filter that is the exact set of keys (fixed32 length ++ bytes each):
// no false positives, and it counts its calls.
class ExactSetPolicy final : public FilterPolicy {
 public:
  explicit ExactSetPolicy(const char* name) : name_(name) {}
  const char* Name() const override { return name_; }
  void CreateFilter(const std::string_view* keys, int n, std::string* dst) const override {
    created.fetch_add(1);
    for (int i = 0; i < n; i++) {
      PutFixed32(dst, static_cast<uint32_t>(keys[i].size()));
      dst->append(keys[i]);
    }
  }
  bool KeyMayMatch(std::string_view key, std::string_view filter) const override {
    checked.fetch_add(1);
    while (filter.size() >= 4) {
      const uint32_t size = DecodeFixed32(filter.data());
      if (filter.substr(4, size) == key) return true;
      filter.remove_prefix(4 + size);
    }
    return false;
  }
  mutable std::atomic<int> created{0};
  mutable std::atomic<int> checked{0};

 private:
  const char* const name_;
};

TEST(FilterPolicyTest, CustomPolicyIsUsedAndCounted) {
  TempDir dir;
  ExactSetPolicy policy("test.ExactSet");
  Options options;
  options.create_if_missing = true;
  options.filter_policy = &policy;
  std::unique_ptr<DB> db = OpenOrDie(options, dir.path());
  // Zero-padded, so every key looked up lies in the table's key range.
  auto key = [](int i) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "key%03d", i);
    return std::string(buf);
  };
  for (int i = 0; i <= 100; i += 2) ASSERT_TRUE(db->Put(WriteOptions(), key(i), "v").ok());
  ASSERT_TRUE(db->Flush().ok());
  EXPECT_EQ(policy.created.load(), 1);
  for (int i = 0; i < 100; i++) {
    EXPECT_EQ(GetValue(db.get(), key(i)), i % 2 == 0 ? "v" : "NOT_FOUND");
  }
  EXPECT_EQ(policy.checked.load(), 100);
  EXPECT_EQ(StatsCounter(db.get(), "checked"), 100u);
  // An exact filter rules out every absent key: the table was never read.
  EXPECT_EQ(StatsCounter(db.get(), "useful"), 50u);
  EXPECT_EQ(StatsCounter(db.get(), "false positives"), 0u);
}

TEST(FilterPolicyTest, TablesOfAnotherPolicyAreReadWithoutTheirFilter) {
  TempDir dir;
  ExactSetPolicy first("test.ExactSet");
  ExactSetPolicy second("test.OtherSet");
  Options options;
  options.create_if_missing = true;
  options.filter_policy = &first;
  {
    std::unique_ptr<DB> db = OpenOrDie(options, dir.path());
    for (int i = 0; i < 50; i++) ASSERT_TRUE(db->Put(WriteOptions(), std::to_string(i), "v").ok());
    ASSERT_TRUE(db->Flush().ok());
  }
  // With another policy (and with the built-in bloom filter) the first
  // policy's filter is not understood: ignored, never a false "absent".
  for (const FilterPolicy* other :
       {static_cast<const FilterPolicy*>(&second), static_cast<const FilterPolicy*>(nullptr)}) {
    options.filter_policy = other;
    std::unique_ptr<DB> db = OpenOrDie(options, dir.path());
    for (int i = 0; i < 50; i++) EXPECT_EQ(GetValue(db.get(), std::to_string(i)), "v") << i;
    // "1x" lies inside the table's key range ("0" .. "9"), so it is looked
    // up in the table.
    EXPECT_EQ(GetValue(db.get(), "1x"), "NOT_FOUND");
    EXPECT_EQ(StatsCounter(db.get(), "checked"), 0u);
  }
  EXPECT_EQ(second.checked.load(), 0);
  // The first policy's tables were built by it: reopened with it, its
  // filter is used again.
  options.filter_policy = &first;
  std::unique_ptr<DB> db = OpenOrDie(options, dir.path());
  EXPECT_EQ(GetValue(db.get(), "1x"), "NOT_FOUND");
  EXPECT_EQ(StatsCounter(db.get(), "useful"), 1u);
}

TEST(FilterPolicyTest, NewBloomFilterPolicyBuildsTheDefaultTables) {
  std::unique_ptr<const FilterPolicy> bloom(NewBloomFilterPolicy(10));
  std::vector<std::string> tables;
  for (const FilterPolicy* policy : {static_cast<const FilterPolicy*>(nullptr), bloom.get()}) {
    TempDir dir;
    Options options;
    options.create_if_missing = true;
    options.filter_policy = policy;
    {
      std::unique_ptr<DB> db = OpenOrDie(options, dir.path());
      for (int i = 0; i < 1000; i++) {
        ASSERT_TRUE(db->Put(WriteOptions(), "key" + std::to_string(i), "value").ok());
      }
      ASSERT_TRUE(db->Flush().ok());
      EXPECT_EQ(GetValue(db.get(), "key7"), "value");
    }
    std::vector<std::string> names = FileNamesOfType(dir.path(), FileType::kTable);
    ASSERT_EQ(names.size(), 1u);
    tables.push_back(ReadFileOrDie(dir.Child(names[0])));
  }
  EXPECT_EQ(tables[0], tables[1]);
}

}  // namespace
}  // namespace strata::test
