// Tests for LRUCache (buffer/lru_cache.h), single-threaded: hit and miss counting,
// eviction order by charge, the probationary and protected segments, pinning,
// replacement and erasure of pinned entries, Prune, scan resistance (with
// and without read-ahead's InsertAhead), Contains, that every deleter runs
// exactly once, and that NewId never repeats.
//
// Values are small integers stored in the value pointer; the deleter records
// (key, value) in the order entries are freed, so a test can check what was
// evicted and when.

#include "buffer/lru_cache.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "util/random.h"

namespace strata {
namespace {

using Freed = std::vector<std::pair<std::string, int>>;

// What the deleter has freed, in order; reset by each test's fixture.
Freed* freed_log = nullptr;

void* EncodeValue(int v) { return reinterpret_cast<void*>(static_cast<intptr_t>(v)); }
int DecodeValue(void* v) { return static_cast<int>(reinterpret_cast<intptr_t>(v)); }

void RecordingDeleter(std::string_view key, void* value) {
  freed_log->emplace_back(std::string(key), DecodeValue(value));
}

class CacheTest : public testing::Test {
 protected:
  CacheTest() { freed_log = &freed_; }
  ~CacheTest() override {
    cache_.reset();  // its destructor still runs the deleter
    freed_log = nullptr;
  }

  // A single shard, so eviction order is global and easy to predict.
  void NewCache(size_t capacity, int shard_bits = 0) {
    cache_ = std::make_unique<LRUCache>(capacity, shard_bits);
  }

  LRUCache::Handle* InsertPinned(const std::string& key, int value, size_t charge = 1) {
    return cache_->Insert(key, EncodeValue(value), charge, &RecordingDeleter);
  }
  void Insert(const std::string& key, int value, size_t charge = 1) {
    cache_->Release(InsertPinned(key, value, charge));
  }
  // key's value, or -1 on a miss.
  int Lookup(const std::string& key) {
    LRUCache::Handle* handle = cache_->Lookup(key);
    if (handle == nullptr) return -1;
    int value = DecodeValue(cache_->Value(handle));
    cache_->Release(handle);
    return value;
  }
  bool WasFreed(const std::string& key) const {
    for (const auto& [k, v] : freed_) {
      if (k == key) return true;
    }
    return false;
  }

