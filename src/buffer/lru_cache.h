// LRUCache: the buffer pool. A sharded LRU cache mapping byte-string keys to
// values the caller allocates, each charged against a byte capacity. SSTable
// blocks are cached under (cache id, file number, block offset) and open table
// readers under their file number, so both share one memory budget policy.
//
// Sharing: several clients (the table caches of several DBs) may share one
// LRUCache. File numbers are unique only within a DB, so each client takes an id
// from NewId() and prefixes its keys with it; without that, two DBs' table
// 000005.sst would read each other's blocks.
//
// Pinning: Insert and Lookup return a Handle that pins its entry; a pinned
// entry is never evicted or freed. Release unpins. An entry replaced or erased
// while pinned stays alive, out of the cache, until its last handle is
// released; then its deleter runs.
//
// Scan resistance: each shard splits its LRU list into a probationary and a
// protected segment (at most 80% of the shard). New entries enter probation
// (the midpoint); a Lookup hit, the entry's second use after its Insert,
// promotes it to the protected segment, so one long scan of blocks used once
// can evict only probationary entries, never the hot set.
//
// Read-ahead: InsertAhead puts in an entry that nobody has used yet (a block
// read ahead of a scan). Its first Lookup hit is its first use, not its
// second, so it stays in probation: blocks read ahead for a scan are as
// evictable as those the scan reads itself.
//
// Reservations: Reserve charges bytes that are no entry at all (the
// memtables' arenas, when a DB has a memory budget), so that the entries make
// room for them. A reservation is split evenly over the shards rather than
// inserted as dummy entries: a dummy entry lands on the shard its key hashes
// to, and a shard full of pinned dummies exceeds its own capacity while the
// others stay full, so the cache as a whole would exceed its capacity. With
// even slices, usage (entries plus reservations) stays within capacity as
// long as the reservations and pinned entries fit.
//
// Thread-safety: all methods may be called concurrently; each shard has its
// own mutex, and reservations take reserve_mu_ too. Statistics are relaxed
// atomics (they are only reported).

#ifndef STRATA_BUFFER_LRU_CACHE_H_
#define STRATA_BUFFER_LRU_CACHE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <utility>

#include "strata/cache.h"

namespace strata {

class LRUCache {
 public:
  // Opaque pinned reference to an entry.
  struct Handle;
  // Frees a value when its entry leaves the cache and is unpinned.
  using Deleter = void (*)(std::string_view key, void* value);

  // What an entry holds, for the usage figures only: eviction treats every
  // kind alike.
  enum class Kind : uint8_t { kData, kIndexAndFilter };

  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t inserts = 0;
    uint64_t evictions = 0;
    size_t usage = 0;               // bytes charged by every entry and reservation
    size_t pinned_usage = 0;        // bytes charged by entries currently pinned
    size_t index_filter_usage = 0;  // bytes charged by Kind::kIndexAndFilter entries
    size_t reserved = 0;            // bytes of reservations (see Reserve)
    size_t capacity = 0;
  };

  // capacity: total charge (bytes) the cache holds before evicting.
  // shard_bits: 2^shard_bits shards; negative picks a default from capacity.
  explicit LRUCache(size_t capacity, int shard_bits = -1);
  // REQUIRES: every handle released.
  ~LRUCache();
  LRUCache(const LRUCache&) = delete;
  LRUCache& operator=(const LRUCache&) = delete;

