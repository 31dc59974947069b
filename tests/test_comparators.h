// Custom key orders shared by the tests of Options::comparator (kept out of
// test_util.h, which tests linking only libstrata-leveldb include too).
//
// Thread-safety: the comparators are stateless, except CountingBytewise,
// whose count is for one thread.

#ifndef STRATA_TESTS_TEST_COMPARATORS_H_
#define STRATA_TESTS_TEST_COMPARATORS_H_

#include <string>
#include <string_view>

#include "strata/comparator.h"

namespace strata::test {

// Bytewise order reversed, for tests of a custom Options::comparator. Its
// helpers really shorten (in reverse order a shorter prefix of a key sorts
// after it), so index separators are made by the comparator, not left alone.
class ReverseBytewiseComparator final : public Comparator {
 public:
  int Compare(std::string_view a, std::string_view b) const override { return b.compare(a); }
  const char* Name() const override { return "test.ReverseBytewise"; }

  // In reverse order start < limit means start > limit bytewise: a prefix of
  // start that is still bytewise greater than limit lies between them.
  void FindShortestSeparator(std::string* start, std::string_view limit) const override {
    size_t diff = 0;
    while (diff < start->size() && diff < limit.size() && (*start)[diff] == limit[diff]) diff++;
    if (diff < start->size()) start->resize(diff + 1);
  }
  // Any prefix of key sorts at or after it in reverse order.
  void FindShortSuccessor(std::string* key) const override {
    if (key->size() > 1) key->resize(1);
  }
};

// Bytewise, counting its comparisons. Not BytewiseComparator(), which the
// engine compares inline (and a memtable over it gets a hash index), so
// every comparison goes through here and is counted.
class CountingBytewise final : public Comparator {
 public:
  int Compare(std::string_view a, std::string_view b) const override {
    count++;
    return a.compare(b);
  }
  const char* Name() const override { return "test.CountingBytewise"; }
  void FindShortestSeparator(std::string*, std::string_view) const override {}
  void FindShortSuccessor(std::string*) const override {}
  mutable int count = 0;
};

}  // namespace strata::test

#endif  // STRATA_TESTS_TEST_COMPARATORS_H_
