"""StrataDB for Python: a persistent, ordered key-value store, with plyvel's API.

    import stratadb
    with stratadb.DB('/tmp/example') as db:
        db.put(b'apple', b'red')
        db.get(b'apple')                      # b'red'
        with db.write_batch(transaction=True) as wb:
            wb.put(b'pear', b'green')
            wb.delete(b'apple')
        for key, value in db.iterator(prefix=b'p'):
            ...

Keys and values are bytes-like (bytes, bytearray, memoryview) and come back as
bytes; a str raises TypeError. Errors raise stratadb.Error subclasses (IOError,
CorruptionError, LockedError, InvalidArgumentError, NotSupportedError,
IteratorInvalidError, ClosedError); a missing key is no error: get() returns its
default. The GIL is released during every engine call, so threads run in
parallel. docs/PYTHON.md has the tour and the differences from plyvel.

Thread-safety: DB, Snapshot and PrefixedDB may be shared by threads; an
iterator or write batch is one cursor or buffer (concurrent calls on one take
turns and never crash, but their order is the threads').
"""

from ._stratadb import (
    DB,
    ClosedError,
    CorruptionError,
    Error,
    InvalidArgumentError,
    IOError,
    IteratorInvalidError,
    Iterator,
    LockedError,
    NotSupportedError,
    RawIterator,
    Snapshot,
    WriteBatch,
    __version__,
    _prefixed_iterator,
    _prefixed_raw_iterator,
    _prefixed_snapshot,
    _prefixed_write_batch,
    destroy_db,
    repair_db,
)

__all__ = [
    "DB",
    "ClosedError",
    "CorruptionError",
    "Error",
    "InvalidArgumentError",
    "IOError",
    "IteratorInvalidError",
    "Iterator",
    "LockedError",
    "NotSupportedError",
    "PrefixedDB",
    "RawIterator",
    "Snapshot",
    "WriteBatch",
    "__version__",
    "destroy_db",
    "repair_db",
]


# The classes live in the C++ module; show them as the package's own in
# help() and reprs.
for _cls in (DB, Iterator, RawIterator, Snapshot, WriteBatch):
    _cls.__module__ = __name__
del _cls


def _prefix_bytes(prefix):
    if isinstance(prefix, str):
        raise TypeError("prefix must be bytes-like (bytes, bytearray, memoryview), not str")
    return memoryview(prefix).tobytes()


class PrefixedDB:
    """A view of the keys of a DB that begin with a prefix, with the prefix removed.

    Made by DB.prefixed_db(prefix) (or PrefixedDB.prefixed_db, which nests).
    get, put, delete, delete_range, write_batch, iterator, raw_iterator and
    snapshot work as on the DB, on keys without the prefix: iterators yield
    only the view's keys, with the prefix stripped. The DB itself is `db`,
    the prefix `prefix`.
    """

    __slots__ = ("db", "prefix")

    def __init__(self, db, prefix):
        self.db = db
        self.prefix = _prefix_bytes(prefix)

    def __repr__(self):
        return "<stratadb.PrefixedDB prefix=%r db=%r>" % (self.prefix, self.db)

    def get(self, key, default=None, *, verify_checksums=False, fill_cache=True):
        """The value of prefix + key, or default."""
        return self.db.get(
            self.prefix + key, default, verify_checksums=verify_checksums, fill_cache=fill_cache
        )

    def put(self, key, value, *, sync=False):
        """Stores prefix + key -> value."""
        self.db.put(self.prefix + key, value, sync=sync)

    def delete(self, key, *, sync=False):
        """Removes prefix + key."""
        self.db.delete(self.prefix + key, sync=sync)

    def delete_range(self, start, stop, *, sync=False):
        """Removes the keys in [prefix + start, prefix + stop)."""
        self.db.delete_range(self.prefix + start, self.prefix + stop, sync=sync)

    def write_batch(self, *, transaction=False, sync=False):
        """A WriteBatch whose keys get the prefix."""
        return _prefixed_write_batch(self.db, self.prefix, transaction=transaction, sync=sync)

    def iterator(
        self,
        *,
        reverse=False,
        start=None,
        stop=None,
        include_start=True,
        include_stop=False,
        prefix=None,
        include_key=True,
        include_value=True,
        verify_checksums=False,
        fill_cache=True,
    ):
        """An Iterator over the view (see DB.iterator); keys come without the prefix."""
        return _prefixed_iterator(
            self.db,
            self.prefix,
            reverse=reverse,
            start=start,
            stop=stop,
            include_start=include_start,
            include_stop=include_stop,
            prefix=prefix,
            include_key=include_key,
            include_value=include_value,
            verify_checksums=verify_checksums,
            fill_cache=fill_cache,
        )

    def __iter__(self):
        return self.iterator()

    def raw_iterator(self, *, verify_checksums=False, fill_cache=True):
        """A RawIterator over the view; keys come without the prefix."""
        return _prefixed_raw_iterator(
            self.db, self.prefix, verify_checksums=verify_checksums, fill_cache=fill_cache
        )

    def snapshot(self):
        """A Snapshot of the view (its get and iterators take and give keys without the prefix)."""
        return _prefixed_snapshot(self.db, self.prefix)

    def prefixed_db(self, prefix):
        """A PrefixedDB for self.prefix + prefix."""
        return PrefixedDB(self.db, self.prefix + _prefix_bytes(prefix))
