// Compaction through the public API: background compactions and
// CompactRange keep every read (Get, both scan directions, snapshots) equal
// to a std::map model, drop what no reader can see (overwritten versions,
// tombstones at the bottom with what they hide), keep what a snapshot or a
// deeper level still needs, bound level 0 under sustained writes, and report
// what they did in strata.compaction-stats, strata.stats and the
// amplification properties.
//
// Small sizes (64 KiB memtables and tables, a 256 KiB base level) make a few
// MB of data spread over several levels, so every test stays within seconds.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "lsm/db_test_util.h"
#include "lsm/filename.h"
#include "strata/db.h"
#include "test_util.h"

namespace strata {
namespace {

using test::FilesAtLevel;
using test::GetValue;
using test::IntProperty;
using test::OpenOrDie;
using test::ScanAll;
using test::ScopedSnapshot;
using test::TakeSnapshot;
using test::TempDir;

using Model = std::map<std::string, std::string>;

constexpr int kBottomLevel = 6;

Options SmallTreeOptions() {
  Options options;
  options.write_buffer_size = 64 << 10;
  options.target_file_size = 64 << 10;
  options.max_bytes_for_level_base = 256 << 10;
  return options;
}

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%06d", i);
  return buf;
}

// A value of `size` bytes that names its key and version, so a wrong value
// in a failure message says where it came from.
std::string Value(std::mt19937_64* rng, std::string_view key, int version, size_t size) {
  std::string v = std::string(key) + "@" + std::to_string(version) + ":";
  while (v.size() < size) v.push_back(static_cast<char>('a' + (*rng)() % 26));
  return v;
}

// One line of strata.sstables.
struct Table {
  int level = -1;
  uint64_t number = 0;
  uint64_t size = 0;
  std::string smallest, largest;  // user keys (the tests use printable ones)
};

std::vector<Table> Tables(DB* db) {
  std::string listing;
  EXPECT_TRUE(db->GetProperty("strata.sstables", &listing));
  std::vector<Table> tables;
  std::istringstream in(listing);
  std::string line;
  while (std::getline(in, line)) {
    Table t;
    unsigned long long number = 0, size = 0;
    int consumed = 0;
    if (std::sscanf(line.c_str(), "L%d #%llu %llu bytes [%n", &t.level, &number, &size,
                    &consumed) != 3 ||
        consumed == 0) {
      ADD_FAILURE() << "unparsable strata.sstables line: " << line;
      continue;
    }
    t.number = number;
    t.size = size;
    std::string_view rest = std::string_view(line).substr(consumed);
    size_t dots = rest.find(" .. ");
    size_t close = rest.rfind(']');
    EXPECT_TRUE(dots != std::string_view::npos && close != std::string_view::npos) << line;
    if (dots == std::string_view::npos || close == std::string_view::npos) continue;
    t.smallest = std::string(rest.substr(0, dots));
    t.largest = std::string(rest.substr(dots + 4, close - dots - 4));
    tables.push_back(std::move(t));
  }
  return tables;
}

uint64_t TotalTableBytes(DB* db) {
  uint64_t sum = 0;
  for (const Table& t : Tables(db)) sum += t.size;
  return sum;
}

// "files at level 0,1,...,6", for failure messages.
std::string FilesPerLevel(DB* db) {
  std::string result;
  for (int level = 0; level <= kBottomLevel; level++) {
    if (level > 0) result += ",";
    result += std::to_string(FilesAtLevel(db, level));
  }
  return result;
}

double DoubleProperty(DB* db, std::string_view name) {
  std::string value;
  EXPECT_TRUE(db->GetProperty(name, &value)) << name;
  return value.empty() ? -1.0 : std::stod(value);
}

// The rows of strata.compaction-stats, one per level.
struct LevelRow {
  int files = 0;
  double score = 0;
  uint64_t compactions = 0;
  double write_mib = 0;  // what its compactions wrote
};

std::vector<LevelRow> CompactionStats(DB* db) {
  std::string stats;
  EXPECT_TRUE(db->GetProperty("strata.compaction-stats", &stats));
  std::vector<LevelRow> rows;
  std::istringstream in(stats);
  std::string line;
  while (std::getline(in, line)) {
    int level;
    LevelRow row;
    double size_mib, target_mib, read_mib;
    unsigned long long compactions;
    if (std::sscanf(line.c_str(), "L%d %d %lf %lf %lf %llu %lf %lf", &level, &row.files, &size_mib,
                    &target_mib, &row.score, &compactions, &read_mib, &row.write_mib) == 8) {
      row.compactions = compactions;
      rows.push_back(row);
    }
  }
  EXPECT_EQ(rows.size(), static_cast<size_t>(kBottomLevel + 1)) << stats;
  return rows;
}

uint64_t TotalCompactions(DB* db) {
  uint64_t sum = 0;
  for (const LevelRow& row : CompactionStats(db)) sum += row.compactions;
  return sum;
}

// Waits until no flush or compaction runs or is due, so tests can look at a
// settled tree: then no level is over its target.
void WaitForCompactionsToSettle(DB* db) {
  Status s = test::WaitForBackgroundWork(db);
  ASSERT_TRUE(s.ok()) << s.ToString();
  // Scores are printed with two decimals: "1.00" may be just under 1.
  for (const LevelRow& row : CompactionStats(db)) EXPECT_LE(row.score, 1.0) << "a level is due";
}

// Files of a level >= 1 must be sorted and must not share a user key.
void CheckLevelsDisjoint(DB* db) {
  std::vector<Table> tables = Tables(db);
  for (size_t i = 1; i < tables.size(); i++) {
    const Table& a = tables[i - 1];
    const Table& b = tables[i];
    if (a.level == b.level && a.level > 0) {
      EXPECT_LT(a.largest, b.smallest)
          << "level " << a.level << " files #" << a.number << " and #" << b.number << " overlap";
    }
  }
}

// The table files in the directory; every one must be listed in
// strata.sstables (inputs of finished compactions are deleted).
std::set<uint64_t> TableFilesOnDisk(const std::string& dbname) {
  std::vector<std::string> names;
  EXPECT_TRUE(DefaultFileSystem()->GetChildren(dbname, &names).ok());
  std::set<uint64_t> numbers;
  for (const auto& name : names) {
    uint64_t number;
    FileType type;
    if (ParseFileName(name, &number, &type) && type == FileType::kTable) numbers.insert(number);
  }
  return numbers;
}

std::set<uint64_t> ListedTableNumbers(DB* db) {
  std::set<uint64_t> numbers;
  for (const Table& t : Tables(db)) numbers.insert(t.number);
  return numbers;
}

Model Scan(DB* db, const Snapshot* snapshot, bool backward) {
  ReadOptions options;
  options.snapshot = snapshot;
  std::unique_ptr<Iterator> it = db->NewIterator(options);
  Model result;
  std::string previous;
  if (backward) {
    for (it->SeekToLast(); it->Valid(); it->Prev()) {
      std::string key(it->key());
      EXPECT_TRUE(result.empty() || key < previous) << "backward scan out of order at " << key;
      result.emplace(key, std::string(it->value()));
      previous = std::move(key);
    }
  } else {
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::string key(it->key());
      EXPECT_TRUE(result.empty() || previous < key) << "forward scan out of order at " << key;
      result.emplace(key, std::string(it->value()));
      previous = std::move(key);
    }
  }
  EXPECT_TRUE(it->status().ok()) << it->status().ToString();
  return result;
}

