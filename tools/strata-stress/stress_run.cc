// RunStress; see stress_run.h.
//
// Every write holds the lock of each key it writes (striped mutexes), so a
// key's write and its expected-state update are one step for the other
// threads. Checks:
//   - Get holds the key's lock: the value must be exactly the expected one.
//   - Scans hold no lock: every entry must be a well-formed value of its own
//     key, keys strictly increasing (decreasing in reverse), and turning the
//     iterator around must revisit the same keys (its view is fixed).
//   - Snapshot reads take a snapshot while holding the locks of a few
//     consecutive keys, let other writes happen, then read those keys at
//     the snapshot (Get and a scan) and must see exactly what was expected
//     when it was taken.
//   - Whole-database verification, after open and after a clean reopen: every
//     key by Get, then a forward and a reverse scan of everything.
// The first failure prints what was expected and what was read, with the
// run's seed and options, and exits the process at once (kExitMismatch or
// kExitEngineError).

#include "stress_run.h"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "expected_state.h"
#include "key_value.h"
#include "strata/db.h"

namespace strata::stress {
namespace {

using Clock = std::chrono::steady_clock;
using Rng = std::mt19937_64;

constexpr size_t kStripes = 1024;
constexpr int kMaxSnapshotKeys = 8;
static_assert(kMaxSnapshotKeys < static_cast<int>(kStripes));

template <typename T>
T Pick(Rng& rng, std::initializer_list<T> choices) {
  return choices.begin()[rng() % choices.size()];
}

// The options of one run, drawn from its seed: small buffers and files so
// flushes and compactions never stop, and every knob moved across its range.
struct RunOptions {
  Options db;
  int sync_per_mille = 0;  // writes with WriteOptions::sync
  std::string description;
};

RunOptions RandomOptions(uint64_t seed) {
  Rng rng(seed);
  RunOptions r;
  Options& o = r.db;
  o.write_buffer_size = Pick<size_t>(rng, {64 << 10, 128 << 10, 256 << 10, 1 << 20, 4 << 20});
  o.max_write_buffer_number = 1 + static_cast<int>(rng() % 4);
  o.block_size = Pick<size_t>(rng, {256, 1024, 4096, 16 << 10, 64 << 10});
  o.block_restart_interval = Pick(rng, {1, 4, 16, 64});
  o.bloom_bits_per_key = Pick(rng, {0, 1, 5, 10, 20});
  o.compression = static_cast<CompressionType>(rng() % 4);
  o.block_cache_size = Pick<size_t>(rng, {0, 4 << 10, 64 << 10, 1 << 20, 32 << 20});
  o.max_open_files = rng() % 4 == 0 ? 10 + static_cast<int>(rng() % 20) : 1000;
  o.l0_compaction_trigger = 1 + static_cast<int>(rng() % 8);
  o.l0_slowdown_writes_trigger = o.l0_compaction_trigger + static_cast<int>(rng() % 12);
  o.l0_stop_writes_trigger = o.l0_slowdown_writes_trigger + static_cast<int>(rng() % 12);
  if (rng() % 4 == 0) {
    o.soft_pending_compaction_bytes = Pick<uint64_t>(rng, {1 << 20, 4 << 20});
    o.hard_pending_compaction_bytes = o.soft_pending_compaction_bytes * 8;
  }
  o.target_file_size = Pick<uint64_t>(rng, {64 << 10, 256 << 10, 2 << 20});
  o.max_bytes_for_level_base = Pick<uint64_t>(rng, {256 << 10, 1 << 20, 10 << 20});
  o.max_background_jobs = 1 + static_cast<int>(rng() % 4);
  o.paranoid_checks = rng() % 2 == 0;
  r.sync_per_mille = Pick(rng, {0, 0, 0, 1, 50});

  char buf[512];
  std::snprintf(buf, sizeof(buf),
                "write_buffer_size=%zu max_write_buffer_number=%d block_size=%zu "
                "block_restart_interval=%d bloom_bits_per_key=%d compression=%d "
                "block_cache_size=%zu max_open_files=%d l0_triggers=%d/%d/%d "
                "pending_compaction_bytes=%" PRIu64 "/%" PRIu64 " target_file_size=%" PRIu64
                " max_bytes_for_level_base=%" PRIu64
                " max_background_jobs=%d paranoid_checks=%d sync_per_mille=%d",
                o.write_buffer_size, o.max_write_buffer_number, o.block_size,
                o.block_restart_interval, o.bloom_bits_per_key, static_cast<int>(o.compression),
                o.block_cache_size, o.max_open_files, o.l0_compaction_trigger,
                o.l0_slowdown_writes_trigger, o.l0_stop_writes_trigger,
                o.soft_pending_compaction_bytes, o.hard_pending_compaction_bytes,
                o.target_file_size, o.max_bytes_for_level_base, o.max_background_jobs,
                o.paranoid_checks ? 1 : 0, r.sync_per_mille);
  r.description = buf;
  return r;
}

// The summary's DeleteRange part.
std::string DeleteRangeSummary(bool supported, uint64_t ranges, uint64_t keys) {
  if (!supported) return "DeleteRange not supported by the engine, left out";
  return std::to_string(ranges) + " delete ranges (" + std::to_string(keys) + " keys)";
}

// True if a read that returned (s, value) shows key in state.
bool Matches(uint32_t key, KeyState state, const Status& s, const std::string& value) {
  if (!Exists(state)) return s.IsNotFound();
  return s.ok() && value == ValueOf(key, Generation(state));
}

std::string DescribeRead(const Status& s, const std::string& value) {
  if (s.IsNotFound()) return "NotFound";
  if (!s.ok()) return s.ToString();
  return DescribeValue(value);
}

class StressRun {
 public:
  StressRun(const RunFlags& flags, ExpectedState* state)
      : flags_(flags),
        state_(state),
        options_(RandomOptions(flags.seed)),
        stripes_(new std::mutex[kStripes]) {}

