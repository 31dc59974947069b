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
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

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

// 8 big-endian bytes of OrderedScore(score).
inline void AppendScore(std::string* out, double score) {
  uint64_t v = OrderedScore(score);
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

inline std::string EncodeScore(double score) {
  std::string out;
  AppendScore(&out, score);
  return out;
}

// Decodes 8 bytes written by AppendScore. Returns false if `in` is shorter.
inline bool DecodeScore(std::string_view in, double* score) {
  if (in.size() < 8) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < 8; i++) v = (v << 8) | static_cast<unsigned char>(in[i]);
  *score = ScoreFromOrdered(v);
  return true;
}

inline std::string ZSetMemberSubkey(std::string_view member) {
  std::string k(1, kZSetMemberTag);
  k.append(member);
  return k;
}

inline std::string ZSetScoreSubkey(double score, std::string_view member) {
  std::string k(1, kZSetScoreTag);
  AppendScore(&k, score);
  k.append(member);
  return k;
}

}  // namespace strata::server

#endif  // STRATA_SERVER_ZSET_ENCODING_H_
