// MemTable entry encoding, lookup and iteration; see memtable.h.

#include "memtable/memtable.h"

#include <sys/mman.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "util/coding.h"

namespace strata {
namespace {

// A varint32 is at most this many bytes.
constexpr int kMaxVarint32Length = 5;

// Decodes the varint32-length-prefixed bytes starting at p. Entries and
// lookup keys are written by this file (or LookupKey) and live in memory, so
// they are well formed.
std::string_view DecodeLengthPrefixed(const char* p) {
  uint32_t length = 0;
  const char* data = GetVarint32Ptr(p, p + kMaxVarint32Length, &length);
  assert(data != nullptr);
  return std::string_view(data, length);
}

// The hash index's bucket count for a request of `requested`: a power of
// two, or 0 for no index.
size_t IndexBuckets(const InternalKeyComparator& comparator, size_t requested) {
  if (requested == 0 || !comparator.bytewise()) return 0;
  size_t n = 1;
  while (n < requested && n < (size_t{1} << 30)) n <<= 1;
  return n;
}

// The chain link stored just before an indexed entry.
const char* ChainLink(const char* entry) {
  const char* link;
  std::memcpy(&link, entry - sizeof(link), sizeof(link));
  return link;
}

}  // namespace

int MemTable::KeyComparator::operator()(const char* a, const char* b) const {
  return comparator.Compare(DecodeLengthPrefixed(a), DecodeLengthPrefixed(b));
}

// Adapts the skip list's iterator to strata::Iterator. Seek targets are
// internal keys; the skip list wants an entry-shaped key, so Seek encodes the
// target into scratch_ with a length prefix. With a scanner (NewScanIterator)
// a pass from SeekToFirst with Next reads ahead through it; any other move
// leaves it for the plain iterator, positioned where the scan was.
class MemTable::MemTableIterator final : public Iterator {
 public:
  MemTableIterator(const MemTable* mem, bool read_ahead)
      : mem_(mem),
        iter_(&mem->table_),
        scanner_(read_ahead ? std::make_unique<Table::Scanner>(&mem->table_) : nullptr) {}

  bool Valid() const override { return scanning_ ? scanner_->Valid() : iter_.Valid(); }
  void SeekToFirst() override {
    scanning_ = scanner_ != nullptr;
    if (scanning_) return scanner_->SeekToFirst();
    iter_.SeekToFirst();
  }
  void SeekToLast() override {
    scanning_ = false;
    iter_.SeekToLast();
  }
  void Seek(std::string_view target) override {
    scanning_ = false;
    // A target whose user key the memtable holds, no older than its newest
    // entry: that entry is where the search would land, and the index names
    // it (a sorted-set pop seeks to the entry it popped last).
    if (const char* entry = mem_->IndexSeek(target);
        entry != nullptr && iter_.SeekToInlineKey(entry, mem_->LinkSize())) {
      return;
    }
    scratch_.clear();
    PutLengthPrefixed(&scratch_, target);
    iter_.Seek(scratch_.data());
  }
  void Next() override {
    if (scanning_) return scanner_->Next();
    iter_.Next();
  }
  void Prev() override {
    if (scanning_) {
      scanning_ = false;
      iter_.Seek(scanner_->key());  // the same entry: keys are distinct
    }
    iter_.Prev();
  }
  std::string_view key() const override {
    return DecodeLengthPrefixed(scanning_ ? scanner_->key() : iter_.key());
  }
  std::string_view value() const override {
    std::string_view ikey = key();
    return DecodeLengthPrefixed(ikey.data() + ikey.size());
  }
  Status status() const override { return Status::OK(); }

