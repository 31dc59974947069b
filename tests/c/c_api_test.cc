// Tests of the C API (include/strata/c.h) through its own functions only:
// each function group, the errptr and free rules, closing with live
// iterators and snapshots, and the reference counting of comparators,
// filter policies and snapshot handles (destructors called exactly once,
// whatever the order of the destroy calls). Run under ASan, a leak or a use
// after free in any of these orders fails the test.
//
// The tests marked "needs the engine to honour Options::comparator" (or
// filter_policy) check behaviour the engine provides, not the C API: they
// pass once the engine uses Options::comparator and Options::filter_policy.

#include "strata/c.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"

namespace {

using strata::test::TempDir;

// Owns an errptr message; the test checks and clears it.
class Err {
 public:
  ~Err() { strata_free(msg_); }
  char** ptr() { return &msg_; }
  const char* get() const { return msg_; }
  std::string str() const { return msg_ == nullptr ? "" : msg_; }
  void Clear() {
    strata_free(msg_);
    msg_ = nullptr;
  }

 private:
  char* msg_ = nullptr;
};

#define ASSERT_NO_ERR(err) ASSERT_EQ((err).get(), nullptr) << (err).str()

std::string Get(strata_t* db, const strata_readoptions_t* ro, const std::string& key,
                bool* found = nullptr) {
  Err err;
  size_t len = 12345;
  char* v = strata_get(db, ro, key.data(), key.size(), &len, err.ptr());
  EXPECT_EQ(err.get(), nullptr) << err.str();
  if (found != nullptr) *found = v != nullptr;
  if (v == nullptr) return "(absent)";
  std::string result(v, len);
  strata_free(v);
  return result;
}

// The iterator's key and value as strings (one call each: the length is
// known only after the call returns).
std::string IterKey(const strata_iterator_t* it) {
  size_t len = 0;
  const char* p = strata_iter_key(it, &len);
  return std::string(p, len);
}

std::string IterValue(const strata_iterator_t* it) {
  size_t len = 0;
  const char* p = strata_iter_value(it, &len);
  return std::string(p, len);
}

bool FlushOk(strata_t* db) {
  Err err;
  strata_flush(db, err.ptr());
  EXPECT_EQ(err.get(), nullptr) << err.str();
  return err.get() == nullptr;
}

void Put(strata_t* db, const std::string& key, const std::string& value) {
  Err err;
  strata_put(db, nullptr, key.data(), key.size(), value.data(), value.size(), err.ptr());
  ASSERT_NO_ERR(err);
}

class CApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_ = strata_options_create();
    strata_options_set_create_if_missing(options_, 1);
    ropts_ = strata_readoptions_create();
    wopts_ = strata_writeoptions_create();
  }
  void TearDown() override {
    if (db_ != nullptr) {
      Err err;
      strata_close(db_, err.ptr());
      EXPECT_EQ(err.get(), nullptr) << err.str();
    }
    strata_writeoptions_destroy(wopts_);
    strata_readoptions_destroy(ropts_);
    strata_options_destroy(options_);
  }
  void Open() {
    Err err;
    db_ = strata_open(options_, dir_.Child("db").c_str(), err.ptr());
    ASSERT_NO_ERR(err);
    ASSERT_NE(db_, nullptr);
  }
  void Close() {
    Err err;
    strata_close(db_, err.ptr());
    ASSERT_NO_ERR(err);
    db_ = nullptr;
  }

  TempDir dir_;
  strata_options_t* options_ = nullptr;
  strata_readoptions_t* ropts_ = nullptr;
  strata_writeoptions_t* wopts_ = nullptr;
  strata_t* db_ = nullptr;
};

TEST_F(CApiTest, PutGetDeleteAndErrptrStaysNullOnSuccess) {
  Open();
  Err err;
  strata_put(db_, wopts_, "k1", 2, "v1", 2, err.ptr());
  EXPECT_EQ(err.get(), nullptr);
  // Keys and values are bytes: NUL inside, and an empty value.
  std::string key("a\0b", 3), value("x\0y\xff", 4);
  strata_put(db_, wopts_, key.data(), key.size(), value.data(), value.size(), err.ptr());
  strata_put(db_, wopts_, "empty", 5, nullptr, 0, err.ptr());
  ASSERT_NO_ERR(err);
  EXPECT_EQ(Get(db_, ropts_, "k1"), "v1");
  EXPECT_EQ(Get(db_, ropts_, key), value);
  bool found = false;
  EXPECT_EQ(Get(db_, ropts_, "empty", &found), "");
  EXPECT_TRUE(found);
  // An absent key: NULL, no error, *vallen 0.
  size_t len = 99;
  EXPECT_EQ(strata_get(db_, ropts_, "nope", 4, &len, err.ptr()), nullptr);
  EXPECT_EQ(err.get(), nullptr);
  EXPECT_EQ(len, 0u);
  strata_delete(db_, wopts_, "k1", 2, err.ptr());
  ASSERT_NO_ERR(err);
  EXPECT_EQ(Get(db_, ropts_, "k1"), "(absent)");
  // NULL options mean the defaults.
  strata_put(db_, nullptr, "k2", 2, "v2", 2, err.ptr());
  ASSERT_NO_ERR(err);
  EXPECT_EQ(Get(db_, nullptr, "k2"), "v2");
}