// `keys` Puts of keys drawn from [0, keys) in random order (so flushes
// overlap and background compactions merge), 300-byte values, into db and
// model.
void PutRandomKeys(DB* db, std::mt19937_64* rng, int keys, Model* model) {
  for (int i = 0; i < keys; i++) {
    std::string key = Key(static_cast<int>((*rng)() % keys));
    std::string value = Value(rng, key, i, 300);
    ASSERT_TRUE(db->Put(key, value).ok());
    (*model)[key] = std::move(value);
  }
}

// Every key of [0, num_keys) read with Get, and both scans, equal `model`
// as of `snapshot` (nullptr: now).
void CheckReads(DB* db, const Model& model, int num_keys, const Snapshot* snapshot = nullptr) {
  int wrong = 0;
  for (int i = 0; i < num_keys && wrong < 5; i++) {
    std::string key = Key(i);
    auto it = model.find(key);
    std::string expected = it == model.end() ? "NOT_FOUND" : it->second;
    std::string actual = GetValue(db, key, snapshot);
    if (actual != expected) {
      wrong++;
      ADD_FAILURE() << "Get(" << key << ") = " << actual.substr(0, 40) << ", expected "
                    << expected.substr(0, 40);
    }
  }
  EXPECT_EQ(test::ModelDiff(model, Scan(db, snapshot, false), 40), "") << "forward scan";
  EXPECT_EQ(test::ModelDiff(model, Scan(db, snapshot, true), 40), "") << "backward scan";
}

// Writes keys [0, num_keys) once each with values of value_size bytes.
void FillKeys(DB* db, Model* model, std::mt19937_64* rng, int num_keys, size_t value_size,
              int version = 0) {
  for (int i = 0; i < num_keys; i++) {
    std::string key = Key(i);
    std::string value = Value(rng, key, version, value_size);
    ASSERT_TRUE(db->Put(key, value).ok());
    (*model)[key] = std::move(value);
  }
}

