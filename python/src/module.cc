// stratadb._stratadb: the pybind11 bindings of objects.h's classes, their
// docstrings (what help(stratadb.DB) shows; stratadb/__init__.pyi repeats
// the signatures for type checkers), and repair_db / destroy_db.
//
// The pure-Python package (stratadb/__init__.py) re-exports everything and
// adds PrefixedDB, which calls the private _prefixed_* factories here.
//
// Thread-safety: see objects.h; every binding below may be called from any
// Python thread.

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>

#include "errors.h"
#include "objects.h"
#include "strata/db.h"
#include "strata/inspect.h"

namespace stratadb_py {
namespace {

std::unique_ptr<Iterator> MakeIterator(const std::shared_ptr<DbHandle>& handle, Snapshot* snapshot,
                                       const std::string& db_prefix, bool reverse, py::handle start,
                                       py::handle stop, bool include_start, bool include_stop,
                                       py::handle prefix, bool include_key, bool include_value,
                                       bool verify_checksums, bool fill_cache) {
  IteratorArgs args;
  args.reverse = reverse;
  args.start = OptionalBytesArg(start, "start");
  args.stop = OptionalBytesArg(stop, "stop");
  args.include_start = include_start;
  args.include_stop = include_stop;
  args.prefix = OptionalBytesArg(prefix, "prefix");
  args.include_key = include_key;
  args.include_value = include_value;
  args.read.verify_checksums = verify_checksums;
  args.read.fill_cache = fill_cache;
  return std::make_unique<Iterator>(handle, snapshot, args, db_prefix);
}

std::unique_ptr<RawIterator> MakeRawIterator(const std::shared_ptr<DbHandle>& handle,
                                             Snapshot* snapshot, const std::string& db_prefix,
                                             bool verify_checksums, bool fill_cache) {
  ReadArgs read;
  read.verify_checksums = verify_checksums;
  read.fill_cache = fill_cache;
  return std::make_unique<RawIterator>(handle, snapshot, read, db_prefix);
}

py::dict RepairDb(py::object path, bool paranoid_checks) {
  const std::string fs_path = PathArg(path);
  strata::Options options;
  options.paranoid_checks = paranoid_checks;
  strata::RepairReport report;
  strata::Status status;
  {
    py::gil_scoped_release nogil;
    status = strata::RepairDB(fs_path, options, &report);
  }
  ThrowIfError(status);
  py::dict out;
  out["tables_kept"] = report.tables_kept;
  out["tables_salvaged"] = report.tables_salvaged;
  out["tables_lost"] = report.tables_lost;
  out["logs_converted"] = report.logs_converted;
  out["entries_kept"] = report.entries_kept;
  out["entries_lost"] = report.entries_lost;
  out["bytes_lost"] = report.bytes_lost;
  out["manifest_rebuilt_from_scratch"] = report.manifest_rebuilt_from_scratch;
  py::list moved;
  for (const strata::FileProblem& problem : report.moved) moved.append(py::str(problem.file));
  out["moved_to_lost"] = moved;
  return out;
}

void DestroyDb(py::object path) {
  const std::string fs_path = PathArg(path);
  strata::Status status;
  {
    py::gil_scoped_release nogil;
    status = strata::DestroyDB(fs_path, strata::Options());
  }
  ThrowIfError(status);
}

// The keyword arguments of every iterator() (DB, Snapshot, PrefixedDB).
#define STRATADB_ITERATOR_ARGS                                                    \
  py::kw_only(), py::arg("reverse") = false, py::arg("start") = py::none(),       \
                 py::arg("stop") = py::none(), py::arg("include_start") = true,   \
                 py::arg("include_stop") = false, py::arg("prefix") = py::none(), \
                 py::arg("include_key") = true, py::arg("include_value") = true,  \
                 py::arg("verify_checksums") = false, py::arg("fill_cache") = true

constexpr const char* kDbDoc =
    R"doc(A StrataDB database: a persistent, ordered map of bytes to bytes.

DB(name, *, create_if_missing=True, error_if_exists=False, paranoid_checks=False,
   write_buffer_size=None, max_open_files=None, lru_cache_size=None, block_size=None,
   block_restart_interval=None, compression='lz4', bloom_filter_bits=10, read_only=False)

Opens the database in directory `name` (str, bytes or os.PathLike), creating it
unless create_if_missing is False. Options left at None keep the engine's
defaults (include/strata/options.h): write_buffer_size 64 MiB, max_open_files
1000, lru_cache_size (the block cache) 32 MiB, block_size 4 KiB,
block_restart_interval 16. compression is None/'none', 'snappy', 'lz4' or
'zstd'; bloom_filter_bits is bits per key of each table's bloom filter (0: none).
read_only=True opens without taking the lock or writing anything (any number of
readers may open a database a writer has open; each sees it as of its open):
writes then raise NotSupportedError.

Raises LockedError if another DB (in this process or another) has it open:
opening never waits. InvalidArgumentError if it is missing and
create_if_missing is False, or exists and error_if_exists is True, or an option
is out of range; CorruptionError or IOError if it cannot be recovered.

Keys and values are bytes-like (bytes, bytearray, memoryview); a str raises
TypeError. Results are bytes. A DB is usable as a context manager (closed on
exit) and from many threads at once: the GIL is released during every engine
call. Closing it while iterators or snapshots are alive makes them raise
ClosedError on their next use.)doc";

}  // namespace
}  // namespace stratadb_py

