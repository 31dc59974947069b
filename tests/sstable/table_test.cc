// Tests for TableBuilder and TableReader (sstable/table_builder.h,
// sstable/table_reader.h) on real files: round trips against a std::map for
// every compression type and several block sizes, point lookups at older
// sequence numbers, the 12.5% compression rule, the bloom filter counters
// and its loading on first use, the block cache, and damaged files.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "buffer/lru_cache.h"
#include "sstable/block.h"
#include "sstable/format.h"
#include "sstable/table_builder.h"
#include "sstable/table_reader.h"
#include "strata/file_system.h"
#include "test_util.h"
#include "util/checksum.h"
#include "util/coding.h"
#include "util/internal_key.h"
#include "util/random.h"

namespace strata {
namespace {

struct InternalKeyLess {
  bool operator()(const std::string& a, const std::string& b) const {
    return InternalKeyComparator(BytewiseComparator()).Compare(a, b) < 0;
  }
};
using Model = std::map<std::string, std::string, InternalKeyLess>;

const CompressionType kAllCompressions[] = {kNoCompression, kSnappyCompression, kLZ4Compression,
                                            kZstdCompression};

Status BuildTable(const std::string& path, const TableBuilderOptions& options, const Model& model,
                  TableProperties* props = nullptr) {
  std::unique_ptr<WritableFile> file;
  Status s = DefaultFileSystem()->NewWritableFile(path, &file);
  if (!s.ok()) return s;
  TableBuilder builder(options, file.get());
  for (const auto& [key, value] : model) builder.Add(key, value);
  EXPECT_EQ(model.size(), builder.NumEntries());
  s = builder.Finish();
  if (props != nullptr) *props = builder.properties();
  uint64_t written = builder.FileSize();
  if (s.ok()) s = file->Close();
  uint64_t size = 0;
  EXPECT_TRUE(DefaultFileSystem()->GetFileSize(path, &size).ok());
  EXPECT_EQ(written, size);
  return s;
}

Status OpenTable(const std::string& path, const TableReader::Options& options,
                 std::unique_ptr<TableReader>* table) {
  std::unique_ptr<RandomAccessFile> file;
  Status s = DefaultFileSystem()->NewRandomAccessFile(path, &file);
  if (!s.ok()) return s;
  uint64_t size = 0;
  s = DefaultFileSystem()->GetFileSize(path, &size);
  if (!s.ok()) return s;
  return TableReader::Open(options, std::move(file), size, table);
}

// What Get should return: the first entry at or after (user_key, seq).
TableReader::GetResult ModelGet(const Model& model, std::string_view user_key, SequenceNumber seq,
                                std::string* value) {
  auto it = model.lower_bound(MakeInternalKey(user_key, seq, kValueTypeForSeek));
  if (it == model.end() || ExtractUserKey(it->first) != user_key) {
    return TableReader::GetResult::kNotFound;
  }
  ParsedInternalKey parsed;
  EXPECT_TRUE(ParseInternalKey(it->first, &parsed));
  if (parsed.type == kTypeDeletion) return TableReader::GetResult::kDeleted;
  *value = it->second;
  return TableReader::GetResult::kFound;
}

std::string RandomBytes(Random* rnd, size_t n) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rnd->Uniform(256));
  return s;
}

// Compressible text: words from a small vocabulary.
std::string CompressibleValue(Random* rnd, size_t n) {
  static const char* const kWords[] = {"alpha ", "beta ", "gamma ", "delta ", "strata ", "lsm "};
  std::string s;
  while (s.size() < n) s += kWords[rnd->Uniform(6)];
  s.resize(n);
  return s;
}

// Several thousand entries: mostly single versions, some keys with a few
// versions, one key with 300 versions (so its versions straddle blocks),
// about 10% tombstones, binary user keys with NUL and 0xff bytes, and
// compressible values of 0 to 300 bytes.
Model MakeModel(uint64_t seed, int num_user_keys) {
  Random rnd(seed);
  Model model;
  SequenceNumber seq = 1;
  auto add = [&](const std::string& user_key) {
    const ValueType type = rnd.OneIn(10) ? kTypeDeletion : kTypeValue;
    const std::string value = type == kTypeValue ? CompressibleValue(&rnd, rnd.Uniform(300)) : "";
    model[MakeInternalKey(user_key, seq, type)] = value;
    seq += 1 + rnd.Uniform(3);
  };
  for (int i = 0; i < num_user_keys; i++) {
    char buf[32];
    snprintf(buf, sizeof(buf), "user%07d", i * 3);
    const int versions = i == num_user_keys / 2 ? 300 : (rnd.OneIn(8) ? 1 + rnd.Uniform(5) : 1);
    for (int v = 0; v < versions; v++) add(buf);
  }
  for (const std::string& k :
       {std::string(), std::string("\0", 1), std::string("\0\xff", 2), std::string("user\0", 5),
        std::string("\xff", 1), std::string("\xff\xff\xff", 3)}) {
    add(k);
  }
  return model;
}

// Every user key in the model, plus keys that are absent.
std::vector<std::string> UserKeysToProbe(const Model& model) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : model) {
    std::string user(ExtractUserKey(key));
    if (keys.empty() || keys.back() != user) keys.push_back(user);
  }
  const size_t present = keys.size();
  for (size_t i = 0; i < present; i += 7) {
    keys.push_back(keys[i] + "x");
    keys.push_back(keys[i] + std::string(1, '\0'));
  }
  keys.push_back("user");
  keys.push_back("zzz");
  keys.push_back(std::string("\xff\xff\xff\xff", 4));
  return keys;
}