TEST(DBCompactionTest, RandomizedAgainstModelWithSnapshots) {
  TempDir dir;
  Options options = SmallTreeOptions();
  std::unique_ptr<DB> db = OpenOrDie(options, dir.path());
  ASSERT_NE(db, nullptr);
  const uint64_t seed = 20240611;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);

  constexpr int kKeys = 3000;
  constexpr int kOps = 16000;
  // Snapshots live for a random stretch of writes, with gaps between them
  // (so that tombstones no snapshot protects exist too); those taken late
  // are kept to the end. Each is checked when released.
  struct Kept {
    ScopedSnapshot snapshot;
    Model model;
    int release_after_op;
  };
  std::vector<Kept> kept;
  int snapshots_taken = 0;
  Model model;
  for (int op = 0; op < kOps; op++) {
    const int r = static_cast<int>(rng() % 100);
    if (r < 60) {
      std::string key = Key(static_cast<int>(rng() % kKeys));
      std::string value = Value(&rng, key, op, 50 + rng() % 400);
      ASSERT_TRUE(db->Put(key, value).ok());
      model[key] = std::move(value);
    } else if (r < 80) {
      std::string key = Key(static_cast<int>(rng() % kKeys));
      ASSERT_TRUE(db->Delete(key).ok());
      model.erase(key);
    } else {
      // A batch mixing puts and deletes, sometimes of one key twice: the
      // model applies them in order once the write is acknowledged.
      WriteBatch batch;
      std::vector<std::pair<std::string, std::optional<std::string>>> updates;
      const int n = 2 + static_cast<int>(rng() % 8);
      for (int j = 0; j < n; j++) {
        std::string key = Key(static_cast<int>(rng() % kKeys));
        if (rng() % 3 == 0) {
          batch.Delete(key);
          updates.emplace_back(std::move(key), std::nullopt);
        } else {
          std::string value = Value(&rng, key, op, 20 + rng() % 200);
          batch.Put(key, value);
          updates.emplace_back(std::move(key), std::move(value));
        }
      }
      ASSERT_TRUE(db->Write(&batch).ok());
      for (auto& [key, value] : updates) {
        if (value) {
          model[key] = std::move(*value);
        } else {
          model.erase(key);
        }
      }
    }
    if (rng() % 1500 == 0) {
      int release = op < kOps * 7 / 10 ? op + 200 + static_cast<int>(rng() % 3000) : kOps;
      kept.push_back({TakeSnapshot(db.get()), model, release});
      snapshots_taken++;
    }
    for (auto it = kept.begin(); it != kept.end();) {
      if (it->release_after_op > op) {
        ++it;
        continue;
      }
      SCOPED_TRACE("snapshot released after op " + std::to_string(op));
      CheckReads(db.get(), it->model, kKeys, it->snapshot.get());
      it = kept.erase(it);
    }
    if (op % 5000 == 4999) {
      // A bounded manual compaction now and then, beside the background ones.
      std::string a = Key(static_cast<int>(rng() % kKeys));
      std::string b = Key(static_cast<int>(rng() % kKeys));
      if (b < a) std::swap(a, b);
      std::string_view begin = a, end = b;
      ASSERT_TRUE(db->CompactRange(&begin, &end).ok());
      EXPECT_EQ(test::ModelDiff(model, Scan(db.get(), nullptr, false), 40), "")
          << "after op " << op;
    }
  }
  ASSERT_GE(snapshots_taken, 5) << "the seed should give a few snapshots";
  ASSERT_GE(kept.size(), 1u) << "the seed should keep a snapshot to the end";

  int deeper_files = 0;
  for (int level = 1; level <= kBottomLevel; level++) deeper_files += FilesAtLevel(db.get(), level);
  EXPECT_GT(deeper_files, 0) << FilesPerLevel(db.get());
  EXPECT_GT(TotalCompactions(db.get()), 0u);
  CheckLevelsDisjoint(db.get());

  CheckReads(db.get(), model, kKeys);
  for (const Kept& k : kept) CheckReads(db.get(), k.model, kKeys, k.snapshot.get());

  // A full compaction must keep what every snapshot sees.
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  CheckReads(db.get(), model, kKeys);
  for (const Kept& k : kept) CheckReads(db.get(), k.model, kKeys, k.snapshot.get());

  kept.clear();
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  CheckReads(db.get(), model, kKeys);
  CheckLevelsDisjoint(db.get());

  db.reset();
  db = OpenOrDie(options, dir.path());
  ASSERT_NE(db, nullptr);
  CheckReads(db.get(), model, kKeys);
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  CheckReads(db.get(), model, kKeys);
}

TEST(DBCompactionTest, OverwrittenVersionsAreDroppedDownToOneCopy) {
  constexpr int kKeys = 5000;
  constexpr size_t kValueSize = 200;
  Options options = SmallTreeOptions();
  options.compression = kNoCompression;  // sizes proportional to the data
  std::mt19937_64 rng(7);

  uint64_t once_bytes;
  {
    TempDir dir;
    std::unique_ptr<DB> db = OpenOrDie(options, dir.path());
    ASSERT_NE(db, nullptr);
    Model model;
    FillKeys(db.get(), &model, &rng, kKeys, kValueSize);
    ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
    once_bytes = TotalTableBytes(db.get());
  }
  ASSERT_GT(once_bytes, kKeys * kValueSize);

  TempDir dir;
  std::unique_ptr<DB> db = OpenOrDie(options, dir.path());
  ASSERT_NE(db, nullptr);
  Model model;
  for (int version = 0; version < 3; version++) {
    FillKeys(db.get(), &model, &rng, kKeys, kValueSize, version);
  }
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());

  uint64_t thrice_bytes = TotalTableBytes(db.get());
  EXPECT_LT(static_cast<double>(thrice_bytes), 1.2 * static_cast<double>(once_bytes))
      << "old versions survived: " << thrice_bytes << " bytes for one copy of " << once_bytes;
  EXPECT_GT(static_cast<double>(thrice_bytes), 0.8 * static_cast<double>(once_bytes));
  double space_amp = DoubleProperty(db.get(), "strata.space-amplification");
  EXPECT_GE(space_amp, 1.0);
  EXPECT_LT(space_amp, 1.2);
  EXPECT_GT(DoubleProperty(db.get(), "strata.write-amplification"), 1.0);
  CheckReads(db.get(), model, kKeys);
}

