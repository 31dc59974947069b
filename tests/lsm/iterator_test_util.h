// Helpers for the internal-iterator tests (merging, level and DB
// iterators, table cache): a vector-backed iterator that can fail on
// demand, a short text form of internal keys, a runner for scripts of
// iterator moves, random moves checked against a model, and table files
// built from entries.
//
// Text form of an entry: "user.seq=value" for a value, "user.seq:del" for a
// tombstone, e.g. "apple.7=red banana.3:del".
//
// A script is one move per line, "<move> -> <expected>":
//   first / last / next / prev / seek <target>
// and the expected entry ("a.7=red" for internal iterators, "a=red" for
// user iterators), "(invalid)", or "(error: <status>)". Blank lines and
// lines starting with # are skipped.
//
// Header-only, because each tests/**/*_test.cc is its own executable.
// Thread-safety: single-threaded helpers.

#ifndef STRATA_TESTS_LSM_ITERATOR_TEST_UTIL_H_
#define STRATA_TESTS_LSM_ITERATOR_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "lsm/filename.h"
#include "lsm/version_edit.h"
#include "sstable/table_builder.h"
#include "strata/file_system.h"
#include "strata/iterator.h"
#include "util/internal_key.h"
#include "util/random.h"

namespace strata::test {

using Entries = std::vector<std::pair<std::string, std::string>>;

// "user.seq=value" or "user.seq:del" as an internal key and its value.
inline std::pair<std::string, std::string> ParseEntry(const std::string& text) {
  size_t dot = text.rfind('.');
  EXPECT_NE(dot, std::string::npos) << text;
  std::string user = text.substr(0, dot);
  std::string rest = text.substr(dot + 1);
  if (rest.ends_with(":del")) {
    uint64_t seq = std::stoull(rest.substr(0, rest.size() - 4));
    return {MakeInternalKey(user, seq, kTypeDeletion), ""};
  }
  size_t eq = rest.find('=');
  EXPECT_NE(eq, std::string::npos) << text;
  uint64_t seq = std::stoull(rest.substr(0, eq));
  return {MakeInternalKey(user, seq, kTypeValue), rest.substr(eq + 1)};
}

// Space-separated entries, sorted in internal-key order.
inline Entries ParseEntries(const std::string& text) {
  Entries entries;
  std::istringstream in(text);
  std::string word;
  while (in >> word) entries.push_back(ParseEntry(word));
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return InternalKeyComparator(BytewiseComparator()).Compare(a.first, b.first) < 0;
  });
  return entries;
}

// The text form of an internal key and its value.
inline std::string FormatEntry(std::string_view internal_key, std::string_view value) {
  ParsedInternalKey parsed;
  if (!ParseInternalKey(internal_key, &parsed)) return "(malformed)";
  std::string out = std::string(parsed.user_key) + "." + std::to_string(parsed.sequence);
  if (parsed.type == kTypeDeletion) return out + ":del";
  return out + "=" + std::string(value);
}

// An iterator over sorted internal-key entries. fail_at: the index of an
// entry that cannot be read; landing on it makes the iterator invalid with
// an IOError, as a table whose block fails its checksum would.
class VectorIterator final : public Iterator {
 public:
  static constexpr size_t kNoFailure = static_cast<size_t>(-1);

  explicit VectorIterator(Entries entries, size_t fail_at = kNoFailure)
      : entries_(std::move(entries)), fail_at_(fail_at) {}

  bool Valid() const override { return status_.ok() && index_ < entries_.size(); }
  void SeekToFirst() override { Land(0); }
  void SeekToLast() override { Land(entries_.empty() ? entries_.size() : entries_.size() - 1); }
  void Seek(std::string_view target) override {
    auto it = std::partition_point(entries_.begin(), entries_.end(), [&](const auto& e) {
      return InternalKeyComparator(BytewiseComparator()).Compare(e.first, target) < 0;
    });
    Land(static_cast<size_t>(it - entries_.begin()));
  }
  void Next() override { Land(index_ + 1); }
  void Prev() override { Land(index_ == 0 ? entries_.size() : index_ - 1); }
  std::string_view key() const override { return entries_[index_].first; }
  std::string_view value() const override { return entries_[index_].second; }
  Status status() const override { return status_; }

 private:
  void Land(size_t index) {
    index_ = index;
    if (index == fail_at_) status_ = Status::IOError("injected read error");
  }

  const Entries entries_;
  const size_t fail_at_;
  size_t index_ = 0;
  Status status_;
};

inline std::unique_ptr<Iterator> NewVectorIterator(const std::string& text,
                                                   size_t fail_at = VectorIterator::kNoFailure) {
  return std::make_unique<VectorIterator>(ParseEntries(text), fail_at);
}

// Where it stands: its entry (formatted by format), "(invalid)", or the
// error.
template <typename Format>
std::string Position(const Iterator& it, Format format) {
  if (it.Valid()) return format(it.key(), it.value());
  if (!it.status().ok()) return "(error: " + it.status().ToString() + ")";
  return "(invalid)";
}

