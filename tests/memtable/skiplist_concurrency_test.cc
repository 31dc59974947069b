// Concurrency test for SkipList (memtable/skiplist.h): one writer inserts
// while several readers scan in both directions (and with a Scanner), seek
// and call Contains, lock-free. Run under ThreadSanitizer in CI.
//
// Each key names a slot and a generation within it:
//
//   key = slot << 40 | generation << 8 | check byte
//
// The writer inserts generations 1, 2, 3, ... of a slot in order and, after
// each Insert (or InsertBatch, which links a batch's keys in key order),
// publishes the slot's latest generation with a release store.
// Keys sort by slot, then generation, so a new generation always lands right
// after the previous one. A reader that loaded the published generations
// (acquire) before a scan must therefore see, for every slot, a run of
// consecutive generations starting at 1 that reaches at least the published
// one: a gap, a missing slot, a bad check byte or an out-of-order key all mean
// the reader saw a half-linked or corrupt list.
//
// Bounded: the writer runs for a fixed wall-clock time and a fixed cap of
// keys, whichever comes first.

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "memtable/skiplist.h"
#include "util/arena.h"
#include "util/random.h"

namespace strata {
namespace {

constexpr int kSlots = 16;
constexpr int kReaders = 3;
constexpr uint64_t kMaxKeys = 100000;
constexpr auto kWriterDuration = std::chrono::milliseconds(400);

uint64_t CheckByte(uint64_t slot, uint64_t gen) {
  return ((slot * 0x9e3779b97f4a7c15ull) ^ (gen * 0xc2b2ae3d27d4eb4full)) >> 56;
}
uint64_t MakeKey(uint64_t slot, uint64_t gen) {
  return (slot << 40) | (gen << 8) | CheckByte(slot, gen);
}
uint64_t SlotOf(uint64_t key) { return key >> 40; }
uint64_t GenOf(uint64_t key) { return (key >> 8) & 0xffffffff; }
bool CheckByteMatches(uint64_t key) { return (key & 0xff) == CheckByte(SlotOf(key), GenOf(key)); }

struct U64Comparator {
  int operator()(uint64_t a, uint64_t b) const { return a < b ? -1 : (a > b ? 1 : 0); }
};
using U64SkipList = SkipList<uint64_t, U64Comparator>;

class SharedState {
 public:
  SharedState() : list_(U64Comparator(), &arena_) {}

  U64SkipList& list() { return list_; }

  // Writer: inserts the next generation of slot and publishes it.
  void InsertNext(int slot) {
    uint64_t gen = written_[slot] + 1;
    list_.Insert(MakeKey(slot, gen));
    written_[slot] = gen;
    published_[slot].store(gen, std::memory_order_release);
  }

  // Writer: the next generations of n random slots (a slot may come twice:
  // two consecutive generations) in one InsertBatch, then publishes them.
  void InsertNextBatch(Random* rnd, size_t n) {
    U64SkipList::Unlinked nodes[U64SkipList::kMaxBatch];
    for (size_t k = 0; k < n; k++) {
      int slot = static_cast<int>(rnd->Uniform(kSlots));
      nodes[k] = list_.Prepare(MakeKey(slot, ++written_[slot]));
    }
    list_.InsertBatch(nodes, n);
    for (int s = 0; s < kSlots; s++) published_[s].store(written_[s], std::memory_order_release);
  }

  // Readers: the generations published so far.
  std::array<uint64_t, kSlots> Published() const {
    std::array<uint64_t, kSlots> result;
    for (int s = 0; s < kSlots; s++) result[s] = published_[s].load(std::memory_order_acquire);
    return result;
  }