  // Inserts key -> value with `charge` bytes and returns a handle pinning it.
  // Replaces any entry with the same key. If the cache cannot make room
  // because the rest is pinned, the entry is still returned pinned and is
  // freed when released (the cache may exceed its capacity by pinned bytes).
  Handle* Insert(std::string_view key, void* value, size_t charge, Deleter deleter,
                 Kind kind = Kind::kData);
  // The pinned entry for key, or nullptr. Counts a hit or a miss.
  Handle* Lookup(std::string_view key);
  // Whether key has an entry. Counts no hit or miss and leaves the entry's
  // place in the LRU order as it was.
  bool Contains(std::string_view key);
  // Inserts key -> value unpinned, as not yet used (see Read-ahead above),
  // unless key already has an entry: then nothing changes and value is
  // deleted at once. Either way the cache owns value. Returns whether it was
  // inserted.
  bool InsertAhead(std::string_view key, void* value, size_t charge, Deleter deleter);
  // Unpins. REQUIRES: handle came from this cache and is released once.
  void Release(Handle* handle);
  // REQUIRES: handle not yet released.
  void* Value(Handle* handle) const;
  // Removes key's entry; it is freed once unpinned.
  void Erase(std::string_view key);
  // Evicts every unpinned entry.
  void Prune();
  // A new id, distinct from every other this cache returned (1, 2, ...), for
  // a client to prefix its keys with so that clients sharing the cache never
  // see each other's entries.
  uint64_t NewId();

  // Charges bytes to the cache without an entry, evicting unpinned entries
  // to make room; Unreserve gives them back. Each shard carries an equal
  // slice of the cache's total reservation. REQUIRES for Unreserve: at most
  // what was reserved and not yet given back.
  void Reserve(size_t bytes);
  void Unreserve(size_t bytes);

  size_t Capacity() const;
  Stats GetStats() const;

 private:
  class Shard;
  Shard* ShardFor(std::string_view key, uint32_t* hash) const;
  // Gives every shard its slice of reserved_. REQUIRES: reserve_mu_ held.
  void SpreadReservation();

  int shard_bits_;
  size_t capacity_;  // as given; the shards' capacities add up to it
  std::unique_ptr<Shard[]> shards_;
  // Relaxed: ids need only be distinct, they order no other memory.
  std::atomic<uint64_t> last_id_{0};
  // Serializes reservation changes, so the shards' slices always add up to
  // the latest total.
  mutable std::mutex reserve_mu_;
  size_t reserved_ = 0;  // guarded by reserve_mu_
};

// Owns one pin of a cache entry: releases the handle when destroyed.
class CacheHandleRef {
 public:
  CacheHandleRef(LRUCache* cache, LRUCache::Handle* handle) : cache_(cache), handle_(handle) {}
  CacheHandleRef(CacheHandleRef&& other) noexcept
      : cache_(other.cache_), handle_(std::exchange(other.handle_, nullptr)) {}
  CacheHandleRef& operator=(CacheHandleRef&&) = delete;
  CacheHandleRef(const CacheHandleRef&) = delete;
  CacheHandleRef& operator=(const CacheHandleRef&) = delete;
  ~CacheHandleRef() {
    if (handle_ != nullptr) cache_->Release(handle_);
  }
  void* value() const { return cache_->Value(handle_); }

 private:
  LRUCache* cache_;
  LRUCache::Handle* handle_;
};

// The engine's way into a public Cache handle.
struct CacheAccess {
  static LRUCache* Get(const Cache& cache) { return cache.impl_.get(); }
};

// One client's reservation in an LRUCache (see LRUCache::Reserve), kept at a
// target rounded up to whole units, so that a target growing a little at a
// time (a memtable, write by write) changes the cache only once per unit.
// The destructor gives the whole reservation back.
//
// Thread-safety: none; the owner serializes its calls (a DB makes them with
// its mutex held).
class CacheReservation {
 public:
  static constexpr size_t kUnit = size_t{256} << 10;

  explicit CacheReservation(LRUCache* cache) : cache_(cache) {}
  ~CacheReservation() { Update(0); }
  CacheReservation(const CacheReservation&) = delete;
  CacheReservation& operator=(const CacheReservation&) = delete;

  // Reserves bytes, rounded up to a multiple of kUnit, instead of what was
  // reserved before.
  void Update(size_t bytes) {
    const size_t target = (bytes + kUnit - 1) / kUnit * kUnit;
    if (target > reserved_) cache_->Reserve(target - reserved_);
    if (target < reserved_) cache_->Unreserve(reserved_ - target);
    reserved_ = target;
  }
  size_t reserved() const { return reserved_; }

 private:
  LRUCache* const cache_;
  size_t reserved_ = 0;
};

}  // namespace strata

#endif  // STRATA_BUFFER_LRU_CACHE_H_
