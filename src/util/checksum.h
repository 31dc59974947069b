// The project's one checksum: the low 32 bits of XXH3-64 (libxxhash) over the
// concatenation of up to two byte ranges. Records and blocks checksum their
// type byte together with their payload, so a flipped type is caught too.
// docs/FORMAT.md names this function "checksum32".
//
// Thread-safety: pure function.

#ifndef STRATA_UTIL_CHECKSUM_H_
#define STRATA_UTIL_CHECKSUM_H_

#include <cstdint>
#include <string_view>

namespace strata {

uint32_t Checksum32(std::string_view a, std::string_view b = {});

}  // namespace strata

#endif  // STRATA_UTIL_CHECKSUM_H_
