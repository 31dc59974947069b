// LRUCache: the sharded, scan-resistant LRU buffer pool declared in lru_cache.h.
//
// Layout. A key's shard is picked by the top shard_bits of Checksum32(key);
// each shard holds 1/2^shard_bits of the capacity. A shard owns
//   - a chained hash table from key to entry (HandleTable), and
//   - two intrusive, circular, doubly linked LRU lists with dummy heads:
//     probation (new and demoted entries) and protected (entries hit by a
//     Lookup). head.next is the least recently used end, head.prev the most.
// An entry is a LRUCache::Handle; its key is copied into the same allocation,
// right after the struct, because the caller's key need not outlive Insert.
//
// Policy (segmented LRU). Insert puts an entry in probation. A Lookup hit on a
// probationary entry promotes it to protected, except the first hit on an
// entry InsertAhead put in (awaiting_use): that is its first use, so it
// only clears the mark. The protected list holds at
// most 4/5 of the shard's capacity; its overflow is demoted, least recently
// used first, to the most recently used end of probation. Eviction takes
// probation's least recently used entry first and protected's only when
// probation is empty, so a scan of keys seen once cycles through probation
// and cannot evict a hot set that fits in the protected segment.
//
// Pinning. While pinned (refs > 0) an entry is on no list, so eviction cannot
// see it; the last Release puts it back on its segment's list, or frees it if
// it left the cache meanwhile (Erase, replacing Insert) or if the shard is
// over capacity (the cache could not make room for it while it was pinned).
//
// Invariants, per shard, whenever mu_ is not held:
//  1. An entry is in the table iff in_cache; usage_ sums their charges and
//     the shard's slice of the reservations, reserved_;
//     index_filter_usage_ sums the charges of those of Kind::kIndexAndFilter.
//  2. An entry is on a list iff in_cache && refs == 0, and it is on the list
//     its `segment` names. pinned_usage_ sums the charges of entries with
//     in_cache && refs > 0; protected_usage_ those on the protected list, and
//     protected_usage_ <= protected_capacity_.
//  3. usage_ <= capacity_, or both lists are empty (all that is left is
//     pinned). So with nothing pinned and reservations within capacity,
//     usage never exceeds capacity.
//  4. An entry is freed (deleter, then memory) exactly once, as soon as it is
//     neither in the cache nor pinned. Entries out of the cache but still
//     pinned count in neither usage_ nor pinned_usage_.
//
// Deleters run outside the shard mutex: entries to free are chained through
// `next` while locked and freed after unlocking, so a slow deleter does not
// stall the shard and a deleter that uses the cache does not deadlock.
//
// Thread-safety: every mutable Shard member, and every mutable field of the
// entries it owns, is guarded by the shard's mu_. An entry's key, value,
// charge, deleter and hash never change after Insert, so Value and Release
// read them without a lock. The statistics counters are relaxed atomics: they
// order nothing and are only reported.

#include "buffer/lru_cache.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cstring>
#include <new>

#include "util/checksum.h"
#include "util/mutex.h"
#include "util/thread_annotations.h"

namespace strata {

namespace {

enum class Segment : uint8_t { kProbation, kProtected };

// Default sharding: as many shards as keep each at least this large, so a
// shard still holds enough blocks for LRU order to mean something ...
constexpr size_t kMinDefaultShardCapacity = size_t{512} << 10;
// ... up to 16, which spreads lock contention across more threads than the
// engine runs.
constexpr int kMaxDefaultShardBits = 4;
// An explicit shard_bits beyond this is a mistake, not a tuning: it is
// clamped, rather than allocating millions of shards.
constexpr int kMaxShardBits = 20;

int ChooseShardBits(size_t capacity, int requested) {
  if (requested >= 0) return std::min(requested, kMaxShardBits);
  int bits = 0;
  while (bits < kMaxDefaultShardBits && (capacity >> (bits + 1)) >= kMinDefaultShardCapacity) {
    bits++;
  }
  return bits;
}

// Top bits pick the shard; HandleTable uses the low bits for its buckets.
uint32_t ShardIndex(uint32_t hash, int shard_bits) {
  return shard_bits == 0 ? 0 : hash >> (32 - shard_bits);
}

}  // namespace

struct LRUCache::Handle {
  // Const after Insert.
  void* value = nullptr;
  Deleter deleter = nullptr;
  size_t charge = 0;
  size_t key_size = 0;
  uint32_t hash = 0;
  LRUCache::Kind kind = LRUCache::Kind::kData;

