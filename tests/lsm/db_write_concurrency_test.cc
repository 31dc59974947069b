// Concurrency tests of the DB's write path (group commit) with concurrent
// readers, through the public API. Run under ThreadSanitizer in CI.
//
//   ConcurrentWritersAndReaders: 8 writers put 2,000 distinct keys each (some
//   with sync) while 2 readers Get and scan. Each writer publishes how many of
//   its writes were acknowledged (release); a reader that loads that count
//   (acquire) must then find every one of those keys, by Get and by an
//   iterator created afterwards. At the end every key is present.
//
//   SnapshotsNeverSeePartialBatches: writers put one counter value into keys
//   "a", "m" and "b" in one batch; readers read them at a snapshot (Get and
//   iterator) and through plain iterators, and must always see one value. A
//   snapshot taken mid-way still reads its values after every compaction.
//
// A 64 KiB write buffer makes memtable switches and background flushes and
// compactions happen under the readers, and a thread adds manual Flush and
// CompactRange calls. Bounded by a fixed number of writes.

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "lsm/db_test_util.h"
#include "strata/db.h"
#include "test_util.h"
#include "util/random.h"

namespace strata {
namespace {

using test::GetValue;
using test::TempDir;

constexpr int kWriters = 8;
constexpr int kReaders = 2;
constexpr int kKeysPerWriter = 2000;

// Zero-padded, so a writer's keys sort in the order it writes them.
std::string WriterKey(int writer, int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "w%d-%05d", writer, i);
  return buf;
}

std::string WriterValue(int writer, int i) {
  return "value-" + std::to_string(writer) + "-" + std::to_string(i) + std::string(i % 50, 'x');
}

TEST(DBWriteConcurrencyTest, ConcurrentWritersAndReaders) {
  TempDir dir;
  std::unique_ptr<DB> db = test::OpenOrDie(test::SmallBufferOptions(), dir.Child("db"));
  ASSERT_NE(db, nullptr);

  std::array<std::atomic<int>, kWriters> acknowledged{};
  std::atomic<int> writers_done{0};
  std::atomic<int> write_failures{0};

  std::vector<std::thread> threads;
  for (int t = 0; t < kWriters; t++) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kKeysPerWriter; i++) {
        WriteOptions options;
        options.sync = i % 200 == 0;
        if (!db->Put(options, WriterKey(t, i), WriterValue(t, i)).ok()) write_failures++;
        acknowledged[t].store(i + 1, std::memory_order_release);
      }
      writers_done++;
    });
  }

  // Manual flushes and compactions race the background ones and the writes.
  std::atomic<int> maintenance_failures{0};
  threads.emplace_back([&] {
    int round = 0;
    while (writers_done.load() < kWriters) {
      Status s = round++ % 2 == 0 ? db->Flush() : db->CompactRange(nullptr, nullptr);
      if (!s.ok()) maintenance_failures++;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });

  std::atomic<int> reads{0};
  for (int r = 0; r < kReaders; r++) {
    threads.emplace_back([&, r] {
      Random rnd(1000 + r);
      // At least one round, even if the writers finish first.
      do {
        const int t = static_cast<int>(rnd.Uniform(kWriters));
        const int done = acknowledged[t].load(std::memory_order_acquire);
        if (done == 0) continue;

        // Get: an acknowledged write is visible.
        const int i = static_cast<int>(rnd.Uniform(done));
        std::string value = GetValue(db.get(), WriterKey(t, i));
        if (value != WriterValue(t, i)) {
          ADD_FAILURE() << "Get " << WriterKey(t, i) << " after its ack: " << value;
          return;
        }

        // An iterator created now holds at least the first `done` keys of
        // writer t, in order, and nothing malformed.
        std::unique_ptr<Iterator> it = db->NewIterator();
        const std::string prefix = "w" + std::to_string(t) + "-";
        int seen = 0;
        for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix) && seen < done;
             it->Next(), seen++) {
          if (it->key() != WriterKey(t, seen) || it->value() != WriterValue(t, seen)) {
            ADD_FAILURE() << "scan of writer " << t << ": expected " << WriterKey(t, seen)
                          << ", found " << it->key();
            return;
          }
        }
        if (seen != done || !it->status().ok()) {
          ADD_FAILURE() << "scan of writer " << t << " found " << seen << " of " << done
                        << " acknowledged keys; " << it->status().ToString();
          return;
        }
        reads++;
      } while (writers_done.load() < kWriters);
    });
  }
  for (auto& thread : threads) thread.join();

  EXPECT_EQ(write_failures.load(), 0);
  EXPECT_EQ(maintenance_failures.load(), 0);
  EXPECT_GT(reads.load(), 0);
  for (int t = 0; t < kWriters; t++) {
    for (int i = 0; i < kKeysPerWriter; i++) {
      ASSERT_EQ(GetValue(db.get(), WriterKey(t, i)), WriterValue(t, i));
    }
  }
  EXPECT_EQ(test::ScanAll(db.get()).size(), static_cast<size_t>(kWriters * kKeysPerWriter));
  EXPECT_EQ(test::IntProperty(db.get(), "strata.last-sequence"),
            static_cast<uint64_t>(kWriters * kKeysPerWriter));

  // Group commit: one WAL record per group, each holding one or more writes.
  // How many writes share a group depends on timing, so only the bounds are
  // checked.
  const uint64_t writes = test::StatsCounter(db.get(), "writes");
  const uint64_t groups = test::StatsCounter(db.get(), "group commits");
  EXPECT_EQ(writes, static_cast<uint64_t>(kWriters * kKeysPerWriter));
  EXPECT_GE(groups, 1u);
  EXPECT_LE(groups, writes);
}

