// Tests for MemTable (memtable/memtable.h), single-threaded: Add and Get with
// values, tombstones and snapshots; binary keys; large values; the internal
// key iterator and the scan iterator; the counters; and a randomized run
// against std::map.

#include "memtable/memtable.h"

#include <gtest/gtest.h>

#include <sys/resource.h>
#include <unistd.h>
#include <xxhash.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "test_comparators.h"
#include "util/internal_key.h"
#include "util/iterate_bounds.h"
#include "util/random.h"
#include "util/sanitizers.h"

namespace strata {
namespace {

// What a Get returned, in one comparable value.
struct GetResult {
  bool found = false;
  bool deleted = false;
  std::string value;

  bool operator==(const GetResult&) const = default;
};

std::ostream& operator<<(std::ostream& os, const GetResult& r) {
  if (!r.found) return os << "<absent>";
  if (r.deleted) return os << "<deleted>";
  return os << "\"" << r.value << "\"";
}

GetResult Lookup(const MemTable& mem, std::string_view user_key, SequenceNumber seq) {
  GetResult result;
  std::string value = "untouched";
  Status s = Status::Corruption("untouched");
  result.found = mem.Get(LookupKey(user_key, seq), &value, &s);
  if (!result.found) {
    // A miss must leave the outputs alone.
    EXPECT_EQ("untouched", value);
    EXPECT_TRUE(s.IsCorruption());
    return result;
  }
  if (s.IsNotFound()) {
    result.deleted = true;
  } else {
    EXPECT_TRUE(s.ok()) << s.ToString();
    result.value = value;
  }
  return result;
}

GetResult Value(std::string v) { return GetResult{true, false, std::move(v)}; }
GetResult Deleted() { return GetResult{true, true, ""}; }
GetResult Absent() { return GetResult{}; }

struct Entry {
  std::string user_key;
  SequenceNumber seq;
  ValueType type;
  std::string value;
};

std::vector<Entry> Scan(Iterator* iter) {
  std::vector<Entry> out;
  for (iter->SeekToFirst(); iter->Valid(); iter->Next()) {
    ParsedInternalKey parsed;
    EXPECT_TRUE(ParseInternalKey(iter->key(), &parsed));
    out.push_back(
        {std::string(parsed.user_key), parsed.sequence, parsed.type, std::string(iter->value())});
  }
  EXPECT_TRUE(iter->status().ok());
  return out;
}

// A forward scan of iter yields exactly model's entries (internal key ->
// value), in order.
template <typename Model>
void ExpectForwardScan(Iterator* iter, const Model& model) {
  iter->SeekToFirst();
  for (const auto& [ikey, value] : model) {
    ASSERT_TRUE(iter->Valid());
    ASSERT_EQ(ikey, iter->key());
    ASSERT_EQ(value, iter->value());
    iter->Next();
  }
  EXPECT_FALSE(iter->Valid());
}

// A backward scan of iter from the end yields exactly model's internal keys,
// in reverse order.
template <typename Model>
void ExpectBackwardScan(Iterator* iter, const Model& model) {
  iter->SeekToLast();
  for (auto it = model.rbegin(); it != model.rend(); ++it) {
    ASSERT_TRUE(iter->Valid());
    ASSERT_EQ(it->first, iter->key());
    iter->Prev();
  }
  EXPECT_FALSE(iter->Valid());
}

// What a Get of user_key at snapshot must answer, by model (internal key ->
// value): its newest entry at or below snapshot, if any.
template <typename Model>
GetResult ModelGet(const Model& model, std::string_view user_key, SequenceNumber snapshot) {
  auto it = model.lower_bound(MakeInternalKey(user_key, snapshot, kValueTypeForSeek));
  ParsedInternalKey parsed;
  if (it == model.end() || !ParseInternalKey(it->first, &parsed) || parsed.user_key != user_key) {
    return Absent();
  }
  return parsed.type == kTypeValue ? Value(it->second) : Deleted();
}

// Every case runs without a hash index (Get searches the skip list), with
// one (1024 buckets), and with a single bucket (every key in one chain).
class MemTableTest : public ::testing::TestWithParam<size_t> {};

TEST_P(MemTableTest, EmptyMemTable) {
  MemTable mem{InternalKeyComparator(BytewiseComparator()), GetParam()};
  EXPECT_TRUE(mem.Empty());
  EXPECT_EQ(0u, mem.NumEntries());
  EXPECT_EQ(0u, mem.NumDeletes());
  EXPECT_EQ(Absent(), Lookup(mem, "a", kMaxSequenceNumber));
  std::unique_ptr<Iterator> iter = mem.NewIterator();
  iter->SeekToFirst();
  EXPECT_FALSE(iter->Valid());
  iter->SeekToLast();
  EXPECT_FALSE(iter->Valid());
  iter->Seek(MakeInternalKey("a", 1, kValueTypeForSeek));
  EXPECT_FALSE(iter->Valid());
}

TEST_P(MemTableTest, AddThenGetValue) {
  MemTable mem{InternalKeyComparator(BytewiseComparator()), GetParam()};
  mem.Add(1, kTypeValue, "apple", "red");
  mem.Add(2, kTypeValue, "banana", "yellow");
  EXPECT_FALSE(mem.Empty());
  EXPECT_EQ(Value("red"), Lookup(mem, "apple", 10));
  EXPECT_EQ(Value("yellow"), Lookup(mem, "banana", 10));
  EXPECT_EQ(Absent(), Lookup(mem, "cherry", 10));
}

TEST_P(MemTableTest, PrefixesAndExtensionsAreDifferentKeys) {
  MemTable mem{InternalKeyComparator(BytewiseComparator()), GetParam()};
  mem.Add(1, kTypeValue, "ab", "v");
  EXPECT_EQ(Absent(), Lookup(mem, "a", 10));
  EXPECT_EQ(Absent(), Lookup(mem, "abc", 10));
  EXPECT_EQ(Absent(), Lookup(mem, "", 10));
  EXPECT_EQ(Value("v"), Lookup(mem, "ab", 10));
}

TEST_P(MemTableTest, NewerValueReplacesOlder) {
  MemTable mem{InternalKeyComparator(BytewiseComparator()), GetParam()};
  mem.Add(1, kTypeValue, "k", "v1");
  mem.Add(2, kTypeValue, "k", "v2");
  EXPECT_EQ(Value("v2"), Lookup(mem, "k", 2));
  EXPECT_EQ(Value("v2"), Lookup(mem, "k", kMaxSequenceNumber));
}

TEST_P(MemTableTest, TombstoneShadowsOlderValue) {
  MemTable mem{InternalKeyComparator(BytewiseComparator()), GetParam()};
  mem.Add(1, kTypeValue, "k", "v1");
  mem.Add(2, kTypeDeletion, "k", "");
  EXPECT_EQ(Deleted(), Lookup(mem, "k", 2));
  EXPECT_EQ(Deleted(), Lookup(mem, "k", 100));
  // A value written after the tombstone is visible again.
  mem.Add(3, kTypeValue, "k", "v3");
  EXPECT_EQ(Value("v3"), Lookup(mem, "k", 3));
  EXPECT_EQ(Deleted(), Lookup(mem, "k", 2));
}

TEST_P(MemTableTest, TombstoneForUnknownKeyIsStillAnAnswer) {
  MemTable mem{InternalKeyComparator(BytewiseComparator()), GetParam()};
  mem.Add(5, kTypeDeletion, "gone", "");
  // true with NotFound: older sources must not be consulted.
  EXPECT_EQ(Deleted(), Lookup(mem, "gone", 5));
  EXPECT_EQ(Absent(), Lookup(mem, "gone", 4));
}

TEST_P(MemTableTest, SnapshotSeesOlderVersion) {
  MemTable mem{InternalKeyComparator(BytewiseComparator()), GetParam()};
  mem.Add(10, kTypeValue, "k", "v10");
  mem.Add(20, kTypeValue, "k", "v20");
  mem.Add(30, kTypeDeletion, "k", "");
  mem.Add(40, kTypeValue, "k", "v40");
  EXPECT_EQ(Absent(), Lookup(mem, "k", 9));
  EXPECT_EQ(Value("v10"), Lookup(mem, "k", 10));
  EXPECT_EQ(Value("v10"), Lookup(mem, "k", 19));
  EXPECT_EQ(Value("v20"), Lookup(mem, "k", 20));
  EXPECT_EQ(Value("v20"), Lookup(mem, "k", 29));
  EXPECT_EQ(Deleted(), Lookup(mem, "k", 30));
  EXPECT_EQ(Deleted(), Lookup(mem, "k", 39));
  EXPECT_EQ(Value("v40"), Lookup(mem, "k", 40));
  EXPECT_EQ(Value("v40"), Lookup(mem, "k", kMaxSequenceNumber));
}

TEST_P(MemTableTest, SnapshotDoesNotLeakIntoNeighbouringKeys) {
  MemTable mem{InternalKeyComparator(BytewiseComparator()), GetParam()};
  mem.Add(5, kTypeValue, "a", "a5");
  mem.Add(1, kTypeValue, "b", "b1");
  mem.Add(9, kTypeValue, "c", "c9");
  // At sequence 3, "a" has no version yet; the seek must not return "b".
  EXPECT_EQ(Absent(), Lookup(mem, "a", 3));
  EXPECT_EQ(Value("b1"), Lookup(mem, "b", 3));
  EXPECT_EQ(Absent(), Lookup(mem, "c", 3));
}

TEST_P(MemTableTest, BinaryKeysAndValues) {
  MemTable mem{InternalKeyComparator(BytewiseComparator()), GetParam()};
  const std::string nul_key("a\0b", 3);
  const std::string nul_value("\0\0x\0", 4);
  const std::string high_key("\xff\xfe", 2);
  mem.Add(1, kTypeValue, nul_key, nul_value);
  mem.Add(2, kTypeValue, high_key, "high");
  mem.Add(3, kTypeValue, std::string("a", 1), "plain a");
  EXPECT_EQ(Value(nul_value), Lookup(mem, nul_key, 10));
  EXPECT_EQ(Value("high"), Lookup(mem, high_key, 10));
  EXPECT_EQ(Value("plain a"), Lookup(mem, "a", 10));
  EXPECT_EQ(Absent(), Lookup(mem, std::string("a\0", 2), 10));
}

TEST_P(MemTableTest, KeysOrderAsUnsignedBytes) {
  MemTable mem{InternalKeyComparator(BytewiseComparator()), GetParam()};
  // Added out of order; 0x80 and 0xff must sort after 0x7f (signed char
  // comparison would put them first).
  const std::vector<std::string> sorted = {
      std::string(""),           std::string("\0", 1),   std::string("\0\0", 2),
      std::string("\x01", 1),    std::string("\x7f", 1), std::string("\x7f\xff", 2),
      std::string("\x80", 1),    std::string("\xff", 1), std::string("\xff\x00", 2),
      std::string("\xff\xff", 2)};
  const std::vector<int> order = {7, 2, 9, 0, 5, 3, 8, 1, 6, 4};
  SequenceNumber seq = 1;
  for (int i : order) mem.Add(seq++, kTypeValue, sorted[i], "v" + std::to_string(i));

  std::unique_ptr<Iterator> iter = mem.NewIterator();
  std::vector<Entry> entries = Scan(iter.get());
  ASSERT_EQ(sorted.size(), entries.size());
  for (size_t i = 0; i < sorted.size(); i++) {
    EXPECT_EQ(sorted[i], entries[i].user_key) << "position " << i;
    EXPECT_EQ("v" + std::to_string(i), entries[i].value);
    EXPECT_EQ(Value("v" + std::to_string(i)), Lookup(mem, sorted[i], seq));
  }
}

TEST_P(MemTableTest, EmptyValueAndEmptyKey) {
  MemTable mem{InternalKeyComparator(BytewiseComparator()), GetParam()};
  mem.Add(1, kTypeValue, "k", "");
  mem.Add(2, kTypeValue, "", "empty key");
  EXPECT_EQ(Value(""), Lookup(mem, "k", 5));
  EXPECT_EQ(Value("empty key"), Lookup(mem, "", 5));
}

TEST_P(MemTableTest, LargeValue) {
  MemTable mem{InternalKeyComparator(BytewiseComparator()), GetParam()};
  const size_t kSize = size_t{64} << 20;  // 64 MiB
  std::string big(kSize, '\0');
  for (size_t i = 0; i < kSize; i += 4096) big[i] = static_cast<char>(i / 4096);
  big.back() = '\xff';
  mem.Add(1, kTypeValue, "small", "before");
  mem.Add(2, kTypeValue, "big", big);
  mem.Add(3, kTypeValue, "tiny", "after");

  std::string got;
  Status s;
  ASSERT_TRUE(mem.Get(LookupKey("big", 2), &got, &s));
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(got == big);  // not EXPECT_EQ: a failure would print 64 MiB
  EXPECT_GE(mem.ApproximateMemoryUsage(), kSize);
  EXPECT_EQ(Value("before"), Lookup(mem, "small", 3));
  EXPECT_EQ(Value("after"), Lookup(mem, "tiny", 3));

  std::unique_ptr<Iterator> iter = mem.NewIterator();
  iter->Seek(MakeInternalKey("big", kMaxSequenceNumber, kValueTypeForSeek));
  ASSERT_TRUE(iter->Valid());
  EXPECT_EQ(kSize, iter->value().size());
  EXPECT_TRUE(iter->value() == big);
}

TEST_P(MemTableTest, IteratorOrdersVersionsNewestFirst) {
  MemTable mem{InternalKeyComparator(BytewiseComparator()), GetParam()};
  mem.Add(3, kTypeValue, "b", "b3");
  mem.Add(1, kTypeValue, "a", "a1");
  mem.Add(7, kTypeDeletion, "b", "");
  mem.Add(5, kTypeValue, "a", "a5");
  mem.Add(4, kTypeValue, "c", "c4");
  mem.Add(9, kTypeValue, "b", "b9");

  std::unique_ptr<Iterator> iter = mem.NewIterator();
  std::vector<Entry> entries = Scan(iter.get());
  const std::vector<std::pair<std::string, SequenceNumber>> expected = {
      {"a", 5}, {"a", 1}, {"b", 9}, {"b", 7}, {"b", 3}, {"c", 4}};
  ASSERT_EQ(expected.size(), entries.size());
  for (size_t i = 0; i < expected.size(); i++) {
    EXPECT_EQ(expected[i].first, entries[i].user_key);
    EXPECT_EQ(expected[i].second, entries[i].seq);
  }
  EXPECT_EQ(kTypeDeletion, entries[3].type);
  EXPECT_EQ("", entries[3].value);
  EXPECT_EQ(kTypeValue, entries[4].type);
  EXPECT_EQ("b3", entries[4].value);

  // Backwards gives the reverse.
  size_t i = expected.size();
  for (iter->SeekToLast(); iter->Valid(); iter->Prev()) {
    ASSERT_GT(i, 0u);
    --i;
    EXPECT_EQ(MakeInternalKey(expected[i].first, expected[i].second, entries[i].type), iter->key());
  }
  EXPECT_EQ(0u, i);
}

TEST_P(MemTableTest, IteratorSeekTakesAnInternalKey) {
  MemTable mem{InternalKeyComparator(BytewiseComparator()), GetParam()};
  mem.Add(1, kTypeValue, "a", "a1");
  mem.Add(3, kTypeValue, "b", "b3");
  mem.Add(7, kTypeDeletion, "b", "");
  mem.Add(9, kTypeValue, "b", "b9");
  mem.Add(4, kTypeValue, "c", "c4");
  std::unique_ptr<Iterator> iter = mem.NewIterator();

  // (b, 8): the newest version of b at snapshot 8 is the tombstone at 7.
  iter->Seek(MakeInternalKey("b", 8, kValueTypeForSeek));
  ASSERT_TRUE(iter->Valid());
  EXPECT_EQ(MakeInternalKey("b", 7, kTypeDeletion), iter->key());
  iter->Next();
  ASSERT_TRUE(iter->Valid());
  EXPECT_EQ(MakeInternalKey("b", 3, kTypeValue), iter->key());
  EXPECT_EQ("b3", iter->value());
  iter->Prev();
  iter->Prev();
  ASSERT_TRUE(iter->Valid());
  EXPECT_EQ(MakeInternalKey("b", 9, kTypeValue), iter->key());

  // An exact internal key lands on itself.
  iter->Seek(MakeInternalKey("b", 3, kTypeValue));
  ASSERT_TRUE(iter->Valid());
  EXPECT_EQ("b3", iter->value());

  // (b, 2): older than every b, so the seek moves on to c.
  iter->Seek(MakeInternalKey("b", 2, kValueTypeForSeek));
  ASSERT_TRUE(iter->Valid());
  EXPECT_EQ(MakeInternalKey("c", 4, kTypeValue), iter->key());

  iter->Seek(MakeInternalKey("c", 3, kValueTypeForSeek));
  EXPECT_FALSE(iter->Valid());

  iter->Seek(MakeInternalKey("", kMaxSequenceNumber, kValueTypeForSeek));
  ASSERT_TRUE(iter->Valid());
  EXPECT_EQ(MakeInternalKey("a", 1, kTypeValue), iter->key());
  iter->Prev();
  EXPECT_FALSE(iter->Valid());
}

TEST_P(MemTableTest, CountersTrackEntriesAndDeletes) {
  MemTable mem{InternalKeyComparator(BytewiseComparator()), GetParam()};
  mem.Add(1, kTypeValue, "a", "1");
  mem.Add(2, kTypeDeletion, "a", "");
  mem.Add(3, kTypeDeletion, "b", "");
  mem.Add(4, kTypeValue, "c", "4");
  EXPECT_EQ(4u, mem.NumEntries());
  EXPECT_EQ(2u, mem.NumDeletes());
  EXPECT_FALSE(mem.Empty());
}

TEST_P(MemTableTest, ApproximateMemoryUsageGrows) {
  MemTable mem{InternalKeyComparator(BytewiseComparator()), GetParam()};
  const size_t initial = mem.ApproximateMemoryUsage();
  const std::string value(1000, 'v');
  size_t previous = initial;
  for (int i = 0; i < 1000; i++) {
    mem.Add(i + 1, kTypeValue, "key" + std::to_string(i), value);
    size_t now = mem.ApproximateMemoryUsage();
    ASSERT_GE(now, previous);
    previous = now;
  }
  // At least the bytes of the values themselves.
  EXPECT_GE(mem.ApproximateMemoryUsage() - initial, 1000 * value.size());
}

// Internal keys in CompareInternalKeys order, for the model.
struct InternalKeyLess {
  bool operator()(const std::string& a, const std::string& b) const {
    return InternalKeyComparator(BytewiseComparator()).Compare(a, b) < 0;
  }
};

TEST_P(MemTableTest, RandomOperationsMatchStdMap) {
  Random rnd(42);
  MemTable mem{InternalKeyComparator(BytewiseComparator()), GetParam()};
  std::map<std::string, std::string, InternalKeyLess> model;  // internal key -> value
  const int kOps = 3000;
  auto random_user_key = [&rnd] {
    // Short keys over a small alphabet that includes NUL and 0xff, so keys
    // collide (several versions) and share prefixes.
    static const char kAlphabet[] = {'\0', 'a', 'b', '\x7f', '\x80', '\xff'};
    std::string key(rnd.Uniform(4), '\0');
    for (char& c : key) c = kAlphabet[rnd.Uniform(sizeof(kAlphabet))];
    return key;
  };

  for (SequenceNumber seq = 1; seq <= kOps; seq++) {
    std::string user_key = random_user_key();
    ValueType type = rnd.OneIn(4) ? kTypeDeletion : kTypeValue;
    std::string value = type == kTypeValue ? "v" + std::to_string(seq) : "";
    mem.Add(seq, type, user_key, value);
    model[MakeInternalKey(user_key, seq, type)] = value;
  }
  EXPECT_EQ(static_cast<uint64_t>(kOps), mem.NumEntries());

  // Forward and backward iteration match the model exactly.
  std::unique_ptr<Iterator> iter = mem.NewIterator();
  ASSERT_NO_FATAL_FAILURE(ExpectForwardScan(iter.get(), model));
  ASSERT_NO_FATAL_FAILURE(ExpectBackwardScan(iter.get(), model));

  // The scan iterator (a flush's) gives the same pass; a Prev from the
  // middle of it steps back from where it was, and Seek works as usual.
  std::unique_ptr<Iterator> scan = mem.NewScanIterator();
  ASSERT_NO_FATAL_FAILURE(ExpectForwardScan(scan.get(), model));
  scan->SeekToFirst();
  auto middle = model.begin();
  for (size_t i = 0; i < model.size() / 2; i++, ++middle) scan->Next();
  ASSERT_TRUE(scan->Valid());
  ASSERT_EQ(middle->first, scan->key());
  scan->Prev();
  ASSERT_TRUE(scan->Valid());
  EXPECT_EQ(std::prev(middle)->first, scan->key());
  EXPECT_EQ(std::prev(middle)->second, scan->value());
  scan->Seek(middle->first);
  ASSERT_TRUE(scan->Valid());
  EXPECT_EQ(middle->first, scan->key());
  scan->Next();
  ASSERT_TRUE(scan->Valid());
  EXPECT_EQ(std::next(middle)->first, scan->key());

  // Get and Seek at random snapshots match the model.
  for (int i = 0; i < 2000; i++) {
    std::string user_key = random_user_key();
    SequenceNumber snapshot = rnd.Uniform(kOps + 2);
    std::string target = MakeInternalKey(user_key, snapshot, kValueTypeForSeek);
    auto model_iter = model.lower_bound(target);

    iter->Seek(target);
    if (model_iter == model.end()) {
      ASSERT_FALSE(iter->Valid());
    } else {
      ASSERT_TRUE(iter->Valid());
      ASSERT_EQ(model_iter->first, iter->key());
    }

    ASSERT_EQ(ModelGet(model, user_key, snapshot), Lookup(mem, user_key, snapshot))
        << "key size " << user_key.size() << " snapshot " << snapshot;
  }
}

// A memtable and its model (internal key -> value), written together with
// ascending sequence numbers.
struct ModeledMemTable {
  explicit ModeledMemTable(size_t index_buckets)
      : mem(InternalKeyComparator(BytewiseComparator()), index_buckets) {}

