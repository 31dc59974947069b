// ExpectedState: what every key of a stress run must read back, kept in a
// file mapped MAP_SHARED so that it survives a SIGKILL of the process that
// writes it (the pages belong to the kernel; only a machine crash loses them).
//
// A key's state is (generation << 1) | exists: absent, or holding
// ValueOf(key, generation). Each key has one 64-bit word, always written with
// a single atomic store so a kill never tears it:
//   bits  0..31  the committed state: the key after its last acknowledged write
//   bits 32..63  0, or kPendingBit | the state a write in flight will leave
// A writer, holding the key's lock in the stress run, marks the key pending
// (BeginWrite), writes to the database, and commits once the write is
// acknowledged (Commit). After a kill, a pending key may read back as either
// state; any other key must read back exactly as committed. The verifier
// settles each pending key to what it found (Resolve).
//
// Generations are never reused: next_generation (a second array, written
// before the key is marked pending) only grows, so a lost write's value can
// never be mistaken for a later one if it came back from the dead.
//
// A batch (or a DeleteRange) also records its keys with their old and new
// states in the writing thread's slot while in flight, so the verifier can
// check that one cut by a kill applied all or nothing.
//
// The header holds the phase of the run (for the parent to see where a kill
// landed) and counters of the operations done, summed over every run.
//
// Thread-safety: every word is accessed through std::atomic_ref, so any
// thread may read any key. Writing a key (BeginWrite, Commit, Resolve,
// NextGeneration) requires the caller's lock on that key; writing a batch
// slot, that the caller owns the slot.

#ifndef STRATA_TOOLS_STRATA_STRESS_EXPECTED_STATE_H_
#define STRATA_TOOLS_STRATA_STRESS_EXPECTED_STATE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "strata/status.h"

namespace strata::stress {

using KeyState = uint32_t;
inline KeyState MakeState(uint32_t generation, bool exists) {
  return (generation << 1) | (exists ? 1u : 0u);
}
inline bool Exists(KeyState s) { return (s & 1) != 0; }
inline uint32_t Generation(KeyState s) { return s >> 1; }
// "absent" or "gen 12", for messages.
std::string DescribeState(KeyState s);

// Counted over every run against one state file. The numbering is stored in
// the file (the parent reads what its children counted): do not renumber.
enum Counter : int {
  kPuts = 0,
  kDeletes,
  kBatches,
  kBatchUpdates,
  kGets,
  kScans,
  kScanEntries,
  kSnapshotReads,
  kFlushes,
  kCompactions,
  kRunsOpened,     // runs that finished opening the database
  kVerifications,  // whole-database verifications
  kKeysVerified,
  kPendingApplied,    // writes in flight at a kill that the database kept
  kPendingLost,       // ... and that it did not (never acknowledged)
  kBatchesCutByKill,  // batches (and DeleteRanges) in flight at a kill, checked all-or-nothing
  kDeleteRanges,      // DeleteRange calls (0 while the engine does not support them)
  kDeleteRangeKeys,   // keys those covered
  kNumCounters,
};

// Where a run is, for the parent to tell where its kill landed.
enum Phase : uint32_t {
  kPhaseStarted = 0,  // the parent resets it before each run
  kPhaseOpening = 1,
  kPhaseVerifying = 2,
  kPhaseRunning = 3,  // random operations
  kPhaseClosing = 4,  // closing, reopening and verifying again
  kPhaseDone = 5,
};

struct BatchKey {
  uint32_t key;
  KeyState old_state;
  KeyState new_state;
};

class ExpectedState {
 public:
  static constexpr int kMaxThreads = 64;
  // Keys a batch slot records: a batch's (2 to 16) or a DeleteRange's (1 to
  // 20 consecutive keys), which applies all or nothing just the same.
  static constexpr int kMaxBatchKeys = 20;

  // Maps the state file at path, creating it (every key absent, generation
  // 0) if it does not exist. InvalidArgument if it exists for another number
  // of keys.
  static Status Open(const std::string& path, uint32_t num_keys,
                     std::unique_ptr<ExpectedState>* state);
  ~ExpectedState();
  ExpectedState(const ExpectedState&) = delete;
  ExpectedState& operator=(const ExpectedState&) = delete;

  uint32_t num_keys() const { return num_keys_; }

  KeyState Committed(uint32_t key) const;
  // True if a write of key was in flight; sets *new_state to what it writes.
  bool Pending(uint32_t key, KeyState* new_state) const;
  // A generation never used for key before. REQUIRES: the key's lock.
  uint32_t NextGeneration(uint32_t key);
  // REQUIRES: the key's lock, and no write of it pending.
  void BeginWrite(uint32_t key, KeyState new_state);
  // REQUIRES: the key's lock, and BeginWrite before.
  void Commit(uint32_t key);
  // Sets key's committed state and clears its pending mark.
  void Resolve(uint32_t key, KeyState state);

  // Records the keys of a batch about to be written in slot (one per
  // thread); EndBatch clears it. Batch returns the keys in slot (0 if none).
  void BeginBatch(int slot, const BatchKey* keys, int count);
  void EndBatch(int slot);
  int Batch(int slot, BatchKey* keys) const;

  void Add(Counter counter, uint64_t n = 1);
  uint64_t Count(Counter counter) const;
  void SetPhase(Phase phase);
  Phase phase() const;

 private:
  struct Header;
  struct BatchSlot;

  ExpectedState(void* base, size_t size, uint32_t num_keys);
  uint64_t* Word(uint32_t key) const;

  void* const base_;
  const size_t size_;
  const uint32_t num_keys_;
  Header* const header_;
  BatchSlot* const slots_;
  uint64_t* const words_;
  uint32_t* const next_generation_;
};

}  // namespace strata::stress

#endif  // STRATA_TOOLS_STRATA_STRESS_EXPECTED_STATE_H_
