"""Unit tests of the stratadb binding: every method and every error of its API.

Each test opens a real database in a temporary directory (conftest.py).
"""

import glob
import os
import subprocess
import sys

import pytest

import stratadb


# ---------------------------------------------------------------------------
# Opening, options, closing


def test_exception_hierarchy():
    for cls in (
        stratadb.IOError,
        stratadb.CorruptionError,
        stratadb.LockedError,
        stratadb.InvalidArgumentError,
        stratadb.NotSupportedError,
        stratadb.IteratorInvalidError,
        stratadb.ClosedError,
    ):
        assert issubclass(cls, stratadb.Error)
    assert issubclass(stratadb.Error, Exception)
    assert issubclass(stratadb.IOError, OSError)
    assert issubclass(stratadb.InvalidArgumentError, ValueError)
    assert issubclass(stratadb.ClosedError, RuntimeError)
    assert stratadb.Error.__module__ == "stratadb"


def test_open_close_and_context_manager(db_path):
    with stratadb.DB(db_path) as db:
        assert not db.closed
        assert db.name == db_path
        assert not db.read_only
        db.put(b"k", b"v")
        assert "closed" not in repr(db)
    assert db.closed
    assert "(closed)" in repr(db)
    db.close()  # idempotent
    with stratadb.DB(db_path) as db:
        assert db.get(b"k") == b"v"


def test_open_accepts_bytes_and_pathlike(tmp_path):
    with stratadb.DB(tmp_path / "a") as db:
        db.put(b"k", b"v")
    with stratadb.DB(os.fsencode(str(tmp_path / "a"))) as db:
        assert db.get(b"k") == b"v"


def test_create_if_missing_false(db_path):
    with pytest.raises(stratadb.InvalidArgumentError, match="does not exist"):
        stratadb.DB(db_path, create_if_missing=False)


def test_error_if_exists(db_path):
    stratadb.DB(db_path).close()
    with pytest.raises(stratadb.InvalidArgumentError, match="exists"):
        stratadb.DB(db_path, error_if_exists=True)


def test_io_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_bytes(b"x")
    with pytest.raises(stratadb.IOError) as info:
        stratadb.DB(str(blocker / "db"))
    assert isinstance(info.value, OSError)


def test_missing_parent_directory_is_an_io_error(tmp_path):
    with pytest.raises(stratadb.IOError):
        stratadb.DB(str(tmp_path / "no" / "such" / "db"))
    with pytest.raises(stratadb.IOError):
        stratadb.repair_db(str(tmp_path / "missing"))


def test_locked_in_this_process(db):
    with pytest.raises(stratadb.LockedError):
        stratadb.DB(db.name)


def test_locked_in_another_process_raises_at_once(db):
    code = (
        "import stratadb, sys\n"
        "try:\n"
        "    stratadb.DB(sys.argv[1])\n"
        "except stratadb.LockedError:\n"
        "    sys.exit(3)\n"
    )
    # A timeout well below CTest's: opening must fail, not wait for the lock.
    result = subprocess.run(
        [sys.executable, "-c", code, db.name], timeout=60, env=dict(os.environ)
    )
    assert result.returncode == 3


@pytest.mark.parametrize("compression", [None, "none", "snappy", "lz4", "zstd", b"zstd"])
def test_compressions(db_path, compression):
    value = b"compressible " * 1000
    with stratadb.DB(db_path, compression=compression) as db:
        for i in range(50):
            db.put(b"%03d" % i, value)
        db.flush()
    with stratadb.DB(db_path, compression=compression) as db:
        assert all(db.get(b"%03d" % i) == value for i in range(50))


def test_options_are_applied_and_validated(db_path):
    with stratadb.DB(
        db_path,
        paranoid_checks=True,
        write_buffer_size=1 << 20,
        max_open_files=100,
        lru_cache_size=1 << 20,
        block_size=1024,
        block_restart_interval=4,
        bloom_filter_bits=0,
    ) as db:
        db.put(b"k", b"v")
        assert db.get(b"k") == b"v"
    bad = [
        dict(compression="bogus"),
        dict(write_buffer_size=0),
        dict(max_open_files=-1),
        dict(lru_cache_size=0),
        dict(block_size=100),  # the engine's own check
        dict(block_restart_interval=0),
        dict(bloom_filter_bits=-1),
    ]
    for kwargs in bad:
        with pytest.raises(stratadb.InvalidArgumentError):
            stratadb.DB(db_path, **kwargs)
        with pytest.raises(ValueError):
            stratadb.DB(db_path, **kwargs)
    with pytest.raises(TypeError):
        stratadb.DB(db_path, compression=3)
    with pytest.raises(TypeError):
        stratadb.DB(db_path, write_buffer_size="big")


