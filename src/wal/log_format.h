// The write-ahead log's on-disk layout, shared by wal::Writer and wal::Reader.
// docs/FORMAT.md ("Write-ahead log") describes it byte for byte.
//
// A log file is a sequence of kBlockSize blocks (the last one may be short).
// A record is written as one or more fragments; each fragment is
//
//   checksum32 : fixed32  Checksum32(type byte, payload)
//   length     : fixed16  payload length in bytes
//   type       : 1 byte   FragmentType
//   payload    : length bytes
//
// Invariants the writer keeps and the reader relies on:
//   1. A fragment never crosses a block boundary.
//   2. When fewer than kHeaderSize bytes remain in a block, they are zeros (the
//      trailer) and the next fragment starts at the next block.
//   3. A record is either one kFullType fragment, or kFirstType, zero or more
//      kMiddleType, then kLastType, in consecutive fragments.
//   4. kZeroType is never written; it appears only in zero-filled regions.
//
// Thread-safety: constants only.

#ifndef STRATA_WAL_LOG_FORMAT_H_
#define STRATA_WAL_LOG_FORMAT_H_

#include <cstddef>
#include <cstdint>

namespace strata::wal {

// On-disk: do not renumber.
enum class FragmentType : uint8_t {
  kZeroType = 0,  // reserved: never written, so zero-filled space is not a fragment
  kFullType = 1,  // a whole record
  kFirstType = 2,
  kMiddleType = 3,
  kLastType = 4,
};
static_assert(static_cast<uint8_t>(FragmentType::kZeroType) == 0);
static_assert(static_cast<uint8_t>(FragmentType::kFullType) == 1);
static_assert(static_cast<uint8_t>(FragmentType::kFirstType) == 2);
static_assert(static_cast<uint8_t>(FragmentType::kMiddleType) == 3);
static_assert(static_cast<uint8_t>(FragmentType::kLastType) == 4);

inline constexpr FragmentType kMaxFragmentType = FragmentType::kLastType;

inline constexpr size_t kBlockSize = 32768;

// checksum32 (4) + length (2) + type (1).
inline constexpr size_t kHeaderSize = 4 + 2 + 1;

// The length field is 16 bits wide; the largest payload a block can hold must fit.
static_assert(kBlockSize - kHeaderSize <= UINT16_MAX);

}  // namespace strata::wal

#endif  // STRATA_WAL_LOG_FORMAT_H_
