// Tests for BlockBuilder and Block (sstable/block_builder.h, sstable/block.h):
// round trips, Seek and Prev around restart points, binary keys, and damaged
// blocks that must give Corruption without reading out of bounds.

#include "sstable/block.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "sstable/block_builder.h"
#include "test_comparators.h"
#include "util/coding.h"
#include "util/internal_key.h"
#include "util/random.h"

namespace strata {
namespace {

std::unique_ptr<Block> ParseOrDie(std::string_view contents) {
  std::unique_ptr<Block> block;
  Status s = Block::Parse(std::string(contents), &block);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return block;
}

// Builds a block of keys -> "v" + key with the given restart interval.
std::string BuildBlock(const std::map<std::string, std::string>& entries, int restart_interval) {
  BlockBuilder builder(restart_interval);
  for (const auto& [k, v] : entries) builder.Add(k, v);
  return std::string(builder.Finish());
}

// Checks forward and backward iteration, and Seek to each key, to the gap
// before each key, and past the end.
void CheckAgainstMap(const Block& block, const std::map<std::string, std::string>& entries) {
  std::unique_ptr<Iterator> it = block.NewNameIterator();
  auto expected = entries.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++expected) {
    ASSERT_NE(expected, entries.end());
    ASSERT_EQ(expected->first, it->key());
    ASSERT_EQ(expected->second, it->value());
  }
  ASSERT_EQ(expected, entries.end());
  ASSERT_TRUE(it->status().ok());

  auto rexpected = entries.rbegin();
  for (it->SeekToLast(); it->Valid(); it->Prev(), ++rexpected) {
    ASSERT_NE(rexpected, entries.rend());
    ASSERT_EQ(rexpected->first, it->key());
    ASSERT_EQ(rexpected->second, it->value());
  }
  ASSERT_EQ(rexpected, entries.rend());