def test_options_are_keyword_only(db_path):
    with pytest.raises(TypeError):
        stratadb.DB(db_path, True)


# ---------------------------------------------------------------------------
# get, put, delete


def test_get_put_delete(db):
    assert db.get(b"missing") is None
    assert db.get(b"missing", b"default") == b"default"
    assert db.get(b"missing", default=7) == 7
    db.put(b"key", b"value")
    assert db.get(b"key") == b"value"
    db.put(b"key", b"other", sync=True)
    assert db.get(b"key", verify_checksums=True, fill_cache=False) == b"other"
    db.delete(b"key")
    assert db.get(b"key") is None
    db.delete(b"never-there", sync=True)


def test_bytes_like_keys_and_values(db):
    db.put(bytearray(b"ba"), memoryview(b"mv"))
    assert db.get(memoryview(b"ba")) == b"mv"
    assert isinstance(db.get(b"ba"), bytes)
    import array

    db.put(b"arr", array.array("B", [1, 2, 3]))
    assert db.get(b"arr") == b"\x01\x02\x03"
    db.delete(bytearray(b"ba"))
    assert db.get(b"ba") is None


@pytest.mark.parametrize("bad", ["text", None, 12, 1.5, ["a"]])
def test_non_bytes_raise_type_error(db, bad):
    with pytest.raises(TypeError):
        db.put(bad, b"v")
    with pytest.raises(TypeError):
        db.put(b"k", bad)
    with pytest.raises(TypeError):
        db.get(bad)
    with pytest.raises(TypeError):
        db.delete(bad)


def test_str_message_says_encode(db):
    with pytest.raises(TypeError, match="not str"):
        db.get("text")


def test_binary_and_empty_keys_and_values(db):
    keys = [b"", b"\x00", b"\x00\x00", b"\xff", b"\xff\xff", b"a\x00b"]
    for i, key in enumerate(keys):
        db.put(key, b"v%d" % i)
    db.put(b"empty", b"")
    for i, key in enumerate(keys):
        assert db.get(key) == b"v%d" % i
    assert db.get(b"empty") == b""
    assert [k for k, _ in db.iterator()] == sorted(keys + [b"empty"])


def test_large_value(db):
    value = os.urandom(3 << 20)
    db.put(b"big", value)
    db.flush()
    assert db.get(b"big") == value


def test_read_your_writes_across_reopen(db_path):
    with stratadb.DB(db_path) as db:
        for i in range(2000):
            db.put(b"k%05d" % i, b"v%d" % i)
        for i in range(0, 2000, 3):
            db.delete(b"k%05d" % i)
    with stratadb.DB(db_path) as db:
        for i in range(2000):
            expected = None if i % 3 == 0 else b"v%d" % i
            assert db.get(b"k%05d" % i) == expected


# ---------------------------------------------------------------------------
# Write batches


def test_write_batch_methods(db):
    db.put(b"old", b"1")
    wb = db.write_batch()
    wb.put(b"a", b"1")
    wb.put(b"b", b"2")
    wb.delete(b"old")
    assert len(wb) == 3
    assert wb.approximate_size() > 0
    assert db.get(b"a") is None  # nothing until written
    wb.write()
    assert (db.get(b"a"), db.get(b"b"), db.get(b"old")) == (b"1", b"2", None)
    wb.clear()
    assert len(wb) == 0
    other = db.write_batch()
    other.put(b"c", b"3")
    wb.append(other)
    wb.append(wb)  # appending itself doubles it
    assert len(wb) == 2
    wb.write()
    assert db.get(b"c") == b"3"


def test_write_batch_context_manager(db):
    with db.write_batch(sync=True) as wb:
        wb.put(b"a", b"1")
        assert db.get(b"a") is None
    assert db.get(b"a") == b"1"
    assert len(wb) == 0  # cleared after writing