inline std::string InternalPosition(const Iterator& it) { return Position(it, FormatEntry); }

inline std::string UserPosition(const Iterator& it) {
  return Position(it, [](std::string_view k, std::string_view v) {
    return std::string(k) + "=" + std::string(v);
  });
}

// Runs script (see the top of this file) on it; make_target turns a seek
// argument into the key Seek takes (a user key for DB iterators, an
// internal key "user.seq" for internal ones). Reports every line whose
// outcome differs, with its line number.
template <typename MakeTarget>
void RunScript(Iterator* it, const std::string& script, MakeTarget make_target,
               std::string (*position)(const Iterator&)) {
  std::istringstream in(script);
  std::string line;
  for (int number = 1; std::getline(in, line); number++) {
    size_t start = line.find_first_not_of(' ');
    if (start == std::string::npos || line[start] == '#') continue;
    size_t arrow = line.find("->");
    ASSERT_NE(arrow, std::string::npos) << "script line " << number << ": " << line;
    std::istringstream move(line.substr(0, arrow));
    std::string op, arg;
    move >> op >> arg;
    std::string expected = line.substr(arrow + 2);
    expected = expected.substr(expected.find_first_not_of(' '));
    if (op == "first") {
      it->SeekToFirst();
    } else if (op == "last") {
      it->SeekToLast();
    } else if (op == "next") {
      ASSERT_TRUE(it->Valid()) << "script line " << number << ": next on an invalid iterator";
      it->Next();
    } else if (op == "prev") {
      ASSERT_TRUE(it->Valid()) << "script line " << number << ": prev on an invalid iterator";
      it->Prev();
    } else if (op == "seek") {
      std::string target = make_target(arg);
      it->Seek(target);
    } else {
      FAIL() << "script line " << number << ": unknown move " << op;
    }
    EXPECT_EQ(position(*it), expected) << "script line " << number << ": " << line;
  }
}

// Makes `steps` random moves of `it` (seeks to either end, Seek to a target
// from make_target(), Next, Prev) and checks after each that it stands on
// the entry `model` (an ordered map in the iterator's key order) says.
// Next and Prev are only made on a valid iterator.
template <typename Model, typename MakeTarget>
void CheckRandomMoves(Iterator* it, const Model& model, Random* rnd, int steps,
                      MakeTarget make_target) {
  auto expected = model.end();
  for (int step = 0; step < steps; step++) {
    int op = static_cast<int>(rnd->Uniform(5));
    if (expected == model.end() && op >= 3) op = static_cast<int>(rnd->Uniform(3));
    switch (op) {
      case 0:
        it->SeekToFirst();
        expected = model.begin();
        break;
      case 1:
        it->SeekToLast();
        expected = model.empty() ? model.end() : std::prev(model.end());
        break;
      case 2: {
        std::string target = make_target();
        it->Seek(target);
        expected = model.lower_bound(target);
        break;
      }
      case 3:
        it->Next();
        ++expected;
        break;
      case 4:
        it->Prev();
        expected = expected == model.begin() ? model.end() : std::prev(expected);
        break;
    }
    if (expected == model.end()) {
      ASSERT_FALSE(it->Valid()) << "step " << step << " op " << op;
    } else {
      ASSERT_TRUE(it->Valid()) << "step " << step << " op " << op;
      ASSERT_EQ(it->key(), expected->first) << "step " << step << " op " << op;
      ASSERT_EQ(it->value(), expected->second) << "step " << step << " op " << op;
    }
  }
  EXPECT_TRUE(it->status().ok()) << it->status().ToString();
}

// "user.seq" as an internal seek target.
inline std::string InternalTarget(const std::string& text) {
  size_t dot = text.rfind('.');
  return MakeInternalKey(text.substr(0, dot), std::stoull(text.substr(dot + 1)), kValueTypeForSeek);
}

// Writes entries (sorted, non-empty) as table file `number` of dbname and
// returns its metadata, as a flush would record it.
inline FileMetaData WriteTableFile(const std::string& dbname, uint64_t number,
                                   const Entries& entries) {
  FileMetaData meta;
  meta.number = number;
  std::unique_ptr<WritableFile> file;
  Status s = DefaultFileSystem()->NewWritableFile(TableFileName(dbname, number), &file);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (!s.ok()) return meta;
  TableBuilderOptions options;
  options.block_size = 64;  // several blocks even for a few entries
  TableBuilder builder(options, file.get());
  for (const auto& [key, value] : entries) builder.Add(key, value);
  s = builder.Finish();
  if (s.ok()) s = file->Close();
  EXPECT_TRUE(s.ok()) << s.ToString();
  meta.file_size = builder.FileSize();
  meta.smallest = entries.front().first;
  meta.largest = entries.back().first;
  return meta;
}

}  // namespace strata::test

#endif  // STRATA_TESTS_LSM_ITERATOR_TEST_UTIL_H_
