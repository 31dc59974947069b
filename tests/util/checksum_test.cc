// Checksum32 (util/checksum.h): the low 32 bits of XXH3-64 over the two
// ranges side by side, whichever way it computes them (ranges adjacent in
// memory hashed as one, small ones joined and hashed in one call, larger ones
// streamed). docs/FORMAT.md's
// checksum32 is this value; a change here would make every file unreadable.

#include "util/checksum.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <string>

#include "util/random.h"

namespace strata {
namespace {

uint32_t Reference(const std::string& joined) {
  return static_cast<uint32_t>(XXH3_64bits(joined.data(), joined.size()));
}

TEST(ChecksumTest, TwoRangesHashAsTheirConcatenationAtEverySize) {
  Random rnd(301);
  // Around the joined path's limit (512) and XXH3's own size classes (16,
  // 128, 240 bytes), with the first range empty, one byte, or longer.
  for (size_t total : {0, 1, 3, 16, 17, 100, 128, 129, 240, 241, 511, 512, 513, 600, 4097}) {
    std::string joined;
    for (size_t i = 0; i < total; i++) joined.push_back(static_cast<char>(rnd.Uniform(256)));
    for (size_t split : {size_t{0}, size_t{1}, total / 2, total}) {
      if (split > total) continue;
      // Adjacent in memory (a mapped block and its trailer), and apart.
      std::string_view a(joined.data(), split);
      std::string_view b(joined.data() + split, total - split);
      EXPECT_EQ(Checksum32(a, b), Reference(joined)) << "total " << total << " split " << split;
      const std::string a_copy(a);
      const std::string b_copy(b);
      EXPECT_EQ(Checksum32(a_copy, b_copy), Reference(joined))
          << "apart: total " << total << " split " << split;
    }
  }
}

TEST(ChecksumTest, KnownValueOfAWalFragmentHeader) {
  // A full-record fragment (type 1) holding "abc": XXH3-64 of "\x01abc".
  EXPECT_EQ(Checksum32("\x01", "abc"), 0xc76eaa99u);
  EXPECT_NE(Checksum32("\x01", "abc"), Checksum32("\x02", "abc"));
  EXPECT_NE(Checksum32("\x01", "abc"), Checksum32("\x01", "abd"));
}

}  // namespace
}  // namespace strata
