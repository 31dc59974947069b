// Whole-file helpers over FileSystem; see file_util.h.

#include "storage/file_util.h"

#include <memory>
#include <string_view>
#include <vector>

#include "util/checksum.h"

namespace strata {
namespace {

constexpr size_t kChunk = 1 << 20;

// Reads path in pieces, passing each to sink (a callable taking a
// string_view and returning a Status), and checksums what it read.
template <typename Sink>
Status ReadWhole(FileSystem* fs, const std::string& path, FileDigest* digest, Sink sink) {
  std::unique_ptr<SequentialFile> file;
  Status s = fs->NewSequentialFile(path, &file);
  if (!s.ok()) return s;
  std::string scratch(kChunk, '\0');
  Checksum64 checksum;
  uint64_t size = 0;
  while (true) {
    std::string_view chunk;
    s = file->Read(kChunk, &chunk, scratch.data());
    if (!s.ok()) return s;
    if (chunk.empty()) break;
    checksum.Update(chunk);
    size += chunk.size();
    s = sink(chunk);
    if (!s.ok()) return s;
  }
  digest->size = size;
  digest->checksum = checksum.Digest();
  return Status::OK();
}

}  // namespace

Status CopyFile(FileSystem* fs, const std::string& src, const std::string& dst,
                FileDigest* digest) {
  std::unique_ptr<WritableFile> out;
  Status s = fs->NewWritableFile(dst, &out);
  if (!s.ok()) return s;
  FileDigest copied;
  s = ReadWhole(fs, src, &copied, [&](std::string_view chunk) { return out->Append(chunk); });
  if (s.ok()) s = out->Sync();
  Status close = out->Close();
  if (s.ok()) s = close;
  if (!s.ok()) {
    (void)fs->RemoveFile(dst);
    return s;
  }
  if (digest != nullptr) *digest = copied;
  return Status::OK();
}

Status DigestFile(FileSystem* fs, const std::string& path, FileDigest* digest) {
  return ReadWhole(fs, path, digest, [](std::string_view) { return Status::OK(); });
}

Status RemoveTree(FileSystem* fs, const std::string& dir) {
  if (!fs->FileExists(dir)) return Status::OK();
  std::vector<std::string> names;
  Status s = fs->GetChildren(dir, &names);
  if (!s.ok()) return s;
  for (const std::string& name : names) {
    const std::string path = dir + "/" + name;
    // A file's removal fails on a directory; descend into it then.
    if (fs->RemoveFile(path).ok()) continue;
    s = RemoveTree(fs, path);
    if (!s.ok()) return s;
  }
  return fs->RemoveDir(dir);
}

}  // namespace strata
