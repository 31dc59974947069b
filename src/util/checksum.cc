// Checksum32 over XXH3; see checksum.h.

#include "util/checksum.h"

// XXH_STATIC_LINKING_ONLY exposes XXH3_state_t so the state can live on the
// stack instead of being allocated for every checksum.
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

namespace strata {

uint32_t Checksum32(std::string_view a, std::string_view b) {
  if (b.empty()) return static_cast<uint32_t>(XXH3_64bits(a.data(), a.size()));
  XXH3_state_t state;
  XXH3_64bits_reset(&state);
  XXH3_64bits_update(&state, a.data(), a.size());
  XXH3_64bits_update(&state, b.data(), b.size());
  return static_cast<uint32_t>(XXH3_64bits_digest(&state));
}

}  // namespace strata
