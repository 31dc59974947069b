// Sync points: named places in background code where a test can force one
// interleaving of threads, or run code of its own, instead of sleeping and
// hoping (the idea of RocksDB's TEST_SYNC_POINT, written for StrataDB).
//
//   TEST_SYNC_POINT("DBImpl::FlushOldestMemTable:Done");
//   TEST_SYNC_POINT_CALLBACK("DBImpl::BackgroundThread:Idle", version);
//
// A test declares orderings between points ("the flush finishes before the
// test goes on"), which may be points in the engine or in the test itself:
//
//   SyncPoint* sp = SyncPoint::GetInstance();
//   sp->LoadDependency({{"DBImpl::FlushOldestMemTable:Done", "Test:AfterFlush"}});
//   sp->EnableProcessing();
//   ...
//   TEST_SYNC_POINT("Test:AfterFlush");  // waits until a flush has finished
//   sp->Reset();
//
// Semantics: a thread reaching point P waits until every predecessor of P
// has been passed at least once since the dependencies were loaded, then runs
// P's callback (if any), then marks P passed. Nothing happens while
// processing is disabled, the state after Reset().
//
// Compiled in only when STRATA_SYNC_POINTS is defined (the CMake option of
// that name, ON unless CMAKE_BUILD_TYPE is Release): otherwise the macros
// expand to nothing, their arguments are not evaluated, and SyncPoint is an
// inline shell that does nothing. Tests that need them check
// kSyncPointsEnabled.
//
// Where: only in background work (flush, compaction, memtable switch, write
// stalls, resume), never on a per-operation path (Put, Get, iterator Next):
// even disabled, each point costs an atomic load.
//
// Thread-safety: every method may be called from any thread. Callbacks run
// without the registry's lock (often with the DB mutex held: a callback must
// not call into the DB).

#ifndef STRATA_UTIL_SYNC_POINT_H_
#define STRATA_UTIL_SYNC_POINT_H_

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace strata {

#ifdef STRATA_SYNC_POINTS

inline constexpr bool kSyncPointsEnabled = true;

class SyncPoint {
 public:
  // "predecessor happens before successor".
  struct Dependency {
    std::string predecessor;
    std::string successor;
  };

  static SyncPoint* GetInstance();

  // Replaces every dependency and forgets which points were passed.
  void LoadDependency(const std::vector<Dependency>& dependencies);
  // Runs callback(arg) whenever a thread passes point (after its
  // predecessors). Replaces point's previous callback.
  void SetCallBack(const std::string& point, std::function<void(void*)> callback);
  // Removes the callbacks, waiting for any that are running to return, so a
  // test may then destroy what its callbacks touched.
  void ClearCallBack(const std::string& point);
  void ClearAllCallBacks();

  void EnableProcessing();
  // Also releases the threads waiting at a point for its predecessors.
  void DisableProcessing();
  // Disables processing and clears dependencies, callbacks and the record
  // of passed points: the state a test must leave behind.
  void Reset();

  // What the macros call.
  void Process(std::string_view point, void* arg);

 private:
  SyncPoint() = default;
  bool PredecessorsPassed(const std::string& point) const;  // REQUIRES: mu_ held

  // Checked first, without the lock, so a disabled registry costs one load.
  std::atomic<bool> enabled_{false};
  std::mutex mu_;
  std::condition_variable cv_;  // a point was passed, or a callback returned
  // Guarded by mu_.
  std::unordered_map<std::string, std::vector<std::string>> predecessors_;
  std::unordered_map<std::string, std::function<void(void*)>> callbacks_;
  std::set<std::string> passed_;
  int callbacks_running_ = 0;
};

#define TEST_SYNC_POINT(name) ::strata::SyncPoint::GetInstance()->Process(name, nullptr)
#define TEST_SYNC_POINT_CALLBACK(name, arg) ::strata::SyncPoint::GetInstance()->Process(name, arg)

#else  // !STRATA_SYNC_POINTS

inline constexpr bool kSyncPointsEnabled = false;

// Compiled out: the same interface, doing nothing and inline (the library
// holds no trace of it), so tests build in every configuration and skip
// what needs sync points when kSyncPointsEnabled is false.
class SyncPoint {
 public:
  struct Dependency {
    std::string predecessor;
    std::string successor;
  };
  static SyncPoint* GetInstance() {
    static SyncPoint instance;
    return &instance;
  }
  void LoadDependency(const std::vector<Dependency>&) {}
  void SetCallBack(const std::string&, std::function<void(void*)>) {}
  void ClearCallBack(const std::string&) {}
  void ClearAllCallBacks() {}
  void EnableProcessing() {}
  void DisableProcessing() {}
  void Reset() {}
};

#define TEST_SYNC_POINT(name)
#define TEST_SYNC_POINT_CALLBACK(name, arg)

#endif  // STRATA_SYNC_POINTS

// Resets the registry when it goes out of scope: declared after what a
// test's callbacks touch, it clears them first, even when the test fails
// half-way, and leaves nothing behind for the next test.
class ScopedSyncPoints {
 public:
  ScopedSyncPoints() = default;
  ScopedSyncPoints(const ScopedSyncPoints&) = delete;
  ScopedSyncPoints& operator=(const ScopedSyncPoints&) = delete;
  ~ScopedSyncPoints() { SyncPoint::GetInstance()->Reset(); }
};

}  // namespace strata

#endif  // STRATA_UTIL_SYNC_POINT_H_
