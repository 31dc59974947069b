// WriteBatch encoding and decoding; the layout is in write_batch_internal.h.

#include "strata/write_batch.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <type_traits>

#include "lsm/write_batch_internal.h"
#include "memtable/memtable.h"
#include "util/coding.h"

namespace strata {

namespace {

// Makes room for `more` bytes at the end of rep before an update is
// appended: at least kMinBatchBytes, then doubling, so that a command's small
// batch (a few keys and a metadata record) grows its buffer once rather than
// once per update from std::string's inline 15 bytes. 256: a sorted-set
// pop's batch (two element deletions and a metadata record, ~160 bytes)
// outgrew 128 and took two allocations.
constexpr size_t kMinBatchBytes = 256;
void ReserveFor(std::string* rep, size_t more) {
  const size_t need = rep->size() + more;
  if (need <= rep->capacity()) return;
  rep->reserve(std::max({need, 2 * rep->capacity(), kMinBatchBytes}));
}

// Appends one update: `tag`, `first` and (has_second) `second`, each
// length-prefixed: sized and reserved once, then encoded in place (no
// append per piece).
void AppendUpdate(std::string* rep, ValueType tag, std::string_view first, std::string_view second,
                  bool has_second) {
  const size_t first_prefix = VarintLength(first.size());
  const size_t second_prefix = has_second ? VarintLength(second.size()) : 0;
  const size_t n = 1 + first_prefix + first.size() + second_prefix + second.size();
  const size_t old = rep->size();
  ReserveFor(rep, n);
  rep->resize(old + n);
  char* p = rep->data() + old;
  *p++ = static_cast<char>(tag);
  p = EncodeVarint32(p, static_cast<uint32_t>(first.size()));
  if (!first.empty()) std::memcpy(p, first.data(), first.size());
  p += first.size();
  if (has_second) {
    p = EncodeVarint32(p, static_cast<uint32_t>(second.size()));
    if (!second.empty()) std::memcpy(p, second.data(), second.size());
  }
}

}  // namespace

WriteBatch::WriteBatch() { Clear(); }

void WriteBatch::Clear() {
  rep_.clear();
  rep_.resize(WriteBatchInternal::kHeaderSize);
}

uint32_t WriteBatch::Count() const { return WriteBatchInternal::Count(this); }

void WriteBatch::Put(std::string_view key, std::string_view value) {
  WriteBatchInternal::SetCount(this, WriteBatchInternal::Count(this) + 1);
  AppendUpdate(&rep_, kTypeValue, key, value, true);
}

void WriteBatch::Delete(std::string_view key) {
  WriteBatchInternal::SetCount(this, WriteBatchInternal::Count(this) + 1);
  AppendUpdate(&rep_, kTypeDeletion, key, {}, false);
}

void WriteBatch::DeleteRange(std::string_view begin, std::string_view end) {
  WriteBatchInternal::SetCount(this, WriteBatchInternal::Count(this) + 1);
  AppendUpdate(&rep_, kTypeRangeDeletion, begin, end, true);
}

void WriteBatch::Handler::DeleteRange(std::string_view, std::string_view) {}

void WriteBatch::Append(const WriteBatch& source) {
  WriteBatchInternal::SetCount(this, Count() + source.Count());
  rep_.append(source.rep_, WriteBatchInternal::kHeaderSize);
}

Status WriteBatch::Iterate(Handler* handler) const {
  std::string_view input(rep_);
  if (input.size() < WriteBatchInternal::kHeaderSize) {
    return Status::Corruption("write batch", "too small");
  }
  input.remove_prefix(WriteBatchInternal::kHeaderSize);
  uint32_t found = 0;
  while (!input.empty()) {
    char tag = input.front();
    input.remove_prefix(1);
    std::string_view key, value;
    switch (tag) {
      case kTypeValue:
        if (!GetLengthPrefixed(&input, &key) || !GetLengthPrefixed(&input, &value)) {
          return Status::Corruption("write batch", "bad Put");
        }
        handler->Put(key, value);
        break;
      case kTypeDeletion:
        if (!GetLengthPrefixed(&input, &key)) {
          return Status::Corruption("write batch", "bad Delete");
        }
        handler->Delete(key);
        break;
      case kTypeRangeDeletion:
        if (!GetLengthPrefixed(&input, &key) || !GetLengthPrefixed(&input, &value)) {
          return Status::Corruption("write batch", "bad DeleteRange");
        }
        handler->DeleteRange(key, value);
        break;
      default:
        return Status::Corruption("write batch", "unknown update type");
    }
    found++;
  }
  if (found != Count()) return Status::Corruption("write batch", "wrong count");
  return Status::OK();
}

uint32_t WriteBatchInternal::Count(const WriteBatch* batch) {
  return DecodeFixed32(batch->rep_.data() + 8);
}

void WriteBatchInternal::SetCount(WriteBatch* batch, uint32_t n) {
  EncodeFixed32(batch->rep_.data() + 8, n);
}

SequenceNumber WriteBatchInternal::Sequence(const WriteBatch* batch) {
  return DecodeFixed64(batch->rep_.data());
}

void WriteBatchInternal::SetSequence(WriteBatch* batch, SequenceNumber seq) {
  EncodeFixed64(batch->rep_.data(), seq);
}

namespace {

// Decodes every update and keeps none: Iterate checks the encoding.
class NoopHandler final : public WriteBatch::Handler {
 public:
  void Put(std::string_view, std::string_view) override {}
  void Delete(std::string_view) override {}
};

}  // namespace

Status WriteBatchInternal::Decode(std::string_view record, WriteBatch* batch) {
  Status s = SetContents(batch, record);
  if (!s.ok()) return s;
  NoopHandler handler;
  return batch->Iterate(&handler);
}

Status WriteBatchInternal::SetContents(WriteBatch* batch, std::string_view contents) {
  if (contents.size() < kHeaderSize) return Status::Corruption("write batch", "too small");
  // The updates take sequence numbers first .. first + count - 1. Past
  // kMaxSequenceNumber they do not fit an internal key's 56 bits: replaying
  // the batch would store them under wrapped-around sequence numbers (and
  // fail an assert in debug builds), and recovery would set the last
  // sequence past the maximum.
  const SequenceNumber first = DecodeFixed64(contents.data());
  const uint32_t count = DecodeFixed32(contents.data() + 8);
  if (first > kMaxSequenceNumber || (count > 0 && count - 1 > kMaxSequenceNumber - first)) {
    return Status::Corruption("write batch", "sequence numbers past the maximum");
  }
  batch->rep_.assign(contents.data(), contents.size());
  return Status::OK();
}

namespace {

// Hands a batch's point updates to the memtable in chunks (AddBatch), whose
// skip-list searches run side by side; a range deletion goes in after the
// point updates before it.
class MemTableInserter final : public WriteBatch::Handler {
 public:
  MemTableInserter(SequenceNumber seq, MemTable* mem) : sequence_(seq), mem_(mem) {}
  void Put(std::string_view key, std::string_view value) override {
    Buffer({sequence_++, kTypeValue, key, value});
  }
  void Delete(std::string_view key) override { Buffer({sequence_++, kTypeDeletion, key, {}}); }
  void DeleteRange(std::string_view begin, std::string_view end) override {
    Drain();
    mem_->AddRangeTombstone(sequence_++, begin, end);
  }
  // Adds what is buffered. The views stay good until the batch changes.
  void Drain() {
    mem_->AddBatch(pending_.entries, count_);
    count_ = 0;
  }

 private:
  static constexpr size_t kChunk = MemTable::kMaxBatch;
  void Buffer(const MemTable::PointEntry& entry) {
    pending_.entries[count_++] = entry;
    if (count_ == kChunk) Drain();
  }

  SequenceNumber sequence_;
  MemTable* const mem_;
  // Left uninitialised: zeroing 64 entries' views cost ~460 instructions a
  // batch, 4.5% of a one-update batch's write (callgrind, strata-server
  // LPUSH). Only pending_.entries[0, count_) are ever read.
  static_assert(std::is_trivially_copyable_v<MemTable::PointEntry> &&
                std::is_trivially_destructible_v<MemTable::PointEntry>);
  union Slots {
    Slots() {}
    MemTable::PointEntry entries[kChunk];
  } pending_;
  size_t count_ = 0;
};

}  // namespace

Status WriteBatchInternal::InsertInto(const WriteBatch* batch, MemTable* memtable) {
  MemTableInserter inserter(Sequence(batch), memtable);
  Status s = batch->Iterate(&inserter);
  // After an error too: the updates Iterate decoded before the bad record
  // still go in, as they did when each was added as it was decoded.
  inserter.Drain();
  return s;
}

}  // namespace strata
