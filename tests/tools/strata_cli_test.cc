// End-to-end tests of the strata tool: each runs the built binary (its path
// comes from CMake as STRATA_CLI_PATH) on a database in a temporary
// directory and checks its output and exit status: put/get/del/scan and
// load/dump round trips with binary keys and values, check naming a table
// with a flipped byte, repair bringing back the readable data after a table
// is damaged and after the MANIFEST is deleted, usage errors (exit 2), a
// locked database (reads and check work beside a writer), the dumps' JSON, the help,
// and the shell at end of input.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "strata/db.h"
#include "strata/escape.h"
#include "test_util.h"

namespace strata {
namespace {

using test::TempDir;

using test::Describe;
using Result = test::ProgramResult;

// Runs strata with args and `input` on stdin, in dir.
Result RunStrata(const TempDir& dir, const std::vector<std::string>& args,
                 const std::string& input = "") {
#ifndef STRATA_CLI_PATH
  ADD_FAILURE() << "STRATA_CLI_PATH is not defined";
  return {};
#else
  return test::RunProgram(dir, STRATA_CLI_PATH, args, input);
#endif
}

// Runs strata on the database "db" in dir.
Result Db(const TempDir& dir, std::vector<std::string> args, const std::string& input = "") {
  args.insert(args.begin(), {"--db", dir.Child("db")});
  return RunStrata(dir, args, input);
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::vector<std::string> FilesOfType(const std::string& dir, const std::string& suffix) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (name.ends_with(suffix) || (suffix == "MANIFEST" && name.starts_with(suffix))) {
      names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

// A TSV of n keys whose values hold every byte value, escaped as dump
// writes them; returns the lines, in key order.
std::vector<std::string> WriteBinaryTsv(const std::string& path, int n) {
  std::vector<std::string> lines;
  for (int i = 0; i < n; i++) {
    std::string key = "key" + std::to_string(100000 + i);
    key.push_back(static_cast<char>(i % 256));
    std::string value = "v" + std::to_string(i) + "\t\n\\";
    for (int b = 0; b < 256; b += 1 + i % 7) value.push_back(static_cast<char>(b));
    lines.push_back(EscapeBytes(key) + "\t" + EscapeBytes(value));
  }
  std::sort(lines.begin(), lines.end());
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  test::WriteFileOrDie(path, text);
  return lines;
}

void FlipByte(const std::string& file, size_t offset) {
  std::string contents = test::ReadFileOrDie(file);
  ASSERT_LT(offset, contents.size());
  contents[offset] ^= 0x5a;
  test::WriteFileOrDie(file, contents);
}

TEST(StrataCliTest, PutGetDel) {
  TempDir dir;
  EXPECT_EQ(Db(dir, {"put", "apple", "red"}).status, 0);
  Result r = Db(dir, {"get", "apple"});
  EXPECT_EQ(r.status, 0) << Describe(r);
  EXPECT_EQ(r.out, "red\n");
  EXPECT_EQ(Db(dir, {"del", "apple"}).status, 0);
  r = Db(dir, {"get", "apple"});
  EXPECT_EQ(r.status, 1) << Describe(r);
  EXPECT_NE(r.err.find("not found"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(StrataCliTest, DelRangeDeletesHalfOpenRange) {
  TempDir dir;
  for (const char* key : {"a", "b", "b\\x00", "c", "d"}) {
    ASSERT_EQ(Db(dir, {"put", key, "v"}).status, 0);
  }
  Result r = Db(dir, {"delrange", "b", "d"});
  ASSERT_EQ(r.status, 0) << Describe(r);
  r = Db(dir, {"scan", "--keys-only"});
  EXPECT_EQ(r.out, "a\nd\n") << Describe(r);
  // begin >= end deletes nothing.
  EXPECT_EQ(Db(dir, {"delrange", "d", "a"}).status, 0);
  EXPECT_EQ(Db(dir, {"scan", "--keys-only"}).out, "a\nd\n");
  // The same from the shell, with --sync, and escaped keys.
  r = Db(dir, {"shell"}, "delrange --sync a \\xff\nscan --keys-only\n");
  EXPECT_EQ(r.status, 0) << Describe(r);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(Db(dir, {"delrange", "a"}).status, 2);  // END missing: usage
  EXPECT_EQ(Db(dir, {"delrange", "\\xZZ", "b"}).status, 2);
}

TEST(StrataCliTest, BinaryKeysAndValuesAreEscaped) {
  TempDir dir;
  ASSERT_EQ(Db(dir, {"put", "a\\x00b", "\\xff\\x01\\n\\\\"}).status, 0);
  Result r = Db(dir, {"get", "a\\x00b"});
  EXPECT_EQ(r.out, "\\xff\\x01\\x0a\\\\\n") << Describe(r);
  r = Db(dir, {"get", "--raw", "a\\x00b"});
  EXPECT_EQ(r.out, std::string("\xff\x01\n\\", 4));
  r = Db(dir, {"scan"});
  EXPECT_EQ(r.out, "a\\x00b\t\\xff\\x01\\x0a\\\\\n");
  r = Db(dir, {"get", "--json", "a\\x00b"});
  nlohmann::json doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["value"], "\\xff\\x01\\x0a\\\\");
}

TEST(StrataCliTest, ScanOptions) {
  TempDir dir;
  std::string tsv;
  for (const char* key : {"a1", "b1", "b2", "b3", "c1"})
    tsv += std::string(key) + "\tv" + key + "\n";
  test::WriteFileOrDie(dir.Child("in.tsv"), tsv);
  ASSERT_EQ(Db(dir, {"load", "in.tsv"}).status, 0);

  EXPECT_EQ(Db(dir, {"scan", "--keys-only"}).out, "a1\nb1\nb2\nb3\nc1\n");
  EXPECT_EQ(Db(dir, {"scan", "--prefix", "b"}).out, "b1\tvb1\nb2\tvb2\nb3\tvb3\n");
  EXPECT_EQ(Db(dir, {"scan", "--keys-only", "--from", "b2", "--to", "c1"}).out, "b2\nb3\n");
  EXPECT_EQ(Db(dir, {"scan", "--keys-only", "--reverse", "--limit", "2"}).out, "c1\nb3\n");
  EXPECT_EQ(Db(dir, {"scan", "--keys-only", "--reverse", "--prefix", "b"}).out, "b3\nb2\nb1\n");
  EXPECT_EQ(Db(dir, {"scan", "--keys-only", "--reverse", "--to", "b2"}).out, "b1\na1\n");
  Result r = Db(dir, {"scan", "--json", "--prefix", "b", "--limit", "2"});
  nlohmann::json doc = nlohmann::json::parse(r.out);
  ASSERT_EQ(doc.size(), 2u) << r.out;
  EXPECT_EQ(doc[1]["key"], "b2");
  EXPECT_EQ(doc[1]["value"], "vb2");
}

TEST(StrataCliTest, LoadDumpRoundTripIsBinarySafe) {
  TempDir dir;
  std::vector<std::string> lines = WriteBinaryTsv(dir.Child("in.tsv"), 3000);
  Result r = Db(dir, {"load", "--batch", "100", "in.tsv"});
  ASSERT_EQ(r.status, 0) << Describe(r);
  EXPECT_NE(r.out.find("loaded 3,000 keys"), std::string::npos) << r.out;

  Result dump = Db(dir, {"dump"});
  ASSERT_EQ(dump.status, 0);
  EXPECT_EQ(Lines(dump.out), lines);

  // dump | load into another database, through stdin, in both formats.
  for (const char* format : {"tsv", "jsonl"}) {
    Result out = Db(dir, {"dump", "--format", format});
    Result in =
        RunStrata(dir, {"--db", dir.Child(std::string("copy-") + format), "load", "-"}, out.out);
    ASSERT_EQ(in.status, 0) << Describe(in);
    Result copy = RunStrata(dir, {"--db", dir.Child(std::string("copy-") + format), "dump"});
    EXPECT_EQ(copy.out, dump.out) << format;
  }
}

TEST(StrataCliTest, LoadCsvAndJsonLines) {
  TempDir dir;
  test::WriteFileOrDie(dir.Child("in.csv"),
                       "key,value\nplain,1\n\"with,comma\",\"say \"\"hi\"\"\"\n"
                       "\"multi\nline\",x\nbin\\x00,\\xff\n");
  Result r = Db(dir, {"load", "in.csv"});
  ASSERT_EQ(r.status, 0) << Describe(r);
  test::WriteFileOrDie(dir.Child("in.jsonl"), "{\"key\": \"j\\\\x01\", \"value\": \"v\"}\n");
  r = Db(dir, {"load", "in.jsonl"});
  ASSERT_EQ(r.status, 0) << Describe(r);
  EXPECT_EQ(Db(dir, {"dump"}).out,
            "bin\\x00\t\\xff\n"
            "j\\x01\tv\n"
            "multi\\x0aline\tx\n"
            "plain\t1\n"
            "with,comma\tsay \"hi\"\n");
}

TEST(StrataCliTest, LoadNamesTheBadLine) {
  TempDir dir;
  test::WriteFileOrDie(dir.Child("bad.tsv"), "a\t1\nb\t2\nno tab here\nc\t3\n");
  Result r = Db(dir, {"load", "bad.tsv"});
  EXPECT_EQ(r.status, 1) << Describe(r);
  EXPECT_NE(r.err.find("bad.tsv:3"), std::string::npos) << r.err;
  EXPECT_EQ(Db(dir, {"scan", "--keys-only"}).out, "a\nb\n");  // what came before stays
}

TEST(StrataCliTest, UsageErrorsExitTwo) {
  TempDir dir;
  ASSERT_EQ(Db(dir, {"put", "k", "v"}).status, 0);
  const std::vector<std::vector<std::string>> usage_errors = {
      {},
      {"frobnicate"},
      {"put", "only-a-key"},
      {"get"},
      {"get", "bad\\q"},
      {"scan", "--limit", "lots"},
      {"scan", "--bogus"},
      {"dump", "--format", "xml"},
      {"load", "--format", "xml", "in.txt"},
  };
  for (const auto& args : usage_errors) {
    Result r = Db(dir, args);
    std::string what = args.empty() ? "(no command)" : args[0];
    EXPECT_EQ(r.status, 2) << what << "\n" << Describe(r);
    EXPECT_EQ(r.out, "") << what;
    EXPECT_TRUE(r.err.starts_with("strata: ")) << what << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << what << ": " << r.err;
  }
}

TEST(StrataCliTest, MissingAndLockedDatabases) {
  TempDir dir;
  Result r = Db(dir, {"get", "k"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("no database"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.Child("db")));  // a read creates nothing

  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(Options(), dir.Child("db"), &db).ok());
  // Reading commands open read-only: they work beside the writer.
  ASSERT_TRUE(db->Put("k", "v").ok());
  r = Db(dir, {"get", "k"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "v\n");
  // check reads beside the writer too.
  r = Db(dir, {"check"});
  EXPECT_EQ(r.status, 0) << r.err;
  // Writing commands need the directory to themselves.
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"put", "k", "w"}, {"repair"}}) {
    r = Db(dir, args);
    EXPECT_EQ(r.status, 1) << args[0];
    EXPECT_NE(r.err.find("locked"), std::string::npos) << args[0] << ": " << r.err;
  }
}

TEST(StrataCliTest, CheckNamesTheDamagedTable) {
  TempDir dir;
  WriteBinaryTsv(dir.Child("in.tsv"), 2000);
  ASSERT_EQ(Db(dir, {"load", "in.tsv"}).status, 0);
  ASSERT_EQ(Db(dir, {"compact"}).status, 0);
  Result r = Db(dir, {"check"});
  ASSERT_EQ(r.status, 0) << Describe(r);
  EXPECT_NE(r.out.find("OK"), std::string::npos);

  std::vector<std::string> tables = FilesOfType(dir.Child("db"), ".sst");
  ASSERT_EQ(tables.size(), 1u);
  const std::string table = dir.Child("db/" + tables[0]);
  FlipByte(table, test::ReadFileOrDie(table).size() / 3);
  r = Db(dir, {"check"});
  EXPECT_EQ(r.status, 1) << Describe(r);
  EXPECT_NE(r.out.find("problem " + tables[0] + " at offset "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("checksum"), std::string::npos) << r.out;

  r = Db(dir, {"check", "--json"});
  nlohmann::json doc = nlohmann::json::parse(r.out);
  EXPECT_FALSE(doc["ok"]);
  ASSERT_EQ(doc["problems"].size(), 1u);
  EXPECT_EQ(doc["problems"][0]["file"], tables[0]);
}

TEST(StrataCliTest, RepairKeepsTheReadableDataOfADamagedTable) {
  TempDir dir;
  std::vector<std::string> lines = WriteBinaryTsv(dir.Child("in.tsv"), 2000);
  ASSERT_EQ(Db(dir, {"load", "in.tsv"}).status, 0);
  ASSERT_EQ(Db(dir, {"compact"}).status, 0);
  std::vector<std::string> tables = FilesOfType(dir.Child("db"), ".sst");
  ASSERT_EQ(tables.size(), 1u);
  const std::string table = dir.Child("db/" + tables[0]);
  FlipByte(table, test::ReadFileOrDie(table).size() / 3);

  Result r = Db(dir, {"repair", "--json"});
  ASSERT_EQ(r.status, 0) << Describe(r);
  nlohmann::json report = nlohmann::json::parse(r.out);
  EXPECT_EQ(report["tables_salvaged"], 1);
  const uint64_t lost = report["entries_lost"];
  EXPECT_GT(lost, 0u);
  EXPECT_LT(lost, 200u);
  EXPECT_TRUE(std::filesystem::exists(dir.Child("db/lost/" + tables[0])));

  EXPECT_EQ(Db(dir, {"check"}).status, 0);
  std::vector<std::string> after = Lines(Db(dir, {"dump"}).out);
  EXPECT_EQ(after.size() + lost, lines.size());
  EXPECT_TRUE(std::includes(lines.begin(), lines.end(), after.begin(), after.end()));
}

TEST(StrataCliTest, RepairRebuildsADeletedManifest) {
  TempDir dir;
  std::vector<std::string> lines = WriteBinaryTsv(dir.Child("in.tsv"), 1000);
  ASSERT_EQ(Db(dir, {"load", "in.tsv"}).status, 0);
  ASSERT_EQ(Db(dir, {"compact"}).status, 0);
  ASSERT_EQ(Db(dir, {"put", "after", "compaction"}).status, 0);  // in a WAL
  lines.push_back("after\tcompaction");
  std::sort(lines.begin(), lines.end());
  for (const auto& name : FilesOfType(dir.Child("db"), "MANIFEST")) {
    std::filesystem::remove(dir.Child("db/" + name));
  }
  Result r = Db(dir, {"dump"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("repair"), std::string::npos) << r.err;  // a hint

  r = Db(dir, {"repair"});
  ASSERT_EQ(r.status, 0) << Describe(r);
  EXPECT_NE(r.out.find("0 lost"), std::string::npos) << r.out;
  EXPECT_EQ(Lines(Db(dir, {"dump"}).out), lines);
}

TEST(StrataCliTest, FileDumps) {
  TempDir dir;
  ASSERT_EQ(Db(dir, {"put", "k1", "v1"}).status, 0);
  ASSERT_EQ(Db(dir, {"compact"}).status, 0);
  ASSERT_EQ(Db(dir, {"del", "k1"}).status, 0);

  std::vector<std::string> tables = FilesOfType(dir.Child("db"), ".sst");
  ASSERT_EQ(tables.size(), 1u);
  Result r = Db(dir, {"sst-dump", "--entries", "--json", tables[0]});
  ASSERT_EQ(r.status, 0) << Describe(r);
  nlohmann::json table = nlohmann::json::parse(r.out);
  EXPECT_EQ(table["properties"]["num_entries"], 1);
  EXPECT_EQ(table["entries"][0]["key"], "k1");
  EXPECT_EQ(table["entries"][0]["value"], "v1");

  r = Db(dir, {"manifest-dump", "--json"});
  ASSERT_EQ(r.status, 0) << Describe(r);
  nlohmann::json manifest = nlohmann::json::parse(r.out);
  ASSERT_EQ(manifest["files"].size(), 1u);
  EXPECT_EQ(manifest["files"][0]["smallest"]["key"], "k1");

  std::vector<std::string> logs = FilesOfType(dir.Child("db"), ".log");
  bool saw_delete = false;
  for (const auto& log : logs) {
    r = Db(dir, {"wal-dump", "--json", log});
    ASSERT_EQ(r.status, 0) << Describe(r);
    nlohmann::json dump = nlohmann::json::parse(r.out);
    for (const auto& record : dump["records"]) {
      for (const auto& update : record["updates"]) {
        saw_delete = saw_delete || (update["type"] == "delete" && update["key"] == "k1");
      }
    }
  }
  EXPECT_TRUE(saw_delete);
}

// Range tombstones (written through the library: the delrange command is
// another change's) in wal-dump, sst-dump, check, dump and repair.
TEST(StrataCliTest, RangeTombstonesInTheTools) {
  TempDir dir;
  {
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(Options(), dir.Child("db"), &db).ok());
    for (const char* k : {"a", "b", "c", "d"}) ASSERT_TRUE(db->Put(WriteOptions(), k, "v").ok());
    ASSERT_TRUE(db->DeleteRange(WriteOptions(), "b", "d").ok());
    // The WAL, read while the DB is open (closing may flush it away).
    bool saw_range = false;
    for (const auto& log : FilesOfType(dir.Child("db"), ".log")) {
      Result r = Db(dir, {"wal-dump", "--json", log});
      ASSERT_EQ(r.status, 0) << Describe(r);
      const nlohmann::json dump = nlohmann::json::parse(r.out);
      for (const auto& record : dump["records"]) {
        for (const auto& update : record["updates"]) {
          saw_range = saw_range || (update["type"] == "delete_range" && update["key"] == "b" &&
                                    update["end"] == "d");
        }
      }
    }
    EXPECT_TRUE(saw_range);
    // A flush (not a compaction, which would drop the tombstone with what
    // it covers) puts the tombstone in a table.
    ASSERT_TRUE(db->Flush().ok());
  }
  std::vector<std::string> tables = FilesOfType(dir.Child("db"), ".sst");
  ASSERT_EQ(tables.size(), 1u);
  Result r = Db(dir, {"sst-dump", "--json", tables[0]});
  ASSERT_EQ(r.status, 0) << Describe(r);
  nlohmann::json table = nlohmann::json::parse(r.out);
  EXPECT_EQ(table["format_version"], 2);
  ASSERT_EQ(table["range_tombstones"].size(), 1u);
  EXPECT_EQ(table["range_tombstones"][0]["key"], "b");
  EXPECT_EQ(table["range_tombstones"][0]["end"], "d");
  r = Db(dir, {"sst-dump", tables[0]});
  EXPECT_NE(r.out.find("range tombstones"), std::string::npos) << r.out;

  r = Db(dir, {"check"});
  EXPECT_EQ(r.status, 0) << Describe(r);
  EXPECT_EQ(Lines(Db(dir, {"dump"}).out), (std::vector<std::string>{"a\tv", "d\tv"}));
  for (const auto& name : FilesOfType(dir.Child("db"), "MANIFEST")) {
    std::filesystem::remove(dir.Child("db/" + name));
  }
  r = Db(dir, {"repair"});
  ASSERT_EQ(r.status, 0) << Describe(r);
  EXPECT_EQ(Lines(Db(dir, {"dump"}).out), (std::vector<std::string>{"a\tv", "d\tv"}));
}

TEST(StrataCliTest, HelpIsComplete) {
  TempDir dir;
  Result r = RunStrata(dir, {"--help"});
  ASSERT_EQ(r.status, 0);
  const std::vector<std::string> commands = {
      "put",   "get",    "del",      "delrange", "scan",          "load",    "dump", "stats",
      "check", "repair", "sst-dump", "wal-dump", "manifest-dump", "compact", "shell"};
  for (const auto& command : commands) {
    EXPECT_NE(r.out.find("  " + command + " "), std::string::npos) << command;
    Result help = RunStrata(dir, {command, "--help"});
    EXPECT_EQ(help.status, 0) << command;
    EXPECT_NE(help.out.find("Usage: strata " + command), std::string::npos) << help.out;
    EXPECT_NE(help.out.find("--db"), std::string::npos) << command;
  }
  EXPECT_NE(r.out.find("bench"), std::string::npos);
}

TEST(StrataCliTest, ShellRunsCommandsAndStopsAtEndOfInput) {
  TempDir dir;
  Result r = Db(dir, {"shell"}, "put 'a key' \"a\\x00value\"\nget 'a key'\n\nscan --keys-only\n");
  EXPECT_EQ(r.status, 0) << Describe(r);
  EXPECT_EQ(r.out, "a\\x00value\na key\n");
  r = Db(dir, {"shell"}, "get missing\nget 'a key'\n");
  EXPECT_EQ(r.status, 1) << Describe(r);  // a command failed
  EXPECT_EQ(r.out, "a\\x00value\n");
  r = Db(dir, {"shell"}, "");
  EXPECT_EQ(r.status, 0) << Describe(r);
}

}  // namespace
}  // namespace strata
