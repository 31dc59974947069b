"""A Hypothesis stateful test of the stratadb binding against a dict model.

Random sequences of puts, deletes, write batches (transactions that commit or
roll back), snapshots, flushes, compactions and reopens run on a real database
and on a dict; after each step the reads agree: gets on the DB and on every
live snapshot, and iterators with random bounds, prefixes and directions,
driven by random next/prev/seek moves against a model cursor (a list of the
range's entries and an index between two of them).

Bounded for CI: max_examples and stateful_step_count keep the run to a few
seconds; STRATADB_HYPOTHESIS_EXAMPLES raises the count for a longer local run.
"""

import bisect
import os
import shutil
import tempfile

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import stratadb

# A small alphabet with the edge bytes, so keys collide and prefixes overlap.
keys = st.lists(st.sampled_from([0x00, 0x61, 0x62, 0xFF]), max_size=3).map(bytes)
values = st.binary(max_size=8)
optional_keys = st.none() | keys


class Rollback(Exception):
    pass


def successor(prefix):
    """The smallest key after every key that begins with prefix (None: none)."""
    b = bytearray(prefix)
    while b and b[-1] == 0xFF:
        b.pop()
    if not b:
        return None
    b[-1] += 1
    return bytes(b)


def model_range(model, start, stop, include_start, include_stop, prefix):
    """The model's (key, value) entries of an iterator's range, ascending."""
    out = []
    for key in sorted(model):
        if prefix is not None:
            if not key.startswith(prefix):
                continue
        else:
            if start is not None and (key < start or (key == start and not include_start)):
                continue
            if stop is not None and (key > stop or (key == stop and not include_stop)):
                continue
        out.append((key, model[key]))
    return out


class DBMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.dir = tempfile.mkdtemp(prefix="stratadb-hyp-")
        self.path = os.path.join(self.dir, "db")
        # The smallest write buffer, so memtables switch during a run.
        self.db = stratadb.DB(self.path, write_buffer_size=64 << 10)
        self.model = {}
        self.snapshots = []  # (stratadb.Snapshot, dict as of it)

    def teardown(self):
        for snapshot, _ in self.snapshots:
            snapshot.close()
        self.db.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- writes ------------------------------------------------------------

    @rule(key=keys, value=values)
    def put(self, key, value):
        self.db.put(key, value)
        self.model[key] = value

    @rule(key=keys)
    def delete(self, key):
        self.db.delete(key)
        self.model.pop(key, None)

    @rule(
        ops=st.lists(st.tuples(st.booleans(), keys, values), max_size=6),
        transaction=st.booleans(),
        fail=st.booleans(),
        prefixed=st.booleans(),
    )
    def batch(self, ops, transaction, fail, prefixed):
        target = self.db.prefixed_db(b"a") if prefixed else self.db
        pending = dict(self.model)
        try:
            with target.write_batch(transaction=transaction) as wb:
                for is_put, key, value in ops:
                    full = (b"a" + key) if prefixed else key
                    if is_put:
                        wb.put(key, value)
                        pending[full] = value
                    else:
                        wb.delete(key)
                        pending.pop(full, None)
                if fail:
                    raise Rollback()
        except Rollback:
            pass
        if not (transaction and fail):
            self.model = pending

    # -- snapshots, maintenance, reopen -------------------------------------

    @precondition(lambda self: len(self.snapshots) < 3)
    @rule()
    def take_snapshot(self):
        self.snapshots.append((self.db.snapshot(), dict(self.model)))

    @precondition(lambda self: self.snapshots)
    @rule(data=st.data())
    def release_snapshot(self, data):
        index = data.draw(st.integers(0, len(self.snapshots) - 1))
        snapshot, _ = self.snapshots.pop(index)
        snapshot.close()

    @rule()
    def flush(self):
        self.db.flush()

    @rule(start=optional_keys, stop=optional_keys)
    def compact(self, start, stop):
        self.db.compact_range(start=start, stop=stop)

    @rule()
    def reopen(self):
        old = self.snapshots
        self.snapshots = []
        self.db.close()
        for snapshot, _ in old:
            assert snapshot.closed  # closing the DB released it
        self.db = stratadb.DB(self.path, write_buffer_size=64 << 10)

    # -- reads ---------------------------------------------------------------

    @rule(key=keys)
    def get(self, key):
        assert self.db.get(key) == self.model.get(key)
        for snapshot, model in self.snapshots:
            assert snapshot.get(key) == model.get(key)

    @rule(
        data=st.data(),
        reverse=st.booleans(),
        start=optional_keys,
        stop=optional_keys,
        include_start=st.booleans(),
        include_stop=st.booleans(),
        prefix=optional_keys,
        use_snapshot=st.booleans(),
        moves=st.lists(
            st.sampled_from(["next", "prev", "seek", "seek_to_start", "seek_to_stop"]),
            min_size=1,
            max_size=12,
        ),
    )
    def iterate(
        self, data, reverse, start, stop, include_start, include_stop, prefix, use_snapshot, moves
    ):
        if prefix is not None:
            start = stop = None
        source, model = self.db, self.model
        if use_snapshot and self.snapshots:
            source, model = self.snapshots[data.draw(st.integers(0, len(self.snapshots) - 1))]
        entries = model_range(model, start, stop, include_start, include_stop, prefix)
        it = source.iterator(
            reverse=reverse,
            start=start,
            stop=stop,
            include_start=include_start,
            include_stop=include_stop,
            prefix=prefix,
        )
        # The model cursor: between entries[pos - 1] and entries[pos].
        pos = len(entries) if reverse else 0
        for move in moves:
            if move in ("next", "prev"):
                forward = (move == "next") != reverse
                if forward:
                    expected = entries[pos] if pos < len(entries) else None
                    pos = min(pos + 1, len(entries))
                else:
                    expected = entries[pos - 1] if pos > 0 else None
                    pos = max(pos - 1, 0)
                try:
                    got = next(it) if move == "next" else it.prev()
                except StopIteration:
                    got = None
                assert got == expected, (move, entries, pos)
            elif move == "seek":
                target = data.draw(keys)
                it.seek(target)
                pos = bisect.bisect_left([k for k, _ in entries], target)
            elif move == "seek_to_start":
                it.seek_to_start()
                pos = 0
            else:
                it.seek_to_stop()
                pos = len(entries)
        it.close()

    @invariant()
    def full_scan_matches(self):
        assert list(self.db.iterator()) == sorted(self.model.items())


examples = int(os.environ.get("STRATADB_HYPOTHESIS_EXAMPLES", "25"))
DBMachine.TestCase.settings = settings(
    max_examples=examples,
    stateful_step_count=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestDB = DBMachine.TestCase
