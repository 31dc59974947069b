// Bit-flip sweeps over the files of a small database (issue 7), shared by
// db_bitflip_test.cc (a sample of bits, in `make test`) and
// db_bitflip_stress_test.cc (every bit).
//
// A sweep builds a database, keeps its directory as the pristine image, then
// for each chosen bit of one file: restores the image, flips that bit,
// reopens and reads everything back. The promise under test is that nothing
// corrupt is ever returned as data. What each file kind may do with a flip:
//   - Table: every byte is under a block checksum or the footer's checks, so
//     a flip is reported as Corruption by Open or by the reads that need the
//     damaged part. The one exception is harmless: the footer has no
//     checksum, and a flip that makes a handle's last varint byte continue
//     into the zero padding decodes to the same handles. Never a wrong value, a deleted or unknown
//     key found, or a key of the model missing with OK/NotFound (a damaged bloom filter would do
//     that: its block is checksummed when the table opens).
//   - WAL (the writes of one session, never flushed): a flip in the last
//     record is a torn tail: Open succeeds without that record and counts
//     nothing. A flip in any other record is mid-log damage: Open fails with
//     Corruption under paranoid_checks; otherwise exactly that record is
//     dropped, or, if the flip damaged a length, the records from it to the
//     last one starting in its block, and "strata.wal-corrupted-records" is
//     1. A flip in a block's zero trailer (never read) is harmless.
//     That is wal_recovery_mode kTolerateCorruptedTailRecords (the default);
//     kSkipAnyCorruptedRecords does the same whatever paranoid_checks says;
//     kPointInTimeRecovery recovers every record before the damaged one and
//     none from it on (counting 1 unless it was the last record);
//     kAbsoluteConsistency fails Open on a flip in any record, the last
//     included.
//   - MANIFEST (several edits: flushes and a compaction): Open fails with
//     Corruption. A damaged last record is not a torn tail: the WALs and
//     tables that edit made obsolete may already be gone.
//   - CURRENT: Open fails with Corruption.
// A crash, a sanitizer report or a hang fails the test run itself.
//
// Header-only, because each tests/**/*_test.cc is its own executable.
// Thread-safety: a sweep owns its temporary directory; run one at a time per
// directory.

#ifndef STRATA_TESTS_LSM_BITFLIP_SWEEP_H_
#define STRATA_TESTS_LSM_BITFLIP_SWEEP_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "lsm/db_test_util.h"
#include "lsm/filename.h"
#include "sstable/compression.h"
#include "sstable/format.h"
#include "strata/db.h"
#include "strata/write_batch.h"
#include "test_util.h"
#include "util/coding.h"
#include "wal/log_format.h"

namespace strata::test::bitflip {

using Model = std::map<std::string, std::string>;

// What a sweep did, for the report printed at its end.
struct Figures {
  std::string what;
  uint64_t file_bits = 0;
  uint64_t flips = 0;
  uint64_t open_corruption = 0;    // Open failed with Corruption
  uint64_t read_corruption = 0;    // Open succeeded; some read said Corruption
  uint64_t harmless = 0;           // everything read back exactly
  uint64_t dropped_torn_tail = 0;  // WAL: the damaged last record left out silently
  uint64_t dropped_mid_log = 0;    // WAL: the damaged record left out and counted
  uint64_t dropped_rest_of_block =
      0;                  // WAL: of those, length damage: its block's later records too
  uint64_t failures = 0;  // unacceptable outcomes (each also fails the test)
  double seconds = 0;

  std::string ToString() const {
    char buf[512];
    std::snprintf(
        buf, sizeof(buf),
        "[bitflip] %s: %llu bits, %llu flipped: corruption at open %llu, at read %llu, "
        "harmless %llu, dropped as torn tail %llu, dropped mid-log %llu "
        "(%llu with the rest of the block), failures %llu; %.1f s",
        what.c_str(), static_cast<unsigned long long>(file_bits),
        static_cast<unsigned long long>(flips), static_cast<unsigned long long>(open_corruption),
        static_cast<unsigned long long>(read_corruption), static_cast<unsigned long long>(harmless),
        static_cast<unsigned long long>(dropped_torn_tail),
        static_cast<unsigned long long>(dropped_mid_log),
        static_cast<unsigned long long>(dropped_rest_of_block),
        static_cast<unsigned long long>(failures), seconds);
    return buf;
  }
};

// Every file of a database directory, to put back before each flip: Open
// writes a new MANIFEST and WAL and deletes the old ones, so restoring only
// the damaged file is not enough.
class DirImage {
 public:
  explicit DirImage(const std::string& dir) {
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      files_[entry.path().filename().string()] = ReadFileOrDie(entry.path().string());
    }
  }

