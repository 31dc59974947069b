// Whole-file helpers over the FileSystem interface, shared by checkpoints and
// backups: copy a file durably, checksum a file, remove a directory tree.
//
// Each reads and writes in 1 MiB pieces, so memory stays bounded whatever the
// file's size. Errors name the path involved.
//
// Thread-safety: pure functions of their arguments; concurrent calls on
// different paths are safe (FileSystem is thread-safe).

#ifndef STRATA_STORAGE_FILE_UTIL_H_
#define STRATA_STORAGE_FILE_UTIL_H_

#include <cstdint>
#include <string>

#include "strata/file_system.h"
#include "strata/status.h"

namespace strata {

// The size and XXH3-64 (util/checksum.h's Checksum64) of a file's contents.
struct FileDigest {
  uint64_t size = 0;
  uint64_t checksum = 0;
};

// Copies src to dst (created or truncated), syncs dst and closes it. Stores
// what was copied in *digest if it is not null. On error dst is removed.
Status CopyFile(FileSystem* fs, const std::string& src, const std::string& dst,
                FileDigest* digest = nullptr);

// Reads path whole and stores its size and checksum in *digest.
Status DigestFile(FileSystem* fs, const std::string& path, FileDigest* digest);

// Removes dir and everything under it (files and subdirectories, at any
// depth). OK if dir does not exist.
Status RemoveTree(FileSystem* fs, const std::string& dir);

}  // namespace strata

#endif  // STRATA_STORAGE_FILE_UTIL_H_
