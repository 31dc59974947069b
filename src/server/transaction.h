// MULTI/EXEC support (commands_multi.cc): the write overlay one EXEC runs
// its commands over, and the server-wide gate and WATCH counters.
//
// Transaction: the pending writes of one EXEC. Every command inside EXEC
// reads through it (Get, NewIterator: the overlay's writes over the
// database's state) and writes into it (Add), so a command sees the writes
// of the commands before it in the same EXEC; the whole EXEC reaches the
// engine as ONE WriteBatch (batch()) at its end. Invariants:
//   1. writes_ holds, for each key written so far, its latest value or
//      nullopt (deleted); cleared_ holds the ranges deleted by DeleteRange
//      (FLUSHALL) whose keys were not written since. A key's state is
//      writes_[key] if present, else absent if it lies in a cleared range,
//      else the database's.
//   2. batch_ replays to the same state: applying it to the database at
//      EXEC's start yields exactly the state (1) describes.
// An iterator from NewIterator views writes_: it must not be used after a
// later Add (a command reads, then commits, then stops iterating).
//
// TransactionGate: EXEC's isolation and WATCH's change detection.
//   - Every command runs holding mutex() shared (commands.cc, Execute);
//     EXEC holds it exclusive while it runs its queue and commits, so no
//     other command interleaves with a transaction.
//   - A counter per stripe of user keys (a hash of the key) is bumped after
//     every committed command write to a key of that stripe (FLUSHALL bumps
//     nothing). WATCH records the counters of its keys; EXEC compares them under the exclusive
//     lock: a changed counter means the key may have changed (false positives only between keys of
//     one stripe). Deleting an already-expired key (active expiry) is not a
//     change and bumps nothing; EXEC instead fails if a key live at WATCH
//     is no longer live (expired, deleted or flushed), as Redis 7.0 does.
//
// Thread-safety: a Transaction belongs to the one thread running its EXEC.
// TransactionGate is thread-safe (atomic counters, relaxed: they are read
// under the exclusive lock, after every writer released the shared one,
// which orders them).

#ifndef STRATA_SERVER_TRANSACTION_H_
#define STRATA_SERVER_TRANSACTION_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "strata/db.h"

namespace strata::server {

class Transaction {
 public:
  // Reads `key` (an engine key): the overlay's state over `db`'s.
  Status Get(DB* db, std::string_view key, std::string* value) const;
  // An iterator over the overlay merged with `db`'s keys, within options'
  // bounds, both directions.
  std::unique_ptr<Iterator> NewIterator(DB* db, const ReadOptions& options) const;
  // Applies `batch`'s updates to the overlay and appends them to batch().
  Status Add(const WriteBatch& batch);
  // Every update of the transaction, in order.
  WriteBatch* batch() { return &batch_; }

 private:
  friend class OverlayIterator;
  class Applier;
  using Writes = std::map<std::string, std::optional<std::string>, std::less<>>;

  // The cleared range holding `key`, or nullptr.
  const std::pair<std::string, std::string>* ClearedRange(std::string_view key) const;

  Writes writes_;
  std::vector<std::pair<std::string, std::string>> cleared_;
  WriteBatch batch_;
};

class TransactionGate {
 public:
  static constexpr size_t kStripes = 4096;

  std::shared_mutex& mutex() { return mu_; }

  static size_t StripeOf(std::string_view user_key) {
    return std::hash<std::string_view>()(user_key) % kStripes;
  }
  uint64_t counter(size_t stripe) const {
    return counters_[stripe].load(std::memory_order_relaxed);
  }

  // Records that a batch was committed, one of its keys at a time (its
  // committer's pass over the batch, ServerState::Write): bumps the counter
  // of each user key it writes, once per stripe. A collection's updates all
  // name one user key: hashed once per batch. Keys must outlive it.
  class Toucher {
   public:
    explicit Toucher(TransactionGate* gate) : gate_(gate) {}
    void Key(std::string_view engine_key);

   private:
    TransactionGate* const gate_;
    size_t last_ = kStripes;
    std::string_view last_key_;
  };
  void Bump(size_t stripe) { counters_[stripe].fetch_add(1, std::memory_order_relaxed); }

 private:
  std::shared_mutex mu_;
  std::atomic<uint64_t> counters_[kStripes] = {};
};

// The user key an engine key belongs to ('m' user_key, or 's' be32(len)
// user_key ...), or nullopt for the server's own records.
std::optional<std::string_view> UserKeyOfEngineKey(std::string_view key);

}  // namespace strata::server

#endif  // STRATA_SERVER_TRANSACTION_H_