  const std::string& file(const std::string& name) const { return files_.at(name); }

  // Makes dir hold exactly the image, with `damaged` (if not empty) in place
  // of the file of that name.
  void RestoreTo(const std::string& dir, const std::string& name = "",
                 const std::string& damaged = "") const {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directory(dir);
    for (const auto& [file_name, contents] : files_) {
      WriteFileOrDie(dir + "/" + file_name, file_name == name ? damaged : contents);
    }
  }

 private:
  std::map<std::string, std::string> files_;
};

inline std::string FlipBit(const std::string& contents, uint64_t bit) {
  std::string damaged = contents;
  damaged[bit / 8] = static_cast<char>(damaged[bit / 8] ^ (1u << (bit % 8)));
  return damaged;
}

// The bits to flip in a file of `bytes` bytes: all of them when there are at
// most `limit`; otherwise every bit of the first and last `edge_bytes` bytes
// (headers, footers, the last record) and random others up to `limit`.
inline std::vector<uint64_t> ChooseBits(uint64_t bytes, uint64_t limit, uint64_t seed,
                                        uint64_t edge_bytes = 64) {
  const uint64_t bits = bytes * 8;
  std::vector<uint64_t> all;
  if (bits <= limit) {
    for (uint64_t b = 0; b < bits; b++) all.push_back(b);
    return all;
  }
  std::set<uint64_t> chosen;
  for (uint64_t b = 0; b < std::min(bits, edge_bytes * 8); b++) chosen.insert(b);
  for (uint64_t b = bits > edge_bytes * 8 ? bits - edge_bytes * 8 : 0; b < bits; b++) {
    chosen.insert(b);
  }
  std::mt19937_64 rng(seed);
  while (chosen.size() < limit) chosen.insert(rng() % bits);
  return std::vector<uint64_t>(chosen.begin(), chosen.end());
}

// What reading a reopened database back found.
struct ReadBack {
  bool corruption = false;         // some read said Corruption
  std::vector<std::string> wrong;  // unacceptable results, described
};

// Gets every key of `model` and every key of `absent`, then scans forward
// and backward. Corruption is acceptable; a wrong or stale value, a key found
// that the model lacks, a model key missing without an error, an iterator
// Valid() after its error, or any other error is not.
inline ReadBack ReadEverything(DB* db, const Model& model, const std::vector<std::string>& absent) {
  ReadBack result;
  auto error = [&](const std::string& what, const Status& s) {
    if (s.IsCorruption()) {
      result.corruption = true;
    } else {
      result.wrong.push_back(what + ": " + s.ToString());
    }
  };
  for (const auto& [key, expected] : model) {
    std::string value;
    Status s = db->Get(ReadOptions(), key, &value);
    if (s.ok()) {
      if (value != expected) result.wrong.push_back("Get " + key + ": wrong value");
    } else {
      error("Get " + key, s);
    }
  }
  for (const auto& key : absent) {
    std::string value;
    Status s = db->Get(ReadOptions(), key, &value);
    if (s.ok()) {
      result.wrong.push_back("Get " + key + ": found a key the model lacks");
    } else if (!s.IsNotFound()) {
      error("Get " + key, s);
    }
  }
  for (bool forward : {true, false}) {
    const std::string direction = forward ? "forward scan" : "backward scan";
    std::unique_ptr<Iterator> it = db->NewIterator(ReadOptions());
    size_t seen = 0;
    std::string previous;
    for (forward ? it->SeekToFirst() : it->SeekToLast(); it->Valid();
         forward ? it->Next() : it->Prev()) {
      std::string key(it->key());
      auto m = model.find(key);
      if (!it->status().ok()) {
        result.wrong.push_back(direction + ": Valid() after " + it->status().ToString());
      } else if (m == model.end()) {
        result.wrong.push_back(direction + ": yielded " + key + ", which the model lacks");
      } else if (it->value() != m->second) {
        result.wrong.push_back(direction + ": wrong value at " + key);
      } else if (seen > 0 && (forward ? key <= previous : key >= previous)) {
        result.wrong.push_back(direction + ": " + key + " out of order");
      }
      seen++;
      previous = std::move(key);
      if (result.wrong.size() > 5 || seen > model.size()) break;
    }
    if (!it->status().ok()) {
      error(direction, it->status());
    } else if (seen != model.size()) {
      result.wrong.push_back(direction + ": ended OK after " + std::to_string(seen) + " of " +
                             std::to_string(model.size()) + " entries");
    }
  }
  return result;
}

