// Compaction filters (Options::compaction_filter) through the public API: a
// TTL filter drops expired keys on CompactRange while snapshot reads stay
// unchanged; a value-rewriting filter; kRemove never resurrects an older
// version, in the same compaction or in a level below it; the filter at
// flush; a snapshot taken while the filter runs; a throwing filter; Options
// validation. Plus CompactionFilterIterator alone over a scripted input.
//
// Small sizes keep each test well under a second.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "lsm/compaction_filter_iterator.h"
#include "lsm/db_test_util.h"
#include "memtable/memtable.h"
#include "strata/compaction_filter.h"
#include "strata/db.h"
#include "test_util.h"

namespace strata {
namespace {

using test::GetValue;
using test::IntProperty;
using test::OpenOrDie;
using test::ScanAll;
using test::TakeSnapshot;
using test::TempDir;
using test::WaitForBackgroundWork;

using Decision = CompactionFilter::Decision;
using Model = std::map<std::string, std::string>;

// "<expiry>:<payload>", the expiry a decimal time in the filter's clock.
std::string TtlValue(uint64_t expiry, std::string_view payload) {
  return std::to_string(expiry) + ":" + std::string(payload);
}

// Removes values whose expiry is at or before now(); records every context
// it is called with.
class TtlFilter : public CompactionFilter {
 public:
  const char* Name() const override { return "test.TtlFilter"; }

  Decision Filter(const Context& context, std::string_view user_key, std::string_view value,
                  std::string* /*new_value*/) const override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      contexts_.push_back(context);
      seen_keys_.emplace_back(user_key);
    }
    size_t colon = value.find(':');
    if (colon == std::string_view::npos) return Decision::kKeep;
    uint64_t expiry = std::stoull(std::string(value.substr(0, colon)));
    return expiry <= now.load() ? Decision::kRemove : Decision::kKeep;
  }

  std::vector<Context> contexts() const {
    std::lock_guard<std::mutex> lock(mu_);
    return contexts_;
  }
  void ClearRecords() {
    std::lock_guard<std::mutex> lock(mu_);
    contexts_.clear();
    seen_keys_.clear();
  }
  std::vector<std::string> seen_keys() const {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_keys_;
  }

  std::atomic<uint64_t> now{0};

 private:
  mutable std::mutex mu_;
  mutable std::vector<Context> contexts_;
  mutable std::vector<std::string> seen_keys_;
};

// Rewrites "old:<x>" to "new:<x>".
class RewriteFilter : public CompactionFilter {
 public:
  const char* Name() const override { return "test.RewriteFilter"; }
  Decision Filter(const Context&, std::string_view, std::string_view value,
                  std::string* new_value) const override {
    if (!value.starts_with("old:")) return Decision::kKeep;
    *new_value = "new:" + std::string(value.substr(4));
    return Decision::kChangeValue;
  }
};

std::string Key(const char* prefix, int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%s%04d", prefix, i);
  return buf;
}

Options SmallOptions() {
  Options options;
  options.write_buffer_size = 64 << 10;
  options.target_file_size = 64 << 10;
  options.max_bytes_for_level_base = 64 << 10;
  options.compression = kNoCompression;
  return options;
}

