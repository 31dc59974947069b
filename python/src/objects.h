// The C++ classes behind stratadb's Python types: Database (stratadb.DB),
// WriteBatch, Snapshot, Iterator (plyvel's movable iterator) and
// RawIterator (LevelDB's cursor). module.cc binds them and holds their
// docstrings.
//
// Every engine call goes through RunOnDb or IteratorBase::Run: key and value
// arguments are copied into std::string while the GIL is held, then the GIL
// is released and a DbHandle lease taken for the call, and the results are
// copied out before the GIL is taken back (db_handle.h's invariant 2). A
// closed DB, iterator or snapshot raises ClosedError.
//
// The "db_prefix" of a WriteBatch, Snapshot or iterator is a PrefixedDB's
// prefix: prepended to every key going in and stripped from every key
// coming out ("" for the DB itself).
//
// Thread-safety: every object may be used from several Python threads at
// once. An iterator's or write batch's own mutex makes its calls take turns
// (each is a cursor or a buffer: concurrent use is a bug, but never a
// crash); a snapshot's reads run in parallel under the shared side of its
// mutex, and its close() takes the exclusive side.

#ifndef STRATA_PYTHON_OBJECTS_H_
#define STRATA_PYTHON_OBJECTS_H_

#include <pybind11/pybind11.h>

#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "db_handle.h"
#include "errors.h"
#include "strata/db.h"

namespace stratadb_py {

namespace py = pybind11;

// Runs fn(strata::DB*) -> strata::Status with the GIL released and a lease
// held; raises ClosedError if the DB is closed, and returns fn's status.
template <typename Fn>
strata::Status RunOnDb(DbHandle& handle, Fn&& fn) {
  bool open = false;
  strata::Status status;
  {
    py::gil_scoped_release nogil;
    DbHandle::Lease lease = handle.Acquire();
    if (lease) {
      open = true;
      status = fn(lease.db());
    }
  }
  if (!open) RaiseClosed("database");
  return status;
}

// ReadOptions a Python read may set.
struct ReadArgs {
  bool verify_checksums = false;
  bool fill_cache = true;
};

class Snapshot;

// An iterator's engine bounds [lower, upper); nullopt: unbounded on that side.
struct KeyRange {
  std::optional<std::string> lower;
  std::optional<std::string> upper;
};

// What iterator() received.
struct IteratorArgs {
  bool reverse = false;
  std::optional<std::string> start;
  std::optional<std::string> stop;
  bool include_start = true;
  bool include_stop = false;
  std::optional<std::string> prefix;
  bool include_key = true;
  bool include_value = true;
  ReadArgs read;
};

class Database {
 public:
  // Opens (or creates) the database; raises on failure. Option values of
  // None keep the engine's defaults.
  Database(py::object path, bool create_if_missing, bool error_if_exists, bool paranoid_checks,
           std::optional<int64_t> write_buffer_size, std::optional<int64_t> max_open_files,
           std::optional<int64_t> lru_cache_size, std::optional<int64_t> block_size,
           std::optional<int64_t> block_restart_interval, py::object compression,
           int bloom_filter_bits, bool read_only);

  py::object Get(py::handle key, py::object default_value, bool verify_checksums, bool fill_cache);
  void Put(py::handle key, py::handle value, bool sync);
  void Delete(py::handle key, bool sync);
  void DeleteRange(py::handle start, py::handle stop, bool sync);
  py::object GetProperty(py::handle name);
  void CompactRange(py::handle start, py::handle stop);
  void Flush();
  py::list ApproximateSizes(const py::tuple& ranges);
  void CreateCheckpoint(py::object path);
  void Close();
  bool closed() const { return handle_->closed(); }
  bool read_only() const { return handle_->read_only(); }
  const py::object& name() const { return name_; }
  const std::shared_ptr<DbHandle>& handle() const { return handle_; }

 private:
  py::object name_;  // the path as given
  std::shared_ptr<DbHandle> handle_;
};

class WriteBatch {
 public:
  WriteBatch(std::shared_ptr<DbHandle> handle, std::string db_prefix, bool transaction, bool sync);

  void Put(py::handle key, py::handle value);
  void Delete(py::handle key);
  void Clear();
  // Appends other's updates (both may be the same batch).
  void Append(WriteBatch& other);
  size_t ApproximateSize();
  size_t Count();
  void Write();
  // The context manager's exit: writes, unless this is a transaction and
  // an exception is propagating; the batch is cleared either way.
  void Exit(bool exception_raised);

 private:
  const std::shared_ptr<DbHandle> handle_;
  const std::string db_prefix_;
  const bool transaction_;
  const bool sync_;

  std::mutex mu_;
  strata::WriteBatch batch_;  // guarded by mu_
};

class Snapshot : public Child {
 public:
  Snapshot(std::shared_ptr<DbHandle> handle, std::string db_prefix);
  ~Snapshot() override;

  py::object Get(py::handle key, py::object default_value, bool verify_checksums, bool fill_cache);
  // Releases the engine snapshot; idempotent.
  void Close();
  bool closed();
  const std::shared_ptr<DbHandle>& handle() const { return handle_; }
  const std::string& db_prefix() const { return db_prefix_; }

