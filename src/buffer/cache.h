// Cache: the buffer pool. A sharded LRU cache mapping byte-string keys to
// values the caller allocates, each charged against a byte capacity. SSTable
// blocks are cached under (cache id, file number, block offset) and open table
// readers under their file number, so both share one memory budget policy.
//
// Sharing: several clients (the table caches of several DBs) may share one
// Cache. File numbers are unique only within a DB, so each client takes an id
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
// Thread-safety: all methods may be called concurrently; each shard has its
// own mutex. Statistics are relaxed atomics (they are only reported).

#ifndef STRATA_BUFFER_CACHE_H_
#define STRATA_BUFFER_CACHE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>

namespace strata {

class Cache {
 public:
  // Opaque pinned reference to an entry.
  struct Handle;
  // Frees a value when its entry leaves the cache and is unpinned.
  using Deleter = void (*)(std::string_view key, void* value);

  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t inserts = 0;
    uint64_t evictions = 0;
    size_t usage = 0;         // bytes charged by every entry in the cache
    size_t pinned_usage = 0;  // bytes charged by entries currently pinned
    size_t capacity = 0;
  };

  // capacity: total charge (bytes) the cache holds before evicting.
  // shard_bits: 2^shard_bits shards; negative picks a default from capacity.
  explicit Cache(size_t capacity, int shard_bits = -1);
  // REQUIRES: every handle released.
  ~Cache();
  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;

  // Inserts key -> value with `charge` bytes and returns a handle pinning it.
  // Replaces any entry with the same key. If the cache cannot make room
  // because the rest is pinned, the entry is still returned pinned and is
  // freed when released (the cache may exceed its capacity by pinned bytes).
  Handle* Insert(std::string_view key, void* value, size_t charge, Deleter deleter);
  // The pinned entry for key, or nullptr. Counts a hit or a miss.
  Handle* Lookup(std::string_view key);
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

  size_t Capacity() const;
  Stats GetStats() const;

 private:
  class Shard;
  Shard* ShardFor(std::string_view key, uint32_t* hash) const;

  int shard_bits_;
  size_t capacity_;  // as given; the shards' capacities add up to it
  std::unique_ptr<Shard[]> shards_;
  // Relaxed: ids need only be distinct, they order no other memory.
  std::atomic<uint64_t> last_id_{0};
};

// Owns one pin of a cache entry: releases the handle when destroyed.
class CacheHandleRef {
 public:
  CacheHandleRef(Cache* cache, Cache::Handle* handle) : cache_(cache), handle_(handle) {}
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
  Cache* cache_;
  Cache::Handle* handle_;
};

}  // namespace strata

#endif  // STRATA_BUFFER_CACHE_H_