  for (const auto& [k, v] : entries) {
    it->Seek(k);
    ASSERT_TRUE(it->Valid()) << k;
    ASSERT_EQ(k, it->key());
    ASSERT_EQ(v, it->value());
    // Just below k: k with its last byte removed sorts before k.
    std::string below = k.substr(0, k.size() - 1);
    it->Seek(below);
    auto lb = entries.lower_bound(below);
    ASSERT_TRUE(it->Valid());
    ASSERT_EQ(lb->first, it->key());
    // Just after k: the next key.
    it->Seek(k + std::string(1, '\0'));
    auto next = entries.upper_bound(k);
    if (next == entries.end()) {
      ASSERT_FALSE(it->Valid());
    } else {
      ASSERT_TRUE(it->Valid());
      ASSERT_EQ(next->first, it->key());
      // Prev from the entry after k lands on k, crossing restarts as needed.
      it->Prev();
      ASSERT_TRUE(it->Valid());
      ASSERT_EQ(k, it->key());
    }
  }
  ASSERT_TRUE(it->status().ok());
}

TEST(BlockTest, EmptyBlock) {
  BlockBuilder builder(16);
  EXPECT_TRUE(builder.empty());
  std::string contents(builder.Finish());
  EXPECT_EQ(std::string(4, '\0'), contents);  // fixed32 num_restarts = 0
  auto block = ParseOrDie(contents);
  std::unique_ptr<Iterator> it = block->NewNameIterator();
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  it->SeekToLast();
  EXPECT_FALSE(it->Valid());
  it->Seek("a");
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
}

TEST(BlockTest, ExactEncoding) {
  BlockBuilder builder(2);
  builder.Add("apple", "1");
  builder.Add("apricot", "22");
  builder.Add("banana", "");
  const std::string expected = std::string(
                                   "\x00\x05\x01"
                                   "apple"
                                   "1",
                                   9) +  // restart 0 at offset 0
                               std::string(
                                   "\x02\x05\x02"
                                   "ricot"
                                   "22",
                                   10) +  // shares "ap"
                               std::string(
                                   "\x00\x06\x00"
                                   "banana",
                                   9) +  // restart 1 at offset 19
                               std::string(
                                   "\x00\x00\x00\x00"
                                   "\x13\x00\x00\x00"
                                   "\x02\x00\x00\x00",
                                   12);
  EXPECT_EQ(expected.size(), builder.CurrentSizeEstimate());
  EXPECT_EQ(expected, builder.Finish());
}

TEST(BlockTest, RoundTripAtEveryRestartInterval) {
  for (int interval : {1, 2, 3, 16, 1000}) {
    for (int n : {1, 2, 3, 15, 16, 17, 33, 200}) {
      std::map<std::string, std::string> entries;
      for (int i = 0; i < n; i++) {
        char key[32];
        snprintf(key, sizeof(key), "key%06d", i * 7);
        entries[key] = "value" + std::to_string(i);
      }
      SCOPED_TRACE("interval=" + std::to_string(interval) + " n=" + std::to_string(n));
      auto block = ParseOrDie(BuildBlock(entries, interval));
      CheckAgainstMap(*block, entries);
    }
  }
}

// Prev remembers the restart interval it decoded; any mix of moves must
// still land where an ordered map says, with the right key and value.
TEST(BlockTest, RandomWalkOfNextPrevAndSeeksMatchesAMap) {
  Random rnd(301);
  for (int interval : {1, 4, 16}) {
    std::map<std::string, std::string> entries;
    for (int i = 0; i < 150; i++) {
      // Keys of varied length and shared prefixes, values of varied length.
      std::string key = "k" + std::to_string(rnd.Uniform(20)) + "/" + std::to_string(i * 13);
      entries[key] = std::string(rnd.Uniform(40), static_cast<char>('a' + i % 26));
    }
    SCOPED_TRACE("interval=" + std::to_string(interval));
    auto block = ParseOrDie(BuildBlock(entries, interval));
    std::unique_ptr<Iterator> it = block->NewNameIterator();
    auto expected = entries.end();  // entries.end(): not Valid
    for (int step = 0; step < 5000; step++) {
      const uint32_t move = expected == entries.end() ? rnd.Uniform(3) : rnd.Uniform(6);
      switch (move) {
        case 0:
          it->SeekToLast();
          expected = std::prev(entries.end());
          break;
        case 1:
          it->SeekToFirst();
          expected = entries.begin();
          break;
        case 2: {
          auto target = std::next(entries.begin(), rnd.Uniform(entries.size()));
          it->Seek(target->first);
          expected = target;
          break;
        }
        case 3:
          it->Next();
          ++expected;
          break;
        default:  // Prev, twice as often: runs of Prev use the remembered interval
          it->Prev();
          expected = expected == entries.begin() ? entries.end() : std::prev(expected);
          break;
      }
      ASSERT_EQ(expected != entries.end(), it->Valid()) << "step " << step << " move " << move;
      if (it->Valid()) {
        ASSERT_EQ(expected->first, it->key()) << "step " << step << " move " << move;
        ASSERT_EQ(expected->second, it->value()) << "step " << step << " move " << move;
      }
    }
    ASSERT_TRUE(it->status().ok());
  }
}

// A destroyed block's bytes go to the pool, and the next read takes them.
TEST(BlockTest, ADestroyedBlocksBufferIsTakenByTheNextRead) {
  std::map<std::string, std::string> entries;
  for (int i = 0; i < 100; i++) entries["key" + std::to_string(1000 + i)] = std::string(30, 'v');
  std::string contents = BuildBlock(entries, 16);
  ASSERT_GE(contents.capacity(), 1024u);
  const char* bytes = contents.data();
  const size_t length = contents.size();
  std::unique_ptr<Block> block;
  ASSERT_TRUE(Block::Parse(std::move(contents), &block).ok());
  block.reset();
  std::string reused = Block::TakeBuffer();
  EXPECT_EQ(bytes, reused.data());
  EXPECT_GE(reused.capacity(), 1024u);
  // Its length is kept, so sizing it for a block about as long writes no
  // zeros over the bytes the decompressor is about to write.
  EXPECT_EQ(reused.size(), length);
}

// The pool keeps at most 16 buffers; the rest are freed.
TEST(BlockTest, TheBufferPoolIsBounded) {
  while (Block::TakeBuffer().capacity() >= 1024) {
  }
  std::map<std::string, std::string> entries;
  for (int i = 0; i < 100; i++) entries["key" + std::to_string(1000 + i)] = std::string(30, 'v');
  for (int i = 0; i < 20; i++) ParseOrDie(BuildBlock(entries, 16)).reset();
  for (int i = 0; i < 16; i++) EXPECT_GE(Block::TakeBuffer().capacity(), 1024u) << i;
  EXPECT_LT(Block::TakeBuffer().capacity(), 1024u);
}

TEST(BlockTest, BinaryKeysAndValues) {
  std::map<std::string, std::string> entries;
  entries[std::string("\0", 1)] = std::string("\0\0", 2);
  entries[std::string("\0\0", 2)] = "x";
  entries[std::string("a\0b", 3)] = std::string("\xff", 1);
  entries[std::string("a\xff", 2)] = "";
  entries[std::string("\xff", 1)] = std::string(1000, '\xff');
  entries[std::string("\xff\xff\xff", 3)] = std::string("\0v\0", 3);
  entries["\x7f"] = "\x80";
  entries["\x80"] = "\x7f";  // unsigned order: 0x7f < 0x80
  Random rnd(7);
  for (int i = 0; i < 300; i++) {
    std::string k(1 + rnd.Uniform(12), '\0');
    for (char& c : k) c = static_cast<char>(rnd.Uniform(3) == 0 ? 0xff : rnd.Uniform(3));
    entries[k] = std::to_string(i);
  }
  for (int interval : {1, 4, 16}) {
    auto block = ParseOrDie(BuildBlock(entries, interval));
    CheckAgainstMap(*block, entries);
  }
}

// Keys around BlockKey::kInline bytes, sharing long prefixes: a key that
// outgrows the iterator's inline bytes moves to the heap mid-walk, and
// stepping back to a short key after a long one reads it whole.
TEST(BlockTest, KeysLongerThanTheInlineBufferRoundTrip) {
  std::map<std::string, std::string> entries;
  Random rnd(11);
  const std::string base(BlockKey::kInline - 8, 'p');
  for (int i = 0; i < 200; i++) {
    std::string k = base.substr(0, rnd.Uniform(static_cast<uint32_t>(base.size())));
    k += std::string(1 + rnd.Uniform(2 * BlockKey::kInline), static_cast<char>('a' + i % 26));
    entries[k] = std::to_string(i);
  }
  for (int interval : {1, 3, 16}) {
    auto block = ParseOrDie(BuildBlock(entries, interval));
    CheckAgainstMap(*block, entries);
  }
}

// Block::Iter, built in place, finds what NewIterator finds, keys past the
// inline bytes included.
TEST(BlockTest, InPlaceIteratorMatchesTheHeapOne) {
  const InternalKeyComparator icmp(BytewiseComparator());
  struct InternalOrder {
    bool operator()(const std::string& a, const std::string& b) const {
      return InternalKeyComparator(BytewiseComparator()).Compare(a, b) < 0;
    }
  };
  std::map<std::string, std::string, InternalOrder> entries;
  Random rnd(12);
  for (int i = 0; i < 300; i++) {
    std::string user_key(1 + rnd.Uniform(3 * BlockKey::kInline), 'k');
    user_key += std::to_string(i);
    entries[MakeInternalKey(user_key, 1 + rnd.Uniform(100), kTypeValue)] = std::to_string(i);
  }
  BlockBuilder builder(4);
  for (const auto& [k, v] : entries) builder.Add(k, v);
  auto block = ParseOrDie(builder.Finish());
  std::unique_ptr<Iterator> heap = block->NewIterator(icmp);
  for (const auto& [k, v] : entries) {
    const std::string target =
        MakeInternalKey(ExtractUserKey(k), kMaxSequenceNumber, kValueTypeForSeek);
    BlockIter in_place = block->Iter(icmp);
    in_place.Seek(target);
    heap->Seek(target);
    ASSERT_TRUE(in_place.Valid());
    ASSERT_TRUE(heap->Valid());
    EXPECT_EQ(k, in_place.key());
    EXPECT_EQ(heap->key(), in_place.key());
    EXPECT_EQ(v, in_place.value());
    EXPECT_TRUE(in_place.status().ok());
  }
}

TEST(BlockTest, SeekBeforeFirstAndAfterLast) {
  std::map<std::string, std::string> entries = {{"b", "1"}, {"d", "2"}, {"f", "3"}};
  auto block = ParseOrDie(BuildBlock(entries, 2));
  std::unique_ptr<Iterator> it = block->NewNameIterator();
  it->Seek("");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("b", it->key());
  it->Prev();
  EXPECT_FALSE(it->Valid());
  it->Seek("c");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("d", it->key());
  it->Seek("g");
  EXPECT_FALSE(it->Valid());
  it->SeekToLast();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("f", it->key());
  it->Next();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
}

TEST(BlockTest, InternalKeyOrder) {
  // Versions of one user key sort newest first, which bytewise order of the
  // little-endian trailers would not give.
  BlockBuilder builder(2);
  std::vector<std::string> keys = {
      MakeInternalKey("a", 300, kTypeValue), MakeInternalKey("a", 256, kTypeDeletion),
      MakeInternalKey("a", 2, kTypeValue),   MakeInternalKey("b", 1000, kTypeValue),
      MakeInternalKey("b", 1, kTypeValue),
  };
  for (size_t i = 0; i < keys.size(); i++) builder.Add(keys[i], std::to_string(i));
  auto block = ParseOrDie(builder.Finish());
  std::unique_ptr<Iterator> it = block->NewIterator(InternalKeyComparator(BytewiseComparator()));
  it->Seek(MakeInternalKey("a", 257, kValueTypeForSeek));
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(keys[1], it->key());
  it->Seek(MakeInternalKey("a", 1, kValueTypeForSeek));
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(keys[3], it->key());
  it->Prev();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(keys[2], it->key());
  it->Seek(MakeInternalKey("b", kMaxSequenceNumber, kValueTypeForSeek));
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("3", it->value());
}

// Every way the restart array can be wrong is rejected by Parse.
TEST(BlockTest, ParseRejectsBadRestartArrays) {
  std::unique_ptr<Block> block;
  EXPECT_TRUE(Block::Parse("", &block).IsCorruption());
  EXPECT_TRUE(Block::Parse("abc", &block).IsCorruption());
  std::string s;
  PutFixed32(&s, 1);  // one restart, but no room for it
  EXPECT_TRUE(Block::Parse(s, &block).IsCorruption());
  s.clear();
  PutFixed32(&s, 0xffffffffu);
  EXPECT_TRUE(Block::Parse(s, &block).IsCorruption());

  std::string good = BuildBlock({{"a", "1"}, {"b", "2"}, {"c", "3"}}, 1);
  ASSERT_TRUE(Block::Parse(good, &block).ok());
  const size_t restarts = good.size() - 4 - 3 * 4;
  auto with_restart = [&](int index, uint32_t offset) {
    std::string bad = good;
    EncodeFixed32(bad.data() + restarts + 4 * index, offset);
    return bad;
  };
  EXPECT_TRUE(Block::Parse(with_restart(0, 1), &block).IsCorruption());     // first not 0
  EXPECT_TRUE(Block::Parse(with_restart(2, 1000), &block).IsCorruption());  // past entries
  EXPECT_TRUE(Block::Parse(with_restart(2, 0), &block).IsCorruption());     // not increasing
  std::string no_restarts = good;
  EncodeFixed32(no_restarts.data() + no_restarts.size() - 4, 0);  // entries, no restarts
  EXPECT_TRUE(Block::Parse(no_restarts, &block).IsCorruption());
}

// Every single-byte change to a block's entries either parses into entries
// or yields Corruption from the iterator; ASan checks nothing is read out of
// bounds.
TEST(BlockTest, DamagedEntriesGiveCorruptionNotOutOfBounds) {
  std::map<std::string, std::string> entries;
  for (int i = 0; i < 40; i++) entries["key" + std::to_string(i * 13)] = std::string(i % 7, 'v');
  const std::string good = BuildBlock(entries, 4);
  const size_t entry_bytes = good.size() - 4 * (1 + 10);
  int corruptions = 0;
  for (size_t pos = 0; pos < entry_bytes; pos++) {
    for (uint8_t delta : {0x01, 0x80, 0xff}) {
      std::string bad = good;
      bad[pos] = static_cast<char>(bad[pos] ^ delta);
      std::unique_ptr<Block> block;
      ASSERT_TRUE(Block::Parse(bad, &block).ok());
      for (bool names : {true, false}) {
        std::unique_ptr<Iterator> it =
            names ? block->NewNameIterator()
                  : block->NewIterator(InternalKeyComparator(BytewiseComparator()));
        for (it->SeekToFirst(); it->Valid(); it->Next()) {
        }
        bool corrupt = it->status().IsCorruption();
        for (it->SeekToLast(); it->Valid(); it->Prev()) {
        }
        it->Seek(names ? std::string("key300") : MakeInternalKey("key300", 5, kTypeValue));
        corrupt = corrupt || it->status().IsCorruption();
        if (corrupt && names) corruptions++;
        EXPECT_FALSE(!it->status().ok() && !it->status().IsCorruption());
      }
    }
  }
  EXPECT_GT(corruptions, 0);
}

TEST(BlockTest, OversizedLengthsAreCorruption) {
  // One entry claiming a value far beyond the block.
  std::string s;
  PutVarint32(&s, 0);
  PutVarint32(&s, 1);
  PutVarint32(&s, 0x7fffffff);
  s += "k";
  PutFixed32(&s, 0);
  PutFixed32(&s, 1);
  auto block = ParseOrDie(s);
  std::unique_ptr<Iterator> it = block->NewNameIterator();
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsCorruption());