  int Run();

 private:
  // Locks the stripes of a set of keys in stripe order (so two threads
  // locking overlapping sets never deadlock) and unlocks them on
  // destruction.
  class KeyLocks {
   public:
    KeyLocks(StressRun* run, const std::vector<uint32_t>& keys) {
      for (uint32_t key : keys) stripes_.push_back(key % kStripes);
      std::sort(stripes_.begin(), stripes_.end());
      stripes_.erase(std::unique(stripes_.begin(), stripes_.end()), stripes_.end());
      for (size_t s : stripes_) locks_.emplace_back(run->stripes_[s]);
    }

   private:
    std::vector<size_t> stripes_;
    std::vector<std::unique_lock<std::mutex>> locks_;
  };

  [[noreturn]] void Fail(int code, const std::string& what);
  void CheckOk(const char* op, const Status& s) {
    if (!s.ok()) Fail(kExitEngineError, std::string(op) + " failed: " + s.ToString());
  }
  void OpenDb();
  void VerifyAll(const char* when);
  void VerifyScan(const char* when, bool reverse);
  void Worker(int slot, Clock::time_point deadline);
  // The operations of this run on stdout.
  void PrintSummary(const std::vector<uint64_t>& before) const;

  WriteOptions RandomWriteOptions(Rng& rng) const;
  ReadOptions RandomReadOptions(Rng& rng) const;
  void OpPut(Rng& rng, uint32_t key);
  void OpDelete(Rng& rng, uint32_t key);
  void OpDeleteRange(Rng& rng, int slot, uint32_t first);
  void OpBatch(Rng& rng, int slot);
  void OpGet(Rng& rng, uint32_t key);
  void OpScan(Rng& rng);
  void OpSnapshotRead(Rng& rng);
  void OpCompactRange(Rng& rng);

