// Tests for the strata-bench binary (tools/strata-bench): runs it with a tiny
// --num on each engine it was built with, every workload, and checks that it
// exits 0, that the JSON report has every figure for every workload, and
// that the SVG chart is written. Also checks that bad flags exit 2.
// STRATA_BENCH_PATH (the binary) comes from tests/CMakeLists.txt.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine.h"
#include "test_util.h"

namespace strata::bench {
namespace {

const std::vector<std::string> kWorkloads = {
    "fillseq",  "fillrandom",  "overwrite",  "readrandom",   "readmissing",
    "readseq",  "readreverse", "seekrandom", "deleterandom", "readwhilewriting",
    "fillsync", "ycsbload",    "ycsba",      "ycsbb",        "ycsbc",
    "ycsbd",    "ycsbe",       "ycsbf"};

std::string Join(const std::vector<std::string>& items) {
  std::string joined;
  for (const std::string& item : items) joined += (joined.empty() ? "" : ",") + item;
  return joined;
}

// Runs strata-bench with args, its output in dir/output.txt; returns the
// exit code.
int RunBench(const test::TempDir& dir, const std::string& args) {
  std::string command =
      std::string(STRATA_BENCH_PATH) + " " + args + " > " + dir.Child("output.txt") + " 2>&1";
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class StrataBenchTest : public ::testing::TestWithParam<std::string> {};

TEST_P(StrataBenchTest, RunsEveryWorkloadAndReportsEveryFigure) {
  const std::string& engine = GetParam();
  test::TempDir dir;
  std::string args = "--engines " + engine + " --num 3000 --reads 1000 --threads 2 --db " +
                     dir.Child("db") + " --benchmarks " + Join(kWorkloads) + " --json " +
                     dir.Child("out.json") + " --svg " + dir.Child("out.svg") + " --no-progress";
  ASSERT_EQ(0, RunBench(dir, args)) << test::ReadFileOrDie(dir.Child("output.txt"));

  nlohmann::json report = nlohmann::json::parse(test::ReadFileOrDie(dir.Child("out.json")));
  EXPECT_EQ(3000, report["config"]["num"]);
  EXPECT_EQ(100, report["config"]["value_size"]);
  EXPECT_EQ("snappy", report["config"]["compression"]);
  ASSERT_EQ(1u, report["engines"].size());
  EXPECT_EQ(engine, report["engines"][0]["name"]);
  EXPECT_FALSE(report["engines"][0]["version"].get<std::string>().empty());

  const nlohmann::json& results = report["results"];
  ASSERT_EQ(kWorkloads.size(), results.size());
  for (size_t i = 0; i < kWorkloads.size(); i++) {
    const nlohmann::json& r = results[i];
    SCOPED_TRACE(kWorkloads[i]);
    EXPECT_EQ(kWorkloads[i], r["workload"]);
    EXPECT_EQ(engine, r["engine"]);
    EXPECT_GT(r["ops"].get<uint64_t>(), 0u);
    for (const char* field : {"seconds", "micros_per_op", "ops_per_sec"}) {
      EXPECT_GT(r[field].get<double>(), 0) << field;
    }
    EXPECT_GE(r["mb_per_sec"].get<double>(), 0);
    const nlohmann::json& latency = r["latency_us"];
    for (const char* p : {"min", "mean", "p50", "p90", "p99", "p99.9", "max"}) {
      ASSERT_TRUE(latency.contains(p)) << p;
    }
    EXPECT_LE(latency["p50"].get<double>(), latency["p99"].get<double>());
    EXPECT_LE(latency["p99"].get<double>(), latency["p99.9"].get<double>());
    EXPECT_LE(latency["p99.9"].get<double>(), latency["max"].get<double>());
    EXPECT_TRUE(r["ratios"].is_object());
    EXPECT_GT(r["disk_bytes"].get<uint64_t>(), 0u);
    if (engine == "strata") {
      ASSERT_TRUE(r.contains("engine_stats"));
      EXPECT_GT(r["engine_stats"]["write_amplification"].get<double>(), 0);
      EXPECT_TRUE(r["engine_stats"].contains("stall_micros"));
      EXPECT_TRUE(r["engine_stats"].contains("table_bytes"));
    }
  }
  // readrandom after fillrandom and overwrite (random keys, with
  // replacement) finds most keys; readmissing finds none; the YCSB load
  // writes every key, so YCSB C (reads only) finds them all.
  EXPECT_GT(results[3]["found"].get<uint64_t>(), 500u);
  EXPECT_EQ(0u, results[4]["found"].get<uint64_t>());
  EXPECT_TRUE(results[9].contains("background_writes"));
  EXPECT_EQ(1000u, results[14]["found"].get<uint64_t>());

  std::string svg = test::ReadFileOrDie(dir.Child("out.svg"));
  EXPECT_EQ(0u, svg.find("<svg"));
  EXPECT_NE(std::string::npos, svg.find("</svg>"));
  EXPECT_NE(std::string::npos, svg.find("ycsbf"));
}

// deleterange and deleteall (issue 17): n/a on LevelDB, which has no
// DeleteRange; elsewhere the ranges delete keys, and one DeleteRange of the
// key space leaves reads finding nothing and a compaction giving the space
// back.
TEST_P(StrataBenchTest, DeleteRangeWorkloads) {
  const std::string& engine = GetParam();
  test::TempDir dir;
  const std::vector<std::string> workloads = {"fillseq", "deleterange", "readrandom", "seekrandom",
                                              "fillseq", "deleteall",   "readrandom", "compact"};
  std::string args = "--engines " + engine + " --num 3000 --reads 1000 --num_ranges 100 --db " +
                     dir.Child("db") + " --benchmarks " + Join(workloads) + " --json " +
                     dir.Child("out.json") + " --no-progress";
  ASSERT_EQ(0, RunBench(dir, args)) << test::ReadFileOrDie(dir.Child("output.txt"));
  std::string output = test::ReadFileOrDie(dir.Child("output.txt"));
  nlohmann::json results =
      nlohmann::json::parse(test::ReadFileOrDie(dir.Child("out.json")))["results"];
  if (engine == "leveldb") {
    EXPECT_NE(std::string::npos, output.find("deleterange      : n/a")) << output;
    EXPECT_NE(std::string::npos, output.find("deleteall        : n/a")) << output;
    ASSERT_EQ(workloads.size() - 2, results.size());
    return;
  }
  ASSERT_EQ(workloads.size(), results.size()) << output;
  EXPECT_EQ(100u, results[1]["ops"].get<uint64_t>());
  // 100 ranges of 1-100 keys (about 5000 deletions, overlapping) leave
  // about e^(-5000/3000), a fifth, of 3000 keys.
  EXPECT_LT(results[2]["found"].get<uint64_t>(), 700u);
  EXPECT_GT(results[2]["found"].get<uint64_t>(), 20u);
  EXPECT_EQ(1u, results[5]["ops"].get<uint64_t>());
  EXPECT_EQ(0u, results[6]["found"].get<uint64_t>());
  EXPECT_LT(results[7]["disk_bytes"].get<uint64_t>(), results[4]["disk_bytes"].get<uint64_t>());
}

INSTANTIATE_TEST_SUITE_P(Engines, StrataBenchTest, ::testing::ValuesIn(AvailableEngines()),
                         [](const auto& info) { return info.param; });

TEST(StrataBenchFlagsTest, ComparesEveryEngineInOneRun) {
  std::vector<std::string> engines = AvailableEngines();
  if (engines.size() < 2) GTEST_SKIP() << "built with StrataDB alone";
  test::TempDir dir;
  std::string args = "--engines " + Join(engines) +
                     " --num 2000 --benchmarks fillrandom,readrandom --db " + dir.Child("db") +
                     " --json " + dir.Child("out.json") + " --no-progress";
  ASSERT_EQ(0, RunBench(dir, args)) << test::ReadFileOrDie(dir.Child("output.txt"));
  nlohmann::json report = nlohmann::json::parse(test::ReadFileOrDie(dir.Child("out.json")));
  ASSERT_EQ(2 * engines.size(), report["results"].size());
  for (const nlohmann::json& r : report["results"]) {
    EXPECT_EQ(engines.size() - 1, r["ratios"].size()) << r["engine"];
  }
  std::string output = test::ReadFileOrDie(dir.Child("output.txt"));
  for (const std::string& engine : engines) {
    EXPECT_NE(std::string::npos, output.find("vs " + engine)) << output;
  }
}

TEST(StrataBenchFlagsTest, RejectsUnknownNames) {
  test::TempDir dir;
  EXPECT_EQ(2, RunBench(dir, "--benchmarks fillrandom,nosuchworkload"));
  EXPECT_EQ(2, RunBench(dir, "--engines nosuchengine"));
  EXPECT_EQ(2, RunBench(dir, "--compression brotli"));
  EXPECT_EQ(0, RunBench(dir, "--list"));
  EXPECT_NE(std::string::npos, test::ReadFileOrDie(dir.Child("output.txt")).find("ycsbe"));
}

}  // namespace
}  // namespace strata::bench