def test_write_batch_without_transaction_writes_on_exception(db):
    with pytest.raises(KeyError):
        with db.write_batch() as wb:
            wb.put(b"a", b"1")
            raise KeyError("boom")
    assert db.get(b"a") == b"1"


def test_transaction_writes_nothing_on_exception(db):
    db.put(b"keep", b"1")
    with pytest.raises(KeyError):
        with db.write_batch(transaction=True) as wb:
            wb.put(b"a", b"1")
            wb.delete(b"keep")
            raise KeyError("boom")
    assert db.get(b"a") is None
    assert db.get(b"keep") == b"1"
    with db.write_batch(transaction=True) as wb:
        wb.put(b"a", b"1")
    assert db.get(b"a") == b"1"


def test_write_batch_type_errors(db):
    wb = db.write_batch()
    with pytest.raises(TypeError):
        wb.put("a", b"1")
    with pytest.raises(TypeError):
        wb.delete(None)
    with pytest.raises(TypeError):
        db.write_batch(True)  # keyword-only


def test_write_batch_on_closed_db(db):
    wb = db.write_batch()
    wb.put(b"a", b"1")
    db.close()
    with pytest.raises(stratadb.ClosedError):
        wb.write()
    with pytest.raises(stratadb.ClosedError):
        wb.put(b"b", b"2")
    with pytest.raises(stratadb.ClosedError):
        db.write_batch()


# ---------------------------------------------------------------------------
# Iterators


@pytest.fixture
def filled(db):
    for key in [b"a", b"b", b"ba", b"bb", b"c", b"d"]:
        db.put(key, key.upper())
    return db


def keys_of(iterator):
    return [k for k, _ in iterator]


def test_iterate_all_both_ways(filled):
    assert list(filled) == [(k, k.upper()) for k in [b"a", b"b", b"ba", b"bb", b"c", b"d"]]
    assert keys_of(filled.iterator(reverse=True)) == [b"d", b"c", b"bb", b"ba", b"b", b"a"]


def test_iterate_ranges(filled):
    it = filled.iterator
    assert keys_of(it(start=b"b", stop=b"c")) == [b"b", b"ba", b"bb"]
    assert keys_of(it(start=b"b", stop=b"c", include_start=False)) == [b"ba", b"bb"]
    assert keys_of(it(start=b"b", stop=b"c", include_stop=True)) == [b"b", b"ba", b"bb", b"c"]
    assert keys_of(it(start=b"bz")) == [b"c", b"d"]
    assert keys_of(it(stop=b"b")) == [b"a"]
    assert keys_of(it(start=b"b", stop=b"c", reverse=True)) == [b"bb", b"ba", b"b"]
    assert keys_of(it(start=b"b", stop=b"c", include_start=False, include_stop=True, reverse=True)) == [
        b"c",
        b"bb",
        b"ba",
    ]
    assert keys_of(it(start=b"c", stop=b"b")) == []
    assert keys_of(it(start=b"c", stop=b"b", reverse=True)) == []
    assert keys_of(it(start=b"b", stop=b"b")) == []
    assert keys_of(it(start=b"b", stop=b"b", include_stop=True)) == [b"b"]


def test_iterate_prefix(filled):
    assert keys_of(filled.iterator(prefix=b"b")) == [b"b", b"ba", b"bb"]
    assert keys_of(filled.iterator(prefix=b"b", reverse=True)) == [b"bb", b"ba", b"b"]
    assert keys_of(filled.iterator(prefix=b"x")) == []
    assert keys_of(filled.iterator(prefix=b"")) == keys_of(filled.iterator())
    with pytest.raises(TypeError):
        filled.iterator(prefix=b"b", start=b"a")
    with pytest.raises(TypeError):
        filled.iterator(prefix=b"b", stop=b"a")


def test_iterate_prefix_of_ff_bytes(db):
    for key in [b"\xfe", b"\xff", b"\xff\x00", b"\xff\xff", b"\xff\xff\x01"]:
        db.put(key, b"")
    assert keys_of(db.iterator(prefix=b"\xff")) == [b"\xff", b"\xff\x00", b"\xff\xff", b"\xff\xff\x01"]
    assert keys_of(db.iterator(prefix=b"\xff\xff", reverse=True)) == [b"\xff\xff\x01", b"\xff\xff"]