inline std::string Join(const std::vector<std::string>& lines) {
  std::string out;
  for (size_t i = 0; i < lines.size() && i < 5; i++) out += (i ? "; " : "") + lines[i];
  return out;
}

// Collects the unacceptable outcomes of a sweep and reports the first few
// as test failures, so one broken rule does not print thousands of lines.
class FailureLog {
 public:
  explicit FailureLog(Figures* figures) : figures_(figures) {}
  void Add(const std::string& file, uint64_t bit, const std::string& what) {
    figures_->failures++;
    if (figures_->failures <= 20) {
      ADD_FAILURE() << figures_->what << ": bit " << bit << " (byte " << bit / 8 << ", mask 0x"
                    << std::hex << (1u << (bit % 8)) << std::dec << ") of " << file << ": " << what;
    }
  }

 private:
  Figures* const figures_;
};

class Stopwatch {
 public:
  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

inline std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%06d", i);
  return buf;
}

inline std::string RandomBytes(std::mt19937_64* rng, size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>((*rng)() & 0xff);
  return s;
}

// A value that compresses about as well as `i` says: random bytes, a run of
// one letter, or short text, so a table has compressed and stored blocks.
inline std::string MixedValue(std::mt19937_64* rng, int i) {
  switch (i % 3) {
    case 0:
      return RandomBytes(rng, 16 + (*rng)() % 32);
    case 1:
      return std::string(40, static_cast<char>('a' + i % 26)) + std::to_string(i);
    default:
      return "v" + std::to_string(i * 7919);
  }
}

inline std::string OnlyFileOfType(const std::string& dbname, FileType type) {
  std::vector<std::string> names = FileNamesOfType(dbname, type);
  EXPECT_EQ(names.size(), 1u) << "files of the kind swept";
  return names.empty() ? "" : names.back();
}

inline Status TryOpen(const Options& options, const std::string& dbname, std::unique_ptr<DB>* db) {
  db->reset();
  return DB::Open(options, dbname, db);
}

// ---------------------------------------------------------------------------
// Table

// Options for a database whose single table is swept: small blocks so the
// table has several, and no compaction to read the damage in the background.
inline Options TableOptions(CompressionType compression) {
  Options options;
  options.compression = compression;
  options.block_size = 512;
  options.l0_compaction_trigger = 1 << 20;
  options.read_triggered_compaction = false;
  options.idle_compaction_ms = 0;  // nor when writes stop
  options.l0_slowdown_writes_trigger = 1 << 20;
  options.l0_stop_writes_trigger = 1 << 20;
  return options;
}

// True if the footers of both tables decode to the same handles.
inline bool SameFooter(const std::string& a, const std::string& b) {
  Footer fa, fb;
  const size_t n = Footer::kEncodedLength;
  if (a.size() < n || b.size() != a.size()) return false;
  if (!fa.DecodeFrom(std::string_view(a).substr(a.size() - n)).ok()) return false;
  if (!fb.DecodeFrom(std::string_view(b).substr(b.size() - n)).ok()) return false;
  return fa.metaindex_handle.offset() == fb.metaindex_handle.offset() &&
         fa.metaindex_handle.size() == fb.metaindex_handle.size() &&
         fa.index_handle.offset() == fb.index_handle.offset() &&
         fa.index_handle.size() == fb.index_handle.size();
}

