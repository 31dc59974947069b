// The scenario of issue 13's DEL/garbage-collection requirement, shared by
// the unit test (100k fields) and the stress test (1M): a server with a
// baseline of string keys; a hash of `fields` fields made with HSET of 1000
// fields per command; DEL of the hash, timed; a full compaction; and the
// data directory's size at each step (after a flush and full compaction, so
// WALs and overlapping tables do not count).
//
// Thread-safety: one scenario per harness, on one thread.

#ifndef STRATA_TESTS_SERVER_HASH_GC_SCENARIO_H_
#define STRATA_TESTS_SERVER_HASH_GC_SCENARIO_H_

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "server_harness.h"

namespace strata::server {

struct HashGcFigures {
  uint64_t bytes_before = 0;  // baseline keys only
  uint64_t bytes_with_hash = 0;
  uint64_t bytes_after = 0;  // after DEL and a full compaction
  double hset_seconds = 0;
  double del_micros = 0;
  double compact_seconds = 0;
};

inline uint64_t DirectoryBytes(const std::string& dir) {
  uint64_t total = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file()) total += entry.file_size();
  }
  return total;
}

// Flushes and compacts everything, then measures the data directory.
inline uint64_t CompactedBytes(ServerHarness& h) {
  EXPECT_TRUE(h.state()->db()->CompactRange(nullptr, nullptr).ok());
  return DirectoryBytes(h.config()->dir());
}

inline HashGcFigures RunHashGcScenario(ServerHarness& h, int fields) {
  using Clock = std::chrono::steady_clock;
  HashGcFigures f;
  // The baseline: 20,000 strings of 100 bytes (about 2.4 MB of data).
  for (int batch = 0; batch < 20; batch++) {
    std::vector<std::string> argv = {"MSET"};
    for (int i = 0; i < 1000; i++) {
      argv.push_back("base:" + std::to_string(batch * 1000 + i));
      argv.push_back(std::string(100, 'b'));
    }
    EXPECT_EQ(h.Run(argv), "+OK\r\n");
  }
  f.bytes_before = CompactedBytes(h);

  auto start = Clock::now();
  for (int done = 0; done < fields; done += 1000) {
    std::vector<std::string> argv = {"HSET", "big"};
    for (int i = done; i < done + 1000 && i < fields; i++) {
      argv.push_back("field:" + std::to_string(i));
      argv.push_back("value:" + std::to_string(i));
    }
    std::string reply = h.Run(argv);
    EXPECT_EQ(reply[0], ':') << reply;
  }
  f.hset_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_EQ(h.Run({"HLEN", "big"}), ":" + std::to_string(fields) + "\r\n");
  f.bytes_with_hash = CompactedBytes(h);

  start = Clock::now();
  std::string reply = h.Run({"DEL", "big"});
  f.del_micros = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
  EXPECT_EQ(reply, ":1\r\n");
  EXPECT_EQ(h.Run({"EXISTS", "big"}), ":0\r\n");

  start = Clock::now();
  f.bytes_after = CompactedBytes(h);
  f.compact_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_EQ(h.Run({"GET", "base:19999"}), "$100\r\n" + std::string(100, 'b') + "\r\n");
  std::printf(
      "hash gc, %d fields: HSET %.2f s; bytes before %llu, with hash %llu, after DEL + full "
      "compaction %llu; DEL %.1f us; compaction %.2f s\n",
      fields, f.hset_seconds, static_cast<unsigned long long>(f.bytes_before),
      static_cast<unsigned long long>(f.bytes_with_hash),
      static_cast<unsigned long long>(f.bytes_after), f.del_micros, f.compact_seconds);
  return f;
}

}  // namespace strata::server

#endif  // STRATA_TESTS_SERVER_HASH_GC_SCENARIO_H_
