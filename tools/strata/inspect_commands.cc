// The commands that look below the key-value API, each a thin layer over
// <strata/inspect.h>: check, repair, sst-dump, wal-dump and manifest-dump.
// They print what the library found as text (or --json) and exit 1 when it
// found damage.

#include <cinttypes>
#include <cstdio>
#include <filesystem>

#include "commands.h"
#include "output.h"

namespace strata::cli {
namespace {

// A file name as given, or else within the database directory, so that
// "strata sst-dump 000012.sst" works without the directory.
std::string ResolveFile(const Common& common, const std::string& file) {
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) return file;
  std::string in_db = common.db + "/" + file;
  return std::filesystem::exists(in_db, ec) ? in_db : file;
}

// The error line for a check or repair that could not run.
int InspectFailure(const std::string& what, const Common& common, const Status& s) {
  if (s.IsBusy()) return OpenFailure(common.db, s);
  if (s.IsNotFound()) return Fail(kExitFailure, "no database at " + common.db);
  return Fail(what + " " + common.db, s);
}

void PrintProblems(const std::vector<FileProblem>& problems, std::string_view label, Color color) {
  for (const auto& p : problems) {
    std::printf("%s %s at offset %" PRIu64 ": %s\n", Paint(label, color).c_str(), p.file.c_str(),
                p.offset, p.message.c_str());
  }
}

// Exit status and closing line of a dump: 1 if damage was found.
int DumpStatus(const std::string& file, size_t problems) {
  if (problems == 0) return kExitOk;
  return Fail(kExitFailure, WithCommas(problems) + (problems == 1 ? " problem" : " problems") +
                                " found in " + file);
}

std::string Plural(uint64_t n, std::string_view one, std::string_view many) {
  return WithCommas(n) + " " + std::string(n == 1 ? one : many);
}

void PrintTable(const TableDump& d) {
  std::printf("%s: %s", Paint(d.file, Color::kBold).c_str(), HumanBytes(d.file_size).c_str());
  if (d.footer_ok) std::printf(", format version %u", d.format_version);
  std::printf("\n");
  if (d.properties) {
    const TablePropertiesInfo& p = *d.properties;
    std::printf("%s\n", Paint("properties", Color::kBold).c_str());
    std::printf("  entries        %s (%s) in %s\n", WithCommas(p.num_entries).c_str(),
                Plural(p.num_deletions, "deletion", "deletions").c_str(),
                Plural(p.num_data_blocks, "data block", "data blocks").c_str());
    if (p.num_entries > 0) {
      std::printf("  keys           %s .. %s\n", KeyVersion(p.smallest).c_str(),
                  KeyVersion(p.largest).c_str());
    }
    std::printf("  sequences      %" PRIu64 " .. %" PRIu64 "\n", p.min_sequence, p.max_sequence);
    std::printf("  raw sizes      keys %s, values %s\n", HumanBytes(p.raw_key_size).c_str(),
                HumanBytes(p.raw_value_size).c_str());
    std::printf("  compression    %s\n", p.compression.c_str());
    std::printf("  sizes          data %s, index %s, filter %s (trailers included)\n",
                HumanBytes(p.data_size).c_str(), HumanBytes(p.index_size).c_str(),
                HumanBytes(p.filter_size).c_str());
  }
  if (d.footer_ok) {
    std::printf("%s        offset       size (without the 5-byte trailer)\n",
                Paint("blocks", Color::kBold).c_str());
    auto line = [](const char* name, const TableBlockInfo& b) {
      std::printf("  %-12s %10" PRIu64 " %10" PRIu64 "\n", name, b.offset, b.size);
    };
    if (d.properties) {
      std::printf("  %-12s %10d %10" PRIu64 "  (%s, with their trailers)\n", "data", 0,
                  d.properties->data_size,
                  Plural(d.index_entries.size(), "block", "blocks").c_str());
    }
    if (d.filter) line("filter", *d.filter);
    if (d.range_del_block) line("range-del", *d.range_del_block);
    line("index", d.index);
    if (d.properties) line("properties", d.properties_block);
    line("metaindex", d.metaindex);
    std::printf("  %-12s %10" PRIu64 " %10d\n", "footer", d.file_size - 48, 48);
  }
  if (!d.index_entries.empty()) {
    std::printf("%s (one entry per data block: where it is, and a key >= all of its keys)\n",
                Paint("index", Color::kBold).c_str());
    for (size_t i = 0; i < d.index_entries.size(); i++) {
      const auto& [separator, block] = d.index_entries[i];
      std::printf("  %5zu  offset %10" PRIu64 "  size %7" PRIu64 "  <= %s\n", i + 1, block.offset,
                  block.size, KeyVersion(separator).c_str());
    }
  }
  if (!d.entries.empty()) {
    std::printf("%s\n", Paint("entries", Color::kBold).c_str());
    for (const auto& e : d.entries) {
      std::string key = Paint(EscapeBytes(e.key.user_key), Color::kCyan);
      if (e.key.deletion) {
        std::printf("  %s @%" PRIu64 " %s\n", key.c_str(), e.key.sequence,
                    Paint("(del)", Color::kYellow).c_str());
      } else {
        std::printf("  %s @%" PRIu64 "\t%s\n", key.c_str(), e.key.sequence,
                    EscapeBytes(e.value).c_str());
      }
    }
  }
  if (!d.range_tombstones.empty()) {
    std::printf("%s\n", Paint("range tombstones", Color::kBold).c_str());
    for (const auto& t : d.range_tombstones) {
      std::printf("  [%s, %s) @%" PRIu64 "\n",
                  Paint(EscapeBytes(t.key.user_key), Color::kCyan).c_str(),
                  Paint(EscapeBytes(t.value), Color::kCyan).c_str(), t.key.sequence);
    }
  }
  PrintProblems(d.problems, "problem", Color::kRed);
}

void PrintLog(const LogDump& d) {
  std::printf("%s: %s, %s\n", Paint(d.file, Color::kBold).c_str(), HumanBytes(d.file_size).c_str(),
              Plural(d.records.size(), "record", "records").c_str());
  for (const auto& r : d.records) {
    std::printf("%s  seq %" PRIu64 "  %s  (%s)\n",
                Paint("@" + std::to_string(r.offset), Color::kBold).c_str(), r.sequence,
                Plural(r.count, "update", "updates").c_str(), HumanBytes(r.size).c_str());
    if (!r.error.empty()) {
      std::printf("  %s %s\n", Paint("not a valid write batch:", Color::kRed).c_str(),
                  r.error.c_str());
    }
    for (const auto& u : r.updates) {
      std::string key = Paint(EscapeBytes(u.key.user_key), Color::kCyan);
      if (u.key.range_deletion) {
        std::printf("  delrange  %s .. %s\n", key.c_str(),
                    Paint(EscapeBytes(u.value), Color::kCyan).c_str());
      } else if (u.key.deletion) {
        std::printf("  del  %s\n", key.c_str());
      } else {
        std::printf("  put  %s\t%s\n", key.c_str(), EscapeBytes(u.value).c_str());
      }
    }
  }
  if (d.torn_tail_bytes > 0) {
    std::printf("%s\n", Paint("torn tail: " + Plural(d.torn_tail_bytes, "byte", "bytes") +
                                  " after the last record (an interrupted write; not an error)",
                              Color::kYellow)
                            .c_str());
  }
  PrintProblems(d.problems, "problem", Color::kRed);
}

std::string FileLine(const ManifestFileInfo& f) {
  return "L" + std::to_string(f.level) + " #" + std::to_string(f.number) + "  " +
         HumanBytes(f.size) + "  " + KeyVersion(f.smallest) + " .. " + KeyVersion(f.largest);
}

void PrintManifest(const ManifestDump& d) {
  std::printf("%s: %s, %s\n", Paint(d.file, Color::kBold).c_str(), HumanBytes(d.file_size).c_str(),
              Plural(d.edits.size(), "edit", "edits").c_str());
  for (size_t i = 0; i < d.edits.size(); i++) {
    const ManifestEditInfo& e = d.edits[i];
    std::printf("%s\n", Paint("edit " + std::to_string(i + 1) + " @" + std::to_string(e.offset),
                              Color::kBold)
                            .c_str());
    if (!e.error.empty())
      std::printf("  %s %s\n", Paint("bad:", Color::kRed).c_str(), e.error.c_str());
    if (e.comparator) std::printf("  comparator     %s\n", e.comparator->c_str());
    if (e.log_number) std::printf("  log number     %" PRIu64 "\n", *e.log_number);
    if (e.next_file_number) std::printf("  next file      %" PRIu64 "\n", *e.next_file_number);
    if (e.last_sequence) std::printf("  last sequence  %" PRIu64 "\n", *e.last_sequence);
    for (const auto& [level, number] : e.deleted_files) {
      std::printf("  remove  L%d #%" PRIu64 "\n", level, number);
    }
    for (const auto& f : e.new_files) std::printf("  add     %s\n", FileLine(f).c_str());
  }
  std::printf("%s\n  log number %" PRIu64 ", next file %" PRIu64 ", last sequence %" PRIu64 "\n",
              Paint("state", Color::kBold).c_str(), d.log_number, d.next_file_number,
              d.last_sequence);
  for (const auto& f : d.files) std::printf("  %s\n", FileLine(f).c_str());
  if (d.files.empty()) std::printf("  no table files\n");
  if (d.torn_tail_bytes > 0) {
    std::printf("%s\n", Paint("torn tail: " + Plural(d.torn_tail_bytes, "byte", "bytes") +
                                  " after the last edit (an interrupted write; not an error)",
                              Color::kYellow)
                            .c_str());
  }
  PrintProblems(d.problems, "problem", Color::kRed);
}

}  // namespace

