// Output helpers; see output.h.

#include "output.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace strata::cli {
namespace {

bool color_out = false;
bool color_err = false;

bool WantsColor(int fd) {
  if (!isatty(fd)) return false;
  if (std::getenv("NO_COLOR") != nullptr) return false;
  const char* term = std::getenv("TERM");
  return term == nullptr || std::strcmp(term, "dumb") != 0;
}

const char* Code(Color color) {
  switch (color) {
    case Color::kBold:
      return "\033[1m";
    case Color::kDim:
      return "\033[2m";
    case Color::kRed:
      return "\033[31m";
    case Color::kGreen:
      return "\033[32m";
    case Color::kYellow:
      return "\033[33m";
    case Color::kCyan:
      return "\033[36m";
  }
  return "";
}

std::string Wrap(bool enabled, std::string_view text, Color color) {
  if (!enabled) return std::string(text);
  return std::string(Code(color)) + std::string(text) + "\033[0m";
}

Json Block(const TableBlockInfo& b) { return {{"offset", b.offset}, {"size", b.size}}; }

Json Problems(const std::vector<FileProblem>& problems) {
  Json list = Json::array();
  for (const auto& p : problems) list.push_back(ToJson(p));
  return list;
}

Json FileInfo(const ManifestFileInfo& f) {
  return {{"level", f.level},
          {"number", f.number},
          {"size", f.size},
          {"smallest", ToJson(f.smallest)},
          {"largest", ToJson(f.largest)}};
}

}  // namespace

void InitColors() {
  color_out = WantsColor(STDOUT_FILENO);
  color_err = WantsColor(STDERR_FILENO);
}

std::string Paint(std::string_view text, Color color) { return Wrap(color_out, text, color); }
std::string PaintErr(std::string_view text, Color color) { return Wrap(color_err, text, color); }
bool StdoutIsTerminal() { return isatty(STDOUT_FILENO) != 0; }
bool StderrIsTerminal() { return isatty(STDERR_FILENO) != 0; }

int Fail(int status, const std::string& message) {
  std::fflush(stdout);
  std::fprintf(stderr, "%s %s\n", PaintErr("strata:", Color::kRed).c_str(), message.c_str());
  return status;
}

int Fail(const std::string& what, const Status& s) {
  std::string why = s.ToString();
  return Fail(kExitFailure, what + ": " + why);
}

std::string WithCommas(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); i++) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string HumanBytes(uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes) / 1024;
  int unit = 0;
  while (value >= 1024 && unit < 3) {
    value /= 1024;
    unit++;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.*f %s", value < 10 ? 2 : 1, value, units[unit]);
  return buf;
}

std::string Escaped(std::string_view bytes) { return EscapeBytes(bytes); }

std::string KeyVersion(const InternalKeyInfo& key) {
  std::string out = EscapeBytes(key.user_key) + " @" + std::to_string(key.sequence);
  if (key.deletion) out += " (del)";
  if (key.range_deletion) out += " (range del)";
  return out;
}

Json ToJson(const FileProblem& p) {
  return {{"file", p.file}, {"offset", p.offset}, {"message", p.message}};
}

Json ToJson(const InternalKeyInfo& key) {
  return {{"key", EscapeBytes(key.user_key)},
          {"sequence", key.sequence},
          {"type", key.range_deletion ? "delete_range"
                   : key.deletion     ? "delete"
                                      : "put"}};
}

Json ToJson(const EntryInfo& entry) {
  Json j = ToJson(entry.key);
  if (entry.key.range_deletion) {
    j["end"] = EscapeBytes(entry.value);
  } else if (!entry.key.deletion) {
    j["value"] = EscapeBytes(entry.value);
  }
  return j;
}

Json ToJson(const CheckReport& r) {
  return {{"ok", r.ok()},
          {"problems", Problems(r.problems)},
          {"notes", Problems(r.notes)},
          {"tables", r.tables},
          {"table_blocks", r.table_blocks},
          {"table_entries", r.table_entries},
          {"logs", r.logs},
          {"log_records", r.log_records},
          {"manifest_records", r.manifest_records},
          {"bytes_read", r.bytes_read}};
}

Json ToJson(const RepairReport& r) {
  return {{"tables_kept", r.tables_kept},
          {"tables_salvaged", r.tables_salvaged},
          {"tables_lost", r.tables_lost},
          {"logs_converted", r.logs_converted},
          {"entries_kept", r.entries_kept},
          {"entries_lost", r.entries_lost},
          {"bytes_lost", r.bytes_lost},
          {"manifest_rebuilt_from_scratch", r.manifest_rebuilt_from_scratch},
          {"new_manifest_number", r.new_manifest_number},
          {"moved", Problems(r.moved)},
          {"problems", Problems(r.problems)}};
}