TEST(DBCompactionTest, FullCompactRangeMovesEverythingToTheBottom) {
  TempDir dir;
  Options options = SmallTreeOptions();
  std::unique_ptr<DB> db = OpenOrDie(options, dir.path());
  ASSERT_NE(db, nullptr);
  std::mt19937_64 rng(11);
  constexpr int kKeys = 8000;
  Model model;
  ASSERT_NO_FATAL_FAILURE(PutRandomKeys(db.get(), &rng, kKeys, &model));
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());

  for (int level = 0; level < kBottomLevel; level++) {
    EXPECT_EQ(FilesAtLevel(db.get(), level), 0) << FilesPerLevel(db.get());
  }
  EXPECT_GT(FilesAtLevel(db.get(), kBottomLevel), 1) << FilesPerLevel(db.get());
  EXPECT_DOUBLE_EQ(DoubleProperty(db.get(), "strata.space-amplification"), 1.0);
  CheckLevelsDisjoint(db.get());
  // Outputs are cut near target_file_size.
  for (const Table& t : Tables(db.get())) EXPECT_LT(t.size, 2 * options.target_file_size);
  CheckReads(db.get(), model, kKeys);

  db.reset();
  db = OpenOrDie(options, dir.path());
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(FilesAtLevel(db.get(), 0), 0);
  EXPECT_GT(FilesAtLevel(db.get(), kBottomLevel), 1);
  CheckReads(db.get(), model, kKeys);
}

// strata.data-blocks-read says what users' reads cost: a compaction, which
// reads every block of its inputs, adds nothing to it.
TEST(DBCompactionTest, CompactionsDoNotCountAsDataBlocksRead) {
  TempDir dir;
  Options options = SmallTreeOptions();
  std::unique_ptr<DB> db = OpenOrDie(options, dir.path());
  ASSERT_NE(db, nullptr);
  std::mt19937_64 rng(12);
  constexpr int kKeys = 8000;
  Model model;
  ASSERT_NO_FATAL_FAILURE(PutRandomKeys(db.get(), &rng, kKeys, &model));
  ASSERT_TRUE(db->Flush().ok());
  ASSERT_TRUE(test::WaitForBackgroundWork(db.get()).ok());
  const uint64_t before = IntProperty(db.get(), "strata.data-blocks-read");
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  ASSERT_TRUE(test::WaitForBackgroundWork(db.get()).ok());
  EXPECT_EQ(before, IntProperty(db.get(), "strata.data-blocks-read"));

  // A full scan reads every data block of the (now bottom-level) tables.
  uint64_t table_bytes = 0;
  for (const Table& t : Tables(db.get())) table_bytes += t.size;
  EXPECT_EQ(test::ModelDiff(model, Scan(db.get(), nullptr, false), 40), "");
  const uint64_t scanned = IntProperty(db.get(), "strata.data-blocks-read") - before;
  EXPECT_GE(scanned, table_bytes / (2 * options.block_size));
  EXPECT_LE(scanned, table_bytes / (options.block_size / 2));
}

TEST(DBCompactionTest, TablesAnOpenIteratorKeptGoOnceItIsDeleted) {
  // A compaction's inputs stay while an iterator (or a Get in flight) holds
  // the version that names them. When the last such reader lets go, the
  // background thread removes them (woken by the next read), instead of
  // leaving them on disk, and mapped, until the next flush or compaction.
  TempDir dir;
  Options options = SmallTreeOptions();
  std::unique_ptr<DB> db = OpenOrDie(options, dir.path());
  ASSERT_NE(db, nullptr);
  std::mt19937_64 rng(17);
  Model model;
  FillKeys(db.get(), &model, &rng, 3000, 250);
  ASSERT_TRUE(db->Flush().ok());
  ASSERT_TRUE(test::WaitForBackgroundWork(db.get()).ok());
  std::set<uint64_t> inputs;
  for (const Table& t : Tables(db.get())) inputs.insert(t.number);
  ASSERT_FALSE(inputs.empty());

  std::unique_ptr<Iterator> it = db->NewIterator(ReadOptions());
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  ASSERT_TRUE(test::WaitForBackgroundWork(db.get()).ok());
  for (const Table& t : Tables(db.get())) inputs.erase(t.number);
  ASSERT_FALSE(inputs.empty()) << "the compaction rewrote no table";
  // The tables only the iterator's version still names, on disk.
  auto on_disk = [&] {
    size_t n = 0;
    for (uint64_t number : inputs) n += std::filesystem::exists(TableFileName(dir.path(), number));
    return n;
  };
  EXPECT_EQ(on_disk(), inputs.size());
  size_t seen = 0;
  for (; it->Valid(); it->Next()) seen++;
  EXPECT_TRUE(it->status().ok());
  EXPECT_EQ(seen, model.size());

  it.reset();
  // No flush or compaction follows: only the release can remove them.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (on_disk() > 0 && std::chrono::steady_clock::now() < deadline) {
    (void)GetValue(db.get(), Key(0));  // a read wakes the background thread
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(on_disk(), 0u) << "the compaction's inputs outlived every reader";
  CheckReads(db.get(), model, 3000);
}

