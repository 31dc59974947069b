// Compaction under concurrent use, through the public API. Run under
// ThreadSanitizer in CI.
//
//   ReadersAndSnapshotsDuringCompactions: writers put pairs of keys "a" and
//   "b" with one counter value in one batch, plus filler puts and deletes
//   that keep flushes and compactions running (max_background_jobs = 3, so
//   two compactions may run at once). Readers must find at least the
//   acknowledged counter of every pair, and a == b in every iterator. A
//   snapshot thread keeps a few snapshots alive across many compactions and
//   checks each keeps reading exactly what it read first, with a == b.
//
//   ManualAndBackgroundCompactionsAgree: writers with known final contents
//   race two threads calling CompactRange on random and full ranges; the
//   result must be exactly the expected contents.
//
//   BackgroundCompactionIntoAGapOfABottomLevelCompactRange: a file system
//   that holds a manual compaction's output before its sync, and a sync
//   point where background threads go idle, let a background compaction
//   decide meanwhile, deterministically, and the bottom level must still
//   hold disjoint files with every key readable.
//
// Small buffers and tables (64 KiB) and a 256 KiB base level give several
// levels from a few MB. Bounded by a fixed amount of writing.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "lsm/db_test_util.h"
#include "strata/db.h"
#include "strata/file_system.h"
#include "test_util.h"
#include "util/sync_point.h"

namespace strata {
namespace {

using test::FilesAtLevel;
using test::TempDir;

constexpr int kBottomLevel = 6;

Options ConcurrentCompactionOptions() {
  Options options;
  options.write_buffer_size = 64 << 10;
  options.target_file_size = 64 << 10;
  options.max_bytes_for_level_base = 256 << 10;
  options.max_background_jobs = 3;
  return options;
}

std::string PairKey(int pair, char side) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "pair%04d-%c", pair, side);
  return buf;
}

std::string PairValue(uint64_t counter) {
  return "c=" + std::to_string(counter) + ";" + std::string(100, 'p');
}

// The counter of a PairValue, or 0 if the value is malformed.
uint64_t CounterOf(const std::string& value) {
  if (value.rfind("c=", 0) != 0) return 0;
  return std::strtoull(value.c_str() + 2, nullptr, 10);
}

std::string FillerKey(int writer, int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "fill%d-%05d", writer, i);
  return buf;
}

// Files of a level >= 1 must be sorted and must not share a user key.
void CheckLevelsDisjoint(DB* db) {
  std::string listing;
  ASSERT_TRUE(db->GetProperty("strata.sstables", &listing));
  std::istringstream in(listing);
  std::string line;
  int previous_level = -1;
  std::string previous_largest;
  while (std::getline(in, line)) {
    int level = -1;
    size_t open = line.find('['), dots = line.find(" .. "), close = line.rfind(']');
    ASSERT_EQ(std::sscanf(line.c_str(), "L%d", &level), 1) << line;
    ASSERT_TRUE(open != std::string::npos && dots != std::string::npos &&
                close != std::string::npos)
        << line;
    std::string smallest = line.substr(open + 1, dots - open - 1);
    std::string largest = line.substr(dots + 4, close - dots - 4);
    if (level > 0 && level == previous_level) {
      EXPECT_LT(previous_largest, smallest) << "overlapping files in level " << level;
    }
    previous_level = level;
    previous_largest = largest;
  }
}

// A pair's two sides as read at one snapshot: 0 for absent.
struct PairRead {
  uint64_t a = 0, b = 0;
  bool operator==(const PairRead&) const = default;
};

// Every pair visible to `snapshot` (nullptr: now), by one iterator.
std::map<int, PairRead> ScanPairs(DB* db, const Snapshot* snapshot) {
  ReadOptions options;
  options.snapshot = snapshot;
  std::unique_ptr<Iterator> it = db->NewIterator(options);
  std::map<int, PairRead> pairs;
  for (it->Seek("pair"); it->Valid() && it->key().starts_with("pair"); it->Next()) {
    std::string key(it->key());
    int pair = std::atoi(key.c_str() + 4);
    uint64_t counter = CounterOf(std::string(it->value()));
    EXPECT_NE(counter, 0u) << "malformed value at " << key;
    (key.back() == 'a' ? pairs[pair].a : pairs[pair].b) = counter;
  }
  EXPECT_TRUE(it->status().ok()) << it->status().ToString();
  return pairs;
}