TEST(DBCompactionFilterTest, TtlDropsExpiredKeysAndKeepsSnapshotReads) {
  TempDir dir;
  TtlFilter filter;
  Options options = SmallOptions();
  options.compaction_filter = &filter;
  std::unique_ptr<DB> db = OpenOrDie(options, dir.path());
  WriteOptions wo;

  // Before the snapshot: even keys expire at 10, odd ones at 1000.
  for (int i = 0; i < 100; i++) {
    ASSERT_TRUE(db->Put(wo, Key("a", i), TtlValue(i % 2 == 0 ? 10 : 1000, "v1")).ok());
  }
  auto snapshot = TakeSnapshot(db.get());
  Model at_snapshot = ScanAll(db.get(), snapshot.get());
  ASSERT_EQ(at_snapshot.size(), 100u);

  // After it: keys that expire, and a0001 (alive at the snapshot) overwritten
  // by an expiring version, whose removal must not bring "v1" back.
  for (int i = 0; i < 50; i++) ASSERT_TRUE(db->Put(wo, Key("b", i), TtlValue(10, "v")).ok());
  ASSERT_TRUE(db->Put(wo, Key("a", 1), TtlValue(10, "v2")).ok());
  ASSERT_TRUE(db->Put(wo, Key("c", 0), TtlValue(1000, "alive")).ok());

  filter.now = 500;
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());

  // Now: the versions written after the snapshot are filtered; those it
  // holds are not, whatever their expiry.
  Model now = ScanAll(db.get());
  Model expected = at_snapshot;
  expected.erase(Key("a", 1));
  expected[Key("c", 0)] = TtlValue(1000, "alive");
  EXPECT_EQ(now, expected);
  EXPECT_EQ(GetValue(db.get(), Key("a", 1)), "NOT_FOUND");
  EXPECT_EQ(GetValue(db.get(), Key("b", 7)), "NOT_FOUND");
  // The snapshot reads exactly what it read before.
  EXPECT_EQ(ScanAll(db.get(), snapshot.get()), at_snapshot);
  EXPECT_EQ(GetValue(db.get(), Key("a", 1), snapshot.get()), TtlValue(1000, "v1"));
  // The filter never saw what the snapshot holds.
  for (const std::string& key : filter.seen_keys()) {
    EXPECT_TRUE(key == Key("a", 1) || key[0] == 'b' || key[0] == 'c') << key;
  }
  for (const auto& context : filter.contexts()) {
    EXPECT_TRUE(context.is_manual_compaction);
    EXPECT_FALSE(context.is_flush);
  }

  // Released, the held versions are filtered too: the expired ones vanish.
  snapshot.reset();
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  expected.clear();
  for (int i = 3; i < 100; i += 2) expected[Key("a", i)] = TtlValue(1000, "v1");
  expected[Key("c", 0)] = TtlValue(1000, "alive");
  EXPECT_EQ(ScanAll(db.get()), expected);
  EXPECT_EQ(test::ScanAllBackward(db.get()), expected);
  EXPECT_EQ(GetValue(db.get(), Key("a", 0)), "NOT_FOUND");
  EXPECT_EQ(GetValue(db.get(), Key("a", 1)), "NOT_FOUND");
  bool saw_full = false;
  for (const auto& context : filter.contexts()) saw_full |= context.is_full_compaction;
  EXPECT_TRUE(saw_full);

  // Nothing comes back after a reopen either.
  db.reset();
  db = OpenOrDie(options, dir.path());
  EXPECT_EQ(ScanAll(db.get()), expected);
}

TEST(DBCompactionFilterTest, RewritesValues) {
  TempDir dir;
  RewriteFilter filter;
  Options options = SmallOptions();
  options.compaction_filter = &filter;
  std::unique_ptr<DB> db = OpenOrDie(options, dir.path());
  for (int i = 0; i < 200; i++) {
    std::string value = (i % 3 == 0 ? "old:" : "keep:") + std::to_string(i);
    ASSERT_TRUE(db->Put(WriteOptions(), Key("k", i), value).ok());
  }
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  for (int i = 0; i < 200; i++) {
    std::string expected = (i % 3 == 0 ? "new:" : "keep:") + std::to_string(i);
    EXPECT_EQ(GetValue(db.get(), Key("k", i)), expected);
  }
  EXPECT_EQ(ScanAll(db.get()).size(), 200u);
}

// A filter's answers never undo a DeleteRange: keys it rewrites or keeps
// stay deleted when a range tombstone covers them, in the same compaction or
// from a level above.
TEST(DBCompactionFilterTest, RangeTombstonesStillHideWhatTheFilterKeeps) {
  TempDir dir;
  RewriteFilter filter;
  Options options = SmallOptions();
  options.compaction_filter = &filter;
  std::unique_ptr<DB> db = OpenOrDie(options, dir.path());
  for (int i = 0; i < 100; i++) {
    ASSERT_TRUE(db->Put(WriteOptions(), Key("k", i), "old:" + std::to_string(i)).ok());
  }
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());  // all rewritten to "new:"
  ASSERT_TRUE(db->DeleteRange(WriteOptions(), Key("k", 10), Key("k", 20)).ok());
  ASSERT_TRUE(db->Put(WriteOptions(), Key("k", 50), "old:again").ok());
  ASSERT_TRUE(db->DeleteRange(WriteOptions(), Key("k", 40), Key("k", 60)).ok());
  ASSERT_TRUE(db->Flush().ok());
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  Model expected;
  for (int i = 0; i < 100; i++) {
    if ((i >= 10 && i < 20) || (i >= 40 && i < 60)) continue;
    expected[Key("k", i)] = "new:" + std::to_string(i);
  }
  EXPECT_EQ(ScanAll(db.get()), expected);
  EXPECT_EQ(GetValue(db.get(), Key("k", 50)), "NOT_FOUND");
  EXPECT_EQ(GetValue(db.get(), Key("k", 15)), "NOT_FOUND");
}