 private:
  Arena arena_;
  U64SkipList list_;
  std::array<uint64_t, kSlots> written_{};  // writer only
  std::array<std::atomic<uint64_t>, kSlots> published_{};
};

std::string Describe(uint64_t key) {
  return "key(slot " + std::to_string(SlotOf(key)) + ", gen " + std::to_string(GenOf(key)) + ")";
}

// Walks the list forward from the start. Returns "" or what went wrong.
std::string CheckForwardScan(SharedState* state) {
  const std::array<uint64_t, kSlots> before = state->Published();
  std::array<uint64_t, kSlots> seen{};
  U64SkipList::Iterator iter(&state->list());
  bool have_prev = false;
  uint64_t prev = 0;
  for (iter.SeekToFirst(); iter.Valid(); iter.Next()) {
    const uint64_t key = iter.key();
    if (!CheckByteMatches(key) || SlotOf(key) >= kSlots) return "corrupt " + Describe(key);
    if (have_prev && key <= prev) return "forward order broken at " + Describe(key);
    const uint64_t slot = SlotOf(key);
    const uint64_t expected_gen = (have_prev && SlotOf(prev) == slot) ? GenOf(prev) + 1 : 1;
    if (GenOf(key) != expected_gen) return "forward gap before " + Describe(key);
    seen[slot] = GenOf(key);
    prev = key;
    have_prev = true;
  }
  for (int s = 0; s < kSlots; s++) {
    if (seen[s] < before[s]) {
      return "forward scan missed slot " + std::to_string(s) + " generations " +
             std::to_string(seen[s] + 1) + ".." + std::to_string(before[s]);
    }
  }
  return "";
}

// Walks the list with a Scanner, which reads stretches of it side by side:
// a key published during the pass may be seen while an older one of its
// slot, in a stretch already gathered, is not. So the check is order,
// check bytes, and every key published before the pass.
std::string CheckScannerPass(SharedState* state) {
  const std::array<uint64_t, kSlots> before = state->Published();
  std::array<uint64_t, kSlots> seen_up_to_before{};
  U64SkipList::Scanner scanner(&state->list());
  bool have_prev = false;
  uint64_t prev = 0;
  for (scanner.SeekToFirst(); scanner.Valid(); scanner.Next()) {
    const uint64_t key = scanner.key();
    if (!CheckByteMatches(key) || SlotOf(key) >= kSlots) return "corrupt " + Describe(key);
    if (have_prev && key <= prev) return "scanner order broken at " + Describe(key);
    if (GenOf(key) <= before[SlotOf(key)]) seen_up_to_before[SlotOf(key)]++;
    prev = key;
    have_prev = true;
  }
  for (int s = 0; s < kSlots; s++) {
    if (seen_up_to_before[s] != before[s]) {
      return "scanner missed " + std::to_string(before[s] - seen_up_to_before[s]) +
             " of the first " + std::to_string(before[s]) + " generations of slot " +
             std::to_string(s);
    }
  }
  return "";
}

// Walks the list backward from the end with Prev.
std::string CheckBackwardScan(SharedState* state) {
  const std::array<uint64_t, kSlots> before = state->Published();
  std::array<uint64_t, kSlots> seen{};
  U64SkipList::Iterator iter(&state->list());
  bool have_prev = false;
  uint64_t prev = 0;
  for (iter.SeekToLast(); iter.Valid(); iter.Prev()) {
    const uint64_t key = iter.key();
    if (!CheckByteMatches(key) || SlotOf(key) >= kSlots) return "corrupt " + Describe(key);
    if (have_prev && key >= prev) return "backward order broken at " + Describe(key);
    const uint64_t slot = SlotOf(key);
    if (have_prev && SlotOf(prev) == slot) {
      if (GenOf(key) + 1 != GenOf(prev)) return "backward gap after " + Describe(key);
    } else {
      if (have_prev && GenOf(prev) != 1) return "backward scan missed the start of slot";
      seen[slot] = GenOf(key);  // the first seen is the newest
    }
    prev = key;
    have_prev = true;
  }
  if (have_prev && GenOf(prev) != 1) return "backward scan missed the start of the first slot";
  for (int s = 0; s < kSlots; s++) {
    if (seen[s] < before[s]) return "backward scan missed slot " + std::to_string(s);
  }
  return "";
}

// Point lookups: every published key is found by Contains and by Seek.
std::string CheckLookups(SharedState* state, Random* rnd) {
  U64SkipList::Iterator iter(&state->list());
  for (int i = 0; i < 200; i++) {
    const int slot = static_cast<int>(rnd->Uniform(kSlots));
    const uint64_t published = state->Published()[slot];
    // A key that is never inserted: right slot and generation, wrong check.
    const uint64_t bogus = MakeKey(slot, 1) ^ 0x1;
    if (state->list().Contains(bogus)) return "Contains found a key never inserted";
    if (published == 0) continue;

    const uint64_t key = MakeKey(slot, 1 + rnd->Uniform(published));
    if (!state->list().Contains(key)) return "Contains missed " + Describe(key);
    iter.Seek(key);
    if (!iter.Valid() || iter.key() != key) return "Seek missed " + Describe(key);

    // Seeking before the slot's first key lands on generation 1.
    iter.Seek(static_cast<uint64_t>(slot) << 40);
    if (!iter.Valid() || iter.key() != MakeKey(slot, 1)) {
      return "Seek to slot start missed " + Describe(MakeKey(slot, 1));
    }
  }
  return "";
}

// The writer inserts one key at a time (false) or in batches of 1 to 16
// (true, InsertBatch).
class SkipListConcurrencyTest : public testing::TestWithParam<bool> {};

TEST_P(SkipListConcurrencyTest, OneWriterManyReaders) {
  SharedState state;
  std::atomic<int> readers_started{0};
  std::atomic<bool> writer_done{false};
  std::array<std::string, kReaders> errors;
  std::array<int, kReaders> passes{};

  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; r++) {
    readers.emplace_back([&, r] {
      Random rnd(1000 + r);
      readers_started.fetch_add(1);
      // One more pass after the writer stops, so every reader checks the
      // final list at least once.
      bool last_pass = false;
      while (errors[r].empty() && !last_pass) {
        last_pass = writer_done.load(std::memory_order_acquire);
        switch ((passes[r] + r) % 4) {
          case 0:
            errors[r] = CheckForwardScan(&state);
            break;
          case 1:
            errors[r] = CheckBackwardScan(&state);
            break;
          case 2:
            errors[r] = CheckScannerPass(&state);
            break;
          default:
            errors[r] = CheckLookups(&state, &rnd);
            break;
        }
        passes[r]++;
      }
    });
  }

