// Progress: see progress.h.

#include "progress.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace strata::bench {
namespace {

uint64_t NowMicros() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

Progress::Progress(bool enabled) : enabled_(enabled && isatty(STDERR_FILENO) == 1) {}

Progress::~Progress() { Finish(); }

void Progress::Start(const std::string& label, uint64_t total) {
  Finish();
  if (!enabled_) return;
  label_ = label;
  total_ = std::max<uint64_t>(total, 1);
  start_micros_ = NowMicros();
  done_.store(0, std::memory_order_relaxed);
  stop_ = false;
  drawer_ = std::thread([this] { Loop(); });
}

void Progress::Finish() {
  if (!drawer_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  drawer_.join();
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
}

void Progress::Loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stop_; })) {
    Draw();
  }
}

void Progress::Draw() {
  constexpr int kWidth = 30;
  uint64_t done = std::min(done_.load(std::memory_order_relaxed), total_);
  double fraction = static_cast<double>(done) / static_cast<double>(total_);
  double seconds = static_cast<double>(NowMicros() - start_micros_) / 1e6;
  double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
  double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : 0;
  int filled = static_cast<int>(fraction * kWidth);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(kWidth, '.');
  std::fprintf(stderr, "\r\033[K%-28s [%s] %3.0f%%  %9.0f ops/s  %5.1fs elapsed  ETA %5.1fs",
               label_.c_str(), bar.c_str(), fraction * 100, rate, seconds, eta);
  std::fflush(stderr);
}

}  // namespace strata::bench
