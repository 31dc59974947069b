// Micro-benchmarks of the block cache (buffer/lru_cache.h) under contention:
// Lookup + Release of present keys on 1 to 8 threads sharing one cache (the
// hot path of every cached block read; a hit also promotes the entry, which
// takes its shard's mutex), and a working set 4x the capacity, where misses
// insert and evict.

#include <benchmark/benchmark.h>

#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "buffer/lru_cache.h"

namespace strata {
namespace {

constexpr size_t kCharge = 4096;  // a block
constexpr size_t kEntries = 1 << 16;

std::unique_ptr<LRUCache> cache;  // shared by a benchmark's threads; built in Setup

// A block's cache key: file number and offset, 8 bytes each.
std::string BlockKey(uint64_t i) {
  std::string key(16, '\0');
  uint64_t file = 1000 + i / 256, offset = (i % 256) * kCharge;
  std::memcpy(key.data(), &file, 8);
  std::memcpy(key.data() + 8, &offset, 8);
  return key;
}

void NoopDeleter(std::string_view, void*) {}

void Fill(size_t capacity_entries) {
  cache = std::make_unique<LRUCache>(capacity_entries * kCharge);
  for (size_t i = 0; i < std::min(kEntries, capacity_entries); i++) {
    cache->Release(cache->Insert(BlockKey(i), nullptr, kCharge, NoopDeleter));
  }
}
void SetupAllFit(const benchmark::State&) { Fill(kEntries); }
void SetupQuarterFits(const benchmark::State&) { Fill(kEntries / 4); }
void Teardown(const benchmark::State&) { cache.reset(); }

std::vector<std::string> Probes(int thread) {
  std::mt19937_64 rng(301 + static_cast<uint64_t>(thread));
  std::vector<std::string> probes;
  for (int i = 0; i < 8192; i++) probes.push_back(BlockKey(rng() % kEntries));
  return probes;
}

void BM_CacheLookupHit(benchmark::State& state) {
  std::vector<std::string> probes = Probes(state.thread_index());
  size_t next = 0;
  for (auto _ : state) {
    LRUCache::Handle* h = cache->Lookup(probes[next++ % probes.size()]);
    if (h != nullptr) cache->Release(h);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CacheLookupHit)
    ->Setup(SetupAllFit)
    ->Teardown(Teardown)
    ->Threads(1)
    ->Threads(2)
    ->Threads(4)
    ->Threads(8)
    ->UseRealTime();

// Lookup; on a miss, Insert (evicting). About 3 in 4 lookups miss.
void BM_CacheLookupOrInsert(benchmark::State& state) {
  std::vector<std::string> probes = Probes(state.thread_index());
  size_t next = 0;
  for (auto _ : state) {
    const std::string& key = probes[next++ % probes.size()];
    LRUCache::Handle* h = cache->Lookup(key);
    if (h == nullptr) h = cache->Insert(key, nullptr, kCharge, NoopDeleter);
    cache->Release(h);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CacheLookupOrInsert)
    ->Setup(SetupQuarterFits)
    ->Teardown(Teardown)
    ->Threads(1)
    ->Threads(4)
    ->UseRealTime();

}  // namespace
}  // namespace strata
