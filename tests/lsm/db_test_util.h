// Helpers shared by the DB-level tests in tests/lsm/: opening a database in a
// temporary directory, waiting for its background work, reading it whole
// into a std::map (the model the tests compare against), reading integer
// properties and finding WAL files.
//
// Header-only, because each tests/**/*_test.cc is its own executable.
//
// Thread-safety: the helpers touch only their arguments; a DB may be shared.

#ifndef STRATA_TESTS_LSM_DB_TEST_UTIL_H_
#define STRATA_TESTS_LSM_DB_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lsm/db_impl.h"
#include "lsm/filename.h"
#include "strata/db.h"

namespace strata::test {

// The smallest memtable the engine accepts, so a few hundred KiB of writes
// switch memtables (and WAL files) several times.
inline constexpr size_t kMinWriteBuffer = 64 << 10;

inline Options SmallBufferOptions() {
  Options options;
  options.write_buffer_size = kMinWriteBuffer;
  return options;
}

inline std::unique_ptr<DB> OpenOrDie(const Options& options, const std::string& path) {
  std::unique_ptr<DB> db;
  Status s = DB::Open(options, path, &db);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return db;
}

// Returns once no flush or compaction runs or is due in db (opened by
// DB::Open): the background error if there is one.
inline Status WaitForBackgroundWork(DB* db) {
  return static_cast<DBImpl*>(db)->TEST_WaitForBackgroundWork();
}

// Releases a snapshot when it goes out of scope, so a failed assertion does
// not leave one behind for the DB's destructor.
struct SnapshotReleaser {
  DB* db;
  void operator()(const Snapshot* snapshot) const { db->ReleaseSnapshot(snapshot); }
};
using ScopedSnapshot = std::unique_ptr<const Snapshot, SnapshotReleaser>;

inline ScopedSnapshot TakeSnapshot(DB* db) {
  return ScopedSnapshot(db->GetSnapshot(), SnapshotReleaser{db});
}

// What Get returns at `snapshot` (nullptr: now): the value, "NOT_FOUND", or
// the error.
inline std::string GetValue(DB* db, std::string_view key, const Snapshot* snapshot = nullptr) {
  ReadOptions options;
  options.snapshot = snapshot;
  std::string value;
  Status s = db->Get(options, key, &value);
  if (s.IsNotFound()) return "NOT_FOUND";
  if (!s.ok()) return "ERROR: " + s.ToString();
  return value;
}

// Every key/value visible at `snapshot` (nullptr: now), by a forward scan.
inline std::map<std::string, std::string> ScanAll(DB* db, const Snapshot* snapshot = nullptr) {
  ReadOptions options;
  options.snapshot = snapshot;
  std::map<std::string, std::string> result;
  std::unique_ptr<Iterator> it = db->NewIterator(options);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    result.emplace(std::string(it->key()), std::string(it->value()));
  }
  EXPECT_TRUE(it->status().ok()) << it->status().ToString();
  return result;
}

// Every key/value visible now, by a backward scan, in forward order.
inline std::map<std::string, std::string> ScanAllBackward(DB* db) {
  std::map<std::string, std::string> result;
  std::unique_ptr<Iterator> it = db->NewIterator();
  std::string previous;
  bool first = true;
  for (it->SeekToLast(); it->Valid(); it->Prev()) {
    std::string key(it->key());
    EXPECT_TRUE(first || key < previous) << "backward scan out of order at " << key;
    first = false;
    previous = key;
    result.emplace(std::move(key), std::string(it->value()));
  }
  EXPECT_TRUE(it->status().ok()) << it->status().ToString();
  return result;
}

// The integer value of property `name`; fails the test if there is none.
inline uint64_t IntProperty(DB* db, std::string_view name) {
  std::string value;
  EXPECT_TRUE(db->GetProperty(name, &value)) << name;
  return value.empty() ? 0 : std::stoull(value);
}

// Files in `level`, from property "strata.num-files-at-level<N>".
inline int FilesAtLevel(DB* db, int level) {
  return static_cast<int>(IntProperty(db, "strata.num-files-at-level" + std::to_string(level)));
}

// The counter on the line of property "strata.stats" that starts with
// `label` (e.g. "switches", "writes", "group commits"); fails the test if
// there is no such line.
inline uint64_t StatsCounter(DB* db, std::string_view label) {
  std::string stats;
  EXPECT_TRUE(db->GetProperty("strata.stats", &stats));
  size_t pos = 0;
  while (pos < stats.size()) {
    size_t end = stats.find('\n', pos);
    if (end == std::string::npos) end = stats.size();
    std::string_view line(stats.data() + pos, end - pos);
    if (line.starts_with(label) && line.size() > label.size() && line[label.size()] == ' ') {
      return std::strtoull(std::string(line.substr(label.size())).c_str(), nullptr, 10);
    }
    pos = end + 1;
  }
  ADD_FAILURE() << "no \"" << label << "\" line in strata.stats:\n" << stats;
  return 0;
}

// The names of the files of `type` in directory `dbname`, in file-number
// order.
inline std::vector<std::string> FileNamesOfType(const std::string& dbname, FileType type) {
  std::vector<std::string> names;
  EXPECT_TRUE(DefaultFileSystem()->GetChildren(dbname, &names).ok());
  std::map<uint64_t, std::string> numbered;
  for (auto& name : names) {
    uint64_t number;
    FileType t;
    if (ParseFileName(name, &number, &t) && t == type) numbered[number] = std::move(name);
  }
  std::vector<std::string> result;
  for (auto& [number, name] : numbered) result.push_back(std::move(name));
  return result;
}

// The paths of the WAL files in directory `dbname`, in file-number order.
inline std::vector<std::string> LogFiles(const std::string& dbname) {
  std::vector<std::string> paths;
  for (const auto& name : FileNamesOfType(dbname, FileType::kLog)) {
    paths.push_back(dbname + "/" + name);
  }
  return paths;
}

// How `actual` differs from `expected`: up to five lines of missing,
// unexpected and wrong keys, values cut to value_chars; "" if equal.
inline std::string ModelDiff(const std::map<std::string, std::string>& expected,
                             const std::map<std::string, std::string>& actual, size_t value_chars) {
  std::string out;
  auto e = expected.begin();
  auto a = actual.begin();
  for (int shown = 0; (e != expected.end() || a != actual.end()) && shown < 5;) {
    if (a == actual.end() || (e != expected.end() && e->first < a->first)) {
      out += "missing " + e->first + "\n";
      ++e, ++shown;
    } else if (e == expected.end() || a->first < e->first) {
      out += "unexpected " + a->first + " = " + a->second.substr(0, value_chars) + "\n";
      ++a, ++shown;
    } else {
      if (e->second != a->second) {
        out += "wrong value at " + e->first + ": " + a->second.substr(0, value_chars) +
               " instead of " + e->second.substr(0, value_chars) + "\n";
        shown++;
      }
      ++e, ++a;
    }
  }
  return out;
}

// The bytes listed, for hand-made encodings: Bytes({0x01, 'k'}).
inline std::string Bytes(std::initializer_list<unsigned char> bytes) {
  return std::string(bytes.begin(), bytes.end());
}

inline uint64_t FileSize(const std::string& path) {
  uint64_t size = 0;
  EXPECT_TRUE(DefaultFileSystem()->GetFileSize(path, &size).ok()) << path;
  return size;
}

}  // namespace strata::test

#endif  // STRATA_TESTS_LSM_DB_TEST_UTIL_H_