void CheckIteration(const TableReader& table, const Model& model, Random* rnd) {
  std::unique_ptr<Iterator> it = table.NewIterator(ReadOptions());
  auto expected = model.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++expected) {
    ASSERT_NE(model.end(), expected);
    ASSERT_EQ(expected->first, it->key());
    ASSERT_EQ(expected->second, it->value());
  }
  ASSERT_EQ(model.end(), expected);
  ASSERT_TRUE(it->status().ok()) << it->status().ToString();

  auto rexpected = model.rbegin();
  for (it->SeekToLast(); it->Valid(); it->Prev(), ++rexpected) {
    ASSERT_NE(model.rend(), rexpected);
    ASSERT_EQ(rexpected->first, it->key());
    ASSERT_EQ(rexpected->second, it->value());
  }
  ASSERT_EQ(model.rend(), rexpected);
  ASSERT_TRUE(it->status().ok()) << it->status().ToString();

  // Seek to every user key at several sequence numbers, then walk a few
  // steps in random directions.
  std::vector<std::string> user_keys = UserKeysToProbe(model);
  for (const std::string& user_key : user_keys) {
    for (SequenceNumber seq : {kMaxSequenceNumber, SequenceNumber{1000}, SequenceNumber{0}}) {
      const std::string target = MakeInternalKey(user_key, seq, kValueTypeForSeek);
      it->Seek(target);
      auto pos = model.lower_bound(target);
      for (int step = 0; step < 4; step++) {
        if (pos == model.end()) {
          ASSERT_FALSE(it->Valid());
          break;
        }
        ASSERT_TRUE(it->Valid());
        ASSERT_EQ(pos->first, it->key());
        ASSERT_EQ(pos->second, it->value());
        if (rnd->OneIn(2)) {
          it->Next();
          ++pos;
        } else {
          it->Prev();
          if (pos == model.begin()) {
            ASSERT_FALSE(it->Valid());
            break;
          }
          --pos;
        }
      }
    }
  }
  ASSERT_TRUE(it->status().ok()) << it->status().ToString();
}

void CheckGets(const TableReader& table, const Model& model) {
  // For present keys: at the newest sequence, at each version's own
  // sequence, just below it, and at 0.
  std::vector<std::pair<std::string, SequenceNumber>> lookups;
  for (const auto& [key, value] : model) {
    ParsedInternalKey parsed;
    ASSERT_TRUE(ParseInternalKey(key, &parsed));
    lookups.emplace_back(parsed.user_key, parsed.sequence);
    lookups.emplace_back(parsed.user_key, parsed.sequence - 1);
  }
  for (const std::string& user_key : UserKeysToProbe(model)) {
    lookups.emplace_back(user_key, kMaxSequenceNumber);
    lookups.emplace_back(user_key, 0);
  }
  for (const auto& [user_key, seq] : lookups) {
    std::string expected_value;
    const TableReader::GetResult expected = ModelGet(model, user_key, seq, &expected_value);
    std::string value = "unchanged";
    TableReader::GetResult result;
    Status s = table.Get(ReadOptions(), LookupKey(user_key, seq), &value, &result);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_EQ(expected, result) << "key " << user_key << " seq " << seq;
    if (expected == TableReader::GetResult::kFound) {
      ASSERT_EQ(expected_value, value);
    }
  }
}

void CheckProperties(const TableProperties& props, const Model& model, CompressionType type) {
  uint64_t deletions = 0, key_bytes = 0, value_bytes = 0;
  SequenceNumber min_seq = kMaxSequenceNumber, max_seq = 0;
  for (const auto& [key, value] : model) {
    ParsedInternalKey parsed;
    ASSERT_TRUE(ParseInternalKey(key, &parsed));
    deletions += parsed.type == kTypeDeletion;
    key_bytes += key.size();
    value_bytes += value.size();
    min_seq = std::min(min_seq, parsed.sequence);
    max_seq = std::max(max_seq, parsed.sequence);
  }
  EXPECT_EQ(model.size(), props.num_entries);
  EXPECT_EQ(deletions, props.num_deletions);
  EXPECT_EQ(key_bytes, props.raw_key_size);
  EXPECT_EQ(value_bytes, props.raw_value_size);
  EXPECT_EQ(model.begin()->first, props.smallest_key);
  EXPECT_EQ(model.rbegin()->first, props.largest_key);
  EXPECT_EQ(min_seq, props.min_sequence);
  EXPECT_EQ(max_seq, props.max_sequence);
  EXPECT_EQ(type, props.compression);
  EXPECT_GT(props.index_size, 0u);
  EXPECT_GT(props.filter_size, 0u);
  EXPECT_GE(props.num_data_blocks, 1u);
}

class TableTest : public testing::Test {
 protected:
  std::string Path(const std::string& name) const { return dir_.Child(name); }
  test::TempDir dir_;
};

TEST_F(TableTest, RoundTripForEveryCompressionAndBlockSize) {
  const Model model = MakeModel(/*seed=*/42, /*num_user_keys=*/2000);
  Random rnd(1);
  for (CompressionType compression : kAllCompressions) {
    for (size_t block_size : {256, 1024, 4096, 16384, 65536}) {
      SCOPED_TRACE("compression " + std::to_string(compression) + ", block size " +
                   std::to_string(block_size));
      TableBuilderOptions options;
      options.block_size = block_size;
      options.compression = compression;
      const std::string path =
          Path("table-" + std::to_string(compression) + "-" + std::to_string(block_size) + ".sst");
      TableProperties built;
      ASSERT_TRUE(BuildTable(path, options, model, &built).ok());

      std::unique_ptr<TableReader> table;
      TableReader::Options reader_options;
      reader_options.paranoid_checks = true;
      Status s = OpenTable(path, reader_options, &table);
      ASSERT_TRUE(s.ok()) << s.ToString();
      CheckProperties(table->properties(), model, compression);
      EXPECT_EQ(built.data_size, table->properties().data_size);
      EXPECT_EQ(built.index_size, table->properties().index_size);
      EXPECT_EQ(built.num_data_blocks, table->properties().num_data_blocks);
      // Blocks are cut once they reach block_size, so they stay near it.
      uint64_t raw = built.raw_key_size + built.raw_value_size;
      EXPECT_GE(built.num_data_blocks, raw / (block_size + 512));
      if (compression != kNoCompression) {
        EXPECT_LT(built.data_size, raw) << "compressible values did not shrink";
      }

      ASSERT_NO_FATAL_FAILURE(CheckIteration(*table, model, &rnd));
      ASSERT_NO_FATAL_FAILURE(CheckGets(*table, model));
    }
  }
}

