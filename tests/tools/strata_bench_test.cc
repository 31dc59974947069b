// Tests for the strata-bench binary (tools/strata-bench): runs it with a tiny
// --num on each engine it was built with, every workload, and checks that it
// exits 0, that the JSON report has every figure for every workload, and
// that the SVG chart is written; then --threads (db_bench's meaning),
// --threads_curve, --repeat (medians, alternating engines, engine processes
// with their peak memory, the settings read back) and --one_db with the
// tree shape. Also checks that bad flags exit 2.
// STRATA_BENCH_PATH (the binary) comes from tests/CMakeLists.txt.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <numeric>
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
  // writes every key, so YCSB C (reads only) finds them all, 1000 reads on
  // each of the 2 threads.
  EXPECT_GT(results[3]["found"].get<uint64_t>(), 1000u);
  EXPECT_EQ(0u, results[4]["found"].get<uint64_t>());
  EXPECT_TRUE(results[9].contains("background_writes"));
  EXPECT_EQ(2000u, results[14]["found"].get<uint64_t>());

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

// --threads as db_bench means it (issue 11): every thread does the whole
// --num or --reads, except ycsbload (each key once, split among the threads)
// and compact (one operation). µs/op is each thread's own time per
// operation, so it is not wall time over operations.
TEST(StrataBenchThreadsTest, EveryThreadDoesEveryOperation) {
  test::TempDir dir;
  std::string args =
      "--engines strata --num 1000 --reads 400 --threads 3 --db " + dir.Child("db") +
      " --benchmarks fillseq,fillrandom,readrandom,readseq,ycsbload,compact --json " +
      dir.Child("out.json") + " --no-progress";
  ASSERT_EQ(0, RunBench(dir, args)) << test::ReadFileOrDie(dir.Child("output.txt"));
  nlohmann::json results =
      nlohmann::json::parse(test::ReadFileOrDie(dir.Child("out.json")))["results"];
  ASSERT_EQ(6u, results.size());
  EXPECT_EQ(3000u, results[0]["ops"].get<uint64_t>());  // fillseq: [0, 1000) on each thread
  EXPECT_EQ(3000u, results[1]["ops"].get<uint64_t>());
  EXPECT_EQ(1200u, results[2]["ops"].get<uint64_t>());
  EXPECT_EQ(1200u, results[3]["ops"].get<uint64_t>());  // each thread scans 400 entries
  EXPECT_EQ(1200u, results[3]["found"].get<uint64_t>());
  EXPECT_EQ(1000u, results[4]["ops"].get<uint64_t>());  // ycsbload: every key once in all
  EXPECT_EQ(1u, results[5]["ops"].get<uint64_t>());
  for (const nlohmann::json& r : results) {
    EXPECT_EQ(3, r["threads"].get<int>()) << r["workload"];
    // µs/op sums each thread's own span, each within the wall time: at
    // most 3 (1 for compact) times wall time per operation.
    int threads = r["workload"] == "compact" ? 1 : 3;
    double wall_micros_per_op = r["seconds"].get<double>() * 1e6 / r["ops"].get<double>();
    EXPECT_GT(r["micros_per_op"].get<double>(), 0) << r["workload"];
    EXPECT_LE(r["micros_per_op"].get<double>(), threads * wall_micros_per_op * 1.000001)
        << r["workload"];
  }
}

// --threads_curve runs everything at each thread count; the summary and
// the Markdown report show the curve.
TEST(StrataBenchThreadsTest, ThreadsCurve) {
  test::TempDir dir;
  std::string args = "--engines strata --num 500 --threads_curve 1,2 --db " + dir.Child("db") +
                     " --benchmarks fillrandom,readrandom --json " + dir.Child("out.json") +
                     " --markdown " + dir.Child("out.md") + " --no-progress";
  ASSERT_EQ(0, RunBench(dir, args)) << test::ReadFileOrDie(dir.Child("output.txt"));
  nlohmann::json report = nlohmann::json::parse(test::ReadFileOrDie(dir.Child("out.json")));
  ASSERT_EQ(4u, report["results"].size());
  ASSERT_EQ(4u, report["summary"].size());
  EXPECT_EQ(1, report["summary"][0]["threads"].get<int>());
  EXPECT_EQ(2, report["summary"][2]["threads"].get<int>());
  EXPECT_EQ(500u, report["results"][0]["ops"].get<uint64_t>());
  EXPECT_EQ(1000u, report["results"][2]["ops"].get<uint64_t>());
  std::string markdown = test::ReadFileOrDie(dir.Child("out.md"));
  EXPECT_NE(std::string::npos, markdown.find("Scaling")) << markdown;
  EXPECT_NE(std::string::npos, markdown.find("2 threads")) << markdown;
}