 private:
  const MemTable* const mem_;
  Table::Iterator iter_;
  const std::unique_ptr<Table::Scanner> scanner_;  // null unless reading ahead
  bool scanning_ = false;                          // positioned by scanner_
  std::string scratch_;                            // the encoded target of the last Seek
};

MemTable::MemTable(const InternalKeyComparator& comparator, size_t index_buckets)
    : comparator_(comparator),
      table_(KeyComparator{comparator}, &arena_),
      // calloc: zeroed pages come from the kernel untouched, so a memtable
      // that holds few keys does not pay for the whole array. Without
      // memory the memtable simply has no index.
      buckets_(IndexBuckets(comparator, index_buckets) == 0
                   ? nullptr
                   : static_cast<const char**>(std::calloc(IndexBuckets(comparator, index_buckets),
                                                           sizeof(const char*)))),
      index_mask_(buckets_ == nullptr ? 0 : IndexBuckets(comparator, index_buckets) - 1) {}

MemTable::~MemTable() { std::free(buckets_); }

size_t MemTable::EntrySize(std::string_view user_key, std::string_view value) {
  assert(user_key.size() <= std::numeric_limits<uint32_t>::max() - kInternalKeyTrailerSize);
  assert(value.size() <= std::numeric_limits<uint32_t>::max());
  const size_t internal_key_size = user_key.size() + kInternalKeyTrailerSize;
  return VarintLength(internal_key_size) + internal_key_size + VarintLength(value.size()) +
         value.size();
}

void MemTable::EncodeEntry(char* p, SequenceNumber seq, ValueType type, std::string_view user_key,
                           std::string_view value) {
  p = EncodeVarint32(p, static_cast<uint32_t>(user_key.size() + kInternalKeyTrailerSize));
  // memcpy from a null pointer is undefined even for 0 bytes, and an empty
  // string_view may hold one.
  if (!user_key.empty()) std::memcpy(p, user_key.data(), user_key.size());
  p += user_key.size();
  EncodeFixed64(p, PackSequenceAndType(seq, type));
  p += kInternalKeyTrailerSize;
  p = EncodeVarint32(p, static_cast<uint32_t>(value.size()));
  if (!value.empty()) std::memcpy(p, value.data(), value.size());
}

const char** MemTable::PrepareIndex(uint64_t hash, SequenceNumber seq, SequenceNumber* max_seq) {
  if (buckets_ == nullptr) return nullptr;
  // The bucket is a random cache line: fetched while the node is made (and
  // the skip list searched, unless the search is deferred), and read for
  // the chain link only in Publish. Readers that reach the entry through
  // the skip list never read its link.
  const char** bucket = Bucket(hash);
  __builtin_prefetch(bucket, 1);
  // Out of sequence order: chains would no longer be newest first.
  if (seq < *max_seq) ordered_.store(false, std::memory_order_release);
  *max_seq = std::max(*max_seq, seq);
  return bucket;
}

void MemTable::Publish(const char* entry, const char** bucket, SequenceNumber seq, ValueType type) {
  if (bucket != nullptr) {
    // Until PopulateIndex has run, the bucket's page may never have been
    // touched: read it with a write (adding 0), which maps a page of its own
    // at once rather than the shared zero page the store below would fault
    // again to replace (see kPopulateIndexAt).
    std::atomic_ref<const char*> slot(*bucket);
    const char* head = num_entries_.load(std::memory_order_relaxed) < kPopulateIndexAt
                           ? slot.fetch_add(0, std::memory_order_relaxed)
                           : slot.load(std::memory_order_relaxed);
    std::memcpy(const_cast<char*>(entry) - sizeof(head), &head, sizeof(head));
    // The entry is in the skip list already, or pending (deferred links):
    // a reader that finds it through the index and then falls back to the
    // skip list links what is pending first, and finds it there too.
    slot.store(entry, std::memory_order_release);
  }
  // One writer at a time: a plain read-compare-store is enough.
  if (seq > max_point_seq_.load(std::memory_order_relaxed)) {
    max_point_seq_.store(seq, std::memory_order_release);
  }
  if (type == kTypeDeletion) num_deletes_.fetch_add(1, std::memory_order_release);
  if (num_entries_.fetch_add(1, std::memory_order_release) + 1 == kPopulateIndexAt) {
    PopulateIndex();
  }
}

void MemTable::PopulateIndex() const {
#ifdef MADV_POPULATE_WRITE
  if (buckets_ == nullptr) return;
  // Only the pages wholly inside the array: the rest belong to others.
  static const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(buckets_) + page - 1) & ~(page - 1);
  const uintptr_t end = reinterpret_cast<uintptr_t>(buckets_ + index_mask_ + 1) & ~(page - 1);
  // A hint: a kernel without it (before 5.14) says EINVAL, and the pages
  // fault in one by one as before.
  if (begin < end)
    (void)::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE);