  void Add(ValueType type, const std::string& key) {
    std::string value = type == kTypeValue ? "v" + std::to_string(seq + 1) : "";
    mem.Add(++seq, type, key, value);
    model[MakeInternalKey(key, seq, type)] = value;
  }

  MemTable mem;
  std::map<std::string, std::string, InternalKeyLess> model;
  SequenceNumber seq = 0;
};

// Tombstones of keys the memtable holds (linked in right before the key's
// newest entry when the index names it, see memtable.h), of keys deleted
// twice, and of keys it never held, among new writes: iteration both ways and
// Get at every snapshot match a model.
TEST_P(MemTableTest, TombstonesOfHeldKeysMatchStdMap) {
  Random rnd(7);
  ModeledMemTable m(GetParam());
  MemTable& mem = m.mem;
  const auto& model = m.model;
  SequenceNumber& seq = m.seq;
  std::vector<std::string> written;
  auto add = [&](ValueType type, const std::string& key) { m.Add(type, key); };
  for (int i = 0; i < 3000; i++) {
    written.push_back("elem:" + std::to_string(rnd.Uniform(1000000)));
    add(kTypeValue, written.back());
  }
  for (int i = 0; i < 6000; i++) {
    switch (rnd.Uniform(4)) {
      case 0:
      case 1:  // a held key (perhaps already deleted, perhaps written twice)
        add(kTypeDeletion, written[rnd.Uniform(static_cast<uint32_t>(written.size()))]);
        break;
      case 2:
        written.push_back("elem:" + std::to_string(rnd.Uniform(1000000)));
        add(kTypeValue, written.back());
        break;
      default:  // never written
        add(kTypeDeletion, "none:" + std::to_string(rnd.Uniform(1000000)));
        break;
    }
  }
  std::unique_ptr<Iterator> iter = mem.NewIterator();
  ASSERT_NO_FATAL_FAILURE(ExpectForwardScan(iter.get(), model));
  ASSERT_NO_FATAL_FAILURE(ExpectBackwardScan(iter.get(), model));
  for (int i = 0; i < 3000; i++) {
    const std::string& user_key = written[rnd.Uniform(static_cast<uint32_t>(written.size()))];
    SequenceNumber snapshot = rnd.Uniform(static_cast<uint32_t>(seq) + 2);
    ASSERT_EQ(ModelGet(model, user_key, snapshot), Lookup(mem, user_key, snapshot))
        << user_key << " at " << snapshot;
  }
}

// Seeks land where a search of the model would: to held keys at every
// sequence (the index names the newest entry when it is at or after the
// target), to absent keys, and to keys whose newest entry went in after the
// iterator was made (pending, or linked since: the index names it, and a
// pending one must not be taken).
TEST_P(MemTableTest, SeeksMatchStdMapWhateverTheIndexKnows) {
  Random rnd(8);
  ModeledMemTable m(GetParam());
  MemTable& mem = m.mem;
  const auto& model = m.model;
  const SequenceNumber& seq = m.seq;
  std::vector<std::string> written;
  auto add = [&](ValueType type, const std::string& key) { m.Add(type, key); };
  auto random_written = [&]() -> const std::string& {
    return written[rnd.Uniform(static_cast<uint32_t>(written.size()))];
  };
  for (int i = 0; i < 3000; i++) {
    written.push_back("elem:" + std::to_string(rnd.Uniform(1000000)));
    add(kTypeValue, written.back());
  }
  for (int i = 0; i < 3000; i++) add(rnd.OneIn(2) ? kTypeDeletion : kTypeValue, random_written());
  auto expect_seeks = [&](Iterator* iter,
                          const std::map<std::string, std::string, InternalKeyLess>& seen) {
    for (int i = 0; i < 4000; i++) {
      const std::string user_key =
          rnd.OneIn(5) ? "elem:" + std::to_string(rnd.Uniform(1000000)) : random_written();
      const SequenceNumber at = rnd.OneIn(4) ? kMaxSequenceNumber : rnd.Uniform(seq + 2);
      const std::string target =
          MakeInternalKey(user_key, at, rnd.OneIn(2) ? kValueTypeForSeek : kTypeDeletion);
      iter->Seek(target);
      auto want = seen.lower_bound(target);
      if (want == seen.end()) {
        ASSERT_FALSE(iter->Valid()) << user_key << " at " << at;
        continue;
      }
      ASSERT_TRUE(iter->Valid()) << user_key << " at " << at;
      ASSERT_EQ(iter->key(), want->first) << user_key << " at " << at;
      iter->Next();  // the walk goes on from the entry found
      ++want;
      ASSERT_EQ(iter->Valid(), want != seen.end());
      if (want != seen.end()) {
        ASSERT_EQ(iter->key(), want->first);
      }
    }
  };
  std::unique_ptr<Iterator> iter = mem.NewIterator();
  ASSERT_NO_FATAL_FAILURE(expect_seeks(iter.get(), model));
  // Newer entries after the iterator was made: some linked (tombstones of
  // held keys, hot keys), some left pending. The iterator sees the model
  // as it was, or a linked newer entry; a seek at a sequence the new entries
  // are above lands as in the old model.
  const SequenceNumber old_seq = seq;
  const auto old_model = model;
  for (int i = 0; i < 40; i++) add(rnd.OneIn(2) ? kTypeDeletion : kTypeValue, random_written());
  for (int i = 0; i < 4000; i++) {
    const std::string& user_key = random_written();
    const std::string target =
        MakeInternalKey(user_key, rnd.Uniform(old_seq + 1), kValueTypeForSeek);
    iter->Seek(target);
    auto want = old_model.lower_bound(target);
    ASSERT_TRUE(want != old_model.end());
    ASSERT_TRUE(iter->Valid());
    // A newer entry linked since may come first only past the target's key.
    ParsedInternalKey got;
    ASSERT_TRUE(ParseInternalKey(iter->key(), &got));
    if (got.sequence <= old_seq) {
      ASSERT_EQ(iter->key(), want->first) << user_key;
    } else {
      ASSERT_NE(got.user_key, user_key);
    }
  }
  std::unique_ptr<Iterator> fresh = mem.NewIterator();  // links what is pending
  ASSERT_NO_FATAL_FAILURE(expect_seeks(fresh.get(), model));
}

// Hot keys (each new version linked in through the writer's splice, see
// memtable.h) interleaved with random keys, tombstones, and versions added
// out of sequence order (which sort after the newest and must not go through
// the splice's place): the iterator and Get match a model.
TEST_P(MemTableTest, HotKeysInterleavedWithOthersMatchStdMap) {
  Random rnd(99);
  MemTable mem{InternalKeyComparator(BytewiseComparator()), GetParam()};
  std::map<std::string, std::string, InternalKeyLess> model;
  const std::vector<std::string> hot = {"m:counter", "m:list", "m:set", "m:zset", "n"};
  SequenceNumber seq = 2;
  for (int i = 0; i < 6000; i++, seq += 2) {
    std::string user_key;
    if (rnd.OneIn(2)) {
      user_key = hot[rnd.Uniform(hot.size())];
    } else {
      user_key = "m:" + std::to_string(rnd.Uniform(100000));
    }
    ValueType type = rnd.OneIn(6) ? kTypeDeletion : kTypeValue;
    std::string value = type == kTypeValue ? "v" + std::to_string(seq) : "";
    // Now and then, a version older than the key's newest (odd sequence).
    SequenceNumber at = rnd.OneIn(50) && seq > 4 ? seq - 3 : seq;
    if (model.count(MakeInternalKey(user_key, at, type)) != 0) continue;
    mem.Add(at, type, user_key, value);
    model[MakeInternalKey(user_key, at, type)] = value;
  }
  std::unique_ptr<Iterator> iter = mem.NewIterator();
  ASSERT_NO_FATAL_FAILURE(ExpectForwardScan(iter.get(), model));
  for (int i = 0; i < 3000; i++) {
    std::string user_key =
        rnd.OneIn(2) ? hot[rnd.Uniform(hot.size())] : "m:" + std::to_string(rnd.Uniform(100000));
    SequenceNumber snapshot = rnd.Uniform(seq + 2);
    ASSERT_EQ(ModelGet(model, user_key, snapshot), Lookup(mem, user_key, snapshot))
        << user_key << " at " << snapshot;
  }
}

// AddBatch: batches of 1 to 2 x kMaxBatch + 10 entries (chunks of up to
// kMaxBatch searched together) of random keys, several versions of one key in a batch,
// tombstones, and hot keys (whose chunks go in one by one) hold exactly what
// the same entries added one by one hold, and Get answers alike at every
// snapshot, through the index when there is one.
// With the index, an Add leaves its skip-list search for later (deferred
// links, memtable.h): a snapshot Get the index cannot answer and a new
// iterator must still find every entry, before and after a batch of
// kMaxBatch pending entries goes in.
TEST_P(MemTableTest, DeferredEntriesAreFoundByEveryReader) {
  MemTable mem{InternalKeyComparator(BytewiseComparator()), GetParam()};
  auto name = [](SequenceNumber seq) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "k%04llu", static_cast<unsigned long long>(seq));
    return std::string(buf);
  };
  const SequenceNumber count = 5 * MemTable::kMaxBatch / 2;
  for (SequenceNumber seq = 1; seq <= count; seq++) {
    // A new key, which stays pending; every 7th write a new version of the
    // key written two before, whose older version is likely still pending.
    const bool again = seq % 7 == 0;
    const std::string key = name(again ? seq - 2 : seq);
    mem.Add(seq, kTypeValue, key, "v" + std::to_string(seq));
    if (seq % 19 == 0) {
      // Before the Gets below, which link the pending entries themselves.
      std::unique_ptr<Iterator> iter = mem.NewIterator();
      ASSERT_EQ(Scan(iter.get()).size(), seq);
    }
    ASSERT_EQ(Value("v" + std::to_string(seq)), Lookup(mem, key, seq)) << seq;
    if (again) {
      // The index's first entry is too new: the skip list answers.
      ASSERT_EQ(Value("v" + std::to_string(seq - 2)), Lookup(mem, key, seq - 1)) << seq;
    }
  }
  std::unique_ptr<Iterator> iter = mem.NewIterator();
  std::vector<Entry> all = Scan(iter.get());
  ASSERT_EQ(all.size(), count);
  EXPECT_EQ(all.front().user_key, "k0001");
  EXPECT_EQ(all.front().seq, 1u);
  EXPECT_EQ(all.back().user_key, name(count % 7 == 0 ? count - 1 : count));
}

