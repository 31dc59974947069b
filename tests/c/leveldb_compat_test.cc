// Tests of libstrata-leveldb (LevelDB's C API on StrataDB) beyond LevelDB's
// own c_test.c (tests/c/leveldb_c_test.sh): where it promises more than
// LevelDB (leveldb_close with live iterators and snapshots, comparators
// destroyed while in use), LevelDB's defaults, the leveldb.* property names,
// and a real LevelDB directory failing to open with a clear error.
//
// Linked to libstrata-leveldb.so alone (not strata_static), as a LevelDB
// program would be; see tests/CMakeLists.txt.

#include "leveldb/c.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "test_util.h"

namespace {

using strata::test::TempDir;

std::string TakeError(char** err) {
  std::string result = *err == nullptr ? "" : *err;
  leveldb_free(*err);
  *err = nullptr;
  return result;
}

class LevelDBCompatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_ = leveldb_options_create();
    leveldb_options_set_create_if_missing(options_, 1);
    ropts_ = leveldb_readoptions_create();
    wopts_ = leveldb_writeoptions_create();
  }
  void TearDown() override {
    leveldb_writeoptions_destroy(wopts_);
    leveldb_readoptions_destroy(ropts_);
    leveldb_options_destroy(options_);
  }
  leveldb_t* Open() {
    char* err = nullptr;
    leveldb_t* db = leveldb_open(options_, path_.c_str(), &err);
    EXPECT_EQ(err, nullptr) << TakeError(&err);
    return db;
  }
  void Put(leveldb_t* db, const std::string& k, const std::string& v) {
    char* err = nullptr;
    leveldb_put(db, wopts_, k.data(), k.size(), v.data(), v.size(), &err);
    ASSERT_EQ(err, nullptr) << TakeError(&err);
  }
  std::string Get(leveldb_t* db, const std::string& k) {
    char* err = nullptr;
    size_t len = 0;
    char* v = leveldb_get(db, ropts_, k.data(), k.size(), &len, &err);
    EXPECT_EQ(err, nullptr) << TakeError(&err);
    if (v == nullptr) return "(absent)";
    std::string result(v, len);
    leveldb_free(v);
    return result;
  }

  TempDir dir_;
  std::string path_ = dir_.Child("db");
  leveldb_options_t* options_ = nullptr;
  leveldb_readoptions_t* ropts_ = nullptr;
  leveldb_writeoptions_t* wopts_ = nullptr;
};

TEST_F(LevelDBCompatTest, CreateIfMissingIsOffByDefaultAsInLevelDB) {
  leveldb_options_t* defaults = leveldb_options_create();
  char* err = nullptr;
  EXPECT_EQ(leveldb_open(defaults, path_.c_str(), &err), nullptr);
  EXPECT_NE(TakeError(&err).find("does not exist"), std::string::npos);
  leveldb_options_destroy(defaults);
}

TEST_F(LevelDBCompatTest, CloseWithLiveIteratorAndSnapshotClosesAtTheLastRelease) {
  leveldb_t* db = Open();
  ASSERT_NE(db, nullptr);
  Put(db, "a", "1");
  Put(db, "b", "2");
  leveldb_iterator_t* it = leveldb_create_iterator(db, ropts_);
  const leveldb_snapshot_t* snap = leveldb_create_snapshot(db);
  leveldb_close(db);  // cannot fail: the DB stays open for its children

  // Still open: the directory is locked, so a second open fails...
  char* err = nullptr;
  EXPECT_EQ(leveldb_open(options_, path_.c_str(), &err), nullptr);
  EXPECT_NE(err, nullptr);
  TakeError(&err);
  // ...and the children work.
  leveldb_iter_seek_to_first(it);
  ASSERT_TRUE(leveldb_iter_valid(it));
  size_t len;
  const char* key = leveldb_iter_key(it, &len);
  EXPECT_EQ(std::string(key, len), "a");
  leveldb_iter_destroy(it);
  leveldb_release_snapshot(db, snap);  // the last one: the DB closes now

  leveldb_t* again = Open();
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(Get(again, "b"), "2");
  leveldb_close(again);
}