// Reads the stored compression type of every data block from the file: the
// first byte of each block's trailer.
std::vector<uint8_t> DataBlockTypes(const std::string& path) {
  const std::string file = test::ReadFileOrDie(path);
  Footer footer;
  EXPECT_TRUE(
      footer.DecodeFrom(std::string_view(file).substr(file.size() - Footer::kEncodedLength)).ok());
  std::unique_ptr<RandomAccessFile> raf;
  EXPECT_TRUE(DefaultFileSystem()->NewRandomAccessFile(path, &raf).ok());
  std::string contents;
  EXPECT_TRUE(ReadBlock(*raf, footer.index_handle, true, &contents).ok());
  std::unique_ptr<Block> index;
  EXPECT_TRUE(Block::Parse(std::move(contents), &index).ok());
  std::vector<uint8_t> types;
  std::unique_ptr<Iterator> it = index->NewIterator(InternalKeyComparator(BytewiseComparator()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view value = it->value();
    BlockHandle handle;
    EXPECT_TRUE(handle.DecodeFrom(&value).ok());
    types.push_back(static_cast<uint8_t>(file[handle.offset() + handle.size()]));
  }
  return types;
}

TEST_F(TableTest, BlocksThatCompressLessThanAnEighthStayUncompressed) {
  Random rnd(3);
  Model random_values, text_values;
  for (int i = 0; i < 400; i++) {
    const std::string key = MakeInternalKey("key" + std::to_string(1000 + i), 5, kTypeValue);
    random_values[key] = RandomBytes(&rnd, 100);
    text_values[key] = CompressibleValue(&rnd, 100);
  }
  for (CompressionType compression : kAllCompressions) {
    TableBuilderOptions options;
    options.compression = compression;
    options.block_size = 1024;
    const std::string random_path = Path("random-" + std::to_string(compression));
    const std::string text_path = Path("text-" + std::to_string(compression));
    ASSERT_TRUE(BuildTable(random_path, options, random_values).ok());
    ASSERT_TRUE(BuildTable(text_path, options, text_values).ok());

    std::vector<uint8_t> types = DataBlockTypes(random_path);
    ASSERT_GT(types.size(), 10u);
    for (uint8_t type : types) EXPECT_EQ(kNoCompression, type) << "compression " << compression;
    types = DataBlockTypes(text_path);
    ASSERT_GT(types.size(), 10u);
    for (uint8_t type : types) EXPECT_EQ(compression, type);

    // Both read back.
    for (const std::string& path : {random_path, text_path}) {
      std::unique_ptr<TableReader> table;
      ASSERT_TRUE(OpenTable(path, {}, &table).ok());
      const Model& model = path == random_path ? random_values : text_values;
      Random walk(4);
      ASSERT_NO_FATAL_FAILURE(CheckIteration(*table, model, &walk));
    }
  }
}

TEST_F(TableTest, EmptyTable) {
  for (int bits : {0, 10}) {
    TableBuilderOptions options;
    options.bloom_bits_per_key = bits;
    TableProperties built;
    ASSERT_TRUE(BuildTable(Path("empty"), options, Model(), &built).ok());
    EXPECT_EQ(0u, built.num_entries);
    EXPECT_EQ(0u, built.num_data_blocks);
    EXPECT_EQ(0u, built.data_size);

    std::unique_ptr<TableReader> table;
    TableReader::Options reader_options;
    reader_options.paranoid_checks = true;
    ASSERT_TRUE(OpenTable(Path("empty"), reader_options, &table).ok());
    EXPECT_EQ(0u, table->properties().num_entries);
    EXPECT_EQ("", table->properties().smallest_key);
    std::unique_ptr<Iterator> it = table->NewIterator(ReadOptions());
    it->SeekToFirst();
    EXPECT_FALSE(it->Valid());
    it->SeekToLast();
    EXPECT_FALSE(it->Valid());
    it->Seek(MakeInternalKey("a", 1, kTypeValue));
    EXPECT_FALSE(it->Valid());
    EXPECT_TRUE(it->status().ok());
    std::string value;
    TableReader::GetResult result;
    ASSERT_TRUE(table->Get(ReadOptions(), LookupKey("a", 1), &value, &result).ok());
    EXPECT_EQ(TableReader::GetResult::kNotFound, result);
    EXPECT_EQ(0u, table->ApproximateOffsetOf(MakeInternalKey("a", 1, kTypeValue)));
  }
}

TEST_F(TableTest, MegabyteValue) {
  Random rnd(5);
  Model model;
  model[MakeInternalKey("a", 1, kTypeValue)] = "small";
  model[MakeInternalKey("big", 2, kTypeValue)] = RandomBytes(&rnd, 1 << 20);
  model[MakeInternalKey("bigtext", 3, kTypeValue)] = CompressibleValue(&rnd, 1 << 20);
  model[MakeInternalKey("zeros", 4, kTypeValue)] = std::string(1 << 20, '\0');
  model[MakeInternalKey("z", 5, kTypeValue)] = "after";
  for (CompressionType compression : kAllCompressions) {
    TableBuilderOptions options;
    options.compression = compression;
    ASSERT_TRUE(BuildTable(Path("big"), options, model).ok());
    std::unique_ptr<TableReader> table;
    ASSERT_TRUE(OpenTable(Path("big"), {}, &table).ok());
    Random walk(6);
    ASSERT_NO_FATAL_FAILURE(CheckIteration(*table, model, &walk));
    ASSERT_NO_FATAL_FAILURE(CheckGets(*table, model));
  }
}

TEST_F(TableTest, BloomFilterCountsAndSkips) {
  Model model;
  for (int i = 0; i < 5000; i++) {
    model[MakeInternalKey("present" + std::to_string(i), 10, kTypeValue)] = "v";
  }
  ASSERT_TRUE(BuildTable(Path("bloom"), TableBuilderOptions(), model).ok());
  TableReadStats stats;
  TableReader::Options reader_options;
  reader_options.stats = &stats;
  std::unique_ptr<TableReader> table;
  ASSERT_TRUE(OpenTable(Path("bloom"), reader_options, &table).ok());
  EXPECT_GT(table->properties().filter_size, 5000u * 10 / 8);

  std::string value;
  TableReader::GetResult result;
  for (int i = 0; i < 5000; i++) {
    ASSERT_TRUE(
        table->Get(ReadOptions(), LookupKey("present" + std::to_string(i), 20), &value, &result)
            .ok());
    ASSERT_EQ(TableReader::GetResult::kFound, result);
  }
  EXPECT_EQ(5000u, stats.bloom_checked.load());
  EXPECT_EQ(0u, stats.bloom_useful.load());
  EXPECT_EQ(0u, stats.bloom_false_positive.load());

  constexpr int kAbsent = 20000;
  for (int i = 0; i < kAbsent; i++) {
    ASSERT_TRUE(
        table->Get(ReadOptions(), LookupKey("absent" + std::to_string(i), 20), &value, &result)
            .ok());
    ASSERT_EQ(TableReader::GetResult::kNotFound, result);
  }
  EXPECT_EQ(5000u + kAbsent, stats.bloom_checked.load());
  EXPECT_EQ(uint64_t{kAbsent}, stats.bloom_useful.load() + stats.bloom_false_positive.load());
  EXPECT_LT(stats.bloom_false_positive.load(), kAbsent * 2 / 100);  // about 1% expected

  // The filter covers user keys: an older sequence than any stored version
  // still passes it, and the lookup then finds nothing.
  const uint64_t fp_before = stats.bloom_false_positive.load();
  ASSERT_TRUE(table->Get(ReadOptions(), LookupKey("present1", 5), &value, &result).ok());
  EXPECT_EQ(TableReader::GetResult::kNotFound, result);
  EXPECT_EQ(fp_before + 1, stats.bloom_false_positive.load());
}

// A table read through a mapping keeps its metadata (index, filter,
// properties) as copies: opening it leaves none of the mapping's pages of
// them resident, so they do not count twice in the process's memory.
TEST_F(TableTest, MappedTableKeepsNoMetadataPagesResident) {
  Model model;
  for (int i = 0; i < 200000; i++) {
    char key[16];
    std::snprintf(key, sizeof(key), "k%09d", i);
    model[MakeInternalKey(key, 10, kTypeValue)] = "v";
  }
  TableBuilderOptions options;
  options.bloom_bits_per_key = 10;
  TableProperties props;
  ASSERT_TRUE(BuildTable(Path("mapped"), options, model, &props).ok());
  ASSERT_GT(props.filter_size + props.index_size, 200u << 10);

  uint64_t size = 0;
  ASSERT_TRUE(DefaultFileSystem()->GetFileSize(Path("mapped"), &size).ok());
  std::unique_ptr<TableReader> table;
  // Twice: the first open also faults in the code it runs.
  uint64_t before = 0;
  for (int round = 0; round < 2; round++) {
    table.reset();
    std::unique_ptr<RandomAccessFile> file;
    ASSERT_TRUE(DefaultFileSystem()->NewMappedRandomAccessFile(Path("mapped"), &file).ok());
    before = test::ResidentFileKiB();
    ASSERT_TRUE(TableReader::Open({}, std::move(file), size, &table).ok());
  }
  // What the kernel maps around a fault (64 KiB) where the data ends and
  // the metadata begins, at most.
  EXPECT_LE(test::ResidentFileKiB(), before + 68)
      << "metadata of " << (props.filter_size + props.index_size) / 1024 << " KiB";

  std::string value;
  TableReader::GetResult result;
  for (int i = 0; i < 200000; i += 997) {
    char key[16];
    std::snprintf(key, sizeof(key), "k%09d", i);
    ASSERT_TRUE(table->Get(ReadOptions(), LookupKey(key, 20), &value, &result).ok());
    ASSERT_EQ(TableReader::GetResult::kFound, result) << key;
  }
  ASSERT_TRUE(table->Get(ReadOptions(), LookupKey("k-absent", 20), &value, &result).ok());
  EXPECT_EQ(TableReader::GetResult::kNotFound, result);
}

// The bloom filter, checked at open, is read into memory again by the first
// lookup that needs it, and checked again then: a filter damaged after the
// open fails lookups (never a wrong answer), while a reader that loaded it
// before the damage, and scans, which use no filter, go on.
TEST_F(TableTest, FilterIsLoadedAndCheckedByTheFirstLookup) {
  Model model;
  for (int i = 0; i < 2000; i++) {
    model[MakeInternalKey("key" + std::to_string(i), 10, kTypeValue)] = "v";
  }
  TableBuilderOptions options;
  options.bloom_bits_per_key = 10;
  TableProperties props;
  ASSERT_TRUE(BuildTable(Path("lazy"), options, model, &props).ok());
  ASSERT_GT(props.filter_size, 0u);

  std::unique_ptr<TableReader> loaded, unloaded;
  ASSERT_TRUE(OpenTable(Path("lazy"), {}, &loaded).ok());
  ASSERT_TRUE(OpenTable(Path("lazy"), {}, &unloaded).ok());
  std::string value;
  TableReader::GetResult result;
  ASSERT_TRUE(loaded->Get(ReadOptions(), LookupKey("key7", 20), &value, &result).ok());
  ASSERT_EQ(TableReader::GetResult::kFound, result);

  // The filter is the first block after the data blocks.
  test::XorByteOrDie(Path("lazy"), props.data_size + 3, 0x20);
  Status s = unloaded->Get(ReadOptions(), LookupKey("key7", 20), &value, &result);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  s = unloaded->Get(ReadOptions(), LookupKey("absent", 20), &value, &result);
  EXPECT_TRUE(s.IsCorruption()) << "the failed load is not retried into a wrong answer";
  std::unique_ptr<Iterator> it = unloaded->NewIterator(ReadOptions());
  size_t entries = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) entries++;
  EXPECT_TRUE(it->status().ok()) << it->status().ToString();
  EXPECT_EQ(entries, model.size());

  ASSERT_TRUE(loaded->Get(ReadOptions(), LookupKey("key1999", 20), &value, &result).ok());
  EXPECT_EQ(TableReader::GetResult::kFound, result);
  ASSERT_TRUE(loaded->Get(ReadOptions(), LookupKey("absent", 20), &value, &result).ok());
  EXPECT_EQ(TableReader::GetResult::kNotFound, result);
  // A new open checks the filter as before.
  std::unique_ptr<TableReader> reopened;
  EXPECT_TRUE(OpenTable(Path("lazy"), {}, &reopened).IsCorruption());
}

