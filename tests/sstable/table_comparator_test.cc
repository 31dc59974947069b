// TableBuilder and TableReader (sstable/table_builder.h, table_reader.h) with
// a custom Comparator and a custom FilterPolicy: blocks sorted and searched in
// the comparator's order, index separators made by its helpers (checked
// against a helper that breaks its contract), paranoid index checks, and the
// filter naming rules of docs/FORMAT.md's metaindex (a policy's filter used
// only by a reader with that policy). Also that BloomFilterMayMatch, behind
// NewBloomFilterPolicy, agrees with BloomFilterReader.
//
// Thread-safety: single-threaded tests.

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sstable/block.h"
#include "sstable/bloom_filter.h"
#include "sstable/format.h"
#include "sstable/table_builder.h"
#include "sstable/table_reader.h"
#include "sstable/table_walker.h"
#include "strata/comparator.h"
#include "strata/file_system.h"
#include "strata/filter_policy.h"
#include "test_comparators.h"
#include "test_util.h"
#include "util/internal_key.h"
#include "util/random.h"

namespace strata {
namespace {

// Bytewise reversed, like test::ReverseBytewiseComparator, but with helpers
// that break their contract (the "separator" is
// shorter but sorts before start): the builder must not use it.
class BrokenHelpersComparator final : public Comparator {
 public:
  int Compare(std::string_view a, std::string_view b) const override { return b.compare(a); }
  const char* Name() const override { return "test.BrokenHelpers"; }
  void FindShortestSeparator(std::string* start, std::string_view) const override {
    *start = std::string(1, '\xff');
  }
  void FindShortSuccessor(std::string* key) const override { *key = std::string(1, '\xff'); }
};

// Keeps the exact key set, so absence is certain; counts its calls.
class ExactSetPolicy final : public FilterPolicy {
 public:
  explicit ExactSetPolicy(const char* name) : name_(name) {}
  const char* Name() const override { return name_; }
  void CreateFilter(const std::string_view* keys, int n, std::string* dst) const override {
    num_keys = n;
    for (int i = 0; i < n; i++) {
      dst->push_back(static_cast<char>(keys[i].size()));
      dst->append(keys[i]);
    }
  }
  bool KeyMayMatch(std::string_view key, std::string_view filter) const override {
    calls++;
    while (!filter.empty()) {
      const size_t size = static_cast<uint8_t>(filter[0]);
      if (filter.substr(1, size) == key) return true;
      filter.remove_prefix(1 + size);
    }
    return false;
  }
  mutable int num_keys = -1;
  mutable int calls = 0;

 private:
  const char* const name_;
};

struct ModelLess {
  InternalKeyComparator comparator;
  bool operator()(const std::string& a, const std::string& b) const {
    return comparator.Compare(a, b) < 0;
  }
};
using Model = std::map<std::string, std::string, ModelLess>;

class TableComparatorTest : public testing::Test {
 protected:
  std::string Path(const std::string& name) const { return dir_.Child(name); }

  Status Build(const std::string& name, const TableBuilderOptions& options, const Model& model,
               TableProperties* props = nullptr) {
    std::unique_ptr<WritableFile> file;
    Status s = DefaultFileSystem()->NewWritableFile(Path(name), &file);
    if (!s.ok()) return s;
    TableBuilder builder(options, file.get());
    for (const auto& [key, value] : model) builder.Add(key, value);
    s = builder.Finish();
    if (props != nullptr) *props = builder.properties();
    if (s.ok()) s = file->Close();
    return s;
  }

  Status Open(const std::string& name, const TableReader::Options& options,
              std::unique_ptr<TableReader>* table) {
    std::unique_ptr<RandomAccessFile> file;
    Status s = DefaultFileSystem()->NewRandomAccessFile(Path(name), &file);
    uint64_t size = 0;
    if (s.ok()) s = DefaultFileSystem()->GetFileSize(Path(name), &size);
    if (!s.ok()) return s;
    return TableReader::Open(options, std::move(file), size, table);
  }