  // Stores the engine snapshot in options->snapshot with the shared side of
  // mu_ held in *lock, or returns false if the snapshot is closed.
  // REQUIRES: a lease on handle() is held.
  bool Pin(std::shared_lock<std::shared_mutex>* lock, strata::ReadOptions* options);

  void ReleaseEngineState(strata::DB* db) override;

 private:
  const std::shared_ptr<DbHandle> handle_;
  const std::string db_prefix_;

  std::shared_mutex mu_;
  const strata::Snapshot* snapshot_ = nullptr;  // guarded by mu_; null once closed
};

// The engine iterator, its bounds and its closing, shared by Iterator and
// RawIterator. Not movable: the engine holds pointers to lower_view_ and
// upper_view_.
class IteratorBase : public Child {
 public:
  IteratorBase(const IteratorBase&) = delete;
  IteratorBase& operator=(const IteratorBase&) = delete;
  ~IteratorBase() override;

  // Destroys the engine iterator; idempotent.
  void Close();
  void ReleaseEngineState(strata::DB* db) override;

 protected:
  // Creates the engine iterator over handle's DB (as of snapshot's, if not
  // null) limited to range.
  IteratorBase(std::shared_ptr<DbHandle> handle, Snapshot* snapshot, const ReadArgs& read,
               KeyRange range, std::string db_prefix);

  // Runs fn(strata::Iterator*) -> strata::Status with the GIL released, a
  // lease held and mu_ locked, then raises ClosedError if the DB or this
  // iterator is closed, or the exception for fn's status.
  template <typename Fn>
  void Run(Fn&& fn) {
    const char* closed_what = nullptr;
    strata::Status status;
    {
      py::gil_scoped_release nogil;
      DbHandle::Lease lease = handle_->Acquire();
      if (!lease) {
        closed_what = "database";
      } else {
        std::lock_guard<std::mutex> lock(mu_);
        if (iter_ == nullptr) {
          closed_what = "iterator";
        } else {
          status = fn(iter_.get());
        }
      }
    }
    if (closed_what != nullptr) RaiseClosed(closed_what);
    ThrowIfError(status);
  }

  // The key at `it` without the db prefix. REQUIRES: it->Valid().
  std::string_view UserKey(const strata::Iterator* it) const {
    return it->key().substr(db_prefix_.size());
  }
  const std::string& db_prefix() const { return db_prefix_; }

 private:
  const std::shared_ptr<DbHandle> handle_;
  const std::string db_prefix_;
  const KeyRange range_;
  const std::string_view lower_view_;
  const std::string_view upper_view_;

  std::mutex mu_;
  std::unique_ptr<strata::Iterator> iter_;  // guarded by mu_; null once closed
};

// plyvel's iterator: a cursor between two entries of [start, stop). next()
// returns the entry after the cursor and moves past it, prev() the entry
// before it (reverse=True swaps them); seek_to_start() and seek_to_stop()
// put the cursor before the first and after the last entry, seek(key)
// before the first entry >= key.
class Iterator : public IteratorBase {
 public:
  Iterator(std::shared_ptr<DbHandle> handle, Snapshot* snapshot, const IteratorArgs& args,
           const std::string& db_prefix);

  py::object Next();  // __next__: raises StopIteration at the end
  py::object Prev();
  void Seek(py::handle target);
  void SeekToStart();
  void SeekToStop();

 private:
  enum class Position {
    kBeforeStart,  // before the first entry
    kAfterStop,    // after the last entry
    kAt,           // just before the engine iterator's entry (after the last one if not Valid)
  };
  // One step toward stop (forward) or start; on finding an entry copies it
  // into *key and *value (as much as the iterator returns) and sets *found.
  // REQUIRES: mu_ held (called inside Run).
  strata::Status StepForward(strata::Iterator* it, bool* found, std::string* key,
                             std::string* value);
  strata::Status StepBackward(strata::Iterator* it, bool* found, std::string* key,
                              std::string* value);
  void CopyEntry(const strata::Iterator* it, std::string* key, std::string* value) const;
  py::object Step(bool forward);
  py::object MakeItem(const std::string& key, const std::string& value) const;

  const bool reverse_;
  const bool include_key_;
  const bool include_value_;
  // Guarded by IteratorBase::mu_ (touched only inside Run).
  Position position_;
};

// LevelDB's cursor: valid(), seek_to_first(), seek_to_last(), seek(key),
// next(), prev(), key(), value(), item().
class RawIterator : public IteratorBase {
 public:
  RawIterator(std::shared_ptr<DbHandle> handle, Snapshot* snapshot, const ReadArgs& read,
              const std::string& db_prefix);

  bool Valid();
  void SeekToFirst();
  void SeekToLast();
  void Seek(py::handle target);
  void Next();
  void Prev();
  py::bytes Key();
  py::bytes Value();
  py::tuple Item();

 private:
  // Copies the current key (without the db prefix) and/or value, or raises
  // IteratorInvalidError.
  void Current(std::string* key, std::string* value);
};

// The smallest key after every key that starts with `prefix`: the upper
// bound of a prefix's keys. nullopt if there is none (prefix is empty or all
// 0xff bytes): the range is then unbounded above.
std::optional<std::string> PrefixSuccessor(std::string_view prefix);

}  // namespace stratadb_py

#endif  // STRATA_PYTHON_OBJECTS_H_
