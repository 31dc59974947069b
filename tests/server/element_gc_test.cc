// ElementGcFilter's decisions, called directly over a DB holding metadata
// records (stale version, missing key, expired key, live element, a string
// where the collection was, keys outside the element range, malformed
// element keys, no DB yet), and end to end through the server: DEL of a hash
// then a full compaction removes its elements from the database.

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "hash_gc_scenario.h"
#include "server/element_gc.h"
#include "server/metadata.h"
#include "server_harness.h"
#include "test_util.h"

namespace strata::server {
namespace {

using Decision = CompactionFilter::Decision;

constexpr uint64_t kNow = 1'000'000;
uint64_t FixedNow() { return kNow; }

class ElementGcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Options options;
    options.create_if_missing = true;
    ASSERT_TRUE(DB::Open(options, dir_.Child("db"), &db_).ok());
    filter_.SetDb(db_.get());
  }
  void TearDown() override { filter_.SetDb(nullptr); }

  void PutMeta(const std::string& key, std::string record) {
    ASSERT_TRUE(db_->Put(WriteOptions(), MetadataKey(key), record).ok());
  }
  Decision Decide(std::string_view key) {
    std::string new_value;
    return filter_.Filter(CompactionFilter::Context(), key, "value", &new_value);
  }

  test::TempDir dir_;
  ElementGcFilter filter_{&FixedNow};
  std::unique_ptr<DB> db_;
};

TEST_F(ElementGcTest, KeepsElementsOfTheLiveVersion) {
  PutMeta("h", EncodeCollectionMetadata(KeyType::kHash, 0, 7, 1));
  EXPECT_EQ(Decide(SubkeyPrefix("h", 7) + "field"), Decision::kKeep);
  PutMeta("e", EncodeCollectionMetadata(KeyType::kSet, kNow + 1, 3, 1));
  EXPECT_EQ(Decide(SubkeyPrefix("e", 3) + "member"), Decision::kKeep);
}

TEST_F(ElementGcTest, DropsStaleVersion) {
  PutMeta("h", EncodeCollectionMetadata(KeyType::kHash, 0, 7, 1));
  EXPECT_EQ(Decide(SubkeyPrefix("h", 6) + "field"), Decision::kRemove);
  EXPECT_EQ(Decide(SubkeyPrefix("h", 6) + "other"), Decision::kRemove);  // cached
  EXPECT_EQ(Decide(SubkeyPrefix("h", 7) + "field"), Decision::kKeep);
}

// A keep is remembered for the rest of its job only: within the job the
// collection's further elements keep without a read (a DEL in between does
// not change the answer; keeping garbage is safe), and the next job reads
// again and drops them. Without a job id nothing is remembered.
TEST_F(ElementGcTest, KeepIsRememberedWithinOneJobOnly) {
  auto decide = [&](uint64_t job, const std::string& key) {
    CompactionFilter::Context context;
    context.job_id = job;
    std::string new_value;
    return filter_.Filter(context, key, "value", &new_value);
  };
  PutMeta("h", EncodeCollectionMetadata(KeyType::kHash, 0, 7, 2));
  const std::string prefix = SubkeyPrefix("h", 7);
  EXPECT_EQ(decide(5, prefix + "a"), Decision::kKeep);
  ASSERT_TRUE(db_->Delete(WriteOptions(), MetadataKey("h")).ok());
  EXPECT_EQ(decide(5, prefix + "b"), Decision::kKeep);    // same job: remembered
  EXPECT_EQ(decide(6, prefix + "b"), Decision::kRemove);  // next job reads
  PutMeta("g", EncodeCollectionMetadata(KeyType::kHash, 0, 9, 2));
  EXPECT_EQ(decide(0, SubkeyPrefix("g", 9) + "a"), Decision::kKeep);
  ASSERT_TRUE(db_->Delete(WriteOptions(), MetadataKey("g")).ok());
  EXPECT_EQ(decide(0, SubkeyPrefix("g", 9) + "b"), Decision::kRemove);  // no job: read
}