TEST(MemTableBoundedIteratorTest, LinksOnlyTheDeferredEntriesInsideItsBounds) {
  // With the index, new keys stay pending until a reader needs them. An
  // iterator with bounds links only those inside; the others stay pending
  // (the iterator, which walks the whole skip list, does not see them) and
  // are linked by the next reader that needs them, or with the next batch.
  MemTable mem{InternalKeyComparator(BytewiseComparator()), 1024};
  SequenceNumber seq = 0;
  for (int i = 0; i < 5; i++) {
    mem.Add(++seq, kTypeValue, "b" + std::to_string(i), "vb");
    mem.Add(++seq, kTypeValue, "a" + std::to_string(i), "va");
    mem.Add(++seq, kTypeValue, "c" + std::to_string(i), "vc");
  }
  const std::string_view lower = "b", upper = "c";
  ReadOptions options;
  options.iterate_lower_bound = &lower;
  options.iterate_upper_bound = &upper;
  const IterateBounds bounds(options, InternalKeyComparator(BytewiseComparator()));
  std::vector<Entry> linked = Scan(mem.NewIterator(bounds).get());
  ASSERT_EQ(linked.size(), 5u);
  for (int i = 0; i < 5; i++) EXPECT_EQ(linked[i].user_key, "b" + std::to_string(i));

  // The kept entries join the next batch: fill it, then everything is in
  // order.
  for (int i = 0; static_cast<size_t>(i) < MemTable::kMaxBatch; i++) {
    mem.Add(++seq, kTypeValue, "d" + std::to_string(1000 + i), "vd");
  }
  std::vector<Entry> all = Scan(mem.NewIterator().get());
  ASSERT_EQ(all.size(), 15 + MemTable::kMaxBatch);
  for (size_t k = 1; k < all.size(); k++) EXPECT_LT(all[k - 1].user_key, all[k].user_key);
  EXPECT_EQ(all.front().user_key, "a0");
  EXPECT_EQ(all[10].user_key, "c0");
  for (const char* key : {"a3", "b3", "c3"}) {
    EXPECT_EQ(Lookup(mem, key, seq), Value(std::string("v") + key[0])) << key;
  }
}

