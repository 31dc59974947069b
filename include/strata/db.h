// DB: a persistent, ordered key-value store built on a log-structured
// merge-tree. Including <strata/db.h> brings in the whole key-value API;
// <strata/inspect.h> adds checking, repairing and dumping a database's files.
//
// Keys and values are arbitrary byte strings (NUL and 0xFF included), keys
// ordered bytewise as unsigned bytes. An acknowledged write survives a crash
// of the process; one written with WriteOptions::sync survives a power loss.
//
// Thread-safety: a DB is safe for concurrent use by many threads without
// external synchronization. Concurrent writers are batched into one WAL write
// (group commit); reads never block writes.

#ifndef STRATA_DB_H_
#define STRATA_DB_H_

#include <memory>
#include <string>
#include <string_view>

#include "strata/export.h"
#include "strata/file_system.h"
#include "strata/iterator.h"
#include "strata/options.h"
#include "strata/snapshot.h"
#include "strata/status.h"
#include "strata/write_batch.h"

namespace strata {

// A range of user keys, [start, limit), for DB::GetApproximateSizes.
struct STRATA_EXPORT Range {
  std::string_view start;  // included
  std::string_view limit;  // not included
};

class STRATA_EXPORT DB {
 public:
  // Opens the database in directory `path`. On success stores it in *db and
  // returns OK; otherwise leaves *db empty and returns the reason: Busy if
  // another DB holds it open, InvalidArgument for bad options, Corruption or
  // IOError if it cannot be recovered.
  static Status Open(const Options& options, const std::string& path, std::unique_ptr<DB>* db);

  // Opens the database in `path` for reading only, as it is at this call.
  // Takes no lock and creates, changes or deletes no file: the WALs are
  // replayed into memory only (options.wal_recovery_mode applies, except to
  // the newest WAL, which a writer may be appending to as it is read: its
  // replay ends, without an error, at the first record that reads as
  // damaged, so that what is seen is always a prefix of the writes; a
  // point-in-time stop is not flushed), so it works on a directory the
  // process cannot write, and any number of read-only instances may open a
  // database one writer has open, in any process; each sees the data as of
  // its open and never the writer's later writes. Put, Delete, Write, Flush,
  // CompactRange and Resume return NotSupported. Its tables open at once (as
  // many as max_open_files keeps), so a writer's compaction cannot pull them
  // away; past that many, one deleted meanwhile reads as Corruption: reopen.
  // Errors as for Open, and InvalidArgument if there is no database.
  static Status OpenReadOnly(const Options& options, const std::string& path,
                             std::unique_ptr<DB>* db);

  DB() = default;
  DB(const DB&) = delete;
  DB& operator=(const DB&) = delete;
  // Closes cleanly: waits for background work and releases the directory.
  // REQUIRES: every snapshot released and every iterator destroyed.
  virtual ~DB();