  // The index block's separators, read with the table's comparator.
  std::vector<std::string> Separators(const std::string& name, const Comparator* comparator) {
    const std::string file = test::ReadFileOrDie(Path(name));
    Footer footer;
    EXPECT_TRUE(
        footer.DecodeFrom(std::string_view(file).substr(file.size() - Footer::kEncodedLength))
            .ok());
    std::unique_ptr<RandomAccessFile> raf;
    EXPECT_TRUE(DefaultFileSystem()->NewRandomAccessFile(Path(name), &raf).ok());
    std::string contents;
    EXPECT_TRUE(ReadBlock(*raf, footer.index_handle, true, &contents).ok());
    std::unique_ptr<Block> index;
    EXPECT_TRUE(Block::Parse(std::move(contents), &index).ok());
    std::vector<std::string> result;
    std::unique_ptr<Iterator> it = index->NewIterator(InternalKeyComparator(comparator));
    for (it->SeekToFirst(); it->Valid(); it->Next()) result.emplace_back(it->key());
    return result;
  }

  test::TempDir dir_;
};

// Long keys that differ early, two versions each, in reverse order.
Model ReverseModel(const Comparator* comparator) {
  Model model(ModelLess{InternalKeyComparator(comparator)});
  for (int i = 0; i < 300; i++) {
    char prefix[8];
    std::snprintf(prefix, sizeof(prefix), "%03d", i);
    const std::string user_key = prefix + std::string(100, 'k');
    model[MakeInternalKey(user_key, 5, kTypeValue)] = "new" + std::to_string(i);
    model[MakeInternalKey(user_key, 3, i % 3 == 0 ? kTypeDeletion : kTypeValue)] =
        i % 3 == 0 ? "" : "old";
  }
  return model;
}

// Every key of the model, forward and backward, Seek to present and absent
// targets, and Get at two sequence numbers.
void CheckTable(const TableReader& table, const Model& model, const InternalKeyComparator& icmp) {
  std::unique_ptr<Iterator> it = table.NewIterator(ReadOptions());
  auto expected = model.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++expected) {
    ASSERT_NE(expected, model.end());
    ASSERT_EQ(it->key(), expected->first);
  }
  ASSERT_EQ(expected, model.end());
  auto back = model.rbegin();
  for (it->SeekToLast(); it->Valid(); it->Prev(), ++back) {
    ASSERT_NE(back, model.rend());
    ASSERT_EQ(it->key(), back->first);
  }
  ASSERT_TRUE(it->status().ok()) << it->status().ToString();

