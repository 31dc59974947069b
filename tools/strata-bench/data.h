// The keys and values the workloads write, generated the way db_bench does.
//
// Keys: item number i becomes its decimal digits, zero-padded on the left to
// --key_size bytes ("0000000000000042"), so byte order is numeric order and a
// sequential fill is also a sorted one. A missing key (readmissing) is an
// existing key with "." appended: it sorts between two present keys, so no
// engine can reject it by range alone; only a bloom filter or a block read
// tells it is absent.
//
// Values: slices of a 1 MiB buffer built from pieces that are half random
// printable bytes and half a repeat of them, so each value compresses to
// about half its size with any of the engines' compressors, like db_bench's
// --compression_ratio=0.5.
//
// Thread-safety: FormatKey is a pure function. A ValueGenerator is used by
// one thread; the buffer is read-only once built, so copies share nothing.

#ifndef STRATA_BENCH_DATA_H_
#define STRATA_BENCH_DATA_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace strata::bench {

// The largest number of items --key_size digits can number without two items
// sharing a key (10^key_size, capped at 2^64 - 1).
uint64_t MaxItemsForKeySize(int key_size);

// Writes item's key, key_size bytes, into buf[0, key_size).
void FormatKey(uint64_t item, int key_size, char* buf);

// A key of key_size bytes kept in a buffer the caller reuses.
class KeyBuffer {
 public:
  explicit KeyBuffer(int key_size) : key_size_(key_size), buf_(key_size + 1, '\0') {}
  std::string_view Present(uint64_t item) {
    FormatKey(item, key_size_, buf_.data());
    return {buf_.data(), static_cast<size_t>(key_size_)};
  }
  // A key that is never written: item's key followed by '.'.
  std::string_view Missing(uint64_t item) {
    FormatKey(item, key_size_, buf_.data());
    buf_[key_size_] = '.';
    return {buf_.data(), static_cast<size_t>(key_size_) + 1};
  }

 private:
  int key_size_;
  std::string buf_;
};

class ValueGenerator {
 public:
  // Values of value_size bytes, the sequence fixed by seed.
  ValueGenerator(size_t value_size, uint64_t seed);
  // The next value; the view stays valid as long as the generator.
  std::string_view Next();

 private:
  size_t value_size_;
  std::string data_;
  size_t position_ = 0;
};

}  // namespace strata::bench

#endif  // STRATA_BENCH_DATA_H_
