// Block compression; see compression.h.

#include "sstable/compression.h"

#include <lz4.h>
#include <snappy.h>
#include <zstd.h>

#include <cassert>
#include <climits>
#include <cstring>

#include "util/coding.h"

namespace strata {

namespace {

constexpr int kZstdLevel = 3;

// Upper bounds on how many raw bytes one stored byte can expand into. A
// snappy copy element turns at most 3 bytes into 64 (about 21x); an LZ4 match
// grows by 255 bytes per extension byte; a zstd RLE block turns 4 bytes into
// 128 KiB (32768x). A stored length beyond these is corrupt, and rejecting it
// prevents allocating gigabytes on the word of a damaged header.
constexpr uint64_t kMaxSnappyRatio = 32;
constexpr uint64_t kMaxLZ4Ratio = 256;
constexpr uint64_t kMaxZstdRatio = 32768;
constexpr uint64_t kRatioSlack = 64;

bool PlausibleRawSize(uint64_t raw_size, size_t stored_size, uint64_t max_ratio) {
  return raw_size <= stored_size * max_ratio + kRatioSlack;
}

Status UncompressSnappy(std::string_view stored, std::string* raw) {
  size_t raw_size = 0;
  if (!snappy::GetUncompressedLength(stored.data(), stored.size(), &raw_size) ||
      !PlausibleRawSize(raw_size, stored.size(), kMaxSnappyRatio)) {
    return Status::Corruption("bad snappy block length");
  }
  SizeBlockBuffer(raw, raw_size);
  if (!snappy::RawUncompress(stored.data(), stored.size(), raw->data())) {
    return Status::Corruption("bad snappy block");
  }
  return Status::OK();
}

Status UncompressLZ4(std::string_view stored, std::string* raw) {
  uint32_t raw_size = 0;
  if (!GetVarint32(&stored, &raw_size) || raw_size > INT_MAX || stored.size() > INT_MAX ||
      !PlausibleRawSize(raw_size, stored.size(), kMaxLZ4Ratio)) {
    return Status::Corruption("bad lz4 block length");
  }
  SizeBlockBuffer(raw, raw_size);
  int n = LZ4_decompress_safe(stored.data(), raw->data(), static_cast<int>(stored.size()),
                              static_cast<int>(raw_size));
  if (n < 0 || static_cast<uint32_t>(n) != raw_size) return Status::Corruption("bad lz4 block");
  return Status::OK();
}

Status UncompressZstd(std::string_view stored, std::string* raw) {
  unsigned long long raw_size = ZSTD_getFrameContentSize(stored.data(), stored.size());
  if (raw_size == ZSTD_CONTENTSIZE_UNKNOWN || raw_size == ZSTD_CONTENTSIZE_ERROR ||
      !PlausibleRawSize(raw_size, stored.size(), kMaxZstdRatio)) {
    return Status::Corruption("bad zstd block length");
  }
  SizeBlockBuffer(raw, raw_size);
  size_t n = ZSTD_decompress(raw->data(), raw->size(), stored.data(), stored.size());
  if (ZSTD_isError(n) || n != raw_size) return Status::Corruption("bad zstd block");
  return Status::OK();
}

}  // namespace

bool IsValidCompressionType(uint8_t byte) { return byte <= kZstdCompression; }

std::string_view CompressionTypeName(CompressionType type) {
  switch (type) {
    case kNoCompression:
      return "none";
    case kSnappyCompression:
      return "snappy";
    case kLZ4Compression:
      return "lz4";
    case kZstdCompression:
      return "zstd";
  }
  return "unknown";
}

bool CompressionTypeFromName(std::string_view name, CompressionType* type) {
  for (CompressionType t :
       {kNoCompression, kSnappyCompression, kLZ4Compression, kZstdCompression}) {
    if (name == CompressionTypeName(t)) {
      *type = t;
      return true;
    }
  }
  return false;
}

bool CompressBlock(CompressionType type, std::string_view raw, std::string* output) {
  output->clear();
  switch (type) {
    case kNoCompression:
      break;
    case kSnappyCompression: {
      output->resize(snappy::MaxCompressedLength(raw.size()));
      size_t n = 0;
      snappy::RawCompress(raw.data(), raw.size(), output->data(), &n);
      output->resize(n);
      return true;
    }
    case kLZ4Compression: {
      if (raw.size() > static_cast<size_t>(LZ4_MAX_INPUT_SIZE)) return false;
      PutVarint32(output, static_cast<uint32_t>(raw.size()));
      size_t prefix = output->size();
      int bound = LZ4_compressBound(static_cast<int>(raw.size()));
      output->resize(prefix + static_cast<size_t>(bound));
      int n = LZ4_compress_default(raw.data(), output->data() + prefix,
                                   static_cast<int>(raw.size()), bound);
      if (n <= 0) return false;
      output->resize(prefix + static_cast<size_t>(n));
      return true;
    }
    case kZstdCompression: {
      output->resize(ZSTD_compressBound(raw.size()));
      size_t n = ZSTD_compress(output->data(), output->size(), raw.data(), raw.size(), kZstdLevel);
      if (ZSTD_isError(n)) return false;
      output->resize(n);
      return true;
    }
  }
  assert(false && "CompressBlock needs a compression type");
  return false;
}

void SizeBlockBuffer(std::string* buffer, size_t n) {
  constexpr size_t kRound = 256;
  if (buffer->capacity() < n || buffer->capacity() > n + n / 8 + kRound) {
    // Not std::string's own growth, which doubles the capacity: the fresh
    // buffer's reserve from the empty state is exactly what it asks for.
    std::string fresh;
    fresh.reserve((n + kRound - 1) / kRound * kRound);
    buffer->swap(fresh);
  }
  buffer->resize(n);
}

Status UncompressBlock(CompressionType type, std::string_view stored, std::string* raw) {
  switch (type) {
    case kNoCompression:
      SizeBlockBuffer(raw, stored.size());
      if (!stored.empty()) std::memcpy(raw->data(), stored.data(), stored.size());
      return Status::OK();
    case kSnappyCompression:
      return UncompressSnappy(stored, raw);
    case kLZ4Compression:
      return UncompressLZ4(stored, raw);
    case kZstdCompression:
      return UncompressZstd(stored, raw);
  }
  return Status::Corruption("unknown block compression type");
}

}  // namespace strata