  for (int i = -1; i <= 300; i++) {
    char prefix[8];
    std::snprintf(prefix, sizeof(prefix), "%03d", i < 0 ? 999 : i);
    // Present keys, and absent ones between them ("NNNa" sorts right after
    // "NNNkkk..." in reverse order).
    for (const std::string& user_key :
         {prefix + std::string(100, 'k'), prefix + std::string("a")}) {
      for (SequenceNumber seq : {SequenceNumber{4}, SequenceNumber{9}}) {
        const std::string target = MakeInternalKey(user_key, seq, kValueTypeForSeek);
        it->Seek(target);
        auto want = model.lower_bound(target);
        if (want == model.end()) {
          ASSERT_FALSE(it->Valid()) << user_key;
        } else {
          ASSERT_TRUE(it->Valid()) << user_key;
          ASSERT_EQ(it->key(), want->first) << user_key;
        }
        std::string value;
        TableReader::GetResult result;
        ASSERT_TRUE(table.Get(ReadOptions(), LookupKey(user_key, seq), &value, &result).ok());
        if (want == model.end() ||
            icmp.CompareUserKeys(ExtractUserKey(want->first), user_key) != 0) {
          EXPECT_EQ(result, TableReader::GetResult::kNotFound) << user_key;
        } else if ((ExtractTrailer(want->first) & 0xff) == kTypeDeletion) {
          EXPECT_EQ(result, TableReader::GetResult::kDeleted) << user_key;
        } else {
          EXPECT_EQ(result, TableReader::GetResult::kFound) << user_key;
          EXPECT_EQ(value, want->second) << user_key;
        }
      }
    }
  }
}

TEST_F(TableComparatorTest, ReverseOrderWithShortSeparators) {
  test::ReverseBytewiseComparator reverse;
  const InternalKeyComparator icmp(&reverse);
  const Model model = ReverseModel(&reverse);
  TableBuilderOptions options;
  options.comparator = &reverse;
  options.block_size = 256;
  options.compression = kNoCompression;
  TableProperties props;
  ASSERT_TRUE(Build("reverse", options, model, &props).ok());
  EXPECT_GT(props.num_data_blocks, 50u);

  // Separators come from the comparator's helpers, in reverse order: short,
  // or (where a block ends between two versions of one user key, so nothing
  // shorter fits) the block's last key unchanged.
  const std::vector<std::string> separators = Separators("reverse", &reverse);
  ASSERT_EQ(separators.size(), props.num_data_blocks);
  size_t short_ones = 0;
  for (size_t i = 0; i < separators.size(); i++) {
    if (ExtractUserKey(separators[i]).size() <= 3) {
      short_ones++;
    } else {
      EXPECT_EQ(model.count(separators[i]), 1u) << i;
    }
    if (i > 0) {
      EXPECT_LT(icmp.Compare(separators[i - 1], separators[i]), 0) << i;
    }
  }
  EXPECT_GT(short_ones, separators.size() / 4);

  TableReader::Options reader_options;
  reader_options.comparator = &reverse;
  reader_options.paranoid_checks = true;  // checks the index in reverse order
  std::unique_ptr<TableReader> table;
  ASSERT_TRUE(Open("reverse", reader_options, &table).ok());
  ASSERT_NO_FATAL_FAILURE(CheckTable(*table, model, icmp));

  // Read in bytewise order, the index is out of order.
  reader_options.comparator = BytewiseComparator();
  Status s = Open("reverse", reader_options, &table);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();

  // The table walker (CheckDB, RepairDB, dumps) checks in the given order.
  std::unique_ptr<RandomAccessFile> raf;
  ASSERT_TRUE(DefaultFileSystem()->NewRandomAccessFile(Path("reverse"), &raf).ok());
  uint64_t size = 0;
  ASSERT_TRUE(DefaultFileSystem()->GetFileSize(Path("reverse"), &size).ok());
  TableWalker walker(raf.get(), size, &reverse);
  ASSERT_TRUE(walker.ReadMetadata());
  size_t entries = 0;
  walker.ReadDataBlocks([&](std::string_view, std::string_view) { entries++; });
  EXPECT_TRUE(walker.damage().empty()) << walker.damage().front().message;
  EXPECT_EQ(entries, model.size());
}

TEST_F(TableComparatorTest, BrokenSeparatorHelpersAreNotTrusted) {
  BrokenHelpersComparator broken;
  const InternalKeyComparator icmp(&broken);
  const Model model = ReverseModel(&broken);
  TableBuilderOptions options;
  options.comparator = &broken;
  options.block_size = 256;
  ASSERT_TRUE(Build("broken", options, model).ok());
  for (const std::string& separator : Separators("broken", &broken)) {
    EXPECT_NE(ExtractUserKey(separator), "\xff");
  }
  TableReader::Options reader_options;
  reader_options.comparator = &broken;
  reader_options.paranoid_checks = true;
  std::unique_ptr<TableReader> table;
  ASSERT_TRUE(Open("broken", reader_options, &table).ok());
  ASSERT_NO_FATAL_FAILURE(CheckTable(*table, model, icmp));
}

TEST_F(TableComparatorTest, PolicyFilterIsNamedAndUsedOnlyByItsPolicy) {
  ExactSetPolicy policy("test.ExactSet");
  Model model(ModelLess{InternalKeyComparator(BytewiseComparator())});
  for (int i = 0; i < 100; i += 2) {
    const std::string key = "key" + std::to_string(100 + i);
    model[MakeInternalKey(key, 7, kTypeValue)] = "v";
    model[MakeInternalKey(key, 6, kTypeValue)] = "older";  // one key, counted once
  }
  TableBuilderOptions options;
  options.filter_policy = &policy;
  TableProperties props;
  ASSERT_TRUE(Build("policy", options, model, &props).ok());
  EXPECT_EQ(policy.num_keys, 50);
  EXPECT_GT(props.filter_size, 0u);
  const std::string file = test::ReadFileOrDie(Path("policy"));
  EXPECT_NE(file.find("filter.policy.test.ExactSet"), std::string::npos);
  EXPECT_EQ(file.find("filter.bloom"), std::string::npos);

  auto lookups = [&](const FilterPolicy* reader_policy, TableReadStats* stats) {
    TableReader::Options reader_options;
    reader_options.filter_policy = reader_policy;
    reader_options.stats = stats;
    std::unique_ptr<TableReader> table;
    ASSERT_TRUE(Open("policy", reader_options, &table).ok());
    for (int i = 0; i < 100; i++) {
      std::string value;
      TableReader::GetResult result;
      const std::string key = "key" + std::to_string(100 + i);
      ASSERT_TRUE(table->Get(ReadOptions(), LookupKey(key, 10), &value, &result).ok());
      EXPECT_EQ(result,
                i % 2 == 0 ? TableReader::GetResult::kFound : TableReader::GetResult::kNotFound)
          << key;
    }
  };
  TableReadStats with_policy;
  lookups(&policy, &with_policy);
  EXPECT_EQ(policy.calls, 100);
  EXPECT_EQ(with_policy.bloom_checked.load(), 100u);
  EXPECT_EQ(with_policy.bloom_useful.load(), 50u);

  ExactSetPolicy other("test.OtherSet");
  std::unique_ptr<const FilterPolicy> bloom(NewBloomFilterPolicy(10));
  for (const FilterPolicy* reader_policy : {static_cast<const FilterPolicy*>(&other), bloom.get(),
                                            static_cast<const FilterPolicy*>(nullptr)}) {
    TableReadStats stats;
    lookups(reader_policy, &stats);
    EXPECT_EQ(stats.bloom_checked.load(), 0u);
  }
  EXPECT_EQ(other.calls, 0);
}

TEST_F(TableComparatorTest, BloomPolicyBuildsTheBuiltInFilter) {
  Model model(ModelLess{InternalKeyComparator(BytewiseComparator())});
  for (int i = 0; i < 1000; i++)
    model[MakeInternalKey("k" + std::to_string(i), 1, kTypeValue)] = "v";
  for (int bits : {1, 5, 10, 20}) {
    std::unique_ptr<const FilterPolicy> bloom(NewBloomFilterPolicy(bits));
    TableBuilderOptions builtin;
    builtin.bloom_bits_per_key = bits;
    TableBuilderOptions with_policy;
    with_policy.filter_policy = bloom.get();
    with_policy.bloom_bits_per_key = 0;  // ignored when a policy is set
    ASSERT_TRUE(Build("builtin", builtin, model).ok());
    ASSERT_TRUE(Build("policy", with_policy, model).ok());
    EXPECT_EQ(test::ReadFileOrDie(Path("builtin")), test::ReadFileOrDie(Path("policy"))) << bits;
  }
}

TEST(BloomFilterPolicyTest, MayMatchAgreesWithTheReader) {
  std::unique_ptr<const FilterPolicy> policy(NewBloomFilterPolicy(10));
  std::vector<std::string> keys;
  for (int i = 0; i < 2000; i++) keys.push_back("present" + std::to_string(i));
  std::vector<std::string_view> views(keys.begin(), keys.end());
  std::string filter;
  policy->CreateFilter(views.data(), static_cast<int>(views.size()), &filter);
  std::unique_ptr<BloomFilterReader> reader;
  ASSERT_TRUE(BloomFilterReader::Parse(filter, &reader).ok());
  Random rnd(7);
  int false_positives = 0;
  for (int i = 0; i < 10000; i++) {
    const std::string key = i < 2000 ? keys[i] : "absent" + std::to_string(rnd.Uniform(1000000));
    const bool may_match = policy->KeyMayMatch(key, filter);
    ASSERT_EQ(may_match, reader->KeyMayMatch(key)) << key;
    ASSERT_EQ(may_match, BloomFilterMayMatch(filter, key)) << key;
    if (i < 2000) {
      ASSERT_TRUE(may_match) << key;
    }
    if (i >= 2000 && may_match) false_positives++;
  }
  EXPECT_LT(false_positives, 8000 * 2 / 100);
  // A malformed filter matches everything: a read, never a wrong answer.
  EXPECT_TRUE(policy->KeyMayMatch("anything", ""));
}

}  // namespace
}  // namespace strata