#endif
}

void MemTable::Add(SequenceNumber seq, ValueType type, std::string_view user_key,
                   std::string_view value) {
  AddHashed(seq, type, user_key, value, XXH3_64bits(user_key.data(), user_key.size()));
}

void MemTable::AddHashed(SequenceNumber seq, ValueType type, std::string_view user_key,
                         std::string_view value, uint64_t hash) {
  assert(type == kTypeValue || (type == kTypeDeletion && value.empty()));
  assert(hash == XXH3_64bits(user_key.data(), user_key.size()));
  const size_t encoded_size = EntrySize(user_key, value);
  SequenceNumber max_seq = max_point_seq_.load(std::memory_order_relaxed);
  const char** bucket = PrepareIndex(hash, seq, &max_seq);
  // One of the slot's two last keys: its splice likely holds (Insert
  // checks). Another key: a search, whose place the slot's older way then
  // keeps.
  HotKey& hot = HotWay(hash, user_key);
  const bool is_hot = hot.entry != nullptr;  // HotWay clears a way it hands over
  // The entry lives in its skip-list node, after the tower; with the index,
  // preceded by its chain link (8-aligned, as the node's end is, so that it
  // can be read as a pointer), which Publish writes.
  const size_t link_size = LinkSize();
  auto fill = [&](char* payload) { EncodeEntry(payload + link_size, seq, type, user_key, value); };
  const char* entry;
  if (bucket == nullptr) {
    entry = table_.InsertInline(link_size + encoded_size, link_size, fill, &hot.splice);
  } else {
    MutexLock lock(&pending_mu_);
    if (is_hot || !ordered_.load(std::memory_order_relaxed)) {
      entry = table_.InsertInline(link_size + encoded_size, link_size, fill, &hot.splice);
    } else {
      // A tombstone mostly deletes a key written not long ago (a popped list
      // element or set member): if this memtable holds it, the tombstone
      // sorts right before its newest entry, which the index names, and
      // goes in there as a node of height 1, without a search. Height 1
      // whatever the draw would have given: the tombstone and the entry it
      // deletes then stand in the list like one node of the entry's
      // height, so a search's walk along level 0 takes one more step for
      // each such pair it crosses, and the levels above are unchanged. (A
      // key the memtable does not hold costs the chain walk's misses for
      // nothing, and its node a search.)
      const char* newest = type == kTypeDeletion ? NewestEntry(bucket, user_key) : nullptr;
      Table::Unlinked node = table_.PrepareInline(link_size + encoded_size, link_size, fill,
                                                  newest != nullptr ? 1 : 0);
      entry = node.key();
      if (newest == nullptr || !table_.TryLinkBefore(node, newest, link_size)) {
        // Deferred (see the top of the file): searched for with the next
        // entries, side by side.
        const std::string_view pending_key = ExtractUserKey(DecodeLengthPrefixed(entry));
        if (pending_n_ == 0) {
          pending_smallest_ = pending_largest_ = pending_key;
        } else if (comparator_.CompareUserKeys(pending_key, pending_smallest_) < 0) {
          pending_smallest_ = pending_key;
        } else if (comparator_.CompareUserKeys(pending_key, pending_largest_) > 0) {
          pending_largest_ = pending_key;
        }
        pending_[pending_n_++] = node;
        if (pending_n_ == Table::kMaxBatch) {
          LinkPendingLocked();
        } else {
          // Before the entry is in its chain or counted: a reader that can
          // see it finds it pending.
          pending_count_.store(pending_n_, std::memory_order_release);
        }
      }
    }
  }
  hot.hash = hash;
  hot.entry = entry;
  Publish(entry, bucket, seq, type);
}

int MemTable::FindHot(uint64_t hash, std::string_view user_key) const {
  const HotKey* ways = hot_keys_[hash % kHotKeys];
  for (int way = 0; way < 2; way++) {
    if (IsHot(ways[way], hash, user_key)) return way;
  }
  return -1;
}

