// The project's one checksum: the low 32 bits of XXH3-64 (libxxhash) over the
// concatenation of up to two byte ranges. Records and blocks checksum their
// type byte together with their payload, so a flipped type is caught too.
// docs/FORMAT.md names this function "checksum32".
// Checksum64 is the full XXH3-64 over a stream fed in pieces, for whole files
// (backups record one per file; docs/FORMAT.md calls it "xxh3_64").
//
// Thread-safety: Checksum32 is a pure function; a Checksum64 is used by one
// thread at a time.

#ifndef STRATA_UTIL_CHECKSUM_H_
#define STRATA_UTIL_CHECKSUM_H_

#include <cstdint>
#include <memory>
#include <string_view>

struct XXH3_state_s;

namespace strata {

uint32_t Checksum32(std::string_view a, std::string_view b = {});

class Checksum64 {
 public:
  Checksum64();
  ~Checksum64();
  Checksum64(const Checksum64&) = delete;
  Checksum64& operator=(const Checksum64&) = delete;

  void Update(std::string_view data);
  // XXH3-64 of everything passed to Update so far.
  uint64_t Digest() const;

 private:
  struct Free {
    void operator()(XXH3_state_s* state) const;
  };
  std::unique_ptr<XXH3_state_s, Free> state_;
};

}  // namespace strata

#endif  // STRATA_UTIL_CHECKSUM_H_