TEST_F(TableTest, DataBlocksReadCountsUserReadsOnly) {
  Model model;
  for (int i = 0; i < 2000; i++) {
    model[MakeInternalKey("key" + std::to_string(10000 + i), 10, kTypeValue)] =
        std::string(100, 'v');
  }
  ASSERT_TRUE(BuildTable(Path("counted"), TableBuilderOptions(), model).ok());
  TableReadStats stats;
  TableReader::Options reader_options;
  reader_options.stats = &stats;
  std::unique_ptr<TableReader> table;
  ASSERT_TRUE(OpenTable(Path("counted"), reader_options, &table).ok());
  auto scan = [&](TableReadCaller caller) {
    std::unique_ptr<Iterator> it = table->NewIterator(ReadOptions(), caller);
    size_t n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) n++;
    EXPECT_TRUE(it->status().ok()) << it->status().ToString();
    EXPECT_EQ(model.size(), n);
  };

  // A compaction's walk over every block counts nothing...
  scan(TableReadCaller::kCompaction);
  EXPECT_EQ(0u, stats.data_blocks_read.load());
  // ...a user's counts every block it opens: ~230 KB in 4 KiB blocks.
  scan(TableReadCaller::kUser);
  const uint64_t blocks = stats.data_blocks_read.load();
  EXPECT_GE(blocks, 2000u * 110 / 4096);
  EXPECT_LE(blocks, 2000u * 130 / 2048);
  // A Get is a user's read: one block.
  std::string value;
  TableReader::GetResult result;
  ASSERT_TRUE(table->Get(ReadOptions(), LookupKey("key10500", 20), &value, &result).ok());
  EXPECT_EQ(TableReader::GetResult::kFound, result);
  EXPECT_EQ(blocks + 1, stats.data_blocks_read.load());
}

