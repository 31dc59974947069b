// Snapshot: an immutable, consistent view of the database at one moment.
//
// A snapshot is created by DB::GetSnapshot() and must be released with
// DB::ReleaseSnapshot() before the DB is destroyed. Reads given a snapshot see
// exactly the writes acknowledged before it was taken.
//
// Thread-safety: a Snapshot is immutable and may be shared between threads.

#ifndef STRATA_SNAPSHOT_H_
#define STRATA_SNAPSHOT_H_

#include "strata/export.h"

namespace strata {

class STRATA_EXPORT Snapshot {
 protected:
  virtual ~Snapshot() = default;
};

}  // namespace strata

#endif  // STRATA_SNAPSHOT_H_
