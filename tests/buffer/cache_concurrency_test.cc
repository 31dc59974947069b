// Concurrency tests for LRUCache (buffer/lru_cache.h), also run under ThreadSanitizer:
// threads Insert, Lookup, Release, Erase and Prune at random over an
// overlapping key space for a bounded time, holding some handles across
// operations. Each value records its key and how often its deleter ran, so the
// test checks that a lookup returns its key's value, that a pinned value is
// never freed, that the statistics add up, and that after destruction every
// deleter ran exactly once.
//
// Thread-safety: the test owns every value (the deleter only counts), so a
// premature deleter call shows up as a count rather than a use after free.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "buffer/lru_cache.h"
#include "util/random.h"

namespace strata {
namespace {

struct TestValue {
  explicit TestValue(std::string k) : key(std::move(k)) {}
  const std::string key;
  std::atomic<int> deletions{0};
};

void CountingDeleter(std::string_view key, void* value) {
  auto* v = static_cast<TestValue*>(value);
  EXPECT_EQ(v->key, key);
  EXPECT_EQ(0, v->deletions.fetch_add(1, std::memory_order_relaxed)) << "freed twice: " << v->key;
}

struct Workload {
  int num_threads = 4;
  int num_keys = 256;
  size_t capacity = 64;  // every entry is charged 1
  int shard_bits = 2;
  int max_held = 4;  // handles a thread keeps pinned across operations
  std::chrono::milliseconds duration{1500};
  int max_ops_per_thread = 500000;  // bounds memory: the test owns all values
};

struct WorkerResult {
  uint64_t lookups = 0;
  std::vector<std::unique_ptr<TestValue>> values;  // one per Insert
};

struct Held {
  LRUCache::Handle* handle;
  TestValue* value;
};

void ReleaseHeld(LRUCache* cache, const Held& held) {
  // Pinned, so its deleter cannot have run, whoever erased or replaced it.
  EXPECT_EQ(0, held.value->deletions.load(std::memory_order_relaxed)) << held.value->key;
  EXPECT_EQ(held.value, cache->Value(held.handle));
  cache->Release(held.handle);
}

void RunWorker(LRUCache* cache, const Workload& w, int id,
               std::chrono::steady_clock::time_point deadline, WorkerResult* result) {
  Random rnd(1000 + id);
  std::vector<Held> held;
  auto keep_or_release = [&](Held h) {
    if (rnd.OneIn(3)) {
      held.push_back(h);
    } else {
      ReleaseHeld(cache, h);
    }
    if (static_cast<int>(held.size()) > w.max_held) {
      ReleaseHeld(cache, held.front());
      held.erase(held.begin());
    }
  };

  for (int op = 0; op < w.max_ops_per_thread; op++) {
    if (op % 64 == 0 && std::chrono::steady_clock::now() >= deadline) break;
    std::string key = "key" + std::to_string(rnd.Uniform(w.num_keys));
    uint64_t dice = rnd.Uniform(100);
    if (dice < 45) {
      result->lookups++;
      LRUCache::Handle* handle = cache->Lookup(key);
      if (handle == nullptr) continue;
      auto* value = static_cast<TestValue*>(cache->Value(handle));
      ASSERT_EQ(key, value->key);
      keep_or_release({handle, value});
    } else if (dice < 75) {
      auto value = std::make_unique<TestValue>(key);
      LRUCache::Handle* handle = cache->Insert(key, value.get(), 1, &CountingDeleter);
      ASSERT_EQ(value.get(), cache->Value(handle));
      keep_or_release({handle, value.get()});
      result->values.push_back(std::move(value));
    } else if (dice < 85) {
      cache->Erase(key);
    } else if (dice < 99) {
      if (held.empty()) continue;
      size_t i = rnd.Uniform(held.size());
      ReleaseHeld(cache, held[i]);
      held.erase(held.begin() + i);
    } else {
      cache->Prune();
    }
  }
  for (const Held& h : held) ReleaseHeld(cache, h);
}

void RunWorkload(const Workload& w) {
  auto cache = std::make_unique<LRUCache>(w.capacity, w.shard_bits);
  std::vector<WorkerResult> results(w.num_threads);
  auto deadline = std::chrono::steady_clock::now() + w.duration;
  std::vector<std::thread> threads;
  for (int i = 0; i < w.num_threads; i++) {
    threads.emplace_back(RunWorker, cache.get(), std::cref(w), i, deadline, &results[i]);
  }
  for (std::thread& t : threads) t.join();

  uint64_t lookups = 0;
  uint64_t inserts = 0;
  uint64_t deletions = 0;
  for (const WorkerResult& r : results) {
    lookups += r.lookups;
    inserts += r.values.size();
    for (const auto& v : r.values) deletions += v->deletions.load(std::memory_order_relaxed);
  }
  LRUCache::Stats stats = cache->GetStats();
  EXPECT_EQ(lookups, stats.hits + stats.misses);
  EXPECT_EQ(inserts, stats.inserts);
  EXPECT_EQ(0u, stats.pinned_usage);
  EXPECT_LE(stats.usage, w.capacity);
  EXPECT_LE(stats.evictions, stats.inserts);
  // Each entry is charged 1, so usage counts the entries still cached, and
  // every other inserted entry has been freed exactly once.
  EXPECT_EQ(inserts, deletions + stats.usage);
  // The workload must really have exercised the cache.
  EXPECT_GT(stats.hits, 0u);
  EXPECT_GT(stats.misses, 0u);
  EXPECT_GT(stats.evictions, 0u);

  cache.reset();
  for (const WorkerResult& r : results) {
    for (const auto& v : r.values) {
      ASSERT_EQ(1, v->deletions.load(std::memory_order_relaxed)) << v->key;
    }
  }
}

TEST(CacheConcurrencyTest, RandomOperationsOnOverlappingKeys) { RunWorkload(Workload{}); }

// Few keys in one shard: entries are replaced and erased while other threads
// hold them pinned, and shards are often entirely pinned.
TEST(CacheConcurrencyTest, FewHotKeysReplacedWhilePinned) {
  Workload w;
  w.num_keys = 8;
  w.capacity = 6;
  w.shard_bits = 0;
  RunWorkload(w);
}

}  // namespace
}  // namespace strata
