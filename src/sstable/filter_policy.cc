// The built-in bloom filter behind the public FilterPolicy interface
// (include/strata/filter_policy.h). Tables built with it are the same bytes
// as tables built with Options::bloom_bits_per_key; the table layer
// recognizes it by name and keeps its own fast path.
//
// Thread-safety: the policy is immutable.

#include "strata/filter_policy.h"

#include <algorithm>

#include "sstable/bloom_filter.h"
#include "sstable/filter_policy_internal.h"

namespace strata {

FilterPolicy::~FilterPolicy() = default;

namespace {

class BuiltinBloomFilterPolicy final : public FilterPolicy {
 public:
  explicit BuiltinBloomFilterPolicy(int bits_per_key) : bits_per_key_(std::max(bits_per_key, 1)) {}

  const char* Name() const override { return "strata.BuiltinBloomFilter"; }

  void CreateFilter(const std::string_view* keys, int n, std::string* dst) const override {
    BloomFilterBuilder builder(bits_per_key_);
    for (int i = 0; i < n; i++) builder.AddKey(keys[i]);
    dst->append(builder.Finish());
  }

  bool KeyMayMatch(std::string_view key, std::string_view filter) const override {
    return BloomFilterMayMatch(filter, key);
  }

  int bits_per_key() const { return bits_per_key_; }

 private:
  const int bits_per_key_;
};

}  // namespace

int BuiltinBloomBitsPerKey(const FilterPolicy& policy) {
  const auto* builtin = dynamic_cast<const BuiltinBloomFilterPolicy*>(&policy);
  return builtin == nullptr ? 0 : builtin->bits_per_key();
}

const FilterPolicy* NewBloomFilterPolicy(int bits_per_key) {
  return new BuiltinBloomFilterPolicy(bits_per_key);
}

}  // namespace strata