  Freed freed_;
  std::unique_ptr<LRUCache> cache_;
};

std::string Key(int i) { return "key" + std::to_string(i); }

TEST_F(CacheTest, CountsHitsMissesAndInserts) {
  NewCache(100);
  Insert("a", 1);
  Insert("b", 2);
  EXPECT_EQ(1, Lookup("a"));
  EXPECT_EQ(-1, Lookup("c"));
  EXPECT_EQ(2, Lookup("b"));
  EXPECT_EQ(1, Lookup("a"));

  LRUCache::Stats stats = cache_->GetStats();
  EXPECT_EQ(3u, stats.hits);
  EXPECT_EQ(1u, stats.misses);
  EXPECT_EQ(2u, stats.inserts);
  EXPECT_EQ(0u, stats.evictions);
  EXPECT_EQ(2u, stats.usage);
  EXPECT_EQ(0u, stats.pinned_usage);
  EXPECT_EQ(100u, stats.capacity);
  EXPECT_TRUE(freed_.empty());
}

TEST_F(CacheTest, ReservationEvictsEntriesAndCountsInUsage) {
  NewCache(100);
  for (int i = 0; i < 10; i++) Insert(Key(i), i, 10);
  cache_->Reserve(30);
  LRUCache::Stats stats = cache_->GetStats();
  EXPECT_EQ(30u, stats.reserved);
  EXPECT_EQ(100u, stats.usage);
  // The three oldest entries made room.
  EXPECT_EQ(3u, stats.evictions);
  EXPECT_EQ(-1, Lookup(Key(0)));
  EXPECT_EQ(-1, Lookup(Key(2)));
  EXPECT_EQ(3, Lookup(Key(3)));
  cache_->Unreserve(30);
  stats = cache_->GetStats();
  EXPECT_EQ(0u, stats.reserved);
  EXPECT_EQ(70u, stats.usage);
  Insert("new", 1, 30);
  EXPECT_EQ(100u, cache_->GetStats().usage);
  EXPECT_EQ(3u, cache_->GetStats().evictions);
}

TEST_F(CacheTest, ReservationIsSpreadOverTheShards) {
  // 4 shards of 256: a reservation of 512 takes half of each, so no shard
  // overflows while the others keep their entries.
  // Enough entries to fill every shard, whichever shard each key hashes to.
  NewCache(1024, 2);
  for (int i = 0; i < 8192; i++) Insert(Key(i), i, 1);
  ASSERT_EQ(1024u, cache_->GetStats().usage);
  const uint64_t evictions = cache_->GetStats().evictions;
  cache_->Reserve(512);
  LRUCache::Stats stats = cache_->GetStats();
  EXPECT_EQ(1024u, stats.usage);
  EXPECT_EQ(512u, stats.evictions - evictions);
  int cached = 0;
  for (int i = 0; i < 8192; i++) cached += Lookup(Key(i)) >= 0 ? 1 : 0;
  EXPECT_EQ(512, cached);
  cache_->Unreserve(512);
  EXPECT_EQ(512u, cache_->GetStats().usage);
}

TEST_F(CacheTest, IndexAndFilterEntriesAreCountedApart) {
  NewCache(100);
  cache_->Release(cache_->Insert("index", EncodeValue(1), 20, &RecordingDeleter,
                                 LRUCache::Kind::kIndexAndFilter));
  Insert("data", 2, 30);
  EXPECT_EQ(20u, cache_->GetStats().index_filter_usage);
  EXPECT_EQ(50u, cache_->GetStats().usage);
  cache_->Erase("index");
  EXPECT_EQ(0u, cache_->GetStats().index_filter_usage);
  EXPECT_EQ(30u, cache_->GetStats().usage);
}

TEST_F(CacheTest, InsertReplacesAndFreesTheOldValue) {
  NewCache(100);
  Insert("a", 1, 10);
  Insert("a", 2, 20);
  EXPECT_EQ(2, Lookup("a"));
  EXPECT_EQ(Freed({{"a", 1}}), freed_);
  EXPECT_EQ(20u, cache_->GetStats().usage);
  EXPECT_EQ(0u, cache_->GetStats().evictions);
}

TEST_F(CacheTest, EvictsLeastRecentlyInsertedFirstByCharge) {
  NewCache(100);
  for (int i = 0; i < 10; i++) Insert(Key(i), i, 10);
  EXPECT_EQ(100u, cache_->GetStats().usage);
  EXPECT_TRUE(freed_.empty());

  // 30 bytes more must push out exactly the three oldest 10-byte entries.
  Insert("big", 100, 30);
  EXPECT_EQ(Freed({{"key0", 0}, {"key1", 1}, {"key2", 2}}), freed_);
  EXPECT_EQ(100u, cache_->GetStats().usage);
  EXPECT_EQ(3u, cache_->GetStats().evictions);
  for (int i = 3; i < 10; i++) EXPECT_EQ(i, Lookup(Key(i)));
  EXPECT_EQ(100, Lookup("big"));
}

TEST_F(CacheTest, HitEntryOutlivesEntriesNeverHit) {
  NewCache(100);
  for (int i = 0; i < 10; i++) Insert(Key(i), i, 10);
  EXPECT_EQ(0, Lookup(Key(0)));  // promotes key0, the oldest
  Insert(Key(10), 10, 10);
  EXPECT_EQ(Freed({{"key1", 1}}), freed_);
  EXPECT_EQ(0, Lookup(Key(0)));
}

TEST_F(CacheTest, EvictsProtectedOnlyWhenProbationIsEmpty) {
  NewCache(100);
  for (int i = 0; i < 5; i++) Insert(Key(i), i, 10);
  for (int i = 0; i < 5; i++) EXPECT_EQ(i, Lookup(Key(i)));  // all protected, in this order
  Insert("x", 100, 50);                                      // probationary; cache full
  EXPECT_TRUE(freed_.empty());

  // "y" needs 60: probation's x goes first, then protected's least recent.
  Insert("y", 101, 60);
  EXPECT_EQ(Freed({{"x", 100}, {"key0", 0}}), freed_);
  EXPECT_EQ(100u, cache_->GetStats().usage);
}

TEST_F(CacheTest, ProtectedSegmentOverflowIsDemotedToProbation) {
  NewCache(100);
  for (int i = 0; i < 10; i++) Insert(Key(i), i, 10);
  // Promote all ten; protected holds at most 80, so key0 and key1, the least
  // recently hit, are demoted back to probation and are evicted first.
  for (int i = 0; i < 10; i++) EXPECT_EQ(i, Lookup(Key(i)));
  Insert("x", 100, 10);
  EXPECT_EQ(Freed({{"key0", 0}}), freed_);
  Insert("y", 101, 10);
  EXPECT_EQ(Freed({{"key0", 0}, {"key1", 1}}), freed_);
  for (int i = 2; i < 10; i++) EXPECT_EQ(i, Lookup(Key(i)));
}

TEST_F(CacheTest, UsageNeverExceedsCapacityWhenNothingIsPinned) {
  NewCache(1000, 2);
  Random rnd(301);
  for (int i = 0; i < 5000; i++) {
    Insert(Key(static_cast<int>(rnd.Uniform(500))), i, 1 + rnd.Uniform(40));
    if (rnd.OneIn(3)) Lookup(Key(static_cast<int>(rnd.Uniform(500))));
    ASSERT_LE(cache_->GetStats().usage, 1000u) << "after insert " << i;
  }
  LRUCache::Stats stats = cache_->GetStats();
  EXPECT_EQ(0u, stats.pinned_usage);
  EXPECT_GT(stats.evictions, 0u);
  EXPECT_EQ(1000u, cache_->Capacity());
}

TEST_F(CacheTest, DefaultShardingKeepsTheWholeCapacity) {
  constexpr size_t kCapacity = 8 << 20;
  cache_ = std::make_unique<LRUCache>(kCapacity);
  EXPECT_EQ(kCapacity, cache_->Capacity());
  for (int i = 0; i < 4000; i++) Insert(Key(i), i, 4096);
  LRUCache::Stats stats = cache_->GetStats();
  EXPECT_LE(stats.usage, kCapacity);
  // 16 MB inserted into 8 MB: close to full, whatever the shard split.
  EXPECT_GT(stats.usage, kCapacity * 3 / 4);
  EXPECT_EQ(4000u, stats.inserts);
}

TEST_F(CacheTest, PinnedEntryIsNeverEvicted) {
  NewCache(100);
  LRUCache::Handle* pinned = InsertPinned("pinned", 7, 50);
  for (int i = 0; i < 100; i++) {
    Insert(Key(i), i, 10);
    ASSERT_EQ(7, DecodeValue(cache_->Value(pinned)));
    LRUCache::Stats stats = cache_->GetStats();
    ASSERT_EQ(50u, stats.pinned_usage);
    ASSERT_LE(stats.usage, 100u);
  }
  EXPECT_FALSE(WasFreed("pinned"));
  cache_->Release(pinned);
  EXPECT_FALSE(WasFreed("pinned"));  // still cached, now evictable
  EXPECT_EQ(0u, cache_->GetStats().pinned_usage);

  // Unpinned and never hit, it is probationary and evicted once it becomes
  // the least recently used.
  for (int i = 100; i < 200; i++) Insert(Key(i), i, 10);
  EXPECT_TRUE(WasFreed("pinned"));
  EXPECT_EQ(-1, Lookup("pinned"));
}

TEST_F(CacheTest, EntryTooBigToFitIsFreedOnRelease) {
  NewCache(100);
  Insert("small", 1, 10);
  LRUCache::Handle* big = InsertPinned("big", 2, 200);
  EXPECT_EQ(2, DecodeValue(cache_->Value(big)));
  EXPECT_EQ(Freed({{"small", 1}}), freed_);
  LRUCache::Stats stats = cache_->GetStats();
  EXPECT_EQ(200u, stats.usage);
  EXPECT_EQ(200u, stats.pinned_usage);

  cache_->Release(big);
  EXPECT_EQ(Freed({{"small", 1}, {"big", 2}}), freed_);
  EXPECT_EQ(0u, cache_->GetStats().usage);
  EXPECT_EQ(-1, Lookup("big"));
}

TEST_F(CacheTest, ZeroCapacityCachesNothingButStillPins) {
  NewCache(0);
  LRUCache::Handle* handle = InsertPinned("a", 1, 1);
  EXPECT_EQ(1, DecodeValue(cache_->Value(handle)));
  EXPECT_TRUE(freed_.empty());
  cache_->Release(handle);
  EXPECT_EQ(Freed({{"a", 1}}), freed_);
  EXPECT_EQ(-1, Lookup("a"));
}

TEST_F(CacheTest, ReplacingPinnedEntryKeepsOldValueAliveUntilReleased) {
  NewCache(100);
  LRUCache::Handle* old_handle = InsertPinned("k", 1, 10);
  Insert("k", 2, 10);
  EXPECT_EQ(2, Lookup("k"));
  EXPECT_EQ(1, DecodeValue(cache_->Value(old_handle)));
  EXPECT_TRUE(freed_.empty());
  // The replaced entry is out of the cache: it counts in neither figure.
  EXPECT_EQ(10u, cache_->GetStats().usage);
  EXPECT_EQ(0u, cache_->GetStats().pinned_usage);

  cache_->Release(old_handle);
  EXPECT_EQ(Freed({{"k", 1}}), freed_);
  EXPECT_EQ(2, Lookup("k"));
}

TEST_F(CacheTest, EraseFreesUnpinnedEntry) {
  NewCache(100);
  Insert("a", 1);
  Insert("b", 2);
  cache_->Erase("a");
  EXPECT_EQ(Freed({{"a", 1}}), freed_);
  EXPECT_EQ(-1, Lookup("a"));
  EXPECT_EQ(2, Lookup("b"));
  cache_->Erase("missing");
  cache_->Erase("a");
  EXPECT_EQ(1u, freed_.size());
  EXPECT_EQ(1u, cache_->GetStats().usage);
}

TEST_F(CacheTest, ErasePinnedEntryFreesItOnLastRelease) {
  NewCache(100);
  LRUCache::Handle* h1 = InsertPinned("a", 1, 10);
  LRUCache::Handle* h2 = cache_->Lookup("a");
  ASSERT_NE(nullptr, h2);
  cache_->Erase("a");
  EXPECT_EQ(-1, Lookup("a"));
  EXPECT_EQ(0u, cache_->GetStats().usage);
  cache_->Release(h1);
  EXPECT_TRUE(freed_.empty());
  EXPECT_EQ(1, DecodeValue(cache_->Value(h2)));
  cache_->Release(h2);
  EXPECT_EQ(Freed({{"a", 1}}), freed_);
}

TEST_F(CacheTest, PruneEvictsEveryUnpinnedEntry) {
  NewCache(100);
  Insert("a", 1);
  LRUCache::Handle* b = InsertPinned("b", 2);
  Insert("c", 3);
  EXPECT_EQ(3, Lookup("c"));  // protected entries are pruned too
  cache_->Prune();
  EXPECT_EQ(Freed({{"a", 1}, {"c", 3}}), freed_);
  EXPECT_EQ(-1, Lookup("a"));
  EXPECT_EQ(-1, Lookup("c"));
  EXPECT_EQ(2, Lookup("b"));
  cache_->Release(b);
  EXPECT_EQ(1u, cache_->GetStats().usage);
  EXPECT_EQ(2, Lookup("b"));
}

// A hot set that fits in the protected segment: hit twice, then a scan of
// many keys seen once. SLRU keeps the scan in probation.
TEST_F(CacheTest, ScanDoesNotEvictHitHotSet) {
  NewCache(1000);
  for (int i = 0; i < 50; i++) Insert(Key(i), i, 10);  // 500 bytes
  for (int round = 0; round < 2; round++) {
    for (int i = 0; i < 50; i++) ASSERT_EQ(i, Lookup(Key(i)));
  }
  for (int i = 1000; i < 11000; i++) Insert(Key(i), i, 10);
  for (int i = 0; i < 50; i++) EXPECT_EQ(i, Lookup(Key(i))) << "hot key " << i;
  EXPECT_LE(cache_->GetStats().usage, 1000u);
  EXPECT_EQ(-1, Lookup(Key(1000)));  // the scan's start has been evicted
}

// The control for the test above: the same hot set never hit is only
// probationary, and the scan flushes it as plain LRU would.
TEST_F(CacheTest, ScanEvictsHotSetThatWasNeverHit) {
  NewCache(1000);
  for (int i = 0; i < 50; i++) Insert(Key(i), i, 10);
  for (int i = 1000; i < 11000; i++) Insert(Key(i), i, 10);
  for (int i = 0; i < 50; i++) EXPECT_EQ(-1, Lookup(Key(i))) << "key " << i;
}

TEST_F(CacheTest, ContainsCountsNothingAndPromotesNothing) {
  NewCache(100);
  for (int i = 0; i < 10; i++) Insert(Key(i), i, 10);
  EXPECT_TRUE(cache_->Contains(Key(0)));
  EXPECT_FALSE(cache_->Contains("absent"));
  EXPECT_EQ(0u, cache_->GetStats().hits);
  EXPECT_EQ(0u, cache_->GetStats().misses);
  // key0 is still the least recently used: the next insert evicts it.
  Insert(Key(10), 10, 10);
  EXPECT_EQ(Freed({{"key0", 0}}), freed_);
}

TEST_F(CacheTest, InsertAheadLeavesAnExistingEntryAndFreesTheNewValue) {
  NewCache(100);
  Insert("a", 1);
  EXPECT_FALSE(cache_->InsertAhead("a", EncodeValue(2), 1, &RecordingDeleter));
  EXPECT_EQ(Freed({{"a", 2}}), freed_);
  EXPECT_EQ(1, Lookup("a"));
  EXPECT_TRUE(cache_->InsertAhead("b", EncodeValue(3), 1, &RecordingDeleter));
  EXPECT_EQ(2u, cache_->GetStats().inserts);
  EXPECT_EQ(0u, cache_->GetStats().pinned_usage);  // inserted unpinned
  EXPECT_EQ(3, Lookup("b"));
}

TEST_F(CacheTest, InsertAheadEvictsToFit) {
  NewCache(100);
  for (int i = 0; i < 10; i++) Insert(Key(i), i, 10);
  EXPECT_TRUE(cache_->InsertAhead("x", EncodeValue(100), 20, &RecordingDeleter));
  EXPECT_EQ(Freed({{"key0", 0}, {"key1", 1}}), freed_);
  EXPECT_EQ(100u, cache_->GetStats().usage);
}

// An entry read ahead and then used once by the scan it was read for is an
// entry used once: it stays in probation, so such a scan cannot evict a hot
// set either. Its second hit promotes it, as for any entry.
TEST_F(CacheTest, ReadAheadScanDoesNotEvictHitHotSet) {
  NewCache(1000);
  for (int i = 0; i < 50; i++) Insert(Key(i), i, 10);  // 500 bytes
  for (int round = 0; round < 2; round++) {
    for (int i = 0; i < 50; i++) ASSERT_EQ(i, Lookup(Key(i)));
  }
  for (int i = 1000; i < 11000; i++) {
    ASSERT_TRUE(cache_->InsertAhead(Key(i), EncodeValue(i), 10, &RecordingDeleter));
    ASSERT_EQ(i, Lookup(Key(i)));  // the scan reaches the block
  }
  for (int i = 0; i < 50; i++) EXPECT_EQ(i, Lookup(Key(i))) << "hot key " << i;
  EXPECT_LE(cache_->GetStats().usage, 1000u);
}

TEST_F(CacheTest, SecondHitPromotesAnEntryReadAhead) {
  NewCache(100);
  ASSERT_TRUE(cache_->InsertAhead("ahead", EncodeValue(7), 10, &RecordingDeleter));
  EXPECT_EQ(7, Lookup("ahead"));  // first use: stays in probation
  EXPECT_EQ(7, Lookup("ahead"));  // second: protected
  for (int i = 0; i < 9; i++) Insert(Key(i), i, 10);
  // Probation now holds key0..key8; the next insert evicts key0, not "ahead".
  Insert(Key(9), 9, 10);
  EXPECT_EQ(Freed({{"key0", 0}}), freed_);
  EXPECT_EQ(7, Lookup("ahead"));
}

// The control: without the second hit, the entry read ahead is the oldest
// in probation and goes first.
TEST_F(CacheTest, EntryReadAheadAndUsedOnceIsEvictedFirst) {
  NewCache(100);
  ASSERT_TRUE(cache_->InsertAhead("ahead", EncodeValue(7), 10, &RecordingDeleter));
  EXPECT_EQ(7, Lookup("ahead"));
  for (int i = 0; i < 9; i++) Insert(Key(i), i, 10);
  Insert(Key(9), 9, 10);
  EXPECT_EQ(Freed({{"ahead", 7}}), freed_);
}

TEST_F(CacheTest, DeleterRunsExactlyOnceForEveryEntryByDestruction) {
  NewCache(200, 2);
  Random rnd(17);
  std::vector<LRUCache::Handle*> pinned;
  int inserts = 0;
  for (int i = 0; i < 3000; i++) {
    std::string key = Key(static_cast<int>(rnd.Uniform(100)));
    switch (rnd.Uniform(5)) {
      case 0:
      case 1:
        Insert(key, inserts++, 1 + rnd.Uniform(20));
        break;
      case 2:
        pinned.push_back(InsertPinned(key, inserts++, 1 + rnd.Uniform(20)));
        break;
      case 3:
        cache_->Erase(key);
        break;
      case 4:
        Lookup(key);
        break;
    }
    if (pinned.size() > 5) {
      cache_->Release(pinned.front());
      pinned.erase(pinned.begin());
    }
    if (i == 1500) cache_->Prune();
  }
  for (LRUCache::Handle* handle : pinned) cache_->Release(handle);
  EXPECT_EQ(static_cast<uint64_t>(inserts), cache_->GetStats().inserts);
  cache_.reset();

  // Values are distinct, so each must appear exactly once, under its key.
  std::map<int, std::string> freed_values;
  for (const auto& [key, value] : freed_) {
    ASSERT_TRUE(freed_values.emplace(value, key).second) << "value " << value << " freed twice";
  }
  EXPECT_EQ(static_cast<size_t>(inserts), freed_values.size());
  for (int v = 0; v < inserts; v++) EXPECT_EQ(1u, freed_values.count(v)) << v;
}

// A deleter may call back into the cache: deleters run outside the shard lock.
LRUCache* reentrant_cache = nullptr;
int reentrant_lookups = 0;

void ReentrantDeleter(std::string_view key, void* value) {
  LRUCache::Handle* handle = reentrant_cache->Lookup(key);
  if (handle != nullptr) reentrant_cache->Release(handle);
  reentrant_lookups++;
}

TEST(CacheDeleterTest, DeleterMayUseTheCache) {
  LRUCache cache(100, 0);
  reentrant_cache = &cache;
  reentrant_lookups = 0;
  cache.Release(cache.Insert("a", nullptr, 10, &ReentrantDeleter));
  cache.Erase("a");
  EXPECT_EQ(1, reentrant_lookups);
  for (int i = 0; i < 20; i++) {
    cache.Release(cache.Insert(Key(i), nullptr, 10, &ReentrantDeleter));
  }
  EXPECT_EQ(11, reentrant_lookups);  // ten evicted by the inserts
  cache.Prune();
  EXPECT_EQ(21, reentrant_lookups);
  reentrant_cache = nullptr;
}

TEST(CacheDeleterTest, NullDeleterLeavesValueToCaller) {
  LRUCache cache(10, 0);
  int value = 5;
  cache.Release(cache.Insert("a", &value, 10, nullptr));
  cache.Release(cache.Insert("b", &value, 10, nullptr));
  LRUCache::Handle* handle = cache.Lookup("b");
  ASSERT_NE(nullptr, handle);
  EXPECT_EQ(&value, cache.Value(handle));
  cache.Release(handle);
  EXPECT_EQ(nullptr, cache.Lookup("a"));
}

// Clients sharing a cache prefix their keys with an id from NewId, so the ids
// must never repeat (tests/lsm/shared_cache_test.cc shows the collision
// they prevent).
TEST(CacheIdTest, NewIdNeverRepeats) {
  LRUCache cache(1024);
  const uint64_t first = cache.NewId();
  const uint64_t second = cache.NewId();
  EXPECT_NE(0u, first);
  EXPECT_NE(first, second);
  LRUCache other(1024);
  EXPECT_NE(0u, other.NewId());
}

}  // namespace
}  // namespace strata