TEST(DBWriteConcurrencyTest, SnapshotsNeverSeePartialBatches) {
  constexpr int kBatchWriters = 4;
  constexpr int kBatchesPerWriter = 1500;
  TempDir dir;
  std::unique_ptr<DB> db = test::OpenOrDie(test::SmallBufferOptions(), dir.Child("db"));
  ASSERT_NE(db, nullptr);

  std::atomic<uint64_t> counter{0};
  std::atomic<int> writers_done{0};
  std::atomic<int> write_failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kBatchWriters; t++) {
    threads.emplace_back([&, t] {
      // Padding makes memtables fill (and switch) faster.
      const std::string padding(300, static_cast<char>('a' + t));
      for (int i = 0; i < kBatchesPerWriter; i++) {
        std::string value = std::to_string(counter.fetch_add(1) + 1);
        WriteBatch batch;
        batch.Put("a", value);
        batch.Put("m", value + padding);
        batch.Delete("b");  // briefly gone, within the batch only
        batch.Put("b", value);
        WriteOptions options;
        options.sync = i % 500 == 0;
        if (!db->Write(options, &batch).ok()) write_failures++;
      }
      writers_done++;
    });
  }

  // A snapshot taken mid-way and held to the end, while flushes and
  // compactions (background and manual) rewrite what it reads.
  std::atomic<int> maintenance_failures{0};
  test::ScopedSnapshot held;
  std::string held_a, held_b, held_m;
  threads.emplace_back([&] {
    while (counter.load() < kBatchWriters * kBatchesPerWriter / 2) std::this_thread::yield();
    held = test::TakeSnapshot(db.get());
    held_a = GetValue(db.get(), "a", held.get());
    held_b = GetValue(db.get(), "b", held.get());
    held_m = GetValue(db.get(), "m", held.get());
    while (writers_done.load() < kBatchWriters) {
      if (!db->CompactRange(nullptr, nullptr).ok()) maintenance_failures++;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });

  std::atomic<int> checks{0};
  for (int r = 0; r < kReaders; r++) {
    threads.emplace_back([&] {
      auto fail = [](const std::string& what, const std::string& a, const std::string& b) {
        ADD_FAILURE() << what << ": a=" << a << " b=" << b;
      };
      do {
        test::ScopedSnapshot snapshot = test::TakeSnapshot(db.get());
        std::string a = GetValue(db.get(), "a", snapshot.get());
        std::string b = GetValue(db.get(), "b", snapshot.get());
        if (a != b) return fail("Get at a snapshot", a, b);

        ReadOptions options;
        options.snapshot = snapshot.get();
        std::unique_ptr<Iterator> it = db->NewIterator(options);
        it->SeekToFirst();
        if (a == "NOT_FOUND") {
          if (it->Valid()) return fail("iterator at an empty snapshot", std::string(it->key()), "");
          continue;
        }
        // Keys in order: a, b, m.
        if (!it->Valid() || it->key() != "a" || it->value() != a) {
          return fail("snapshot iterator at a", it->Valid() ? std::string(it->value()) : "-", a);
        }
        it->Next();
        if (!it->Valid() || it->key() != "b" || it->value() != b) {
          return fail("snapshot iterator at b", a, it->Valid() ? std::string(it->value()) : "-");
        }
        it->Next();
        if (!it->Valid() || it->key() != "m" || !it->value().starts_with(a)) {
          return fail("snapshot iterator at m", a, it->Valid() ? std::string(it->value()) : "-");
        }

        // An iterator without a snapshot reads one consistent state too,
        // backward this time.
        std::unique_ptr<Iterator> now = db->NewIterator();
        now->SeekToLast();
        std::string m = now->Valid() ? std::string(now->value()) : "-";
        now->Prev();
        std::string b_now = now->Valid() ? std::string(now->value()) : "-";
        now->Prev();
        std::string a_now = now->Valid() ? std::string(now->value()) : "-";
        if (a_now != b_now || !m.starts_with(a_now)) return fail("plain iterator", a_now, b_now);
        checks++;
      } while (writers_done.load() < kBatchWriters);
    });
  }
  for (auto& thread : threads) thread.join();

  EXPECT_EQ(write_failures.load(), 0);
  EXPECT_EQ(maintenance_failures.load(), 0);
  EXPECT_GT(checks.load(), 0);

  ASSERT_NE(held, nullptr);
  EXPECT_NE(held_a, "NOT_FOUND");
  EXPECT_EQ(held_a, held_b);
  EXPECT_TRUE(held_m.starts_with(held_a)) << held_m.substr(0, 20);
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  EXPECT_EQ(GetValue(db.get(), "a", held.get()), held_a);
  EXPECT_EQ(GetValue(db.get(), "b", held.get()), held_b);
  EXPECT_EQ(GetValue(db.get(), "m", held.get()), held_m);
  held.reset();
  const std::string a = GetValue(db.get(), "a");
  EXPECT_EQ(a, GetValue(db.get(), "b"));
  EXPECT_EQ(test::IntProperty(db.get(), "strata.num-snapshots"), 0u);
  EXPECT_EQ(test::IntProperty(db.get(), "strata.last-sequence"),
            static_cast<uint64_t>(4 * kBatchWriters * kBatchesPerWriter));
}

}  // namespace
}  // namespace strata
