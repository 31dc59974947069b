// The names of the files in a database directory:
//
//   000005.log        a write-ahead log (one per memtable)
//   000007.sst        a sorted string table
//   MANIFEST-000002   the log of version edits describing the live files
//   CURRENT           names the MANIFEST in use (replaced atomically)
//   LOCK              held (flock) by the process that has the DB open
//   000009.dbtmp      a temporary file, renamed into place when complete
//
// File numbers come from one counter, so every number names one file.
//
// Thread-safety: pure functions.

#ifndef STRATA_LSM_FILENAME_H_
#define STRATA_LSM_FILENAME_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "strata/file_system.h"
#include "strata/options.h"
#include "strata/status.h"

namespace strata {

enum class FileType { kLog, kTable, kManifest, kCurrent, kLock, kTemp };

std::string LogFileName(const std::string& dbname, uint64_t number);
std::string TableFileName(const std::string& dbname, uint64_t number);
std::string ManifestFileName(const std::string& dbname, uint64_t number);
std::string CurrentFileName(const std::string& dbname);
std::string LockFileName(const std::string& dbname);
std::string TempFileName(const std::string& dbname, uint64_t number);

// The file system options name, or the process's real one when they name
// none.
inline FileSystem* FileSystemFor(const Options& options) {
  return options.file_system != nullptr ? options.file_system : DefaultFileSystem();
}

// Parses a directory entry's name. Returns false for names that are not the
// database's (they are left alone).
bool ParseFileName(std::string_view name, uint64_t* number, FileType* type);

// Points CURRENT at MANIFEST-<manifest_number>: writes a temporary file, syncs
// it, renames it over CURRENT and syncs the directory, so a crash leaves
// either the old or the new CURRENT, never a partial one.
Status SetCurrentFile(FileSystem* fs, const std::string& dbname, uint64_t manifest_number);

// Writes data to path and syncs it (the file is complete or absent on error).
Status WriteStringToFileSync(FileSystem* fs, std::string_view data, const std::string& path);
Status ReadFileToString(FileSystem* fs, const std::string& path, std::string* data);

}  // namespace strata

#endif  // STRATA_LSM_FILENAME_H_