  // Guarded by the owning shard's mu_.
  uint32_t refs = 0;  // handles held by callers
  bool in_cache = false;
  bool awaiting_use = false;  // from InsertAhead, not yet hit by a Lookup
  Segment segment = Segment::kProbation;
  Handle* next_hash = nullptr;  // chain in the shard's HandleTable
  Handle* prev = nullptr;       // LRU list links; `next` also chains entries to free
  Handle* next = nullptr;

  // The key bytes follow the struct in the same allocation (see NewHandle).
  std::string_view key() const { return {reinterpret_cast<const char*>(this + 1), key_size}; }
};

namespace {

using Handle = LRUCache::Handle;

Handle* NewHandle(std::string_view key, uint32_t hash, void* value, size_t charge,
                  LRUCache::Deleter deleter, LRUCache::Kind kind) {
  void* memory = ::operator new(sizeof(Handle) + key.size());
  Handle* e = new (memory) Handle;
  e->value = value;
  e->deleter = deleter;
  e->charge = charge;
  e->kind = kind;
  e->key_size = key.size();
  e->hash = hash;
  if (!key.empty()) std::memcpy(e + 1, key.data(), key.size());
  return e;
}

// Runs the deleter (a null deleter means the caller owns the value) and frees
// the entry.
void FreeHandle(Handle* e) {
  if (e->deleter != nullptr) e->deleter(e->key(), e->value);
  e->~Handle();
  ::operator delete(e);
}

// Entries that left the cache unpinned, collected under the shard mutex and
// freed, in the order they were added, after it is released. Linked through
// `next`, so collecting them allocates nothing.
class RetiredList {
 public:
  RetiredList() = default;
  RetiredList(const RetiredList&) = delete;
  RetiredList& operator=(const RetiredList&) = delete;
  // Callers free explicitly, after unlocking, so no deleter runs under a lock.
  ~RetiredList() { assert(head_ == nullptr); }

  // REQUIRES: e is out of the cache, unpinned and on no list.
  void Add(Handle* e) {
    e->prev = nullptr;
    e->next = nullptr;
    *tail_ = e;
    tail_ = &e->next;
  }

  // Runs the deleters. Call without holding any shard mutex.
  void FreeAll() {
    Handle* e = head_;
    head_ = nullptr;
    tail_ = &head_;
    while (e != nullptr) {
      Handle* next = e->next;
      FreeHandle(e);
      e = next;
    }
  }

 private:
  Handle* head_ = nullptr;
  Handle** tail_ = &head_;
};

void ListUnlink(Handle* e) {
  e->next->prev = e->prev;
  e->prev->next = e->next;
  e->prev = e->next = nullptr;
}

// Makes e the most recently used entry of the list headed by head.
void ListAppend(Handle* head, Handle* e) {
  e->next = head;
  e->prev = head->prev;
  e->prev->next = e;
  e->next->prev = e;
}

bool ListEmpty(const Handle* head) { return head->next == head; }

// A chained hash table of entries keyed by (hash, key), grown to keep the
// average chain at most one long. Not synchronized: the shard's mu_ guards it.
class HandleTable {
 public:
  HandleTable() { Resize(); }
  HandleTable(const HandleTable&) = delete;
  HandleTable& operator=(const HandleTable&) = delete;

  Handle* Lookup(std::string_view key, uint32_t hash) { return *FindPointer(key, hash); }

  // Inserts e and returns the entry with the same key it displaced, now out
  // of the table, or nullptr.
  Handle* Insert(Handle* e) {
    Handle** slot = FindPointer(e->key(), e->hash);
    Handle* old = *slot;
    e->next_hash = old == nullptr ? nullptr : old->next_hash;
    *slot = e;
    if (old == nullptr && ++elems_ > length_) Resize();
    return old;
  }

  // Removes and returns key's entry, or nullptr.
  Handle* Remove(std::string_view key, uint32_t hash) {
    Handle** slot = FindPointer(key, hash);
    Handle* e = *slot;
    if (e != nullptr) {
      *slot = e->next_hash;
      elems_--;
    }
    return e;
  }

  // Calls fn(e) for every entry; fn may free e.
  template <typename Fn>
  void ForEach(Fn fn) {
    for (size_t i = 0; i < length_; i++) {
      for (Handle* e = buckets_[i]; e != nullptr;) {
        Handle* next = e->next_hash;
        fn(e);
        e = next;
      }
    }
  }