TEST(DBCompactionConcurrencyTest, ReadersAndSnapshotsDuringCompactions) {
  TempDir dir;
  std::unique_ptr<DB> db = test::OpenOrDie(ConcurrentCompactionOptions(), dir.path());
  ASSERT_NE(db, nullptr);

  constexpr int kWriters = 3;
  constexpr int kPairs = 300;  // pair p belongs to writer p % kWriters
  constexpr int kBatchesPerWriter = 2500;
  constexpr int kFillerKeys = 2000;  // per writer, overwritten and deleted
  std::vector<std::atomic<uint64_t>> acknowledged(kPairs);
  std::atomic<int> writers_running{kWriters};
  std::atomic<uint64_t> batches_written{0};  // by all writers
  std::atomic<int> failures{0};

  std::vector<std::thread> threads;
  for (int t = 0; t < kWriters; t++) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(100 + t);
      for (uint64_t counter = 1; counter <= kBatchesPerWriter; counter++) {
        int pair = t + kWriters * static_cast<int>(rng() % (kPairs / kWriters));
        WriteBatch batch;
        batch.Put(PairKey(pair, 'a'), PairValue(counter));
        int filler = static_cast<int>(rng() % kFillerKeys);
        if (rng() % 4 == 0) {
          batch.Delete(FillerKey(t, filler));
        } else {
          batch.Put(FillerKey(t, filler), std::string(300 + rng() % 300, 'f'));
        }
        batch.Put(PairKey(pair, 'b'), PairValue(counter));
        if (!db->Write(&batch).ok()) {
          failures++;
          break;
        }
        acknowledged[pair].store(counter, std::memory_order_release);
        batches_written.fetch_add(1, std::memory_order_relaxed);
      }
      writers_running--;
    });
  }

  for (int r = 0; r < 2; r++) {
    threads.emplace_back([&, r] {
      std::mt19937_64 rng(200 + r);
      while (writers_running.load() > 0) {
        int pair = static_cast<int>(rng() % kPairs);
        uint64_t acked = acknowledged[pair].load(std::memory_order_acquire);
        for (char side : {'a', 'b'}) {
          std::string value;
          Status s = db->Get(ReadOptions(), PairKey(pair, side), &value);
          if (acked == 0 && s.IsNotFound()) continue;
          if (!s.ok() || CounterOf(value) < acked) {
            ADD_FAILURE() << PairKey(pair, side) << ": " << s.ToString() << " " << CounterOf(value)
                          << " < acknowledged " << acked;
            failures++;
          }
        }
        if (rng() % 64 == 0) {
          // An iterator is a consistent view: both sides of every pair
          // come from one batch, and none is older than acknowledged.
          std::vector<uint64_t> acked_before(kPairs);
          for (int p = 0; p < kPairs; p++) {
            acked_before[p] = acknowledged[p].load(std::memory_order_acquire);
          }
          for (const auto& [p, read] : ScanPairs(db.get(), nullptr)) {
            EXPECT_EQ(read.a, read.b) << "pair " << p;
            EXPECT_GE(read.a, acked_before[p]) << "pair " << p;
          }
        }
      }
    });
  }

  threads.emplace_back([&] {
    // Up to three snapshots alive at once, each checked when taken, again
    // while later ones come and go, and once more before release.
    struct Kept {
      const Snapshot* snapshot;
      std::map<int, PairRead> pairs;
    };
    std::vector<Kept> kept;
    std::mt19937_64 rng(300);
    while (writers_running.load() > 0) {
      Kept k{db->GetSnapshot(), {}};
      k.pairs = ScanPairs(db.get(), k.snapshot);
      for (const auto& [p, read] : k.pairs) EXPECT_EQ(read.a, read.b) << "pair " << p;
      kept.push_back(std::move(k));
      // Check the snapshots again once the writers have moved on by 50 to
      // 250 batches (about a memtable), so flushes and compactions rewrite
      // what they read in between.
      const uint64_t target = batches_written.load() + 50 + rng() % 200;
      while (writers_running.load() > 0 && batches_written.load() < target) {
        std::this_thread::yield();
      }
      for (const Kept& old : kept) {
        EXPECT_TRUE(ScanPairs(db.get(), old.snapshot) == old.pairs) << "a snapshot changed";
        int pair = static_cast<int>(rng() % kPairs);
        ReadOptions options;
        options.snapshot = old.snapshot;
        std::string value;
        Status s = db->Get(options, PairKey(pair, 'b'), &value);
        auto it = old.pairs.find(pair);
        if (it == old.pairs.end()) {
          EXPECT_TRUE(s.IsNotFound()) << PairKey(pair, 'b') << " " << s.ToString();
        } else {
          EXPECT_TRUE(s.ok()) << s.ToString();
          EXPECT_EQ(CounterOf(value), it->second.b) << PairKey(pair, 'b');
        }
      }
      if (kept.size() >= 3) {
        db->ReleaseSnapshot(kept.front().snapshot);
        kept.erase(kept.begin());
      }
    }
    for (const Kept& k : kept) {
      EXPECT_TRUE(ScanPairs(db.get(), k.snapshot) == k.pairs) << "a snapshot changed";
      db->ReleaseSnapshot(k.snapshot);
    }
  });

  threads.emplace_back([&] {
    // Manual compactions of random slices of the pairs, racing the
    // background ones.
    std::mt19937_64 rng(400);
    while (writers_running.load() > 0) {
      std::string begin = PairKey(static_cast<int>(rng() % kPairs), 'a');
      std::string end = PairKey(static_cast<int>(rng() % kPairs), 'b');
      if (end < begin) std::swap(begin, end);
      std::string_view b = begin, e = end;
      if (!db->CompactRange(&b, &e).ok()) failures++;
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
  });

  for (auto& thread : threads) thread.join();
  ASSERT_EQ(failures.load(), 0);

  // Every pair holds exactly its last acknowledged counter, on both sides.
  std::map<int, PairRead> final_pairs = ScanPairs(db.get(), nullptr);
  for (int p = 0; p < kPairs; p++) {
    uint64_t acked = acknowledged[p].load();
    PairRead expected{acked, acked};
    PairRead actual = final_pairs.count(p) != 0 ? final_pairs[p] : PairRead{};
    EXPECT_TRUE(actual == expected)
        << "pair " << p << ": " << actual.a << "/" << actual.b << " instead of " << acked;
  }
  int deeper_files = 0;
  for (int level = 1; level <= kBottomLevel; level++) deeper_files += FilesAtLevel(db.get(), level);
  EXPECT_GT(deeper_files, 0);
  CheckLevelsDisjoint(db.get());
}

