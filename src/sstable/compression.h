// Block compression for SSTables: snappy, LZ4 and zstd behind one pair of
// functions, plus the names the properties block stores.
//
// Stored forms (docs/FORMAT.md, "Block compression"):
//   kNoCompression      the raw bytes
//   kSnappyCompression  snappy's raw format (it begins with the raw length)
//   kLZ4Compression     varint32 raw length ++ an LZ4 block (the block API
//                       needs the length to decompress)
//   kZstdCompression    one zstd frame (level 3) recording its content size
//
// UncompressBlock never trusts a stored length beyond what the algorithm
// could produce from the stored size, so a damaged block read with checksums
// off gives Corruption, not a huge allocation.
//
// Thread-safety: pure functions.

#ifndef STRATA_SSTABLE_COMPRESSION_H_
#define STRATA_SSTABLE_COMPRESSION_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "strata/options.h"
#include "strata/status.h"

namespace strata {

// CompressionType values are written in every block trailer.
static_assert(kNoCompression == 0 && kSnappyCompression == 1 && kLZ4Compression == 2 &&
                  kZstdCompression == 3,
              "on-disk: do not renumber CompressionType");

// True if byte names a CompressionType this build can read.
bool IsValidCompressionType(uint8_t byte);

// "none", "snappy", "lz4", "zstd".
std::string_view CompressionTypeName(CompressionType type);
// The inverse of CompressionTypeName; false for an unknown name.
bool CompressionTypeFromName(std::string_view name, CompressionType* type);

// Replaces *output with raw compressed by type. Returns false if the library
// refuses (raw too large for it); the caller then stores raw uncompressed.
// REQUIRES: type != kNoCompression.
bool CompressBlock(CompressionType type, std::string_view raw, std::string* output);

// Replaces *raw with the uncompressed form of stored. Corruption if stored is
// not a valid encoding of type.
Status UncompressBlock(CompressionType type, std::string_view stored, std::string* raw);

// Makes *buffer n bytes long (its old contents unspecified) for a block to
// be written into, reusing its capacity when that is at least n and at most
// about an eighth more (see Block::TakeBuffer); otherwise it gets a fresh one
// of n rounded up to 256 bytes. Never std::string's doubling growth: a
// cached block's memory stays within a few percent of its charge, its size.
void SizeBlockBuffer(std::string* buffer, size_t n);

}  // namespace strata

#endif  // STRATA_SSTABLE_COMPRESSION_H_
