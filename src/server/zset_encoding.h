// The element encoding of a sorted set (docs/SERVER.md, "Sorted sets"):
// two kinds of subkey under the collection's prefix (collection.h), told
// apart by a tag byte:
//
//   'M' member                          -> be64(OrderedScore(score))
//   'S' be64(OrderedScore(score)) member -> ""   (the score index)
//
// OrderedScore maps a double to a uint64 whose unsigned order is the
// numeric order of the doubles, so a bytewise scan of the 'S' range walks
// the set by (score, member) exactly as Redis's skiplist does, and a score
// range is one range scan. Invariants:
//   1. NaN is never encoded (Redis rejects NaN scores before they get here).
//   2. -0.0 is stored as 0.0: they compare equal, so they must encode
//      equal, or a range [0,0] would miss one of them.
//   3. Every member has exactly one 'M' and one 'S' subkey, with the same
//      score; the metadata's size counts members.
//
// Thread-safety: pure functions.

#ifndef STRATA_SERVER_ZSET_ENCODING_H_
#define STRATA_SERVER_ZSET_ENCODING_H_

#include <bit>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "util/coding.h"

namespace strata::server {

inline constexpr char kZSetMemberTag = 'M';
inline constexpr char kZSetScoreTag = 'S';

// The order-preserving image of `score` (REQUIRES: not NaN): a positive
// double (sign bit 0) gets its sign bit set, so it sorts above every
// negative one; a negative double has all its bits flipped, so a larger
// magnitude sorts lower. -0.0 is first turned into 0.0.
inline uint64_t OrderedScore(double score) {
  if (score == 0) score = 0.0;  // -0.0 == 0.0
  uint64_t bits = std::bit_cast<uint64_t>(score);
  return (bits >> 63) != 0 ? ~bits : bits | (uint64_t{1} << 63);
}

inline double ScoreFromOrdered(uint64_t ordered) {
  uint64_t bits = (ordered >> 63) != 0 ? ordered & ~(uint64_t{1} << 63) : ~ordered;
  return std::bit_cast<double>(bits);
}

// Writes the 8 big-endian bytes of OrderedScore(score) at out.
inline void EncodeScoreTo(char* out, double score) { EncodeBigEndian64(out, OrderedScore(score)); }

// Appends EncodeScoreTo's 8 bytes.
inline void AppendScore(std::string* out, double score) {
  char bytes[8];
  EncodeScoreTo(bytes, score);
  out->append(bytes, sizeof(bytes));
}

inline std::string EncodeScore(double score) {
  std::string out;
  AppendScore(&out, score);
  return out;
}

// Decodes 8 bytes written by AppendScore. Returns false if `in` is shorter.
inline bool DecodeScore(std::string_view in, double* score) {
  if (in.size() < 8) return false;
  *score = ScoreFromOrdered(DecodeBigEndian64(in.data()));
  return true;
}

inline std::string ZSetMemberSubkey(std::string_view member) {
  std::string k(1, kZSetMemberTag);
  k.append(member);
  return k;
}

// A score-index subkey's first bytes, the tag and the score; the member
// follows them. Built without an allocation, for keys made in place.
struct ZSetScoreHead {
  explicit ZSetScoreHead(double score) {
    bytes[0] = kZSetScoreTag;
    EncodeScoreTo(bytes + 1, score);
  }
  std::string_view view() const { return std::string_view(bytes, sizeof(bytes)); }

  char bytes[9];
};

inline std::string ZSetScoreSubkey(double score, std::string_view member) {
  std::string k(ZSetScoreHead(score).view());
  k.append(member);
  return k;
}

// Bounds of a sorted set's live score-index subkeys (the 'S' subkey
// without its tag byte), kept in its metadata's `extra` so that a walk from
// either end of the index seeks past the deletions ZPOPMIN and ZPOPMAX leave
// behind instead of stepping over each of them (which made popping a whole
// set O(n^2) until compaction dropped them). Invariant: every live 'S'
// subkey s has low <= s when low is set, and s <= high when high is set.
// The bounds are hints: a set without them (new, stored, or written before
// they existed) is walked from the index's ends, as before.
//
// Encoding of `extra` (docs/SERVER.md, "Sorted sets"): empty when neither
// bound is set; else one flags byte (bit 0: low present, bit 1: high
// present), then for each present bound, low first, varint32 length and the
// bytes. A bound is at most kMaxBound bytes: low is cut to its first
// kMaxBound bytes (a prefix of a key sorts at or before it), a longer high is
// not kept.
struct ZSetBounds {
  static constexpr size_t kMaxBound = 8 + 64;

