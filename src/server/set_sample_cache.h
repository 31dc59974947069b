// SetSampleCache: the members of large sets that SPOP keeps drawing from,
// held in memory so a draw is O(1) and exactly uniform instead of a random
// descent of ~2·log n seeks (docs/SERVER.md, "Sets").
//
// The database stays the truth; the cache is a copy that knows which state
// of the set it copies. A set's state is (version, size, removed): the
// version is never handed out twice (VersionAllocator), and under one
// version every write that changes the members changes size + removed
// (SADD adds to size) or removed (SREM, SPOP, SMOVE add to it, as
// RemovedUnderVersion counts), neither of which ever goes down; DEL, an
// overwrite, RENAME, a *STORE or the set's rewrite give a fresh version. So
// an entry whose state equals the set's metadata holds exactly the set's
// members, and an entry that missed a write (made by any command, on any
// path) no longer matches and is never used. Nothing has to invalidate it.
//
// Who fills it: SPOP, under the key's lock, with the metadata and the
// members read with no writer of the key between (every set writer holds
// that lock). A set is copied after SPOP has drawn from it by descents at
// least size / kBuildRatio times since its last copy, so the O(n) read is
// paid for by the descents it replaces (O(kBuildRatio) member reads per
// draw at worst, when every draw meets a set changed since the copy).
// SRANDMEMBER only reads an entry that matches.
//
// Memory: an entry is its members' bytes in one buffer plus 8 bytes a
// member; entries are evicted least recently used beyond `budget` bytes,
// and a set larger than half the budget is never copied: ShouldBuild says
// no when 8 bytes a member would already exceed that, or when a copy of a
// set no smaller was refused, so a huge set is not read whole over and over.
//
// Thread-safety: thread-safe (one mutex). Pop and Settle on a key must be
// called under that key's lock (KeyLockGuard).

#ifndef STRATA_SERVER_SET_SAMPLE_CACHE_H_
#define STRATA_SERVER_SET_SAMPLE_CACHE_H_

#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "util/mutex.h"

namespace strata::server {

class SetSampleCache {
 public:
  // Which contents of a set an entry copies (see the file comment).
  struct State {
    uint64_t version = 0;
    uint64_t size = 0;
    uint64_t removed = 0;
    bool operator==(const State&) const = default;
  };

  // A set is copied after size / kBuildRatio draws by descent.
  static constexpr uint64_t kBuildRatio = 128;
  // Sets at most this large are read whole by the sampler; never cached.
  static constexpr uint64_t kMinSize = 257;

  explicit SetSampleCache(size_t budget_bytes);
  SetSampleCache(const SetSampleCache&) = delete;
  SetSampleCache& operator=(const SetSampleCache&) = delete;

  // Whether the caller, about to make `draws` draws by descent from `key`
  // in state `state`, should read the set whole and Install it instead.
  // Counts the draws when it returns false. Never true for a set too large
  // to be copied (see the file comment).
  bool ShouldBuild(std::string_view key, const State& state, uint64_t draws);

  // Installs the members of `key` in state `state` (REQUIRES: read under
  // the key's lock, consistent with `state`; state.size == members.size()).
  // Does nothing for a set too large for the budget.
  void Install(std::string_view key, const State& state, const std::vector<std::string>& members);

  // If the entry of `key` matches `state` and holds more than `count`
  // members, removes `count` of them at random into *out (in random order)
  // and returns true; the entry then matches no state until Settle. Returns
  // false (and changes nothing) otherwise. REQUIRES: the key's lock held
  // until Settle or Drop.
  bool Pop(std::string_view key, const State& state, uint64_t count, std::vector<std::string>* out);

  // Between a Pop and its Settle or Drop: the members the entry still
  // holds, copied into *out (in no particular order); false if the entry
  // is gone (evicted meanwhile). REQUIRES: the key's lock held since Pop.
  bool Remaining(std::string_view key, std::vector<std::string>* out);

  // After the write of a Pop's removals committed: the entry now copies
  // `state`.
  void Settle(std::string_view key, const State& state);
  // Forgets `key` (its write failed, or it is gone).
  void Drop(std::string_view key);

  // If the entry of `key` matches `state`: `count` random members into
  // *out, distinct when `distinct` (REQUIRES then count < state.size), and
  // returns true. Read-only; false when there is no matching entry.
  bool Sample(std::string_view key, const State& state, uint64_t count, bool distinct,
              std::vector<std::string>* out);

  // Bytes the copies hold (for tests and INFO-style figures).
  size_t charge() const;

 private:
  struct Entry {
    std::string key;
    State state;
    bool valid = false;             // holds the members of `state`
    uint64_t draws = 0;             // descents since the last Install
    uint64_t refused_size = 0;      // a set this large was too large to copy
    std::string bytes;              // the members, back to back
    std::vector<uint64_t> members;  // (offset << 32 | length) into bytes
    size_t charge = 0;
  };
  using EntryList = std::list<Entry>;

  // REQUIRES: mu_ held. The entry of key, made most recently used; or null.
  Entry* Find(std::string_view key) REQUIRES(mu_);
  std::string_view Member(const Entry& e, size_t i) const;
  void Release(Entry* e) REQUIRES(mu_);
  void EvictDownTo(size_t charge_limit, const Entry* keep) REQUIRES(mu_);

  const size_t budget_;
  mutable Mutex mu_;
  EntryList lru_ GUARDED_BY(mu_);  // most recently used first
  std::unordered_map<std::string_view, EntryList::iterator> index_ GUARDED_BY(mu_);
  size_t charge_ GUARDED_BY(mu_) = 0;
};

}  // namespace strata::server

#endif  // STRATA_SERVER_SET_SAMPLE_CACHE_H_