TEST_F(CApiTest, ErrptrIsAMallocdMessageReplacedOnEachFailure) {
  strata_options_set_create_if_missing(options_, 0);
  Err err;
  EXPECT_EQ(strata_open(options_, dir_.Child("missing").c_str(), err.ptr()), nullptr);
  ASSERT_NE(err.get(), nullptr);
  EXPECT_NE(err.str().find("does not exist"), std::string::npos) << err.str();
  // A second failure frees the first message (ASan's leak check would see
  // it otherwise) and stores its own.
  EXPECT_EQ(strata_open(options_, nullptr, err.ptr()), nullptr);
  EXPECT_NE(err.str().find("name is NULL"), std::string::npos) << err.str();
  // A NULL errptr is allowed: the error is dropped.
  EXPECT_EQ(strata_open(options_, dir_.Child("missing").c_str(), nullptr), nullptr);
  // A success leaves an existing message alone.
  strata_options_set_create_if_missing(options_, 1);
  Open();
  std::string before = err.str();
  Put(db_, "a", "b");
  strata_put(db_, wopts_, "a", 1, "b", 1, err.ptr());
  EXPECT_EQ(err.str(), before);
  // Bad arguments are errors, not crashes.
  err.Clear();
  strata_put(db_, wopts_, nullptr, 3, "b", 1, err.ptr());
  EXPECT_NE(err.get(), nullptr);
  err.Clear();
  strata_put(nullptr, wopts_, "a", 1, "b", 1, err.ptr());
  EXPECT_NE(err.str().find("db is NULL"), std::string::npos);
  err.Clear();
  strata_write(db_, wopts_, nullptr, err.ptr());
  EXPECT_NE(err.get(), nullptr);
}

TEST_F(CApiTest, ThreeWaysToGet) {
  Open();
  Put(db_, "key", "hello world");
  Err err;
  // A malloc'd copy, NUL-terminated for convenience.
  size_t len = 0;
  char* copy = strata_get(db_, ropts_, "key", 3, &len, err.ptr());
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(std::string(copy, len), "hello world");
  EXPECT_EQ(copy[len], '\0');
  strata_free(copy);

  // A value handle, valid after the DB is overwritten (and closed).
  strata_value_t* value = strata_get_value(db_, ropts_, "key", 3, err.ptr());
  ASSERT_NE(value, nullptr);
  EXPECT_EQ(strata_get_value(db_, ropts_, "nope", 4, err.ptr()), nullptr);
  ASSERT_NO_ERR(err);
  Put(db_, "key", "changed");
  Close();
  EXPECT_EQ(std::string(strata_value_data(value), strata_value_size(value)), "hello world");
  strata_value_destroy(value);
  Open();

  // Into the caller's buffer: too small reports the size needed and copies
  // nothing; big enough copies.
  char buf[32];
  std::memset(buf, '#', sizeof(buf));
  len = 0;
  EXPECT_EQ(strata_get_into(db_, ropts_, "key", 3, buf, 3, &len, err.ptr()), 1);
  EXPECT_EQ(len, 7u);
  EXPECT_EQ(buf[0], '#');
  EXPECT_EQ(strata_get_into(db_, ropts_, "key", 3, nullptr, 0, &len, err.ptr()), 1);
  EXPECT_EQ(len, 7u);
  EXPECT_EQ(strata_get_into(db_, ropts_, "key", 3, buf, len, &len, err.ptr()), 1);
  EXPECT_EQ(std::string(buf, len), "changed");
  EXPECT_EQ(strata_get_into(db_, ropts_, "nope", 4, buf, sizeof(buf), &len, err.ptr()), 0);
  EXPECT_EQ(len, 0u);
  ASSERT_NO_ERR(err);
  EXPECT_EQ(strata_get_into(db_, ropts_, "key", 3, nullptr, 5, &len, err.ptr()), 0);
  EXPECT_NE(err.get(), nullptr);
}

TEST_F(CApiTest, IteratorsBothWays) {
  Open();
  for (const char* k : {"b", "d", "a", "c"}) Put(db_, k, std::string("v") + k);
  Err err;
  strata_iterator_t* it = strata_create_iterator(db_, ropts_, err.ptr());
  ASSERT_NO_ERR(err);
  EXPECT_FALSE(strata_iter_valid(it));
  size_t len = 7;
  EXPECT_EQ(strata_iter_key(it, &len), nullptr);  // not valid: NULL, length 0
  EXPECT_EQ(len, 0u);
  strata_iter_next(it);  // a no-op when not valid
  std::string forward, backward;
  for (strata_iter_seek_to_first(it); strata_iter_valid(it); strata_iter_next(it)) {
    forward += IterKey(it) + "=" + IterValue(it) + " ";
  }
  for (strata_iter_seek_to_last(it); strata_iter_valid(it); strata_iter_prev(it)) {
    backward += IterKey(it);
  }
  EXPECT_EQ(forward, "a=va b=vb c=vc d=vd ");
  EXPECT_EQ(backward, "dcba");
  strata_iter_seek(it, "bb", 2);
  ASSERT_TRUE(strata_iter_valid(it));
  EXPECT_EQ(IterKey(it), "c");
  strata_iter_seek(it, "z", 1);
  EXPECT_FALSE(strata_iter_valid(it));
  strata_iter_get_error(it, err.ptr());
  EXPECT_EQ(err.get(), nullptr);
  strata_iter_destroy(it);
  strata_iter_destroy(nullptr);  // a no-op
}

struct BatchLog {
  std::string text;
};