TEST(MemTableBoundedIteratorTest, SeesEveryPendingEntryInsideItsBoundsWhateverTheRangeBefore) {
  // The pending entries' key range lets an iterator skip them all when the
  // range misses its bounds. Each step below adds an entry that widens the
  // range at one end (or lies in its middle) and reads it back through an
  // iterator whose bounds the range did not meet before that Add: a range
  // not kept up to date would hide the entry.
  MemTable mem{InternalKeyComparator(BytewiseComparator()), 1024};
  SequenceNumber seq = 0;
  std::set<std::string> written;
  auto add = [&](const std::string& key) {
    mem.Add(++seq, kTypeValue, key, "v" + key);
    written.insert(key);
  };
  // The keys of [lower, upper) the memtable holds, through a bounded
  // iterator, against what was written.
  auto check = [&](const std::string& lower, const std::string& upper) {
    const std::string_view lo = lower, up = upper;
    ReadOptions options;
    options.iterate_lower_bound = &lo;
    options.iterate_upper_bound = &up;
    const IterateBounds bounds(options, InternalKeyComparator(BytewiseComparator()));
    std::vector<std::string> seen, expected;
    for (const Entry& e : Scan(mem.NewIterator(bounds).get())) {
      if (e.user_key >= lower && e.user_key < upper) seen.push_back(e.user_key);
    }
    for (const std::string& k : written) {
      if (k >= lower && k < upper) expected.push_back(k);
    }
    EXPECT_EQ(seen, expected) << "[" << lower << ", " << upper << ")";
  };
  add("m1");
  add("m3");
  check("a", "b");  // the range [m1, m3] misses: nothing linked
  add("a1");        // a new smallest key
  check("a", "b");
  add("z1");  // a new largest key
  check("y", "zz");
  add("m2");  // inside the range
  check("m2", "m3");
  check("m", "n");
  // Some entries left pending outside a link: the range is recomputed from
  // them, and later Adds widen it again.
  add("c1");
  add("e1");
  add("g1");
  check("d", "f");  // links e1; c1 and g1 stay pending
  add("f1");
  check("f", "g");
  add("b1");
  check("b", "c");
  check("a", "zz");
  EXPECT_LT(seq, MemTable::kMaxBatch);  // every link above was a reader's
}

