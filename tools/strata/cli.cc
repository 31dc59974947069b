// Cli; see cli.h. The help text of every command is written here, next to
// the options it describes.

#include "cli.h"

#include "output.h"
#include "shell.h"

namespace strata::cli {
namespace {

constexpr char kDataGroup[] = "Reading and writing";
constexpr char kInspectGroup[] = "Looking into the files";
constexpr char kCopyGroup[] = "Copies: checkpoints and backups";
constexpr char kOtherGroup[] = "Other";

constexpr char kToolFooter[] = R"(
Keys and values are bytes. They are printed escaped: printable ASCII as is,
a backslash as \\, any other byte as \xNN. They are given the same way, so
'strata put "a\x00b" "\xff"' stores a 3-byte key; \0 \t \n \r also work.
A key that starts with '-' goes after '--': strata get -- -key.

Exit status: 0 success; 1 a database error, damage found, or a key not found;
2 bad arguments. Run 'strata COMMAND --help' for a command's options.

Examples:
  strata put user:1 alice
  strata scan --prefix user: --limit 10
  strata dump > backup.tsv && strata --db copy load backup.tsv
  strata check || strata repair
  strata shell)";

}  // namespace

Cli::Cli(Session* session, const std::string& default_db)
    : session_(session), app_("strata: look into and operate a StrataDB database", "strata") {
  common_.db = default_db;
  app_.add_option("--db", common_.db, "The database directory")->capture_default_str();
  app_.require_subcommand(0, 1);
  AddDataCommands();
  AddInspectCommands();
  AddCopyCommands();
  AddOtherCommands();
  app_.footer(kToolFooter);  // after the commands, which would inherit it
}

CLI::App* Cli::AddCommand(const std::string& name, const std::string& description,
                          const std::string& group) {
  CLI::App* command = app_.add_subcommand(name, description);
  command->group(group);
  command->add_option("--db", common_.db, "The database directory")->capture_default_str();
  return command;
}

void Cli::AddJson(CLI::App* command) {
  command->add_flag("--json", common_.json,
                    "Print JSON instead of text (keys and values escaped as in text)");
}

void Cli::AddDataCommands() {
  CLI::App* c = AddCommand("put", "Store a key and its value", kDataGroup);
  c->add_option("KEY", put_.key, "The key (escaped text)")->required();
  c->add_option("VALUE", put_.value, "The value (escaped text)")->required();
  c->add_flag("--sync", put_.sync, "Sync the WAL before returning (survives a power loss)");
  c->callback([this] { status_ = RunPut(*session_, common_, put_); });

  c = AddCommand("get", "Print a key's value (exit status 1 if the key is absent)", kDataGroup);
  c->add_option("KEY", get_.key, "The key (escaped text)")->required();
  c->add_flag("--raw", get_.raw, "Print the value's bytes as they are, without a newline");
  AddJson(c);
  c->callback([this] { status_ = RunGet(*session_, common_, get_); });

  c = AddCommand("del", "Delete a key (whether or not it exists)", kDataGroup);
  c->add_option("KEY", del_.key, "The key (escaped text)")->required();
  c->add_flag("--sync", del_.sync, "Sync the WAL before returning (survives a power loss)");
  c->callback([this] { status_ = RunDel(*session_, common_, del_); });

  c = AddCommand("delrange", "Delete every key in [BEGIN, END) with one range tombstone",
                 kDataGroup);
  c->add_option("BEGIN", delrange_.begin, "The first key deleted (escaped text)")->required();
  c->add_option("END", delrange_.end, "The first key kept after the range (escaped text)")
      ->required();
  c->add_flag("--sync", delrange_.sync, "Sync the WAL before returning (survives a power loss)");
  c->footer(
      "\nAtomic, and O(1) writes whatever the number of keys. BEGIN >= END deletes\n"
      "nothing. Snapshots taken before still see the keys.");
  c->callback([this] { status_ = RunDelRange(*session_, common_, delrange_); });

  c = AddCommand("scan", "Print keys and values in order, as KEY<TAB>VALUE lines", kDataGroup);
  c->add_option("--prefix", scan_.prefix, "Only keys that start with P")->type_name("P");
  c->add_option("--from", scan_.from, "Only keys >= A")->type_name("A");
  c->add_option("--to", scan_.to, "Only keys < B")->type_name("B");
  c->add_option("--limit", scan_.limit, "At most N entries (0: no limit)")->type_name("N");
  c->add_flag("--reverse", scan_.reverse, "From the last key down");
  c->add_flag("--keys-only", scan_.keys_only, "Print the keys alone");
  AddJson(c);
  c->callback([this] { status_ = RunScan(*session_, common_, scan_); });

  c = AddCommand("load", "Write the key-value pairs of a TSV, CSV or JSON-lines file", kDataGroup);
  c->add_option("FILE", load_.file, "The file to read, or - for stdin")->required();
  c->add_option("--format", load_.format,
                "tsv (KEY<TAB>VALUE), csv (KEY,VALUE; a key,value header is skipped) or jsonl "
                "({\"key\":...,\"value\":...}); default: from the file name, else from the first "
                "byte")
      ->check(CLI::IsMember({"tsv", "csv", "jsonl"}));
  c->add_flag("--sync", load_.sync, "Sync the WAL after every batch");
  c->add_option("--batch", load_.batch, "Keys per write batch")->capture_default_str();
  c->add_flag("--literal", load_.literal,
              "Store keys and values as they are in the file (no unescaping of \\xNN)");
  c->add_flag("--quiet", load_.quiet, "No progress bar");
  AddJson(c);
  c->footer(
      "\nKeys and values in the file are escaped text, as dump writes them, so\n"
      "'strata dump | strata --db copy load -' copies any database.");
  c->callback([this] { status_ = RunLoad(*session_, common_, load_); });

  c = AddCommand("dump", "Print every key and value, in a form load reads back", kDataGroup);
  c->add_option("--format", dump_.format, "tsv (KEY<TAB>VALUE lines) or jsonl (JSON lines)")
      ->check(CLI::IsMember({"tsv", "jsonl"}))
      ->capture_default_str();
  c->add_flag("--json", common_.json, "The same as --format jsonl");
  c->callback([this] { status_ = RunDump(*session_, common_, dump_); });
}