TEST(DBCompactionTest, DeletingEverythingThenCompactingLeavesNoTables) {
  TempDir dir;
  Options options = SmallTreeOptions();
  std::unique_ptr<DB> db = OpenOrDie(options, dir.path());
  ASSERT_NE(db, nullptr);
  std::mt19937_64 rng(13);
  constexpr int kKeys = 6000;
  Model model;
  FillKeys(db.get(), &model, &rng, kKeys / 2, 250);
  // Half the keys at the bottom, the rest spread by background compactions.
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  for (int i = kKeys / 2; i < kKeys; i++) {
    std::string key = Key(i);
    ASSERT_TRUE(db->Put(key, Value(&rng, key, 1, 250)).ok());
  }
  for (int i = 0; i < kKeys; i++) ASSERT_TRUE(db->Delete(Key(i)).ok());
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());

  for (int level = 0; level <= kBottomLevel; level++) {
    EXPECT_EQ(FilesAtLevel(db.get(), level), 0) << FilesPerLevel(db.get());
  }
  std::string listing;
  ASSERT_TRUE(db->GetProperty("strata.sstables", &listing));
  EXPECT_EQ(listing, "");
  CheckReads(db.get(), Model(), kKeys);

  db.reset();
  db = OpenOrDie(options, dir.path());
  ASSERT_NE(db, nullptr);
  CheckReads(db.get(), Model(), kKeys);
}

TEST(DBCompactionTest, SnapshotKeepsDeletedValuesThroughCompactRange) {
  TempDir dir;
  Options options = SmallTreeOptions();
  std::unique_ptr<DB> db = OpenOrDie(options, dir.path());
  ASSERT_NE(db, nullptr);
  std::mt19937_64 rng(17);
  constexpr int kKeys = 4000;
  Model model;
  FillKeys(db.get(), &model, &rng, kKeys, 250);
  ScopedSnapshot before_deletes = TakeSnapshot(db.get());
  for (int i = 0; i < kKeys; i++) ASSERT_TRUE(db->Delete(Key(i)).ok());
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());

  CheckReads(db.get(), Model(), kKeys);
  CheckReads(db.get(), model, kKeys, before_deletes.get());
  EXPECT_GT(FilesAtLevel(db.get(), kBottomLevel), 0);

  before_deletes.reset();
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  CheckReads(db.get(), Model(), kKeys);
}

TEST(DBCompactionTest, SnapshotsBetweenOverwritesKeepTheirVersions) {
  TempDir dir;
  Options options = SmallTreeOptions();
  std::unique_ptr<DB> db = OpenOrDie(options, dir.path());
  ASSERT_NE(db, nullptr);
  std::mt19937_64 rng(19);
  constexpr int kKeys = 2000;
  // Four versions of every key, a snapshot after each of the first three;
  // the second version deletes every third key.
  std::vector<Model> models;
  std::vector<ScopedSnapshot> snapshots;
  Model model;
  for (int version = 0; version < 4; version++) {
    for (int i = 0; i < kKeys; i++) {
      std::string key = Key(i);
      if (version == 1 && i % 3 == 0) {
        ASSERT_TRUE(db->Delete(key).ok());
        model.erase(key);
      } else {
        std::string value = Value(&rng, key, version, 150);
        ASSERT_TRUE(db->Put(key, value).ok());
        model[key] = std::move(value);
      }
    }
    if (version < 3) {
      snapshots.push_back(TakeSnapshot(db.get()));
      models.push_back(model);
    }
  }
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  CheckReads(db.get(), model, kKeys);
  for (size_t i = 0; i < snapshots.size(); i++) {
    SCOPED_TRACE("snapshot " + std::to_string(i));
    CheckReads(db.get(), models[i], kKeys, snapshots[i].get());
  }

  // Releasing the middle snapshot leaves the others intact.
  snapshots[1].reset();
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  CheckReads(db.get(), models[0], kKeys, snapshots[0].get());
  CheckReads(db.get(), models[2], kKeys, snapshots[2].get());
  CheckReads(db.get(), model, kKeys);

  snapshots.clear();
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  CheckReads(db.get(), model, kKeys);
}

// Versions and tombstones a snapshot kept at the bottom level stay there
// until something rewrites that level: a full CompactRange must, once the
// snapshot is released (it ends by compacting the bottom level into itself).
TEST(DBCompactionTest, CompactRangeDropsWhatAReleasedSnapshotKept) {
  TempDir dir;
  Options options = SmallTreeOptions();
  options.compression = kNoCompression;
  std::unique_ptr<DB> db = OpenOrDie(options, dir.path());
  ASSERT_NE(db, nullptr);
  std::mt19937_64 rng(41);
  constexpr int kKeys = 4000;
  Model model;
  FillKeys(db.get(), &model, &rng, kKeys, 250);
  ScopedSnapshot snapshot = TakeSnapshot(db.get());
  for (int i = 0; i < kKeys; i++) {
    std::string key = Key(i);
    if (i % 2 == 0) {
      ASSERT_TRUE(db->Delete(key).ok());
      model.erase(key);
    } else {
      std::string value = Value(&rng, key, 1, 250);
      ASSERT_TRUE(db->Put(key, value).ok());
      model[key] = std::move(value);
    }
  }
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  const uint64_t both_versions = TotalTableBytes(db.get());

  snapshot.reset();
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  CheckReads(db.get(), model, kKeys);
  // Half the keys remain, one version each: under a third of both versions.
  EXPECT_LT(TotalTableBytes(db.get()), both_versions * 4 / 10)
      << "the versions only the released snapshot saw are still in the tables: "
      << FilesPerLevel(db.get());
}