// --repeat N runs each engine N times, alternating engines, and reports
// every run plus medians, min and max; ratios are ratios of medians. Every
// engine runs in a process of its own, reporting its peak memory per
// workload, and the settings every engine runs with are read back and match
// what was asked for.
TEST(StrataBenchRepeatTest, RepeatsAlternatingEnginesAndReportsMedians) {
  std::vector<std::string> engines = AvailableEngines();
  test::TempDir dir;
  std::string args = "--engines " + Join(engines) + " --repeat 3 --num 1000 --db " +
                     dir.Child("db") + " --benchmarks fillrandom,readrandom --json " +
                     dir.Child("out.json") + " --markdown " + dir.Child("out.md") +
                     " --no-progress";
  ASSERT_EQ(0, RunBench(dir, args)) << test::ReadFileOrDie(dir.Child("output.txt"));
  std::string output = test::ReadFileOrDie(dir.Child("output.txt"));
  EXPECT_EQ(std::string::npos, output.find("WARNING")) << output;
  nlohmann::json report = nlohmann::json::parse(test::ReadFileOrDie(dir.Child("out.json")));

  const nlohmann::json& results = report["results"];
  ASSERT_EQ(3 * engines.size() * 2, results.size());
  for (size_t i = 0; i < results.size(); i++) {
    const nlohmann::json& r = results[i];
    // Repetition by repetition, the engines in turn, two workloads each.
    EXPECT_EQ(static_cast<int>(i / (2 * engines.size())) + 1, r["repetition"].get<int>());
    EXPECT_EQ(engines[(i / 2) % engines.size()], r["engine"].get<std::string>());
    EXPECT_GT(r["peak_rss_bytes"].get<uint64_t>(), 1u << 20);
    EXPECT_FALSE(r["peak_rss_is_cumulative"].get<bool>());
  }

  const nlohmann::json& summary = report["summary"];
  ASSERT_EQ(2 * engines.size(), summary.size());
  for (const nlohmann::json& s : summary) {
    SCOPED_TRACE(s.dump());
    EXPECT_EQ(3u, s["runs"].get<size_t>());
    for (const char* figure : {"ops_per_sec", "micros_per_op"}) {
      EXPECT_LE(s[figure]["min"].get<double>(), s[figure]["median"].get<double>());
      EXPECT_LE(s[figure]["median"].get<double>(), s[figure]["max"].get<double>());
    }
    // The median is one of the three runs' ops/s.
    std::vector<double> runs;
    for (const nlohmann::json& r : results) {
      if (r["engine"] == s["engine"] && r["workload"] == s["workload"]) {
        runs.push_back(r["ops_per_sec"].get<double>());
      }
    }
    ASSERT_EQ(3u, runs.size());
    std::sort(runs.begin(), runs.end());
    EXPECT_DOUBLE_EQ(runs[1], s["ops_per_sec"]["median"].get<double>());
    EXPECT_EQ(engines.size() - 1, s["ratios"].size());
  }
  if (engines.size() > 1) {
    double ratio = summary[0]["ratios"][engines[1]].get<double>();
    EXPECT_DOUBLE_EQ(summary[0]["ops_per_sec"]["median"].get<double>() /
                         summary[1]["ops_per_sec"]["median"].get<double>(),
                     ratio);
  }

  for (const nlohmann::json& e : report["engines"]) {
    SCOPED_TRACE(e.dump());
    for (const auto& [name, value] : report["settings_requested"].items()) {
      EXPECT_EQ(value, e["settings"][name]) << name;
    }
  }
  std::string markdown = test::ReadFileOrDie(dir.Child("out.md"));
  EXPECT_NE(std::string::npos, markdown.find("| fillrandom |")) << markdown;
  EXPECT_NE(std::string::npos, markdown.find("peak RSS")) << markdown;
}

// --one_db runs the whole sequence on one database (issue 11's shape):
// fillrandom writes over what fillseq wrote, so readrandom finds every key;
// without it fillrandom starts afresh and misses about a third (random keys
// with replacement). The tree shape is printed and kept before each read.
TEST(StrataBenchOneDbTest, SequenceOnOneDatabaseWithTreeShape) {
  for (bool one_db : {true, false}) {
    SCOPED_TRACE(one_db);
    test::TempDir dir;
    std::string args = "--engines " + Join(AvailableEngines()) +
                       " --num 3000 --write_buffer_size 65536 --db " + dir.Child("db") +
                       " --benchmarks fillseq,fillrandom,readrandom --json " +
                       dir.Child("out.json") + " --no-progress" + (one_db ? " --one_db" : "");
    ASSERT_EQ(0, RunBench(dir, args)) << test::ReadFileOrDie(dir.Child("output.txt"));
    std::string output = test::ReadFileOrDie(dir.Child("output.txt"));
    EXPECT_NE(std::string::npos, output.find("tree before the reads: L")) << output;
    nlohmann::json report = nlohmann::json::parse(test::ReadFileOrDie(dir.Child("out.json")));
    for (const nlohmann::json& r : report["results"]) {
      if (r["workload"] != "readrandom") {
        EXPECT_FALSE(r.contains("files_per_level_before"));
        continue;
      }
      SCOPED_TRACE(r["engine"].get<std::string>());
      if (one_db) {
        EXPECT_EQ(3000u, r["found"].get<uint64_t>());
      } else {
        EXPECT_LT(r["found"].get<uint64_t>(), 2500u);
      }
      // 64 KiB write buffers: the fills left table files.
      std::vector<int> files = r["files_per_level_before"].get<std::vector<int>>();
      EXPECT_GE(files.size(), 2u);
      EXPECT_GT(std::accumulate(files.begin(), files.end(), 0), 0);
    }
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