  // Stores key -> value, replacing any previous value.
  virtual Status Put(const WriteOptions& options, std::string_view key, std::string_view value) = 0;
  // Removes key; OK whether or not it existed.
  virtual Status Delete(const WriteOptions& options, std::string_view key) = 0;
  // Removes every key in [begin, end) (bytes ordered by options.comparator),
  // atomically and in O(1) writes: one range tombstone, whatever the number
  // of keys it covers. Snapshots taken before the call still see the keys.
  // begin >= end is a no-op that returns OK. A DB that cannot delete ranges
  // returns NotSupported.
  //
  // Reads stay fast with many range tombstones: overlapping tombstones are
  // cut into non-overlapping fragments searched by binary search, and a read
  // with no tombstones anywhere pays nothing for them. Compactions drop the
  // covered keys (once no snapshot needs them) and, at the bottom level,
  // the tombstones themselves, so the space comes back.
  virtual Status DeleteRange(const WriteOptions& options, std::string_view begin,
                             std::string_view end);
  // Applies every update in *updates atomically. The batch's updates are not
  // modified (the engine may stamp the sequence number in its header).
  virtual Status Write(const WriteOptions& options, WriteBatch* updates) = 0;
  // Stores key's value in *value and returns OK, or returns NotFound.
  virtual Status Get(const ReadOptions& options, std::string_view key, std::string* value) = 0;
  // An iterator over the database as of now (or options.snapshot). It starts
  // unpositioned: call a Seek method first. Destroy it before the DB.
  virtual std::unique_ptr<Iterator> NewIterator(const ReadOptions& options) = 0;
  // A handle on the current state; release it with ReleaseSnapshot.
  virtual const Snapshot* GetSnapshot() = 0;
  virtual void ReleaseSnapshot(const Snapshot* snapshot) = 0;
  // Makes the current memtable durable in a table on disk and returns when
  // done.
  virtual Status Flush() = 0;
  // Compacts the keys in [*begin, *end] (nullptr: unbounded on that side).
  virtual Status CompactRange(const std::string_view* begin, const std::string_view* end) = 0;
  // Stores the value of property `name` in *value and returns true, or
  // returns false if there is no such property. See docs/PROPERTIES.md.
  virtual bool GetProperty(std::string_view name, std::string* value) = 0;
  // Retries, now, after a background error the database can recover from,
  // and returns OK if writes are accepted again.
  //
  // Errors: running out of space (Status::IsNoSpace) while writing the WAL,
  // a table or the MANIFEST makes writes fail with that status while reads
  // keep working; the database retries by itself with growing intervals (up
  // to a second), so calling Resume is only needed to retry sooner. Any other
  // write or sync failure is sticky: every later write returns it and Resume
  // returns it too, because a failed fsync may have lost data the OS still
  // reports as written. Reopening the database recovers from those, with
  // every acknowledged write intact.
  virtual Status Resume() = 0;
  // For each of the n ranges, stores in sizes[i] the approximate bytes of
  // table data on disk that hold keys in ranges[i] (from the position of the
  // range's ends in each table's index, so within a data block of the truth
  // per table), plus, if include_memtables, the bytes of the memtables'
  // entries in it. Compression is counted: the figures are bytes on disk. A
  // range whose limit is not after its start covers 0 bytes. Returns OK, or
  // the error met opening a table.
  virtual Status GetApproximateSizes(const Range* ranges, int n, bool include_memtables,
                                     uint64_t* sizes) = 0;

  // Writes an openable, independent copy of the database, as of the call, to
  // the new directory `dir`, while reads and writes go on. Every write
  // acknowledged before the call is in the copy; later writes to either
  // database do not show in the other. Tables are hard-linked when `dir` is
  // on the same file system (cheap: tables never change) and copied
  // otherwise; the memtable is flushed first, so the copy needs no WAL.
  // Returns InvalidArgument if `dir` exists. The copy is built under
  // `dir` + ".strata-checkpoint-tmp" and renamed into place, all synced, so a
  // crash leaves either a complete `dir` or none (and a leftover temporary
  // directory, which does not open as a database and which the next
  // checkpoint to `dir` removes). A DB that cannot checkpoint returns
  // NotSupported.
  virtual Status CreateCheckpoint(const std::string& dir);
  // Hands every WAL record written so far with WriteOptions::defer_wal_flush
  // to the OS, so those writes survive a crash of the process (not of the
  // machine: use a synced write for that). Cheap when there is none. Returns
  // the write error, which is then sticky as for any failed WAL write. A DB
  // that never defers (the default implementation) returns OK.
  virtual Status FlushWAL();

  // Conveniences with default options.
  Status Put(std::string_view key, std::string_view value) {
    return Put(WriteOptions(), key, value);
  }
  Status Delete(std::string_view key) { return Delete(WriteOptions(), key); }
  Status Write(WriteBatch* updates) { return Write(WriteOptions(), updates); }
  Status Get(std::string_view key, std::string* value) { return Get(ReadOptions(), key, value); }
  std::unique_ptr<Iterator> NewIterator() { return NewIterator(ReadOptions()); }
  Status GetApproximateSizes(const Range* ranges, int n, uint64_t* sizes) {
    return GetApproximateSizes(ranges, n, false, sizes);
  }
};

// Deletes the database in `path` and its directory. The database must not be
// open. OK if it does not exist.
STRATA_EXPORT Status DestroyDB(const std::string& path, const Options& options);

}  // namespace strata

#endif  // STRATA_DB_H_
