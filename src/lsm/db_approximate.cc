// DB::GetApproximateSizes: how many bytes of the database a key range covers,
// estimated without reading data blocks. For each table, the range's ends
// are located in the table's index (TableReader::ApproximateOffsetOf: the
// offset of the data block that would hold the key), and the difference is
// what the range covers in that table. Tables wholly outside the range give
// equal offsets (both 0, or both the end of the data), so every table of the
// current version is asked and no key comparison decides which to skip: the
// estimate is the same whatever the comparator. Memtable bytes, when asked
// for, are counted entry by entry (internal key plus value), which is exact
// for the memtables of the moment but costs a walk over the range.
//
// Thread-safety: runs on the ReadState taken under the mutex, like reads, so
// it needs no lock while it works and may run concurrently with anything.

#include "lsm/db_impl.h"
#include "util/internal_key.h"

namespace strata {

namespace {

// The bytes of entries of `mem` whose user keys are in [start, limit).
uint64_t MemTableBytesInRange(const MemTable& mem, const Comparator* ucmp, const Range& range) {
  uint64_t bytes = 0;
  std::unique_ptr<Iterator> it = mem.NewIterator();
  for (it->Seek(MakeInternalKey(range.start, kMaxSequenceNumber, kValueTypeForSeek));
       it->Valid() && ucmp->Compare(ExtractUserKey(it->key()), range.limit) < 0; it->Next()) {
    bytes += it->key().size() + it->value().size();
  }
  return bytes;
}

}  // namespace

Status DBImpl::GetApproximateSizes(const Range* ranges, int n, bool include_memtables,
                                   uint64_t* sizes) {
  if (n < 0) return Status::InvalidArgument("GetApproximateSizes: negative range count");
  if (n > 0 && (ranges == nullptr || sizes == nullptr)) {
    return Status::InvalidArgument("GetApproximateSizes: ranges and sizes must not be null");
  }
  std::shared_ptr<const ReadState> state;
  {
    MutexLock lock(&mutex_);
    state = read_state_;
  }
  const Comparator* ucmp = options_.comparator;
  for (int i = 0; i < n; i++) {
    sizes[i] = 0;
    const Range& range = ranges[i];
    if (ucmp->Compare(range.start, range.limit) >= 0) continue;
    std::string start = MakeInternalKey(range.start, kMaxSequenceNumber, kValueTypeForSeek);
    std::string limit = MakeInternalKey(range.limit, kMaxSequenceNumber, kValueTypeForSeek);
    for (int level = 0; level < kNumLevels; level++) {
      for (const auto& file : state->version->files(level)) {
        uint64_t begin_offset = 0, end_offset = 0;
        Status s = table_cache_->ApproximateOffsetOf(*file, start, &begin_offset);
        if (s.ok()) s = table_cache_->ApproximateOffsetOf(*file, limit, &end_offset);
        if (!s.ok()) return s;
        if (end_offset > begin_offset) sizes[i] += end_offset - begin_offset;
      }
    }
    if (include_memtables) {
      sizes[i] += MemTableBytesInRange(*state->mem, ucmp, range);
      for (const auto& imm : state->imm) sizes[i] += MemTableBytesInRange(*imm, ucmp, range);
    }
  }
  return Status::OK();
}

}  // namespace strata