void LogPut(void* state, const char* k, size_t klen, const char* v, size_t vlen) {
  static_cast<BatchLog*>(state)->text +=
      "put(" + std::string(k, klen) + "," + std::string(v, vlen) + ")";
}

void LogDelete(void* state, const char* k, size_t klen) {
  static_cast<BatchLog*>(state)->text += "del(" + std::string(k, klen) + ")";
}

TEST_F(CApiTest, WriteBatches) {
  Open();
  Put(db_, "gone", "x");
  strata_writebatch_t* batch = strata_writebatch_create();
  strata_writebatch_put(batch, "dropped", 7, "x", 1);
  EXPECT_EQ(strata_writebatch_count(batch), 1u);
  strata_writebatch_clear(batch);
  EXPECT_EQ(strata_writebatch_count(batch), 0u);
  strata_writebatch_put(batch, "a", 1, "1", 1);
  strata_writebatch_put(batch, "b", 1, "2", 1);
  strata_writebatch_t* other = strata_writebatch_create();
  strata_writebatch_delete(other, "gone", 4);
  strata_writebatch_append(batch, other);
  strata_writebatch_destroy(other);
  EXPECT_EQ(strata_writebatch_count(batch), 3u);

  BatchLog log;
  strata_writebatch_iterate(batch, &log, LogPut, LogDelete);
  EXPECT_EQ(log.text, "put(a,1)put(b,2)del(gone)");

  Err err;
  strata_write(db_, wopts_, batch, err.ptr());
  ASSERT_NO_ERR(err);
  EXPECT_EQ(strata_writebatch_count(batch), 3u);  // the batch is unchanged
  strata_writebatch_destroy(batch);
  EXPECT_EQ(Get(db_, ropts_, "a"), "1");
  EXPECT_EQ(Get(db_, ropts_, "b"), "2");
  EXPECT_EQ(Get(db_, ropts_, "gone"), "(absent)");
}

TEST_F(CApiTest, SnapshotsAndReleasedSnapshotIsAnError) {
  Open();
  Put(db_, "k", "old");
  const strata_snapshot_t* snap = strata_create_snapshot(db_);
  ASSERT_NE(snap, nullptr);
  Put(db_, "k", "new");
  strata_readoptions_set_snapshot(ropts_, snap);
  EXPECT_EQ(strata_readoptions_get_snapshot(ropts_), snap);
  EXPECT_EQ(Get(db_, ropts_, "k"), "old");
  Err err;
  strata_iterator_t* it = strata_create_iterator(db_, ropts_, err.ptr());
  ASSERT_NO_ERR(err);
  strata_iter_seek_to_first(it);
  ASSERT_TRUE(strata_iter_valid(it));
  EXPECT_EQ(IterValue(it), "old");
  strata_iter_destroy(it);
  strata_release_snapshot(db_, snap);
  // The read options still name the released snapshot: an error, not a read
  // of freed memory.
  size_t vlen;
  EXPECT_EQ(strata_get(db_, ropts_, "k", 1, &vlen, err.ptr()), nullptr);
  EXPECT_NE(err.str().find("released"), std::string::npos) << err.str();
  err.Clear();
  EXPECT_EQ(strata_create_iterator(db_, ropts_, err.ptr()), nullptr);
  EXPECT_NE(err.get(), nullptr);
  err.Clear();
  strata_readoptions_set_snapshot(ropts_, nullptr);
  EXPECT_EQ(Get(db_, ropts_, "k"), "new");
  strata_release_snapshot(db_, nullptr);  // a no-op
}

TEST_F(CApiTest, SnapshotHandleOutlivesItsDbWhileReadOptionsNameIt) {
  Open();
  const strata_snapshot_t* snap = strata_create_snapshot(db_);
  strata_readoptions_set_snapshot(ropts_, snap);
  strata_release_snapshot(db_, snap);
  Close();
  // ropts_ is destroyed in TearDown, after the DB: no use-after-free.
}

TEST_F(CApiTest, SnapshotOfAnotherDbIsAnError) {
  Open();
  strata_t* other = strata_open(options_, dir_.Child("other").c_str(), nullptr);
  ASSERT_NE(other, nullptr);
  const strata_snapshot_t* snap = strata_create_snapshot(other);
  strata_readoptions_set_snapshot(ropts_, snap);
  Err err;
  size_t len;
  EXPECT_EQ(strata_get(db_, ropts_, "k", 1, &len, err.ptr()), nullptr);
  EXPECT_NE(err.str().find("another DB"), std::string::npos) << err.str();
  strata_readoptions_set_snapshot(ropts_, nullptr);
  strata_release_snapshot(other, snap);
  err.Clear();
  strata_close(other, err.ptr());
  ASSERT_NO_ERR(err);
}

TEST_F(CApiTest, CloseWithLiveIteratorFailsThenWorks) {
  Open();
  Put(db_, "k", "v");
  Err err;
  strata_iterator_t* it = strata_create_iterator(db_, ropts_, err.ptr());
  ASSERT_NO_ERR(err);
  strata_close(db_, err.ptr());
  ASSERT_NE(err.get(), nullptr);
  EXPECT_NE(err.str().find("1 iterator(s)"), std::string::npos) << err.str();
  // The DB stays open and usable, and so does the iterator.
  EXPECT_EQ(Get(db_, ropts_, "k"), "v");
  strata_iter_seek_to_first(it);
  EXPECT_TRUE(strata_iter_valid(it));
  strata_iter_destroy(it);
  err.Clear();
  Close();
}

