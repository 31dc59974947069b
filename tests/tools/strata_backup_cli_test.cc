// End-to-end tests of the strata tool's copy commands, running the built
// binary (STRATA_CLI_PATH) as strata_cli_test does: checkpoint (a copy that
// opens, an existing target refused), and backup create, list (text and
// JSON), verify (naming a damaged file, exit 1), restore (refusing a damaged
// backup), purge --keep, and their help.

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "test_util.h"

namespace strata {
namespace {

using test::Describe;
using test::TempDir;
using Result = test::ProgramResult;

Result RunStrata(const TempDir& dir, const std::vector<std::string>& args) {
#ifndef STRATA_CLI_PATH
  ADD_FAILURE() << "STRATA_CLI_PATH is not defined";
  return {};
#else
  return test::RunProgram(dir, STRATA_CLI_PATH, args);
#endif
}

Result Db(const TempDir& dir, const std::string& db, std::vector<std::string> args) {
  args.insert(args.begin(), {"--db", dir.Child(db)});
  return RunStrata(dir, args);
}

TEST(StrataBackupCliTest, Checkpoint) {
  TempDir dir;
  ASSERT_EQ(Db(dir, "db", {"put", "k", "v1"}).status, 0);
  Result r = Db(dir, "db", {"checkpoint", dir.Child("copy")});
  ASSERT_EQ(r.status, 0) << Describe(r);
  ASSERT_EQ(Db(dir, "db", {"put", "k", "v2"}).status, 0);
  r = Db(dir, "copy", {"get", "k"});
  EXPECT_EQ(r.status, 0) << Describe(r);
  EXPECT_EQ(r.out, "v1\n");
  r = Db(dir, "db", {"checkpoint", dir.Child("copy")});
  EXPECT_EQ(r.status, 1) << Describe(r);
  EXPECT_NE(r.err.find("exists"), std::string::npos) << r.err;
  r = Db(dir, "db", {"checkpoint"});
  EXPECT_EQ(r.status, 2) << Describe(r);
}

TEST(StrataBackupCliTest, CreateListVerifyRestorePurge) {
  TempDir dir;
  const std::string backups = dir.Child("backups");
  ASSERT_EQ(Db(dir, "db", {"put", "a", "1"}).status, 0);
  Result r = Db(dir, "db", {"backup", "create", backups});
  ASSERT_EQ(r.status, 0) << Describe(r);
  EXPECT_NE(r.out.find("backup 1"), std::string::npos) << r.out;
  ASSERT_EQ(Db(dir, "db", {"put", "b", "2"}).status, 0);
  r = RunStrata(dir, {"--db", dir.Child("db"), "backup", "create", backups});
  ASSERT_EQ(r.status, 0) << Describe(r);

  r = RunStrata(dir, {"backup", "list", backups, "--json"});
  ASSERT_EQ(r.status, 0) << Describe(r);
  nlohmann::json list = nlohmann::json::parse(r.out);
  ASSERT_EQ(list["backups"].size(), 2u);
  EXPECT_EQ(list["backups"][0]["id"], 1);
  EXPECT_EQ(list["backups"][1]["id"], 2);
  EXPECT_LT(list["backups"][1]["new_bytes"].get<uint64_t>(),
            list["backups"][1]["bytes"].get<uint64_t>());
  r = RunStrata(dir, {"backup", "list", backups});
  EXPECT_NE(r.out.find("backup 2"), std::string::npos) << r.out;

  r = RunStrata(dir, {"backup", "verify", backups});
  EXPECT_EQ(r.status, 0) << Describe(r);
  EXPECT_EQ(r.out, "backup 1: ok\nbackup 2: ok\n");

  r = RunStrata(dir, {"backup", "restore", backups, dir.Child("r1"), "--id", "1"});
  ASSERT_EQ(r.status, 0) << Describe(r);
  r = Db(dir, "r1", {"scan"});
  EXPECT_EQ(r.out, "a\t1\n") << Describe(r);
  r = RunStrata(dir, {"backup", "restore", backups, dir.Child("r2")});  // the newest
  ASSERT_EQ(r.status, 0) << Describe(r);
  r = Db(dir, "r2", {"scan"});
  EXPECT_EQ(r.out, "a\t1\nb\t2\n") << Describe(r);

  // Damage a table of backup 2 (the newest table is backup 2's alone).
  std::string newest;
  for (const auto& entry : std::filesystem::directory_iterator(backups + "/shared")) {
    if (entry.path().filename().string() > newest) newest = entry.path().filename().string();
  }
  test::XorByteOrDie(backups + "/shared/" + newest, 3, 0x20);
  r = RunStrata(dir, {"backup", "verify", backups});
  EXPECT_EQ(r.status, 1) << Describe(r);
  EXPECT_NE(r.out.find("backup 1: ok"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("backup 2: DAMAGED"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(newest), std::string::npos) << r.out;
  r = RunStrata(dir, {"backup", "restore", backups, dir.Child("r3")});
  EXPECT_EQ(r.status, 1) << Describe(r);
  EXPECT_NE(r.err.find(newest), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.Child("r3")));

  r = RunStrata(dir, {"backup", "purge", backups, "--keep", "1"});
  ASSERT_EQ(r.status, 0) << Describe(r);
  EXPECT_EQ(r.out, "removed 1 backup, kept 1\n");
  r = RunStrata(dir, {"backup", "purge", backups});
  EXPECT_EQ(r.status, 2) << Describe(r);  // --keep is required
}

TEST(StrataBackupCliTest, Help) {
  TempDir dir;
  Result r = RunStrata(dir, {"--help"});
  ASSERT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("  checkpoint "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  backup "), std::string::npos) << r.out;
  for (const char* sub : {"create", "list", "verify", "restore", "purge"}) {
    Result help = RunStrata(dir, {"backup", sub, "--help"});
    EXPECT_EQ(help.status, 0) << sub << Describe(help);
    EXPECT_NE(help.out.find("BACKUP_DIR"), std::string::npos) << sub;
  }
}

}  // namespace
}  // namespace strata