TEST(MemTableHotKeyTest, AKeyThatKeepsComingBackKeepsItsSlot) {
  // A list's metadata record and its new elements: each element a new key,
  // every one in the record's hot-key slot (the same XXH3 hash modulo 16,
  // the slot count). The record's new versions still go in through its
  // splice, with a few comparisons; a search of this list takes 20 and
  // more. (Now and then the splice fails anyway: an element's tower reached
  // a level of the record's new node.)
  test::CountingBytewise cmp;
  MemTable mem{InternalKeyComparator(&cmp)};
  SequenceNumber seq = 1;
  for (int i = 0; i < 5000; i++) {
    mem.Add(seq++, kTypeValue, "other" + std::to_string(i * 7919 % 5000), "x");
  }
  const std::string meta = "meta";
  auto slot = [](std::string_view key) { return XXH3_64bits(key.data(), key.size()) % 16; };
  int next_element = 100000, cheap = 0;
  const int rounds = 400;
  for (int i = 0; i < rounds; i++) {
    std::string element;
    do {
      element = "element" + std::to_string(next_element--);
    } while (slot(element) != slot(meta));
    mem.Add(seq++, kTypeValue, element, "x");
    cmp.count = 0;
    mem.Add(seq++, kTypeValue, meta, "v" + std::to_string(i));
    if (cmp.count <= 6) cheap++;
  }
  EXPECT_GE(cheap, rounds * 9 / 10);
  std::unique_ptr<Iterator> iter = mem.NewIterator();
  EXPECT_EQ(Scan(iter.get()).size(), 5000u + 2 * rounds);
}