TEST(DBCompactionConcurrencyTest, ManualAndBackgroundCompactionsAgree) {
  TempDir dir;
  std::unique_ptr<DB> db = test::OpenOrDie(ConcurrentCompactionOptions(), dir.path());
  ASSERT_NE(db, nullptr);

  constexpr int kWriters = 3;
  constexpr int kKeys = 1500;  // per writer
  constexpr int kPasses = 3;
  // Writer t writes its keys kPasses times, each pass deleting the keys
  // that pass number divides, so the final contents are known.
  auto key = [](int t, int i) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "w%d-%05d", t, i);
    return std::string(buf);
  };
  auto value = [](int t, int i, int pass) {
    return std::to_string(t) + "/" + std::to_string(i) + "/" + std::to_string(pass) +
           std::string(200 + (i * 7 + pass) % 200, 'v');
  };
  auto deleted_in = [](int i, int pass) { return (i + pass) % 5 == 0; };

  std::atomic<int> writers_running{kWriters};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriters; t++) {
    threads.emplace_back([&, t] {
      for (int pass = 0; pass < kPasses && failures.load() == 0; pass++) {
        for (int i = 0; i < kKeys; i++) {
          Status s =
              deleted_in(i, pass) ? db->Delete(key(t, i)) : db->Put(key(t, i), value(t, i, pass));
          if (!s.ok()) {
            failures++;
            break;
          }
        }
      }
      writers_running--;
    });
  }
  std::atomic<int> manual_compactions{0};
  for (int c = 0; c < 2; c++) {
    threads.emplace_back([&, c] {
      std::mt19937_64 rng(500 + c);
      while (writers_running.load() > 0) {
        Status s;
        if (rng() % 4 == 0) {
          s = db->CompactRange(nullptr, nullptr);
        } else {
          std::string begin =
              key(static_cast<int>(rng() % kWriters), static_cast<int>(rng() % kKeys));
          std::string end =
              key(static_cast<int>(rng() % kWriters), static_cast<int>(rng() % kKeys));
          if (end < begin) std::swap(begin, end);
          std::string_view b = begin, e = end;
          s = db->CompactRange(&b, &e);
        }
        if (!s.ok()) failures++;
        manual_compactions++;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_EQ(failures.load(), 0);
  EXPECT_GT(manual_compactions.load(), 0);

  std::map<std::string, std::string> expected;
  for (int t = 0; t < kWriters; t++) {
    for (int i = 0; i < kKeys; i++) {
      if (!deleted_in(i, kPasses - 1)) expected[key(t, i)] = value(t, i, kPasses - 1);
    }
  }
  EXPECT_TRUE(test::ScanAll(db.get()) == expected) << "the contents differ from the writes";
  for (const auto& [k, v] : expected) {
    if (test::GetValue(db.get(), k) != v) {
      ADD_FAILURE() << "Get(" << k << ") is wrong";
      break;
    }
  }
  CheckLevelsDisjoint(db.get());

  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  for (int level = 0; level < kBottomLevel; level++) EXPECT_EQ(FilesAtLevel(db.get(), level), 0);
  EXPECT_TRUE(test::ScanAll(db.get()) == expected) << "the contents differ after a full compaction";
}

// Passes every call to the real file system, except that a table file
// created by a thread that set block_this_thread stops in Sync until
// Release(): a manual compaction (which runs in the caller's thread) can be
// held with its output written but not yet installed.
class BlockingFileSystem final : public FileSystem {
 public:
  static inline thread_local bool block_this_thread = false;

  // Waits up to `timeout` for a Sync to be held. Returns whether one is.
  bool WaitUntilBlocked(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return blocked_; });
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

  Status NewSequentialFile(const std::string& path,
                           std::unique_ptr<SequentialFile>* result) override {
    return base_->NewSequentialFile(path, result);
  }
  Status NewRandomAccessFile(const std::string& path,
                             std::unique_ptr<RandomAccessFile>* result) override {
    return base_->NewRandomAccessFile(path, result);
  }
  Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* result) override {
    std::unique_ptr<WritableFile> file;
    Status s = base_->NewWritableFile(path, &file);
    if (s.ok() && block_this_thread && path.ends_with(".sst")) {
      file = std::make_unique<HeldFile>(this, std::move(file));
    }
    *result = std::move(file);
    return s;
  }
  bool FileExists(const std::string& path) override { return base_->FileExists(path); }
  Status GetChildren(const std::string& dir, std::vector<std::string>* names) override {
    return base_->GetChildren(dir, names);
  }
  Status GetFileSize(const std::string& path, uint64_t* size) override {
    return base_->GetFileSize(path, size);
  }
  Status RemoveFile(const std::string& path) override { return base_->RemoveFile(path); }
  Status RenameFile(const std::string& src, const std::string& target) override {
    return base_->RenameFile(src, target);
  }
  Status CreateDir(const std::string& dir) override { return base_->CreateDir(dir); }
  Status RemoveDir(const std::string& dir) override { return base_->RemoveDir(dir); }
  Status SyncDir(const std::string& dir) override { return base_->SyncDir(dir); }
  Status SyncFile(const std::string& path) override { return base_->SyncFile(path); }
  Status LockFile(const std::string& path, std::unique_ptr<FileLock>* lock) override {
    return base_->LockFile(path, lock);
  }
  Status UnlockFile(std::unique_ptr<FileLock> lock) override {
    return base_->UnlockFile(std::move(lock));
  }

 private:
  class HeldFile final : public WritableFile {
   public:
    HeldFile(BlockingFileSystem* fs, std::unique_ptr<WritableFile> base)
        : fs_(fs), base_(std::move(base)) {}
    Status Append(std::string_view data) override { return base_->Append(data); }
    Status Flush() override { return base_->Flush(); }
    Status Sync() override {
      {
        std::unique_lock<std::mutex> lock(fs_->mu_);
        fs_->blocked_ = true;
        fs_->cv_.notify_all();
        fs_->cv_.wait(lock, [&] { return fs_->released_; });
      }
      return base_->Sync();
    }
    Status Close() override { return base_->Close(); }

   private:
    BlockingFileSystem* const fs_;
    const std::unique_ptr<WritableFile> base_;
  };

  FileSystem* const base_ = DefaultFileSystem();
  std::mutex mu_;
  std::condition_variable cv_;
  bool blocked_ = false;   // guarded by mu_
  bool released_ = false;  // guarded by mu_
};

// The last pass of a full CompactRange rewrites the bottom level into
// itself. Its inputs are busy, but the gaps between them are not: a
// background compaction may put a file there while the manual one runs, and
// a manual output spanning the gap would then overlap it.
TEST(DBCompactionConcurrencyTest, BackgroundCompactionIntoAGapOfABottomLevelCompactRange) {
  if (!kSyncPointsEnabled) GTEST_SKIP() << "built without STRATA_SYNC_POINTS";
  TempDir dir;
  BlockingFileSystem fs;
  Options options = ConcurrentCompactionOptions();  // a compaction beside CompactRange's
  options.file_system = &fs;
  std::unique_ptr<DB> db = test::OpenOrDie(options, dir.path());
  ASSERT_NE(db, nullptr);

  std::map<std::string, std::string> expected;
  auto put = [&](const std::string& key) {
    std::string value = key + std::string(200, '.');
    ASSERT_TRUE(db->Put(key, value).ok());
    expected[key] = value;
  };
  auto key = [](char group, int i) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "%c%04d", group, i);
    return std::string(buf);
  };
  // Two small bottom-level files, "a..." and "z...", with a gap between.
  for (int i = 0; i < 100; i++) put(key('a', i));
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  for (int i = 0; i < 100; i++) put(key('z', i));
  std::string_view z_begin = "z", z_end = "zz";
  ASSERT_TRUE(db->CompactRange(&z_begin, &z_end).ok());
  ASSERT_EQ(FilesAtLevel(db.get(), kBottomLevel), 2);

  // A full CompactRange, held just before its bottom-level output is synced.
  Status manual;
  std::thread compact_range([&] {
    BlockingFileSystem::block_this_thread = true;
    manual = db->CompactRange(nullptr, nullptr);
  });
  bool held = fs.WaitUntilBlocked(std::chrono::seconds(20));
  EXPECT_TRUE(held) << "the manual compaction never wrote its output";

  // A background thread that goes idle reports the version it saw: the
  // test goes on once one saw the level-0 compaction due yet started none
  // (it waits, rightly, for the manual one), or saw its output installed.
  std::mutex decided_mu;
  std::condition_variable decided_cv;
  bool decided = false;  // guarded by decided_mu
  ScopedSyncPoints sync_points;
  SyncPoint::GetInstance()->SetCallBack("DBImpl::BackgroundThread:Idle", [&](void* arg) {
    const auto* v = static_cast<const Version*>(arg);
    int deeper_files = 0;  // two bottom-level files before the compaction
    for (int level = 1; level < kNumLevels; level++) deeper_files += v->NumFiles(level);
    if (v->NumFiles(0) >= options.l0_compaction_trigger || deeper_files > 2) {
      std::lock_guard<std::mutex> lock(decided_mu);
      decided = true;
      decided_cv.notify_all();
    }
  });
  SyncPoint::GetInstance()->EnableProcessing();

  // Meanwhile four flushes of keys in the gap make a level-0 compaction
  // into the bottom level (the base of so small a tree).
  for (int flush = 0; flush < options.l0_compaction_trigger; flush++) {
    for (int i = 0; i < 25; i++) put(key('m', flush * 25 + i));
    ASSERT_TRUE(db->Flush().ok());
  }
  {
    std::unique_lock<std::mutex> lock(decided_mu);
    // The bound only turns a hang into a failure.
    EXPECT_TRUE(decided_cv.wait_for(lock, std::chrono::seconds(60), [&] { return decided; }))
        << "no background thread took up the level-0 files";
  }
  SyncPoint::GetInstance()->Reset();
  fs.Release();
  compact_range.join();
  ASSERT_TRUE(manual.ok()) << manual.ToString();

  CheckLevelsDisjoint(db.get());
  int lost = 0;
  for (const auto& [k, v] : expected) {
    if (test::GetValue(db.get(), k) != v && lost++ < 3)
      ADD_FAILURE() << "Get(" << k << ") is wrong";
  }
  EXPECT_EQ(lost, 0) << "keys Get does not find";
  EXPECT_TRUE(test::ScanAll(db.get()) == expected) << "a scan differs from the writes";
}

}  // namespace
}  // namespace strata
