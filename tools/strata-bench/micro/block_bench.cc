// Micro-benchmarks of SSTable blocks (sstable/block_builder.h,
// sstable/block.h): building a 4 KiB data block of internal keys and
// 100-byte values, Seek in a parsed one, with the restart interval as the
// argument (StrataDB's default is 16), and Seek in large index blocks with
// and without their seek index.

#include <benchmark/benchmark.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "sstable/block.h"
#include "sstable/block_builder.h"
#include "util/internal_key.h"

namespace strata {
namespace {

constexpr size_t kBlockSize = 4096;

std::string UserKey(uint64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%016llu", static_cast<unsigned long long>(i));
  return buf;
}

// Sorted internal keys of consecutive user keys, as a data block holds.
std::vector<std::string> InternalKeys(size_t n) {
  std::vector<std::string> keys;
  for (size_t i = 0; i < n; i++)
    keys.push_back(MakeInternalKey(UserKey(i * 7), 1000 + i, kTypeValue));
  return keys;
}

const std::string& Value() {
  static const std::string value = [] {
    std::string v;
    std::mt19937_64 rng(301);
    for (int i = 0; i < 50; i++) v.push_back(static_cast<char>(' ' + rng() % 95));
    return v + v;
  }();
  return value;
}

// Adds entries until the block reaches 4 KiB, then Finish; one block per
// iteration.
void BM_BlockBuild(benchmark::State& state) {
  std::vector<std::string> keys = InternalKeys(4096);
  BlockBuilder builder(static_cast<int>(state.range(0)));
  int64_t bytes = 0;
  for (auto _ : state) {
    builder.Reset();
    size_t i = 0;
    while (builder.CurrentSizeEstimate() < kBlockSize) builder.Add(keys[i++], Value());
    std::string_view block = builder.Finish();
    benchmark::DoNotOptimize(block.data());
    bytes += static_cast<int64_t>(block.size());
  }
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_BlockBuild)->Arg(1)->Arg(16)->Arg(32);

// Seek to a random present key of a 4 KiB block through a reused iterator.
void BM_BlockSeek(benchmark::State& state) {
  std::vector<std::string> keys = InternalKeys(4096);
  BlockBuilder builder(static_cast<int>(state.range(0)));
  size_t n = 0;
  while (builder.CurrentSizeEstimate() < kBlockSize) builder.Add(keys[n++], Value());
  std::unique_ptr<Block> block;
  if (!Block::Parse(std::string(builder.Finish()), &block).ok()) {
    state.SkipWithError("block does not parse");
    return;
  }
  std::unique_ptr<Iterator> it = block->NewIterator(InternalKeyComparator(BytewiseComparator()));
  std::mt19937_64 rng(301);
  std::vector<std::string> targets;
  for (int i = 0; i < 1024; i++) {
    targets.push_back(MakeInternalKey(UserKey((rng() % n) * 7), kMaxSequenceNumber, kTypeValue));
  }
  size_t next = 0;
  for (auto _ : state) {
    it->Seek(targets[next++ % targets.size()]);
    benchmark::DoNotOptimize(it->Valid());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["entries"] = static_cast<double>(n);
}
BENCHMARK(BM_BlockSeek)->Arg(1)->Arg(16)->Arg(32);

// Seek in index blocks as a 32 MiB table has: 16k entries each (restart
// interval 1, a short block handle as value), 32 such blocks (16 MiB, past
// the CPU caches) and each Seek to a random key of a random one. Argument:
// 1 with the seek index (Block::BuildSeekIndex, what TableReader builds),
// 0 without.
void BM_IndexBlockSeek(benchmark::State& state) {
  constexpr size_t kEntries = 16384;
  constexpr size_t kBlocks = 32;
  const InternalKeyComparator icmp(BytewiseComparator());
  std::vector<std::unique_ptr<Block>> blocks;
  std::vector<std::unique_ptr<Iterator>> iters;
  for (size_t b = 0; b < kBlocks; b++) {
    BlockBuilder builder(1);
    for (size_t i = 0; i < kEntries; i++) {
      builder.Add(MakeInternalKey(UserKey((i * kBlocks + b) * 61), 1000 + i, kTypeValue), "handle");
    }
    std::unique_ptr<Block> block;
    if (!Block::Parse(std::string(builder.Finish()), &block).ok()) {
      state.SkipWithError("block does not parse");
      return;
    }
    if (state.range(0) != 0) block->BuildSeekIndex(icmp);
    iters.push_back(block->NewIterator(icmp));
    blocks.push_back(std::move(block));
  }
  std::mt19937_64 rng(301);
  std::vector<std::pair<size_t, std::string>> targets;
  for (int i = 0; i < 4096; i++) {
    targets.emplace_back(rng() % kBlocks,
                         MakeInternalKey(UserKey(rng() % (kEntries * kBlocks * 61)),
                                         kMaxSequenceNumber, kTypeValue));
  }
  size_t next = 0;
  for (auto _ : state) {
    const auto& [b, target] = targets[next++ % targets.size()];
    iters[b]->Seek(target);
    benchmark::DoNotOptimize(iters[b]->Valid());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_IndexBlockSeek)->Arg(0)->Arg(1);

}  // namespace
}  // namespace strata