// The expired version sits in a compaction whose output is above the level
// holding the key's older, live version: dropping it outright would bring
// that version back. It must become a tombstone that hides it.
TEST(DBCompactionFilterTest, RemoveDoesNotResurrectOlderVersionBelow) {
  TempDir dir;
  TtlFilter filter;
  Options options = SmallOptions();
  options.compaction_filter = &filter;
  // Two level-0 files that overlap make a compaction that rewrites them
  // (files sharing no key would only move down, unfiltered).
  options.l0_compaction_trigger = 2;
  std::unique_ptr<DB> db = OpenOrDie(options, dir.path());

  // About 1 MiB at the bottom level makes the base level (where level 0
  // compacts into) one well above it.
  std::string filler(1000, 'x');
  for (int i = 0; i < 1000; i++) {
    ASSERT_TRUE(db->Put(WriteOptions(), Key("f", i), TtlValue(1000, filler)).ok());
  }
  ASSERT_TRUE(db->Put(WriteOptions(), "key", TtlValue(1000, "old")).ok());
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  ASSERT_EQ(IntProperty(db.get(), "strata.num-files-at-level6") > 0, true);
  for (int level = 0; level < 6; level++) {
    ASSERT_EQ(IntProperty(db.get(), "strata.num-files-at-level" + std::to_string(level)), 0u);
  }

  filter.now = 500;
  filter.ClearRecords();
  ASSERT_TRUE(db->Put(WriteOptions(), "key", TtlValue(10, "new")).ok());
  ASSERT_TRUE(db->Put(WriteOptions(), "key3", TtlValue(1000, "live")).ok());
  ASSERT_TRUE(db->Flush().ok());
  ASSERT_TRUE(db->Put(WriteOptions(), "key2", TtlValue(1000, "live")).ok());
  ASSERT_TRUE(db->Flush().ok());
  ASSERT_TRUE(WaitForBackgroundWork(db.get()).ok());

  // A background compaction moved level 0 into a level above 6, through
  // the filter.
  std::vector<CompactionFilter::Context> contexts = filter.contexts();
  bool saw_automatic = false;
  for (const auto& context : contexts) {
    if (!context.is_manual_compaction) {
      saw_automatic = true;
      EXPECT_LT(context.level, 6);
    }
  }
  ASSERT_TRUE(saw_automatic);
  EXPECT_EQ(IntProperty(db.get(), "strata.num-files-at-level0"), 0u);
  EXPECT_EQ(GetValue(db.get(), "key"), "NOT_FOUND");
  EXPECT_EQ(GetValue(db.get(), Key("f", 5)), TtlValue(1000, filler));

  // Once everything meets at the bottom, the tombstone and the old version
  // go together.
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  EXPECT_EQ(GetValue(db.get(), "key"), "NOT_FOUND");
  EXPECT_EQ(ScanAll(db.get()).size(), 1002u);
}

TEST(DBCompactionFilterTest, FilterAtFlush) {
  TempDir dir;
  TtlFilter filter;
  filter.now = 500;
  Options options = SmallOptions();
  options.compaction_filter = &filter;
  options.compaction_filter_at_flush = true;
  options.l0_compaction_trigger = 8;  // keep the flushed table at level 0
  options.read_triggered_compaction = false;
  options.idle_compaction_ms = 0;  // nor when writes stop
  std::unique_ptr<DB> db = OpenOrDie(options, dir.path());

  // An older live version already in a table, then an expired one over it.
  ASSERT_TRUE(db->Put(WriteOptions(), "key", TtlValue(1000, "old")).ok());
  ASSERT_TRUE(db->Flush().ok());
  ASSERT_TRUE(db->Put(WriteOptions(), "key", TtlValue(10, "new")).ok());
  for (int i = 0; i < 20; i++) {
    ASSERT_TRUE(db->Put(WriteOptions(), Key("e", i), TtlValue(i < 10 ? 10 : 1000, "v")).ok());
  }
  // Held by a snapshot: flushed as it is.
  ASSERT_TRUE(db->Put(WriteOptions(), "held", TtlValue(10, "v")).ok());
  auto snapshot = TakeSnapshot(db.get());
  ASSERT_TRUE(db->Flush().ok());
  ASSERT_TRUE(WaitForBackgroundWork(db.get()).ok());
  EXPECT_EQ(IntProperty(db.get(), "strata.num-files-at-level0"), 2u);

  bool saw_flush = false;
  for (const auto& context : filter.contexts()) {
    if (context.is_flush) {
      saw_flush = true;
      EXPECT_EQ(context.level, 0);
      EXPECT_FALSE(context.is_manual_compaction);
    }
  }
  EXPECT_TRUE(saw_flush);
  // Written before the snapshot, so every version is the snapshot's: none
  // is filtered.
  EXPECT_EQ(GetValue(db.get(), "key"), TtlValue(10, "new"));
  snapshot.reset();

  ASSERT_TRUE(db->Put(WriteOptions(), "key", TtlValue(10, "newer")).ok());
  ASSERT_TRUE(db->Put(WriteOptions(), "gone", TtlValue(10, "v")).ok());
  ASSERT_TRUE(db->Flush().ok());
  ASSERT_TRUE(WaitForBackgroundWork(db.get()).ok());
  EXPECT_EQ(IntProperty(db.get(), "strata.num-files-at-level0"), 3u);
  // The expired version became a tombstone in the new level-0 table: the
  // older tables' versions stay hidden.
  EXPECT_EQ(GetValue(db.get(), "key"), "NOT_FOUND");
  EXPECT_EQ(GetValue(db.get(), "gone"), "NOT_FOUND");
  EXPECT_EQ(GetValue(db.get(), Key("e", 15)), TtlValue(1000, "v"));
  // Each flush is one job: the calls of the first and the third flush (the
  // second shows nothing, all its versions being the snapshot's) name two
  // distinct, non-zero jobs.
  std::set<uint64_t> flush_jobs;
  for (const auto& context : filter.contexts()) {
    EXPECT_NE(context.job_id, 0u);
    if (context.is_flush) flush_jobs.insert(context.job_id);
  }
  EXPECT_EQ(flush_jobs.size(), 2u);
}

