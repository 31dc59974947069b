#!/usr/bin/python3
"""Puts, gets and scans per second from Python: stratadb against plyvel.

Each engine gets a fresh database in a temporary directory and the same
workload, from one Python thread:
  put (seq)      N puts in key order
  put (random)   N puts in random order (a new database)
  batch put      N puts in write batches of 1,000
  get (random)   N gets of present keys, in random order, after a flush
                 (compact_range) so they read tables through the block cache
  get (missing)  N gets of absent keys (bloom filters answer most)
  scan           one forward iteration over every entry
Keys are 16 bytes, values --value-size random bytes. Both engines get the
same block cache (32 MiB) and 10-bit bloom filters; compression is each one's
default (stratadb LZ4, plyvel Snappy). Each figure is the best of --runs runs,
by the wall clock and by the process's CPU time (time.process_time: every
thread, the engines' background flushes and compactions included), which a
machine busy with other work disturbs much less.

Usage: PYTHONPATH=<build>/python /usr/bin/python3 python/bench/bench_vs_plyvel.py
       [--num 200000] [--value-size 100] [--runs 3] [--dir /tmp]
docs/PYTHON.md has results.
"""

import argparse
import os
import random
import shutil
import tempfile
import time

import stratadb

try:
    import plyvel
except ImportError:  # python3-plyvel not installed: stratadb alone
    plyvel = None

CACHE = 32 << 20


def open_stratadb(path):
    return stratadb.DB(path, lru_cache_size=CACHE, bloom_filter_bits=10)


def open_plyvel(path):
    return plyvel.DB(path, create_if_missing=True, lru_cache_size=CACHE, bloom_filter_bits=10)


def timed(fn):
    """(wall seconds, CPU seconds of the whole process, background threads included)."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def workloads(open_db, base, num, value_size, seed):
    rng = random.Random(seed)
    keys = [b"%016d" % i for i in range(num)]
    values = [rng.randbytes(value_size) for _ in range(1024)]
    shuffled = keys[:]
    rng.shuffle(shuffled)
    missing = [b"%016dx" % i for i in range(num)]
    rng.shuffle(missing)
    results = {}

    os.makedirs(base, exist_ok=True)

    def fresh(name):
        path = os.path.join(base, name)
        shutil.rmtree(path, ignore_errors=True)
        return open_db(path)

    db = fresh("random")
    put = db.put
    results["put (random)"] = timed(lambda: [put(k, values[i & 1023]) for i, k in enumerate(shuffled)])
    db.close()

    db = fresh("batch")

    def batches():
        for start in range(0, num, 1000):
            with db.write_batch() as wb:
                for i in range(start, min(start + 1000, num)):
                    wb.put(keys[i], values[i & 1023])

    results["batch put"] = timed(batches)
    db.close()

    db = fresh("seq")
    put = db.put
    results["put (seq)"] = timed(lambda: [put(k, values[i & 1023]) for i, k in enumerate(keys)])
    db.compact_range()
    get = db.get
    for k in shuffled[: num // 10]:  # warm the cache a little
        get(k)
    results["get (random)"] = timed(lambda: [get(k) for k in shuffled])
    results["get (missing)"] = timed(lambda: [get(k) for k in missing])
    results["scan"] = timed(lambda: [None for _ in db.iterator()])
    db.close()
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num", type=int, default=200000)
    parser.add_argument("--value-size", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", default=None, help="where the databases go (default: a temp dir)")
    args = parser.parse_args()

    engines = [("stratadb " + stratadb.__version__, open_stratadb)]
    if plyvel is not None:
        engines.append(("plyvel " + plyvel.__version__, open_plyvel))
    best = {}
    base = tempfile.mkdtemp(prefix="stratadb-bench-", dir=args.dir)
    try:
        for run in range(args.runs):
            for name, open_db in engines:
                times = workloads(open_db, os.path.join(base, name.split()[0]), args.num,
                                  args.value_size, run)
                for workload, seconds in times.items():
                    for clock, value in zip(("wall", "cpu"), seconds):
                        key = (name, workload, clock)
                        best[key] = min(best.get(key, float("inf")), value)
    finally:
        shutil.rmtree(base, ignore_errors=True)

    names = [name for name, _ in engines]
    print("%d keys of 16 bytes, values of %d bytes, best of %d runs" % (args.num, args.value_size,
                                                                    args.runs))
    header = [n + " " + clock for clock in ("wall", "CPU") for n in names]
    if len(names) == 2:
        header.insert(2, "ratio")
        header.append("ratio")
    print("operations per second of wall time, and per second of the process's CPU time")
    print("| workload | " + " | ".join(header) + " |")
    print("| --- |" + " ---: |" * len(header))
    for workload in ["put (seq)", "put (random)", "batch put", "get (random)", "get (missing)",
                     "scan"]:
        cells = []
        for clock in ("wall", "cpu"):
            rates = [args.num / best[(name, workload, clock)] for name in names]
            cells += ["{:,.0f}".format(r) for r in rates]
            if len(rates) == 2:
                cells.append("%.2fx" % (rates[0] / rates[1]))
        print("| %s | %s |" % (workload, " | ".join(cells)))


if __name__ == "__main__":
    main()
