// MemTable: the in-memory, sorted buffer of recent writes, read before any
// table on disk.
//
// Each write is one entry, copied into the memtable's Arena as
//
//   varint32 internal_key_size ++ internal key ++ varint32 value_size ++ value
//
// where the internal key is user_key ++ fixed64(sequence << 8 | type) as in
// util/internal_key.h, right after the tower of its skip-list node (one
// allocation: a search reads a node and its key from adjacent memory). A
// SkipList of pointers to these entries orders them by
// the InternalKeyComparator given at construction: user key ascending (in the
// database's Comparator order), then sequence descending, so the newest
// version of a key comes first.
//
// Invariants: entries are never modified or removed; every view a Get or an
// iterator hands out stays valid until the MemTable is destroyed. No two
// entries share (user key, sequence, type).
//
// The hash index (when the comparator is bytewise and index_buckets > 0): a
// fixed array of buckets beside the skip list, each the head of a chain of
// entries whose user keys hash to it, newest first. Each indexed entry is
// preceded in the arena by its 8-byte chain link:
//
//   link (the next older entry in the chain, or null) ++ entry as above
//
// A point Get hashes the user key, walks the chain to the first entry with
// that user key and, when its sequence is visible to the lookup, answers
// from it: O(1) cache misses where the skip-list search costs one or two per
// level, and a key absent from the memtable costs no search at all. The
// first entry met is the key's newest because entries of one user key are
// added in ascending sequence order (the write path's order); an Add that
// breaks this order switches the index off for the rest of the memtable's
// life (ordered_), and Get falls back to the skip list, as it does when the
// newest entry is newer than the lookup's sequence (a snapshot read). An
// iterator's Seek asks the index the same way (IndexSeek): the key's newest
// entry, when no newer than the target, is where the search would land,
// and the iterator starts there if that entry is linked (a deferred one is
// not yet) instead of searching.
// An entry's link is written just before the release store that puts it at
// the head of its chain, and never again (readers that reach the entry
// through the skip list never read its link).
//
// Deferred links (with the index, while ordered_): since a point Get is
// answered by the index, an Add does not search the skip list at once. Its
// node is made, put in its chain and counted, and left pending; the next
// Adds' join it, and when kMaxBatch are pending their searches run side by
// side (SkipList::InsertBatch), overlapping the cache misses that one
// search of a large memtable takes in turn. Whatever reads the skip list
// (NewIterator, a Get the index cannot answer) first links what is pending
// (LinkPending); an iterator with bounds links only the pending entries
// inside them, the only ones it may look at (and scans them only when the
// pending entries' key range meets the bounds: entries left pending outside
// one collection's range are not walked again by each of its iterators).
// So every entry of a sequence a reader may see is in the skip list by the
// time it looks: the writer adds an entry (pending_count_, release) before
// its write's sequence is published, and the reader takes its sequence
// before it looks (acquire).
// pending_mu_ makes the writer and a reader that links the pending entries
// one writer of the skip list at a time; a hot key (below) is linked at
// once, under the same lock.
//
// Hot keys: a key written again and again (a counter, a collection's
// metadata record) gets each new version linked in right before its previous
// one. Add keeps the skip list's Splice of the last insert for each of
// kHotKeys slots, chosen by the user key's hash, so that the next version of
// the same key is linked in with two comparisons instead of a search. Each
// slot keeps its last two keys, so that a key written between others (a
// list's metadata record after each new element) stays hot even when they
// share its slot: one of them would otherwise evict it every sixteen pushes
// or so, and put the record among the deferred entries, whose batch then
// no longer lies in one gap of the list.
//
// Tombstones of keys this memtable holds (a popped list element, set member
// or sorted-set entry): the tombstone sorts right before the key's newest
// entry, which the index's chain names. Such a tombstone gets a node of
// height 1 and is linked in there at once, without a search, when that
// entry is itself linked in (SkipList::TryLinkBefore); any other is
// deferred.
//
// Batches: without the index, AddBatch adds a write batch's point updates
// up to kMaxBatch at a time, their skip-list searches walking the list side by
// side (SkipList::InsertBatch) so that the cache misses of a memtable larger
// than the cache overlap. With the index it adds them one by one: the
// deferred links above batch the searches across write batches too.
//
// Range tombstones (AddRangeTombstone) are kept apart from the skip list, in
// a vector under range_mu_, with a fragmented view (src/rangedel/) rebuilt
// lazily by the first reader after a new tombstone: a memtable rarely holds
// many, and a reader that finds none pays one atomic load.
//
// Thread-safety: Add and AddRangeTombstone require external synchronization
// (one writer at a time). Get, NewIterator and the counters are safe from any
// thread concurrently with Add, lock-free but for linking deferred entries; RangeTombstones takes a
// short lock only when the memtable holds range tombstones. Once NumEntries() returns n, every one
// of those n entries is visible to Get, to iterators created afterwards (to one with bounds, those
// inside them) and to RangeTombstones.