TEST_F(TableTest, NoFilterWhenBitsPerKeyIsZero) {
  Model model;
  model[MakeInternalKey("k", 1, kTypeValue)] = "v";
  TableBuilderOptions options;
  options.bloom_bits_per_key = 0;
  ASSERT_TRUE(BuildTable(Path("nofilter"), options, model).ok());
  TableReadStats stats;
  TableReader::Options reader_options;
  reader_options.stats = &stats;
  std::unique_ptr<TableReader> table;
  ASSERT_TRUE(OpenTable(Path("nofilter"), reader_options, &table).ok());
  EXPECT_EQ(0u, table->properties().filter_size);
  std::string value;
  TableReader::GetResult result;
  ASSERT_TRUE(table->Get(ReadOptions(), LookupKey("other", 9), &value, &result).ok());
  EXPECT_EQ(TableReader::GetResult::kNotFound, result);
  ASSERT_TRUE(table->Get(ReadOptions(), LookupKey("k", 9), &value, &result).ok());
  EXPECT_EQ(TableReader::GetResult::kFound, result);
  EXPECT_EQ("v", value);
  EXPECT_EQ(0u, stats.bloom_checked.load());
}

TEST_F(TableTest, BlockCache) {
  const Model model = MakeModel(/*seed=*/9, /*num_user_keys=*/500);
  TableBuilderOptions options;
  options.block_size = 1024;
  ASSERT_TRUE(BuildTable(Path("cached"), options, model).ok());

  LRUCache cache(1 << 20);
  TableReader::Options reader_options;
  reader_options.block_cache = &cache;
  reader_options.file_number = 7;
  std::unique_ptr<TableReader> table;
  ASSERT_TRUE(OpenTable(Path("cached"), reader_options, &table).ok());

  // A full scan loads each data block once, and the second scan hits.
  Random rnd(2);
  ASSERT_NO_FATAL_FAILURE(CheckIteration(*table, model, &rnd));
  const LRUCache::Stats after_first = cache.GetStats();
  EXPECT_EQ(table->properties().num_data_blocks, after_first.inserts);
  {
    std::unique_ptr<Iterator> it = table->NewIterator(ReadOptions());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
    }
  }
  const LRUCache::Stats after_second = cache.GetStats();
  EXPECT_EQ(after_first.inserts, after_second.inserts);
  EXPECT_EQ(after_first.hits + table->properties().num_data_blocks, after_second.hits);
  EXPECT_EQ(0u, after_second.pinned_usage);

  // An iterator pins the block it is in, and only that one.
  {
    std::unique_ptr<Iterator> it = table->NewIterator(ReadOptions());
    it->SeekToFirst();
    ASSERT_TRUE(it->Valid());
    const size_t pinned = cache.GetStats().pinned_usage;
    EXPECT_GT(pinned, 0u);
    EXPECT_LE(pinned, 2 * options.block_size + 1024);
    it->SeekToLast();
    EXPECT_GT(cache.GetStats().pinned_usage, 0u);
    EXPECT_LE(cache.GetStats().pinned_usage, 2 * options.block_size + 1024);
  }
  EXPECT_EQ(0u, cache.GetStats().pinned_usage);

  ASSERT_NO_FATAL_FAILURE(CheckGets(*table, model));
  EXPECT_EQ(after_first.inserts, cache.GetStats().inserts);
}

