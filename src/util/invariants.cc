// InvariantFailed; see invariants.h.

#include "util/invariants.h"

#include <cstdio>
#include <cstdlib>

namespace strata {

void InvariantFailed(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "invariant failed: %s at %s:%d\n", condition, file, line);
  std::fflush(stderr);
  std::abort();
}

}  // namespace strata
