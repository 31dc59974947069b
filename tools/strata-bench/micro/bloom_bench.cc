// Micro-benchmarks of the table bloom filter (sstable/bloom_filter.h): probes
// of present and of absent keys in a filter of range(0) keys at 10 bits per
// key. An absent-key probe is what a point read pays per table it skips; a
// filter larger than the CPU caches shows the cost of its scattered probes.

#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <vector>

#include "sstable/bloom_filter.h"

namespace strata {
namespace {

std::string Key(uint64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%016llu", static_cast<unsigned long long>(i));
  return buf;
}

std::unique_ptr<BloomFilterReader> BuildFilter(size_t n) {
  BloomFilterBuilder builder(10);
  for (size_t i = 0; i < n; i++) builder.AddKey(Key(i * 2));
  std::unique_ptr<BloomFilterReader> reader;
  if (!BloomFilterReader::Parse(builder.Finish(), &reader).ok()) return nullptr;
  return reader;
}

// present: keys added (even numbers); absent: odd numbers, never added.
void BM_BloomProbe(benchmark::State& state, bool present) {
  size_t n = static_cast<size_t>(state.range(0));
  std::unique_ptr<BloomFilterReader> filter = BuildFilter(n);
  if (filter == nullptr) {
    state.SkipWithError("filter does not parse");
    return;
  }
  std::vector<std::string> probes;
  for (size_t i = 0; i < 4096; i++) probes.push_back(Key(((i * 7919) % n) * 2 + (present ? 0 : 1)));
  size_t next = 0, matches = 0;
  for (auto _ : state) matches += filter->KeyMayMatch(probes[next++ % probes.size()]);
  state.SetItemsProcessed(state.iterations());
  state.counters["match_rate"] =
      benchmark::Counter(static_cast<double>(matches) / static_cast<double>(state.iterations()));
}
BENCHMARK_CAPTURE(BM_BloomProbe, present, true)->Arg(1 << 12)->Arg(1 << 20);
BENCHMARK_CAPTURE(BM_BloomProbe, absent, false)->Arg(1 << 12)->Arg(1 << 20);

void BM_BloomBuild(benchmark::State& state) {
  size_t n = static_cast<size_t>(state.range(0));
  std::vector<std::string> keys;
  for (size_t i = 0; i < n; i++) keys.push_back(Key(i));
  for (auto _ : state) {
    BloomFilterBuilder builder(10);
    for (const std::string& key : keys) builder.AddKey(key);
    benchmark::DoNotOptimize(builder.Finish());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}
BENCHMARK(BM_BloomBuild)->Arg(1 << 16);

}  // namespace
}  // namespace strata