  // A bound's bytes, held inline: every pop decodes the bounds and writes
  // them back, and two heap strings were two of its allocations.
  class Bound {
   public:
    explicit Bound(std::string_view s) : size_(static_cast<uint8_t>(s.size())) {
      assert(s.size() <= kMaxBound);
      std::memcpy(bytes_, s.data(), s.size());
    }
    std::string_view view() const { return std::string_view(bytes_, size_); }
    operator std::string_view() const { return view(); }  // NOLINT: a bound reads as its bytes
    friend bool operator==(const Bound& a, std::string_view b) { return a.view() == b; }
    friend bool operator==(const Bound& a, const Bound& b) { return a.view() == b.view(); }

   private:
    char bytes_[kMaxBound];
    uint8_t size_;
  };

  std::optional<Bound> low;
  std::optional<Bound> high;

  // A malformed `extra` gives no bounds: they are only hints, and with none
  // every walk is still exact.
  static ZSetBounds Decode(std::string_view extra) {
    ZSetBounds b;
    if (extra.empty()) return b;
    const auto flags = static_cast<unsigned char>(extra[0]);
    extra.remove_prefix(1);
    std::string_view low, high;
    if ((flags & 1) != 0 && !GetLengthPrefixed(&extra, &low)) return {};
    if ((flags & 2) != 0 && !GetLengthPrefixed(&extra, &high)) return {};
    if ((flags & ~3u) != 0 || !extra.empty()) return {};
    if (low.size() > kMaxBound || high.size() > kMaxBound) return {};
    if ((flags & 1) != 0) b.low.emplace(low);
    if ((flags & 2) != 0) b.high.emplace(high);
    return b;
  }

  // The most bytes EncodeTo writes: flags, then two bounds with their
  // one-byte lengths (kMaxBound < 128).
  static constexpr size_t kMaxEncoded = 1 + 2 * (1 + kMaxBound);
  static_assert(kMaxBound < 128, "a bound's length is one varint byte");

  // Writes the encoding at out (room for kMaxEncoded bytes); returns its
  // size. A pop encodes the bounds into its stack, not a heap string.
  size_t EncodeTo(char* out) const {
    if (!low && !high) return 0;
    char* p = out;
    *p++ = static_cast<char>((low ? 1 : 0) | (high ? 2 : 0));
    for (const std::optional<Bound>* b : {&low, &high}) {
      if (!b->has_value()) continue;
      const std::string_view bytes = (*b)->view();
      p = EncodeVarint32(p, static_cast<uint32_t>(bytes.size()));
      std::memcpy(p, bytes.data(), bytes.size());
      p += bytes.size();
    }
    return static_cast<size_t>(p - out);
  }
  std::string Encode() const {
    char out[kMaxEncoded];
    return std::string(out, EncodeTo(out));
  }

  // The 'S' subkey s (without its tag) was written.
  void Added(std::string_view s) {
    if (low && s < low->view()) low.emplace(s.substr(0, kMaxBound));
    if (high && s > high->view()) {
      if (s.size() <= kMaxBound) {
        high.emplace(s);
      } else {
        high.reset();
      }
    }
  }

  // s was the last of a run of entries removed from the index's start
  // (ZPOPMIN): every live entry is after it.
  void PoppedLow(std::string_view s) { low.emplace(s.substr(0, kMaxBound)); }

  // s was the last of a run removed from the index's end (ZPOPMAX).
  void PoppedHigh(std::string_view s) {
    if (s.size() <= kMaxBound) high.emplace(s);
  }
};

}  // namespace strata::server

#endif  // STRATA_SERVER_ZSET_ENCODING_H_
