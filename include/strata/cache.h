// Cache: a block cache that several DBs can share (Options::block_cache).
//
// It holds uncompressed SSTable blocks and, for DBs opened with a
// memory_budget, their tables' index and filter blocks and a reservation for
// their memtables; least recently used entries are evicted to stay within
// the capacity. Each DB names its entries with an id of its own, so DBs
// sharing a cache never read each other's blocks, whatever their file
// numbers.
//
// Thread-safety: every method may be called from any thread. The cache lives
// as long as its last shared_ptr: a DB keeps one while open.

#ifndef STRATA_CACHE_H_
#define STRATA_CACHE_H_

#include <cstddef>
#include <memory>

#include "strata/export.h"

namespace strata {

class Cache;
class LRUCache;
struct CacheAccess;

// A new cache of `capacity` bytes, sharded, with least-recently-used
// eviction that a long scan cannot flush the frequently read blocks out of.
STRATA_EXPORT std::shared_ptr<Cache> NewLRUCache(size_t capacity);

class STRATA_EXPORT Cache {
 public:
  ~Cache();
  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;

  // The bytes the cache holds before it evicts.
  size_t capacity() const;
  // The bytes charged now: cached blocks plus memtable reservations. May
  // exceed capacity() only by what is pinned (blocks in use by reads).
  size_t usage() const;

 private:
  friend struct CacheAccess;
  friend std::shared_ptr<Cache> NewLRUCache(size_t capacity);
  explicit Cache(size_t capacity);

  const std::unique_ptr<LRUCache> impl_;
};

}  // namespace strata

#endif  // STRATA_CACHE_H_