 private:
  // The slot that points to key's entry, or the null slot ending its chain.
  Handle** FindPointer(std::string_view key, uint32_t hash) {
    Handle** slot = &buckets_[hash & (length_ - 1)];
    while (*slot != nullptr && ((*slot)->hash != hash || (*slot)->key() != key)) {
      slot = &(*slot)->next_hash;
    }
    return slot;
  }

  void Resize() {
    size_t new_length = 16;
    while (new_length < elems_) new_length *= 2;
    auto new_buckets = std::make_unique<Handle*[]>(new_length);
    for (size_t i = 0; i < length_; i++) {
      for (Handle* e = buckets_[i]; e != nullptr;) {
        Handle* next = e->next_hash;
        Handle** head = &new_buckets[e->hash & (new_length - 1)];
        e->next_hash = *head;
        *head = e;
        e = next;
      }
    }
    buckets_ = std::move(new_buckets);
    length_ = new_length;
  }

  size_t length_ = 0;  // a power of two
  size_t elems_ = 0;
  std::unique_ptr<Handle*[]> buckets_;
};

}  // namespace

// One independently locked part of the cache; see the file comment for its
// policy and invariants. Aligned so neighbouring shards' mutexes and counters
// do not share a cache line.
class alignas(64) LRUCache::Shard {
 public:
  Shard() {
    probation_head_.next = probation_head_.prev = &probation_head_;
    protected_head_.next = protected_head_.prev = &protected_head_;
  }
  // REQUIRES: every handle released.
  ~Shard() {
    table_.ForEach([](Handle* e) {
      assert(e->refs == 0);
      FreeHandle(e);
    });
  }
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  // Called once, by LRUCache's constructor, before the cache is shared.
  void SetCapacity(size_t capacity) EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    capacity_ = capacity;
    protected_capacity_ = capacity - capacity / 5;
  }

  Handle* Insert(std::string_view key, uint32_t hash, void* value, size_t charge, Deleter deleter,
                 Kind kind) EXCLUDES(mu_) {
    // Allocate and copy the key before locking, to keep the critical section short.
    Handle* e = NewHandle(key, hash, value, charge, deleter, kind);
    RetiredList retired;
    {
      MutexLock lock(&mu_);
      e->refs = 1;
      e->in_cache = true;
      usage_ += charge;
      if (kind == Kind::kIndexAndFilter) index_filter_usage_ += charge;
      pinned_usage_ += charge;
      Handle* old = table_.Insert(e);
      if (old != nullptr) LeaveCache(old, &retired);
      EvictToFit(&retired);
    }
    inserts_.fetch_add(1, std::memory_order_relaxed);
    retired.FreeAll();
    return e;
  }

  Handle* Lookup(std::string_view key, uint32_t hash) EXCLUDES(mu_) {
    Handle* e;
    {
      MutexLock lock(&mu_);
      e = table_.Lookup(key, hash);
      if (e != nullptr) {
        Pin(e);
        // Promotion takes effect when the entry returns to a list on Release.
        if (e->awaiting_use) {
          e->awaiting_use = false;
        } else {
          e->segment = Segment::kProtected;
        }
      }
    }
    (e != nullptr ? hits_ : misses_).fetch_add(1, std::memory_order_relaxed);
    return e;
  }