MemTable::HotKey& MemTable::HotWay(uint64_t hash, std::string_view user_key) {
  const size_t slot = hash % kHotKeys;
  const int found = FindHot(hash, user_key);
  const int way = found >= 0 ? found : 1 - hot_mru_[slot];
  hot_mru_[slot] = static_cast<uint8_t>(way);
  if (found >= 0) return hot_keys_[slot][way];
  HotKey& hot = hot_keys_[slot][way];
  hot.hash = 0;
  hot.entry = nullptr;
  hot.splice = Table::Splice();
  return hot;
}

void MemTable::LinkPendingLocked() const {
  Table& table = const_cast<Table&>(table_);  // readers link what the writer left pending
  table.InsertBatch(pending_, pending_n_);
  pending_n_ = 0;
  pending_count_.store(0, std::memory_order_release);
}

void MemTable::LinkPending() const {
  if (pending_count_.load(std::memory_order_acquire) == 0) return;
  MutexLock lock(&pending_mu_);
  if (pending_n_ != 0) LinkPendingLocked();
}

void MemTable::LinkPending(const IterateBounds& bounds) const {
  if (bounds.empty()) return LinkPending();
  if (pending_count_.load(std::memory_order_acquire) == 0) return;
  MutexLock lock(&pending_mu_);
  if (pending_n_ == 0 || !bounds.Overlaps(pending_smallest_, pending_largest_)) return;
  // The entries inside the bounds are linked; the others stay pending, at
  // the front of pending_, for the next batch, with their key range.
  Table::Unlinked inside[Table::kMaxBatch];
  size_t n_inside = 0, kept = 0;
  std::string_view smallest, largest;
  const InternalKeyComparator& icmp = comparator_;
  for (size_t k = 0; k < pending_n_; k++) {
    const std::string_view user_key = ExtractUserKey(DecodeLengthPrefixed(pending_[k].key()));
    if (bounds.BelowLower(user_key) || bounds.AtOrAboveUpper(user_key)) {
      if (kept == 0 || icmp.CompareUserKeys(user_key, smallest) < 0) smallest = user_key;
      if (kept == 0 || icmp.CompareUserKeys(user_key, largest) > 0) largest = user_key;
      pending_[kept++] = pending_[k];
    } else {
      inside[n_inside++] = pending_[k];
    }
  }
  pending_smallest_ = smallest;
  pending_largest_ = largest;
  if (n_inside == 0) return;
  Table& table = const_cast<Table&>(table_);  // readers link what the writer left pending
  table.InsertBatch(inside, n_inside);
  pending_n_ = kept;
  pending_count_.store(kept, std::memory_order_release);
}

bool MemTable::IsHot(const HotKey& hot, uint64_t hash, std::string_view user_key) {
  return hot.entry != nullptr && hot.hash == hash &&
         ExtractUserKey(DecodeLengthPrefixed(hot.entry)) == user_key;
}

