// The SSTable's framing: block handles, the block trailer, the footer, and
// ReadBlock, which turns a handle into verified, uncompressed block contents.
// docs/FORMAT.md ("SSTable") describes the same layout byte for byte:
//
//   [data block + trailer] ... [filter block + trailer] [index block + trailer]
//   [properties block + trailer] [metaindex block + trailer] [footer]
//
//   trailer (5 bytes) = type (1 byte, a CompressionType)
//                       ++ fixed32 checksum32(stored block bytes, type byte)
//   footer (48 bytes) = metaindex handle ++ index handle, zero-padded to 32
//                       ++ fixed32 format version (1, or 2 for a table with
//                       a range-deletion block) ++ fixed32 zero
//                       ++ fixed64 magic
//
// A handle's size counts the stored block bytes only, not the trailer.
//
// Thread-safety: BlockHandle and Footer are plain values; ReadBlock may be
// called concurrently (RandomAccessFile::Read is thread-safe).

#ifndef STRATA_SSTABLE_FORMAT_H_
#define STRATA_SSTABLE_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "strata/file_system.h"
#include "strata/status.h"

namespace strata {

// Where a block lives in the file: varint64 offset ++ varint64 size.
class BlockHandle {
 public:
  // Two varint64s of at most 10 bytes each.
  static constexpr size_t kMaxEncodedLength = 20;

  BlockHandle() = default;
  BlockHandle(uint64_t offset, uint64_t size) : offset_(offset), size_(size) {}

  uint64_t offset() const { return offset_; }
  // Stored bytes, without the trailer.
  uint64_t size() const { return size_; }

  void EncodeTo(std::string* dst) const;
  // Consumes a handle from the front of *input; Corruption if malformed.
  Status DecodeFrom(std::string_view* input);

 private:
  uint64_t offset_ = 0;
  uint64_t size_ = 0;
};

// Every block is followed by its compression type and checksum.
inline constexpr size_t kBlockTrailerSize = 5;

// The metaindex name of the range-deletion block (format version 2).
inline constexpr std::string_view kRangeDelBlockMetaName = "rangedel";

// The last 48 bytes of every table.
struct Footer {
  static constexpr size_t kEncodedLength = 48;
  // Bytes [0, 32) hold the two handles, then zeros.
  static constexpr size_t kHandlesLength = 32;
  // Version 1: the original layout. Version 2: the same, plus a
  // range-deletion block named in the metaindex. Only tables holding range
  // tombstones are written as version 2, so a reader that predates them
  // (which would ignore the block and resurrect deleted keys) refuses those
  // tables instead, and every other table stays byte for byte as before.
  static constexpr uint32_t kFormatVersion = 1;
  static constexpr uint32_t kRangeDeletionFormatVersion = 2;
  // The bytes "STRATATB" in file order (fixed64 is little-endian).
  static constexpr uint64_t kMagicNumber = 0x4254415441525453ull;

  BlockHandle metaindex_handle;
  BlockHandle index_handle;
  uint32_t format_version = kFormatVersion;

  // Appends the 48-byte footer. InvalidArgument if the handles do not fit in
  // 32 bytes (only possible if an offset or size reaches 2^56 bytes).
  Status EncodeTo(std::string* dst) const;
  // REQUIRES: input.size() == kEncodedLength. Corruption for a wrong magic,
  // a version other than 1 or 2, or non-zero padding.
  Status DecodeFrom(std::string_view input);
};

// Reads the block at handle from file, checks the trailer (the checksum only
// if verify_checksum) and stores the uncompressed block in *contents, whose
// old bytes it replaces (its capacity is reused where the block is copied or
// decompressed into it: see Block::TakeBuffer). Corruption for a short read,
// a checksum mismatch, an unknown compression type or undecodable compressed
// bytes; the file's error for a failed read.
// REQUIRES: the caller checked that the block and its trailer lie within the
// file, so a damaged handle cannot ask for a huge read.
Status ReadBlock(const RandomAccessFile& file, const BlockHandle& handle, bool verify_checksum,
                 std::string* contents);

}  // namespace strata

#endif  // STRATA_SSTABLE_FORMAT_H_