TEST_P(MemTableTest, AddBatchMatchesAddOneByOne) {
  Random rnd(2024);
  const InternalKeyComparator icmp(BytewiseComparator());
  MemTable batched{icmp, GetParam()};
  MemTable single{icmp, GetParam()};
  std::vector<std::string> user_keys;  // AddBatch's entries view these
  user_keys.reserve(20000);
  std::vector<std::string> values;
  values.reserve(20000);
  SequenceNumber seq = 1;
  while (seq < 15000) {
    std::vector<MemTable::PointEntry> batch;
    const size_t n = 1 + rnd.Uniform(2 * MemTable::kMaxBatch + 10);
    for (size_t k = 0; k < n; k++, seq++) {
      if (!batch.empty() && rnd.OneIn(8)) {
        user_keys.push_back(std::string(batch[rnd.Uniform(batch.size())].user_key));
      } else if (rnd.OneIn(10)) {
        user_keys.push_back("hot" + std::to_string(rnd.Uniform(3)));
      } else {
        user_keys.push_back("k" + std::to_string(rnd.Uniform(5000)));
      }
      const ValueType type = rnd.OneIn(5) ? kTypeDeletion : kTypeValue;
      values.push_back(type == kTypeValue ? "v" + std::to_string(seq) : "");
      batch.push_back({seq, type, user_keys.back(), values.back()});
      single.Add(seq, type, user_keys.back(), values.back());
    }
    batched.AddBatch(batch.data(), batch.size());
  }
  EXPECT_EQ(batched.NumEntries(), single.NumEntries());
  EXPECT_EQ(batched.NumDeletes(), single.NumDeletes());
  EXPECT_EQ(batched.MaxPointSequence(), seq - 1);
  EXPECT_EQ(batched.HasHashIndex(), single.HasHashIndex());
  std::unique_ptr<Iterator> a = batched.NewIterator();
  std::unique_ptr<Iterator> b = single.NewIterator();
  std::vector<Entry> scan_a = Scan(a.get()), scan_b = Scan(b.get());
  ASSERT_EQ(scan_a.size(), scan_b.size());
  for (size_t i = 0; i < scan_a.size(); i++) {
    ASSERT_EQ(scan_a[i].user_key, scan_b[i].user_key) << i;
    ASSERT_EQ(scan_a[i].seq, scan_b[i].seq) << i;
    ASSERT_EQ(scan_a[i].type, scan_b[i].type) << i;
    ASSERT_EQ(scan_a[i].value, scan_b[i].value) << i;
  }
  for (int i = 0; i < 5000; i++) {
    std::string user_key = rnd.OneIn(10) ? "hot" + std::to_string(rnd.Uniform(3))
                                         : "k" + std::to_string(rnd.Uniform(5000));
    SequenceNumber snapshot = rnd.OneIn(2) ? kMaxSequenceNumber : rnd.Uniform(seq + 1);
    ASSERT_EQ(Lookup(single, user_key, snapshot), Lookup(batched, user_key, snapshot))
        << user_key << " at " << snapshot;
  }
}