void MemTable::AddBatch(const PointEntry* entries, size_t n) {
  uint64_t hashes[Table::kMaxBatch];
  if (buckets_ != nullptr) {
    // Add defers and batches the searches itself. What it reads first is
    // fetched for the whole chunk before the first Add: each entry's bucket,
    // then each tombstone's chain head, the entry its Add compares with (a
    // popped member's newest entry, mostly). In a memtable larger than the
    // cache each is a miss; asked for together they overlap, where one Add
    // after another met them in turn (a sorted-set pop's two tombstones).
    for (size_t begin = 0; begin < n; begin += Table::kMaxBatch) {
      const size_t m = std::min(n - begin, Table::kMaxBatch);
      const PointEntry* chunk = entries + begin;
      for (size_t k = 0; k < m; k++) {
        hashes[k] = XXH3_64bits(chunk[k].user_key.data(), chunk[k].user_key.size());
        __builtin_prefetch(Bucket(hashes[k]));
      }
      if (m > 1) {
        for (size_t k = 0; k < m; k++) {
          if (chunk[k].type != kTypeDeletion) continue;
          const char* head =
              std::atomic_ref<const char*>(*Bucket(hashes[k])).load(std::memory_order_relaxed);
          if (head != nullptr) __builtin_prefetch(head - sizeof(head));
        }
      }
      for (size_t k = 0; k < m; k++) {
        AddHashed(chunk[k].seq, chunk[k].type, chunk[k].user_key, chunk[k].value, hashes[k]);
      }
    }
    return;
  }
  for (size_t begin = 0; begin < n; begin += Table::kMaxBatch) {
    const size_t m = std::min(n - begin, Table::kMaxBatch);
    const PointEntry* chunk = entries + begin;
    // A key written again and again is linked in through its hot-key
    // splice with two comparisons, cheaper than any search: Add it.
    bool any_hot = m < 2;
    for (size_t k = 0; k < m && !any_hot; k++) {
      hashes[k] = XXH3_64bits(chunk[k].user_key.data(), chunk[k].user_key.size());
      any_hot = FindHot(hashes[k], chunk[k].user_key) >= 0;
    }
    if (any_hot) {
      for (size_t k = 0; k < m; k++) {
        Add(chunk[k].seq, chunk[k].type, chunk[k].user_key, chunk[k].value);
      }
      continue;
    }
    // No index here: no buckets, no chain links.
    Table::Unlinked nodes[Table::kMaxBatch];
    for (size_t k = 0; k < m; k++) {
      const PointEntry& e = chunk[k];
      assert(e.type == kTypeValue || (e.type == kTypeDeletion && e.value.empty()));
      nodes[k] = table_.PrepareInline(EntrySize(e.user_key, e.value), 0, [&](char* payload) {
        EncodeEntry(payload, e.seq, e.type, e.user_key, e.value);
      });
    }
    const char* added[Table::kMaxBatch];
    for (size_t k = 0; k < m; k++) added[k] = nodes[k].key();
    table_.InsertBatch(nodes, m);  // sorts nodes; added keeps the batch's order
    for (size_t k = 0; k < m; k++) {
      // The slot's splice is not this entry's place: its next Add searches.
      HotKey& hot = HotWay(hashes[k], chunk[k].user_key);  // not hot: a cleared way
      hot.hash = hashes[k];
      hot.entry = added[k];
      Publish(added[k], nullptr, chunk[k].seq, chunk[k].type);
    }
  }
}

void MemTable::AddRangeTombstone(SequenceNumber seq, std::string_view begin, std::string_view end) {
  assert(seq <= kMaxSequenceNumber);
  {
    MutexLock lock(&range_mu_);
    range_tombstones_.push_back({std::string(begin), std::string(end), seq});
    range_view_.reset();
  }
  range_tombstone_bytes_.fetch_add(begin.size() + end.size() + sizeof(RangeTombstone),
                                   std::memory_order_relaxed);
  num_range_deletions_.fetch_add(1, std::memory_order_release);
  num_entries_.fetch_add(1, std::memory_order_release);
}

std::shared_ptr<const FragmentedRangeTombstones> MemTable::RangeTombstones() const {
  if (NumRangeDeletions() == 0) return nullptr;
  MutexLock lock(&range_mu_);
  if (range_view_ == nullptr) {
    range_view_ = std::make_shared<const FragmentedRangeTombstones>(comparator_, range_tombstones_);
  }
  return range_view_;
}

void MemTable::ReadEntry(std::string_view ikey, std::string* value, Status* s,
                         SequenceNumber* seq) {
  if (seq != nullptr) *seq = ExtractTrailer(ikey) >> 8;
  switch (static_cast<ValueType>(ExtractTrailer(ikey) & 0xff)) {
    case kTypeValue:
      value->assign(DecodeLengthPrefixed(ikey.data() + ikey.size()));
      *s = Status::OK();
      return;
    case kTypeDeletion:
      *s = Status::NotFound("");
      return;
    case kTypeRangeDeletion:
      break;  // range tombstones live beside the skip list, never in it
  }
  assert(false && "Add only stores kTypeValue and kTypeDeletion");
  *s = Status::Corruption("memtable entry of unknown type");
}

