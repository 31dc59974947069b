// Tests for read-ahead (sstable/read_ahead.h) and a TableReader scanning
// with it: when the policy starts and how its window grows; that a Stream
// keeps only its latest request and that destroying it waits for its
// running job; and, on real tables, that a scan finds the blocks after its
// first few already cached, in both directions, that nothing past an
// iterator's bound is read ahead, that a damaged block ahead is still
// reported by the scan, and that iterators and tables destroyed while the
// thread reads for them are safe (ASan and TSan run this file).

#include "sstable/read_ahead.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "buffer/lru_cache.h"
#include "sstable/table_builder.h"
#include "sstable/table_reader.h"
#include "strata/file_system.h"
#include "test_util.h"
#include "util/internal_key.h"
#include "util/random.h"

namespace strata {
namespace {

TEST(ReadAheadPolicyTest, StartsAfterAWalkOfSeveralBlocksThenDoublesUpToTheMaximum) {
  ReadAheadPolicy policy(16);
  policy.Reset();  // a seek
  std::vector<int> asked;
  for (int i = 0; i < 40; i++) asked.push_back(policy.Entered(true));
  // Entered blocks before kStartAfter: nothing yet; then 4 blocks.
  EXPECT_EQ(0, asked[0]);
  EXPECT_EQ(0, asked[1]);
  EXPECT_EQ(ReadAheadPolicy::kFirstWindow, asked[ReadAheadPolicy::kStartAfter - 2]);
  // Then a request each time at most half of the last one is left ahead,
  // each twice the last, up to 16.
  std::vector<int> requests;
  int ahead = 0;
  for (int i = ReadAheadPolicy::kStartAfter - 2; i < 40; i++) {
    if (ahead > 0) ahead--;
    if (asked[i] > 0) {
      EXPECT_LE(ahead * 2, requests.empty() ? 0 : requests.back()) << "entered block " << i;
      requests.push_back(asked[i]);
      ahead = asked[i];
    }
  }
  ASSERT_GE(requests.size(), 4u);
  EXPECT_EQ(4, requests[0]);
  EXPECT_EQ(8, requests[1]);
  EXPECT_EQ(16, requests[2]);
  EXPECT_EQ(16, requests[3]);
}

TEST(ReadAheadPolicyTest, SeekOrTurnStartsOver) {
  ReadAheadPolicy policy(32);
  policy.Reset();
  int first = 0;
  for (int i = 0; i < 10 && first == 0; i++) first = policy.Entered(true);
  ASSERT_EQ(ReadAheadPolicy::kFirstWindow, first);
  policy.Reset();
  EXPECT_EQ(0, policy.Entered(true));
  // Turning back is a new walk too.
  for (int i = 0; i < 10; i++) policy.Entered(true);
  for (int i = 2; i < ReadAheadPolicy::kStartAfter; i++) EXPECT_EQ(0, policy.Entered(false));
  EXPECT_EQ(ReadAheadPolicy::kFirstWindow, policy.Entered(false));
}

TEST(ReadAheadPolicyTest, SmallMaximumCapsTheFirstWindow) {
  ReadAheadPolicy policy(1);
  policy.Reset();
  int asked = 0;
  for (int i = 0; i < 10 && asked == 0; i++) asked = policy.Entered(true);
  EXPECT_EQ(1, asked);
}

// A job that blocks until released, recording each call's arguments.
class BlockingJob {
 public:
  void Run(std::string_view key, bool forward, int blocks, const std::atomic<bool>& cancelled) {
    std::unique_lock<std::mutex> lock(mu_);
    calls_.push_back(std::string(key) + (forward ? "+" : "-") + std::to_string(blocks));
    started_++;
    cv_.notify_all();
    // Polls: nothing signals cv_ when the Stream sets `cancelled`.
    while (!released_ && !cancelled.load()) cv_.wait_for(lock, std::chrono::milliseconds(1));
    saw_cancel_ = saw_cancel_ || cancelled.load();
    returned_++;
  }
  int returned() {
    std::lock_guard<std::mutex> lock(mu_);
    return returned_;
  }
  void WaitStarted(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return started_ >= n; });
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  std::vector<std::string> calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  bool saw_cancel() {
    std::lock_guard<std::mutex> lock(mu_);
    return saw_cancel_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> calls_;
  int started_ = 0;
  int returned_ = 0;
  bool released_ = false;
  bool saw_cancel_ = false;
};

TEST(ReadAheadThreadTest, StreamKeepsOnlyItsLatestRequest) {
  ReadAheadThread thread;
  BlockingJob job;
  {
    ReadAheadThread::Stream stream(
        &thread, [&](std::string_view k, bool f, int n, const std::atomic<bool>& c) {
          job.Run(k, f, n, c);
        });
    stream.Request("a", true, 4);
    job.WaitStarted(1);
    // While "a" runs, two more requests: only the last is run after it.
    stream.Request("b", true, 8);
    stream.Request("c", false, 16);
    job.Release();
    job.WaitStarted(2);
    thread.WaitIdleForTesting();
  }
  EXPECT_EQ((std::vector<std::string>{"a+4", "c-16"}), job.calls());
  EXPECT_EQ(2u, thread.jobs_run());
}

TEST(ReadAheadThreadTest, DestroyingAStreamCancelsAndWaitsForItsJob) {
  ReadAheadThread thread;
  BlockingJob job;
  std::atomic<int> returned_when_destroyed{-1};
  auto stream = std::make_unique<ReadAheadThread::Stream>(
      &thread,
      [&](std::string_view k, bool f, int n, const std::atomic<bool>& c) { job.Run(k, f, n, c); });
  stream->Request("a", true, 4);
  job.WaitStarted(1);
  stream->Request("b", true, 4);  // pending: dropped by the destruction
  std::thread destroyer([&] {
    stream.reset();
    returned_when_destroyed = job.returned();
  });
  destroyer.join();
  // The job returns only once the destruction cancels it, and the
  // destructor returned after it did.
  EXPECT_EQ(1, returned_when_destroyed.load());
  EXPECT_TRUE(job.saw_cancel());
  thread.WaitIdleForTesting();
  EXPECT_EQ(std::vector<std::string>{"a+4"}, job.calls());
}

TEST(ReadAheadThreadTest, StartsNoThreadUntilTheFirstRequest) {
  ReadAheadThread thread;
  {
    ReadAheadThread::Stream stream(&thread,
                                   [](std::string_view, bool, int, const std::atomic<bool>&) {});
  }
  thread.WaitIdleForTesting();
  EXPECT_EQ(0u, thread.jobs_run());
}

// Tables: entries "key%06d" -> 100-byte values, in 1 KiB blocks.
class TableReadAheadTest : public testing::Test {
 protected:
  static constexpr int kEntries = 3000;

