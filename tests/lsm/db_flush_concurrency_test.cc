// Reads and writes racing the flushes (and the compactions they trigger)
// that move memtables into tables: writers publish how far they got, and
// readers check that everything acknowledged is always found, with the right
// value, by Gets, by iterators in both directions and through snapshots,
// while memtables switch, tables appear and obsolete files go. Also Flush()
// called over and over while writers write, and (held there by sync
// points) a write while a flush writes its table, and a writer held at the
// memtables' cap while a flush lags.
//
// Run under ThreadSanitizer in CI (label "concurrency"); every thread stops
// at a deadline, so the tests stay short however slow the build.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "lsm/db_test_util.h"
#include "strata/db.h"
#include "test_util.h"
#include "util/sync_point.h"

namespace strata {
namespace {

using test::GetValue;
using test::IntProperty;
using test::OpenOrDie;
using test::TempDir;

constexpr int kWriters = 4;
constexpr uint64_t kMaxPerWriter = 20000;
constexpr auto kWriteTime = std::chrono::milliseconds(2000);

std::string WriterKey(int writer, uint64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "w%d-%08llu", writer, static_cast<unsigned long long>(i));
  return buf;
}

// The key each writer overwrites with its latest index, in the same batch.
std::string CounterKey(int writer) { return "counter" + std::to_string(writer); }

std::string WriterValue(int writer, uint64_t i) {
  return WriterKey(writer, i) + ":" + std::string(80 + i % 64, static_cast<char>('a' + i % 26));
}

// Failures seen by worker threads, reported (a few of them) at the end, so
// a broken engine does not flood the log from every thread.
class Failures {
 public:
  void Add(const std::string& what) {
    std::lock_guard<std::mutex> lock(mu_);
    if (count_++ < 10) messages_ += "\n  " + what;
  }
  int count() {
    std::lock_guard<std::mutex> lock(mu_);
    return count_;
  }
  std::string messages() {
    std::lock_guard<std::mutex> lock(mu_);
    return messages_;
  }

 private:
  std::mutex mu_;
  int count_ = 0;
  std::string messages_;
};

class DBFlushConcurrencyTest : public ::testing::Test {
 protected:
  DBFlushConcurrencyTest() { options_.write_buffer_size = test::kMinWriteBuffer; }

  void Open() {
    db_.reset();
    db_ = OpenOrDie(options_, dbname_);
    ASSERT_NE(db_, nullptr);
  }

  // Starts the writers: writer w writes WriterKey(w, 0), (w, 1), ... each in
  // a batch with CounterKey(w) = its index, and publishes (release) how
  // many it has had acknowledged in progress_[w].
  void StartWriters() {
    const auto deadline = std::chrono::steady_clock::now() + kWriteTime;
    for (int w = 0; w < kWriters; w++) {
      threads_.emplace_back([this, w, deadline] {
        for (uint64_t i = 0; i < kMaxPerWriter; i++) {
          if (std::chrono::steady_clock::now() > deadline) break;
          if (bursty_) {
            // Every writer pauses in the same 100 ms windows, one in two.
            while (std::chrono::steady_clock::now() < deadline &&
                   std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now().time_since_epoch())
                               .count() /
                           100 % 2 ==
                       1) {
              std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
          }
          WriteBatch batch;
          batch.Put(WriterKey(w, i), WriterValue(w, i));
          batch.Put(CounterKey(w), std::to_string(i));
          // Outside the scanned range: bulk, so bursts fill memtables fast.
          if (bursty_) batch.Put("pad-" + WriterKey(w, i), std::string(2000, 'p'));
          Status s = db_->Write(WriteOptions(), &batch);
          if (!s.ok()) {
            failures_.Add("write: " + s.ToString());
            break;
          }
          progress_[w].store(i + 1, std::memory_order_release);
        }
        writers_running_.fetch_sub(1, std::memory_order_release);
      });
    }
  }

  bool WritersRunning() const { return writers_running_.load(std::memory_order_acquire) > 0; }