#ifndef STRATA_MEMTABLE_MEMTABLE_H_
#define STRATA_MEMTABLE_MEMTABLE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "memtable/skiplist.h"
#include "rangedel/fragmented_range_tombstones.h"
#include "strata/iterator.h"
#include "strata/status.h"
#include "util/arena.h"
#include "util/internal_key.h"
#include "util/iterate_bounds.h"
#include "util/mutex.h"

namespace strata {

class MemTable {
 public:
  // The entry count at which Publish faults the index's bucket array in,
  // all of it, writable (PopulateIndex). Publish reads a bucket's chain
  // head, then stores the new entry there. On a page of the calloc'd array
  // never touched, a plain read maps the kernel's shared zero page, and the
  // store faults again to replace it, which flushes the TLB of every CPU
  // running a thread of the process (in a virtual machine, an interrupt to
  // each): 5.6% of a sequential fill's writer thread. So until this count
  // Publish reads the head with a write (one fault, no flush), and at it
  // the whole array is faulted in with one call: hashing spreads a few
  // thousand keys over every page of it anyway, while a memtable that
  // holds fewer keys pays only for the pages they touch.
  static constexpr uint64_t kPopulateIndexAt = 1024;

  // index_buckets: the hash index's bucket count, rounded up to a power of
  // two (8 bytes each, plus 8 bytes per entry); 0, or a comparator that is
  // not bytewise, leaves the memtable without one. See the top of the file.
  explicit MemTable(const InternalKeyComparator& comparator, size_t index_buckets = 0);
  ~MemTable();
  MemTable(const MemTable&) = delete;
  MemTable& operator=(const MemTable&) = delete;

  // Adds one version of user_key. Copies user_key and value.
  // REQUIRES: external synchronization with other Adds.
  // REQUIRES: type is kTypeValue, or kTypeDeletion with an empty value.
  // REQUIRES: seq <= kMaxSequenceNumber, and no entry with the same user_key,
  // seq and type has been added.
  void Add(SequenceNumber seq, ValueType type, std::string_view user_key, std::string_view value);

  // One point update for AddBatch.
  struct PointEntry {
    SequenceNumber seq;
    ValueType type;
    std::string_view user_key;
    std::string_view value;
  };
  // As Add for each of entries[0, n), in order, but with up to
  // Table::kMaxBatch skip-list searches at a time walking the list in step
  // (SkipList::InsertBatch) so that their cache misses overlap: here when
  // the memtable has no index, through Add's deferred links when it has
  // one. A chunk that holds a hot key (one of its slot's two last keys) is
  // added entry by entry: its splice costs two comparisons.
  // REQUIRES: as for Add, for each entry.
  void AddBatch(const PointEntry* entries, size_t n);
  // The most skip-list searches that walk in step (SkipList::kMaxBatch):
  // AddBatch's chunk, and the most entries left pending.
  static constexpr size_t kMaxBatch = 64;

  // Adds the range tombstone [begin, end) at seq (nothing is deleted if
  // begin >= end, but the entry still counts). Copies both keys.
  // REQUIRES: as for Add.
  void AddRangeTombstone(SequenceNumber seq, std::string_view begin, std::string_view end);

  // Looks up the newest entry for key.user_key() with sequence <= the lookup
  // sequence. For a value: stores it in *value, sets *s = OK, returns true.
  // For a tombstone: sets *s = NotFound, returns true. Either way stores the
  // entry's sequence number in *seq if seq is not null. Returns false,
  // leaving *value and *s alone, if the memtable holds no such entry, so the
  // caller should look in older sources. Ignores range tombstones (see
  // RangeTombstones). Lock-free.
  bool Get(const LookupKey& key, std::string* value, Status* s,
           SequenceNumber* seq = nullptr) const;

  // The range tombstones added so far, fragmented; nullptr if there are
  // none. The view is immutable: later tombstones make a new one.
  std::shared_ptr<const FragmentedRangeTombstones> RangeTombstones() const;
  // The largest sequence number of a point entry (Add) so far; 0 if none.
  // Any thread.
  SequenceNumber MaxPointSequence() const { return max_point_seq_.load(std::memory_order_acquire); }
  // Range tombstones added so far. Any thread.
  uint64_t NumRangeDeletions() const {
    return num_range_deletions_.load(std::memory_order_acquire);
  }

