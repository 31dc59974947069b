// Bloom filter with double hashing; see bloom_filter.h.

#include "sstable/bloom_filter.h"

#include <xxhash.h>

#include <algorithm>
#include <cassert>
#include <cmath>

namespace strata {

namespace {

constexpr int kMinProbes = 1;
constexpr int kMaxProbes = 30;
// Tiny arrays would make every probe of a few keys collide.
constexpr uint64_t kMinBits = 64;

// One 64-bit hash per key, from which double hashing derives every probe.
// Not util's Checksum32, which keeps only 32 bits.
uint64_t BloomHash(std::string_view key) { return XXH3_64bits(key.data(), key.size()); }

// Calls visit(byte_index, bit_mask) for each of the k bits of hash h in an
// array of num_bits bits, stopping early if visit returns false. Returns
// whether every visit returned true.
template <typename Visit>
bool ForEachProbe(uint64_t h, uint64_t num_bits, int num_probes, Visit visit) {
  const uint64_t b = ((h << 32) | (h >> 32)) | 1;
  uint64_t x = h;
  for (int i = 0; i < num_probes; i++, x += b) {
    // Maps x uniformly onto [0, num_bits) without a division.
    const auto bit = static_cast<uint64_t>((static_cast<unsigned __int128>(x) * num_bits) >> 64);
    if (!visit(static_cast<size_t>(bit / 8), static_cast<uint8_t>(1u << (bit % 8)))) return false;
  }
  return true;
}

}  // namespace

BloomFilterBuilder::BloomFilterBuilder(int bits_per_key)
    : bits_per_key_(bits_per_key),
      num_probes_(std::clamp(static_cast<int>(std::lround(bits_per_key * std::log(2.0))),
                             kMinProbes, kMaxProbes)) {
  assert(bits_per_key >= 1);
}

void BloomFilterBuilder::AddKey(std::string_view key) { hashes_.push_back(BloomHash(key)); }

std::string BloomFilterBuilder::Finish() const {
  uint64_t bits = static_cast<uint64_t>(hashes_.size()) * bits_per_key_;
  if (!hashes_.empty()) bits = std::max(bits, kMinBits);
  const uint64_t bytes = (bits + 7) / 8;
  std::string filter(static_cast<size_t>(bytes), '\0');
  for (uint64_t h : hashes_) {
    ForEachProbe(h, bytes * 8, num_probes_, [&filter](size_t byte, uint8_t mask) {
      filter[byte] = static_cast<char>(static_cast<uint8_t>(filter[byte]) | mask);
      return true;
    });
  }
  filter.push_back(static_cast<char>(num_probes_));
  return filter;
}

BloomFilterReader::BloomFilterReader(std::string contents, int num_probes)
    : contents_(std::move(contents)),
      num_bits_(static_cast<uint64_t>(contents_.size() - 1) * 8),
      num_probes_(num_probes) {}

Status BloomFilterReader::Parse(std::string contents, std::unique_ptr<BloomFilterReader>* reader) {
  if (contents.empty()) return Status::Corruption("empty bloom filter block");
  const int num_probes = static_cast<uint8_t>(contents.back());
  if (num_probes < kMinProbes || num_probes > kMaxProbes) {
    return Status::Corruption("bad bloom filter probe count");
  }
  reader->reset(new BloomFilterReader(std::move(contents), num_probes));
  return Status::OK();
}

namespace {

bool ProbeBits(const char* data, uint64_t num_bits, int num_probes, std::string_view key) {
  if (num_bits == 0) return false;
  const auto* bits = reinterpret_cast<const uint8_t*>(data);
  return ForEachProbe(BloomHash(key), num_bits, num_probes,
                      [bits](size_t byte, uint8_t mask) { return (bits[byte] & mask) != 0; });
}

}  // namespace

bool BloomFilterReader::KeyMayMatch(std::string_view key) const {
  return ProbeBits(contents_.data(), num_bits_, num_probes_, key);
}

bool BloomFilterMayMatch(std::string_view filter, std::string_view key) {
  if (filter.empty()) return true;
  const int num_probes = static_cast<uint8_t>(filter.back());
  if (num_probes < kMinProbes || num_probes > kMaxProbes) return true;
  return ProbeBits(filter.data(), static_cast<uint64_t>(filter.size() - 1) * 8, num_probes, key);
}

}  // namespace strata