  // A restart entry claiming a shared prefix.
  s.clear();
  PutVarint32(&s, 3);
  PutVarint32(&s, 1);
  PutVarint32(&s, 0);
  s += "k";
  PutFixed32(&s, 0);
  PutFixed32(&s, 1);
  block = ParseOrDie(s);
  it = block->NewNameIterator();
  it->Seek("a");
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsCorruption());

  // Keys shorter than an internal key's trailer, read as internal keys.
  block = ParseOrDie(BuildBlock({{"short", "v"}}, 1));
  it = block->NewIterator(InternalKeyComparator(BytewiseComparator()));
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsCorruption());
  it = block->NewIterator(InternalKeyComparator(BytewiseComparator()));
  it->Seek(MakeInternalKey("a", 1, kTypeValue));
  EXPECT_TRUE(it->status().IsCorruption());
}

// A seek index (Block::BuildSeekIndex) must never change what Seek finds:
// every target lands where the plain binary search lands, in a block whose
// user keys share a prefix and differ inside the eight-byte window, past
// it, only in zero bytes (windows that tie), and by sequence number.
TEST(BlockTest, SeekIndexFindsWhatTheBinarySearchFinds) {
  const InternalKeyComparator icmp(BytewiseComparator());
  const std::string prefix = "user/0000";
  const std::string alphabet(
      "\0\x01"
      "abz\xff",
      6);
  Random rnd(301);
  auto random_suffix = [&](size_t max_len) {
    std::string s;
    for (size_t n = rnd.Uniform(max_len + 1); n > 0; n--)
      s += alphabet[rnd.Uniform(alphabet.size())];
    return s;
  };
  std::set<std::string> user_keys = {prefix, prefix + std::string(1, '\0'), prefix + "abcdefgh1",
                                     prefix + "abcdefgh2", prefix + "abcdefgh"};
  while (user_keys.size() < 400) user_keys.insert(prefix + random_suffix(12));
  std::vector<std::string> keys;
  for (const std::string& user_key : user_keys) {
    for (uint64_t n = 1 + rnd.Uniform(3); n > 0; n--) {
      keys.push_back(MakeInternalKey(user_key, 1 + rnd.Uniform(1000), kTypeValue));
    }
  }
  std::sort(keys.begin(), keys.end(),
            [&](const std::string& a, const std::string& b) { return icmp.Compare(a, b) < 0; });
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());

  std::vector<std::string> targets;
  for (const std::string& user_key : user_keys) {
    targets.push_back(MakeInternalKey(user_key, kMaxSequenceNumber, kValueTypeForSeek));
    targets.push_back(MakeInternalKey(user_key, 500, kValueTypeForSeek));
    targets.push_back(MakeInternalKey(user_key, 0, kValueTypeForSeek));
  }
  for (const std::string& key : keys) targets.push_back(key);
  for (const char* other : {"", "a", "user", "user/", "user/00", "user/0000", "user/00001",
                            "user/0001", "user/000\xff", "v", "\xff\xff"}) {
    targets.push_back(MakeInternalKey(other, 7, kValueTypeForSeek));
  }
  for (int i = 0; i < 2000; i++) {
    targets.push_back(
        MakeInternalKey(prefix + random_suffix(14), rnd.Uniform(1200), kValueTypeForSeek));
  }

  for (int restart_interval : {1, 3}) {
    SCOPED_TRACE(restart_interval);
    BlockBuilder builder(restart_interval);
    for (const std::string& key : keys) builder.Add(key, "v" + key);
    const std::string contents(builder.Finish());
    std::unique_ptr<Block> plain = ParseOrDie(contents);
    std::unique_ptr<Block> indexed = ParseOrDie(contents);
    indexed->BuildSeekIndex(icmp);
    ASSERT_GT(indexed->size(), plain->size()) << "the index was not built";
    std::unique_ptr<Iterator> expected = plain->NewIterator(icmp);
    std::unique_ptr<Iterator> actual = indexed->NewIterator(icmp);
    for (const std::string& target : targets) {
      expected->Seek(target);
      actual->Seek(target);
      ASSERT_EQ(expected->Valid(), actual->Valid()) << target;
      if (expected->Valid()) {
        ASSERT_EQ(expected->key(), actual->key()) << target;
      }
      // And the iterator still walks on from there.
      if (actual->Valid()) {
        expected->Next();
        actual->Next();
        ASSERT_EQ(expected->Valid(), actual->Valid());
        if (expected->Valid()) {
          ASSERT_EQ(expected->key(), actual->key());
        }
      }
    }
    ASSERT_TRUE(actual->status().ok());
  }
}

// No index where it cannot hold or would not pay: another user order, or a
// block of few restarts.
TEST(BlockTest, SeekIndexOnlyForBytewiseBlocksOfManyRestarts) {
  const test::ReverseBytewiseComparator reverse;
  BlockBuilder builder(1);
  for (int i = 99; i >= 0; i--) {
    builder.Add(MakeInternalKey("key" + std::to_string(100 + i), 1, kTypeValue), "v");
  }
  std::unique_ptr<Block> block = ParseOrDie(builder.Finish());
  const size_t size = block->size();
  block->BuildSeekIndex(InternalKeyComparator(&reverse));
  EXPECT_EQ(block->size(), size);

  BlockBuilder small(1);
  for (int i = 0; i < 15; i++)
    small.Add(MakeInternalKey("k" + std::to_string(10 + i), 1, kTypeValue), "v");
  std::unique_ptr<Block> few = ParseOrDie(small.Finish());
  const size_t few_size = few->size();
  few->BuildSeekIndex(InternalKeyComparator(BytewiseComparator()));
  EXPECT_EQ(few->size(), few_size);
}

}  // namespace
}  // namespace strata