TEST(DBCompactionFilterTest, FlushDoesNotFilterWithoutTheOption) {
  TempDir dir;
  TtlFilter filter;
  filter.now = 500;
  Options options = SmallOptions();
  options.compaction_filter = &filter;
  options.l0_compaction_trigger = 8;
  std::unique_ptr<DB> db = OpenOrDie(options, dir.path());
  ASSERT_TRUE(db->Put(WriteOptions(), "key", TtlValue(10, "v")).ok());
  ASSERT_TRUE(db->Flush().ok());
  ASSERT_TRUE(WaitForBackgroundWork(db.get()).ok());
  EXPECT_TRUE(filter.contexts().empty());
  EXPECT_EQ(GetValue(db.get(), "key"), TtlValue(10, "v"));
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  EXPECT_EQ(GetValue(db.get(), "key"), "NOT_FOUND");
}

// A filter that takes a snapshot the first time it runs, as another thread
// could while a compaction merges: that snapshot sees the version being
// filtered, so the result must not be installed.
class SnapshotTakingFilter : public CompactionFilter {
 public:
  const char* Name() const override { return "test.SnapshotTakingFilter"; }
  Decision Filter(const Context&, std::string_view, std::string_view, std::string*) const override {
    if (snapshot == nullptr) snapshot = db->GetSnapshot();
    return Decision::kRemove;
  }
  DB* db = nullptr;
  mutable const Snapshot* snapshot = nullptr;  // one compaction at a time here
};

TEST(DBCompactionFilterTest, SnapshotTakenDuringCompactionKeepsItsView) {
  TempDir dir;
  SnapshotTakingFilter filter;
  Options options = SmallOptions();
  options.compaction_filter = &filter;
  std::unique_ptr<DB> db = OpenOrDie(options, dir.path());
  filter.db = db.get();
  for (int i = 0; i < 50; i++) ASSERT_TRUE(db->Put(WriteOptions(), Key("k", i), "v").ok());

  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  ASSERT_NE(filter.snapshot, nullptr);
  Model all;
  for (int i = 0; i < 50; i++) all[Key("k", i)] = "v";
  EXPECT_EQ(ScanAll(db.get(), filter.snapshot), all);
  // The redone compaction knew the snapshot: nothing it sees was filtered.
  EXPECT_EQ(ScanAll(db.get()), all);

  db->ReleaseSnapshot(filter.snapshot);
  filter.snapshot = nullptr;

  // Without the snapshot, a filter that removes everything leaves nothing.
  db.reset();
  TtlFilter remove_all;
  remove_all.now = ~uint64_t{0};
  options.compaction_filter = &remove_all;
  db = OpenOrDie(options, dir.path());
  for (int i = 0; i < 50; i++) {
    ASSERT_TRUE(db->Put(WriteOptions(), Key("k", i), TtlValue(1, "v")).ok());
  }
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  EXPECT_TRUE(ScanAll(db.get()).empty());
}

class ThrowingFilter : public CompactionFilter {
 public:
  const char* Name() const override { return "test.ThrowingFilter"; }
  Decision Filter(const Context&, std::string_view, std::string_view, std::string*) const override {
    throw std::runtime_error("boom");
  }
};

