"""Threads and the stratadb binding: the GIL is released during engine calls,
gets scale across threads, and a close racing with other threads' calls
raises ClosedError in them, never crashes.

test_four_threads_faster_than_one measures wall time, so it guards itself
against a busy machine (CI runs tests two at a time on two cores): it takes
the best of several rounds, retries, and if the speedup is still short it
fails only when the machine's other processes left it the CPUs (measured
from /proc/stat during the run); otherwise it skips, saying so.
STRATADB_STRICT_TIMING=1 makes it fail regardless. The GIL's release itself
is checked without timing by test_gil_released_during_engine_calls.
"""

import os
import random
import sys
import threading
import time

import pytest

import stratadb


def fill(db, n, value_size):
    rng = random.Random(42)
    with db.write_batch() as wb:
        for i in range(n):
            wb.put(b"key%08d" % i, rng.randbytes(value_size))
    db.flush()
    db.compact_range()


def test_gil_released_during_engine_calls(db):
    """Python code runs in another thread while an engine call is in progress.

    With a switch interval of an hour Python never takes the GIL from a thread:
    a thread runs only when another releases the GIL itself. The worker signals
    the main thread (which then waits for the GIL) and calls compact_range(); if
    the call held the GIL, the main thread could not run a single iteration
    before the worker finished.
    """
    fill(db, 20000, 1000)
    for i in range(0, 20000, 2):  # work for the compaction to do
        db.put(b"key%08d" % i, b"new")
    calling = threading.Event()
    done = []

    def worker():
        calling.set()
        db.compact_range()
        done.append(True)

    old = sys.getswitchinterval()
    sys.setswitchinterval(3600)
    try:
        thread = threading.Thread(target=worker)
        thread.start()
        calling.wait()
        iterations = 0
        while not done:
            iterations += 1
            time.sleep(0)  # releases the GIL, so the worker can return
        thread.join()
    finally:
        sys.setswitchinterval(old)
    assert iterations > 0


