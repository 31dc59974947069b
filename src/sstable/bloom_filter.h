// BloomFilterBuilder / BloomFilterReader: one bloom filter over the user keys
// of a whole table (docs/FORMAT.md, "Filter block"), so a point lookup at any
// sequence number can skip a table that cannot hold its key.
//
// Layout: the bit array of m bits (a whole number of bytes), then one byte
// k, the probes per key. From a key's 64-bit XXH3 hash h, double hashing:
//   a = h,  b = rotate_left(h, 32) | 1
//   bit i = ((a + i * b) mod 2^64) * m / 2^64  (the high 64 bits of a
//           128-bit product), for i in [0, k)
// Bit j is bit (j mod 8) of byte j / 8. Probes spread over the whole array
// (not one cache line): that costs a cache miss or two per absent key but
// keeps the false-positive rate at the textbook (1 - e^{-kn/m})^k; a
// cache-line-blocked layout measured 20-40% more false positives.
//
// k = round(bits_per_key * ln 2) clamped to [1, 30]; m = num_keys *
// bits_per_key rounded up to whole bytes, at least 64 bits when there is any
// key. A table of no keys gets an empty array, which matches nothing.
//
// Invariant: a key added to the builder always matches (no false negatives).
//
// Thread-safety: the builder is used by one thread; a reader is immutable
// and may be queried from any number of threads.

#ifndef STRATA_SSTABLE_BLOOM_FILTER_H_
#define STRATA_SSTABLE_BLOOM_FILTER_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>

#include "strata/status.h"

namespace strata {

class BloomFilterBuilder {
 public:
  // REQUIRES: bits_per_key >= 1.
  explicit BloomFilterBuilder(int bits_per_key);
  BloomFilterBuilder(const BloomFilterBuilder&) = delete;
  BloomFilterBuilder& operator=(const BloomFilterBuilder&) = delete;

  // Adding a key twice is harmless (the caller skips repeats to keep the
  // array sized to distinct keys).
  void AddKey(std::string_view key);
  size_t num_keys() const { return hashes_.size(); }

  // The filter block for every key added.
  std::string Finish() const;

 private:
  const int bits_per_key_;
  const int num_probes_;
  // One hash per key until Finish. A deque, not a vector: a 32 MiB table has
  // some 300k keys, and a vector grown by doubling would hold up to twice
  // that, plus the old array while it copies (6 MiB at the end of a flush,
  // when the process holds the most memtable memory).
  std::deque<uint64_t> hashes_;
};

class BloomFilterReader {
 public:
  // Takes the filter block in contents. Corruption if it is empty or k is
  // outside [1, 30].
  static Status Parse(std::string contents, std::unique_ptr<BloomFilterReader>* reader);

  BloomFilterReader(const BloomFilterReader&) = delete;
  BloomFilterReader& operator=(const BloomFilterReader&) = delete;

  // False only if key was never added.
  bool KeyMayMatch(std::string_view key) const;

  int num_probes() const { return num_probes_; }
  // Bits in the array (m).
  uint64_t num_bits() const { return num_bits_; }

 private:
  BloomFilterReader(std::string contents, int num_probes);

  const std::string contents_;  // the array, then k
  const uint64_t num_bits_;
  const int num_probes_;
};

// KeyMayMatch on a filter block without parsing it into a reader (for the
// FilterPolicy interface). A malformed filter matches every key: it can cost
// a read, never a wrong answer.
bool BloomFilterMayMatch(std::string_view filter, std::string_view key);

}  // namespace strata

#endif  // STRATA_SSTABLE_BLOOM_FILTER_H_
