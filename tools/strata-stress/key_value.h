// The keys and values of a stress run.
//
// Key i is the same bytes in every run: 8 hex digits of i, then 0 to 5
// suffix bytes (NUL and 0xFF among them), so keys vary in length, hold binary
// bytes, and still sort in the order of i. The value a put of key i at
// generation g stores is a pure function of (i, g) that starts with both, so
// a reader holding only a value can tell whose it is, which write made it,
// and whether any byte of it is wrong. Values run from 8 bytes to 16 KiB,
// half a repeated byte (compressible) and half pseudo-random.
//
// Thread-safety: pure functions.

#ifndef STRATA_TOOLS_STRATA_STRESS_KEY_VALUE_H_
#define STRATA_TOOLS_STRATA_STRESS_KEY_VALUE_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace strata::stress {

std::string KeyOf(uint32_t index);
// Sets *index and returns true if key is exactly KeyOf(*index).
bool ParseKey(std::string_view key, uint32_t* index);

std::string ValueOf(uint32_t index, uint32_t generation);
// Sets *index and *generation from value's header and returns true if value
// is exactly ValueOf(*index, *generation).
bool ParseValue(std::string_view value, uint32_t* index, uint32_t* generation);

// For messages: "key 0x12 (0000000c\x00)", "value of key 12 gen 7 (150 bytes)",
// or the first bytes of a value that is none of ours, escaped.
std::string DescribeKey(std::string_view key);
std::string DescribeValue(std::string_view value);

}  // namespace strata::stress

#endif  // STRATA_TOOLS_STRATA_STRESS_KEY_VALUE_H_
