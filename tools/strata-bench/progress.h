// Progress: a progress bar on stderr for the workload running now, redrawn
// a few times a second by its own thread, and only when stderr is a terminal
// (a log file or a pipe gets nothing, so redirected output stays clean).
//
// Thread-safety: Add may be called from any thread (a relaxed atomic: the
// bar is approximate by design); Start and Finish from the thread that owns
// the Progress.

#ifndef STRATA_BENCH_PROGRESS_H_
#define STRATA_BENCH_PROGRESS_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace strata::bench {

class Progress {
 public:
  // enabled: draw at all (--progress); the bar still stays off unless stderr
  // is a terminal.
  explicit Progress(bool enabled);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Shows label with a bar that fills as Add reaches total.
  void Start(const std::string& label, uint64_t total);
  void Add(uint64_t n) { done_.fetch_add(n, std::memory_order_relaxed); }
  // Operations added since Start (in the workloads' steps of Add).
  uint64_t Done() const { return done_.load(std::memory_order_relaxed); }
  // Stops redrawing and erases the bar.
  void Finish();

 private:
  void Draw();
  void Loop();

  const bool enabled_;
  std::string label_;  // written by Start before the drawing thread starts
  uint64_t total_ = 0;
  uint64_t start_micros_ = 0;
  std::atomic<uint64_t> done_{0};

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;  // guarded by mutex_
  std::thread drawer_;
};

}  // namespace strata::bench

#endif  // STRATA_BENCH_PROGRESS_H_