def test_include_key_and_value(filled):
    assert list(filled.iterator(stop=b"b", include_value=False)) == [b"a"]
    assert list(filled.iterator(stop=b"b", include_key=False)) == [b"A"]
    assert list(filled.iterator(stop=b"b", include_key=False, include_value=False)) == [None]


def test_iterator_cursor_moves(filled):
    it = filled.iterator()
    with pytest.raises(StopIteration):
        it.prev()
    assert next(it) == (b"a", b"A")
    assert next(it) == (b"b", b"B")
    assert it.prev() == (b"b", b"B")
    assert it.prev() == (b"a", b"A")
    with pytest.raises(StopIteration):
        it.prev()
    assert next(it) == (b"a", b"A")
    it.seek_to_stop()
    with pytest.raises(StopIteration):
        next(it)
    assert it.prev() == (b"d", b"D")
    it.seek_to_start()
    assert next(it) == (b"a", b"A")
    it.seek(b"bab")
    assert next(it) == (b"bb", b"BB")
    it.seek(b"bab")
    assert it.prev() == (b"ba", b"BA")
    it.seek(b"zzz")
    with pytest.raises(StopIteration):
        next(it)
    assert it.prev() == (b"d", b"D")


def test_reverse_iterator_cursor_moves(filled):
    it = filled.iterator(reverse=True, start=b"b", stop=b"c")
    assert next(it) == (b"bb", b"BB")
    assert it.prev() == (b"bb", b"BB")
    with pytest.raises(StopIteration):
        it.prev()
    it.seek(b"ba")
    assert next(it) == (b"b", b"B")
    with pytest.raises(StopIteration):
        next(it)
    it.seek_to_start()
    with pytest.raises(StopIteration):
        next(it)
    assert it.prev() == (b"b", b"B")
    it.seek(b"a")  # below start: clamped to start
    assert it.prev() == (b"b", b"B")
    it.seek_to_stop()
    assert next(it) == (b"bb", b"BB")


def test_iterator_sees_state_at_creation(filled):
    it = filled.iterator()
    filled.put(b"aa", b"new")
    filled.delete(b"d")
    assert keys_of(it) == [b"a", b"b", b"ba", b"bb", b"c", b"d"]


def test_iterator_close_and_context_manager(filled):
    with filled.iterator() as it:
        assert next(it) == (b"a", b"A")
    with pytest.raises(stratadb.ClosedError, match="iterator"):
        next(it)
    it.close()  # idempotent
    it2 = filled.iterator()
    it2.close()
    with pytest.raises(stratadb.ClosedError):
        it2.seek(b"a")


def test_iterator_arguments_are_checked(db):
    with pytest.raises(TypeError):
        db.iterator(start="a")
    with pytest.raises(TypeError):
        db.iterator(True)
    it = db.iterator()
    with pytest.raises(TypeError):
        it.seek("a")


def test_iterator_options(filled):
    assert keys_of(filled.iterator(verify_checksums=True, fill_cache=False)) == keys_of(filled)


# ---------------------------------------------------------------------------
# Raw iterators


def test_raw_iterator(filled):
    it = filled.raw_iterator()
    assert not it.valid()
    for call in (it.key, it.value, it.item, it.next, it.prev):
        with pytest.raises(stratadb.IteratorInvalidError):
            call()
    it.seek_to_first()
    assert it.valid() and it.item() == (b"a", b"A")
    it.next()
    assert (it.key(), it.value()) == (b"b", b"B")
    it.seek_to_last()
    assert it.key() == b"d"
    it.next()
    assert not it.valid()
    it.seek(b"bab")
    assert it.key() == b"bb"
    it.prev()
    assert it.key() == b"ba"
    it.seek(b"zz")
    assert not it.valid()
    it.close()
    with pytest.raises(stratadb.ClosedError):
        it.valid()
    with filled.raw_iterator(verify_checksums=True, fill_cache=False) as it2:
        it2.seek_to_first()
        assert it2.key() == b"a"


# ---------------------------------------------------------------------------
# Snapshots