TEST_F(CApiTest, CloseWithUnreleasedSnapshotFailsThenWorks) {
  Open();
  const strata_snapshot_t* snap = strata_create_snapshot(db_);
  Err err;
  strata_close(db_, err.ptr());
  ASSERT_NE(err.get(), nullptr);
  EXPECT_NE(err.str().find("1 snapshot(s)"), std::string::npos) << err.str();
  Put(db_, "k", "v");
  strata_release_snapshot(db_, snap);
  err.Clear();
  Close();
  strata_close(nullptr, err.ptr());  // a no-op
  EXPECT_EQ(err.get(), nullptr);
}

TEST_F(CApiTest, IteratorsDestroyedOnOtherThreadsWhileClosing) {
  Open();
  Put(db_, "k", "v");
  constexpr int kIterators = 64;
  std::vector<strata_iterator_t*> iters;
  for (int i = 0; i < kIterators; i++)
    iters.push_back(strata_create_iterator(db_, ropts_, nullptr));
  std::thread destroyer([&] {
    for (strata_iterator_t* it : iters) {
      strata_iter_seek_to_first(it);
      strata_iter_destroy(it);
    }
  });
  // Close keeps failing until the last iterator is gone, then succeeds.
  for (;;) {
    Err err;
    strata_close(db_, err.ptr());
    if (err.get() == nullptr) break;
    std::this_thread::yield();
  }
  db_ = nullptr;
  destroyer.join();
}