TEST_F(ElementGcTest, DropsElementsOfMissingExpiredOrReplacedKeys) {
  EXPECT_EQ(Decide(SubkeyPrefix("gone", 1) + "f"), Decision::kRemove);
  PutMeta("old", EncodeCollectionMetadata(KeyType::kHash, kNow, 2, 1));  // expired at now
  EXPECT_EQ(Decide(SubkeyPrefix("old", 2) + "f"), Decision::kRemove);
  PutMeta("s", EncodeStringMetadata(0, "now a string"));
  EXPECT_EQ(Decide(SubkeyPrefix("s", 4) + "f"), Decision::kRemove);
}

TEST_F(ElementGcTest, KeepsWhatIsNotAnElement) {
  PutMeta("h", EncodeCollectionMetadata(KeyType::kHash, 0, 7, 1));
  EXPECT_EQ(Decide(MetadataKey("h")), Decision::kKeep);
  EXPECT_EQ(Decide(InternalKey("next-version")), Decision::kKeep);
  EXPECT_EQ(Decide(""), Decision::kKeep);
  // Malformed: too short for its length field, or for the version.
  std::string truncated = SubkeyPrefix("gone", 1);
  EXPECT_EQ(Decide(truncated.substr(0, truncated.size() - 1)), Decision::kKeep);
  EXPECT_EQ(Decide(std::string("s\xff\xff\xff\xff", 5) + "abcdefgh"), Decision::kKeep);
  EXPECT_EQ(Decide("s"), Decision::kKeep);
}

TEST_F(ElementGcTest, KeepsEverythingWithoutADb) {
  filter_.SetDb(nullptr);
  EXPECT_EQ(Decide(SubkeyPrefix("nothing-here", 1) + "f"), Decision::kKeep);
}

TEST(ElementGcServerTest, DelThenFullCompactionDropsTheElements) {
  ServerHarness h;
  std::vector<std::string> argv = {"HSET", "h"};
  for (int i = 0; i < 1000; i++) {
    argv.push_back("field" + std::to_string(i));
    argv.push_back(std::string(50, 'v'));
  }
  EXPECT_EQ(h.Run(argv), ":1000\r\n");
  EXPECT_EQ(h.Run({"HSET", "keep", "f", "v"}), ":1\r\n");
  auto count_elements = [&h] {
    std::unique_ptr<Iterator> it = h.state()->db()->NewIterator(ReadOptions());
    int n = 0;
    for (it->Seek(std::string(1, kSubkeyPrefix)); it->Valid() && it->key()[0] == kSubkeyPrefix;
         it->Next()) {
      n++;
    }
    return n;
  };
  ASSERT_TRUE(h.state()->db()->Flush().ok());
  EXPECT_EQ(count_elements(), 1001);
  EXPECT_EQ(h.Run({"DEL", "h"}), ":1\r\n");
  ASSERT_TRUE(h.state()->db()->CompactRange(nullptr, nullptr).ok());
  EXPECT_EQ(count_elements(), 1);  // the deleted hash's elements are gone
  EXPECT_EQ(h.Run({"HGETALL", "keep"}), "*2\r\n$1\r\nf\r\n$1\r\nv\r\n");
}

// Issue 13's requirement at CI size (hash_gc_stress_test.cc runs 1M fields):
// DEL of a big hash writes one record, and a full compaction afterwards
// brings the data directory back within 10% of its size before the hash.
TEST(ElementGcServerTest, DelOfABigHashIsCheapAndItsSpaceComesBack) {
  ServerHarness h;
  HashGcFigures f = RunHashGcScenario(h, 100'000);
  EXPECT_GT(f.bytes_with_hash, f.bytes_before * 2);
  EXPECT_LE(f.bytes_after, f.bytes_before * 11 / 10);
  EXPECT_LT(f.del_micros, 20'000);  // loose: CI machines are shared; stress asserts 1 ms
}

}  // namespace
}  // namespace strata::server
