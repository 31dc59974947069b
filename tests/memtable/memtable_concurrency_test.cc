// Concurrency test for MemTable (memtable/memtable.h): one writer adds values
// and tombstones while several readers call Get at snapshots, scan with
// iterators in both directions, seek, and read the counters, lock-free. Run
// under ThreadSanitizer in CI.
//
// The writes follow a schedule fixed before the threads start: sequence
// number s writes slot kSchedule[s].slot, as a value ValueFor(s) or a
// tombstone. After each Add (or AddBatch, of consecutive writes) the writer
// publishes s, the last, with a release store. A reader that loaded
// published sequence S (acquire) knows the exact state of the memtable at
// snapshot S, so it checks every answer exactly: Get at S returns the newest
// write to that slot with sequence <= S, and a scan holds every entry with
// sequence <= S, in order, each matching the schedule.
//
// Bounded: the writer runs for a fixed wall-clock time and a fixed cap of
// writes, whichever comes first.

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "memtable/memtable.h"
#include "util/internal_key.h"
#include "util/random.h"

namespace strata {
namespace {

constexpr int kSlots = 64;
constexpr int kReaders = 3;
constexpr SequenceNumber kMaxWrites = 60000;
constexpr auto kWriterDuration = std::chrono::milliseconds(400);

// Binary user keys: NUL and 0xff bytes around the slot number.
std::string UserKeyFor(int slot) {
  std::string key("k\0", 2);
  key.push_back(static_cast<char>(slot * 4));  // spans 0x00..0xfc
  key.push_back('\xff');
  return key;
}

std::string ValueFor(SequenceNumber seq) {
  return "value" + std::to_string(seq) + std::string(seq % 13, '\0');
}

struct Write {
  int slot;
  ValueType type;
};

// The writes, and for each slot the ascending sequence numbers that wrote it.
class Schedule {
 public:
  Schedule() : writes_(kMaxWrites + 1) {
    Random rnd(99);
    for (SequenceNumber seq = 1; seq <= kMaxWrites; seq++) {
      writes_[seq].slot = static_cast<int>(rnd.Uniform(kSlots));
      writes_[seq].type = rnd.OneIn(5) ? kTypeDeletion : kTypeValue;
      by_slot_[writes_[seq].slot].push_back(seq);
    }
  }

  const Write& at(SequenceNumber seq) const { return writes_[seq]; }

  // The newest write to slot with sequence <= snapshot, or 0 if none.
  SequenceNumber LatestFor(int slot, SequenceNumber snapshot) const {
    const std::vector<SequenceNumber>& seqs = by_slot_[slot];
    auto it = std::upper_bound(seqs.begin(), seqs.end(), snapshot);
    return it == seqs.begin() ? 0 : *(it - 1);
  }

 private:
  std::vector<Write> writes_;  // indexed by sequence number; [0] unused
  std::array<std::vector<SequenceNumber>, kSlots> by_slot_;
};

class SharedState {
 public:
  // index_buckets: the memtable's hash index (0: none).
  explicit SharedState(size_t index_buckets)
      : mem_(InternalKeyComparator(BytewiseComparator()), index_buckets) {}
  const Schedule& schedule() const { return schedule_; }
  const MemTable& mem() const { return mem_; }

  // Writer: applies write seq and publishes it.
  void Apply(SequenceNumber seq) {
    const Write& w = schedule_.at(seq);
    mem_.Add(seq, w.type, UserKeyFor(w.slot), w.type == kTypeValue ? ValueFor(seq) : "");
    published_.store(seq, std::memory_order_release);
  }

  // Writer: applies writes first .. first + n - 1 in one AddBatch, then
  // publishes the last.
  void ApplyBatch(SequenceNumber first, size_t n) {
    std::vector<std::string> keys, values;
    keys.reserve(n);
    values.reserve(n);
    std::vector<MemTable::PointEntry> entries;
    for (SequenceNumber seq = first; seq < first + n; seq++) {
      const Write& w = schedule_.at(seq);
      keys.push_back(UserKeyFor(w.slot));
      values.push_back(w.type == kTypeValue ? ValueFor(seq) : "");
      entries.push_back({seq, w.type, keys.back(), values.back()});
    }
    mem_.AddBatch(entries.data(), entries.size());
    published_.store(first + n - 1, std::memory_order_release);
  }

  SequenceNumber Published() const { return published_.load(std::memory_order_acquire); }

