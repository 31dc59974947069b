// The bytewise Comparator (include/strata/comparator.h): unsigned bytes,
// lexicographic. Its separator and successor shorten index keys the way the
// table builder's own bytewise helpers do. Also InternalKeyComparator's out-of-
// line path for custom comparators.
//
// Thread-safety: the singleton is immutable.

#include "strata/comparator.h"

#include <algorithm>
#include <cstdint>

#include "util/internal_key.h"

namespace strata {

Comparator::~Comparator() = default;

namespace {

class BytewiseComparatorImpl final : public Comparator {
 public:
  int Compare(std::string_view a, std::string_view b) const override { return a.compare(b); }

  const char* Name() const override { return "strata.BytewiseComparator"; }

  void FindShortestSeparator(std::string* start, std::string_view limit) const override {
    const size_t min_length = std::min(start->size(), limit.size());
    size_t diff = 0;
    while (diff < min_length && (*start)[diff] == limit[diff]) diff++;
    if (diff >= min_length) return;  // one is a prefix of the other
    const auto byte = static_cast<uint8_t>((*start)[diff]);
    if (byte < 0xff && byte + 1 < static_cast<uint8_t>(limit[diff])) {
      (*start)[diff] = static_cast<char>(byte + 1);
      start->resize(diff + 1);
    }
  }

  void FindShortSuccessor(std::string* key) const override {
    for (size_t i = 0; i < key->size(); i++) {
      const auto byte = static_cast<uint8_t>((*key)[i]);
      if (byte != 0xff) {
        (*key)[i] = static_cast<char>(byte + 1);
        key->resize(i + 1);
        return;
      }
    }
    // All 0xff: leave it unchanged.
  }
};

}  // namespace

const Comparator* BytewiseComparator() {
  static const BytewiseComparatorImpl singleton;
  return &singleton;
}

int InternalKeyComparator::CompareWithUserComparator(std::string_view a, std::string_view b) const {
  int r = user_->Compare(ExtractUserKey(a), ExtractUserKey(b));
  if (r != 0) return r;
  return CompareTrailers(a, b);
}

}  // namespace strata