def test_snapshot(filled):
    snap = filled.snapshot()
    filled.put(b"a", b"changed")
    filled.delete(b"b")
    filled.put(b"e", b"E")
    assert snap.get(b"a") == b"A"
    assert snap.get(b"b") == b"B"
    assert snap.get(b"e") is None
    assert snap.get(b"e", b"dflt", verify_checksums=True, fill_cache=False) == b"dflt"
    assert keys_of(snap.iterator()) == [b"a", b"b", b"ba", b"bb", b"c", b"d"]
    assert keys_of(snap) == [b"a", b"b", b"ba", b"bb", b"c", b"d"]
    assert keys_of(snap.iterator(prefix=b"b", reverse=True)) == [b"bb", b"ba", b"b"]
    raw = snap.raw_iterator()
    raw.seek_to_last()
    assert raw.key() == b"d"
    assert filled.get(b"a") == b"changed"
    assert not snap.closed
    snap.close()
    assert snap.closed
    snap.release()  # idempotent
    with pytest.raises(stratadb.ClosedError, match="snapshot"):
        snap.get(b"a")
    with pytest.raises(stratadb.ClosedError, match="snapshot"):
        snap.iterator()
    # An iterator made before the snapshot was released keeps its view.
    raw.seek_to_first()
    assert raw.item() == (b"a", b"A")


def test_snapshot_context_manager(db):
    db.put(b"k", b"1")
    with db.snapshot() as snap:
        db.put(b"k", b"2")
        assert snap.get(b"k") == b"1"
    assert snap.closed


# ---------------------------------------------------------------------------
# Closing with live iterators and snapshots


def test_close_with_live_children(filled):
    it = filled.iterator()
    assert next(it) == (b"a", b"A")
    raw = filled.raw_iterator()
    raw.seek_to_first()
    snap = filled.snapshot()
    filled.close()
    with pytest.raises(stratadb.ClosedError, match="database"):
        next(it)
    with pytest.raises(stratadb.ClosedError):
        it.prev()
    with pytest.raises(stratadb.ClosedError):
        it.seek(b"a")
    with pytest.raises(stratadb.ClosedError):
        raw.key()
    with pytest.raises(stratadb.ClosedError):
        snap.get(b"a")
    assert snap.closed
    it.close()
    snap.close()
    raw.close()


def test_every_call_after_close_raises(filled):
    filled.close()
    calls = [
        lambda: filled.get(b"a"),
        lambda: filled.put(b"a", b"b"),
        lambda: filled.delete(b"a"),
        lambda: filled.delete_range(b"a", b"b"),
        lambda: filled.iterator(),
        lambda: filled.raw_iterator(),
        lambda: filled.snapshot(),
        lambda: filled.write_batch(),
        lambda: filled.get_property("strata.stats"),
        lambda: filled.compact_range(),
        lambda: filled.flush(),
        lambda: filled.approximate_size(b"a", b"z"),
        lambda: filled.create_checkpoint("/nonexistent/x"),
        lambda: iter(filled),
    ]
    for call in calls:
        with pytest.raises(stratadb.ClosedError):
            call()
        with pytest.raises(RuntimeError):
            call()


def test_dropping_db_object_keeps_it_open_for_its_iterators(db_path):
    db = stratadb.DB(db_path)
    db.put(b"a", b"1")
    it = db.iterator()
    del db
    assert next(it) == (b"a", b"1")
    with pytest.raises(stratadb.LockedError):
        stratadb.DB(db_path)
    del it  # the last reference: the database closes
    stratadb.DB(db_path).close()


# ---------------------------------------------------------------------------
# Maintenance: properties, flush, compaction, sizes, checkpoints, repair


def test_get_property(db):
    assert db.get_property("strata.stats") is not None
    assert isinstance(db.get_property(b"strata.stats"), bytes)
    assert db.get_property("no.such.property") is None
    with pytest.raises(TypeError):
        db.get_property(5)