  void JoinAll() {
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

  // Gets of random acknowledged keys, and of each writer's newest one.
  void GetReader(uint64_t seed) {
    std::mt19937_64 rng(seed);
    while (WritersRunning()) {
      const int w = static_cast<int>(rng() % kWriters);
      const uint64_t done = progress_[w].load(std::memory_order_acquire);
      if (done == 0) continue;
      for (uint64_t i : {rng() % done, done - 1}) {
        std::string value;
        Status s = db_->Get(ReadOptions(), WriterKey(w, i), &value);
        if (!s.ok() || value != WriterValue(w, i)) {
          failures_.Add("Get(" + WriterKey(w, i) +
                        ") of an acknowledged key: " + (s.ok() ? "wrong value" : s.ToString()));
        }
      }
    }
  }

  // Iterators: every key acknowledged before the iterator was made is in
  // it, in order, forward from a random start and backward from the newest.
  void IteratorReader(uint64_t seed) {
    std::mt19937_64 rng(seed);
    while (WritersRunning()) {
      const int w = static_cast<int>(rng() % kWriters);
      const uint64_t done = progress_[w].load(std::memory_order_acquire);
      if (done == 0) continue;
      std::unique_ptr<Iterator> it = db_->NewIterator();
      const uint64_t start = rng() % done;
      uint64_t i = start;
      for (it->Seek(WriterKey(w, start)); i < done && i < start + 300; it->Next(), i++) {
        if (!it->Valid() || it->key() != WriterKey(w, i) || it->value() != WriterValue(w, i)) {
          failures_.Add("forward scan lacks acknowledged " + WriterKey(w, i) +
                        (it->Valid() ? ", found " + std::string(it->key()) : ", iterator ended") +
                        " (" + it->status().ToString() + ")");
          break;
        }
      }
      // Backward from the newest acknowledged key.
      it->Seek(WriterKey(w, done - 1));
      for (uint64_t j = done; j-- > 0 && j + 300 > done; it->Prev()) {
        if (!it->Valid() || it->key() != WriterKey(w, j) || it->value() != WriterValue(w, j)) {
          failures_.Add("backward scan lacks acknowledged " + WriterKey(w, j) +
                        (it->Valid() ? ", found " + std::string(it->key()) : ", iterator ended") +
                        " (" + it->status().ToString() + ")");
          break;
        }
      }
      if (!it->status().ok()) failures_.Add("iterator: " + it->status().ToString());
    }
  }

  // Snapshots: what a snapshot reads never changes while flushes and
  // compactions rewrite the data under it, and it sees every write
  // acknowledged before it and nothing written after.
  void SnapshotReader(uint64_t seed) {
    std::mt19937_64 rng(seed);
    while (WritersRunning()) {
      uint64_t before[kWriters];
      for (int w = 0; w < kWriters; w++) before[w] = progress_[w].load(std::memory_order_acquire);
      const Snapshot* snapshot = db_->GetSnapshot();
      uint64_t after[kWriters];
      for (int w = 0; w < kWriters; w++) after[w] = progress_[w].load(std::memory_order_acquire);
      std::string counters[kWriters];
      for (int w = 0; w < kWriters; w++) counters[w] = GetValue(db_.get(), CounterKey(w), snapshot);
      for (int round = 0; round < 20 && WritersRunning(); round++) {
        const int w = static_cast<int>(rng() % kWriters);
        if (GetValue(db_.get(), CounterKey(w), snapshot) != counters[w]) {
          failures_.Add("a snapshot's view of " + CounterKey(w) + " changed from " + counters[w]);
        }
        if (before[w] > 0) {
          const uint64_t i = rng() % before[w];
          if (GetValue(db_.get(), WriterKey(w, i), snapshot) != WriterValue(w, i)) {
            failures_.Add("snapshot lacks " + WriterKey(w, i) + " acknowledged before it");
          }
        }
        // Keys begun after the snapshot was taken are invisible to it, even
        // once written and flushed.
        if (GetValue(db_.get(), WriterKey(w, after[w] + 1), snapshot) != "NOT_FOUND") {
          failures_.Add("snapshot sees " + WriterKey(w, after[w] + 1) + ", written after it");
        }
        // Read again only once writer w wrote more: the snapshot must keep
        // its view over newer data (and the flushes it causes).
        const uint64_t progress = progress_[w].load(std::memory_order_acquire);
        while (WritersRunning() && progress_[w].load(std::memory_order_acquire) == progress) {
          std::this_thread::yield();
        }
      }
      // The counter it saw is one the writer wrote around the snapshot.
      for (int w = 0; w < kWriters; w++) {
        if (before[w] == 0) continue;
        const uint64_t seen = counters[w] == "NOT_FOUND" ? 0 : std::stoull(counters[w]) + 1;
        if (seen < before[w] || seen > after[w] + 1) {
          failures_.Add(CounterKey(w) + " at a snapshot is " + counters[w] + ", outside [" +
                        std::to_string(before[w]) + ", " + std::to_string(after[w] + 1) + "]");
        }
      }
      db_->ReleaseSnapshot(snapshot);
    }
  }

  // Every key every writer had acknowledged, by Get and by one scan.
  void CheckEverything() {
    uint64_t expected = 0;
    for (int w = 0; w < kWriters; w++) {
      const uint64_t done = progress_[w].load(std::memory_order_acquire);
      expected += done;
      for (uint64_t i = 0; i < done; i++) {
        std::string got = GetValue(db_.get(), WriterKey(w, i));
        if (got != WriterValue(w, i)) {
          ADD_FAILURE() << WriterKey(w, i) << ": " << got.substr(0, 60);
          return;
        }
      }
      if (done > 0) {
        EXPECT_EQ(GetValue(db_.get(), CounterKey(w)), std::to_string(done - 1));
      }
    }
    uint64_t scanned = 0;
    std::unique_ptr<Iterator> it = db_->NewIterator();
    for (it->Seek("w"); it->Valid() && it->key() < "x"; it->Next()) scanned++;
    EXPECT_TRUE(it->status().ok()) << it->status().ToString();
    EXPECT_EQ(scanned, expected);
    EXPECT_GT(expected, 1000u);
  }

  TempDir dir_;
  const std::string dbname_ = dir_.Child("db");
  Options options_;
  std::unique_ptr<DB> db_;
  std::atomic<uint64_t> progress_[kWriters] = {};
  std::atomic<int> writers_running_{kWriters};
  bool bursty_ = false;  // set before StartWriters
  std::vector<std::thread> threads_;
  Failures failures_;
};

TEST_F(DBFlushConcurrencyTest, ReadersFindAcknowledgedWritesDuringFlushes) {
  Open();
  StartWriters();
  threads_.emplace_back([this] { GetReader(1); });
  threads_.emplace_back([this] { IteratorReader(2); });
  threads_.emplace_back([this] { SnapshotReader(3); });
  JoinAll();
  EXPECT_EQ(failures_.count(), 0) << failures_.messages();

  // Flushes did happen underneath the readers: the data is in tables.
  uint64_t tables = 0;
  for (int level = 0; level < 7; level++) {
    tables += IntProperty(db_.get(), "strata.num-files-at-level" + std::to_string(level));
  }
  EXPECT_GT(tables, 0u);
  CheckEverything();
  Open();
  CheckEverything();
}

TEST_F(DBFlushConcurrencyTest, FlushCalledRepeatedlyWhileWriting) {
  Open();
  StartWriters();
  std::atomic<int> flushes{0};
  for (int f = 0; f < 2; f++) {
    threads_.emplace_back([this, &flushes] {
      while (WritersRunning()) {
        Status s = db_->Flush();
        if (!s.ok()) failures_.Add("Flush: " + s.ToString());
        flushes.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  threads_.emplace_back([this] { GetReader(4); });
  JoinAll();
  EXPECT_EQ(failures_.count(), 0) << failures_.messages();
  EXPECT_GT(flushes.load(), 10);

  // Once writes stop, one more Flush() leaves nothing in memory or the WAL.
  ASSERT_TRUE(db_->Flush().ok());
  EXPECT_EQ(IntProperty(db_.get(), "strata.num-immutable-mem-table"), 0u);
  EXPECT_EQ(IntProperty(db_.get(), "strata.num-entries-active-mem-table"), 0u);
  std::vector<std::string> logs = test::LogFiles(dbname_);
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(test::FileSize(logs[0]), 0u);
  CheckEverything();
  Open();
  CheckEverything();
}

// Options::idle_flush_ms: writers that all pause now and then, readers
// throughout, and the flush thread switching memtables in the pauses (so
// leading the write queue while writers arrive to it).
TEST_F(DBFlushConcurrencyTest, IdleFlushesInTheWritersPauses) {
  options_.write_buffer_size = 4 << 20;  // switched idle from 1 MiB
  options_.idle_flush_ms = 20;
  bursty_ = true;
  Open();
  StartWriters();
  threads_.emplace_back([this] { GetReader(5); });
  JoinAll();
  EXPECT_EQ(failures_.count(), 0) << failures_.messages();
  EXPECT_GT(test::StatsCounter(db_.get(), "idle switches"), 0u);
  CheckEverything();
  Open();
  CheckEverything();
}

// Sync points hold the flush between writing its table and installing it,
// so what happens in that window is tested every run, not when the
// scheduler happens to allow it: a write goes to the new memtable, reads
// still find the memtable being flushed, and both survive a reopen.
TEST_F(DBFlushConcurrencyTest, WriteWhileAFlushWritesItsTable) {
  if (!kSyncPointsEnabled) GTEST_SKIP() << "built without STRATA_SYNC_POINTS";
  Open();
  for (uint64_t i = 0; i < 100; i++) {
    ASSERT_TRUE(db_->Put(WriterKey(0, i), WriterValue(0, i)).ok());
  }
  ScopedSyncPoints sync_points;
  SyncPoint::GetInstance()->LoadDependency(
      {{"DBImpl::FlushOldestMemTable:Unlocked", "Test:FlushRunning"},
       {"Test:WrittenDuringFlush", "DBImpl::FlushOldestMemTable:TableWritten"}});
  SyncPoint::GetInstance()->EnableProcessing();
  Status flushed;
  std::thread flusher([&] { flushed = db_->Flush(); });

  TEST_SYNC_POINT("Test:FlushRunning");
  // The memtable is being written to a table that no version names yet.
  EXPECT_EQ(IntProperty(db_.get(), "strata.num-immutable-mem-table"), 1u);
  EXPECT_EQ(IntProperty(db_.get(), "strata.num-files-at-level0"), 0u);
  EXPECT_TRUE(db_->Put("during", "flush").ok());
  EXPECT_EQ(GetValue(db_.get(), "during"), "flush");
  EXPECT_EQ(GetValue(db_.get(), WriterKey(0, 42)), WriterValue(0, 42));
  TEST_SYNC_POINT("Test:WrittenDuringFlush");

  flusher.join();
  ASSERT_TRUE(flushed.ok()) << flushed.ToString();
  SyncPoint::GetInstance()->Reset();
  EXPECT_EQ(IntProperty(db_.get(), "strata.num-immutable-mem-table"), 0u);
  EXPECT_EQ(IntProperty(db_.get(), "strata.num-files-at-level0"), 1u);
  EXPECT_EQ(IntProperty(db_.get(), "strata.num-entries-active-mem-table"), 1u);
  Open();
  EXPECT_EQ(GetValue(db_.get(), "during"), "flush");
  for (uint64_t i = 0; i < 100; i++) {
    ASSERT_EQ(GetValue(db_.get(), WriterKey(0, i)), WriterValue(0, i));
  }
}

// A writer faster than the flushes (here the flush is held by a sync
// point): the memtables together never hold more than one and a half
// buffers. The active memtable is switched early, at half a buffer, so that
// the flush can go on to it; then the writer waits. Released, the flushes
// catch up and every write is there.
TEST_F(DBFlushConcurrencyTest, MemTablesHoldAtMostOneAndAHalfBuffersWhileFlushesLag) {
  if (!kSyncPointsEnabled) GTEST_SKIP() << "built without STRATA_SYNC_POINTS";
  const size_t buffer = 256 << 10;
  options_.write_buffer_size = buffer;
  options_.idle_flush_ms = 0;
  Open();
  ScopedSyncPoints sync_points;
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  SyncPoint::GetInstance()->SetCallBack("DBImpl::FlushOldestMemTable:Unlocked", [&](void*) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return release; });
  });
  SyncPoint::GetInstance()->EnableProcessing();

  constexpr uint64_t kKeys = 2000;  // 2 MiB of values: eight buffers
  const std::string value(1024, 'v');
  std::atomic<uint64_t> acknowledged{0};
  Status write_status;
  std::thread writer([&] {
    for (uint64_t i = 0; i < kKeys; i++) {
      write_status = db_->Put(WriterKey(0, i), value);
      if (!write_status.ok()) return;
      acknowledged.store(i + 1, std::memory_order_release);
    }
  });

  // Bounded: the writer stalls within a buffer and a half of writes, with
  // two memtables waiting: the full one and the one switched early.
  uint64_t most = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    most = std::max(most, IntProperty(db_.get(), "strata.approximate-memory-usage"));
    if (IntProperty(db_.get(), "strata.num-immutable-mem-table") == 2 &&
        most >= buffer + buffer / 2) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  // Stalled: no write gets through while the flush is held (a write let in
  // just before has had time to finish).
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const uint64_t stalled_at = acknowledged.load(std::memory_order_acquire);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(acknowledged.load(std::memory_order_acquire), stalled_at);
  most = std::max(most, IntProperty(db_.get(), "strata.approximate-memory-usage"));
  EXPECT_EQ(IntProperty(db_.get(), "strata.num-immutable-mem-table"), 2u);
  EXPECT_LT(stalled_at, kKeys / 4);
  // The cap is checked before each write, and an arena grows a block (up
  // to an eighth of what it holds) at a time: that much over, no more.
  EXPECT_LE(most, buffer + buffer / 2 + buffer / 8 + 2 * value.size());
  EXPECT_GT(most, buffer);

  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  writer.join();
  ASSERT_TRUE(write_status.ok()) << write_status.ToString();
  EXPECT_EQ(acknowledged.load(), kKeys);
  EXPECT_GE(IntProperty(db_.get(), "strata.stall-count"), 1u);
  for (uint64_t i = 0; i < kKeys; i += 97) EXPECT_EQ(GetValue(db_.get(), WriterKey(0, i)), value);
  Open();
  for (uint64_t i = 0; i < kKeys; i += 89) EXPECT_EQ(GetValue(db_.get(), WriterKey(0, i)), value);
}

}  // namespace
}  // namespace strata