// Builds one table of `keys` keys (values of mixed compressibility, some
// overwritten, some deleted) and flips up to max_flips of its bits.
// range_deletions: the table also holds range tombstones (DeleteRange), so
// it has a range-deletion block (format version 2).
inline Figures SweepTable(CompressionType compression, int keys, uint64_t max_flips,
                          bool range_deletions = false) {
  Figures figures;
  figures.what = "table (" + std::string(CompressionTypeName(compression)) +
                 (range_deletions ? ", range tombstones" : "") + ")";
  FailureLog failures(&figures);
  TempDir dir{TempDir::InMemory()};
  const std::string dbname = dir.Child("db");
  const Options options = TableOptions(compression);
  std::mt19937_64 rng(301 + compression);
  Model model;
  std::vector<std::string> absent = {"", "a", "key", "key000000x", "zzz"};
  {
    std::unique_ptr<DB> db = OpenOrDie(options, dbname);
    if (db == nullptr) return figures;
    for (int i = 0; i < keys; i++) {
      std::string value = MixedValue(&rng, i);
      EXPECT_TRUE(db->Put(WriteOptions(), Key(i), value).ok());
      model[Key(i)] = value;
    }
    for (int i = 0; i < keys; i += 5) {  // newer versions in the same table
      std::string value = "new" + MixedValue(&rng, i + 1);
      EXPECT_TRUE(db->Put(WriteOptions(), Key(i), value).ok());
      model[Key(i)] = value;
    }
    for (int i = 3; i < keys; i += 11) {  // tombstones
      EXPECT_TRUE(db->Delete(WriteOptions(), Key(i)).ok());
      model.erase(Key(i));
      absent.push_back(Key(i));
    }
    for (int i = 1; range_deletions && i + 8 < keys; i += keys / 5) {
      // Overlapping ranges, so the block holds several fragments.
      EXPECT_TRUE(db->DeleteRange(WriteOptions(), Key(i), Key(i + 6)).ok());
      EXPECT_TRUE(db->DeleteRange(WriteOptions(), Key(i + 4), Key(i + 9)).ok());
      for (int j = i; j < i + 9; j++) {
        if (model.erase(Key(j)) > 0) absent.push_back(Key(j));
      }
    }
    for (int i = keys; i < keys + 10; i++) absent.push_back(Key(i));
    Status s = db->Flush();
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  const std::string table = OnlyFileOfType(dbname, FileType::kTable);
  if (table.empty()) return figures;
  {
    std::unique_ptr<DB> db = OpenOrDie(options, dbname);
    if (db == nullptr) return figures;
    ReadBack pristine = ReadEverything(db.get(), model, absent);
    EXPECT_FALSE(pristine.corruption);
    EXPECT_TRUE(pristine.wrong.empty()) << Join(pristine.wrong);
  }

  const DirImage image(dbname);
  const std::string& contents = image.file(table);
  figures.file_bits = contents.size() * 8;
  Stopwatch watch;
  for (uint64_t bit : ChooseBits(contents.size(), max_flips, 7 + compression)) {
    figures.flips++;
    image.RestoreTo(dbname, table, FlipBit(contents, bit));
    std::unique_ptr<DB> db;
    Status s = TryOpen(options, dbname, &db);
    if (!s.ok()) {
      // Tables open lazily, so this is unexpected, but acceptable if clear.
      if (s.IsCorruption()) {
        figures.open_corruption++;
      } else {
        failures.Add(table, bit, "Open: " + s.ToString());
      }
      continue;
    }
    ReadBack read = ReadEverything(db.get(), model, absent);
    if (!read.wrong.empty()) {
      failures.Add(table, bit, Join(read.wrong));
    } else if (read.corruption) {
      figures.read_corruption++;
    } else if (SameFooter(contents, FlipBit(contents, bit))) {
      // The footer has no checksum: a flip that turns a varint's last byte
      // into a continuation of the zero padding decodes to the same handles.
      figures.harmless++;
    } else {
      // Every other byte of a table is checked before it is used, so a flip
      // the reads do not notice is a byte that is never checked.
      failures.Add(table, bit, "not detected by any read");
    }
  }
  figures.seconds = watch.Seconds();
  return figures;
}

// ---------------------------------------------------------------------------
// WAL

// One write of the WAL sweep: a batch of puts and deletes (no value), in
// order; one WAL record.
using Write = std::vector<std::pair<std::string, std::optional<std::string>>>;

// The database after replaying `writes` in order, leaving out those listed.
inline Model Replay(const std::vector<Write>& writes, const std::set<size_t>& left_out) {
  Model model;
  for (size_t i = 0; i < writes.size(); i++) {
    if (left_out.count(i) != 0) continue;
    for (const auto& [key, value] : writes[i]) {
      if (value) {
        model[key] = *value;
      } else {
        model.erase(key);
      }
    }
  }
  return model;
}

// For each byte of a log, the index of the record whose fragment holds it,
// or -1 for a block's zero trailer; from the layout rules of
// docs/FORMAT.md, read independently of wal::Reader.
inline std::vector<int> RecordOfEachByte(const std::string& log) {
  std::vector<int> owner(log.size(), -1);
  size_t pos = 0;
  int record = 0;
  while (pos < log.size()) {
    const size_t left_in_block = wal::kBlockSize - pos % wal::kBlockSize;
    if (left_in_block < wal::kHeaderSize) {
      pos += left_in_block;  // the trailer
      continue;
    }
    const size_t length = DecodeFixed16(log.data() + pos + 4);
    const auto type = static_cast<wal::FragmentType>(log[pos + 6]);
    const size_t end = std::min(log.size(), pos + wal::kHeaderSize + length);
    for (; pos < end; pos++) owner[pos] = record;
    if (type == wal::FragmentType::kFullType || type == wal::FragmentType::kLastType) record++;
  }
  return owner;
}

// Writes `records` batches (one WAL record each, sized so the log spans
// about log_bytes and records cross block boundaries when it is larger than
// a block), closes without flushing, and flips up to max_flips bits of the
// WAL (of those, every shards-th from the shard-th, so a long sweep can run
// as several tests); reopens with paranoid_checks as given.
inline Figures SweepWal(bool paranoid, int records, size_t log_bytes, uint64_t max_flips,
                        int shard = 0, int shards = 1,
                        WALRecoveryMode mode = WALRecoveryMode::kTolerateCorruptedTailRecords) {
  Figures figures;
  figures.what = std::string("WAL (paranoid_checks ") + (paranoid ? "on" : "off") +
                 ", wal_recovery_mode " + std::to_string(static_cast<int>(mode)) + ")";
  if (shards > 1) figures.what += " shard " + std::to_string(shard) + "/" + std::to_string(shards);
  FailureLog failures(&figures);
  TempDir dir{TempDir::InMemory()};
  const std::string dbname = dir.Child("db");
  Options options;  // a 64 MiB memtable: nothing is flushed
  options.paranoid_checks = paranoid;
  options.wal_recovery_mode = mode;
  const bool point_in_time = mode == WALRecoveryMode::kPointInTimeRecovery;
  std::mt19937_64 rng(paranoid ? 11 : 12);
  std::vector<Write> writes;
  {
    std::unique_ptr<DB> db = OpenOrDie(options, dbname);
    if (db == nullptr) return figures;
    const size_t value_size = std::max<size_t>(8, log_bytes / records);
    for (int r = 0; r < records; r++) {
      Write write;
      WriteBatch batch;
      const int ops = 1 + static_cast<int>(rng() % 3);
      for (int j = 0; j < ops; j++) {
        // Few keys, so leaving out a record changes what a later one left.
        std::string key = Key(static_cast<int>(rng() % 24));
        if (rng() % 4 == 0) {
          batch.Delete(key);
          write.emplace_back(key, std::nullopt);
        } else {
          std::string value = RandomBytes(&rng, rng() % (2 * value_size / ops + 1));
          batch.Put(key, value);
          write.emplace_back(key, value);
        }
      }
      EXPECT_TRUE(db->Write(WriteOptions(), &batch).ok());
      writes.push_back(std::move(write));
    }
  }
  const std::string log = OnlyFileOfType(dbname, FileType::kLog);
  if (log.empty()) return figures;
  EXPECT_TRUE(FileNamesOfType(dbname, FileType::kTable).empty()) << "something was flushed";

  std::vector<std::string> keys;
  for (int i = 0; i < 24; i++) keys.push_back(Key(i));
  auto absent_from = [&keys](const Model& model) {
    std::vector<std::string> absent;
    for (const auto& key : keys) {
      if (model.count(key) == 0) absent.push_back(key);
    }
    return absent;
  };
  const DirImage image(dbname);
  {
    std::unique_ptr<DB> db = OpenOrDie(options, dbname);
    if (db == nullptr) return figures;
    const Model all = Replay(writes, {});
    ReadBack pristine = ReadEverything(db.get(), all, absent_from(all));
    EXPECT_TRUE(pristine.wrong.empty()) << Join(pristine.wrong);
  }
  const std::string& contents = image.file(log);
  const std::vector<int> owner = RecordOfEachByte(contents);
  EXPECT_EQ(owner.empty() ? -1 : owner.back(), records - 1);
  std::vector<uint64_t> record_start(static_cast<size_t>(records), contents.size());
  for (size_t pos = owner.size(); pos-- > 0;) {
    if (owner[pos] >= 0) record_start[static_cast<size_t>(owner[pos])] = pos;
  }
  const int last = records - 1;
  figures.file_bits = contents.size() * 8;
  Stopwatch watch;
  const std::vector<uint64_t> bits =
      ChooseBits(contents.size(), max_flips, (paranoid ? 5 : 6) + static_cast<int>(mode));
  for (size_t i = static_cast<size_t>(shard); i < bits.size(); i += static_cast<size_t>(shards)) {
    const uint64_t bit = bits[i];
    figures.flips++;
    image.RestoreTo(dbname, log, FlipBit(contents, bit));
    const int record = owner[bit / 8];
    std::unique_ptr<DB> db;
    Status s = TryOpen(options, dbname, &db);
    // What must be recovered: everything (a trailer byte), all but the last
    // record (a torn tail), or all but the damaged one (mid-log damage);
    // or, when the flip damaged a length, all but the records from the
    // damaged one to the last that starts in its block (the reader drops
    // the rest of the block rather than guess where the next header is).
    std::set<size_t> left_out;
    std::set<size_t> left_out_to_block_end;
    uint64_t expected_count = 0;
    if (record >= 0 && point_in_time) {
      // The damaged record and every later one: a prefix survives.
      for (int r = record; r < records; r++) left_out.insert(static_cast<size_t>(r));
    } else if (record >= 0) {
      left_out.insert(static_cast<size_t>(record));
      const uint64_t block_end = (bit / 8 / wal::kBlockSize + 1) * wal::kBlockSize;
      for (int r = record; r < records && record_start[r] < block_end; r++) {
        left_out_to_block_end.insert(static_cast<size_t>(r));
      }
    }
    if (record >= 0 && record != last) expected_count = 1;
    const bool open_fails = mode == WALRecoveryMode::kAbsoluteConsistency
                                ? record >= 0
                                : mode == WALRecoveryMode::kTolerateCorruptedTailRecords &&
                                      paranoid && expected_count > 0;
    if (open_fails) {
      if (s.IsCorruption()) {
        figures.open_corruption++;
      } else {
        failures.Add(log, bit,
                     "mid-log damage in record " + std::to_string(record) + " of " +
                         std::to_string(records) + ": Open said " + s.ToString());
      }
      continue;
    }
    if (!s.ok()) {
      failures.Add(log, bit,
                   "record " + std::to_string(record) + " of " + std::to_string(records) +
                       ": Open said " + s.ToString());
      continue;
    }
    Model expected = Replay(writes, left_out);
    ReadBack read = ReadEverything(db.get(), expected, absent_from(expected));
    if (!read.wrong.empty() && left_out_to_block_end.size() > left_out.size()) {
      Model rest_of_block_lost = Replay(writes, left_out_to_block_end);
      ReadBack second =
          ReadEverything(db.get(), rest_of_block_lost, absent_from(rest_of_block_lost));
      if (second.wrong.empty()) {
        read = second;
        figures.dropped_rest_of_block++;
      }
    }
    const uint64_t counted = IntProperty(db.get(), "strata.wal-corrupted-records");
    if (!read.wrong.empty() || read.corruption || counted != expected_count) {
      std::string what = "record " + std::to_string(record) + " of " + std::to_string(records) +
                         " damaged; expected it " + (record < 0 ? "harmless" : "left out") +
                         " and " + std::to_string(expected_count) + " counted, got " +
                         std::to_string(counted) + " counted";
      if (read.corruption) what += ", a read said Corruption";
      // Which records were actually lost, for the first few reports.
      for (int r = 0; r < records && !read.wrong.empty() && figures.failures < 20; r++) {
        std::set<size_t> lost = left_out;
        lost.insert(static_cast<size_t>(r));
        for (int end = r; end < records; end++) {
          lost.insert(static_cast<size_t>(end));
          if (ReadEverything(db.get(), Replay(writes, lost), {}).wrong.empty()) {
            what += "; recovered as if records " + std::to_string(std::min(r, record)) + " to " +
                    std::to_string(end) + " were lost";
            r = records;
            break;
          }
        }
      }
      if (read.wrong.empty()) {
        failures.Add(log, bit, what);
      } else {
        failures.Add(log, bit, what + ": " + Join(read.wrong));
      }
    } else if (record < 0) {
      figures.harmless++;
    } else if (record == last) {
      figures.dropped_torn_tail++;
    } else {
      figures.dropped_mid_log++;
    }
  }
  figures.seconds = watch.Seconds();
  return figures;
}

// ---------------------------------------------------------------------------
// MANIFEST and CURRENT

// A database whose MANIFEST holds several edits: four flushes, a compaction
// of them, two more flushes, and writes left in the WAL.
struct ManifestDb {
  Model model;
  std::vector<std::string> absent;
};

inline ManifestDb BuildManifestDb(const std::string& dbname, const Options& options) {
  ManifestDb result;
  std::mt19937_64 rng(99);
  std::unique_ptr<DB> db = OpenOrDie(options, dbname);
  if (db == nullptr) return result;
  auto put = [&](int i) {
    std::string value = MixedValue(&rng, i);
    EXPECT_TRUE(db->Put(WriteOptions(), Key(i), value).ok());
    result.model[Key(i)] = value;
  };
  auto del = [&](int i) {
    EXPECT_TRUE(db->Delete(WriteOptions(), Key(i)).ok());
    result.model.erase(Key(i));
  };
  for (int round = 0; round < 4; round++) {
    for (int i = round; i < 60; i += 3) put(i);
    del(round * 7);
    EXPECT_TRUE(db->Flush().ok());
  }
  EXPECT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  for (int round = 0; round < 2; round++) {
    for (int i = 60 + round; i < 90; i += 2) put(i);
    del(10 + round);
    EXPECT_TRUE(db->Flush().ok());
  }
  for (int i = 90; i < 100; i++) put(i);  // in the WAL only
  del(61);
  for (int i = 0; i < 110; i++) {
    if (result.model.count(Key(i)) == 0) result.absent.push_back(Key(i));
  }
  return result;
}

// Flips up to max_flips bits of the file named `name` (the MANIFEST when
// empty, or CURRENT): every flip must fail Open with Corruption, or leave the
// database exactly as it was.
inline Figures SweepManifest(const std::string& name, uint64_t max_flips) {
  Figures figures;
  FailureLog failures(&figures);
  TempDir dir{TempDir::InMemory()};
  const std::string dbname = dir.Child("db");
  Options options;
  options.l0_compaction_trigger = 1 << 20;  // only the CompactRange compacts
  options.read_triggered_compaction = false;
  options.idle_compaction_ms = 0;  // nor when writes stop
  options.l0_slowdown_writes_trigger = 1 << 20;
  options.l0_stop_writes_trigger = 1 << 20;
  const ManifestDb built = BuildManifestDb(dbname, options);
  const std::string file = name.empty() ? OnlyFileOfType(dbname, FileType::kManifest) : name;
  figures.what = name.empty() ? "MANIFEST" : name;
  if (file.empty()) return figures;
  // Captured first: Open replaces the MANIFEST.
  const DirImage image(dbname);
  {
    std::unique_ptr<DB> db = OpenOrDie(options, dbname);
    if (db == nullptr) return figures;
    ReadBack pristine = ReadEverything(db.get(), built.model, built.absent);
    EXPECT_FALSE(pristine.corruption);
    EXPECT_TRUE(pristine.wrong.empty()) << Join(pristine.wrong);
  }
  const std::string& contents = image.file(file);
  figures.file_bits = contents.size() * 8;
  Stopwatch watch;
  for (uint64_t bit : ChooseBits(contents.size(), max_flips, 3)) {
    figures.flips++;
    image.RestoreTo(dbname, file, FlipBit(contents, bit));
    std::unique_ptr<DB> db;
    Status s = TryOpen(options, dbname, &db);
    if (s.IsCorruption()) {
      figures.open_corruption++;
      continue;
    }
    if (!s.ok()) {
      failures.Add(file, bit, "Open: " + s.ToString());
      continue;
    }
    ReadBack read = ReadEverything(db.get(), built.model, built.absent);
    if (!read.wrong.empty() || read.corruption) {
      failures.Add(file, bit,
                   "Open succeeded" +
                       std::string(read.corruption ? "; a read said Corruption" : "") +
                       (read.wrong.empty() ? "" : ": " + Join(read.wrong)));
    } else {
      figures.harmless++;
    }
  }
  figures.seconds = watch.Seconds();
  return figures;
}

}  // namespace strata::test::bitflip

#endif  // STRATA_TESTS_LSM_BITFLIP_SWEEP_H_