def test_flush_and_compact_range(db):
    for i in range(100):
        db.put(b"%03d" % i, b"x" * 100)
    assert db.get_property("strata.num-files-at-level0") == b"0"
    db.flush()
    assert db.get_property("strata.num-files-at-level0") == b"1"
    db.compact_range(start=b"000", stop=b"050")
    db.compact_range()
    assert db.get_property("strata.num-files-at-level0") == b"0"
    assert db.get(b"042") == b"x" * 100
    with pytest.raises(TypeError):
        db.compact_range(b"a")  # keyword-only


def test_approximate_sizes(db):
    for i in range(2000):
        db.put(b"%05d" % i, os.urandom(200))
    db.flush()
    whole = db.approximate_size(b"", b"\xff")
    assert whole > 300_000
    half, none = db.approximate_sizes((b"00000", b"01000"), (b"x", b"y"))
    assert 0 < half < whole
    assert none == 0
    assert db.approximate_sizes() == []
    with pytest.raises(TypeError):
        db.approximate_sizes(b"a")
    with pytest.raises(TypeError):
        db.approximate_sizes(("a", "b"))


def test_create_checkpoint(db, tmp_path):
    db.put(b"a", b"1")
    target = str(tmp_path / "checkpoint")
    db.create_checkpoint(target)
    db.put(b"a", b"2")
    with stratadb.DB(target, create_if_missing=False) as copy:
        assert copy.get(b"a") == b"1"
    with pytest.raises(stratadb.InvalidArgumentError):
        db.create_checkpoint(target)


def test_read_only(db_path):
    with stratadb.DB(db_path) as writer:
        writer.put(b"a", b"1")
        # A read-only open takes no lock: it works while the writer has the DB.
        with stratadb.DB(db_path, read_only=True) as reader:
            assert reader.read_only
            assert reader.get(b"a") == b"1"
            writer.put(b"b", b"2")
            assert reader.get(b"b") is None  # as of its open
            assert keys_of(reader.iterator()) == [b"a"]
            for call in (
                lambda: reader.put(b"x", b"y"),
                lambda: reader.delete(b"a"),
                lambda: reader.flush(),
            ):
                with pytest.raises(stratadb.NotSupportedError):
                    call()
            wb = reader.write_batch()
            wb.put(b"x", b"y")
            with pytest.raises(stratadb.NotSupportedError):
                wb.write()


def test_read_only_missing_database(db_path):
    with pytest.raises(stratadb.InvalidArgumentError):
        stratadb.DB(db_path, read_only=True)


def test_delete_range(db):
    for key in [b"a", b"b", b"ba", b"c"]:
        db.put(key, b"v")
    snap = db.snapshot()
    try:
        db.delete_range(b"b", b"c")
    except stratadb.NotSupportedError as e:
        pytest.skip("the engine has no DeleteRange yet (%s)" % e)
    assert keys_of(db.iterator()) == [b"a", b"c"]
    assert keys_of(snap.iterator()) == [b"a", b"b", b"ba", b"c"]
    db.delete_range(b"c", b"a", sync=True)  # empty range: nothing
    assert keys_of(db.iterator()) == [b"a", b"c"]


def test_delete_range_type_errors(db):
    with pytest.raises(TypeError):
        db.delete_range("a", b"b")
    with pytest.raises(TypeError):
        db.delete_range(b"a", None)


def test_repair_db(db_path):
    with stratadb.DB(db_path) as db:
        for i in range(100):
            db.put(b"%03d" % i, b"v")
        db.flush()
        db.put(b"unflushed", b"v")
        with pytest.raises(stratadb.LockedError):
            stratadb.repair_db(db_path)
    report = stratadb.repair_db(db_path)
    assert report["tables_kept"] >= 1
    assert report["entries_lost"] == 0
    with stratadb.DB(db_path) as db:
        assert db.get(b"050") == b"v"
        assert db.get(b"unflushed") == b"v"


def test_corruption_error(db_path):
    with stratadb.DB(db_path, compression=None) as db:
        for i in range(1000):
            db.put(b"%05d" % i, b"x" * 100)
        db.flush()
    (table,) = glob.glob(os.path.join(db_path, "*.sst"))
    with open(table, "r+b") as f:
        f.seek(1000)
        f.write(b"\xde\xad\xbe\xef" * 4)
    with stratadb.DB(db_path, compression=None) as db:
        with pytest.raises(stratadb.CorruptionError):
            for _ in db.iterator(verify_checksums=True):
                pass