namespace py = pybind11;

PYBIND11_MODULE(_stratadb, m) {
  using namespace stratadb_py;
  m.doc() = "StrataDB's Python binding (the C++ part of the stratadb package).";
  m.attr("__version__") = STRATA_PYTHON_VERSION;
  RegisterErrors(m);

  py::class_<WriteBatch>(m, "WriteBatch", R"doc(Updates applied to the database atomically.

Made by DB.write_batch(transaction=False, sync=False). Use as a context manager:
on exit the batch is written (with sync if asked) and cleared; with
transaction=True an exception leaving the block writes nothing. Or call write()
yourself; the batch may be reused after clear().)doc")
      .def("put", &WriteBatch::Put, py::arg("key"), py::arg("value"),
           "Adds key -> value to the batch.")
      .def("delete", &WriteBatch::Delete, py::arg("key"), "Adds a deletion of key to the batch.")
      .def("clear", &WriteBatch::Clear, "Removes every update from the batch.")
      .def("append", &WriteBatch::Append, py::arg("source"),
           "Appends the updates of another WriteBatch to this one.")
      .def("approximate_size", &WriteBatch::ApproximateSize,
           "The size of the batch's encoded form in bytes.")
      .def("__len__", &WriteBatch::Count, "The number of updates in the batch.")
      .def("write", &WriteBatch::Write,
           "Applies every update atomically. The batch keeps its updates (clear() empties it).")
      .def("__enter__", [](py::object self) { return self; })
      .def(
          "__exit__",
          [](WriteBatch& self, py::handle exc_type, py::handle, py::handle) {
            self.Exit(!exc_type.is_none());
            return false;
          },
          py::arg("exc_type"), py::arg("exc_value"), py::arg("traceback"),
          "Writes and clears the batch; a transaction with an exception in flight is only "
          "cleared.");

  py::class_<Snapshot>(m, "Snapshot",
                       R"doc(A consistent, read-only view of the database as of its creation.

Made by DB.snapshot(). Reads through it (get, iterator, raw_iterator) see exactly
the writes made before it. Release it with close() (or release(), or a with
block); closing the DB releases it too, after which its use raises ClosedError.)doc")
      .def("get", &Snapshot::Get, py::arg("key"), py::arg("default") = py::none(), py::kw_only(),
           py::arg("verify_checksums") = false, py::arg("fill_cache") = true,
           "The value of key as of the snapshot, or default if it had none.")
      .def(
          "iterator",
          [](Snapshot& self, bool reverse, py::handle start, py::handle stop, bool include_start,
             bool include_stop, py::handle prefix, bool include_key, bool include_value,
             bool verify_checksums, bool fill_cache) {
            return MakeIterator(self.handle(), &self, self.db_prefix(), reverse, start, stop,
                                include_start, include_stop, prefix, include_key, include_value,
                                verify_checksums, fill_cache);
          },
          STRATADB_ITERATOR_ARGS, "An Iterator over the snapshot (see DB.iterator).")
      .def(
          "raw_iterator",
          [](Snapshot& self, bool verify_checksums, bool fill_cache) {
            return MakeRawIterator(self.handle(), &self, self.db_prefix(), verify_checksums,
                                   fill_cache);
          },
          py::kw_only(), py::arg("verify_checksums") = false, py::arg("fill_cache") = true,
          "A RawIterator over the snapshot.")
      .def("__iter__",
           [](Snapshot& self) {
             return MakeIterator(self.handle(), &self, self.db_prefix(), false, py::none(),
                                 py::none(), true, false, py::none(), true, true, false, true);
           })
      .def("close", &Snapshot::Close, "Releases the snapshot. Idempotent.")
      .def("release", &Snapshot::Close, "Same as close() (plyvel's name).")
      .def_property_readonly("closed", &Snapshot::closed, "True once released.")
      .def("__enter__", [](py::object self) { return self; })
      .def(
          "__exit__",
          [](Snapshot& self, py::handle, py::handle, py::handle) {
            self.Close();
            return false;
          },
          py::arg("exc_type"), py::arg("exc_value"), py::arg("traceback"));

  py::class_<Iterator>(m, "Iterator", R"doc(plyvel's iterator over a range of the database.

Made by DB.iterator(...). A Python iterator of (key, value) tuples (or keys, or
values, per include_key and include_value) in key order, or reverse order with
reverse=True. It is a cursor between two entries: next(it) returns the entry
after it and moves past it; prev() returns the entry before it and moves back
(reverse=True swaps the two). seek_to_start() and seek_to_stop() move it before
the first and after the last entry of the range; seek(key) before the first
entry >= key. It sees the database as of its creation. close() it (or use a
with block) to release its resources early; closing the DB closes it.)doc")
      .def("__iter__", [](py::object self) { return self; })
      .def("__next__", &Iterator::Next, "The next entry; StopIteration at the end.")
      .def("prev", &Iterator::Prev, "The previous entry; StopIteration at the beginning.")
      .def("seek", &Iterator::Seek, py::arg("target"),
           "Moves the cursor just before the first entry with a key >= target (in range).")
      .def("seek_to_start", &Iterator::SeekToStart,
           "Moves the cursor before the first entry of the range.")
      .def("seek_to_stop", &Iterator::SeekToStop,
           "Moves the cursor after the last entry of the range.")
      .def("close", &Iterator::Close, "Releases the iterator. Idempotent.")
      .def("__enter__", [](py::object self) { return self; })
      .def(
          "__exit__",
          [](Iterator& self, py::handle, py::handle, py::handle) {
            self.Close();
            return false;
          },
          py::arg("exc_type"), py::arg("exc_value"), py::arg("traceback"));

  py::class_<RawIterator>(m, "RawIterator", R"doc(LevelDB's cursor over the database.

Made by DB.raw_iterator(). Starts unpositioned (not valid()): call seek_to_first(),
seek_to_last() or seek(key) first. key(), value(), item(), next() and prev() raise
IteratorInvalidError when not valid().)doc")
      .def("valid", &RawIterator::Valid, "True when positioned at an entry.")
      .def("seek_to_first", &RawIterator::SeekToFirst, "Moves to the first entry.")
      .def("seek_to_last", &RawIterator::SeekToLast, "Moves to the last entry.")
      .def("seek", &RawIterator::Seek, py::arg("target"),
           "Moves to the first entry with a key >= target.")
      .def("next", &RawIterator::Next, "Moves to the next entry.")
      .def("prev", &RawIterator::Prev, "Moves to the previous entry.")
      .def("key", &RawIterator::Key, "The current key.")
      .def("value", &RawIterator::Value, "The current value.")
      .def("item", &RawIterator::Item, "The current (key, value).")
      .def("close", &RawIterator::Close, "Releases the iterator. Idempotent.")
      .def("__enter__", [](py::object self) { return self; })
      .def(
          "__exit__",
          [](RawIterator& self, py::handle, py::handle, py::handle) {
            self.Close();
            return false;
          },
          py::arg("exc_type"), py::arg("exc_value"), py::arg("traceback"));

  py::class_<Database>(m, "DB", kDbDoc)
      .def(py::init<py::object, bool, bool, bool, std::optional<int64_t>, std::optional<int64_t>,
                    std::optional<int64_t>, std::optional<int64_t>, std::optional<int64_t>,
                    py::object, int, bool>(),
           py::arg("name"), py::kw_only(), py::arg("create_if_missing") = true,
           py::arg("error_if_exists") = false, py::arg("paranoid_checks") = false,
           py::arg("write_buffer_size") = py::none(), py::arg("max_open_files") = py::none(),
           py::arg("lru_cache_size") = py::none(), py::arg("block_size") = py::none(),
           py::arg("block_restart_interval") = py::none(), py::arg("compression") = "lz4",
           py::arg("bloom_filter_bits") = 10, py::arg("read_only") = false)
      .def_property_readonly("name", &Database::name, "The path the DB was opened with.")
      .def_property_readonly("closed", &Database::closed, "True once close() has completed.")
      .def_property_readonly("read_only", &Database::read_only,
                             "True if opened with read_only=True.")
      .def("close", &Database::Close, R"doc(Closes the database. Idempotent.

Waits for calls in progress in other threads, releases every open iterator and
snapshot (their next use raises ClosedError) and releases the directory's lock.)doc")
      .def("__enter__", [](py::object self) { return self; })
      .def(
          "__exit__",
          [](Database& self, py::handle, py::handle, py::handle) {
            self.Close();
            return false;
          },
          py::arg("exc_type"), py::arg("exc_value"), py::arg("traceback"))
      .def("__repr__",
           [](Database& self) {
             return "<stratadb.DB name=" + py::repr(self.name()).cast<std::string>() +
                    (self.closed() ? " (closed)>" : ">");
           })
      .def("get", &Database::Get, py::arg("key"), py::arg("default") = py::none(), py::kw_only(),
           py::arg("verify_checksums") = false, py::arg("fill_cache") = true,
           R"doc(The value stored for key (bytes), or default if there is none.

verify_checksums=True checks every block read from disk; fill_cache=False keeps the
blocks read out of the block cache (for one-off scans).)doc")
      .def("put", &Database::Put, py::arg("key"), py::arg("value"), py::kw_only(),
           py::arg("sync") = false, R"doc(Stores key -> value, replacing any previous value.

Durable against a crash of the process when it returns; with sync=True also
against a power loss (the log is fsynced first).)doc")
      .def("delete", &Database::Delete, py::arg("key"), py::kw_only(), py::arg("sync") = false,
           "Removes key (no error if absent).")
      .def("delete_range", &Database::DeleteRange, py::arg("start"), py::arg("stop"), py::kw_only(),
           py::arg("sync") = false,
           R"doc(Removes every key in [start, stop) atomically, with one range tombstone.

Snapshots taken before still see the keys. start >= stop does nothing. Raises
NotSupportedError if this build of the engine cannot delete ranges.)doc")
      .def(
          "write_batch",
          [](Database& self, bool transaction, bool sync) {
            return std::make_unique<WriteBatch>(self.handle(), std::string(), transaction, sync);
          },
          py::kw_only(), py::arg("transaction") = false, py::arg("sync") = false,
          "A new WriteBatch (see WriteBatch); use it as a context manager.")
      .def(
          "iterator",
          [](Database& self, bool reverse, py::handle start, py::handle stop, bool include_start,
             bool include_stop, py::handle prefix, bool include_key, bool include_value,
             bool verify_checksums, bool fill_cache) {
            return MakeIterator(self.handle(), nullptr, std::string(), reverse, start, stop,
                                include_start, include_stop, prefix, include_key, include_value,
                                verify_checksums, fill_cache);
          },
          STRATADB_ITERATOR_ARGS, R"doc(An Iterator over the database as it is now.

Yields (key, value) tuples in key order, or in reverse with reverse=True. The range
is [start, stop) (include_start and include_stop change either end), or the keys
beginning with prefix (not together with start or stop). include_key=False yields
values only, include_value=False keys only. The range is enforced by the engine, so a
small range reads only the tables and blocks that hold it.)doc")
      .def(
          "raw_iterator",
          [](Database& self, bool verify_checksums, bool fill_cache) {
            return MakeRawIterator(self.handle(), nullptr, std::string(), verify_checksums,
                                   fill_cache);
          },
          py::kw_only(), py::arg("verify_checksums") = false, py::arg("fill_cache") = true,
          "A RawIterator (LevelDB's valid()/key()/value()/next()/prev() cursor).")
      .def("__iter__",
           [](Database& self) {
             return MakeIterator(self.handle(), nullptr, std::string(), false, py::none(),
                                 py::none(), true, false, py::none(), true, true, false, true);
           })
      .def(
          "snapshot",
          [](Database& self) { return std::make_unique<Snapshot>(self.handle(), std::string()); },
          "A Snapshot of the database as it is now.")
      .def("get_property", &Database::GetProperty, py::arg("name"),
           R"doc(The value (bytes) of an engine property, or None if there is no such property.

name is str or bytes, e.g. 'strata.stats', 'strata.num-files-at-level0'
(docs/PROPERTIES.md lists them).)doc")
      .def("compact_range", &Database::CompactRange, py::kw_only(), py::arg("start") = py::none(),
           py::arg("stop") = py::none(),
           "Compacts the keys in [start, stop] (None: unbounded on that side).")
      .def("flush", &Database::Flush,
           "Writes the memtable to a table on disk and returns when it is durable there.")
      .def(
          "approximate_sizes",
          [](Database& self, py::args ranges) { return self.ApproximateSizes(ranges); },
          "approximate_sizes(*ranges): for each (start, stop) range, the approximate bytes of "
          "table data on disk holding keys in [start, stop).")
      .def(
          "approximate_size",
          [](Database& self, py::handle start, py::handle stop) -> py::object {
            py::list sizes = self.ApproximateSizes(py::make_tuple(py::make_tuple(start, stop)));
            return sizes[0];
          },
          py::arg("start"), py::arg("stop"),
          "The approximate bytes of table data on disk holding keys in [start, stop).")
      .def("create_checkpoint", &Database::CreateCheckpoint, py::arg("path"),
           R"doc(Writes an openable, independent copy of the database to the new directory path.

Every write acknowledged before the call is in the copy. Tables are hard-linked when
path is on the same file system. Raises InvalidArgumentError if path exists.)doc")
      .def(
          "prefixed_db",
          [](py::object self, py::handle prefix) {
            return py::module_::import("stratadb").attr("PrefixedDB")(self, prefix);
          },
          py::arg("prefix"),
          "A PrefixedDB: a view of the keys that begin with prefix, with the prefix removed.");

  // The factories of stratadb.PrefixedDB (stratadb/__init__.py).
  m.def(
      "_prefixed_iterator",
      [](Database& db, const std::string& db_prefix, bool reverse, py::handle start,
         py::handle stop, bool include_start, bool include_stop, py::handle prefix,
         bool include_key, bool include_value, bool verify_checksums, bool fill_cache) {
        return MakeIterator(db.handle(), nullptr, db_prefix, reverse, start, stop, include_start,
                            include_stop, prefix, include_key, include_value, verify_checksums,
                            fill_cache);
      },
      py::arg("db"), py::arg("db_prefix"), STRATADB_ITERATOR_ARGS);
  m.def(
      "_prefixed_raw_iterator",
      [](Database& db, const std::string& db_prefix, bool verify_checksums, bool fill_cache) {
        return MakeRawIterator(db.handle(), nullptr, db_prefix, verify_checksums, fill_cache);
      },
      py::arg("db"), py::arg("db_prefix"), py::kw_only(), py::arg("verify_checksums") = false,
      py::arg("fill_cache") = true);
  m.def(
      "_prefixed_write_batch",
      [](Database& db, const std::string& db_prefix, bool transaction, bool sync) {
        return std::make_unique<WriteBatch>(db.handle(), db_prefix, transaction, sync);
      },
      py::arg("db"), py::arg("db_prefix"), py::kw_only(), py::arg("transaction") = false,
      py::arg("sync") = false);
  m.def(
      "_prefixed_snapshot",
      [](Database& db, const std::string& db_prefix) {
        return std::make_unique<Snapshot>(db.handle(), db_prefix);
      },
      py::arg("db"), py::arg("db_prefix"));

  m.def("repair_db", &RepairDb, py::arg("name"), py::kw_only(), py::arg("paranoid_checks") = false,
        R"doc(Rebuilds the database in directory name from the files present.

Readable tables are kept, damaged ones salvaged block by block, the write-ahead logs
turned into tables; what cannot be read is moved to name/lost/ (nothing is deleted).
Returns a dict of what was done (tables_kept, tables_salvaged, tables_lost,
logs_converted, entries_kept, entries_lost, bytes_lost,
manifest_rebuilt_from_scratch, moved_to_lost). Raises LockedError if the database is
open.)doc");
  m.def("destroy_db", &DestroyDb, py::arg("name"),
        "Deletes the database in directory name and the directory. It must not be open; no "
        "error if it does not exist.");
}