  bool Contains(std::string_view key, uint32_t hash) EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    return table_.Lookup(key, hash) != nullptr;
  }

  bool InsertAhead(std::string_view key, uint32_t hash, void* value, size_t charge, Deleter deleter)
      EXCLUDES(mu_) {
    Handle* e = NewHandle(key, hash, value, charge, deleter, Kind::kData);
    RetiredList retired;
    bool inserted = false;
    {
      MutexLock lock(&mu_);
      if (table_.Lookup(key, hash) == nullptr) {
        inserted = true;
        e->in_cache = true;
        e->awaiting_use = true;
        usage_ += charge;
        table_.Insert(e);
        AddToList(e);
        EvictToFit(&retired);
      }
    }
    if (inserted) {
      inserts_.fetch_add(1, std::memory_order_relaxed);
    } else {
      retired.Add(e);
    }
    retired.FreeAll();
    return inserted;
  }

  void Release(Handle* e) EXCLUDES(mu_) {
    RetiredList retired;
    {
      MutexLock lock(&mu_);
      assert(e->refs > 0);
      if (--e->refs > 0) return;
      if (!e->in_cache) {
        retired.Add(e);
      } else if (usage_ > capacity_) {
        // By invariant 3 everything else is pinned too: the cache could not
        // make room for this entry, so it goes now rather than overstaying.
        pinned_usage_ -= e->charge;
        table_.Remove(e->key(), e->hash);
        e->in_cache = false;
        usage_ -= e->charge;
        if (e->kind == Kind::kIndexAndFilter) index_filter_usage_ -= e->charge;
        retired.Add(e);
        evictions_.fetch_add(1, std::memory_order_relaxed);
      } else {
        pinned_usage_ -= e->charge;
        AddToList(e);
      }
    }
    retired.FreeAll();
  }

  void Erase(std::string_view key, uint32_t hash) EXCLUDES(mu_) {
    RetiredList retired;
    {
      MutexLock lock(&mu_);
      Handle* e = table_.Remove(key, hash);
      if (e != nullptr) LeaveCache(e, &retired);
    }
    retired.FreeAll();
  }

  // Sets this shard's slice of the cache's reservations, evicting unpinned
  // entries if it grew.
  void SetReserved(size_t bytes) EXCLUDES(mu_) {
    RetiredList retired;
    {
      MutexLock lock(&mu_);
      usage_ = usage_ - reserved_ + bytes;
      reserved_ = bytes;
      EvictToFit(&retired);
    }
    retired.FreeAll();
  }

  void Prune() EXCLUDES(mu_) {
    RetiredList retired;
    {
      MutexLock lock(&mu_);
      while (Handle* victim = OldestUnpinned()) Evict(victim, &retired);
    }
    retired.FreeAll();
  }

  // Adds this shard's figures to *stats.
  void AddStats(Stats* stats) const EXCLUDES(mu_) {
    stats->hits += hits_.load(std::memory_order_relaxed);
    stats->misses += misses_.load(std::memory_order_relaxed);
    stats->inserts += inserts_.load(std::memory_order_relaxed);
    stats->evictions += evictions_.load(std::memory_order_relaxed);
    MutexLock lock(&mu_);
    stats->usage += usage_;
    stats->pinned_usage += pinned_usage_;
    stats->index_filter_usage += index_filter_usage_;
  }

 private:
  Handle* ListHead(Segment segment) REQUIRES(mu_) {
    return segment == Segment::kProtected ? &protected_head_ : &probation_head_;
  }

  // Puts e, in the cache and just unpinned, at the most recently used end of
  // its segment, then demotes protected's overflow.
  void AddToList(Handle* e) REQUIRES(mu_) {
    ListAppend(ListHead(e->segment), e);
    if (e->segment != Segment::kProtected) return;
    protected_usage_ += e->charge;
    while (protected_usage_ > protected_capacity_) {
      Handle* oldest = protected_head_.next;
      RemoveFromList(oldest);
      oldest->segment = Segment::kProbation;
      ListAppend(&probation_head_, oldest);
    }
  }

  void RemoveFromList(Handle* e) REQUIRES(mu_) {
    ListUnlink(e);
    if (e->segment == Segment::kProtected) protected_usage_ -= e->charge;
  }

  void Pin(Handle* e) REQUIRES(mu_) {
    if (e->refs == 0) {
      RemoveFromList(e);
      pinned_usage_ += e->charge;
    }
    e->refs++;
  }

  // Accounts for e having just been removed from the table; frees it now if
  // unpinned, else on its last Release.
  void LeaveCache(Handle* e, RetiredList* retired) REQUIRES(mu_) {
    e->in_cache = false;
    usage_ -= e->charge;
    if (e->kind == Kind::kIndexAndFilter) index_filter_usage_ -= e->charge;
    if (e->refs > 0) {
      pinned_usage_ -= e->charge;
      return;
    }
    RemoveFromList(e);
    retired->Add(e);
  }

  // The next eviction victim: probation's least recently used entry, else
  // protected's, else nullptr (everything is pinned).
  Handle* OldestUnpinned() REQUIRES(mu_) {
    if (!ListEmpty(&probation_head_)) return probation_head_.next;
    if (!ListEmpty(&protected_head_)) return protected_head_.next;
    return nullptr;
  }

  void Evict(Handle* victim, RetiredList* retired) REQUIRES(mu_) {
    table_.Remove(victim->key(), victim->hash);
    LeaveCache(victim, retired);
    evictions_.fetch_add(1, std::memory_order_relaxed);
  }

  void EvictToFit(RetiredList* retired) REQUIRES(mu_) {
    while (usage_ > capacity_) {
      Handle* victim = OldestUnpinned();
      if (victim == nullptr) return;
      Evict(victim, retired);
    }
  }

  mutable Mutex mu_;
  size_t capacity_ GUARDED_BY(mu_) = 0;
  size_t protected_capacity_ GUARDED_BY(mu_) = 0;  // 4/5 of capacity_
  size_t usage_ GUARDED_BY(mu_) = 0;               // entries and reserved_
  size_t reserved_ GUARDED_BY(mu_) = 0;
  size_t index_filter_usage_ GUARDED_BY(mu_) = 0;
  size_t pinned_usage_ GUARDED_BY(mu_) = 0;
  size_t protected_usage_ GUARDED_BY(mu_) = 0;
  HandleTable table_ GUARDED_BY(mu_);
  Handle probation_head_ GUARDED_BY(mu_);  // dummy heads of the circular lists
  Handle protected_head_ GUARDED_BY(mu_);

  // Relaxed: only reported, never used to order other memory accesses.
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
  std::atomic<uint64_t> inserts_{0};
  std::atomic<uint64_t> evictions_{0};
};