 private:
  const Schedule schedule_;
  MemTable mem_;
  std::atomic<SequenceNumber> published_{0};
};

// Get at the published snapshot and at an older one, for random slots.
std::string CheckGets(const SharedState& state, Random* rnd) {
  for (int i = 0; i < 200; i++) {
    const int slot = static_cast<int>(rnd->Uniform(kSlots));
    const SequenceNumber published = state.Published();
    const SequenceNumber snapshot = rnd->OneIn(2) ? published : rnd->Uniform(published + 1);
    const SequenceNumber latest = state.schedule().LatestFor(slot, snapshot);

    std::string value;
    Status s;
    const bool found = state.mem().Get(LookupKey(UserKeyFor(slot), snapshot), &value, &s);
    const std::string where =
        " (slot " + std::to_string(slot) + ", snapshot " + std::to_string(snapshot) + ")";
    if (latest == 0) {
      if (found) return "Get found a key not yet written" + where;
      continue;
    }
    if (!found) return "Get missed a published write" + where;
    if (state.schedule().at(latest).type == kTypeDeletion) {
      if (!s.IsNotFound()) return "Get missed a tombstone" + where;
    } else if (!s.ok() || value != ValueFor(latest)) {
      return "Get returned the wrong version" + where;
    }
  }
  return "";
}

// Checks one scanned entry against the schedule.
std::string CheckEntry(const SharedState& state, std::string_view ikey, std::string_view value,
                       SequenceNumber* seq) {
  ParsedInternalKey parsed;
  if (!ParseInternalKey(ikey, &parsed)) return "unparsable internal key";
  if (parsed.sequence == 0 || parsed.sequence > kMaxWrites) return "sequence out of range";
  const Write& w = state.schedule().at(parsed.sequence);
  if (parsed.user_key != UserKeyFor(w.slot) || parsed.type != w.type) {
    return "entry does not match write " + std::to_string(parsed.sequence);
  }
  const std::string expected_value = w.type == kTypeValue ? ValueFor(parsed.sequence) : "";
  if (value != expected_value) return "wrong value for write " + std::to_string(parsed.sequence);
  *seq = parsed.sequence;
  return "";
}

// Seeks, at snapshots published before the iterator was made, to random
// slots: each lands on the slot's newest write at or below the snapshot
// (the hash index names it when the slot's newest entry is no newer), or
// past the slot when it has none -- while the writer adds entries the index
// names too, some not linked yet.
std::string CheckSeeks(const SharedState& state, Random* rnd) {
  const SequenceNumber published = state.Published();
  std::unique_ptr<Iterator> iter = state.mem().NewIterator();
  for (int i = 0; i < 200; i++) {
    const int slot = static_cast<int>(rnd->Uniform(kSlots));
    const SequenceNumber snapshot = rnd->OneIn(2) ? published : rnd->Uniform(published + 1);
    const SequenceNumber latest = state.schedule().LatestFor(slot, snapshot);
    const std::string user_key = UserKeyFor(slot);
    iter->Seek(MakeInternalKey(user_key, snapshot, kValueTypeForSeek));
    const std::string where =
        " (slot " + std::to_string(slot) + ", snapshot " + std::to_string(snapshot) + ")";
    ParsedInternalKey parsed;
    if (latest == 0) {
      if (iter->Valid() &&
          (!ParseInternalKey(iter->key(), &parsed) || parsed.user_key <= user_key)) {
        return "Seek landed on the slot, which had no write yet" + where;
      }
      continue;
    }
    if (!iter->Valid()) return "Seek found nothing" + where;
    SequenceNumber seq = 0;
    if (std::string error = CheckEntry(state, iter->key(), iter->value(), &seq); !error.empty()) {
      return error + where;
    }
    if (seq != latest) return "Seek landed on write " + std::to_string(seq) + where;
  }
  return "";
}

// A full scan, forward or backward: entries strictly ordered, each matching
// the schedule, and every write published before the scan present.
std::string CheckScan(const SharedState& state, bool forward) {
  const SequenceNumber before = state.Published();
  std::unique_ptr<Iterator> iter = state.mem().NewIterator();
  std::string prev;
  SequenceNumber at_or_before = 0;  // entries seen with sequence <= before
  if (forward) {
    iter->SeekToFirst();
  } else {
    iter->SeekToLast();
  }
  while (iter->Valid()) {
    const std::string_view ikey = iter->key();
    if (!prev.empty()) {
      const int order = InternalKeyComparator(BytewiseComparator()).Compare(prev, ikey);
      if (forward ? order >= 0 : order <= 0) return "scan out of order";
    }
    SequenceNumber seq = 0;
    std::string error = CheckEntry(state, ikey, iter->value(), &seq);
    if (!error.empty()) return error;
    if (seq <= before) at_or_before++;
    prev.assign(ikey);
    if (forward) {
      iter->Next();
    } else {
      iter->Prev();
    }
  }
  if (!iter->status().ok()) return "iterator status " + iter->status().ToString();
  if (at_or_before != before) {
    return "scan saw " + std::to_string(at_or_before) + " of the " + std::to_string(before) +
           " writes published before it";
  }
  return "";
}

// Counters and memory usage, read while the writer runs.
std::string CheckCounters(const SharedState& state, size_t* last_usage) {
  const SequenceNumber before = state.Published();
  const uint64_t entries = state.mem().NumEntries();
  const uint64_t deletes = state.mem().NumDeletes();
  if (entries < before) return "NumEntries behind the published writes";
  if (deletes > state.mem().NumEntries()) return "NumDeletes exceeds NumEntries";
  if (before > 0 && state.mem().Empty()) return "Empty() after a published write";
  const size_t usage = state.mem().ApproximateMemoryUsage();
  if (usage < *last_usage) return "ApproximateMemoryUsage shrank";
  *last_usage = usage;
  return "";
}

// Each case a hash index size: none (Get searches the skip list), one bucket
// per slot's worth, and 4 buckets (long chains of colliding keys); and the
// writer adding one entry at a time, or batches of 1 to 40 (AddBatch).
class MemTableConcurrencyTest : public ::testing::TestWithParam<std::tuple<size_t, bool>> {};

TEST_P(MemTableConcurrencyTest, OneWriterManyReaders) {
  const auto [buckets, batches] = GetParam();
  SharedState state(buckets);
  std::atomic<int> readers_started{0};
  std::atomic<bool> writer_done{false};
  std::array<std::string, kReaders> errors;
  std::array<int, kReaders> passes{};

  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; r++) {
    readers.emplace_back([&, r] {
      Random rnd(2000 + r);
      size_t last_usage = 0;
      readers_started.fetch_add(1);
      // One more pass after the writer stops, so every reader checks the
      // final memtable at least once.
      bool last_pass = false;
      while (errors[r].empty() && !last_pass) {
        last_pass = writer_done.load(std::memory_order_acquire);
        switch ((passes[r] + r) % 5) {
          case 0:
            errors[r] = CheckScan(state, /*forward=*/true);
            break;
          case 1:
            errors[r] = CheckScan(state, /*forward=*/false);
            break;
          case 2:
            errors[r] = CheckGets(state, &rnd);
            break;
          case 3:
            errors[r] = CheckSeeks(state, &rnd);
            break;
          default:
            errors[r] = CheckCounters(state, &last_usage);
            break;
        }
        passes[r]++;
      }
    });
  }

