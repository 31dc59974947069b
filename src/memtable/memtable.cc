// MemTable entry encoding, lookup and iteration; see memtable.h.

#include "memtable/memtable.h"

#include <cassert>
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

}  // namespace

int MemTable::KeyComparator::operator()(const char* a, const char* b) const {
  return comparator.Compare(DecodeLengthPrefixed(a), DecodeLengthPrefixed(b));
}

// Adapts the skip list's iterator to strata::Iterator. Seek targets are
// internal keys; the skip list wants an entry-shaped key, so Seek encodes the
// target into scratch_ with a length prefix.
class MemTable::MemTableIterator final : public Iterator {
 public:
  explicit MemTableIterator(const Table* table) : iter_(table) {}

  bool Valid() const override { return iter_.Valid(); }
  void SeekToFirst() override { iter_.SeekToFirst(); }
  void SeekToLast() override { iter_.SeekToLast(); }
  void Seek(std::string_view target) override {
    scratch_.clear();
    PutLengthPrefixed(&scratch_, target);
    iter_.Seek(scratch_.data());
  }
  void Next() override { iter_.Next(); }
  void Prev() override { iter_.Prev(); }
  std::string_view key() const override { return DecodeLengthPrefixed(iter_.key()); }
  std::string_view value() const override {
    std::string_view ikey = key();
    return DecodeLengthPrefixed(ikey.data() + ikey.size());
  }
  Status status() const override { return Status::OK(); }

 private:
  Table::Iterator iter_;
  std::string scratch_;  // the encoded target of the last Seek
};

MemTable::MemTable(const InternalKeyComparator& comparator)
    : comparator_(comparator), table_(KeyComparator{comparator}, &arena_) {}

void MemTable::Add(SequenceNumber seq, ValueType type, std::string_view user_key,
                   std::string_view value) {
  assert(type == kTypeValue || (type == kTypeDeletion && value.empty()));
  assert(user_key.size() <= std::numeric_limits<uint32_t>::max() - kInternalKeyTrailerSize);
  assert(value.size() <= std::numeric_limits<uint32_t>::max());
  const auto internal_key_size = static_cast<uint32_t>(user_key.size() + kInternalKeyTrailerSize);
  const auto value_size = static_cast<uint32_t>(value.size());
  const size_t encoded_size =
      VarintLength(internal_key_size) + internal_key_size + VarintLength(value_size) + value_size;

  char* const buf = arena_.Allocate(encoded_size);
  char* p = EncodeVarint32(buf, internal_key_size);
  // memcpy from a null pointer is undefined even for 0 bytes, and an empty
  // string_view may hold one.
  if (!user_key.empty()) std::memcpy(p, user_key.data(), user_key.size());
  p += user_key.size();
  EncodeFixed64(p, PackSequenceAndType(seq, type));
  p += kInternalKeyTrailerSize;
  p = EncodeVarint32(p, value_size);
  if (!value.empty()) std::memcpy(p, value.data(), value.size());
  assert(p + value.size() == buf + encoded_size);

  table_.Insert(buf);
  // One writer at a time: a plain read-compare-store is enough.
  if (seq > max_point_seq_.load(std::memory_order_relaxed)) {
    max_point_seq_.store(seq, std::memory_order_release);
  }
  if (type == kTypeDeletion) num_deletes_.fetch_add(1, std::memory_order_release);
  num_entries_.fetch_add(1, std::memory_order_release);
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

bool MemTable::Get(const LookupKey& key, std::string* value, Status* s, SequenceNumber* seq) const {
  // The lookup key's trailer is (sequence, kValueTypeForSeek), which sorts
  // before every entry of that user key with a sequence <= the lookup's, so
  // the first entry at or after it is the newest version visible.
  Table::Iterator iter(&table_);
  iter.Seek(key.memtable_key().data());
  if (!iter.Valid()) return false;

  std::string_view ikey = DecodeLengthPrefixed(iter.key());
  if (comparator_.CompareUserKeys(ExtractUserKey(ikey), key.user_key()) != 0) return false;
  if (seq != nullptr) *seq = ExtractTrailer(ikey) >> 8;

  switch (static_cast<ValueType>(ExtractTrailer(ikey) & 0xff)) {
    case kTypeValue:
      value->assign(DecodeLengthPrefixed(ikey.data() + ikey.size()));
      *s = Status::OK();
      return true;
    case kTypeDeletion:
      *s = Status::NotFound("");
      return true;
    case kTypeRangeDeletion:
      break;  // range tombstones live beside the skip list, never in it
  }
  assert(false && "Add only stores kTypeValue and kTypeDeletion");
  return false;
}

std::unique_ptr<Iterator> MemTable::NewIterator() const {
  return std::make_unique<MemTableIterator>(&table_);
}

}  // namespace strata