int RunCheck(Session& session, const Common& common) {
  session.Close();  // the check needs the directory to itself
  CheckReport r;
  Status s = CheckDB(common.db, Options(), &r);
  if (!s.ok()) return InspectFailure("check", common, s);
  if (common.json) {
    PrintJson(ToJson(r));
  } else {
    std::printf(
        "%s %s: %s (%s, %s), %s (%s), MANIFEST (%s); %s read\n",
        Paint("checked", Color::kBold).c_str(), common.db.c_str(),
        Plural(r.tables, "table", "tables").c_str(),
        Plural(r.table_blocks, "block", "blocks").c_str(),
        Plural(r.table_entries, "entry", "entries").c_str(), Plural(r.logs, "WAL", "WALs").c_str(),
        Plural(r.log_records, "record", "records").c_str(),
        Plural(r.manifest_records, "edit", "edits").c_str(), HumanBytes(r.bytes_read).c_str());
    PrintProblems(r.problems, "problem", Color::kRed);
    PrintProblems(r.notes, "note   ", Color::kYellow);
    if (r.ok()) std::printf("%s\n", Paint("OK: no problems found", Color::kGreen).c_str());
  }
  if (r.ok()) return kExitOk;
  return Fail(kExitFailure, Plural(r.problems.size(), "problem", "problems") + " found in " +
                                common.db + " (strata repair rebuilds what can be read)");
}

