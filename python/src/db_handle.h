// DbHandle: the open strata::DB behind a stratadb.DB, shared by the DB object
// and every iterator, snapshot and write batch made from it, and what makes
// close() safe while other threads still use them.
//
// Every engine call runs with the GIL released, so a close() in one thread
// can race with a get() or an iterator's next() in another. The handle is a
// reader-writer lock around the DB pointer: each call holds a Lease (the
// shared side) for exactly the time of its engine call, and Close() takes
// the exclusive side, so the DB is destroyed only when no call is inside it.
// Close() first releases the engine objects of every registered Child (the
// iterators and snapshots still alive, which strata::DB requires gone before
// its destructor); a child then finds its engine object gone and raises
// ClosedError on its next use, never touching freed memory.
//
// Invariants:
//  1. db_ is non-null until Close(); afterwards it stays null.
//  2. A Lease is taken and held only with the GIL released, and nothing
//     waits for the GIL while holding one (results are copied out first), so
//     Close() (also GIL-free) never waits on a thread that waits on it.
//  3. Lock order: mu_ (either side), then children_mu_, then a child's own
//     mutex. A child's mutex is taken only under a lease (or by Close()).
//  4. A child registers while holding a lease (so Close() cannot slip in
//     between creating its engine object and registering it) and unregisters
//     in its destructor.
//
// Thread-safety: every method may be called from any thread.

#ifndef STRATA_PYTHON_DB_HANDLE_H_
#define STRATA_PYTHON_DB_HANDLE_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_set>

#include "strata/db.h"

namespace stratadb_py {

// An iterator or snapshot: holds an engine object that must be released
// before the DB is destroyed.
class Child {
 public:
  virtual ~Child() = default;
  // Releases the engine object (db is still open). Called by Close() with
  // the exclusive lock held, so no call of the child's is running.
  virtual void ReleaseEngineState(strata::DB* db) = 0;
};

class DbHandle {
 public:
  // Shared access to the open DB for the duration of one call; empty (false)
  // when the DB is closed.
  class Lease {
   public:
    Lease() = default;
    explicit operator bool() const { return db_ != nullptr; }
    strata::DB* db() const { return db_; }

   private:
    friend class DbHandle;
    Lease(std::shared_lock<std::shared_mutex> lock, strata::DB* db)
        : lock_(std::move(lock)), db_(db) {}
    std::shared_lock<std::shared_mutex> lock_;
    strata::DB* db_ = nullptr;
  };

  DbHandle(std::unique_ptr<strata::DB> db, bool read_only);
  DbHandle(const DbHandle&) = delete;
  DbHandle& operator=(const DbHandle&) = delete;
  // Closes the DB if Close() was not called. No lease or child can be left:
  // each holds a shared_ptr to the handle.
  ~DbHandle();

  // For an engine call. Fails fast once a Close() has begun, so a stream of
  // calls from other threads cannot keep a Close() waiting (the shared mutex
  // prefers readers). REQUIRES: the GIL is not held.
  Lease Acquire();
  // For releasing a child's engine object: waits out a Close() in progress
  // instead of failing, so the child knows whether Close() already released
  // it (lease empty) or it must release it itself (lease held).
  // REQUIRES: the GIL is not held, or no lease is waited for under the GIL.
  Lease AcquireForCleanup();

  // Releases every child's engine object and destroys the DB, after every
  // call in progress has returned. Idempotent. REQUIRES: the GIL is not held.
  void Close();
  bool closed() const { return closed_.load(std::memory_order_acquire); }
  bool read_only() const { return read_only_; }

  // REQUIRES: a lease is held.
  void Register(Child* child);
  // REQUIRES: a lease is held, or the DB is closed.
  void Unregister(Child* child);

 private:
  const bool read_only_;

  // Shared: a call is using db_. Exclusive: Close().
  std::shared_mutex mu_;
  std::unique_ptr<strata::DB> db_;  // guarded by mu_

  std::mutex children_mu_;
  std::unordered_set<Child*> children_;  // guarded by children_mu_

  // Set when Close() begins (closing_) and ends (closed_). Only hints for
  // fast paths: db_, under mu_, is the truth. Release/acquire so a thread
  // seeing closed_ also sees that the close is complete.
  std::atomic<bool> closing_{false};
  std::atomic<bool> closed_{false};
};

}  // namespace stratadb_py

#endif  // STRATA_PYTHON_DB_HANDLE_H_
