// Byte encodings shared by every on-disk format: little-endian fixed-width
// integers and LEB128-style varints (7 bits per byte, high bit = more), and
// big-endian fixed-width integers for keys that sort by number.
// The one codec of the project; docs/FORMAT.md refers to these names.
//
// Get* functions consume from the front of *input and return false, leaving
// *input unspecified, if it is too short or malformed.
//
// Thread-safety: pure functions.

#ifndef STRATA_UTIL_CODING_H_
#define STRATA_UTIL_CODING_H_

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace strata {

// The fixed-width codecs copy the value's bytes, swapped when the host's
// order is not the encoding's. (GCC at -O2, the default build, kept the byte
// loops they replace as loops: EncodeFixed64 was eight shifts and stores.)
static_assert(std::endian::native == std::endian::little ||
              std::endian::native == std::endian::big);
inline constexpr bool kLittleEndianHost = std::endian::native == std::endian::little;

inline void EncodeFixed16(char* dst, uint16_t v) {
  dst[0] = static_cast<char>(v);
  dst[1] = static_cast<char>(v >> 8);
}
inline void EncodeFixed32(char* dst, uint32_t v) {
  if constexpr (!kLittleEndianHost) v = __builtin_bswap32(v);
  std::memcpy(dst, &v, sizeof(v));
}
inline void EncodeFixed64(char* dst, uint64_t v) {
  if constexpr (!kLittleEndianHost) v = __builtin_bswap64(v);
  std::memcpy(dst, &v, sizeof(v));
}
inline uint16_t DecodeFixed16(const char* p) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint16_t>(b[0] | (b[1] << 8));
}
inline uint32_t DecodeFixed32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return kLittleEndianHost ? v : __builtin_bswap32(v);
}
inline uint64_t DecodeFixed64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return kLittleEndianHost ? v : __builtin_bswap64(v);
}

// Big-endian fixed-width integers, for keys that must sort as their numbers
// do (strata-server's subkeys and score index, docs/SERVER.md): the most
// significant byte first.
inline void EncodeBigEndian32(char* dst, uint32_t v) {
  if constexpr (kLittleEndianHost) v = __builtin_bswap32(v);
  std::memcpy(dst, &v, sizeof(v));
}
inline void EncodeBigEndian64(char* dst, uint64_t v) {
  if constexpr (kLittleEndianHost) v = __builtin_bswap64(v);
  std::memcpy(dst, &v, sizeof(v));
}
inline uint32_t DecodeBigEndian32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return kLittleEndianHost ? __builtin_bswap32(v) : v;
}
inline uint64_t DecodeBigEndian64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return kLittleEndianHost ? __builtin_bswap64(v) : v;
}

void PutFixed32(std::string* dst, uint32_t v);
void PutFixed64(std::string* dst, uint64_t v);
void PutVarint32(std::string* dst, uint32_t v);
void PutVarint64(std::string* dst, uint64_t v);
// A varint32 length followed by the bytes of value.
void PutLengthPrefixed(std::string* dst, std::string_view value);

// Writes v at dst and returns the byte after the last one written.
// REQUIRES: dst has room for VarintLength(v) bytes (at most 10).
// Inline: every memtable entry and batch update encodes a length or two.
inline char* EncodeVarint64(char* dst, uint64_t v) {
  auto* p = reinterpret_cast<unsigned char*>(dst);
  while (v >= 0x80) {
    *p++ = static_cast<unsigned char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<unsigned char>(v);
  return reinterpret_cast<char*>(p);
}
inline char* EncodeVarint32(char* dst, uint32_t v) { return EncodeVarint64(dst, v); }
int VarintLength(uint64_t v);

bool GetFixed32(std::string_view* input, uint32_t* value);
bool GetFixed64(std::string_view* input, uint64_t* value);
bool GetVarint32(std::string_view* input, uint32_t* value);
bool GetVarint64(std::string_view* input, uint64_t* value);
bool GetLengthPrefixed(std::string_view* input, std::string_view* result);

// Decodes a varint32 from [p, limit); returns the byte after it, or nullptr if
// it is malformed or runs past limit.
const char* GetVarint32PtrFallback(const char* p, const char* limit, uint32_t* value);
// Inline for the one-byte case, which is every length under 128: the memtable
// comparator and block seeks decode such lengths on every step.
inline const char* GetVarint32Ptr(const char* p, const char* limit, uint32_t* value) {
  if (p < limit) {
    uint32_t byte = *reinterpret_cast<const unsigned char*>(p);
    if ((byte & 0x80) == 0) {
      *value = byte;
      return p + 1;
    }
  }
  return GetVarint32PtrFallback(p, limit, value);
}
const char* GetVarint64Ptr(const char* p, const char* limit, uint64_t* value);

}  // namespace strata

#endif  // STRATA_UTIL_CODING_H_
