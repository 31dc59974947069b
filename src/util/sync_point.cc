// SyncPoint; see sync_point.h. Empty unless STRATA_SYNC_POINTS is defined.

#include "util/sync_point.h"

#ifdef STRATA_SYNC_POINTS

namespace strata {

SyncPoint* SyncPoint::GetInstance() {
  // Never destroyed: a background thread may pass a point while the
  // program exits.
  static SyncPoint* instance = new SyncPoint();
  return instance;
}

void SyncPoint::LoadDependency(const std::vector<Dependency>& dependencies) {
  std::lock_guard<std::mutex> lock(mu_);
  predecessors_.clear();
  passed_.clear();
  for (const Dependency& d : dependencies) predecessors_[d.successor].push_back(d.predecessor);
  cv_.notify_all();
}

void SyncPoint::SetCallBack(const std::string& point, std::function<void(void*)> callback) {
  std::lock_guard<std::mutex> lock(mu_);
  callbacks_[point] = std::move(callback);
}

void SyncPoint::ClearCallBack(const std::string& point) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return callbacks_running_ == 0; });
  callbacks_.erase(point);
}

void SyncPoint::ClearAllCallBacks() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return callbacks_running_ == 0; });
  callbacks_.clear();
}

void SyncPoint::EnableProcessing() { enabled_.store(true, std::memory_order_release); }

void SyncPoint::DisableProcessing() {
  enabled_.store(false, std::memory_order_release);
  // Threads waiting for a predecessor stop waiting (see Process).
  std::lock_guard<std::mutex> lock(mu_);
  cv_.notify_all();
}

void SyncPoint::Reset() {
  DisableProcessing();
  ClearAllCallBacks();
  std::lock_guard<std::mutex> lock(mu_);
  predecessors_.clear();
  passed_.clear();
}

bool SyncPoint::PredecessorsPassed(const std::string& point) const {
  auto it = predecessors_.find(point);
  if (it == predecessors_.end()) return true;
  for (const std::string& predecessor : it->second) {
    if (passed_.count(predecessor) == 0) return false;
  }
  return true;
}

void SyncPoint::Process(std::string_view point_view, void* arg) {
  if (!enabled_.load(std::memory_order_acquire)) return;
  std::string point(point_view);
  std::unique_lock<std::mutex> lock(mu_);
  // Disabling releases waiters: a test that failed half-way must not leave
  // a background thread blocked forever (the DB's destructor joins it).
  cv_.wait(lock,
           [&] { return PredecessorsPassed(point) || !enabled_.load(std::memory_order_acquire); });
  auto callback = callbacks_.find(point);
  if (callback != callbacks_.end() && enabled_.load(std::memory_order_acquire)) {
    // A copy, so ClearCallBack may erase the entry while this one runs.
    std::function<void(void*)> fn = callback->second;
    callbacks_running_++;
    lock.unlock();
    fn(arg);
    lock.lock();
    callbacks_running_--;
  }
  passed_.insert(std::move(point));
  cv_.notify_all();
}

}  // namespace strata

#endif  // STRATA_SYNC_POINTS