TEST_P(MemTableTest, RangeTombstonesBesideTheSkipList) {
  MemTable mem{InternalKeyComparator(BytewiseComparator()), GetParam()};
  EXPECT_EQ(mem.RangeTombstones(), nullptr);  // none: no view, no lock
  mem.Add(1, kTypeValue, "k", "v");
  mem.AddRangeTombstone(2, "a", "m");
  EXPECT_FALSE(mem.Empty());
  EXPECT_EQ(mem.NumEntries(), 2u);
  auto first = mem.RangeTombstones();
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(mem.RangeTombstones(), first);  // the cached view
  mem.AddRangeTombstone(3, "f", "z");
  auto second = mem.RangeTombstones();
  EXPECT_NE(second, first);                        // rebuilt after a new tombstone
  EXPECT_EQ(first->MaxCoveringSeq("g", 100), 2u);  // an old view stays as it was
  EXPECT_EQ(second->MaxCoveringSeq("g", 100), 3u);
  EXPECT_EQ(second->MaxCoveringSeq("g", 2), 2u);
  // Get ignores range tombstones: the DB compares sequence numbers.
  std::string value;
  Status s;
  SequenceNumber seq = 0;
  ASSERT_TRUE(mem.Get(LookupKey("k", 100), &value, &s, &seq));
  EXPECT_EQ(value, "v");
  EXPECT_EQ(seq, 1u);
}

INSTANTIATE_TEST_SUITE_P(HashIndex, MemTableTest, ::testing::Values(0, 1024, 1),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           return info.param == 0 ? std::string("None")
                                                  : "Buckets" + std::to_string(info.param);
                         });

