// Iterator: an ordered cursor over key/value pairs.
//
// The same interface serves users (DB::NewIterator) and every internal source
// (memtables, blocks, tables, merges), so one set of tests and adapters works
// for all of them. Keys are ordered bytewise as unsigned bytes.
//
// key() and value() are views that stay valid only until the iterator is
// moved or destroyed; copy them to keep them longer.
//
// Thread-safety: an Iterator is not safe for concurrent use; give each thread
// its own. Iterators over a DB see the snapshot taken when they were created.

#ifndef STRATA_ITERATOR_H_
#define STRATA_ITERATOR_H_

#include <memory>
#include <string_view>

#include "strata/export.h"
#include "strata/status.h"

namespace strata {

class STRATA_EXPORT Iterator {
 public:
  Iterator() = default;
  Iterator(const Iterator&) = delete;
  Iterator& operator=(const Iterator&) = delete;
  virtual ~Iterator() = default;

  // True when positioned at an entry; key() and value() then may be called.
  virtual bool Valid() const = 0;
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  // Positions at the first entry with a key >= target.
  virtual void Seek(std::string_view target) = 0;
  // REQUIRES: Valid().
  virtual void Next() = 0;
  // REQUIRES: Valid().
  virtual void Prev() = 0;
  // REQUIRES: Valid().
  virtual std::string_view key() const = 0;
  // REQUIRES: Valid().
  virtual std::string_view value() const = 0;
  // OK unless an error (corruption, I/O) was met; an iterator that met an
  // error is not Valid().
  virtual Status status() const = 0;
};

// An iterator over nothing that reports `status` (OK by default).
STRATA_EXPORT std::unique_ptr<Iterator> NewEmptyIterator(Status status = Status::OK());

}  // namespace strata

#endif  // STRATA_ITERATOR_H_