// A compaction's inputs leave the disk as soon as its result is installed,
// not at some later flush: the version the compaction read must not keep
// them alive.
TEST(DBCompactionTest, CompactedInputFilesAreDeletedFromDisk) {
  TempDir dir;
  Options options = SmallTreeOptions();
  std::unique_ptr<DB> db = OpenOrDie(options, dir.path());
  ASSERT_NE(db, nullptr);
  std::mt19937_64 rng(43);
  Model model;
  FillKeys(db.get(), &model, &rng, 6000, 300);
  WaitForCompactionsToSettle(db.get());
  EXPECT_EQ(TableFilesOnDisk(dir.path()), ListedTableNumbers(db.get()))
      << "after background compactions";

  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  EXPECT_EQ(TableFilesOnDisk(dir.path()), ListedTableNumbers(db.get())) << "after CompactRange";

  for (int i = 0; i < 6000; i++) ASSERT_TRUE(db->Delete(Key(i)).ok());
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  EXPECT_EQ(ListedTableNumbers(db.get()), std::set<uint64_t>());
  EXPECT_EQ(TableFilesOnDisk(dir.path()), std::set<uint64_t>()) << "after deleting everything";
}

// Checks that a CompactRange(begin, end) turning `before` into `after` left
// alone every table outside the range it had to touch: starting from
// [begin, end], the range grows by every table it overlaps (all of level 0
// at once) until nothing more does; tables outside must keep their number
// and level. Tables above the bottom that overlap [begin, end] must be gone.
void CheckOnlyRangeTouched(const std::vector<Table>& before, const std::vector<Table>& after,
                           std::string lo, std::string hi) {
  const std::string begin = lo, end = hi;
  auto overlaps = [&](const Table& t) { return !(t.largest < lo || hi < t.smallest); };
  bool grew = true;
  while (grew) {
    grew = false;
    bool level0 = false;
    for (const Table& t : before) level0 = level0 || (t.level == 0 && overlaps(t));
    for (const Table& t : before) {
      if (overlaps(t) || (level0 && t.level == 0)) {
        if (t.smallest < lo) lo = t.smallest, grew = true;
        if (hi < t.largest) hi = t.largest, grew = true;
      }
    }
  }
  std::map<uint64_t, int> after_levels;
  for (const Table& t : after) after_levels[t.number] = t.level;
  int untouched = 0;
  for (const Table& t : before) {
    auto it = after_levels.find(t.number);
    if (!overlaps(t)) {
      untouched++;
      EXPECT_TRUE(it != after_levels.end() && it->second == t.level)
          << "table #" << t.number << " [" << t.smallest << " .. " << t.largest
          << "] outside the compacted range [" << lo << " .. " << hi << "] was changed";
    }
    bool in_request = !(t.largest < begin || end < t.smallest);
    if (in_request && t.level < kBottomLevel) {
      EXPECT_TRUE(it == after_levels.end() || it->second != t.level)
          << "table #" << t.number << " in the requested range stayed at level " << t.level;
    }
  }
  EXPECT_GT(untouched, 0) << "the test needs tables outside the range";
}

TEST(DBCompactionTest, BoundedCompactRangeLeavesOtherTablesAlone) {
  TempDir dir;
  Options options = SmallTreeOptions();
  // No background compaction of level 0: only CompactRange moves it.
  options.l0_compaction_trigger = 20;
  options.read_triggered_compaction = false;
  options.idle_compaction_ms = 0;  // nor when writes stop
  options.l0_slowdown_writes_trigger = 20;
  options.l0_stop_writes_trigger = 24;
  std::unique_ptr<DB> db = OpenOrDie(options, dir.path());
  ASSERT_NE(db, nullptr);
  std::mt19937_64 rng(23);
  constexpr int kKeys = 10000;
  Model model;
  FillKeys(db.get(), &model, &rng, kKeys, 300);
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  ASSERT_GT(FilesAtLevel(db.get(), kBottomLevel), 20);

  // Overwrite a slice, then compact just that slice.
  for (int i = 4000; i < 5000; i++) {
    std::string key = Key(i);
    std::string value = Value(&rng, key, 1, 300);
    ASSERT_TRUE(db->Put(key, value).ok());
    model[key] = std::move(value);
  }
  ASSERT_TRUE(db->Flush().ok());
  ASSERT_GT(FilesAtLevel(db.get(), 0), 0);
  std::vector<Table> before = Tables(db.get());
  std::string begin = Key(4000), end = Key(4999);
  std::string_view b = begin, e = end;
  ASSERT_TRUE(db->CompactRange(&b, &e).ok());
  EXPECT_EQ(FilesAtLevel(db.get(), 0), 0);
  CheckOnlyRangeTouched(before, Tables(db.get()), begin, end);
  CheckLevelsDisjoint(db.get());
  CheckReads(db.get(), model, kKeys);

  // Delete a slice and compact it: its tombstones reach the bottom and go,
  // with the values they hide, so no table lies inside the slice any more.
  for (int i = 7000; i < 8000; i++) {
    ASSERT_TRUE(db->Delete(Key(i)).ok());
    model.erase(Key(i));
  }
  ASSERT_TRUE(db->Flush().ok());
  before = Tables(db.get());
  begin = Key(7000);
  end = Key(7999);
  b = begin;
  e = end;
  ASSERT_TRUE(db->CompactRange(&b, &e).ok());
  std::vector<Table> after = Tables(db.get());
  CheckOnlyRangeTouched(before, after, begin, end);
  int straddling = 0;
  for (const Table& t : after) {
    EXPECT_FALSE(begin <= t.smallest && t.largest <= end)
        << "table #" << t.number << " [" << t.smallest << " .. " << t.largest
        << "] holds only deleted keys";
    if (!(t.largest < begin || end < t.smallest)) straddling++;
  }
  EXPECT_LE(straddling, 2) << "only the tables at the slice's edges may reach into it";
  CheckReads(db.get(), model, kKeys);

  // A range holding nothing changes nothing.
  before = Tables(db.get());
  std::string_view nothing_begin = "zz", nothing_end = "zzz";
  ASSERT_TRUE(db->CompactRange(&nothing_begin, &nothing_end).ok());
  after = Tables(db.get());
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); i++) EXPECT_EQ(after[i].number, before[i].number);
  CheckReads(db.get(), model, kKeys);
}

