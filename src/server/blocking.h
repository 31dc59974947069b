// Blocking commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, and later the
// sorted sets' BZPOPMIN/BZPOPMAX/BZMPOP): the registry of clients waiting on
// keys, and the two helpers every blocking command uses.
//
// How a blocking command runs (docs/SERVER.md, "Blocking commands"):
//   1. Holding the key locks of every key it reads, it tries to serve itself
//      like its non-blocking form. If none of its keys can serve it, it calls
//      BlockOrTimeout, which registers the client as the LAST waiter of each
//      key (BlockingRegistry::Block) and asks the connection to park; the
//      command replies nothing.
//   2. The connection parks its pipeline: it runs none of that client's later
//      commands (their bytes wait in its input buffer) until the command is
//      served or times out, and keeps its I/O thread free.
//   3. Every command that adds elements to a key calls Signal(key) after its
//      batch is committed: the longest waiter of the key (FIFO, as Redis
//      serves the longest waiter first) is woken: the connection re-runs the
//      parked command on its own thread, under the key locks, so two waiters
//      never get the same element. A re-run that finds nothing calls
//      BlockOrTimeout again, which keeps the client's place in every queue.
//   4. When the command has replied (served, an error, or the deadline's
//      re-run that found nothing), the connection calls Unblock, which
//      removes the client from every queue and wakes the new head of each of
//      its keys: what the client did not take goes to the next waiter.
//      Closing a connection calls Unblock too.
//
// Invariants:
//   1. A client is in the queue of every key it waits on, or of none.
//   2. No wake-up is lost: a waiter registers while holding its keys' locks,
//      after seeing them empty; a writer signals after committing under the
//      same locks, so it either wrote before the check (the waiter is served
//      at once) or signals after the registration.
//   3. A wake-up carries the sequence number of the wait it is for; the
//      connection ignores a stale one (a wait already over).
//
// Thread-safety: BlockingRegistry's methods are safe from any thread; they
// call a waiter's wake function without holding the registry's mutex. The
// helpers run on the calling client's connection thread.

#ifndef STRATA_SERVER_BLOCKING_H_
#define STRATA_SERVER_BLOCKING_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "util/mutex.h"

namespace strata::server {

struct ClientState;
struct CommandContext;

// Holds a pushing client's replies (and later commands) back until the
// blocked clients its push woke have run, as Redis serves them before the
// pusher's reply goes out: a client that pushes and then reads sees what
// they took. Shared by the wake-ups the push caused (and, through `parent`,
// by the holds of the pushes those clients make in turn); when the last
// reference is dropped, `release` tells the pusher's connection to resume.
class ReplyHold {
 public:
  explicit ReplyHold(std::function<void()> release) : release_(std::move(release)) {}
  ~ReplyHold() {
    if (release_) release_();
  }
  ReplyHold(const ReplyHold&) = delete;
  ReplyHold& operator=(const ReplyHold&) = delete;

  // The hold the pushing client was itself woken under: released after
  // this one.
  std::shared_ptr<ReplyHold> parent;

  // Drops the release (for a hold that woke nobody).
  void Disarm() { release_ = nullptr; }

 private:
  std::function<void()> release_;
};

class BlockingRegistry {
 public:
  // Called with the wait's sequence number and the hold of the push that
  // woke it (null for a hand-over); must not block (it posts the wake-up to
  // the waiter's thread, which keeps `hold` until its re-run is done).
  using WakeFunction = std::function<void(uint64_t seq, std::shared_ptr<ReplyHold> hold)>;

  // Makes `client_id` the last waiter of each of `keys` (a key named twice
  // counts once). REQUIRES: the client is not blocked.
  void Block(uint64_t client_id, uint64_t seq, const std::vector<std::string_view>& keys,
             WakeFunction wake);
  // Removes `client_id` from every queue (a no-op if it waits on none) and
  // wakes the new head of each of its keys, so an element it was woken for
  // but did not take goes to the next waiter.
  void Unblock(uint64_t client_id);
  // Wakes the longest waiter of `key`, if any, passing it `hold`. Returns
  // whether it woke one. Cheap when nobody waits.
  bool Signal(std::string_view key, const std::shared_ptr<ReplyHold>& hold = nullptr);

  // Clients blocked now (INFO's blocked_clients).
  size_t blocked_clients() const { return blocked_.load(std::memory_order_relaxed); }
  // Waiters of `key`, longest first (tests and diagnostics).
  std::vector<uint64_t> Waiters(std::string_view key) const;

 private:
  struct Waiter {
    uint64_t seq;
    WakeFunction wake;
    std::vector<std::string> keys;
  };

  mutable Mutex mu_;
  std::unordered_map<std::string, std::deque<uint64_t>> queues_ GUARDED_BY(mu_);
  std::unordered_map<uint64_t, Waiter> waiters_ GUARDED_BY(mu_);
  // waiters_.size(), readable without mu_ so Signal costs a load when nobody
  // waits. A writer's Signal sees a registration made before it took the
  // key's lock: the lock orders them (acquire/release).
  std::atomic<size_t> blocked_{0};
};

// Parses a blocking command's timeout as Redis does (seconds, a float; 0
// waits forever) into a deadline in Unix ms (0: none). Replies "ERR timeout
// is not a float or out of range" or "ERR timeout is negative" and returns
// false on bad input.
bool ParseBlockTimeout(CommandContext& ctx, std::string_view arg, uint64_t* deadline_ms);

// For a blocking command none of whose `keys` can serve it, called with
// their locks held. Returns true when the client now waits (the command
// replies nothing; the connection parks it), false when the command must
// reply its timeout reply at once: inside MULTI/EXEC (client->in_exec), on
// the re-run the deadline triggers, or when the client cannot be parked
// (no wake function: an in-process caller).
bool BlockOrTimeout(CommandContext& ctx, const std::vector<std::string_view>& keys,
                    uint64_t deadline_ms);

// Tells the waiters of `key` (after the command's batch is committed) that
// it may serve them: at once, or, inside MULTI/EXEC (client->in_exec), once
// the transaction has committed: EXEC calls SignalReadyKeys then, so a woken
// waiter never re-runs before the elements it was woken for are visible.
void SignalKeyReady(CommandContext& ctx, std::string_view key);
// Signals the keys recorded in client->ready_keys and clears them.
void SignalReadyKeys(BlockingRegistry* registry, ClientState* client);

}  // namespace strata::server

#endif  // STRATA_SERVER_BLOCKING_H_