TEST_F(TableTest, FillCacheFalseReadsThroughWithoutInserting) {
  const Model model = MakeModel(/*seed=*/10, /*num_user_keys=*/300);
  TableBuilderOptions options;
  options.block_size = 1024;
  ASSERT_TRUE(BuildTable(Path("nofill"), options, model).ok());
  LRUCache cache(1 << 20);
  TableReader::Options reader_options;
  reader_options.block_cache = &cache;
  reader_options.file_number = 8;
  std::unique_ptr<TableReader> table;
  ASSERT_TRUE(OpenTable(Path("nofill"), reader_options, &table).ok());

  ReadOptions no_fill;
  no_fill.fill_cache = false;
  std::unique_ptr<Iterator> it = table->NewIterator(no_fill);
  auto expected = model.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++expected) {
    ASSERT_EQ(expected->first, it->key());
    ASSERT_EQ(expected->second, it->value());
  }
  ASSERT_EQ(model.end(), expected);
  EXPECT_EQ(0u, cache.GetStats().inserts);
  EXPECT_EQ(0u, cache.GetStats().usage);

  // Blocks already cached are still used.
  std::string value;
  TableReader::GetResult result;
  const auto& [first_key, first_value] = *model.begin();
  const LookupKey lookup(ExtractUserKey(first_key), kMaxSequenceNumber);
  ASSERT_TRUE(table->Get(ReadOptions(), lookup, &value, &result).ok());
  EXPECT_EQ(1u, cache.GetStats().inserts);
  const uint64_t hits = cache.GetStats().hits;
  ASSERT_TRUE(table->Get(no_fill, lookup, &value, &result).ok());
  EXPECT_EQ(hits + 1, cache.GetStats().hits);
}

TEST_F(TableTest, TinyCacheEvictsWhileIterating) {
  const Model model = MakeModel(/*seed=*/11, /*num_user_keys=*/500);
  TableBuilderOptions options;
  options.block_size = 512;
  ASSERT_TRUE(BuildTable(Path("tiny"), options, model).ok());
  LRUCache cache(2048, /*shard_bits=*/0);
  TableReader::Options reader_options;
  reader_options.block_cache = &cache;
  std::unique_ptr<TableReader> table;
  ASSERT_TRUE(OpenTable(Path("tiny"), reader_options, &table).ok());
  Random rnd(3);
  ASSERT_NO_FATAL_FAILURE(CheckIteration(*table, model, &rnd));
  ASSERT_NO_FATAL_FAILURE(CheckGets(*table, model));
  EXPECT_GT(cache.GetStats().evictions, 0u);
}

TEST_F(TableTest, ConcurrentGetsShareTheCache) {
  const Model model = MakeModel(/*seed=*/12, /*num_user_keys=*/1000);
  TableBuilderOptions options;
  options.block_size = 1024;
  ASSERT_TRUE(BuildTable(Path("shared"), options, model).ok());
  LRUCache cache(16 << 10);
  TableReadStats stats;
  TableReader::Options reader_options;
  reader_options.block_cache = &cache;
  reader_options.stats = &stats;
  std::unique_ptr<TableReader> table;
  ASSERT_TRUE(OpenTable(Path("shared"), reader_options, &table).ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([&] { CheckGets(*table, model); });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_GT(stats.bloom_checked.load(), 0u);
}

TEST_F(TableTest, ApproximateOffsetOf) {
  Random rnd(8);
  Model model;
  for (int i = 0; i < 100; i++) {
    model[MakeInternalKey("k" + std::to_string(100 + i), 1, kTypeValue)] = RandomBytes(&rnd, 1000);
  }
  TableBuilderOptions options;
  options.compression = kNoCompression;
  ASSERT_TRUE(BuildTable(Path("approx"), options, model).ok());
  std::unique_ptr<TableReader> table;
  ASSERT_TRUE(OpenTable(Path("approx"), {}, &table).ok());
  EXPECT_EQ(0u, table->ApproximateOffsetOf(MakeInternalKey("a", 1, kTypeValue)));
  EXPECT_EQ(0u, table->ApproximateOffsetOf(MakeInternalKey("k100", 1, kTypeValue)));
  uint64_t previous = 0;
  for (int i = 0; i < 100; i += 10) {
    const uint64_t offset =
        table->ApproximateOffsetOf(MakeInternalKey("k" + std::to_string(100 + i), 1, kTypeValue));
    EXPECT_GE(offset, previous);
    // About 1 KiB per entry before it.
    EXPECT_NEAR(static_cast<double>(i) * 1020, static_cast<double>(offset), 5000.0);
    previous = offset;
  }
  EXPECT_EQ(table->properties().data_size,
            table->ApproximateOffsetOf(MakeInternalKey("z", 1, kTypeValue)));
}

// Builds a small uncompressed or compressed table whose first data block
// holds keys k000..; returns the path, the model and the first block's
// handle.
struct SmallTable {
  std::string path;
  Model model;
  BlockHandle first_block;
};

SmallTable BuildSmallTable(const test::TempDir& dir, CompressionType compression) {
  SmallTable t;
  t.path = dir.Child("small-" + std::to_string(compression));
  Random rnd(13);
  for (int i = 0; i < 60; i++) {
    char key[8];
    snprintf(key, sizeof(key), "k%03d", i);
    t.model[MakeInternalKey(key, 100 + i, kTypeValue)] = CompressibleValue(&rnd, 40);
  }
  TableBuilderOptions options;
  options.block_size = 512;
  options.compression = compression;
  EXPECT_TRUE(BuildTable(t.path, options, t.model).ok());
  const std::string file = test::ReadFileOrDie(t.path);
  Footer footer;
  EXPECT_TRUE(
      footer.DecodeFrom(std::string_view(file).substr(file.size() - Footer::kEncodedLength)).ok());
  std::unique_ptr<RandomAccessFile> raf;
  EXPECT_TRUE(DefaultFileSystem()->NewRandomAccessFile(t.path, &raf).ok());
  std::string contents;
  EXPECT_TRUE(ReadBlock(*raf, footer.index_handle, true, &contents).ok());
  std::unique_ptr<Block> index;
  EXPECT_TRUE(Block::Parse(std::move(contents), &index).ok());
  std::unique_ptr<Iterator> it = index->NewIterator(InternalKeyComparator(BytewiseComparator()));
  it->SeekToFirst();
  std::string_view value = it->value();
  EXPECT_TRUE(t.first_block.DecodeFrom(&value).ok());
  return t;
}

// Every entry the iterator yields must be the model's entry at that
// position: damage may stop iteration, never change what it returns.
Status ScanComparingWithModel(const TableReader& table, const Model& model,
                              const ReadOptions& read_options) {
  std::unique_ptr<Iterator> it = table.NewIterator(read_options);
  auto expected = model.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++expected) {
    EXPECT_NE(model.end(), expected);
    if (expected == model.end()) break;
    EXPECT_EQ(expected->first, it->key());
    EXPECT_EQ(expected->second, it->value());
  }
  if (it->status().ok()) {
    EXPECT_EQ(model.end(), expected);
  }
  EXPECT_FALSE(it->Valid());
  return it->status();
}