  static std::string UserKey(int i) {
    char buf[16];
    snprintf(buf, sizeof(buf), "key%06d", i);
    return buf;
  }

  void SetUp() override {
    path_ = dir_.Child("t.sst");
    std::unique_ptr<WritableFile> file;
    ASSERT_TRUE(DefaultFileSystem()->NewWritableFile(path_, &file).ok());
    TableBuilderOptions options;
    options.block_size = 1024;
    options.compression = kSnappyCompression;
    TableBuilder builder(options, file.get());
    Random rnd(7);
    for (int i = 0; i < kEntries; i++) {
      std::string value(100, 'v');
      for (int j = 0; j < 50; j++) value[j] = static_cast<char>('a' + rnd.Uniform(26));
      values_.push_back(value);
      builder.Add(MakeInternalKey(UserKey(i), 1000 + i, kTypeValue), value);
    }
    ASSERT_TRUE(builder.Finish().ok());
    data_size_ = builder.properties().data_size;
    ASSERT_TRUE(file->Close().ok());
  }

  // Opens the table with read-ahead through thread_ into cache_.
  void Open(int max_blocks = 8) {
    table_.reset();
    cache_ = std::make_unique<LRUCache>(64 << 20);
    TableReader::Options options;
    options.block_cache = cache_.get();
    options.file_number = 1;
    options.stats = &stats_;
    options.read_ahead = &thread_;
    options.read_ahead_max_blocks = max_blocks;
    std::unique_ptr<RandomAccessFile> file;
    ASSERT_TRUE(DefaultFileSystem()->NewRandomAccessFile(path_, &file).ok());
    uint64_t size = 0;
    ASSERT_TRUE(DefaultFileSystem()->GetFileSize(path_, &size).ok());
    ASSERT_TRUE(TableReader::Open(options, std::move(file), size, &table_).ok());
  }

