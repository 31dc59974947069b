// Micro-benchmarks of the memtable's skip list (memtable/skiplist.h): insert
// into a list of N keys, in random and in ascending order, lookups of
// present keys, and whole passes in key order. Keys are 16-byte strings in
// the arena compared with memcmp, as the memtable's are, so a comparison
// costs what it costs there; and the memtable's shape, keys with values,
// apart from their nodes or inline.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <numeric>
#include <random>
#include <vector>

#include "memtable/skiplist.h"
#include "util/arena.h"

namespace strata {
namespace {

constexpr size_t kKeySize = 16;

struct KeyComparator {
  int operator()(const char* a, const char* b) const { return std::memcmp(a, b, kKeySize); }
};
using KeyList = SkipList<const char*, KeyComparator>;

// Key i: its 8 bytes big-endian after 8 bytes of a constant prefix, so keys
// share a prefix as real keys often do and sort as the numbers do.
void EncodeKey(uint64_t i, char* buf) {
  std::memset(buf, 'k', 8);
  for (int b = 0; b < 8; b++) buf[8 + b] = static_cast<char>(i >> (56 - 8 * b));
}

std::vector<uint64_t> Order(size_t n, bool shuffled) {
  std::vector<uint64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  if (shuffled) std::shuffle(order.begin(), order.end(), std::mt19937_64(301));
  return order;
}

const char* AllocateKey(Arena* arena, uint64_t i) {
  char* key = arena->Allocate(kKeySize);
  EncodeKey(i, key);
  return key;
}

// Inserts range(0) keys into a fresh list per iteration.
void BM_SkipListInsert(benchmark::State& state, bool shuffled) {
  size_t n = static_cast<size_t>(state.range(0));
  std::vector<uint64_t> order = Order(n, shuffled);
  for (auto _ : state) {
    state.PauseTiming();
    auto arena = std::make_unique<Arena>();
    std::vector<const char*> keys(n);
    for (size_t i = 0; i < n; i++) keys[i] = AllocateKey(arena.get(), order[i]);
    auto list = std::make_unique<KeyList>(KeyComparator(), arena.get());
    state.ResumeTiming();
    for (const char* key : keys) list->Insert(key);
    state.PauseTiming();
    list.reset();
    arena.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}
BENCHMARK_CAPTURE(BM_SkipListInsert, random, true)->Arg(1 << 10)->Arg(1 << 16)->Arg(1 << 20);
BENCHMARK_CAPTURE(BM_SkipListInsert, sequential, false)->Arg(1 << 16)->Arg(1 << 20);

// Contains() of a random present key in a list of range(0) keys.
void BM_SkipListLookup(benchmark::State& state) {
  size_t n = static_cast<size_t>(state.range(0));
  Arena arena;
  KeyList list(KeyComparator(), &arena);
  for (uint64_t i : Order(n, true)) list.Insert(AllocateKey(&arena, i));
  std::vector<uint64_t> probes = Order(n, true);
  char key[kKeySize];
  size_t next = 0;
  for (auto _ : state) {
    EncodeKey(probes[next++ % n], key);
    benchmark::DoNotOptimize(list.Contains(key));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SkipListLookup)->Arg(1 << 10)->Arg(1 << 16)->Arg(1 << 20);

// The timed loop of the seek benchmarks: each iteration seeks list (of keys
// 0..n-1) to a random key, then takes 10 Nexts.
void SeekAndScanLoop(benchmark::State& state, const KeyList& list, size_t n) {
  std::vector<uint64_t> probes = Order(n, true);
  char key[kKeySize];
  size_t next = 0;
  KeyList::Iterator it(&list);
  for (auto _ : state) {
    EncodeKey(probes[next++ % n], key);
    it.Seek(key);
    for (int i = 0; i < 10 && it.Valid(); i++) it.Next();
    benchmark::DoNotOptimize(it.Valid());
  }
  state.SetItemsProcessed(state.iterations());
}

// Seek to a random key, then 10 Nexts: the memtable's share of a range scan.
void BM_SkipListSeekAndScan(benchmark::State& state) {
  size_t n = static_cast<size_t>(state.range(0));
  Arena arena;
  KeyList list(KeyComparator(), &arena);
  for (uint64_t i : Order(n, true)) list.Insert(AllocateKey(&arena, i));
  SeekAndScanLoop(state, list, n);
}
BENCHMARK(BM_SkipListSeekAndScan)->Arg(1 << 20);

// The memtable's shape: each key followed by a 100-byte value, allocated
// either apart from its node, just before it (the memtable before keys were
// inline: a visited node and its key two cache misses), or inline, after the
// node's tower (InsertInline). Keys are inserted in random order into a
// fresh list of range(0) entries, then the list is searched.
constexpr size_t kValueSize = 100;

void FillEntry(uint64_t i, char* p) {
  EncodeKey(i, p);
  std::memset(p + kKeySize, 'v', kValueSize);
}

std::unique_ptr<KeyList> BuildEntryList(Arena* arena, const std::vector<uint64_t>& order,
                                        bool inline_keys) {
  auto list = std::make_unique<KeyList>(KeyComparator(), arena);
  KeyList::Splice splice;
  for (uint64_t i : order) {
    if (inline_keys) {
      list->InsertInline(
          kKeySize + kValueSize, 0, [i](char* p) { FillEntry(i, p); }, &splice);
    } else {
      char* entry = arena->Allocate(kKeySize + kValueSize);
      FillEntry(i, entry);
      list->Insert(entry, &splice);
    }
  }
  return list;
}

void BM_EntryListInsert(benchmark::State& state, bool inline_keys) {
  size_t n = static_cast<size_t>(state.range(0));
  std::vector<uint64_t> order = Order(n, true);
  for (auto _ : state) {
    auto arena = std::make_unique<Arena>();
    benchmark::DoNotOptimize(BuildEntryList(arena.get(), order, inline_keys));
    state.PauseTiming();
    arena.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}
BENCHMARK_CAPTURE(BM_EntryListInsert, apart, false)->Arg(1 << 19)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_EntryListInsert, inline, true)->Arg(1 << 19)->Unit(benchmark::kMillisecond);

// Inline entries inserted in batches of range(1) keys (InsertBatch, whose
// searches walk the list side by side) into a fresh list of range(0).
void BM_EntryListInsertBatch(benchmark::State& state) {
  size_t n = static_cast<size_t>(state.range(0));
  size_t batch = static_cast<size_t>(state.range(1));
  std::vector<uint64_t> order = Order(n, true);
  for (auto _ : state) {
    auto arena = std::make_unique<Arena>();
    auto list = std::make_unique<KeyList>(KeyComparator(), arena.get());
    KeyList::Unlinked nodes[KeyList::kMaxBatch];
    for (size_t begin = 0; begin < n; begin += batch) {
      size_t m = std::min(batch, n - begin);
      for (size_t k = 0; k < m; k++) {
        uint64_t i = order[begin + k];
        nodes[k] = list->PrepareInline(kKeySize + kValueSize, 0, [i](char* p) { FillEntry(i, p); });
      }
      list->InsertBatch(nodes, m);
    }
    benchmark::DoNotOptimize(list.get());
    state.PauseTiming();
    list.reset();
    arena.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}
BENCHMARK(BM_EntryListInsertBatch)
    ->Args({1 << 19, 1})
    ->Args({1 << 19, 2})
    ->Args({1 << 19, 4})
    ->Args({1 << 19, 10})
    ->Args({1 << 19, 16})
    ->Args({1 << 19, 32})
    ->Args({1 << 19, 64})
    ->Args({1 << 20, 16})
    ->Args({1 << 20, 32})
    ->Args({1 << 20, 64})
    ->Unit(benchmark::kMillisecond);

// Seek to a random key, then 10 Nexts, in a list built as above.
void BM_EntryListSeekAndScan(benchmark::State& state, bool inline_keys) {
  size_t n = static_cast<size_t>(state.range(0));
  Arena arena;
  std::unique_ptr<KeyList> list = BuildEntryList(&arena, Order(n, true), inline_keys);
  SeekAndScanLoop(state, *list, n);
}
BENCHMARK_CAPTURE(BM_EntryListSeekAndScan, apart, false)->Arg(1 << 19);
BENCHMARK_CAPTURE(BM_EntryListSeekAndScan, inline, true)->Arg(1 << 19);

// A whole pass in key order over an inline list built as above (a flush),
// reading each entry's key: with Iterator (one cache miss after another)
// or with Scanner (stretches walked side by side).
template <typename Walker>
void BM_EntryListFullPass(benchmark::State& state) {
  size_t n = static_cast<size_t>(state.range(0));
  Arena arena;
  std::unique_ptr<KeyList> list = BuildEntryList(&arena, Order(n, true), true);
  for (auto _ : state) {
    Walker walker(list.get());
    uint64_t sum = 0;
    for (walker.SeekToFirst(); walker.Valid(); walker.Next()) {
      sum += static_cast<unsigned char>(walker.key()[kKeySize - 1]);
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}
BENCHMARK_TEMPLATE(BM_EntryListFullPass, KeyList::Iterator)
    ->Arg(1 << 16)
    ->Arg(1 << 19)
    ->Arg(3 << 19)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_EntryListFullPass, KeyList::Scanner)
    ->Arg(1 << 16)
    ->Arg(1 << 19)
    ->Arg(3 << 19)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace strata
