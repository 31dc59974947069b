// A disk that fills and frees again and again under concurrent writers,
// readers, flushes and compactions: each writer's acknowledged writes are all
// readable throughout and after a reopen, failed ones fail with NoSpace (and
// nothing else), and the database resumes by itself each time space is back.
// Run under ThreadSanitizer in CI (label "concurrency").

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "lsm/db_impl.h"
#include "lsm/db_test_util.h"
#include "storage/fault_injection_file_system.h"
#include "strata/db.h"
#include "test_util.h"

namespace strata {
namespace {

constexpr int kWriters = 3;
constexpr int kKeysPerWriter = 300;

std::string Key(int writer, int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "w%d-%05d", writer, i);
  return buf;
}

std::string Value(int writer, int i, int round) {
  return Key(writer, i) + "#" + std::to_string(round) + std::string(300, 'a' + (i + round) % 26);
}

TEST(DBIOErrorConcurrencyTest, DiskFillsAndFreesUnderConcurrentLoad) {
  FaultInjectionFileSystem fs;
  test::TempDir dir{test::TempDir::InMemory{}};
  const std::string dbname = dir.Child("db");
  Options options;
  options.file_system = &fs;
  options.write_buffer_size = test::kMinWriteBuffer;
  options.l0_compaction_trigger = 2;
  options.target_file_size = 64 << 10;
  std::unique_ptr<DB> db = test::OpenOrDie(options, dbname);

  // Each writer's acknowledged value per key; only that writer writes it.
  std::map<std::string, std::string> acknowledged[kWriters];
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> ok_writes{0}, nospace_writes{0}, other_errors{0}, wrong_reads{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; w++) {
    threads.emplace_back([&, w] {
      for (int round = 0; !stop.load(); round++) {
        for (int i = 0; i < kKeysPerWriter && !stop.load(); i++) {
          std::string value = Value(w, i, round);
          Status s = db->Put(Key(w, i), value);
          if (s.ok()) {
            acknowledged[w][Key(w, i)] = value;
            ok_writes++;
          } else if (s.IsNoSpace()) {
            nospace_writes++;
            // The key keeps its acknowledged value or takes this one; write
            // it again, once the database has resumed, until it is
            // acknowledged, so the model stays exact.
            while (!stop.load() && (s = db->Put(Key(w, i), value)).IsNoSpace()) {
              (void)static_cast<DBImpl*>(db.get())->TEST_WaitForAutomaticResume();
            }
            if (s.ok()) acknowledged[w][Key(w, i)] = value;
            if (!s.ok()) acknowledged[w].erase(Key(w, i));  // unknown now: not checked
          } else {
            other_errors++;
            return;
          }
          // Read back one of this writer's own earlier keys.
          int j = (i * 7) % kKeysPerWriter;
          auto it = acknowledged[w].find(Key(w, j));
          if (it != acknowledged[w].end()) {
            std::string got;
            Status r = db->Get(Key(w, j), &got);
            if (!r.ok() || got != it->second) wrong_reads++;
          }
        }
      }
    });
  }
  threads.emplace_back([&] {
    while (!stop.load()) {
      std::unique_ptr<Iterator> it = db->NewIterator();
      std::string last;
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        std::string key(it->key());
        if (!last.empty() && key <= last) wrong_reads++;
        if (std::string(it->value()).rfind(key + "#", 0) != 0) wrong_reads++;
        last = key;
      }
      if (!it->status().ok()) wrong_reads++;
    }
  });

  // Fill and free the disk ten times.
  int resumed = 0;
  for (int cycle = 0; cycle < 10; cycle++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
    fs.FailWithNoSpace(true);
    std::this_thread::sleep_for(std::chrono::milliseconds(40));
    fs.FailWithNoSpace(false);
    // The automatic retry runs within its backoff (at most 1 s).
    Status s = static_cast<DBImpl*>(db.get())->TEST_WaitForAutomaticResume();
    if (s.ok()) resumed++;
  }
  stop = true;
  for (auto& t : threads) t.join();

  EXPECT_EQ(resumed, 10);
  EXPECT_EQ(other_errors.load(), 0u);
  EXPECT_EQ(wrong_reads.load(), 0u);
  EXPECT_GT(ok_writes.load(), 1000u);
  EXPECT_GT(nospace_writes.load(), 0u);
  std::printf("%llu writes acknowledged, %llu failed with NoSpace\n",
              static_cast<unsigned long long>(ok_writes.load()),
              static_cast<unsigned long long>(nospace_writes.load()));

  auto check = [&](DB* d) {
    for (int w = 0; w < kWriters; w++) {
      for (const auto& [key, value] : acknowledged[w]) {
        std::string got;
        Status s = d->Get(key, &got);
        ASSERT_TRUE(s.ok()) << key << ": " << s.ToString();
        ASSERT_EQ(got, value) << key;
      }
    }
  };
  check(db.get());
  db.reset();
  db = test::OpenOrDie(options, dbname);
  check(db.get());
}

}  // namespace
}  // namespace strata