TEST_F(TableTest, EveryFlippedByteInADataBlockIsCorruption) {
  for (CompressionType compression : kAllCompressions) {
    SCOPED_TRACE("compression " + std::to_string(compression));
    const SmallTable t = BuildSmallTable(dir_, compression);
    const std::string good = test::ReadFileOrDie(t.path);
    const std::string first_user_key(ExtractUserKey(t.model.begin()->first));
    // Every byte of the block and its trailer.
    const uint64_t end = t.first_block.offset() + t.first_block.size() + kBlockTrailerSize;
    for (uint64_t pos = t.first_block.offset(); pos < end; pos++) {
      std::string bad = good;
      bad[pos] = static_cast<char>(bad[pos] ^ 0x40);
      const std::string path = Path("flipped");
      test::WriteFileOrDie(path, bad);
      std::unique_ptr<TableReader> table;
      ASSERT_TRUE(OpenTable(path, {}, &table).ok());  // data blocks are read lazily

      std::string value;
      TableReader::GetResult result;
      Status s =
          table->Get(ReadOptions(), LookupKey(first_user_key, kMaxSequenceNumber), &value, &result);
      ASSERT_TRUE(s.IsCorruption()) << "byte " << pos << ": " << s.ToString();
      s = ScanComparingWithModel(*table, t.model, ReadOptions());
      ASSERT_TRUE(s.IsCorruption()) << "byte " << pos << ": " << s.ToString();

      // Without checksums the damage may go unnoticed in an uncompressed
      // block, but it is never read out of bounds (ASan) and never crashes.
      ReadOptions unchecked;
      unchecked.verify_checksums = false;
      std::unique_ptr<Iterator> it = table->NewIterator(unchecked);
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
      }
      for (it->SeekToLast(); it->Valid(); it->Prev()) {
      }
      s = table->Get(unchecked, LookupKey(first_user_key, kMaxSequenceNumber), &value, &result);
      EXPECT_TRUE(s.ok() || s.IsCorruption()) << s.ToString();
    }
  }
}

TEST_F(TableTest, CorruptionStopsAScanMidway) {
  const SmallTable t = BuildSmallTable(dir_, kLZ4Compression);
  std::string bad = test::ReadFileOrDie(t.path);
  // Damage the second data block (the first ends at first_block's trailer).
  const uint64_t second = t.first_block.offset() + t.first_block.size() + kBlockTrailerSize;
  bad[second + 3] ^= 0x01;
  test::WriteFileOrDie(Path("midway"), bad);
  std::unique_ptr<TableReader> table;
  ASSERT_TRUE(OpenTable(Path("midway"), {}, &table).ok());
  std::unique_ptr<Iterator> it = table->NewIterator(ReadOptions());
  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) n++;
  EXPECT_GT(n, 0);
  EXPECT_LT(n, static_cast<int>(t.model.size()));
  EXPECT_TRUE(it->status().IsCorruption());
  // The error is sticky.
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsCorruption());
}

TEST_F(TableTest, DamagedFooterOrMetadataFailsOpen) {
  const SmallTable t = BuildSmallTable(dir_, kZstdCompression);
  const std::string good = test::ReadFileOrDie(t.path);
  auto open_with = [&](const std::string& contents) {
    test::WriteFileOrDie(Path("damaged"), contents);
    std::unique_ptr<TableReader> table;
    Status s = OpenTable(Path("damaged"), {}, &table);
    EXPECT_EQ(s.ok(), table != nullptr);
    return s;
  };
  ASSERT_TRUE(open_with(good).ok());

  // Every byte of the magic number.
  for (size_t i = 1; i <= 8; i++) {
    std::string bad = good;
    bad[bad.size() - i] ^= 0x10;
    EXPECT_TRUE(open_with(bad).IsCorruption()) << "magic byte " << i;
  }
  std::string bad = good;
  EncodeFixed32(bad.data() + bad.size() - 16, 2);  // format version 2
  EXPECT_TRUE(open_with(bad).IsCorruption());
  bad = good;
  bad[bad.size() - 12] = 1;  // the reserved word
  EXPECT_TRUE(open_with(bad).IsCorruption());
  bad = good;
  bad[bad.size() - Footer::kEncodedLength + 31] = 1;  // the handles' padding
  EXPECT_TRUE(open_with(bad).IsCorruption());

  EXPECT_TRUE(open_with("").IsCorruption());
  EXPECT_TRUE(open_with(good.substr(0, 47)).IsCorruption());
  EXPECT_TRUE(open_with(good.substr(0, good.size() - 1)).IsCorruption());
  EXPECT_TRUE(open_with(good.substr(1)).IsCorruption());

  // Any flipped byte between the data blocks and the footer (filter, index,
  // properties, metaindex) is caught by its block's checksum.
  TableProperties props;
  {
    std::unique_ptr<TableReader> table;
    ASSERT_TRUE(OpenTable(t.path, {}, &table).ok());
    props = table->properties();
  }
  for (size_t pos = props.data_size; pos < good.size() - Footer::kEncodedLength; pos++) {
    bad = good;
    bad[pos] ^= 0x04;
    EXPECT_TRUE(open_with(bad).IsCorruption()) << "byte " << pos;
  }
}