const char* MemTable::NewestEntry(const char** bucket, std::string_view user_key) const {
  for (const char* entry = std::atomic_ref<const char*>(*bucket).load(std::memory_order_relaxed);
       entry != nullptr; entry = ChainLink(entry)) {
    if (ExtractUserKey(DecodeLengthPrefixed(entry)) == user_key) return entry;
  }
  return nullptr;
}

MemTable::IndexAnswer MemTable::IndexGet(const LookupKey& key, std::string* value, Status* s,
                                         SequenceNumber* seq) const {
  const std::string_view user_key = key.user_key();
  const char* entry =
      std::atomic_ref<const char*>(*Bucket(XXH3_64bits(user_key.data(), user_key.size())))
          .load(std::memory_order_acquire);
  std::string_view ikey;
  for (; entry != nullptr; entry = ChainLink(entry)) {
    ikey = DecodeLengthPrefixed(entry);
    if (ExtractUserKey(ikey) == user_key) break;
  }
  // After the walk: having met an out-of-order entry implies seeing this.
  if (!ordered_.load(std::memory_order_acquire)) return IndexAnswer::kUnknown;
  if (entry == nullptr) return IndexAnswer::kAbsent;
  // The key's newest entry; if the lookup may not see it, an older one may
  // be the answer, which the skip list finds.
  if ((ExtractTrailer(ikey) >> 8) > (ExtractTrailer(key.internal_key()) >> 8)) {
    return IndexAnswer::kUnknown;
  }
  ReadEntry(ikey, value, s, seq);
  return IndexAnswer::kFound;
}

const char* MemTable::IndexSeek(std::string_view target) const {
  if (buckets_ == nullptr) return nullptr;
  const std::string_view user_key = ExtractUserKey(target);
  const char* entry =
      std::atomic_ref<const char*>(*Bucket(XXH3_64bits(user_key.data(), user_key.size())))
          .load(std::memory_order_acquire);
  for (; entry != nullptr; entry = ChainLink(entry)) {
    if (ExtractUserKey(DecodeLengthPrefixed(entry)) == user_key) break;
  }
  // As IndexGet: the chain's first entry of the key is its newest only
  // while the memtable is in order.
  if (entry == nullptr || !ordered_.load(std::memory_order_acquire)) return nullptr;
  // Entries of one user key sort newest (largest trailer) first: the newest
  // is at or after the target when its trailer is no larger, and nothing of
  // the key sorts between them.
  if (ExtractTrailer(DecodeLengthPrefixed(entry)) > ExtractTrailer(target)) return nullptr;
  return entry;
}

bool MemTable::Get(const LookupKey& key, std::string* value, Status* s, SequenceNumber* seq) const {
  if (buckets_ != nullptr) {
    switch (IndexGet(key, value, s, seq)) {
      case IndexAnswer::kFound:
        return true;
      case IndexAnswer::kAbsent:
        return false;
      case IndexAnswer::kUnknown:
        break;
    }
  }
  LinkPending();
  // The lookup key's trailer is (sequence, kValueTypeForSeek), which sorts
  // before every entry of that user key with a sequence <= the lookup's, so
  // the first entry at or after it is the newest version visible.
  Table::Iterator iter(&table_);
  iter.Seek(key.memtable_key().data());
  if (!iter.Valid()) return false;

  std::string_view ikey = DecodeLengthPrefixed(iter.key());
  if (comparator_.CompareUserKeys(ExtractUserKey(ikey), key.user_key()) != 0) return false;
  ReadEntry(ikey, value, s, seq);
  return true;
}

std::unique_ptr<Iterator> MemTable::NewIterator() const {
  LinkPending();
  return std::make_unique<MemTableIterator>(this, /*read_ahead=*/false);
}

std::unique_ptr<Iterator> MemTable::NewScanIterator() const {
  LinkPending();
  return std::make_unique<MemTableIterator>(this, /*read_ahead=*/true);
}

std::unique_ptr<Iterator> MemTable::NewIterator(const IterateBounds& bounds) const {
  LinkPending(bounds);
  return std::make_unique<MemTableIterator>(this, /*read_ahead=*/false);
}

}  // namespace strata