TEST(MemTableHashIndexTest, OnlyWithBuckets) {
  EXPECT_FALSE(MemTable(InternalKeyComparator(BytewiseComparator()), 0).HasHashIndex());
  EXPECT_TRUE(MemTable(InternalKeyComparator(BytewiseComparator()), 1).HasHashIndex());
  EXPECT_TRUE(MemTable(InternalKeyComparator(BytewiseComparator()), 1000).HasHashIndex());
}

// Page faults this thread has taken so far.
uint64_t ThreadMinorFaults() {
  struct rusage usage;
  EXPECT_EQ(::getrusage(RUSAGE_THREAD, &usage), 0);
  return static_cast<uint64_t>(usage.ru_minflt);
}

TEST(MemTableHashIndexTest, BucketPagesFaultOnceThenAllAtOnce) {
  // The sanitizers' shadow memory faults too, beside the array.
  if (kAnySanitizer) GTEST_SKIP() << "counts page faults";
  // With transparent huge pages always on, one fault maps 2 MiB of it.
  std::ifstream thp("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string thp_mode((std::istreambuf_iterator<char>(thp)), std::istreambuf_iterator<char>());
  if (thp_mode.find("[always]") != std::string::npos) GTEST_SKIP() << "counts base pages";
  // 2^23 buckets: a 64 MiB array, larger than malloc ever serves from its
  // heap, so its pages are the kernel's untouched ones.
  constexpr size_t kBuckets = size_t{1} << 23;
  // The machine's page size (4 KiB on x86-64, up to 64 KiB on arm64), as
  // MemTable::PopulateIndex rounds by it.
  const size_t kBucketsPerPage = static_cast<size_t>(::sysconf(_SC_PAGESIZE)) / sizeof(const char*);
  MemTable mem(InternalKeyComparator(BytewiseComparator()), kBuckets);
  ASSERT_TRUE(mem.HasHashIndex());
  const std::string value(16, 'v');
  auto key = [](int i) { return "key" + std::to_string(i); };
  auto page_of = [&](int i) {
    const std::string k = key(i);
    return (XXH3_64bits(k.data(), k.size()) & (kBuckets - 1)) / kBucketsPerPage;
  };
  // Before kPopulateIndexAt entries: one fault per bucket page first
  // touched, not two (a read mapping the zero page, then the write). The
  // slack is for the arena's own small blocks.
  constexpr int kFirst = 1000;
  static_assert(kFirst < MemTable::kPopulateIndexAt);
  std::set<uint64_t> pages;
  for (int i = 0; i < kFirst; i++) pages.insert(page_of(i));
  uint64_t before = ThreadMinorFaults();
  for (int i = 0; i < kFirst; i++) mem.Add(i + 1, kTypeValue, key(i), value);
  const uint64_t first_faults = ThreadMinorFaults() - before;
  EXPECT_GE(first_faults, pages.size());
  EXPECT_LE(first_faults, pages.size() + 64);
  // At kPopulateIndexAt the whole array is faulted in: later keys, on pages
  // no key touched before, fault no more.
  int next = kFirst;
  for (; next < static_cast<int>(MemTable::kPopulateIndexAt); next++) {
    mem.Add(next + 1, kTypeValue, key(next), value);
  }
  std::set<uint64_t> new_pages;
  before = ThreadMinorFaults();
  for (int i = next; i < next + 1000; i++) {
    if (pages.count(page_of(i)) == 0) new_pages.insert(page_of(i));
    mem.Add(i + 1, kTypeValue, key(i), value);
  }
  EXPECT_GE(new_pages.size(), 500u);
  EXPECT_LE(ThreadMinorFaults() - before, 64u);
  // And the index still finds every key.
  for (int i = 0; i < next + 1000; i++) {
    std::string got;
    Status s;
    ASSERT_TRUE(mem.Get(LookupKey(key(i), kMaxSequenceNumber), &got, &s)) << i;
    EXPECT_EQ(got, value);
  }
}

TEST(MemTableHashIndexTest, OnlyWithTheBytewiseComparator) {
  // Another comparator may call different byte strings equal, which a hash
  // of the bytes cannot know; its memtable searches the skip list.
  test::ReverseBytewiseComparator reverse;
  MemTable mem{InternalKeyComparator(&reverse), 1024};
  EXPECT_FALSE(mem.HasHashIndex());
  mem.Add(1, kTypeValue, "a", "1");
  mem.Add(2, kTypeValue, "b", "2");
  EXPECT_EQ(Value("1"), Lookup(mem, "a", 10));
  EXPECT_EQ(Value("2"), Lookup(mem, "b", 10));
  EXPECT_EQ(Absent(), Lookup(mem, "c", 10));
}

TEST(MemTableHashIndexTest, BucketsCountInMemoryUsage) {
  MemTable small{InternalKeyComparator(BytewiseComparator()), 0};
  MemTable indexed{InternalKeyComparator(BytewiseComparator()), 1 << 16};
  // 65536 buckets of 8 bytes, rounded up from the request if need be.
  EXPECT_GE(indexed.ApproximateMemoryUsage(), small.ApproximateMemoryUsage() + (1 << 19));
  MemTable rounded{InternalKeyComparator(BytewiseComparator()), (1 << 16) + 1};
  EXPECT_GE(rounded.ApproximateMemoryUsage(), small.ApproximateMemoryUsage() + (1 << 20));
}

TEST(MemTableHashIndexTest, AnAddOutOfSequenceOrderTurnsTheIndexOff) {
  // The index answers from a key's newest chain entry, which is its highest
  // sequence only while Adds come in sequence order (the write path's).
  MemTable mem{InternalKeyComparator(BytewiseComparator()), 1};
  mem.Add(5, kTypeValue, "k", "v5");
  mem.Add(6, kTypeValue, "other", "o6");
  EXPECT_TRUE(mem.HasHashIndex());
  mem.Add(3, kTypeValue, "k", "v3");
  EXPECT_FALSE(mem.HasHashIndex());
  EXPECT_EQ(Value("v5"), Lookup(mem, "k", 10));
  EXPECT_EQ(Value("v3"), Lookup(mem, "k", 4));
  EXPECT_EQ(Absent(), Lookup(mem, "k", 2));
  EXPECT_EQ(Value("o6"), Lookup(mem, "other", 10));
  EXPECT_EQ(Absent(), Lookup(mem, "missing", 10));
}

}  // namespace
}  // namespace strata
