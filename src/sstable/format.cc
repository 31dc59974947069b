// Block handles, the footer and ReadBlock; see format.h.

#include "sstable/format.h"

#include <cassert>

#include "sstable/compression.h"
#include "util/checksum.h"
#include "util/coding.h"

namespace strata {

void BlockHandle::EncodeTo(std::string* dst) const {
  PutVarint64(dst, offset_);
  PutVarint64(dst, size_);
}

Status BlockHandle::DecodeFrom(std::string_view* input) {
  if (!GetVarint64(input, &offset_) || !GetVarint64(input, &size_)) {
    return Status::Corruption("bad block handle");
  }
  return Status::OK();
}

Status Footer::EncodeTo(std::string* dst) const {
  std::string handles;
  metaindex_handle.EncodeTo(&handles);
  index_handle.EncodeTo(&handles);
  if (handles.size() > kHandlesLength) {
    return Status::InvalidArgument("table too large for the footer's handles");
  }
  handles.resize(kHandlesLength, '\0');
  dst->append(handles);
  PutFixed32(dst, format_version);
  PutFixed32(dst, 0);
  PutFixed64(dst, kMagicNumber);
  return Status::OK();
}

Status Footer::DecodeFrom(std::string_view input) {
  assert(input.size() == kEncodedLength);
  const char* tail = input.data() + kHandlesLength;
  if (DecodeFixed64(tail + 8) != kMagicNumber) {
    return Status::Corruption("not an SSTable (bad magic number)");
  }
  format_version = DecodeFixed32(tail);
  if (format_version != kFormatVersion && format_version != kRangeDeletionFormatVersion) {
    return Status::Corruption("unsupported SSTable format version");
  }
  if (DecodeFixed32(tail + 4) != 0) return Status::Corruption("bad SSTable footer");
  std::string_view handles = input.substr(0, kHandlesLength);
  Status s = metaindex_handle.DecodeFrom(&handles);
  if (s.ok()) s = index_handle.DecodeFrom(&handles);
  if (!s.ok()) return s;
  if (handles.find_first_not_of('\0') != std::string_view::npos) {
    return Status::Corruption("bad SSTable footer padding");
  }
  return Status::OK();
}

Status ReadBlock(const RandomAccessFile& file, const BlockHandle& handle, bool verify_checksum,
                 std::string* contents) {
  const size_t n = static_cast<size_t>(handle.size());
  // A memory-mapped file reads in place: no buffer to fill.
  std::string buf;
  if (!file.ReadsInPlace()) buf.resize(n + kBlockTrailerSize);
  std::string_view stored;
  Status s = file.Read(handle.offset(), n + kBlockTrailerSize, &stored, buf.data());
  if (!s.ok()) return s;
  if (stored.size() != n + kBlockTrailerSize) return Status::Corruption("truncated block read");

  const char* trailer = stored.data() + n;
  const uint8_t type = static_cast<uint8_t>(trailer[0]);
  if (verify_checksum &&
      DecodeFixed32(trailer + 1) != Checksum32(stored.substr(0, n), stored.substr(n, 1))) {
    return Status::Corruption("block checksum mismatch");
  }
  if (!IsValidCompressionType(type)) return Status::Corruption("unknown block compression type");

  // An uncompressed block the file read into buf needs no copy; one read in
  // place is copied by UncompressBlock like any other.
  if (type == kNoCompression && stored.data() == buf.data()) {
    buf.resize(n);
    *contents = std::move(buf);
    return Status::OK();
  }
  return UncompressBlock(static_cast<CompressionType>(type), stored.substr(0, n), contents);
}

}  // namespace strata