  // An iterator over every entry: key() is the internal key, value() the
  // value, ordered by the comparator. Seek takes an internal key.
  // status() is always OK. Lock-free. REQUIRES: the memtable outlives it.
  std::unique_ptr<Iterator> NewIterator() const;
  // As NewIterator(), for a reader that reads every entry in order from
  // SeekToFirst (a flush): the pass reads ahead (SkipList::Scanner), so a
  // large memtable's cache misses overlap. Any other move works as in
  // NewIterator(), without reading ahead.
  std::unique_ptr<Iterator> NewScanIterator() const;
  // As NewIterator(), for a reader that looks only at user keys within
  // `bounds` (a DBIter with those bounds stops at the first key past them):
  // of the deferred entries, only those inside the bounds are linked first;
  // the others stay pending for the next batch, and the iterator may miss
  // them. REQUIRES: bounds' views and comparator outlive the call.
  std::unique_ptr<Iterator> NewIterator(const IterateBounds& bounds) const;

  // Bytes held by the arena (the skip list's nodes and the index's links
  // included) and the index's buckets. Any thread.
  size_t ApproximateMemoryUsage() const {
    return arena_.MemoryUsage() +
           (buckets_ == nullptr ? 0 : (index_mask_ + 1) * sizeof(const char*)) +
           range_tombstone_bytes_.load(std::memory_order_relaxed);
  }
  // True if point lookups use the hash index (see the top of the file).
  bool HasHashIndex() const {
    return buckets_ != nullptr && ordered_.load(std::memory_order_acquire);
  }
  // Entries added so far, point and range tombstones included. Any thread.
  uint64_t NumEntries() const { return num_entries_.load(std::memory_order_acquire); }
  // Tombstones added so far. Any thread.
  uint64_t NumDeletes() const { return num_deletes_.load(std::memory_order_acquire); }
  bool Empty() const { return NumEntries() == 0; }

 private:
  // Orders entry pointers by the internal keys they start with.
  struct KeyComparator {
    InternalKeyComparator comparator;
    int operator()(const char* a, const char* b) const;
  };
  using Table = SkipList<const char*, KeyComparator>;
  static_assert(kMaxBatch == Table::kMaxBatch);
  class MemTableIterator;

  // As Add, given hash, XXH3-64 of user_key.
  void AddHashed(SequenceNumber seq, ValueType type, std::string_view user_key,
                 std::string_view value, uint64_t hash);
  // Links the pending entries into the skip list (see the top of the file).
  // Any thread; a lock only when entries are pending.
  void LinkPending() const;
  // Links the pending entries whose user keys lie within bounds.
  void LinkPending(const IterateBounds& bounds) const;
  void LinkPendingLocked() const REQUIRES(pending_mu_);

  // The bucket of a user key with XXH3 hash `hash`. REQUIRES: buckets_ !=
  // nullptr.
  const char** Bucket(uint64_t hash) const { return &buckets_[hash & index_mask_]; }
  // What the hash index says of a lookup: kFound (Get's outputs are set),
  // kAbsent (no entry of the user key in this memtable), or kUnknown (the
  // index cannot tell: search the skip list).
  enum class IndexAnswer { kFound, kAbsent, kUnknown };
  IndexAnswer IndexGet(const LookupKey& key, std::string* value, Status* s,
                       SequenceNumber* seq) const;
  // The entry a Seek to `target` (an internal key) lands on, when the index
  // can name it: the newest entry of target's user key, if the memtable
  // holds the key, its index is in order and that entry's trailer is no
  // larger than target's. nullptr otherwise (search). Any thread.
  const char* IndexSeek(std::string_view target) const;
  // Sets Get's outputs from the entry ikey (an internal key followed by its
  // length-prefixed value).
  static void ReadEntry(std::string_view ikey, std::string* value, Status* s, SequenceNumber* seq);

