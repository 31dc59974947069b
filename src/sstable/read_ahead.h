// Read-ahead for scans: while a scan walks a table's data blocks, a helper
// thread reads the next blocks (file read, checksum, decompression) into the
// block cache, so the scan finds them there instead of reading each itself.
//
// ReadAheadPolicy decides when and how far: once a walk has entered
// kStartAfter blocks in a row in one direction (a scan, not a point lookup
// or a short range read), it asks for kFirstWindow blocks past the one it
// entered, and asks again, for twice as many up to a maximum, each time
// fewer than half of those asked for are left ahead of it. A seek starts
// the count over.
//
// ReadAheadThread runs the requests of every Stream (one per scanning table
// iterator) on one thread, started at the first request. A Stream keeps only
// its latest request: a scan that outruns the thread replaces what it asked
// for, and the thread never works on a request nobody waits for. Destroying
// a Stream cancels its request and waits for the job it is running, if any,
// to return, so a job may use whatever the Stream's owner keeps alive (the
// table) until then.
//
// Nothing a scan returns depends on the thread: it only fills the cache,
// and a block it has not read yet (or could not read: the job ignores
// errors) the scan reads itself, checking it as always.
//
// Thread-safety: ReadAheadThread is thread-safe. A Stream and a
// ReadAheadPolicy are used by one thread at a time (their iterator's).

#ifndef STRATA_SSTABLE_READ_AHEAD_H_
#define STRATA_SSTABLE_READ_AHEAD_H_

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "util/mutex.h"
#include "util/thread_annotations.h"

namespace strata {

struct ReadAheadState;

class ReadAheadPolicy {
 public:
  // Blocks a walk enters, the one sought included, when read-ahead starts:
  // three walked across whole (about 100 entries of 100 bytes in 4 KiB
  // blocks) before it. Short range reads (YCSB E's scans of up to 100
  // entries) end before, so they are not charged for blocks they never
  // use: with 4 (two walked across) YCSB E at 10M keys ran 12% slower.
  static constexpr int kStartAfter = 5;
  // The first request's blocks; each later one doubles, up to max_blocks.
  static constexpr int kFirstWindow = 4;

  // max_blocks > 0: the most blocks one request asks for.
  explicit ReadAheadPolicy(int max_blocks) : max_blocks_(max_blocks) {}

  // The walk entered a block from its neighbour, moving forward or not.
  // Returns how many blocks past it to read ahead now (0: none).
  int Entered(bool forward);
  // A seek: the next block entered starts a new walk.
  void Reset() {
    walked_ = 1;
    ahead_ = 0;
    window_ = 0;
  }

 private:
  const int max_blocks_;
  bool forward_ = true;
  int walked_ = 1;  // blocks of this walk entered, the one sought included
  int ahead_ = 0;   // blocks asked for and not yet entered
  int window_ = 0;  // blocks the last request asked for
};

class ReadAheadThread {
 public:
  // One request's work: read up to `blocks` blocks past the block whose
  // index key is index_key, forward or backward, into the cache, checking
  // `cancelled` between blocks (it is set when the Stream goes).
  using Job = std::function<void(std::string_view index_key, bool forward, int blocks,
                                 const std::atomic<bool>& cancelled)>;

  ReadAheadThread() = default;
  // Stops and joins the thread. REQUIRES: every Stream destroyed.
  ~ReadAheadThread();
  ReadAheadThread(const ReadAheadThread&) = delete;
  ReadAheadThread& operator=(const ReadAheadThread&) = delete;

  class Stream {
   public:
    // thread must outlive the Stream.
    Stream(ReadAheadThread* thread, Job job);
    // Cancels the pending request and waits for a running job to return.
    ~Stream();
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;

    // Asks for a job run with these arguments, replacing a request not yet
    // started. Returns at once.
    void Request(std::string_view index_key, bool forward, int blocks);

   private:
    ReadAheadThread* const thread_;
    std::shared_ptr<ReadAheadState> state_;
  };

  // Waits until no request is queued or running (tests).
  void WaitIdleForTesting() EXCLUDES(mu_);
  // Jobs run so far (tests, statistics).
  uint64_t jobs_run() const { return jobs_run_.load(std::memory_order_relaxed); }

 private:
  void Enqueue(std::shared_ptr<ReadAheadState> state) EXCLUDES(mu_);
  void Run() EXCLUDES(mu_);

  Mutex mu_;
  CondVar work_cv_{&mu_};  // signalled on a new request and on stop
  CondVar idle_cv_{&mu_};  // signalled when the queue drains
  std::deque<std::shared_ptr<ReadAheadState>> queue_ GUARDED_BY(mu_);
  bool active_ GUARDED_BY(mu_) = false;  // a state taken from the queue is being served
  bool stop_ GUARDED_BY(mu_) = false;
  std::thread thread_ GUARDED_BY(mu_);  // started by the first Enqueue
  std::atomic<uint64_t> jobs_run_{0};
};

}  // namespace strata

#endif  // STRATA_SSTABLE_READ_AHEAD_H_
