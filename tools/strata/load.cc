// The load command: key-value pairs from a TSV, CSV or JSON-lines file (or
// stdin) written in batches, with a progress bar on a terminal.
//
// Formats (keys and values are escaped text, as dump writes them, unless
// --literal):
//   tsv    KEY<TAB>VALUE per line; empty lines are skipped.
//   csv    KEY,VALUE per record (RFC 4180 quoting: "a,b" and "say ""hi"""),
//          a first record "key,value" is taken as a header and skipped.
//   jsonl  {"key": "...", "value": "..."} per line.
// The format comes from --format, else the file's extension, else the
// first byte ('{' means jsonl, anything else tsv).

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>

#include "commands.h"
#include "output.h"

namespace strata::cli {
namespace {

using Clock = std::chrono::steady_clock;

// Reads one key-value record at a time from a stream.
class RecordReader {
 public:
  explicit RecordReader(std::istream* in) : in_(in) {}
  virtual ~RecordReader() = default;
  // False at the end of the input, or on a bad record (then *error is set).
  virtual bool Next(std::string* key, std::string* value, std::string* error) = 0;
  uint64_t bytes() const { return bytes_; }
  uint64_t line() const { return line_; }

 protected:
  // The next line without its end (and a CR before it); false at the end.
  bool ReadLine(std::string* line) {
    if (!std::getline(*in_, *line)) return false;
    bytes_ += line->size() + (in_->eof() ? 0 : 1);
    line_++;
    if (!line->empty() && line->back() == '\r') line->pop_back();
    return true;
  }

 private:
  std::istream* const in_;
  uint64_t bytes_ = 0;
  uint64_t line_ = 0;
};

class TsvReader final : public RecordReader {
 public:
  using RecordReader::RecordReader;
  bool Next(std::string* key, std::string* value, std::string* error) override {
    std::string line;
    do {
      if (!ReadLine(&line)) return false;
    } while (line.empty());
    size_t tab = line.find('\t');
    if (tab == std::string::npos || line.find('\t', tab + 1) != std::string::npos) {
      *error = "expected KEY<TAB>VALUE (one tab)";
      return false;
    }
    *key = line.substr(0, tab);
    *value = line.substr(tab + 1);
    return true;
  }
};

class CsvReader final : public RecordReader {
 public:
  using RecordReader::RecordReader;
  bool Next(std::string* key, std::string* value, std::string* error) override {
    std::vector<std::string> fields;
    do {
      if (!ReadRecord(&fields, error)) return false;
      if (first_ && fields.size() == 2 && fields[0] == "key" && fields[1] == "value") {
        fields.clear();  // a header
      }
      first_ = false;
    } while (fields.empty());
    if (fields.size() != 2) {
      *error = "expected KEY,VALUE (2 fields), found " + std::to_string(fields.size());
      return false;
    }
    *key = std::move(fields[0]);
    *value = std::move(fields[1]);
    return true;
  }

 private:
  // One record, which may span lines inside quotes. An empty line is a
  // record with no fields.
  bool ReadRecord(std::vector<std::string>* fields, std::string* error) {
    std::string line;
    if (!ReadLine(&line)) return false;
    if (line.empty()) return true;
    std::string field;
    bool quoted = false;
    size_t i = 0;
    while (true) {
      if (i == line.size()) {
        if (!quoted) break;
        if (!ReadLine(&line)) {  // the quoted field goes on on the next line
          *error = "a quoted field is not closed";
          return false;
        }
        field.push_back('\n');
        i = 0;
        continue;
      }
      char c = line[i++];
      if (quoted) {
        if (c != '"') {
          field.push_back(c);
        } else if (i < line.size() && line[i] == '"') {
          field.push_back('"');
          i++;
        } else {
          quoted = false;
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        fields->push_back(std::move(field));
        field.clear();
      } else {
        field.push_back(c);
      }
    }
    fields->push_back(std::move(field));
    return true;
  }

  bool first_ = true;
};

class JsonLinesReader final : public RecordReader {
 public:
  using RecordReader::RecordReader;
  bool Next(std::string* key, std::string* value, std::string* error) override {
    std::string line;
    do {
      if (!ReadLine(&line)) return false;
    } while (line.find_first_not_of(" \t") == std::string::npos);
    nlohmann::json doc = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded() || !doc.is_object()) {
      *error = "not a JSON object";
      return false;
    }
    auto k = doc.find("key");
    auto v = doc.find("value");
    if (k == doc.end() || v == doc.end() || !k->is_string() || !v->is_string()) {
      *error = R"(expected {"key": "...", "value": "..."} with string values)";
      return false;
    }
    *key = k->get<std::string>();
    *value = v->get<std::string>();
    return true;
  }
};

// A one-line progress bar on stderr, redrawn at most ten times a second.
class ProgressBar {
 public:
  ProgressBar(uint64_t total_bytes, bool enabled)
      : total_(total_bytes), enabled_(enabled), start_(Clock::now()), last_(start_) {}