TEST(DBCompactionTest, TombstonesAboveOlderDataKeepHidingIt) {
  TempDir dir;
  Options options = SmallTreeOptions();
  // Two flushes make a level-0 compaction, which rewrites rather than moves.
  options.l0_compaction_trigger = 2;
  std::unique_ptr<DB> db = OpenOrDie(options, dir.path());
  ASSERT_NE(db, nullptr);
  std::mt19937_64 rng(29);
  constexpr int kKeys = 4000;
  Model model;
  FillKeys(db.get(), &model, &rng, kKeys, 800);
  // 3.2 MB at the bottom: level 4 becomes the base (target ~32 KB), level 5
  // targets ~320 KB.
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  ASSERT_EQ(FilesAtLevel(db.get(), 0) + FilesAtLevel(db.get(), 5), 0);
  const uint64_t initial_bytes = TotalTableBytes(db.get());
  const std::vector<LevelRow> initial_stats = CompactionStats(db.get());

  // Twelve flushes, each deleting a twelfth of the even keys and rewriting a
  // twelfth of the odd ones, all over the key space: compactions carry the
  // tombstones down through levels 4 and 5 while the values they hide still
  // sit below them.
  bool seen_level5 = false;
  for (int round = 0; round < 6; round++) {
    for (int half = 0; half < 2; half++) {
      const int flush = round * 2 + half;
      for (int i = 2 * flush; i < kKeys; i += 24) {
        ASSERT_TRUE(db->Delete(Key(i)).ok());
        model.erase(Key(i));
      }
      for (int i = 2 * flush + 1; i < kKeys; i += 24) {
        std::string key = Key(i);
        std::string value = Value(&rng, key, flush + 1, 300);
        ASSERT_TRUE(db->Put(key, value).ok());
        model[key] = std::move(value);
      }
      ASSERT_TRUE(db->Flush().ok());
    }
    WaitForCompactionsToSettle(db.get());
    SCOPED_TRACE("round " + std::to_string(round) + ", files per level " + FilesPerLevel(db.get()));
    seen_level5 = seen_level5 || FilesAtLevel(db.get(), 5) > 0;
    CheckReads(db.get(), model, kKeys);
  }
  // The tombstones were rewritten into levels 4 and 5 (compactions there
  // counted by output level) and stayed in level 5 for a while.
  const std::vector<LevelRow> stats = CompactionStats(db.get());
  EXPECT_GT(stats[4].compactions, initial_stats[4].compactions);
  EXPECT_GT(stats[5].compactions, initial_stats[5].compactions);
  EXPECT_TRUE(seen_level5);
  CheckLevelsDisjoint(db.get());

  // A bounded manual compaction takes part of them to the bottom.
  std::string begin = Key(1000), end = Key(1999);
  std::string_view b = begin, e = end;
  ASSERT_TRUE(db->CompactRange(&b, &e).ok());
  CheckReads(db.get(), model, kKeys);

  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  CheckReads(db.get(), model, kKeys);
  // Half the keys are gone, the other half shrank: so must the tables.
  EXPECT_LT(TotalTableBytes(db.get()), initial_bytes / 2);

  db.reset();
  db = OpenOrDie(options, dir.path());
  ASSERT_NE(db, nullptr);
  CheckReads(db.get(), model, kKeys);
}