def machine_busy_seconds():
    """CPU seconds every process on the machine has used (from /proc/stat)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def timed_gets(db, keys, threads):
    per = len(keys) // threads
    chunks = [keys[i * per : (i + 1) * per] for i in range(threads)]
    barrier = threading.Barrier(threads + 1)

    def work(chunk):
        get = db.get
        barrier.wait()
        for key in chunk:
            # Each get reads its block from the OS (not the block cache) and
            # checks it: engine work, without the GIL, that dwarfs the
            # binding's own, under the GIL.
            get(key, verify_checksums=True, fill_cache=False)

    workers = [threading.Thread(target=work, args=(c,)) for c in chunks]
    for w in workers:
        w.start()
    barrier.wait()
    begin = time.perf_counter()
    for w in workers:
        w.join()
    return time.perf_counter() - begin


def test_four_threads_faster_than_one(db_path):
    cpus = len(os.sched_getaffinity(0))
    if cpus < 2:
        pytest.skip("needs 2 CPUs, has %d" % cpus)
    # Each get must do enough engine work for parallelism to show: with 1 KB
    # values in 4 KB blocks a get is ~5 us, of which the GIL hand-off between
    # threads is a large part, and 4 threads measured 0.5x of one (the
    # convoy any binding that releases the GIL pays on tiny calls). 256 KB
    # blocks make a get read and checksum one (~40 us), and then 4 threads
    # measured 1.7x on this 2-core machine.
    db = stratadb.DB(db_path, block_size=256 * 1024, lru_cache_size=1 << 20)
    try:
        _four_threads_faster_than_one(db, cpus)
    finally:
        db.close()


def _four_threads_faster_than_one(db, cpus):
    fill(db, 5000, 4000)
    rng = random.Random(7)
    keys = [b"key%08d" % rng.randrange(5000) for _ in range(4000)]
    timed_gets(db, keys, 1)  # warm the OS page cache
    best_speedup = 0.0
    for attempt in range(3):
        busy_before, ours_before, wall_before = (
            machine_busy_seconds(),
            time.process_time(),
            time.perf_counter(),
        )
        one = min(timed_gets(db, keys, 1) for _ in range(4))
        four = min(timed_gets(db, keys, 4) for _ in range(4))
        others = (machine_busy_seconds() - busy_before) - (time.process_time() - ours_before)
        others_cores = others / (time.perf_counter() - wall_before)
        speedup = one / four
        best_speedup = max(best_speedup, speedup)
        print(
            "attempt %d: 1 thread %.3fs, 4 threads %.3fs: speedup %.2f "
            "(%.0f gets/s on 1 thread; other processes used %.2f cores)"
            % (attempt, one, four, speedup, len(keys) / one, others_cores)
        )
        if speedup > 1.3:
            return
    if others_cores > 0.3 and os.environ.get("STRATADB_STRICT_TIMING") != "1":
        pytest.skip(
            "speedup %.2f not measurable: other processes used %.2f of the %d cores"
            % (best_speedup, others_cores, cpus)
        )
    pytest.fail("4 threads are only %.2fx faster than 1" % best_speedup)


def test_concurrent_writes_and_reads(db):
    def writer(t):
        for i in range(2000):
            db.put(b"t%d-%05d" % (t, i), b"%d" % i)
            if i % 100 == 0:
                with db.write_batch() as wb:
                    wb.put(b"batch-%d-%d" % (t, i), b"x")

    errors = []

    def reader():
        try:
            for _ in range(20):
                keys = list(db.iterator(include_value=False))
                assert keys == sorted(keys)
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(4)]
    threads += [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for t in range(4):
        assert db.get(b"t%d-%05d" % (t, 1999)) == b"1999"
    assert len(list(db.iterator(prefix=b"t"))) == 8000


def test_one_iterator_shared_by_threads_never_crashes(db):
    fill(db, 5000, 10)
    it = db.iterator()
    seen = []

    def consume():
        try:
            for key, _ in it:
                seen.append(key)
        except StopIteration:
            pass

    threads = [threading.Thread(target=consume) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Each entry went to exactly one thread.
    assert sorted(seen) == [b"key%08d" % i for i in range(5000)]


def test_close_racing_with_calls_raises_never_crashes(db_path):
    """Threads iterate, get and read snapshots while the main thread closes the DB."""
    with stratadb.DB(db_path) as db:
        fill(db, 3000, 50)
    rng = random.Random(1)
    for round_ in range(30):
        db = stratadb.DB(db_path)
        errors = []
        outcomes = []
        started = threading.Barrier(5)

        def iterate():
            try:
                it = db.iterator()
                started.wait()
                while True:
                    for _ in it:
                        pass
                    it.seek_to_start()
            except stratadb.ClosedError:
                outcomes.append("closed")
            except Exception as e:  # anything else is a failure
                errors.append(e)

        def raw():
            try:
                it = db.raw_iterator()
                started.wait()
                while True:
                    it.seek_to_first()
                    while it.valid():
                        it.key()
                        it.next()
            except stratadb.ClosedError:
                outcomes.append("closed")
            except Exception as e:
                errors.append(e)

        def gets():
            try:
                snap = db.snapshot()
                started.wait()
                i = 0
                while True:
                    db.get(b"key%08d" % (i % 3000))
                    snap.get(b"key%08d" % (i % 3000))
                    i += 1
            except stratadb.ClosedError:
                outcomes.append("closed")
            except Exception as e:
                errors.append(e)

        def writes():
            try:
                started.wait()
                i = 0
                while True:
                    db.put(b"w%d" % i, b"v")
                    i += 1
            except stratadb.ClosedError:
                outcomes.append("closed")
            except Exception as e:
                errors.append(e)

        threads = [threading.Thread(target=f) for f in (iterate, raw, gets, writes)]
        for t in threads:
            t.start()
        started.wait()
        time.sleep(rng.uniform(0, 0.02))
        db.close()
        for t in threads:
            t.join(timeout=60)
            assert not t.is_alive()
        assert not errors, errors
        assert outcomes == ["closed"] * 4, (round_, outcomes)
    with stratadb.DB(db_path) as db:  # the lock was released every time
        assert db.get(b"key00000000") is not None