TEST_F(CApiTest, EveryOptionHasASetterAndAGetter) {
  strata_options_t* o = strata_options_create();
  // The defaults are strata::Options'.
  EXPECT_EQ(strata_options_get_create_if_missing(o), 1);
  EXPECT_EQ(strata_options_get_compression(o), strata_lz4_compression);
  EXPECT_EQ(strata_options_get_comparator(o), nullptr);
  EXPECT_EQ(strata_options_get_filter_policy(o), nullptr);
#define ROUND_TRIP(field, value)        \
  strata_options_set_##field(o, value); \
  EXPECT_EQ(strata_options_get_##field(o), value)
  ROUND_TRIP(create_if_missing, 0);
  ROUND_TRIP(error_if_exists, 1);
  ROUND_TRIP(paranoid_checks, 1);
  ROUND_TRIP(write_buffer_size, size_t{1} << 20);
  ROUND_TRIP(max_write_buffer_number, 3);
  ROUND_TRIP(block_size, size_t{8192});
  ROUND_TRIP(block_restart_interval, 8);
  ROUND_TRIP(bloom_bits_per_key, 12);
  ROUND_TRIP(compression, strata_zstd_compression);
  ROUND_TRIP(block_cache_size, size_t{1} << 22);
  ROUND_TRIP(max_open_files, 100);
  ROUND_TRIP(l0_compaction_trigger, 5);
  ROUND_TRIP(l0_slowdown_writes_trigger, 13);
  ROUND_TRIP(l0_stop_writes_trigger, 25);
  ROUND_TRIP(soft_pending_compaction_bytes, uint64_t{1} << 31);
  ROUND_TRIP(hard_pending_compaction_bytes, uint64_t{1} << 33);
  ROUND_TRIP(target_file_size, uint64_t{1} << 21);
  ROUND_TRIP(max_bytes_for_level_base, uint64_t{1} << 27);
  ROUND_TRIP(max_background_jobs, 3);
  ROUND_TRIP(compaction_nice, 5);
#undef ROUND_TRIP
  strata_options_destroy(o);

  strata_readoptions_t* ro = strata_readoptions_create();
  EXPECT_EQ(strata_readoptions_get_verify_checksums(ro), 1);
  EXPECT_EQ(strata_readoptions_get_fill_cache(ro), 1);
  EXPECT_EQ(strata_readoptions_get_snapshot(ro), nullptr);
  strata_readoptions_set_verify_checksums(ro, 0);
  strata_readoptions_set_fill_cache(ro, 0);
  EXPECT_EQ(strata_readoptions_get_verify_checksums(ro), 0);
  EXPECT_EQ(strata_readoptions_get_fill_cache(ro), 0);
  strata_readoptions_destroy(ro);

  strata_writeoptions_t* wo = strata_writeoptions_create();
  EXPECT_EQ(strata_writeoptions_get_sync(wo), 0);
  strata_writeoptions_set_sync(wo, 1);
  EXPECT_EQ(strata_writeoptions_get_sync(wo), 1);
  strata_writeoptions_destroy(wo);
}

TEST_F(CApiTest, OptionsReachTheEngineAndBadOnesFailOpen) {
  // A bad compression value fails at open with a clear message.
  strata_options_set_compression(options_, 42);
  Err err;
  EXPECT_EQ(strata_open(options_, dir_.Child("db").c_str(), err.ptr()), nullptr);
  EXPECT_NE(err.str().find("compression"), std::string::npos) << err.str();
  err.Clear();
  strata_options_set_compression(options_, strata_no_compression);
  // A value the engine rejects, too.
  strata_options_set_write_buffer_size(options_, 1);
  EXPECT_EQ(strata_open(options_, dir_.Child("db").c_str(), err.ptr()), nullptr);
  EXPECT_NE(err.str().find("write_buffer_size"), std::string::npos) << err.str();
  err.Clear();
  strata_options_set_write_buffer_size(options_, 64 << 10);
  // error_if_exists reaches the engine.
  Open();
  Close();
  strata_options_set_error_if_exists(options_, 1);
  EXPECT_EQ(strata_open(options_, dir_.Child("db").c_str(), err.ptr()), nullptr);
  EXPECT_NE(err.str().find("exists"), std::string::npos) << err.str();
}

TEST_F(CApiTest, IteratorBoundsBothWaysAndCopied) {
  Open();
  for (const char* k : {"a", "b", "c", "d", "e"}) Put(db_, k, std::string("v") + k);
  ASSERT_EQ(FlushOk(db_), true);
  for (const char* k : {"bb", "cc"}) Put(db_, k, "mem");  // memtable and table alike
  char lower[] = "b";
  char upper[] = "d";
  strata_readoptions_set_iterate_lower_bound(ropts_, lower, 1);
  strata_readoptions_set_iterate_upper_bound(ropts_, upper, 1);
  lower[0] = 'a';  // the options hold their own copy
  upper[0] = 'z';
  size_t len = 0;
  const char* got = strata_readoptions_get_iterate_lower_bound(ropts_, &len);
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(std::string(got, len), "b");
  got = strata_readoptions_get_iterate_upper_bound(ropts_, &len);
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(std::string(got, len), "d");

  Err err;
  strata_iterator_t* it = strata_create_iterator(db_, ropts_, err.ptr());
  ASSERT_NO_ERR(err);
  // The iterator keeps its own copy too: changing the options later does
  // not move its bounds.
  strata_readoptions_set_iterate_upper_bound(ropts_, nullptr, 0);
  std::string forward, backward;
  for (strata_iter_seek_to_first(it); strata_iter_valid(it); strata_iter_next(it)) {
    forward += IterKey(it) + " ";
  }
  for (strata_iter_seek_to_last(it); strata_iter_valid(it); strata_iter_prev(it)) {
    backward += IterKey(it) + " ";
  }
  EXPECT_EQ(forward, "b bb c cc ");
  EXPECT_EQ(backward, "cc c bb b ");
  strata_iter_seek(it, "a", 1);
  ASSERT_TRUE(strata_iter_valid(it));
  EXPECT_EQ(IterKey(it), "b");
  strata_iter_seek(it, "d", 1);
  EXPECT_FALSE(strata_iter_valid(it));
  strata_iter_destroy(it);

  EXPECT_EQ(strata_readoptions_get_iterate_upper_bound(ropts_, &len), nullptr);
  EXPECT_EQ(len, 0u);
  it = strata_create_iterator(db_, ropts_, err.ptr());
  ASSERT_NO_ERR(err);
  strata_iter_seek_to_last(it);
  ASSERT_TRUE(strata_iter_valid(it));
  EXPECT_EQ(IterKey(it), "e");
  strata_iter_destroy(it);
}

TEST_F(CApiTest, ReadOnlyOpenReadsBesideAWriterAndRefusesWrites) {
  Open();
  Put(db_, "k", "v1");
  Err err;
  strata_t* ro = strata_open_for_read_only(options_, dir_.Child("db").c_str(), err.ptr());
  ASSERT_NO_ERR(err);
  ASSERT_NE(ro, nullptr);
  EXPECT_EQ(Get(ro, ropts_, "k"), "v1");
  Put(db_, "k", "v2");  // after the read-only open: not seen by it
  EXPECT_EQ(Get(ro, ropts_, "k"), "v1");
  strata_put(ro, wopts_, "x", 1, "y", 1, err.ptr());
  EXPECT_NE(err.str().find("Not supported"), std::string::npos) << err.str();
  err.Clear();
  strata_flush(ro, err.ptr());
  EXPECT_NE(err.get(), nullptr);
  err.Clear();
  strata_close(ro, err.ptr());
  ASSERT_NO_ERR(err);
  // A missing database is an error, never created.
  EXPECT_EQ(strata_open_for_read_only(options_, dir_.Child("none").c_str(), err.ptr()), nullptr);
  EXPECT_NE(err.get(), nullptr);
}

TEST_F(CApiTest, CheckpointOpensWithTheDataAndRefusesAnExistingDir) {
  Open();
  Put(db_, "k", "v");
  Err err;
  const std::string ck = dir_.Child("ck");
  strata_create_checkpoint(db_, ck.c_str(), err.ptr());
  ASSERT_NO_ERR(err);
  Put(db_, "k", "later");
  strata_create_checkpoint(db_, ck.c_str(), err.ptr());  // exists: an error
  EXPECT_NE(err.get(), nullptr);
  err.Clear();
  strata_create_checkpoint(db_, nullptr, err.ptr());
  EXPECT_NE(err.get(), nullptr);
  err.Clear();
  strata_t* copy = strata_open(options_, ck.c_str(), err.ptr());
  ASSERT_NO_ERR(err);
  EXPECT_EQ(Get(copy, ropts_, "k"), "v");
  strata_close(copy, err.ptr());
  ASSERT_NO_ERR(err);
}

TEST_F(CApiTest, RecoveryModeMemoryBudgetAndASharedCache) {
  EXPECT_EQ(strata_options_get_wal_recovery_mode(options_),
            strata_wal_recovery_tolerate_corrupted_tail_records);
  strata_options_set_wal_recovery_mode(options_, 9);
  Err err;
  EXPECT_EQ(strata_open(options_, dir_.Child("db").c_str(), err.ptr()), nullptr);
  EXPECT_NE(err.str().find("recovery mode"), std::string::npos) << err.str();
  err.Clear();
  strata_options_set_wal_recovery_mode(options_, strata_wal_recovery_point_in_time);
  EXPECT_EQ(strata_options_get_wal_recovery_mode(options_), strata_wal_recovery_point_in_time);

  strata_options_set_memory_budget(options_, 8 << 20);
  EXPECT_EQ(strata_options_get_memory_budget(options_), size_t{8} << 20);
  strata_options_set_memory_budget(options_, 0);

  strata_cache_t* cache = strata_cache_create_lru(4 << 20);
  ASSERT_NE(cache, nullptr);
  EXPECT_EQ(strata_cache_get_capacity(cache), size_t{4} << 20);
  EXPECT_EQ(strata_options_get_block_cache(options_), nullptr);
  strata_options_set_block_cache(options_, cache);
  ASSERT_NE(strata_options_get_block_cache(options_), nullptr);
  Open();
  strata_t* other = strata_open(options_, dir_.Child("other").c_str(), err.ptr());
  ASSERT_NO_ERR(err);
  for (strata_t* db : {db_, other}) {
    for (int i = 0; i < 200; i++) Put(db, "key" + std::to_string(i), std::string(100, 'x'));
    ASSERT_EQ(FlushOk(db), true);
    EXPECT_EQ(Get(db, ropts_, "key7"), std::string(100, 'x'));
  }
  EXPECT_GT(strata_cache_get_usage(cache), 0u);  // both DBs' blocks in the one cache
  // The handle may go before the databases and the options: they keep the
  // cache alive.
  strata_cache_destroy(cache);
  strata_cache_destroy(nullptr);
  EXPECT_EQ(Get(other, ropts_, "key9"), std::string(100, 'x'));
  strata_close(other, err.ptr());
  ASSERT_NO_ERR(err);
  strata_options_set_block_cache(options_, nullptr);
  EXPECT_EQ(strata_options_get_block_cache(options_), nullptr);
}

TEST_F(CApiTest, PropertiesFlushCompactResumeApproximateSizes) {
  Open();
  Err err;
  std::string value(100, 'v');
  for (int i = 0; i < 1000; i++) {
    char key[16];
    std::snprintf(key, sizeof(key), "k%05d", i);
    Put(db_, key, value);
  }
  const char* start[] = {"k00000", "k00500", "x"};
  const char* limit[] = {"k00500", "k01000", "z"};
  size_t start_len[] = {6, 6, 1};
  size_t limit_len[] = {6, 6, 1};
  uint64_t sizes[3] = {9, 9, 9};
  // Before a flush only the memtable holds the data.
  strata_approximate_sizes(db_, 3, start, start_len, limit, limit_len, 1, sizes, err.ptr());
  ASSERT_NO_ERR(err);
  EXPECT_GT(sizes[0], 50'000u);
  EXPECT_GT(sizes[1], 50'000u);
  EXPECT_EQ(sizes[2], 0u);
  strata_approximate_sizes(db_, 3, start, start_len, limit, limit_len, 0, sizes, err.ptr());
  EXPECT_EQ(sizes[0], 0u);

  strata_flush(db_, err.ptr());
  ASSERT_NO_ERR(err);
  char* files = strata_property_value(db_, "strata.num-files-at-level0");
  ASSERT_NE(files, nullptr);
  EXPECT_STREQ(files, "1");
  strata_free(files);
  EXPECT_EQ(strata_property_value(db_, "strata.no-such-property"), nullptr);
  char* stats = strata_property_value(db_, "strata.stats");
  ASSERT_NE(stats, nullptr);
  strata_free(stats);

  strata_approximate_sizes(db_, 3, start, start_len, limit, limit_len, 0, sizes, err.ptr());
  ASSERT_NO_ERR(err);
  EXPECT_GT(sizes[0], 1'000u);  // LZ4 shrinks 'v' * 100 a lot, but not to nothing
  EXPECT_GT(sizes[1], 1'000u);
  EXPECT_EQ(sizes[2], 0u);

  strata_compact_range(db_, nullptr, 0, nullptr, 0, err.ptr());
  ASSERT_NO_ERR(err);
  strata_compact_range(db_, "k00100", 6, "k00200", 6, err.ptr());
  ASSERT_NO_ERR(err);
  strata_resume(db_, err.ptr());
  ASSERT_NO_ERR(err);
  EXPECT_EQ(Get(db_, ropts_, "k00999"), value);
}

TEST_F(CApiTest, RepairAndDestroy) {
  Open();
  Put(db_, "k", "v");
  Err err;
  // Repair and destroy need the DB closed: Busy while it is open.
  strata_repair_db(options_, dir_.Child("db").c_str(), err.ptr());
  EXPECT_NE(err.get(), nullptr);
  err.Clear();
  Close();
  strata_repair_db(options_, dir_.Child("db").c_str(), err.ptr());
  ASSERT_NO_ERR(err);
  Open();
  EXPECT_EQ(Get(db_, ropts_, "k"), "v");
  Close();
  strata_destroy_db(options_, dir_.Child("db").c_str(), err.ptr());
  ASSERT_NO_ERR(err);
  strata_options_set_create_if_missing(options_, 0);
  EXPECT_EQ(strata_open(options_, dir_.Child("db").c_str(), err.ptr()), nullptr);
  EXPECT_NE(err.get(), nullptr);
}

TEST(CApiVersionTest, VersionNumbers) {
  EXPECT_GE(strata_major_version(), 0);
  EXPECT_GE(strata_minor_version(), 0);
  EXPECT_GE(strata_patch_version(), 0);
  EXPECT_GT(strata_major_version() + strata_minor_version() + strata_patch_version(), 0);
}

// ---------------------------------------------------------------------------
// Comparators and filter policies

struct CallbackCounts {
  std::atomic<int> destructor_calls{0};
  std::atomic<int> compare_calls{0};
  std::atomic<int> create_filter_calls{0};
  std::atomic<int> key_may_match_calls{0};
  std::atomic<int> compaction_filter_calls{0};
  bool answer_may_match = true;
};

void CountDestructor(void* state) { static_cast<CallbackCounts*>(state)->destructor_calls++; }

int ReverseCompare(void* state, const char* a, size_t alen, const char* b, size_t blen) {
  static_cast<CallbackCounts*>(state)->compare_calls++;
  int r = std::memcmp(a, b, alen < blen ? alen : blen);
  if (r == 0) r = alen < blen ? -1 : (alen > blen ? 1 : 0);
  return -r;
}

const char* ReverseName(void*) { return "test.Reverse"; }

char* CountingCreateFilter(void* state, const char* const*, const size_t*, int num_keys,
                           size_t* filter_length) {
  static_cast<CallbackCounts*>(state)->create_filter_calls++;
  char* filter = static_cast<char*>(std::malloc(4));
  std::memcpy(filter, "fake", 4);
  *filter_length = 4;
  return filter;
}

uint8_t CountingKeyMayMatch(void* state, const char*, size_t, const char* filter,
                            size_t filter_length) {
  auto* counts = static_cast<CallbackCounts*>(state);
  counts->key_may_match_calls++;
  EXPECT_EQ(std::string(filter, filter_length), "fake");
  return counts->answer_may_match ? 1 : 0;
}

const char* FilterName(void*) { return "test.Fake"; }

TEST_F(CApiTest, ComparatorDestructorRunsOnceWhateverTheOrder) {
  // Destroyed by its creator first, while options and a DB use it.
  CallbackCounts counts;
  strata_comparator_t* cmp =
      strata_comparator_create(&counts, CountDestructor, ReverseCompare, ReverseName);
  ASSERT_NE(cmp, nullptr);
  strata_options_set_comparator(options_, cmp);
  EXPECT_EQ(strata_options_get_comparator(options_), cmp);
  Open();
  strata_comparator_destroy(cmp);
  strata_options_set_comparator(options_, nullptr);
  EXPECT_EQ(counts.destructor_calls, 0);  // the DB still holds it
  Put(db_, "a", "1");
  Close();
  EXPECT_EQ(counts.destructor_calls, 1);

  // Destroyed last, after the options and the DB are gone.
  CallbackCounts counts2;
  cmp = strata_comparator_create(&counts2, CountDestructor, ReverseCompare, ReverseName);
  strata_options_t* o = strata_options_create();
  strata_options_set_comparator(o, cmp);
  strata_options_set_comparator(o, cmp);  // setting it again keeps one reference
  strata_options_destroy(o);
  EXPECT_EQ(counts2.destructor_calls, 0);
  strata_comparator_destroy(cmp);
  EXPECT_EQ(counts2.destructor_calls, 1);

  // A NULL destructor is allowed; NULL callbacks are not.
  cmp = strata_comparator_create(nullptr, nullptr, ReverseCompare, ReverseName);
  strata_comparator_destroy(cmp);
  EXPECT_EQ(strata_comparator_create(nullptr, nullptr, nullptr, ReverseName), nullptr);
}

TEST_F(CApiTest, FilterPolicyDestructorRunsOnceWhateverTheOrder) {
  CallbackCounts counts;
  strata_filterpolicy_t* policy = strata_filterpolicy_create(
      &counts, CountDestructor, CountingCreateFilter, CountingKeyMayMatch, FilterName);
  ASSERT_NE(policy, nullptr);
  strata_options_set_filter_policy(options_, policy);
  EXPECT_EQ(strata_options_get_filter_policy(options_), policy);
  Open();
  strata_options_set_filter_policy(options_, nullptr);
  strata_filterpolicy_destroy(policy);
  EXPECT_EQ(counts.destructor_calls, 0);
  Close();
  EXPECT_EQ(counts.destructor_calls, 1);

  strata_filterpolicy_t* bloom = strata_filterpolicy_create_bloom(10);
  ASSERT_NE(bloom, nullptr);
  strata_options_set_filter_policy(options_, bloom);
  strata_filterpolicy_destroy(bloom);
  Open();
  Put(db_, "k", "v");
  Err err;
  strata_flush(db_, err.ptr());
  ASSERT_NO_ERR(err);
  EXPECT_EQ(Get(db_, ropts_, "k"), "v");
}

// Removes keys starting with "drop", uppercases values starting with "up:".
uint8_t PrefixFilter(void* state, int level, const char* key, size_t key_length, const char* value,
                     size_t value_length, char** new_value, size_t* new_value_length,
                     uint8_t* value_changed) {
  static_cast<CallbackCounts*>(state)->compaction_filter_calls++;
  EXPECT_GE(level, 0);
  std::string k(key, key_length), v(value, value_length);
  if (k.rfind("drop", 0) == 0) return 1;
  if (v.rfind("up:", 0) == 0) {
    std::string changed = "UP:" + v.substr(3);
    *new_value = static_cast<char*>(std::malloc(changed.size()));
    std::memcpy(*new_value, changed.data(), changed.size());
    *new_value_length = changed.size();
    *value_changed = 1;
  }
  return 0;
}

const char* PrefixFilterName(void*) { return "test.PrefixFilter"; }

TEST_F(CApiTest, CompactionFilterRemovesAndRewrites) {
  CallbackCounts counts;
  strata_compactionfilter_t* filter =
      strata_compactionfilter_create(&counts, CountDestructor, PrefixFilter, PrefixFilterName);
  ASSERT_NE(filter, nullptr);
  strata_options_set_compaction_filter(options_, filter);
  EXPECT_EQ(strata_options_get_compaction_filter(options_), filter);
  EXPECT_EQ(strata_options_get_compaction_filter_at_flush(options_), 0);
  strata_options_set_compaction_filter_at_flush(options_, 1);
  EXPECT_EQ(strata_options_get_compaction_filter_at_flush(options_), 1);
  strata_compactionfilter_destroy(filter);  // the options keep it alive
  Open();
  strata_options_set_compaction_filter(options_, nullptr);
  Put(db_, "drop1", "x");
  Put(db_, "keep", "up:value");
  Put(db_, "other", "v");
  Err err;
  strata_flush(db_, err.ptr());  // filtered at flush
  ASSERT_NO_ERR(err);
  EXPECT_GT(counts.compaction_filter_calls.load(), 0);
  EXPECT_EQ(Get(db_, ropts_, "drop1"), "(absent)");
  EXPECT_EQ(Get(db_, ropts_, "keep"), "UP:value");
  EXPECT_EQ(Get(db_, ropts_, "other"), "v");
  Put(db_, "drop2", "y");
  strata_compact_range(db_, nullptr, 0, nullptr, 0, err.ptr());
  ASSERT_NO_ERR(err);
  EXPECT_EQ(Get(db_, ropts_, "drop2"), "(absent)");
  EXPECT_EQ(counts.destructor_calls, 0);  // the DB still holds it
  Close();
  EXPECT_EQ(counts.destructor_calls, 1);
  EXPECT_EQ(strata_compactionfilter_create(nullptr, nullptr, nullptr, PrefixFilterName), nullptr);
}

// Needs the engine to honour Options::comparator.
TEST_F(CApiTest, CustomComparatorOrdersKeysThroughFlushCompactionAndReopen) {
  CallbackCounts counts;
  strata_comparator_t* cmp =
      strata_comparator_create(&counts, CountDestructor, ReverseCompare, ReverseName);
  strata_options_set_comparator(options_, cmp);
  strata_comparator_destroy(cmp);
  Open();
  std::map<std::string, std::string> model;
  for (int i = 0; i < 300; i++) {
    std::string key = "k" + std::to_string(i);
    Put(db_, key, "v" + std::to_string(i));
    model[key] = "v" + std::to_string(i);
    if (i == 100) strata_flush(db_, nullptr);
  }
  strata_compact_range(db_, nullptr, 0, nullptr, 0, nullptr);
  Close();
  Open();
  std::string expected, actual;
  for (auto it = model.rbegin(); it != model.rend(); ++it) expected += it->first + ",";
  strata_iterator_t* it = strata_create_iterator(db_, ropts_, nullptr);
  for (strata_iter_seek_to_first(it); strata_iter_valid(it); strata_iter_next(it)) {
    actual += IterKey(it) + ",";
  }
  strata_iter_destroy(it);
  EXPECT_EQ(actual, expected);
  EXPECT_GT(counts.compare_calls, 0);
  EXPECT_EQ(Get(db_, ropts_, "k42"), "v42");
  Close();
  EXPECT_EQ(counts.destructor_calls, 0);
  // Opening with another comparator (here the bytewise default) fails. The
  // options held the comparator's last reference: replacing it destroys it.
  strata_options_set_comparator(options_, nullptr);
  EXPECT_EQ(counts.destructor_calls, 1);
  Err err;
  strata_t* wrong = strata_open(options_, dir_.Child("db").c_str(), err.ptr());
  EXPECT_EQ(wrong, nullptr);
  EXPECT_NE(err.str().find("comparator"), std::string::npos) << err.str();
  strata_close(wrong, nullptr);
  EXPECT_EQ(counts.destructor_calls, 1);
}

// Needs the engine to honour Options::filter_policy.
TEST_F(CApiTest, CustomFilterPolicyIsCalledAndTrusted) {
  CallbackCounts counts;
  strata_filterpolicy_t* policy = strata_filterpolicy_create(
      &counts, CountDestructor, CountingCreateFilter, CountingKeyMayMatch, FilterName);
  strata_options_set_filter_policy(options_, policy);
  strata_filterpolicy_destroy(policy);
  Open();
  Put(db_, "foo", "foovalue");
  Err err;
  strata_flush(db_, err.ptr());
  ASSERT_NO_ERR(err);
  EXPECT_GT(counts.create_filter_calls, 0);
  EXPECT_EQ(Get(db_, ropts_, "foo"), "foovalue");
  EXPECT_GT(counts.key_may_match_calls, 0);
  // A filter that says "absent" is believed: the table is not read.
  counts.answer_may_match = false;
  EXPECT_EQ(Get(db_, ropts_, "foo"), "(absent)");
  counts.answer_may_match = true;
  EXPECT_EQ(Get(db_, ropts_, "foo"), "foovalue");
}

}  // namespace