void Cli::AddInspectCommands() {
  CLI::App* c = AddCommand(
      "stats", "Levels, files, sizes, amplification, cache, bloom filters, stalls", kInspectGroup);
  AddJson(c);
  c->callback([this] { status_ = RunStats(*session_, common_); });

  c = AddCommand("check", "Verify every checksum and the key order of every file", kInspectGroup);
  AddJson(c);
  c->footer(
      "\nReads every block of every table, the MANIFEST and the WALs, verifies every\n"
      "checksum and the key order, and prints each problem with its file and offset.\n"
      "Exit status 1 if anything is wrong. The database must not be open elsewhere.");
  c->callback([this] { status_ = RunCheck(*session_, common_); });

  c = AddCommand("repair", "Rebuild the database from the readable data of its files",
                 kInspectGroup);
  AddJson(c);
  c->footer(
      "\nRebuilds the MANIFEST from the tables and WALs present. Every table is read with\n"
      "its checksums verified: damaged tables are replaced by their readable blocks, and\n"
      "WALs are written to tables. Replaced files are moved into <db>/lost/, never\n"
      "deleted. The report says how many entries were kept and lost. The database must\n"
      "not be open elsewhere.");
  c->callback([this] { status_ = RunRepair(*session_, common_); });

  c = AddCommand("sst-dump", "Show a table file: properties, blocks, index (and entries)",
                 kInspectGroup);
  c->add_option("FILE", file_.file, "The .sst file (a bare name is looked for in --db too)")
      ->required();
  c->add_flag("--entries", file_.entries, "Also list every entry");
  AddJson(c);
  c->callback([this] { status_ = RunSstDump(common_, file_); });

  c = AddCommand("wal-dump", "Show a WAL file: every record and its updates", kInspectGroup);
  c->add_option("FILE", file_.file, "The .log file (a bare name is looked for in --db too)")
      ->required();
  AddJson(c);
  c->callback([this] { status_ = RunWalDump(common_, file_); });

  c = AddCommand("manifest-dump", "Show the MANIFEST: every version edit and the file set",
                 kInspectGroup);
  c->add_option("FILE", file_.file, "A MANIFEST file (default: the one CURRENT names in --db)");
  AddJson(c);
  c->callback([this] { status_ = RunManifestDump(common_, file_); });

  c = AddCommand("compact", "Compact the keys in [A, B] (default: everything)", kInspectGroup);
  c->add_option("--from", compact_.from, "From key A")->type_name("A");
  c->add_option("--to", compact_.to, "To key B, included")->type_name("B");
  AddJson(c);
  c->callback([this] { status_ = RunCompact(*session_, common_, compact_); });
}