def test_destroy_db(db_path):
    stratadb.DB(db_path).close()
    assert os.path.isdir(db_path)
    stratadb.destroy_db(db_path)
    assert not os.path.exists(db_path)
    stratadb.destroy_db(db_path)  # no error when absent


# ---------------------------------------------------------------------------
# PrefixedDB


def test_prefixed_db(db):
    db.put(b"a", b"outside")
    users = db.prefixed_db(b"user:")
    assert users.db is db and users.prefix == b"user:"
    users.put(b"1", b"alice")
    users.put(b"2", b"bob", sync=True)
    users.put(b"3", b"carol")
    assert db.get(b"user:1") == b"alice"
    assert users.get(b"1") == b"alice"
    assert users.get(b"9", b"none") == b"none"
    users.delete(b"3")
    assert list(users) == [(b"1", b"alice"), (b"2", b"bob")]
    assert list(users.iterator(reverse=True, include_value=False)) == [b"2", b"1"]
    assert list(users.iterator(start=b"2")) == [(b"2", b"bob")]
    assert list(users.iterator(stop=b"2", include_stop=True, include_value=False)) == [b"1", b"2"]
    assert list(users.iterator(prefix=b"1", include_value=False)) == [b"1"]
    it = users.iterator()
    it.seek(b"2")
    assert next(it) == (b"2", b"bob")
    with users.write_batch(transaction=True) as wb:
        wb.put(b"4", b"dave")
        wb.delete(b"1")
    assert list(users.iterator(include_value=False)) == [b"2", b"4"]
    snap = users.snapshot()
    users.put(b"5", b"erin")
    assert snap.get(b"2") == b"bob"
    assert snap.get(b"5") is None
    assert list(snap.iterator(include_value=False)) == [b"2", b"4"]
    raw = users.raw_iterator()
    raw.seek_to_first()
    assert raw.item() == (b"2", b"bob")
    raw.seek_to_last()
    assert raw.key() == b"5"
    admins = users.prefixed_db(b"admin:")
    assert admins.prefix == b"user:admin:"
    admins.put(b"x", b"root")
    assert db.get(b"user:admin:x") == b"root"
    assert "user:" in repr(users)
    with pytest.raises(TypeError):
        db.prefixed_db("text")
    with pytest.raises(TypeError):
        users.put("1", b"x")


def test_prefixed_db_of_ff_prefix(db):
    db.put(b"\xff\xff", b"in")
    db.put(b"\xff\xff\xff", b"in too")
    db.put(b"\xfe", b"out")
    view = db.prefixed_db(b"\xff\xff")
    assert list(view.iterator(include_value=False)) == [b"", b"\xff"]
    assert list(view.iterator(include_value=False, reverse=True)) == [b"\xff", b""]


def test_prefixed_delete_range(db):
    view = db.prefixed_db(b"p")
    for key in [b"a", b"b", b"c"]:
        view.put(key, b"v")
    try:
        view.delete_range(b"a", b"c")
    except stratadb.NotSupportedError as e:
        pytest.skip("the engine has no DeleteRange yet (%s)" % e)
    assert list(view.iterator(include_value=False)) == [b"c"]


# ---------------------------------------------------------------------------
# Documentation


def test_docstrings_and_help():
    import pydoc

    text = pydoc.render_doc(stratadb.DB, renderer=pydoc.plaintext)
    for name in ("get(", "put(", "iterator(", "write_batch(", "snapshot(", "LockedError"):
        assert name in text
    assert "default if there is none" in text
    for obj in (
        stratadb.Snapshot,
        stratadb.Iterator,
        stratadb.RawIterator,
        stratadb.WriteBatch,
        stratadb.PrefixedDB,
        stratadb.repair_db,
        stratadb.destroy_db,
        stratadb.DB.get,
        stratadb.Iterator.seek,
    ):
        assert obj.__doc__
    assert stratadb.__version__


def test_type_stubs_are_shipped():
    package_dir = os.path.dirname(stratadb.__file__)
    assert os.path.exists(os.path.join(package_dir, "py.typed"))
    with open(os.path.join(package_dir, "__init__.pyi")) as f:
        stubs = f.read()
    for name in stratadb.__all__:
        assert name in stubs, name