int destructor_calls = 0;
void CountDestructor(void*) { destructor_calls++; }
int Compare(void*, const char* a, size_t alen, const char* b, size_t blen) {
  int r = std::memcmp(a, b, alen < blen ? alen : blen);
  if (r == 0) r = alen < blen ? -1 : (alen > blen ? 1 : 0);
  return r;
}
const char* Name(void*) { return "test.Memcmp"; }

TEST_F(LevelDBCompatTest, ComparatorDestroyedWhileInUseIsSafe) {
  destructor_calls = 0;
  leveldb_comparator_t* cmp = leveldb_comparator_create(nullptr, CountDestructor, Compare, Name);
  leveldb_options_set_comparator(options_, cmp);
  leveldb_t* db = Open();
  ASSERT_NE(db, nullptr);
  leveldb_comparator_destroy(cmp);
  leveldb_options_destroy(options_);
  options_ = leveldb_options_create();
  EXPECT_EQ(destructor_calls, 0);  // the DB still uses it
  Put(db, "k", "v");
  EXPECT_EQ(Get(db, "k"), "v");
  leveldb_close(db);
  EXPECT_EQ(destructor_calls, 1);
}

TEST_F(LevelDBCompatTest, LevelDBPropertyNamesMapToStrataDBs) {
  leveldb_t* db = Open();
  ASSERT_NE(db, nullptr);
  Put(db, "k", "v");
  leveldb_compact_range(db, nullptr, 0, nullptr, 0);
  for (const char* name : {"leveldb.stats", "leveldb.sstables", "leveldb.num-files-at-level0",
                           "leveldb.approximate-memory-usage", "strata.stats"}) {
    char* value = leveldb_property_value(db, name);
    EXPECT_NE(value, nullptr) << name;
    leveldb_free(value);
  }
  EXPECT_EQ(leveldb_property_value(db, "leveldb.no-such-property"), nullptr);
  leveldb_close(db);
}

TEST_F(LevelDBCompatTest, IteratorOverReleasedSnapshotReportsTheError) {
  leveldb_t* db = Open();
  ASSERT_NE(db, nullptr);
  const leveldb_snapshot_t* snap = leveldb_create_snapshot(db);
  leveldb_readoptions_set_snapshot(ropts_, snap);
  leveldb_release_snapshot(db, snap);
  leveldb_iterator_t* it = leveldb_create_iterator(db, ropts_);
  ASSERT_NE(it, nullptr);
  leveldb_iter_seek_to_first(it);
  EXPECT_FALSE(leveldb_iter_valid(it));
  char* err = nullptr;
  leveldb_iter_get_error(it, &err);
  EXPECT_NE(TakeError(&err).find("released"), std::string::npos);
  leveldb_iter_destroy(it);
  leveldb_readoptions_set_snapshot(ropts_, nullptr);
  leveldb_close(db);
}

TEST_F(LevelDBCompatTest, EnvTestDirectoryAndVersion) {
  leveldb_env_t* env = leveldb_create_default_env();
  setenv("TEST_TMPDIR", dir_.Child("tmp").c_str(), 1);
  char* test_dir = leveldb_env_get_test_directory(env);
  ASSERT_NE(test_dir, nullptr);
  EXPECT_EQ(std::string(test_dir), dir_.Child("tmp"));
  leveldb_free(test_dir);
  unsetenv("TEST_TMPDIR");
  leveldb_env_destroy(env);
  EXPECT_EQ(leveldb_major_version(), 1);
  EXPECT_EQ(leveldb_minor_version(), 23);
}

TEST_F(LevelDBCompatTest, RealLevelDBDirectoryFailsWithAClearError) {
  ASSERT_EQ(std::system((std::string(STRATA_MAKE_LEVELDB_DIR) + " " + path_).c_str()), 0);
  char* err = nullptr;
  EXPECT_EQ(leveldb_open(options_, path_.c_str(), &err), nullptr);
  std::string message = TakeError(&err);
  EXPECT_NE(message.find("is a LevelDB database"), std::string::npos) << message;
}

}  // namespace