int RunRepair(Session& session, const Common& common) {
  session.Close();  // the repair needs the directory to itself
  RepairReport r;
  Status s = RepairDB(common.db, Options(), &r);
  if (!s.ok()) return InspectFailure("repair", common, s);
  if (common.json) {
    PrintJson(ToJson(r));
    return kExitOk;
  }
  std::printf("%s %s\n", Paint("repaired", Color::kBold).c_str(), common.db.c_str());
  std::printf("  tables   %s kept, %s salvaged, %s lost; %s converted to tables\n",
              WithCommas(r.tables_kept).c_str(), WithCommas(r.tables_salvaged).c_str(),
              WithCommas(r.tables_lost).c_str(), Plural(r.logs_converted, "WAL", "WALs").c_str());
  std::string lost = WithCommas(r.entries_lost) + " lost";
  if (r.bytes_lost > 0) lost += " (" + HumanBytes(r.bytes_lost) + " of damaged data skipped)";
  std::printf(
      "  entries  %s kept, %s\n", WithCommas(r.entries_kept).c_str(),
      Paint(lost, r.entries_lost > 0 || r.bytes_lost > 0 ? Color::kRed : Color::kGreen).c_str());
  if (r.manifest_rebuilt_from_scratch) {
    std::printf("  no usable MANIFEST: every table was placed in level 0, then compacted\n");
  }
  PrintProblems(r.problems, "problem", Color::kRed);
  for (const auto& m : r.moved) {
    std::printf("%s %s: %s\n", Paint("moved  ", Color::kYellow).c_str(), m.file.c_str(),
                m.message.c_str());
  }
  return kExitOk;
}

int RunSstDump(const Common& common, const FileArgs& args) {
  TableDump d;
  Status s = DumpTable(ResolveFile(common, args.file), Options(), args.entries, &d);
  if (!s.ok()) return Fail("sst-dump " + args.file, s);
  if (common.json) {
    PrintJson(ToJson(d));
  } else {
    PrintTable(d);
  }
  return DumpStatus(d.file, d.problems.size());
}

int RunWalDump(const Common& common, const FileArgs& args) {
  LogDump d;
  Status s = DumpLog(ResolveFile(common, args.file), Options(), &d);
  if (!s.ok()) return Fail("wal-dump " + args.file, s);
  if (common.json) {
    PrintJson(ToJson(d));
  } else {
    PrintLog(d);
  }
  return DumpStatus(d.file, d.problems.size());
}

int RunManifestDump(const Common& common, const FileArgs& args) {
  ManifestDump d;
  Status s = args.file.empty() ? DumpManifest(common.db, Options(), &d)
                               : DumpManifestFile(ResolveFile(common, args.file), Options(), &d);
  if (!s.ok()) return Fail("manifest-dump " + (args.file.empty() ? common.db : args.file), s);
  if (common.json) {
    PrintJson(ToJson(d));
  } else {
    PrintManifest(d);
  }
  return DumpStatus(d.file, d.problems.size());
}

}  // namespace strata::cli
