// WriteBatch: a list of updates applied to the database atomically.
//
// Either every update in a batch is visible and durable, or none is, even
// across a crash. Updates apply in the order they were added, so a Put then a
// Delete of one key leaves it deleted.
//
// Thread-safety: a const WriteBatch may be read from several threads; adding
// to one needs external synchronization.

#ifndef STRATA_WRITE_BATCH_H_
#define STRATA_WRITE_BATCH_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "strata/export.h"
#include "strata/status.h"

namespace strata {

class STRATA_EXPORT WriteBatch {
 public:
  // Receives the updates of a batch in order (see Iterate).
  class STRATA_EXPORT Handler {
   public:
    virtual ~Handler() = default;
    virtual void Put(std::string_view key, std::string_view value) = 0;
    virtual void Delete(std::string_view key) = 0;
    // A DeleteRange(begin, end) update. The default does nothing, so
    // handlers written before range deletions compile unchanged; a handler
    // that copies or replays batches should override it.
    virtual void DeleteRange(std::string_view begin, std::string_view end);
  };

  WriteBatch();
  WriteBatch(const WriteBatch&) = default;
  WriteBatch& operator=(const WriteBatch&) = default;
  WriteBatch(WriteBatch&&) noexcept = default;
  WriteBatch& operator=(WriteBatch&&) noexcept = default;
  ~WriteBatch() = default;

  // Stores key -> value. Both may hold any bytes; value may be empty.
  void Put(std::string_view key, std::string_view value);
  // Removes key if present.
  void Delete(std::string_view key);
  // Removes every key in [begin, end) (in the database's comparator order),
  // as one range tombstone, ordered with the batch's other updates: a Put of
  // a key in the range before it in the batch is deleted, one after it
  // stays. begin >= end deletes nothing (the update is still counted).
  void DeleteRange(std::string_view begin, std::string_view end);
  // Removes every update from the batch.
  void Clear();
  // The number of updates in the batch.
  uint32_t Count() const;
  // The size of the batch's encoded form in bytes (what the WAL will hold).
  size_t ApproximateSize() const { return rep_.size(); }
  // Appends every update of `source` to this batch.
  void Append(const WriteBatch& source);
  // Calls handler for each update, in order. Returns Corruption if the batch's
  // encoding is damaged (possible only for one decoded from bytes).
  Status Iterate(Handler* handler) const;

 private:
  friend class WriteBatchInternal;

  // The encoded form, documented in docs/FORMAT.md ("Write batch").
  std::string rep_;
};

}  // namespace strata

#endif  // STRATA_WRITE_BATCH_H_