  const RunFlags& flags_;
  ExpectedState* const state_;
  const RunOptions options_;
  const std::unique_ptr<std::mutex[]> stripes_;
  const Clock::time_point start_ = Clock::now();
  std::unique_ptr<DB> db_;
  // Set at open: the engine answered an empty DeleteRange with OK rather
  // than NotSupported (a build without range deletion). Without it the
  // DeleteRange share of the mix goes to Delete, and the summary says so.
  bool delete_range_supported_ = false;
};

void StressRun::Fail(int code, const std::string& what) {
  static std::mutex print_mu;
  std::lock_guard<std::mutex> lock(print_mu);  // one report, then exit
  std::fprintf(stderr,
               "strata-stress: %s: %s\n  db %s, seed %" PRIu64
               ", %d threads, %u keys\n"
               "  options: %s\n",
               code == kExitMismatch ? "MISMATCH" : "ENGINE ERROR", what.c_str(), flags_.db.c_str(),
               flags_.seed, flags_.threads, flags_.keys, options_.description.c_str());
  std::fflush(stderr);
  std::_Exit(code);  // no destructors: the other threads are still running
}

void StressRun::OpenDb() {
  Status s = DB::Open(options_.db, flags_.db, &db_);
  CheckOk("DB::Open", s);
  // begin >= end is a no-op by contract: a probe that changes nothing.
  s = db_->DeleteRange(WriteOptions(), KeyOf(0), KeyOf(0));
  if (!s.ok() && !s.IsNotSupported()) CheckOk("DeleteRange (empty)", s);
  delete_range_supported_ = s.ok();
}

int StressRun::Run() {
  if (flags_.verbose) std::fprintf(stderr, "strata-stress run: %s\n", options_.description.c_str());
  std::vector<uint64_t> before;
  for (int c = 0; c < kNumCounters; c++) before.push_back(state_->Count(static_cast<Counter>(c)));
  state_->SetPhase(kPhaseOpening);
  OpenDb();
  state_->Add(kRunsOpened);
  state_->SetPhase(kPhaseVerifying);
  VerifyAll("after open");

  state_->SetPhase(kPhaseRunning);
  auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(flags_.seconds));
  std::vector<std::thread> threads;
  for (int t = 0; t < flags_.threads; t++) threads.emplace_back([=, this] { Worker(t, deadline); });
  for (auto& t : threads) t.join();