Json ToJson(const TableDump& d) {
  Json j = {{"file", d.file},
            {"file_size", d.file_size},
            {"footer_ok", d.footer_ok},
            {"problems", Problems(d.problems)}};
  if (d.footer_ok) {
    j["format_version"] = d.format_version;
    j["metaindex"] = Block(d.metaindex);
    j["index"] = Block(d.index);
  }
  if (d.filter) j["filter"] = Block(*d.filter);
  if (d.range_del_block) j["range_del_block"] = Block(*d.range_del_block);
  if (!d.range_tombstones.empty()) {
    Json tombstones = Json::array();
    for (const auto& t : d.range_tombstones) tombstones.push_back(ToJson(t));
    j["range_tombstones"] = std::move(tombstones);
  }
  if (d.properties) {
    const TablePropertiesInfo& p = *d.properties;
    j["properties_block"] = Block(d.properties_block);
    j["properties"] = {{"num_entries", p.num_entries},         {"num_deletions", p.num_deletions},
                       {"num_data_blocks", p.num_data_blocks}, {"raw_key_size", p.raw_key_size},
                       {"raw_value_size", p.raw_value_size},   {"data_size", p.data_size},
                       {"index_size", p.index_size},           {"filter_size", p.filter_size},
                       {"min_sequence", p.min_sequence},       {"max_sequence", p.max_sequence},
                       {"compression", p.compression},         {"smallest", ToJson(p.smallest)},
                       {"largest", ToJson(p.largest)}};
  }
  Json index = Json::array();
  for (const auto& [separator, block] : d.index_entries) {
    index.push_back({{"separator", ToJson(separator)}, {"block", Block(block)}});
  }
  j["index_entries"] = std::move(index);
  if (!d.entries.empty()) {
    Json entries = Json::array();
    for (const auto& e : d.entries) entries.push_back(ToJson(e));
    j["entries"] = std::move(entries);
  }
  return j;
}

Json ToJson(const LogDump& d) {
  Json records = Json::array();
  for (const auto& r : d.records) {
    Json rec = {
        {"offset", r.offset}, {"size", r.size}, {"sequence", r.sequence}, {"count", r.count}};
    Json updates = Json::array();
    for (const auto& u : r.updates) updates.push_back(ToJson(u));
    rec["updates"] = std::move(updates);
    if (!r.error.empty()) rec["error"] = r.error;
    records.push_back(std::move(rec));
  }
  return {{"file", d.file},
          {"file_size", d.file_size},
          {"records", std::move(records)},
          {"torn_tail_bytes", d.torn_tail_bytes},
          {"problems", Problems(d.problems)}};
}

Json ToJson(const ManifestDump& d) {
  Json edits = Json::array();
  for (const auto& e : d.edits) {
    Json edit = {{"offset", e.offset}};
    if (e.comparator) edit["comparator"] = *e.comparator;
    if (e.log_number) edit["log_number"] = *e.log_number;
    if (e.next_file_number) edit["next_file_number"] = *e.next_file_number;
    if (e.last_sequence) edit["last_sequence"] = *e.last_sequence;
    Json deleted = Json::array();
    for (const auto& [level, number] : e.deleted_files) {
      deleted.push_back({{"level", level}, {"number", number}});
    }
    Json added = Json::array();
    for (const auto& f : e.new_files) added.push_back(FileInfo(f));
    edit["deleted_files"] = std::move(deleted);
    edit["new_files"] = std::move(added);
    if (!e.error.empty()) edit["error"] = e.error;
    edits.push_back(std::move(edit));
  }
  Json files = Json::array();
  for (const auto& f : d.files) files.push_back(FileInfo(f));
  return {{"file", d.file},
          {"file_size", d.file_size},
          {"comparator", d.comparator},
          {"log_number", d.log_number},
          {"next_file_number", d.next_file_number},
          {"last_sequence", d.last_sequence},
          {"files", std::move(files)},
          {"edits", std::move(edits)},
          {"torn_tail_bytes", d.torn_tail_bytes},
          {"problems", Problems(d.problems)}};
}

void PrintJson(const Json& doc) {
  // Every string in it is escaped ASCII or a message, so dump cannot meet
  // invalid UTF-8; replace rather than throw if a message ever holds some.
  std::string text = doc.dump(2, ' ', false, Json::error_handler_t::replace);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
}

}  // namespace strata::cli
