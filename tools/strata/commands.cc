// The commands that work through the key-value API: put, get, del, scan,
// dump, stats and compact. See commands.h.

#include "commands.h"

#include <chrono>
#include <cinttypes>
#include <cstdio>

#include "output.h"

namespace strata::cli {
namespace {

// The smallest key above every key that starts with prefix; empty if there
// is none (the prefix is empty or all 0xff bytes).
std::string PrefixEnd(std::string prefix) {
  while (!prefix.empty()) {
    auto last = static_cast<unsigned char>(prefix.back());
    if (last != 0xff) {
      prefix.back() = static_cast<char>(last + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return prefix;
}

void WriteLine(std::string_view a, std::string_view b = {}, bool two_fields = false) {
  std::fwrite(a.data(), 1, a.size(), stdout);
  if (two_fields) {
    std::fputc('\t', stdout);
    std::fwrite(b.data(), 1, b.size(), stdout);
  }
  std::fputc('\n', stdout);
}

struct LevelSize {
  uint64_t files = 0;
  uint64_t bytes = 0;
};

// Files and bytes per level, from "strata.sstables" (docs/PROPERTIES.md).
std::vector<LevelSize> LevelSizes(DB* db) {
  std::vector<LevelSize> levels(7);
  std::string text;
  if (!db->GetProperty("strata.sstables", &text)) return levels;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    int level;
    unsigned long long number, bytes;
    if (std::sscanf(line.c_str(), "L%d #%llu %llu bytes", &level, &number, &bytes) == 3 &&
        level >= 0 && level < static_cast<int>(levels.size())) {
      levels[level].files++;
      levels[level].bytes += bytes;
    }
    pos = end + 1;
  }
  return levels;
}

std::string Property(DB* db, std::string_view name) {
  std::string value;
  return db->GetProperty(name, &value) ? value : std::string();
}

uint64_t IntProperty(DB* db, std::string_view name) {
  return std::strtoull(Property(db, name).c_str(), nullptr, 10);
}

double DoubleProperty(DB* db, std::string_view name) {
  return std::strtod(Property(db, name).c_str(), nullptr);
}

std::string LevelLine(const std::vector<LevelSize>& levels) {
  std::string out;
  for (size_t level = 0; level < levels.size(); level++) {
    if (levels[level].files == 0) continue;
    if (!out.empty()) out += ", ";
    out += "L" + std::to_string(level) + " " + WithCommas(levels[level].files) +
           (levels[level].files == 1 ? " file " : " files ") + "(" +
           HumanBytes(levels[level].bytes) + ")";
  }
  return out.empty() ? "no table files" : out;
}

}  // namespace

bool ParseBytes(const std::string& what, const std::string& text, std::string* bytes) {
  Status s = UnescapeBytes(text, bytes);
  if (!s.ok()) {
    Fail(kExitUsage, "bad " + what + ": " + std::string(s.message()));
    return false;
  }
  return true;
}

int RunPut(Session& session, const Common& common, const PutArgs& args) {
  std::string key, value;
  if (!ParseBytes("key", args.key, &key) || !ParseBytes("value", args.value, &value)) {
    return kExitUsage;
  }
  DB* db = session.Db(common.db, /*create=*/true);
  if (db == nullptr) return kExitFailure;
  WriteOptions options;
  options.sync = args.sync;
  Status s = db->Put(options, key, value);
  return s.ok() ? kExitOk : Fail("put", s);
}

int RunDel(Session& session, const Common& common, const DelArgs& args) {
  std::string key;
  if (!ParseBytes("key", args.key, &key)) return kExitUsage;
  DB* db = session.Db(common.db, /*create=*/false);
  if (db == nullptr) return kExitFailure;
  WriteOptions options;
  options.sync = args.sync;
  Status s = db->Delete(options, key);
  return s.ok() ? kExitOk : Fail("del", s);
}

int RunDelRange(Session& session, const Common& common, const DelRangeArgs& args) {
  std::string begin, end;
  if (!ParseBytes("begin key", args.begin, &begin) || !ParseBytes("end key", args.end, &end)) {
    return kExitUsage;
  }
  DB* db = session.Db(common.db, /*create=*/false);
  if (db == nullptr) return kExitFailure;
  WriteOptions options;
  options.sync = args.sync;
  Status s = db->DeleteRange(options, begin, end);
  return s.ok() ? kExitOk : Fail("delrange", s);
}

int RunGet(Session& session, const Common& common, const GetArgs& args) {
  std::string key, value;
  if (!ParseBytes("key", args.key, &key)) return kExitUsage;
  DB* db = session.ReadDb(common.db);
  if (db == nullptr) return kExitFailure;
  Status s = db->Get(key, &value);
  if (!s.ok() && !s.IsNotFound()) return Fail("get", s);
  if (common.json) {
    Json doc = {{"key", Escaped(key)}, {"found", s.ok()}};
    if (s.ok()) doc["value"] = Escaped(value);
    PrintJson(doc);
    return s.ok() ? kExitOk : kExitFailure;
  }
  if (s.IsNotFound()) return Fail(kExitFailure, "not found: " + Escaped(key));
  if (args.raw) {
    std::fwrite(value.data(), 1, value.size(), stdout);
  } else {
    WriteLine(Escaped(value));
  }
  return kExitOk;
}

int RunScan(Session& session, const Common& common, const ScanArgs& args) {
  std::string prefix, lower, upper;
  if (!ParseBytes("--prefix", args.prefix, &prefix) || !ParseBytes("--from", args.from, &lower) ||
      !ParseBytes("--to", args.to, &upper)) {
    return kExitUsage;
  }
  bool has_upper = !args.to.empty();
  if (prefix > lower) lower = prefix;
  std::string prefix_end = PrefixEnd(prefix);
  if (!prefix_end.empty() && (!has_upper || prefix_end < upper)) {
    upper = prefix_end;
    has_upper = true;
  }
  DB* db = session.ReadDb(common.db);
  if (db == nullptr) return kExitFailure;

  ReadOptions options;
  options.fill_cache = false;  // a scan should not evict the hot blocks
  // The bounds let the engine skip the tables and blocks outside the range.
  const std::string_view lower_bound = lower, upper_bound = upper;
  options.iterate_lower_bound = &lower_bound;
  if (has_upper) options.iterate_upper_bound = &upper_bound;
  std::unique_ptr<Iterator> it = db->NewIterator(options);
  if (!args.reverse) {
    it->Seek(lower);
  } else if (has_upper) {
    it->Seek(upper);
    if (it->Valid()) {
      it->Prev();
    } else if (it->status().ok()) {
      it->SeekToLast();
    }
  } else {
    it->SeekToLast();
  }
  auto in_range = [&](std::string_view key) {
    return key >= std::string_view(lower) && (!has_upper || key < std::string_view(upper));
  };

  uint64_t count = 0;
  if (common.json) std::fputs("[", stdout);
  for (; it->Valid() && in_range(it->key()); args.reverse ? it->Prev() : it->Next()) {
    if (args.limit != 0 && count == args.limit) break;
    if (common.json) {
      Json item = args.keys_only
                      ? Json(Escaped(it->key()))
                      : Json{{"key", Escaped(it->key())}, {"value", Escaped(it->value())}};
      std::fputs(count == 0 ? "\n  " : ",\n  ", stdout);
      std::fputs(item.dump().c_str(), stdout);
    } else {
      WriteLine(Paint(Escaped(it->key()), Color::kCyan), Escaped(it->value()), !args.keys_only);
    }
    count++;
  }
  if (common.json) std::fputs(count == 0 ? "]\n" : "\n]\n", stdout);
  if (!it->status().ok()) return Fail("scan", it->status());
  if (!common.json && StdoutIsTerminal()) {
    std::printf("%s\n",
                Paint("(" + WithCommas(count) + (count == 1 ? " entry)" : " entries)"), Color::kDim)
                    .c_str());
  }
  return kExitOk;
}

int RunDump(Session& session, const Common& common, const DumpArgs& args) {
  const bool jsonl = common.json || args.format == "jsonl";
  if (!jsonl && args.format != "tsv") {
    return Fail(kExitUsage, "unknown --format '" + args.format + "' (want tsv or jsonl)");
  }
  DB* db = session.ReadDb(common.db);
  if (db == nullptr) return kExitFailure;
  ReadOptions options;
  options.fill_cache = false;
  std::unique_ptr<Iterator> it = db->NewIterator(options);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (jsonl) {
      Json line = {{"key", Escaped(it->key())}, {"value", Escaped(it->value())}};
      WriteLine(line.dump());
    } else {
      WriteLine(Escaped(it->key()), Escaped(it->value()), true);
    }
  }
  if (!it->status().ok()) return Fail("dump", it->status());
  return std::ferror(stdout) ? Fail(kExitFailure, "dump: cannot write the output") : kExitOk;
}

int RunStats(Session& session, const Common& common) {
  DB* db = session.ReadDb(common.db);
  if (db == nullptr) return kExitFailure;
  std::vector<LevelSize> levels = LevelSizes(db);
  if (!common.json) {
    std::printf("%s %s\n%s", Paint("database", Color::kBold).c_str(), common.db.c_str(),
                Property(db, "strata.stats").c_str());
    if (!session.interactive()) {
      std::printf("%s\n", Paint("(counters cover this process only; run stats in 'strata shell' "
                                "to see a session's)",
                                Color::kDim)
                              .c_str());
    }
    return kExitOk;
  }
  Json level_list = Json::array();
  for (size_t level = 0; level < levels.size(); level++) {
    level_list.push_back(
        {{"level", level}, {"files", levels[level].files}, {"bytes", levels[level].bytes}});
  }
  PrintJson({{"database", common.db},
             {"levels", std::move(level_list)},
             {"last_sequence", IntProperty(db, "strata.last-sequence")},
             {"write_amplification", DoubleProperty(db, "strata.write-amplification")},
             {"space_amplification", DoubleProperty(db, "strata.space-amplification")},
             {"active_memtable_bytes", IntProperty(db, "strata.cur-size-active-mem-table")},
             {"active_memtable_entries", IntProperty(db, "strata.num-entries-active-mem-table")},
             {"immutable_memtables", IntProperty(db, "strata.num-immutable-mem-table")},
             {"memtable_bytes", IntProperty(db, "strata.approximate-memory-usage")},
             {"snapshots", IntProperty(db, "strata.num-snapshots")},
             {"wal_corrupted_records", IntProperty(db, "strata.wal-corrupted-records")},
             {"background_error", Property(db, "strata.background-error")},
             {"report", Property(db, "strata.stats")}});
  return kExitOk;
}

int RunCompact(Session& session, const Common& common, const CompactArgs& args) {
  std::string from, to;
  if (!ParseBytes("--from", args.from, &from) || !ParseBytes("--to", args.to, &to)) {
    return kExitUsage;
  }
  DB* db = session.Db(common.db, /*create=*/false);
  if (db == nullptr) return kExitFailure;
  std::string_view begin = from, end = to;
  auto start = std::chrono::steady_clock::now();
  Status s =
      db->CompactRange(args.from.empty() ? nullptr : &begin, args.to.empty() ? nullptr : &end);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!s.ok()) return Fail("compact", s);
  std::vector<LevelSize> levels = LevelSizes(db);
  if (common.json) {
    Json level_list = Json::array();
    for (size_t level = 0; level < levels.size(); level++) {
      level_list.push_back(
          {{"level", level}, {"files", levels[level].files}, {"bytes", levels[level].bytes}});
    }
    PrintJson({{"seconds", seconds}, {"levels", std::move(level_list)}});
    return kExitOk;
  }
  std::printf("compacted in %.2f s; now %s\n", seconds, LevelLine(levels).c_str());
  return kExitOk;
}

}  // namespace strata::cli