  // Start writing only once every reader runs, so they overlap the writer.
  while (readers_started.load() < kReaders) std::this_thread::yield();
  Random rnd(7);
  uint64_t inserted = 0;
  const auto deadline = std::chrono::steady_clock::now() + kWriterDuration;
  while (inserted < kMaxKeys &&
         (inserted % 256 != 0 || std::chrono::steady_clock::now() < deadline)) {
    if (GetParam()) {
      size_t n = 1 + rnd.Uniform(U64SkipList::kMaxBatch);
      state.InsertNextBatch(&rnd, n);
      inserted += n;
    } else {
      state.InsertNext(static_cast<int>(rnd.Uniform(kSlots)));
      inserted++;
    }
  }
  writer_done.store(true, std::memory_order_release);
  for (std::thread& t : readers) t.join();

  for (int r = 0; r < kReaders; r++) {
    EXPECT_EQ("", errors[r]) << "reader " << r;
    EXPECT_GE(passes[r], 1) << "reader " << r;
  }
  // With the writer stopped, the full check must see every key.
  EXPECT_EQ("", CheckForwardScan(&state));
  EXPECT_EQ("", CheckBackwardScan(&state));
  EXPECT_EQ("", CheckScannerPass(&state));
  uint64_t total = 0;
  for (uint64_t gen : state.Published()) total += gen;
  EXPECT_EQ(inserted, total);
}

INSTANTIATE_TEST_SUITE_P(Writes, SkipListConcurrencyTest, testing::Bool(),
                         [](const testing::TestParamInfo<bool>& info) {
                           return info.param ? "Batches" : "OneByOne";
                         });

}  // namespace
}  // namespace strata
