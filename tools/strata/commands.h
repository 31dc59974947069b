// The strata tool's commands, one function each, with the arguments CLI11
// parsed into a struct. Each returns the tool's exit status (output.h) and
// prints its own output and errors. Keys and values given on the command
// line are escaped text (UnescapeBytes): "\x00" is a NUL byte.
//
//   commands.cc          put, get, del, delrange, scan, dump, stats, compact
//   load.cc              load
//   inspect_commands.cc  check, repair, sst-dump, wal-dump, manifest-dump
//   backup_commands.cc   checkpoint, backup create|list|verify|restore|purge
//   bench.cc             bench (runs strata-bench)
//
// Thread-safety: single-threaded tool.

#ifndef STRATA_TOOLS_STRATA_COMMANDS_H_
#define STRATA_TOOLS_STRATA_COMMANDS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "session.h"

namespace strata::cli {

inline constexpr char kDefaultDb[] = "./strata-data";

// Options every command takes.
struct Common {
  std::string db = kDefaultDb;
  bool json = false;
};

struct PutArgs {
  std::string key, value;
  bool sync = false;
};
struct GetArgs {
  std::string key;
  bool raw = false;
};
struct DelArgs {
  std::string key;
  bool sync = false;
};
struct DelRangeArgs {
  std::string begin, end;  // [begin, end)
  bool sync = false;
};
struct ScanArgs {
  std::string prefix, from, to;
  uint64_t limit = 0;  // 0: no limit
  bool reverse = false;
  bool keys_only = false;
};
struct LoadArgs {
  std::string file;    // "-" for stdin
  std::string format;  // tsv, csv, jsonl; empty: from the file name or contents
  bool sync = false;
  uint32_t batch = 1000;
  bool literal = false;  // take keys and values as they are, without unescaping
  bool quiet = false;    // no progress bar
};
struct DumpArgs {
  std::string format = "tsv";
};
struct CompactArgs {
  std::string from, to;
};
struct CheckpointArgs {
  std::string dir;
};
struct BackupArgs {
  std::string dir;     // the backup directory
  uint32_t id = 0;     // verify, restore: 0 = every backup (verify), the newest (restore)
  std::string target;  // restore: the new database directory
  uint32_t keep = 0;   // purge: how many of the newest backups stay
};
struct FileArgs {
  std::string file;
  bool entries = false;  // sst-dump only
};

int RunPut(Session& session, const Common& common, const PutArgs& args);
int RunGet(Session& session, const Common& common, const GetArgs& args);
int RunDel(Session& session, const Common& common, const DelArgs& args);
int RunDelRange(Session& session, const Common& common, const DelRangeArgs& args);
int RunScan(Session& session, const Common& common, const ScanArgs& args);
int RunLoad(Session& session, const Common& common, const LoadArgs& args);
int RunDump(Session& session, const Common& common, const DumpArgs& args);
int RunStats(Session& session, const Common& common);
int RunCompact(Session& session, const Common& common, const CompactArgs& args);
int RunCheck(Session& session, const Common& common);
int RunRepair(Session& session, const Common& common);
int RunSstDump(const Common& common, const FileArgs& args);
int RunWalDump(const Common& common, const FileArgs& args);
int RunManifestDump(const Common& common, const FileArgs& args);
int RunCheckpoint(Session& session, const Common& common, const CheckpointArgs& args);
int RunBackupCreate(Session& session, const Common& common, const BackupArgs& args);
int RunBackupList(const Common& common, const BackupArgs& args);
int RunBackupVerify(const Common& common, const BackupArgs& args);
int RunBackupRestore(Session& session, const Common& common, const BackupArgs& args);
int RunBackupPurge(const Common& common, const BackupArgs& args);
// Runs strata-bench with args: replaces this process, or (in the shell)
// waits for it.
int RunBench(Session& session, const std::vector<std::string>& args);

// Unescapes a key or value given as text; on a bad escape prints why and
// returns false.
bool ParseBytes(const std::string& what, const std::string& text, std::string* bytes);

}  // namespace strata::cli

#endif  // STRATA_TOOLS_STRATA_COMMANDS_H_
