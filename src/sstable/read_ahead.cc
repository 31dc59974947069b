// Read-ahead for scans; see read_ahead.h.
//
// A Stream's state is shared by the Stream and the queue, so the thread may
// still hold it (queued, or just finished) after the Stream is gone. Its
// flags say where it is: `queued` while in the queue, `running` while the
// thread runs its job. At most one of the two is true, so a state is queued
// at most once and its job never runs twice at a time; a request arriving
// while the job runs is queued again when the job returns.

#include "sstable/read_ahead.h"

#include <algorithm>
#include <utility>

#include "util/mutex.h"

#include "util/thread.h"

namespace strata {

int ReadAheadPolicy::Entered(bool forward) {
  if (forward != forward_) {
    forward_ = forward;
    Reset();
  }
  walked_++;
  if (walked_ < kStartAfter) return 0;
  if (ahead_ > 0) ahead_--;
  if (window_ > 0 && ahead_ * 2 > window_) return 0;
  window_ = window_ == 0 ? std::min(kFirstWindow, max_blocks_) : std::min(window_ * 2, max_blocks_);
  ahead_ = window_;
  return window_;
}

struct ReadAheadState {
  explicit ReadAheadState(ReadAheadThread::Job j) : job(std::move(j)) {}

  const ReadAheadThread::Job job;
  std::atomic<bool> cancelled{false};

  Mutex mu;
  CondVar done_cv{&mu};  // signalled when a job returns
  // The pending request (blocks 0: none).
  std::string key GUARDED_BY(mu);
  bool forward GUARDED_BY(mu) = true;
  int blocks GUARDED_BY(mu) = 0;
  bool queued GUARDED_BY(mu) = false;
  bool running GUARDED_BY(mu) = false;
  bool closed GUARDED_BY(mu) = false;
};

ReadAheadThread::Stream::Stream(ReadAheadThread* thread, Job job)
    : thread_(thread), state_(std::make_shared<ReadAheadState>(std::move(job))) {}

ReadAheadThread::Stream::~Stream() {
  ReadAheadState* state = state_.get();
  MutexLock lock(&state->mu);
  state->closed = true;
  state->blocks = 0;
  state->cancelled.store(true, std::memory_order_relaxed);
  while (state->running) state->done_cv.Wait();
}

void ReadAheadThread::Stream::Request(std::string_view index_key, bool forward, int blocks) {
  ReadAheadState* state = state_.get();
  bool enqueue = false;
  {
    MutexLock lock(&state->mu);
    state->key.assign(index_key.data(), index_key.size());
    state->forward = forward;
    state->blocks = blocks;
    if (!state->queued && !state->running) {
      state->queued = true;
      enqueue = true;
    }
  }
  if (enqueue) thread_->Enqueue(state_);
}

ReadAheadThread::~ReadAheadThread() {
  std::thread thread;
  {
    MutexLock lock(&mu_);
    stop_ = true;
    thread = std::move(thread_);
  }
  work_cv_.SignalAll();
  if (thread.joinable()) thread.join();
}

void ReadAheadThread::Enqueue(std::shared_ptr<ReadAheadState> state) {
  {
    MutexLock lock(&mu_);
    if (stop_) return;
    queue_.push_back(std::move(state));
    if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
  }
  work_cv_.Signal();
}

void ReadAheadThread::WaitIdleForTesting() {
  MutexLock lock(&mu_);
  while (!queue_.empty() || active_) idle_cv_.Wait();
}

void ReadAheadThread::Run() {
  SetCurrentThreadName("strata-readahd");
  std::string key;
  for (;;) {
    std::shared_ptr<ReadAheadState> state;
    {
      MutexLock lock(&mu_);
      active_ = false;
      if (queue_.empty()) idle_cv_.SignalAll();
      while (!stop_ && queue_.empty()) work_cv_.Wait();
      if (stop_) return;
      state = std::move(queue_.front());
      queue_.pop_front();
      active_ = true;
    }
    bool forward = true;
    int blocks = 0;
    {
      MutexLock lock(&state->mu);
      state->queued = false;
      if (state->closed || state->blocks == 0) continue;
      key.swap(state->key);
      forward = state->forward;
      blocks = std::exchange(state->blocks, 0);
      state->running = true;
    }
    state->job(key, forward, blocks, state->cancelled);
    jobs_run_.fetch_add(1, std::memory_order_relaxed);
    bool again = false;
    {
      MutexLock lock(&state->mu);
      state->running = false;
      if (!state->closed && state->blocks > 0) {
        state->queued = true;
        again = true;
      }
      state->done_cv.SignalAll();
    }
    if (again) {
      MutexLock lock(&mu_);
      queue_.push_back(std::move(state));
    }
  }
}

}  // namespace strata