  uint64_t NumBlocks() const { return table_->properties().num_data_blocks; }

  test::TempDir dir_;
  std::string path_;
  std::vector<std::string> values_;
  uint64_t data_size_ = 0;
  TableReadStats stats_;
  ReadAheadThread thread_;  // before the cache and table: destroyed after them
  std::unique_ptr<LRUCache> cache_;
  std::unique_ptr<TableReader> table_;
};

TEST_F(TableReadAheadTest, ForwardScanFindsTheBlocksAfterItsFirstFewCached) {
  Open();
  ASSERT_GT(NumBlocks(), 100u);
  std::unique_ptr<Iterator> it = table_->NewIterator(ReadOptions());
  int i = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), i++) {
    ASSERT_EQ(MakeInternalKey(UserKey(i), 1000 + i, kTypeValue), it->key());
    ASSERT_EQ(values_[i], it->value());
    // Let the thread finish what the scan asked for, so that whether a
    // block was read ahead does not depend on timing.
    thread_.WaitIdleForTesting();
  }
  ASSERT_TRUE(it->status().ok());
  EXPECT_EQ(kEntries, i);
  // The scan read the first kStartAfter blocks itself, the thread the rest.
  EXPECT_EQ(static_cast<uint64_t>(ReadAheadPolicy::kStartAfter), cache_->GetStats().misses);
  EXPECT_EQ(NumBlocks() - ReadAheadPolicy::kStartAfter, stats_.blocks_read_ahead.load());
  EXPECT_EQ(NumBlocks(), cache_->GetStats().inserts);
  EXPECT_EQ(NumBlocks(), stats_.data_blocks_read.load());
}

TEST_F(TableReadAheadTest, BackwardScanIsReadAheadToo) {
  Open();
  std::unique_ptr<Iterator> it = table_->NewIterator(ReadOptions());
  int i = kEntries - 1;
  for (it->SeekToLast(); it->Valid(); it->Prev(), i--) {
    ASSERT_EQ(MakeInternalKey(UserKey(i), 1000 + i, kTypeValue), it->key());
    ASSERT_EQ(values_[i], it->value());
    thread_.WaitIdleForTesting();
  }
  ASSERT_TRUE(it->status().ok());
  EXPECT_EQ(-1, i);
  EXPECT_EQ(static_cast<uint64_t>(ReadAheadPolicy::kStartAfter), cache_->GetStats().misses);
  EXPECT_EQ(NumBlocks() - ReadAheadPolicy::kStartAfter, stats_.blocks_read_ahead.load());
}

TEST_F(TableReadAheadTest, NoneWithoutFillCacheOrForShortWalks) {
  Open();
  ReadOptions no_fill;
  no_fill.fill_cache = false;
  {
    std::unique_ptr<Iterator> it = table_->NewIterator(no_fill);
    for (it->SeekToFirst(); it->Valid(); it->Next()) thread_.WaitIdleForTesting();
  }
  EXPECT_EQ(0u, stats_.blocks_read_ahead.load());
  EXPECT_EQ(0u, cache_->GetStats().inserts);
  // Seeks followed by a few steps, as seekrandom and YCSB E do: each seek
  // starts the walk over, so none is read ahead.
  std::unique_ptr<Iterator> it = table_->NewIterator(ReadOptions());
  Random rnd(3);
  for (int n = 0; n < 200; n++) {
    it->Seek(MakeInternalKey(UserKey(static_cast<int>(rnd.Uniform(kEntries))), kMaxSequenceNumber,
                             kValueTypeForSeek));
    for (int step = 0; step < 10 && it->Valid(); step++) it->Next();
    thread_.WaitIdleForTesting();
  }
  EXPECT_EQ(0u, stats_.blocks_read_ahead.load());
  EXPECT_EQ(0u, thread_.jobs_run());
}