  // The bytes of an entry (see the top of the file) and its encoding at p.
  static size_t EntrySize(std::string_view user_key, std::string_view value);
  static void EncodeEntry(char* p, SequenceNumber seq, ValueType type, std::string_view user_key,
                          std::string_view value);
  // The bytes of a chain link before each entry: 8 with the index, else 0.
  size_t LinkSize() const { return buckets_ != nullptr ? sizeof(const char*) : 0; }
  // Before an entry of seq goes into the skip list: its bucket (prefetched;
  // nullptr without an index), and ordered_ cleared if seq is below
  // *max_seq, the largest sequence added so far, which it then raises.
  const char** PrepareIndex(uint64_t hash, SequenceNumber seq, SequenceNumber* max_seq);
  // The newest entry of user_key in bucket's chain, or nullptr. Writer
  // only; REQUIRES: ordered_ (chains newest first).
  const char* NewestEntry(const char** bucket, std::string_view user_key) const;
  // After entry is in the skip list: links it into bucket's chain (if
  // any) and counts it.
  void Publish(const char* entry, const char** bucket, SequenceNumber seq, ValueType type);
  // Faults the bucket array in, writable (see kPopulateIndexAt). Writer only.
  void PopulateIndex() const;

  const InternalKeyComparator comparator_;
  // Declared before table_: the skip list allocates its head node from the
  // arena in its constructor.
  Arena arena_;
  Table table_;

  // Atomic so that any thread may read them. The writer increments with
  // release after the entry is linked in and readers load with acquire, which
  // gives the visibility promise at the top of this file.
  std::atomic<uint64_t> num_entries_{0};
  std::atomic<uint64_t> num_deletes_{0};
  // Same protocol as num_entries_: incremented (release) after the tombstone
  // is in range_tombstones_, so a reader that loads a non-zero count
  // (acquire) and then takes range_mu_ finds it.
  std::atomic<uint64_t> num_range_deletions_{0};
  // Same protocol: stored (release) before num_entries_ counts the entry.
  std::atomic<SequenceNumber> max_point_seq_{0};
  // The hash index: buckets_ (calloc'd, so untouched buckets cost no
  // memory until the memtable holds kPopulateIndexAt entries) holds
  // index_mask_ + 1 chain heads, read and written through
  // std::atomic_ref (release by the writer after the entry is in the skip
  // list, acquire by readers); null when the memtable has no index.
  const char** const buckets_;
  const size_t index_mask_;
  // Cleared (release, before the entry is published) by an Add whose
  // sequence is below an earlier one: the index's newest-first chains would
  // no longer hold. Checked (acquire) after a chain walk, so a reader that
  // met the out-of-order entry also sees the flag cleared.
  std::atomic<bool> ordered_{true};

  // The writer's hot-key slots (see the top of the file): the user key's
  // hash and entry of the last Add through each, and the skip list's place
  // before that entry. Writer-only.
  struct HotKey {
    uint64_t hash = 0;
    const char* entry = nullptr;
    Table::Splice splice;
  };
  static constexpr size_t kHotKeys = 16;
  // Two ways per slot, the last two keys added there; hot_mru_ says which
  // of them was used last.
  HotKey hot_keys_[kHotKeys][2];
  uint8_t hot_mru_[kHotKeys] = {};
  // Whether hot's key is user_key (with XXH3 hash `hash`).
  static bool IsHot(const HotKey& hot, uint64_t hash, std::string_view user_key);
  // The way (0 or 1) of user_key's slot that holds it; -1 if neither does.
  int FindHot(uint64_t hash, std::string_view user_key) const;
  // The way of user_key's slot that holds it, or else the slot's older way,
  // cleared (entry null), for user_key to take.
  HotKey& HotWay(uint64_t hash, std::string_view user_key);

  // Deferred links (see the top of the file): the nodes made but not yet in
  // the skip list, and their count for readers to check without the lock
  // (stored with release after every change under the lock).
  mutable Mutex pending_mu_;
  mutable Table::Unlinked pending_[Table::kMaxBatch] GUARDED_BY(pending_mu_);
  mutable size_t pending_n_ GUARDED_BY(pending_mu_) = 0;
  mutable std::atomic<size_t> pending_count_{0};
  // The smallest and largest user keys among the pending entries (views of
  // their nodes in the arena); meaningful only while pending_n_ > 0.
  mutable std::string_view pending_smallest_ GUARDED_BY(pending_mu_);
  mutable std::string_view pending_largest_ GUARDED_BY(pending_mu_);

  // The range tombstones' key bytes, for ApproximateMemoryUsage. Relaxed:
  // only an estimate.
  std::atomic<size_t> range_tombstone_bytes_{0};

  mutable Mutex range_mu_;
  std::vector<RangeTombstone> range_tombstones_ GUARDED_BY(range_mu_);
  // The fragmented view of range_tombstones_, or nullptr once a tombstone
  // was added after it was built.
  mutable std::shared_ptr<const FragmentedRangeTombstones> range_view_ GUARDED_BY(range_mu_);
};

}  // namespace strata

#endif  // STRATA_MEMTABLE_MEMTABLE_H_