  state_->SetPhase(kPhaseClosing);
  db_.reset();
  OpenDb();
  VerifyAll("after a clean close and reopen");
  db_.reset();
  state_->SetPhase(kPhaseDone);
  PrintSummary(before);
  return kExitOk;
}

void StressRun::PrintSummary(const std::vector<uint64_t>& before) const {
  auto c = [&](Counter counter) { return state_->Count(counter) - before[counter]; };
  std::printf(
      "strata-stress run: passed in %.1f s: %" PRIu64 " puts, %" PRIu64 " deletes, %" PRIu64
      " batches (%" PRIu64 " updates), %" PRIu64 " gets, %" PRIu64 " scans (%" PRIu64
      " entries), %" PRIu64 " snapshot reads, %" PRIu64 " flushes, %" PRIu64
      " compactions; %" PRIu64 " verifications of %u keys; %s\n",
      std::chrono::duration<double>(Clock::now() - start_).count(), c(kPuts), c(kDeletes),
      c(kBatches), c(kBatchUpdates), c(kGets), c(kScans), c(kScanEntries), c(kSnapshotReads),
      c(kFlushes), c(kCompactions), c(kVerifications), state_->num_keys(),
      DeleteRangeSummary(delete_range_supported_, c(kDeleteRanges), c(kDeleteRangeKeys)).c_str());
  std::fflush(stdout);
}

// The check after a crash: every key must read back as committed, or, if a
// write of it was in flight, as either state; a batch in flight must have
// applied all or nothing. Pending keys are then settled to what was found.
void StressRun::VerifyAll(const char* when) {
  const uint32_t n = state_->num_keys();
  std::vector<KeyState> found(n);
  std::string value;
  for (uint32_t key = 0; key < n; key++) {
    Status s = db_->Get(ReadOptions(), KeyOf(key), &value);
    if (!s.ok() && !s.IsNotFound()) CheckOk("Get (verify)", s);
    KeyState committed = state_->Committed(key), pending;
    bool is_pending = state_->Pending(key, &pending);
    if (Matches(key, committed, s, value)) {
      found[key] = committed;
    } else if (is_pending && Matches(key, pending, s, value)) {
      found[key] = pending;
    } else {
      Fail(kExitMismatch,
           std::string("verify ") + when + ": key " + std::to_string(key) + ": expected " +
               DescribeState(committed) +
               (is_pending ? " or " + DescribeState(pending) + " (write in flight)" : "") +
               ", read " + DescribeRead(s, value));
    }
  }

  BatchKey batch[ExpectedState::kMaxBatchKeys];
  for (int slot = 0; slot < ExpectedState::kMaxThreads; slot++) {
    int count = state_->Batch(slot, batch);
    if (count == 0) continue;
    state_->Add(kBatchesCutByKill);
    const BatchKey* first_decided = nullptr;
    for (int i = 0; i < count; i++) {
      const BatchKey& b = batch[i];
      if (b.old_state == b.new_state) continue;  // e.g. deleting an absent key
      if (first_decided == nullptr) {
        first_decided = &b;
      } else if ((found[b.key] == b.new_state) !=
                 (found[first_decided->key] == first_decided->new_state)) {
        Fail(kExitMismatch,
             std::string("verify ") + when + ": a batch cut by a kill applied in part: key " +
                 std::to_string(first_decided->key) + " reads " +
                 DescribeState(found[first_decided->key]) +
                 " (batch: " + DescribeState(first_decided->old_state) + " -> " +
                 DescribeState(first_decided->new_state) + "), key " + std::to_string(b.key) +
                 " reads " + DescribeState(found[b.key]) + " (batch: " +
                 DescribeState(b.old_state) + " -> " + DescribeState(b.new_state) + ")");
      }
    }
  }

  for (uint32_t key = 0; key < n; key++) {
    KeyState pending;
    if (!state_->Pending(key, &pending)) continue;
    state_->Add(found[key] == pending ? kPendingApplied : kPendingLost);
    state_->Resolve(key, found[key]);
  }
  for (int slot = 0; slot < ExpectedState::kMaxThreads; slot++) state_->EndBatch(slot);

  VerifyScan(when, /*reverse=*/false);
  VerifyScan(when, /*reverse=*/true);
  state_->Add(kVerifications);
  state_->Add(kKeysVerified, n);
}

// A scan of the whole database must show exactly the keys that exist, each
// with its expected value. REQUIRES: no write in flight.
void StressRun::VerifyScan(const char* when, bool reverse) {
  auto it = db_->NewIterator();
  const uint32_t n = state_->num_keys();
  int64_t next = reverse ? static_cast<int64_t>(n) - 1 : 0;  // the next key that should exist
  auto advance_to_existing = [&] {
    while (next >= 0 && next < n && !Exists(state_->Committed(static_cast<uint32_t>(next)))) {
      next += reverse ? -1 : 1;
    }
  };
  advance_to_existing();
  const std::string where = std::string("verify ") + when + (reverse ? ", reverse scan" : ", scan");
  for (reverse ? it->SeekToLast() : it->SeekToFirst(); it->Valid();
       reverse ? it->Prev() : it->Next()) {
    uint32_t key;
    if (!ParseKey(it->key(), &key)) Fail(kExitMismatch, where + ": " + DescribeKey(it->key()));
    if (next < 0 || next >= n || key != next) {
      Fail(kExitMismatch,
           where + ": read " + DescribeKey(it->key()) + ", expected " +
               (next < 0 || next >= n ? std::string("the end") : "key " + std::to_string(next)));
    }
    KeyState expected = state_->Committed(key);
    if (it->value() != ValueOf(key, Generation(expected))) {
      Fail(kExitMismatch, where + ": key " + std::to_string(key) + ": expected " +
                              DescribeState(expected) + ", read " + DescribeValue(it->value()));
    }
    next += reverse ? -1 : 1;
    advance_to_existing();
  }
  CheckOk("iterator (verify)", it->status());
  if (next >= 0 && next < n) {
    Fail(kExitMismatch, where + ": ended before key " + std::to_string(next) + ", which is " +
                            DescribeState(state_->Committed(static_cast<uint32_t>(next))));
  }
}

void StressRun::Worker(int slot, Clock::time_point deadline) {
  Rng rng(flags_.seed * 1000003 + static_cast<uint64_t>(slot) + 1);
  const uint32_t n = state_->num_keys();
  while (Clock::now() < deadline) {
    for (int i = 0; i < 16; i++) {  // read the clock less often than we write
      uint32_t roll = rng() % 10000;
      uint32_t key = rng() % n;
      if (roll < 4) {
        CheckOk("Flush", db_->Flush());
        state_->Add(kFlushes);
      } else if (roll < 6) {
        OpCompactRange(rng);
      } else if (roll < 3500) {
        OpPut(rng, key);
      } else if (roll < 4300) {
        OpDelete(rng, key);
      } else if (roll < 4500) {
        delete_range_supported_ ? OpDeleteRange(rng, slot, key) : OpDelete(rng, key);
      } else if (roll < 5500) {
        OpBatch(rng, slot);
      } else if (roll < 8000) {
        OpGet(rng, key);
      } else if (roll < 9000) {
        OpScan(rng);
      } else {
        OpSnapshotRead(rng);
      }
    }
  }
}

WriteOptions StressRun::RandomWriteOptions(Rng& rng) const {
  WriteOptions w;
  w.sync = static_cast<int>(rng() % 1000) < options_.sync_per_mille;
  return w;
}

ReadOptions StressRun::RandomReadOptions(Rng& rng) const {
  ReadOptions r;
  r.verify_checksums = rng() % 4 != 0;
  r.fill_cache = rng() % 4 != 0;
  return r;
}

void StressRun::OpPut(Rng& rng, uint32_t key) {
  KeyLocks lock(this, {key});
  uint32_t generation = state_->NextGeneration(key);
  state_->BeginWrite(key, MakeState(generation, true));
  CheckOk("Put", db_->Put(RandomWriteOptions(rng), KeyOf(key), ValueOf(key, generation)));
  state_->Commit(key);
  state_->Add(kPuts);
}

void StressRun::OpDelete(Rng& rng, uint32_t key) {
  KeyLocks lock(this, {key});
  state_->BeginWrite(key, MakeState(Generation(state_->Committed(key)), false));
  CheckOk("Delete", db_->Delete(RandomWriteOptions(rng), KeyOf(key)));
  state_->Commit(key);
  state_->Add(kDeletes);
}

// DeleteRange of 1 to 20 consecutive keys from first (fewer at the end of
// the key space): [KeyOf(first), KeyOf(end)) holds exactly keys first..end-1,
// since KeyOf's fixed-width prefix orders the keys and its suffixes sort
// below the next key. Recorded in the thread's batch slot: a kill in flight
// must find all of the range deleted or none of it.
void StressRun::OpDeleteRange(Rng& rng, int slot, uint32_t first) {
  const uint32_t n = state_->num_keys();
  uint32_t end = std::min<uint32_t>(n, first + 1 + rng() % ExpectedState::kMaxBatchKeys);
  std::vector<uint32_t> keys;
  for (uint32_t key = first; key < end; key++) keys.push_back(key);
  KeyLocks lock(this, keys);
  std::vector<BatchKey> updates;
  for (uint32_t key : keys) {
    KeyState old_state = state_->Committed(key);
    updates.push_back({key, old_state, MakeState(Generation(old_state), false)});
  }
  state_->BeginBatch(slot, updates.data(), static_cast<int>(updates.size()));
  for (const BatchKey& u : updates) state_->BeginWrite(u.key, u.new_state);
  CheckOk("DeleteRange", db_->DeleteRange(RandomWriteOptions(rng), KeyOf(first), KeyOf(end)));
  for (const BatchKey& u : updates) state_->Commit(u.key);
  state_->EndBatch(slot);
  state_->Add(kDeleteRanges);
  state_->Add(kDeleteRangeKeys, keys.size());
}

// A batch of puts and deletes of 2 to 16 distinct keys, some put twice so
// that the batch's later update must hide the earlier one.
void StressRun::OpBatch(Rng& rng, int slot) {
  const uint32_t n = state_->num_keys();
  int count = 2 + static_cast<int>(rng() % 15);
  std::vector<uint32_t> keys;
  while (static_cast<int>(keys.size()) < count && keys.size() < n) {
    uint32_t key = rng() % n;
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  }
  KeyLocks lock(this, keys);
  WriteBatch batch;
  std::vector<BatchKey> updates;
  for (uint32_t key : keys) {
    if (rng() % 4 == 0) {
      batch.Put(KeyOf(key), ValueOf(key, state_->NextGeneration(key)));  // hidden below
    }
    KeyState old_state = state_->Committed(key), new_state;
    if (rng() % 4 == 0) {
      new_state = MakeState(Generation(old_state), false);
      batch.Delete(KeyOf(key));
    } else {
      uint32_t generation = state_->NextGeneration(key);
      new_state = MakeState(generation, true);
      batch.Put(KeyOf(key), ValueOf(key, generation));
    }
    updates.push_back({key, old_state, new_state});
  }
  state_->BeginBatch(slot, updates.data(), static_cast<int>(updates.size()));
  for (const BatchKey& u : updates) state_->BeginWrite(u.key, u.new_state);
  CheckOk("Write", db_->Write(RandomWriteOptions(rng), &batch));
  for (const BatchKey& u : updates) state_->Commit(u.key);
  state_->EndBatch(slot);
  state_->Add(kBatches);
  state_->Add(kBatchUpdates, batch.Count());
}

void StressRun::OpGet(Rng& rng, uint32_t key) {
  KeyLocks lock(this, {key});
  KeyState expected = state_->Committed(key);
  std::string value;
  Status s = db_->Get(RandomReadOptions(rng), KeyOf(key), &value);
  if (!s.ok() && !s.IsNotFound()) CheckOk("Get", s);
  if (!Matches(key, expected, s, value)) {
    Fail(kExitMismatch, "Get: key " + std::to_string(key) + ": expected " +
                            DescribeState(expected) + ", read " + DescribeRead(s, value));
  }
  state_->Add(kGets);
}

// Walks up to 100 entries from a random place, forward or back, checking
// each entry's form and the order; then, if still on an entry, turns around
// and must meet the same keys again in the opposite order.
void StressRun::OpScan(Rng& rng) {
  const uint32_t n = state_->num_keys();
  const bool reverse = rng() % 2 == 0;
  const size_t limit = 1 + rng() % 100;
  auto it = db_->NewIterator(RandomReadOptions(rng));
  uint32_t roll = rng() % 8;
  if (roll == 0) {
    reverse ? it->SeekToLast() : it->SeekToFirst();
  } else {
    it->Seek(KeyOf(rng() % n));
    if (reverse && roll == 1 && !it->Valid()) it->SeekToLast();
  }
  std::vector<std::string> seen;
  const char* direction = reverse ? "reverse scan" : "scan";
  for (; it->Valid() && seen.size() < limit; reverse ? it->Prev() : it->Next()) {
    uint32_t key, value_key, generation;
    if (!ParseKey(it->key(), &key)) {
      Fail(kExitMismatch, std::string(direction) + ": " + DescribeKey(it->key()));
    }
    if (!ParseValue(it->value(), &value_key, &generation) || value_key != key) {
      Fail(kExitMismatch, std::string(direction) + ": key " + std::to_string(key) + " holds " +
                              DescribeValue(it->value()));
    }
    if (!seen.empty() && (reverse ? it->key() >= seen.back() : it->key() <= seen.back())) {
      Fail(kExitMismatch, std::string(direction) + ": " + DescribeKey(it->key()) + " after " +
                              DescribeKey(seen.back()));
    }
    seen.emplace_back(it->key());
  }
  CheckOk(direction, it->status());
  if (it->Valid() && !seen.empty()) {
    // The entry after the last one seen; turning around returns to the
    // entries seen, latest first.
    for (size_t i = seen.size(); i-- > 0;) {
      reverse ? it->Next() : it->Prev();
      if (!it->Valid() || it->key() != seen[i]) {
        Fail(kExitMismatch, std::string(direction) + " turned around: expected " +
                                DescribeKey(seen[i]) + ", read " +
                                (it->Valid() ? DescribeKey(it->key()) : std::string("the end")));
      }
    }
  }
  CheckOk(direction, it->status());
  state_->Add(kScans);
  state_->Add(kScanEntries, seen.size());
}

// Takes a snapshot while holding the locks of up to 8 consecutive keys, lets
// a few writes happen, then reads those keys at the snapshot by Get and by a
// scan: both must show the keys exactly as they were when it was taken.
void StressRun::OpSnapshotRead(Rng& rng) {
  const uint32_t n = state_->num_keys();
  uint32_t first = rng() % n;
  uint32_t end = std::min<uint32_t>(n, first + 1 + rng() % kMaxSnapshotKeys);
  std::vector<uint32_t> keys;
  for (uint32_t key = first; key < end; key++) keys.push_back(key);
  std::vector<KeyState> expected;
  const Snapshot* snapshot;
  {
    KeyLocks lock(this, keys);
    snapshot = db_->GetSnapshot();
    for (uint32_t key : keys) expected.push_back(state_->Committed(key));
  }
  for (int writes = static_cast<int>(rng() % 4); writes > 0; writes--) {
    uint32_t key = first + rng() % (end - first);
    rng() % 3 == 0 ? OpDelete(rng, key) : OpPut(rng, key);
  }

  ReadOptions options = RandomReadOptions(rng);
  options.snapshot = snapshot;
  std::string value;
  for (size_t i = 0; i < keys.size(); i++) {
    Status s = db_->Get(options, KeyOf(keys[i]), &value);
    if (!s.ok() && !s.IsNotFound()) CheckOk("Get at a snapshot", s);
    if (!Matches(keys[i], expected[i], s, value)) {
      Fail(kExitMismatch, "Get at a snapshot: key " + std::to_string(keys[i]) + ": expected " +
                              DescribeState(expected[i]) + ", read " + DescribeRead(s, value));
    }
  }
  auto it = db_->NewIterator(options);
  it->Seek(KeyOf(first));
  for (size_t i = 0; i < keys.size(); i++) {
    if (!Exists(expected[i])) continue;
    if (!it->Valid() || it->key() != KeyOf(keys[i]) ||
        it->value() != ValueOf(keys[i], Generation(expected[i]))) {
      Fail(kExitMismatch,
           "scan at a snapshot: expected key " + std::to_string(keys[i]) + " " +
               DescribeState(expected[i]) + ", read " +
               (it->Valid() ? DescribeKey(it->key()) + " " + DescribeValue(it->value())
                            : std::string("the end")));
    }
    it->Next();
  }
  uint32_t key;
  if (it->Valid() && ParseKey(it->key(), &key) && key < end) {
    Fail(kExitMismatch, "scan at a snapshot: read key " + std::to_string(key) +
                            ", absent when the snapshot was taken");
  }
  CheckOk("scan at a snapshot", it->status());
  it.reset();
  db_->ReleaseSnapshot(snapshot);
  state_->Add(kSnapshotReads);
}

void StressRun::OpCompactRange(Rng& rng) {
  const uint32_t n = state_->num_keys();
  if (rng() % 4 == 0) {
    CheckOk("CompactRange", db_->CompactRange(nullptr, nullptr));
  } else {
    uint32_t a = rng() % n, b = rng() % n;
    std::string begin = KeyOf(std::min(a, b)), end = KeyOf(std::max(a, b));
    std::string_view begin_view = begin, end_view = end;
    CheckOk("CompactRange", db_->CompactRange(&begin_view, &end_view));
  }
  state_->Add(kCompactions);
}

}  // namespace

int RunStress(const RunFlags& flags) {
  if (flags.threads < 1 || flags.threads > ExpectedState::kMaxThreads || flags.keys < 1) {
    std::fprintf(stderr, "strata-stress: need 1 to %d threads and at least 1 key\n",
                 ExpectedState::kMaxThreads);
    return kExitUsage;
  }
  std::unique_ptr<ExpectedState> state;
  Status s = ExpectedState::Open(flags.state, flags.keys, &state);
  if (!s.ok()) {
    std::fprintf(stderr, "strata-stress: %s\n", s.ToString().c_str());
    return kExitSetup;
  }
  return StressRun(flags, state.get()).Run();
}

}  // namespace strata::stress
