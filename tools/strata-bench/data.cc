// Keys and values: see data.h.

#include "data.h"

#include <algorithm>
#include <limits>

#include "distributions.h"

namespace strata::bench {

namespace {

constexpr size_t kValueBufferSize = 1 << 20;
constexpr size_t kPieceSize = 100;
constexpr double kCompressionRatio = 0.5;

}  // namespace

uint64_t MaxItemsForKeySize(int key_size) {
  uint64_t max = 1;
  for (int i = 0; i < key_size; i++) {
    if (max > std::numeric_limits<uint64_t>::max() / 10)
      return std::numeric_limits<uint64_t>::max();
    max *= 10;
  }
  return max;
}

void FormatKey(uint64_t item, int key_size, char* buf) {
  for (int i = key_size - 1; i >= 0; i--) {
    buf[i] = static_cast<char>('0' + item % 10);
    item /= 10;
  }
}

ValueGenerator::ValueGenerator(size_t value_size, uint64_t seed) : value_size_(value_size) {
  Rng rng(seed);
  size_t size = std::max(kValueBufferSize, value_size);
  data_.reserve(size + kPieceSize);
  std::string piece;
  while (data_.size() < size) {
    // kPieceSize bytes: a random half, then that half repeated.
    size_t random_bytes = std::max<size_t>(1, static_cast<size_t>(kPieceSize * kCompressionRatio));
    piece.clear();
    for (size_t i = 0; i < random_bytes; i++)
      piece.push_back(static_cast<char>(' ' + rng.Uniform(95)));
    while (piece.size() < kPieceSize) piece.append(piece, 0, kPieceSize - piece.size());
    data_ += piece;
  }
}

std::string_view ValueGenerator::Next() {
  if (position_ + value_size_ > data_.size()) position_ = 0;
  std::string_view value(data_.data() + position_, value_size_);
  position_ += value_size_;
  return value;
}

}  // namespace strata::bench
