// ElementGcFilter: the compaction filter (include/strata/compaction_filter.h)
// that collects collections' garbage. A collection's elements are keyed by
// (user key, version) (metadata.h); DEL, an overwrite, RENAME or the expiry
// of a collection only rewrite its metadata record, which leaves the
// elements of the old version behind. The filter drops an element when the
// key's CURRENT metadata record is missing, expired, or names another
// version: no read can reach that element again, because versions are never
// reused (metadata.h, invariant 2) and a missing or expired key only comes
// back as a new collection with a new version.
//
// What it never drops: any key outside the element range ('m' metadata,
// '\x01' server records); an element whose key it cannot parse; an element
// while it cannot read the metadata (no DB yet, or a read error). A version a
// live snapshot can see is never shown to a filter (the engine's invariant
// 2), so snapshot reads are unchanged.
//
// It reads the DB from inside compaction and flush (DB::Get of one metadata
// record); the engine allows reads from a filter (compaction_filter.h).
// The last decision is remembered per thread with its (key, version), so
// the further elements of a collection (adjacent in key order) skip the
// read: a "drop" for good (it is final), a "keep" only within the same
// flush or compaction (Context::job_id), since the key may be deleted a
// moment later; the next job reads again. Keeping garbage a little longer
// is always safe.
//
// Thread-safety: Filter is const and safe from any number of threads;
// SetDb may race with it (an atomic pointer).

#ifndef STRATA_SERVER_ELEMENT_GC_H_
#define STRATA_SERVER_ELEMENT_GC_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "strata/compaction_filter.h"
#include "strata/db.h"

namespace strata::server {

class ElementGcFilter : public CompactionFilter {
 public:
  // `now_ms` is the clock expiry is judged by (NowMs by default; tests pass
  // their own).
  explicit ElementGcFilter(uint64_t (*now_ms)() = nullptr);

  // The DB whose metadata the filter reads, once it is open; until then
  // (and after SetDb(nullptr), before the DB closes) it keeps everything.
  // `db` is not owned.
  void SetDb(DB* db) { db_.store(db, std::memory_order_release); }

  const char* Name() const override { return "strata-server.ElementGc"; }
  Decision Filter(const Context& context, std::string_view key, std::string_view value,
                  std::string* new_value) const override;

  // Splits an element key 's' be32(len) user_key be64(version) subkey.
  // Returns false if `key` is not a well-formed element key; else sets
  // *user_key, *version and *prefix_len (the bytes up to the subkey).
  static bool ParseElementKey(std::string_view key, std::string_view* user_key, uint64_t* version,
                              size_t* prefix_len);

 private:
  std::atomic<DB*> db_{nullptr};
  uint64_t (*const now_ms_)();
  const uint64_t id_;  // tells this filter's cached decisions from another's
};

}  // namespace strata::server

#endif  // STRATA_SERVER_ELEMENT_GC_H_