void Cli::AddCopyCommands() {
  CLI::App* c =
      AddCommand("checkpoint", "Write an openable copy of the database to a new DIR", kCopyGroup);
  c->add_option("DIR", checkpoint_.dir, "The new directory (must not exist)")->required();
  AddJson(c);
  c->footer(
      "\nThe copy is the database as of the command. Tables are hard-linked when DIR is\n"
      "on the same file system (so it costs little space until the database compacts),\n"
      "copied otherwise. A crash leaves DIR complete or absent.");
  c->callback([this] { status_ = RunCheckpoint(*session_, common_, checkpoint_); });

  CLI::App* backup =
      AddCommand("backup", "Incremental backups: create, list, verify, restore, purge", kCopyGroup);
  backup->require_subcommand(1);
  backup->footer(
      "\nA backup directory holds any number of backups of a database; tables shared\n"
      "between backups are stored once, so each backup copies only new tables. Every\n"
      "file's checksum is recorded: 'verify' rereads them, and 'restore' verifies first.\n"
      "Examples:\n"
      "  strata --db data backup create /mnt/backups\n"
      "  strata backup verify /mnt/backups\n"
      "  strata backup restore /mnt/backups data-restored\n"
      "  strata backup purge /mnt/backups --keep 7");
  auto sub = [&](const std::string& name, const std::string& description) {
    CLI::App* s = backup->add_subcommand(name, description);
    s->add_option("BACKUP_DIR", backup_.dir, "The backup directory")->required();
    AddJson(s);
    return s;
  };
  c = sub("create", "Back the database (--db) up into BACKUP_DIR (created if missing)");
  c->add_option("--db", common_.db, "The database directory")->capture_default_str();
  c->callback([this] { status_ = RunBackupCreate(*session_, common_, backup_); });
  c = sub("list", "List the backups: id, time, sequence number, files, size");
  c->callback([this] { status_ = RunBackupList(common_, backup_); });
  c = sub("verify", "Reread every file of a backup and check its size and checksum");
  c->add_option("--id", backup_.id, "The backup (default: every one)");
  c->footer("\nExit status 1 if a backup is damaged; the message names the file.");
  c->callback([this] { status_ = RunBackupVerify(common_, backup_); });
  c = sub("restore", "Verify a backup, then write it as a new database in TARGET");
  c->add_option("TARGET", backup_.target, "The new database directory (absent or empty)")
      ->required();
  c->add_option("--id", backup_.id, "The backup (default: the newest)");
  c->callback([this] { status_ = RunBackupRestore(*session_, common_, backup_); });
  c = sub("purge", "Delete all but the newest backups, and tables no other backup uses");
  c->add_option("--keep", backup_.keep, "How many of the newest backups to keep")->required();
  c->callback([this] { status_ = RunBackupPurge(common_, backup_); });
}

void Cli::AddOtherCommands() {
  CLI::App* c = AddCommand("shell", "A prompt for these commands, with line editing and history",
                           kOtherGroup);
  c->callback([this] {
    status_ =
        session_->interactive() ? Fail(kExitUsage, "already in the shell") : RunShell(common_.db);
  });

  c = app_.add_subcommand("bench", "Run strata-bench with the arguments that follow");
  c->group(kOtherGroup);
  c->prefix_command();
  c->allow_extras();
  c->set_help_flag();  // --help goes to strata-bench
  c->callback([this, c] { status_ = RunBench(*session_, c->remaining()); });
}

int Cli::UsageError(const CLI::ParseError& e, const std::vector<std::string>& args) {
  std::vector<CLI::App*> chosen = app_.get_subcommands();
  if (chosen.empty()) {
    if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr && !args.empty() &&
        !args[0].starts_with("-")) {
      return Fail(kExitUsage, "unknown command '" + args[0] + "' (see 'strata --help')");
    }
    return Fail(kExitUsage, std::string(e.what()) + " (see 'strata --help')");
  }
  const std::string name = chosen[0]->get_name();
  return Fail(kExitUsage, name + ": " + e.what() + " (see 'strata " + name + " --help')");
}

std::vector<std::string> Cli::CommandNames() {
  std::vector<std::string> names;
  for (CLI::App* c : app_.get_subcommands([](CLI::App*) { return true; }))
    names.push_back(c->get_name());
  return names;
}

int Cli::Run(const std::vector<std::string>& args) {
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 wants them so
  try {
    app_.parse(reversed);
  } catch (const CLI::CallForHelp& e) {
    return app_.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app_.exit(e);
  } catch (const CLI::ParseError& e) {
    return UsageError(e, args);
  } catch (const std::exception& e) {
    return Fail(kExitFailure, std::string("unexpected error: ") + e.what());
  }
  if (app_.get_subcommands().empty()) {
    return Fail(kExitUsage,
                "no command given; 'strata --help' lists them, 'strata shell' opens a prompt");
  }
  return status_;
}

}  // namespace strata::cli