TEST_F(TableTest, FooterLayout) {
  Footer footer;
  footer.metaindex_handle = BlockHandle(1000, 50);
  footer.index_handle = BlockHandle(300, 700);
  std::string encoded;
  ASSERT_TRUE(footer.EncodeTo(&encoded).ok());
  ASSERT_EQ(48u, encoded.size());
  std::string expected("\xe8\x07\x32\xac\x02\xbc\x05", 7);  // varint64s 1000, 50, 300, 700
  expected.resize(32, '\0');
  expected += std::string(
      "\x01\x00\x00\x00"
      "\x00\x00\x00\x00",
      8);
  expected += "STRATATB";
  EXPECT_EQ(expected, encoded);
  Footer decoded;
  ASSERT_TRUE(decoded.DecodeFrom(encoded).ok());
  EXPECT_EQ(1000u, decoded.metaindex_handle.offset());
  EXPECT_EQ(50u, decoded.metaindex_handle.size());
  EXPECT_EQ(300u, decoded.index_handle.offset());
  EXPECT_EQ(700u, decoded.index_handle.size());

  // Handles that cannot fit in 32 bytes are refused, not truncated.
  footer.metaindex_handle = BlockHandle(uint64_t{1} << 63, uint64_t{1} << 63);
  footer.index_handle = BlockHandle(uint64_t{1} << 63, uint64_t{1} << 63);
  encoded.clear();
  EXPECT_TRUE(footer.EncodeTo(&encoded).IsInvalidArgument());
}

// The first bytes of a one-entry table, spelled out: the data block, then
// its trailer (type 0, checksum32 over the block and the type byte).
TEST_F(TableTest, DataBlockAndTrailerBytes) {
  Model model;
  model[MakeInternalKey("key", 7, kTypeValue)] = "value";
  TableBuilderOptions options;
  options.compression = kNoCompression;
  ASSERT_TRUE(BuildTable(Path("one"), options, model).ok());
  const std::string file = test::ReadFileOrDie(Path("one"));

  std::string block(
      "\x00\x0b\x05"
      "key",
      6);
  PutFixed64(&block, (7 << 8) | kTypeValue);
  block += "value";
  PutFixed32(&block, 0);  // restart 0 at offset 0
  PutFixed32(&block, 1);  // one restart
  ASSERT_GE(file.size(), block.size() + kBlockTrailerSize);
  EXPECT_EQ(block, file.substr(0, block.size()));
  EXPECT_EQ('\0', file[block.size()]);
  EXPECT_EQ(Checksum32(block, std::string(1, '\0')), DecodeFixed32(file.data() + block.size() + 1));
  EXPECT_EQ("STRATATB", file.substr(file.size() - 8));
}

TEST_F(TableTest, IndexSeparatorsAreShort) {
  // Long user keys that differ early: the index stores short separators.
  Model model;
  Random rnd(14);
  for (int i = 0; i < 200; i++) {
    char prefix[8];
    snprintf(prefix, sizeof(prefix), "%03d", i);
    model[MakeInternalKey(prefix + std::string(200, 'x'), 1, kTypeValue)] = RandomBytes(&rnd, 300);
  }
  TableBuilderOptions options;
  options.block_size = 256;  // one entry per block
  options.compression = kNoCompression;
  TableProperties props;
  ASSERT_TRUE(BuildTable(Path("separators"), options, model, &props).ok());
  EXPECT_EQ(200u, props.num_data_blocks);
  // Each index entry: a separator of at most 3 + 8 bytes, a handle, lengths.
  EXPECT_LT(props.index_size, 200u * 24);
  std::unique_ptr<TableReader> table;
  TableReader::Options reader_options;
  reader_options.paranoid_checks = true;
  ASSERT_TRUE(OpenTable(Path("separators"), reader_options, &table).ok());
  Random walk(15);
  ASSERT_NO_FATAL_FAILURE(CheckIteration(*table, model, &walk));
  ASSERT_NO_FATAL_FAILURE(CheckGets(*table, model));
}

// A table with range tombstones: format version 2 and a "rangedel" block
// read back fragmented; the same table without them stays version 1.
TEST_F(TableTest, RangeTombstonesRoundTrip) {
  Model model;
  model[MakeInternalKey("k1", 5, kTypeValue)] = "v";
  for (bool with_tombstones : {false, true}) {
    const std::string path = Path(with_tombstones ? "rangedel" : "plain");
    std::unique_ptr<WritableFile> file;
    ASSERT_TRUE(DefaultFileSystem()->NewWritableFile(path, &file).ok());
    TableBuilder builder(TableBuilderOptions(), file.get());
    for (const auto& [key, value] : model) builder.Add(key, value);
    if (with_tombstones) {
      builder.AddRangeTombstone({"m", "q", 9});
      builder.AddRangeTombstone({"a", "n", 7});
      builder.AddRangeTombstone({"a", "n", 7});  // written once
    }
    ASSERT_TRUE(builder.Finish().ok());
    ASSERT_TRUE(file->Close().ok());
    std::string contents = test::ReadFileOrDie(path);
    Footer footer;
    ASSERT_TRUE(footer.DecodeFrom(std::string_view(contents).substr(contents.size() - 48)).ok());
    EXPECT_EQ(footer.format_version, with_tombstones ? 2u : 1u);
    std::unique_ptr<TableReader> table;
    ASSERT_TRUE(OpenTable(path, TableReader::Options(), &table).ok());
    if (!with_tombstones) {
      EXPECT_EQ(table->range_tombstones(), nullptr);
      continue;
    }
    ASSERT_NE(table->range_tombstones(), nullptr);
    EXPECT_EQ(table->range_tombstones()->fragments().size(), 3u);  // [a,m) [m,n) [n,q)
    EXPECT_EQ(table->range_tombstones()->MaxCoveringSeq("m", 100), 9u);
    EXPECT_EQ(table->range_tombstones()->MaxCoveringSeq("b", 100), 7u);

    // Version 1 with the block, or 2 without: refused.
    std::string downgraded = contents;
    EncodeFixed32(downgraded.data() + downgraded.size() - 16, 1);
    test::WriteFileOrDie(path, downgraded);
    EXPECT_TRUE(OpenTable(path, TableReader::Options(), &table).IsCorruption());
  }
}

}  // namespace
}  // namespace strata
