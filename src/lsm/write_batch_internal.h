// WriteBatchInternal: the engine's access to a WriteBatch's encoded form.
//
// Encoding (docs/FORMAT.md, "Write batch"):
//   fixed64 sequence      of the first update; the others follow consecutively
//   fixed32 count         number of updates
//   count times:
//     byte type           kTypeValue (1), kTypeDeletion (0) or
//                         kTypeRangeDeletion (2)
//     varint32 key length, key bytes          (the range's begin for 2)
//     varint32 value length, value bytes      (kTypeValue; the range's
//                                              end for kTypeRangeDeletion)
// The same bytes are one WAL record, so a batch is atomic across a crash.
//
// Thread-safety: as WriteBatch.

#ifndef STRATA_LSM_WRITE_BATCH_INTERNAL_H_
#define STRATA_LSM_WRITE_BATCH_INTERNAL_H_

#include <string_view>

#include "strata/write_batch.h"
#include "util/internal_key.h"

namespace strata {

class MemTable;

class WriteBatchInternal {
 public:
  static constexpr size_t kHeaderSize = 12;

  static uint32_t Count(const WriteBatch* batch);
  static void SetCount(WriteBatch* batch, uint32_t n);
  static SequenceNumber Sequence(const WriteBatch* batch);
  static void SetSequence(WriteBatch* batch, SequenceNumber seq);
  static std::string_view Contents(const WriteBatch* batch) { return batch->rep_; }
  static size_t ByteSize(const WriteBatch* batch) { return batch->rep_.size(); }
  // Replaces the batch's contents with bytes read from a WAL. Returns
  // Corruption if they are too short to be a batch, or if the sequence
  // numbers of the updates the header announces would pass
  // kMaxSequenceNumber.
  static Status SetContents(WriteBatch* batch, std::string_view contents);
  // SetContents, then checks that every update decodes and that their count
  // is the header's, the way recovery does before applying a batch (a batch
  // is used whole or not at all). Corruption, saying why, if not.
  static Status Decode(std::string_view record, WriteBatch* batch);
  // Inserts every update into memtable with consecutive sequence numbers
  // starting at Sequence(batch). Returns Corruption if the encoding is bad or
  // the update count disagrees with the header.
  static Status InsertInto(const WriteBatch* batch, MemTable* memtable);
};

}  // namespace strata

#endif  // STRATA_LSM_WRITE_BATCH_INTERNAL_H_
