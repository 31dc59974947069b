// DbHandle: leases on the open DB and its closing (see db_handle.h).

#include "db_handle.h"

#include <cassert>
#include <utility>

namespace stratadb_py {

DbHandle::DbHandle(std::unique_ptr<strata::DB> db, bool read_only)
    : read_only_(read_only), db_(std::move(db)) {}

DbHandle::~DbHandle() {
  // Every child holds a shared_ptr to this handle, so none is left.
  assert(children_.empty());
  db_.reset();
}

DbHandle::Lease DbHandle::Acquire() {
  if (closing_.load(std::memory_order_relaxed)) return Lease();
  std::shared_lock<std::shared_mutex> lock(mu_);
  if (db_ == nullptr) return Lease();
  strata::DB* db = db_.get();
  return Lease(std::move(lock), db);
}

DbHandle::Lease DbHandle::AcquireForCleanup() {
  std::shared_lock<std::shared_mutex> lock(mu_);
  if (db_ == nullptr) return Lease();
  strata::DB* db = db_.get();
  return Lease(std::move(lock), db);
}

void DbHandle::Close() {
  closing_.store(true, std::memory_order_relaxed);
  std::unique_lock<std::shared_mutex> lock(mu_);
  if (db_ == nullptr) return;
  {
    std::lock_guard<std::mutex> children_lock(children_mu_);
    // The children stay registered (they unregister when destroyed); they
    // just lose their engine objects.
    for (Child* child : children_) child->ReleaseEngineState(db_.get());
  }
  db_.reset();
  closed_.store(true, std::memory_order_release);
}

void DbHandle::Register(Child* child) {
  std::lock_guard<std::mutex> lock(children_mu_);
  children_.insert(child);
}

void DbHandle::Unregister(Child* child) {
  std::lock_guard<std::mutex> lock(children_mu_);
  children_.erase(child);
}

}  // namespace stratadb_py