TEST(DBCompactionFilterTest, ThrowingFilterFailsTheCompactionAndLosesNothing) {
  TempDir dir;
  ThrowingFilter filter;
  Options options = SmallOptions();
  options.compaction_filter = &filter;
  std::unique_ptr<DB> db = OpenOrDie(options, dir.path());
  ASSERT_TRUE(db->Put(WriteOptions(), "key", "value").ok());
  Status s = db->CompactRange(nullptr, nullptr);
  ASSERT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(s.ToString().find("test.ThrowingFilter"), std::string::npos) << s.ToString();
  EXPECT_NE(s.ToString().find("boom"), std::string::npos) << s.ToString();
  EXPECT_EQ(GetValue(db.get(), "key"), "value");
  db.reset();
  options.compaction_filter = nullptr;
  db = OpenOrDie(options, dir.path());
  EXPECT_EQ(GetValue(db.get(), "key"), "value");
}

class UnnamedFilter : public CompactionFilter {
 public:
  const char* Name() const override { return ""; }
  Decision Filter(const Context&, std::string_view, std::string_view, std::string*) const override {
    return Decision::kKeep;
  }
};

TEST(DBCompactionFilterTest, OptionsValidation) {
  TempDir dir;
  std::unique_ptr<DB> db;
  Options options;
  options.compaction_filter_at_flush = true;
  Status s = DB::Open(options, dir.path(), &db);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();

  UnnamedFilter unnamed;
  options = Options();
  options.compaction_filter = &unnamed;
  s = DB::Open(options, dir.path(), &db);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();

  TtlFilter filter;
  options.compaction_filter = &filter;
  options.compaction_filter_at_flush = true;
  s = DB::Open(options, dir.path(), &db);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

// CompactionFilterIterator alone, over a memtable holding a scripted input.
class CompactionFilterIteratorTest : public ::testing::Test {
 protected:
  void Add(std::string_view key, SequenceNumber seq, ValueType type, std::string_view value) {
    mem_->Add(seq, type, key, value);
  }
  // Every entry the wrapper yields, as "key@seq:type=value".
  std::vector<std::string> Run(const std::vector<SequenceNumber>& snapshots) {
    CompactionFilter::Context context;
    CompactionFilterIterator it(mem_->NewIterator(), &filter_, context, snapshots, icmp_);
    std::vector<std::string> out;
    for (it.SeekToFirst(); it.Valid(); it.Next()) {
      ParsedInternalKey ikey;
      EXPECT_TRUE(ParseInternalKey(it.key(), &ikey));
      out.push_back(std::string(ikey.user_key) + "@" + std::to_string(ikey.sequence) + ":" +
                    (ikey.type == kTypeValue ? "put" : "del") + "=" + std::string(it.value()));
    }
    EXPECT_TRUE(it.status().ok());
    smallest_filtered_ = it.smallest_filtered_sequence();
    return out;
  }

  InternalKeyComparator icmp_{BytewiseComparator()};
  std::shared_ptr<MemTable> mem_ = std::make_shared<MemTable>(icmp_);
  TtlFilter filter_;
  SequenceNumber smallest_filtered_ = 0;
};

TEST_F(CompactionFilterIteratorTest, OnlyNewestUnsnapshottedValuesAreFiltered) {
  filter_.now = 500;
  Add("a", 9, kTypeValue, TtlValue(10, "new"));   // expired, above the snapshot
  Add("a", 3, kTypeValue, TtlValue(10, "old"));   // older: never shown
  Add("b", 4, kTypeValue, TtlValue(10, "held"));  // a snapshot sees it
  Add("c", 8, kTypeDeletion, "");                 // tombstones are not shown
  Add("c", 2, kTypeValue, TtlValue(10, "x"));
  Add("d", 7, kTypeValue, TtlValue(1000, "live"));
  std::vector<std::string> expected = {
      "a@9:del=", "a@3:put=" + TtlValue(10, "old"), "b@4:put=" + TtlValue(10, "held"),
      "c@8:del=", "c@2:put=" + TtlValue(10, "x"),   "d@7:put=" + TtlValue(1000, "live"),
  };
  EXPECT_EQ(Run({5}), expected);
  EXPECT_EQ(smallest_filtered_, 9u);
  EXPECT_EQ(filter_.seen_keys(), (std::vector<std::string>{"a", "d"}));

  // No snapshot: b's version is filtered too.
  expected[2] = "b@4:del=";
  EXPECT_EQ(Run({}), expected);
  EXPECT_EQ(smallest_filtered_, 4u);
}

}  // namespace
}  // namespace strata