  // Start writing only once every reader runs, so they overlap the writer.
  while (readers_started.load() < kReaders) std::this_thread::yield();
  SequenceNumber seq = 0;
  Random rnd_writer(11);
  const auto deadline = std::chrono::steady_clock::now() + kWriterDuration;
  while (seq < kMaxWrites && std::chrono::steady_clock::now() < deadline) {
    if (batches) {
      const size_t n = std::min<SequenceNumber>(1 + rnd_writer.Uniform(40), kMaxWrites - seq);
      state.ApplyBatch(seq + 1, n);
      seq += n;
    } else {
      for (int i = 0; i < 256 && seq < kMaxWrites; i++) state.Apply(++seq);
    }
  }
  writer_done.store(true, std::memory_order_release);
  for (std::thread& t : readers) t.join();

  for (int r = 0; r < kReaders; r++) {
    EXPECT_EQ("", errors[r]) << "reader " << r;
    EXPECT_GE(passes[r], 1) << "reader " << r;
  }
  EXPECT_EQ(seq, state.mem().NumEntries());
  EXPECT_EQ("", CheckScan(state, /*forward=*/true));
  EXPECT_EQ("", CheckScan(state, /*forward=*/false));
  Random rnd(5);
  EXPECT_EQ("", CheckGets(state, &rnd));
}

// The test's name: NoneOneByOne, Buckets1024Batches, ...
std::string CaseName(const ::testing::TestParamInfo<std::tuple<size_t, bool>>& info) {
  const size_t buckets = std::get<0>(info.param);
  return (buckets == 0 ? std::string("None") : "Buckets" + std::to_string(buckets)) +
         (std::get<1>(info.param) ? "Batches" : "OneByOne");
}

INSTANTIATE_TEST_SUITE_P(HashIndex, MemTableConcurrencyTest,
                         ::testing::Combine(::testing::Values(0, 1024, 4), ::testing::Bool()),
                         CaseName);

}  // namespace
}  // namespace strata