LRUCache::LRUCache(size_t capacity, int shard_bits)
    : shard_bits_(ChooseShardBits(capacity, shard_bits)),
      capacity_(capacity),
      shards_(new Shard[size_t{1} << shard_bits_]) {
  // Spread the remainder so the shards' capacities add up to exactly capacity.
  const size_t num_shards = size_t{1} << shard_bits_;
  for (size_t i = 0; i < num_shards; i++) {
    shards_[i].SetCapacity(capacity / num_shards + (i < capacity % num_shards ? 1 : 0));
  }
}

LRUCache::~LRUCache() = default;

LRUCache::Shard* LRUCache::ShardFor(std::string_view key, uint32_t* hash) const {
  *hash = Checksum32(key);
  return &shards_[ShardIndex(*hash, shard_bits_)];
}

LRUCache::Handle* LRUCache::Insert(std::string_view key, void* value, size_t charge,
                                   Deleter deleter, Kind kind) {
  uint32_t hash;
  Shard* shard = ShardFor(key, &hash);
  return shard->Insert(key, hash, value, charge, deleter, kind);
}

LRUCache::Handle* LRUCache::Lookup(std::string_view key) {
  uint32_t hash;
  Shard* shard = ShardFor(key, &hash);
  return shard->Lookup(key, hash);
}

bool LRUCache::Contains(std::string_view key) {
  uint32_t hash;
  Shard* shard = ShardFor(key, &hash);
  return shard->Contains(key, hash);
}

bool LRUCache::InsertAhead(std::string_view key, void* value, size_t charge, Deleter deleter) {
  uint32_t hash;
  Shard* shard = ShardFor(key, &hash);
  return shard->InsertAhead(key, hash, value, charge, deleter);
}

void LRUCache::Release(Handle* handle) {
  shards_[ShardIndex(handle->hash, shard_bits_)].Release(handle);
}

void* LRUCache::Value(Handle* handle) const { return handle->value; }

void LRUCache::Erase(std::string_view key) {
  uint32_t hash;
  Shard* shard = ShardFor(key, &hash);
  shard->Erase(key, hash);
}

void LRUCache::Prune() {
  const size_t num_shards = size_t{1} << shard_bits_;
  for (size_t i = 0; i < num_shards; i++) shards_[i].Prune();
}

uint64_t LRUCache::NewId() { return last_id_.fetch_add(1, std::memory_order_relaxed) + 1; }

void LRUCache::Reserve(size_t bytes) {
  std::lock_guard<std::mutex> lock(reserve_mu_);
  reserved_ += bytes;
  SpreadReservation();
}

void LRUCache::Unreserve(size_t bytes) {
  std::lock_guard<std::mutex> lock(reserve_mu_);
  assert(bytes <= reserved_);
  reserved_ -= bytes;
  SpreadReservation();
}

void LRUCache::SpreadReservation() {
  // Like the capacity: the remainder goes one byte each to the first shards.
  const size_t num_shards = size_t{1} << shard_bits_;
  for (size_t i = 0; i < num_shards; i++) {
    shards_[i].SetReserved(reserved_ / num_shards + (i < reserved_ % num_shards ? 1 : 0));
  }
}

size_t LRUCache::Capacity() const { return capacity_; }

LRUCache::Stats LRUCache::GetStats() const {
  Stats stats;
  const size_t num_shards = size_t{1} << shard_bits_;
  for (size_t i = 0; i < num_shards; i++) shards_[i].AddStats(&stats);
  stats.capacity = capacity_;
  std::lock_guard<std::mutex> lock(reserve_mu_);
  stats.reserved = reserved_;
  return stats;
}

}  // namespace strata