  void Update(uint64_t bytes, uint64_t keys) {
    if (!enabled_) return;
    Clock::time_point now = Clock::now();
    if (now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    double seconds = std::chrono::duration<double>(now - start_).count();
    double rate = seconds > 0 ? static_cast<double>(keys) / seconds : 0;
    std::string line;
    if (total_ > 0) {
      double fraction = std::min(1.0, static_cast<double>(bytes) / static_cast<double>(total_));
      constexpr int kWidth = 24;
      int filled = static_cast<int>(fraction * kWidth);
      char pct[8];
      std::snprintf(pct, sizeof(pct), "%3d%%", static_cast<int>(fraction * 100));
      line = std::string(pct) + " [" + std::string(filled, '#') +
             std::string(kWidth - filled, ' ') + "] " + HumanBytes(bytes) + " / " +
             HumanBytes(total_);
      double eta = fraction > 0 ? seconds * (1 - fraction) / fraction : 0;
      char eta_buf[32];
      std::snprintf(eta_buf, sizeof(eta_buf), "  ETA %d:%02d", static_cast<int>(eta) / 60,
                    static_cast<int>(eta) % 60);
      line += "  " + WithCommas(static_cast<uint64_t>(rate)) + " keys/s" + eta_buf;
    } else {
      line = HumanBytes(bytes) + "  " + WithCommas(keys) + " keys  " +
             WithCommas(static_cast<uint64_t>(rate)) + " keys/s";
    }
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    drawn_ = true;
  }

  void Clear() {
    if (drawn_) std::fputs("\r\033[K", stderr);
    drawn_ = false;
  }

 private:
  const uint64_t total_;
  const bool enabled_;
  const Clock::time_point start_;
  Clock::time_point last_;
  bool drawn_ = false;
};

std::string FormatFor(const LoadArgs& args, std::istream& in) {
  if (!args.format.empty()) return args.format;
  const std::string& f = args.file;
  auto ends_with = [&f](std::string_view suffix) { return f.ends_with(suffix); };
  if (ends_with(".tsv") || ends_with(".tab")) return "tsv";
  if (ends_with(".csv")) return "csv";
  if (ends_with(".jsonl") || ends_with(".ndjson") || ends_with(".json")) return "jsonl";
  return in.peek() == '{' ? "jsonl" : "tsv";
}

uint64_t InputSize(const std::string& file) {
  struct stat st;
  int rc = file == "-" ? fstat(STDIN_FILENO, &st) : stat(file.c_str(), &st);
  return rc == 0 && S_ISREG(st.st_mode) ? static_cast<uint64_t>(st.st_size) : 0;
}

}  // namespace

int RunLoad(Session& session, const Common& common, const LoadArgs& args) {
  std::ifstream file_in;
  std::istream* in = &std::cin;
  if (args.file != "-") {
    file_in.open(args.file, std::ios::binary);
    if (!file_in) return Fail(kExitFailure, "cannot read " + args.file);
    in = &file_in;
  }
  const std::string format = FormatFor(args, *in);
  std::unique_ptr<RecordReader> reader;
  if (format == "tsv") {
    reader = std::make_unique<TsvReader>(in);
  } else if (format == "csv") {
    reader = std::make_unique<CsvReader>(in);
  } else if (format == "jsonl") {
    reader = std::make_unique<JsonLinesReader>(in);
  } else {
    return Fail(kExitUsage, "unknown --format '" + format + "' (want tsv, csv or jsonl)");
  }
  if (args.batch == 0) return Fail(kExitUsage, "--batch must be at least 1");
  DB* db = session.Db(common.db, /*create=*/true);
  if (db == nullptr) return kExitFailure;

  const std::string name = args.file == "-" ? "stdin" : args.file;
  WriteOptions write_options;
  write_options.sync = args.sync;
  ProgressBar progress(InputSize(args.file), !args.quiet && !common.json && StderrIsTerminal());
  const Clock::time_point start = Clock::now();
  WriteBatch batch;
  uint64_t keys = 0, loaded = 0;
  std::string key_text, value_text, key, value, error;
  auto commit = [&]() -> Status {
    Status s = db->Write(write_options, &batch);
    if (s.ok()) loaded += batch.Count();
    batch.Clear();
    return s;
  };
  auto fail = [&](int status, const std::string& message) {
    progress.Clear();
    return Fail(status, message + " (" + WithCommas(loaded) + " keys loaded before it)");
  };

  while (reader->Next(&key_text, &value_text, &error)) {
    if (args.literal) {
      key.swap(key_text);
      value.swap(value_text);
    } else {
      Status s = UnescapeBytes(key_text, &key);
      if (s.ok()) s = UnescapeBytes(value_text, &value);
      if (!s.ok()) {
        return fail(kExitFailure, name + ":" + std::to_string(reader->line()) + ": " +
                                      std::string(s.message()) +
                                      " (--literal takes text as it is)");
      }
    }
    batch.Put(key, value);
    keys++;
    if (batch.Count() >= args.batch || batch.ApproximateSize() >= (4 << 20)) {
      Status s = commit();
      if (!s.ok()) return fail(kExitFailure, "load: " + s.ToString());
    }
    progress.Update(reader->bytes(), keys);
  }
  if (!error.empty()) {
    (void)commit();  // keep what was read before the bad record
    return fail(kExitFailure, name + ":" + std::to_string(reader->line()) + ": bad " + format +
                                  " record: " + error);
  }
  if (in->bad()) return fail(kExitFailure, "cannot read " + name);
  Status s = commit();
  progress.Clear();
  if (!s.ok()) return fail(kExitFailure, "load: " + s.ToString());

  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  double rate = seconds > 0 ? static_cast<double>(loaded) / seconds : 0;
  if (common.json) {
    PrintJson({{"file", name},
               {"format", format},
               {"keys", loaded},
               {"bytes", reader->bytes()},
               {"seconds", seconds}});
  } else {
    std::printf("loaded %s keys (%s of %s) in %.2f s, %s keys/s\n", WithCommas(loaded).c_str(),
                HumanBytes(reader->bytes()).c_str(), format.c_str(), seconds,
                WithCommas(static_cast<uint64_t>(rate)).c_str());
  }
  return kExitOk;
}

}  // namespace strata::cli