TEST(DBCompactionTest, LevelZeroStaysBoundedUnderSustainedWrites) {
  TempDir dir;
  Options options = SmallTreeOptions();
  options.l0_compaction_trigger = 4;
  options.l0_slowdown_writes_trigger = 8;
  options.l0_stop_writes_trigger = 12;
  // Writes stop at the trigger, but flushes of memtables already full still
  // land, so level 0 may reach stop + max_write_buffer_number - 1. With one
  // buffer the trigger itself is the bound.
  options.max_write_buffer_number = 1;
  std::unique_ptr<DB> db = OpenOrDie(options, dir.path());
  ASSERT_NE(db, nullptr);

  std::atomic<bool> done{false};
  std::atomic<int> max_level0{0};
  std::atomic<int> samples{0};
  std::thread sampler([&] {
    while (!done.load()) {
      std::string value;
      if (db->GetProperty("strata.num-files-at-level0", &value)) {
        int n = std::stoi(value);
        if (n > max_level0.load()) max_level0.store(n);
        samples.fetch_add(1);
      }
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  });

  // 10 MB of fresh keys in random order: every flush overlaps the others.
  std::mt19937_64 rng(31);
  constexpr int kWrites = 40000;
  std::vector<int> written;
  written.reserve(kWrites);
  for (int i = 0; i < kWrites; i++) {
    int k = static_cast<int>(rng() % 1000000);
    std::string key = Key(k);
    ASSERT_TRUE(db->Put(key, Value(&rng, key, 0, 256)).ok());
    written.push_back(k);
  }
  done.store(true);
  sampler.join();

  SCOPED_TRACE("files per level " + FilesPerLevel(db.get()));
  EXPECT_GT(samples.load(), 10);
  EXPECT_LE(max_level0.load(), options.l0_stop_writes_trigger);
  EXPECT_GE(max_level0.load(), options.l0_compaction_trigger) << "the load should build up level 0";
  int deeper_files = 0;
  for (int level = 1; level <= kBottomLevel; level++) deeper_files += FilesAtLevel(db.get(), level);
  EXPECT_GT(deeper_files, 10);
  EXPECT_GT(TotalCompactions(db.get()), 10u);
  EXPECT_GT(DoubleProperty(db.get(), "strata.write-amplification"), 1.0);
  CheckLevelsDisjoint(db.get());

  std::string stats;
  ASSERT_TRUE(db->GetProperty("strata.stats", &stats));
  EXPECT_NE(stats.find("** Write stalls **"), std::string::npos) << stats;
  EXPECT_NE(stats.find("level-0 files (slowdown)"), std::string::npos) << stats;
  EXPECT_NE(stats.find("level-0 files (stop)"), std::string::npos) << stats;
  // The totals agree with each other: time is spent only by counted stalls.
  uint64_t stall_count = IntProperty(db.get(), "strata.stall-count");
  uint64_t stall_micros = IntProperty(db.get(), "strata.stall-micros");
  if (stall_count == 0) {
    EXPECT_EQ(stall_micros, 0u);
  }

  // Every write is still readable.
  for (int i = 0; i < kWrites; i += 97) {
    EXPECT_NE(GetValue(db.get(), Key(written[i])), "NOT_FOUND") << Key(written[i]);
  }
}

// Keys written in order make level-0 files that share no key with each
// other: compactions move them down as they are, however many a compaction
// takes at once, and write nothing (LevelDB's fillseq does the same).
TEST(DBCompactionTest, KeysWrittenInOrderMoveDownWithoutBeingRewritten) {
  TempDir dir;
  Options options = SmallTreeOptions();
  options.l0_compaction_trigger = 4;
  std::unique_ptr<DB> db = OpenOrDie(options, dir.path());
  ASSERT_NE(db, nullptr);
  std::mt19937_64 rng(41);
  Model model;
  constexpr int kKeys = 12000;  // about 3 MB: some 50 flushes
  for (int i = 0; i < kKeys; i++) {
    std::string key = Key(i);
    std::string value = Value(&rng, key, 0, 256);
    ASSERT_TRUE(db->Put(key, value).ok());
    model[key] = value;
  }
  WaitForCompactionsToSettle(db.get());

  SCOPED_TRACE("files per level " + FilesPerLevel(db.get()));
  uint64_t compactions = 0;
  double written_mib = 0;  // by compactions: level 0's row counts the flushes
  std::vector<LevelRow> rows = CompactionStats(db.get());
  for (int level = 1; level <= kBottomLevel; level++) {
    compactions += rows[level].compactions;
    written_mib += rows[level].write_mib;
  }
  EXPECT_GT(rows[0].write_mib, 2.0) << "the flushes wrote the keys once";
  EXPECT_GT(compactions, 3u) << "level 0 should have been compacted several times";
  EXPECT_EQ(written_mib, 0.0) << "a compaction rewrote keys written in order";
  EXPECT_LT(FilesAtLevel(db.get(), 0), options.l0_compaction_trigger);
  CheckLevelsDisjoint(db.get());
  EXPECT_EQ(ScanAll(db.get()), model);

  db.reset();
  db = OpenOrDie(options, dir.path());
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(ScanAll(db.get()), model);
  EXPECT_EQ(GetValue(db.get(), Key(kKeys / 2)), model[Key(kKeys / 2)]);
}

TEST(DBCompactionTest, CompactionStatsReportCompactionsPerLevel) {
  TempDir dir;
  Options options = SmallTreeOptions();
  std::unique_ptr<DB> db = OpenOrDie(options, dir.path());
  ASSERT_NE(db, nullptr);
  std::vector<LevelRow> rows = CompactionStats(db.get());
  ASSERT_EQ(rows.size(), static_cast<size_t>(kBottomLevel + 1));
  for (const LevelRow& row : rows) EXPECT_EQ(row.compactions, 0u);

  std::mt19937_64 rng(37);
  Model model;
  FillKeys(db.get(), &model, &rng, 4000, 300);
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  rows = CompactionStats(db.get());
  EXPECT_GT(rows[kBottomLevel].compactions, 0u);
  EXPECT_EQ(rows[kBottomLevel].files, FilesAtLevel(db.get(), kBottomLevel));
  std::string stats;
  ASSERT_TRUE(db->GetProperty("strata.compaction-stats", &stats));
  EXPECT_NE(stats.find("base level"), std::string::npos) << stats;
}

}  // namespace
}  // namespace strata