TEST_F(TableReadAheadTest, NothingBeyondTheBoundIsReadAhead) {
  // A forward scan up to an upper bound a third of the way in, then a
  // backward one down to a lower bound two thirds of the way in: each is
  // read ahead, yet every block cached is one the scan itself opened.
  for (const bool forward : {true, false}) {
    SCOPED_TRACE(forward ? "forward" : "backward");
    Open(/*max_blocks=*/32);
    const uint64_t read_ahead_before = stats_.blocks_read_ahead.load();
    const uint64_t read_before = stats_.data_blocks_read.load();
    const std::string bound = UserKey(forward ? kEntries / 3 : 2 * kEntries / 3);
    const std::string_view bound_view(bound);
    ReadOptions bounded;
    (forward ? bounded.iterate_upper_bound : bounded.iterate_lower_bound) = &bound_view;
    std::unique_ptr<Iterator> it = table_->NewIterator(bounded);
    if (forward) {
      for (it->SeekToFirst(); it->Valid(); it->Next()) thread_.WaitIdleForTesting();
    } else {
      for (it->SeekToLast(); it->Valid(); it->Prev()) thread_.WaitIdleForTesting();
    }
    ASSERT_TRUE(it->status().ok());
    EXPECT_GT(stats_.blocks_read_ahead.load(), read_ahead_before);
    EXPECT_EQ(stats_.data_blocks_read.load() - read_before, cache_->GetStats().inserts);
    EXPECT_LT(cache_->GetStats().inserts, NumBlocks() / 2);
  }
}

TEST_F(TableReadAheadTest, DamagedBlockAheadIsReportedByTheScan) {
  // Damage a byte two thirds of the way into the data blocks: the thread
  // fails to read that block and caches nothing for it; the scan reads it
  // itself and stops with Corruption after every entry before it.
  test::XorByteOrDie(path_, data_size_ * 2 / 3, 0x40);
  Open();
  std::unique_ptr<Iterator> it = table_->NewIterator(ReadOptions());
  int i = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), i++) {
    ASSERT_EQ(MakeInternalKey(UserKey(i), 1000 + i, kTypeValue), it->key());
    ASSERT_EQ(values_[i], it->value());
    thread_.WaitIdleForTesting();
  }
  EXPECT_TRUE(it->status().IsCorruption()) << it->status().ToString();
  EXPECT_GT(i, kEntries / 2);
  EXPECT_LT(i, kEntries);
  EXPECT_GT(stats_.blocks_read_ahead.load(), 0u);
}

// Iterators destroyed, and then their table, while the thread reads ahead
// for them: the Stream's destructor waits, so nothing is used after it is
// freed (the sanitizers would say).
TEST_F(TableReadAheadTest, IteratorsAndTablesGoWhileTheThreadReads) {
  for (int round = 0; round < 20; round++) {
    Open(/*max_blocks=*/64);
    for (int n = 0; n < 10; n++) {
      std::unique_ptr<Iterator> it = table_->NewIterator(ReadOptions());
      int steps = 0;
      for (it->SeekToFirst(); it->Valid() && steps < 400; it->Next()) steps++;
      ASSERT_TRUE(it->status().ok());
    }
    table_.reset();
    cache_.reset();
  }
  thread_.WaitIdleForTesting();
  EXPECT_GT(thread_.jobs_run(), 0u);
}

// Scans of one table from several threads at once share the thread.
TEST_F(TableReadAheadTest, ConcurrentScansShareTheThread) {
  Open(/*max_blocks=*/16);
  std::vector<std::thread> scanners;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; t++) {
    scanners.emplace_back([&, t] {
      for (int round = 0; round < 3; round++) {
        std::unique_ptr<Iterator> it = table_->NewIterator(ReadOptions());
        int i = 0;
        if (t % 2 == 0) {
          for (it->SeekToFirst(); it->Valid(); it->Next(), i++) {
            if (it->value() != values_[i]) failures++;
          }
        } else {
          i = kEntries - 1;
          for (it->SeekToLast(); it->Valid(); it->Prev(), i--) {
            if (it->value() != values_[i]) failures++;
          }
          i = kEntries - 1 - i;
        }
        if (i != kEntries || !it->status().ok()) failures++;
      }
    });
  }
  for (std::thread& t : scanners) t.join();
  EXPECT_EQ(0, failures.load());
}

}  // namespace
}  // namespace strata
