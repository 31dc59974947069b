#!/usr/bin/python3
"""Redis's own test suite (Debian's redis 7.0.15 source) against a server.

Fetches the source with `apt-get source redis` into a cache directory (in the
build tree, never the repository; once, under a lock, reused by later runs),
then for each test file starts a FRESH server (tests/server/harness.py) and
runs, from the source directory, Redis's runner in external mode:

  ./runtest --host 127.0.0.1 --port P --single FILE --singledb --ignore-encoding
    --ignore-digest --tags "-needs:debug ... -needs:pfdebug" --skipfile SKIP --durable
    --baseport B

(the issue's command plus --skipfile, --durable and --baseport, which only
moves runtest's own control port off a busy range; without --durable a test
that meets an unknown command raises a Tcl exception, which ends the whole
file and leaves every later test unrun; with it the test counts as [err] and
the file goes on. Against redis-server the counts are the same either way.)

It counts [ok] [err] [exception] [skip] [ignore] lines, prints a table, and
fails unless, for every file, passed >= 90% of what a real redis-server passes
with the same command (BASELINES, measured on Debian 12's redis-server 7.0.15;
re-measure with `run.py --server /usr/bin/redis-server --all`). A skipped test
counts as not passed: the skip file (skip.txt, one test name or /regexp per
line, `#` comments give the reasons) only documents known gaps and keeps a
test that would hang out of a run. The server must also still answer PING after each
file: a crash is a failure whatever the counts.

Each run is bounded by --timeout seconds (the whole process group is killed).
Usage: run.py [--server BIN] [--cache DIR] [--file unit/type/string ...] [--all]
Exit: 0 pass, 1 fail, 2 the source could not be fetched.
"""

import argparse
import fcntl
import math
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import harness  # noqa: E402

# Tests a real redis-server 7.0.15 passes with exactly the command below
# (measured 2026-12-01 with this script; the first count for keyspace
# was 42). DEFAULT_FILES are issue 12's; the others are issue 13's types,
# selected with --file or --all.
BASELINES = {
    "unit/type/string": 75,
    "unit/type/incr": 23,
    "unit/keyspace": 43,
    "unit/expire": 58,
    "unit/type/hash": 72,
    "unit/type/set": 95,
    "unit/type/zset": 308,
    "unit/type/list": 219,
    "unit/multi": 32,
}
DEFAULT_FILES = ["unit/type/string", "unit/type/incr", "unit/keyspace", "unit/expire"]
# The share of the baseline each file must pass: 90% (issues 12 and 13),
# except issue 13's lower bars for lists (80%) and transactions (60%).
REQUIRED_RATIO = 0.9
REQUIRED_RATIOS = {"unit/type/list": 0.8, "unit/multi": 0.6}
TAGS = ("-needs:debug -needs:repl -needs:config-maxmemory -needs:config-resetstat "
        "-needs:save -needs:reset -needs:pfdebug")
SKIP_FILE = os.path.join(HERE, "skip.txt")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
STATUS = re.compile(r"^\[(ok|err|exception|skip|ignore)\]: (.*)$")


def fetch_source(cache):
    """The unpacked redis source directory in `cache`, fetched if missing."""
    os.makedirs(cache, exist_ok=True)
    with open(os.path.join(cache, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        found = find_source(cache)
        if found:
            return found
        print("fetching Redis's source: apt-get source redis (into %s)" % cache, flush=True)
        log = os.path.join(cache, "fetch.log")
        with open(log, "wb") as out:
            rc = subprocess.call(["apt-get", "source", "-qq", "redis"], cwd=cache, stdout=out,
                                 stderr=subprocess.STDOUT)
        found = find_source(cache)
        if rc != 0 or not found:
            with open(log, errors="replace") as f:
                sys.stdout.write(f.read()[-3000:])
            raise SystemExit("FAIL: `apt-get source redis` failed: is there a deb-src entry? "
                             "(scripts/install-deps adds one; then `apt-get update`)")
        return found


def find_source(cache):
    for name in sorted(os.listdir(cache)):
        path = os.path.join(cache, name)
        if name.startswith("redis-") and os.path.isfile(os.path.join(path, "runtest")):
            return path
    return None


def filtered_skip_file(skip_file, workdir):
    """The skip file without comments and blank lines (runtest would take a
    comment for a test name)."""
    names = []
    with open(skip_file) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.strip() and not line.lstrip().startswith("#"):
                names.append(line)
    path = os.path.join(workdir, "skip.txt")
    with open(path, "w") as f:
        f.write("\n".join(names) + "\n")
    return path


def parse(output):
    counts = {"ok": 0, "err": 0, "exception": 0, "skip": 0, "ignore": 0}
    failures = []
    for line in output.splitlines():
        m = STATUS.match(ANSI.sub("", line))
        if m:
            counts[m.group(1)] += 1
            if m.group(1) in ("err", "exception"):
                failures.append(m.group(0))
    return counts, failures


def run_file(source, test_file, skip_path, timeout, log_dir):
    """Runs one test file against a fresh server: (counts, failures, note).
    One runtest at a time per source directory: runtest picks its own
    listening port by probing, which races with a concurrent runtest (CTest
    -j runs the files side by side)."""
    with open(os.path.join(source, ".strata-runtest.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return run_file_locked(source, test_file, skip_path, timeout, log_dir)


def runtest_base_port():
    """A --baseport for runtest whose control port (the 32 ports below it)
    is free. runtest's own probe binds the wildcard address with
    SO_REUSEADDR, which succeeds beside another runtest's 127.0.0.1 listener
    and then fails for real ("address already in use"): so the range is
    chosen here, by binds that do conflict, away from runtest's default."""
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(22000, 30000)
        try:
            for p in (port, port + 10000):  # runtest also probes port+10000
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                    s.bind(("", p))
            return port + 32
        except OSError:
            continue
    raise SystemExit("FAIL: no free port range for runtest")


def run_file_locked(source, test_file, skip_path, timeout, log_dir):
    server = harness.Server()
    keep_dir = False
    try:
        server.start()
        cmd = ["./runtest", "--host", "127.0.0.1", "--port", str(server.port), "--single",
               test_file, "--singledb", "--ignore-encoding", "--ignore-digest", "--tags", TAGS,
               "--skipfile", skip_path, "--durable", "--baseport", str(runtest_base_port())]
        env = dict(os.environ, TERM="dumb")  # no colour codes in the output
        proc = subprocess.Popen(cmd, cwd=source, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, env=env, start_new_session=True)
        notes = []
        try:
            output, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            output, _ = proc.communicate()
            notes.append("timed out after %d s" % timeout)
        output = output.decode(errors="replace")
        log = os.path.join(log_dir, test_file.replace("/", "_") + ".log")
        with open(log, "w") as f:
            f.write(output)
        counts, failures = parse(output)
        healthy = server.alive() and harness.ping(server.port, timeout=5)
        if not healthy:
            notes.append("SERVER %s (kept: %s)" % (
                "NOT ANSWERING" if server.alive() else "DIED", server.dir))
            sys.stdout.write(server.log()[-3000:])
            keep_dir = True  # for the post-mortem
        return counts, failures, "; ".join(notes), log, healthy
    finally:
        if keep_dir:
            if server.alive():
                server.kill()
        else:
            server.cleanup()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--server", help="server binary (default $STRATA_SERVER_BIN or redis-server)")
    ap.add_argument("--cache", default=os.path.join(tempfile.gettempdir(), "strata-redis-source"),
                    help="where the source is fetched and logs are written")
    ap.add_argument("--file", action="append", help="a test file (repeatable)")
    ap.add_argument("--all", action="store_true", help="every file in BASELINES")
    # redis-server runs the slowest file (zset) in under a minute
    ap.add_argument("--timeout", type=int, default=120, help="seconds per file (default 120)")
    ap.add_argument("--skipfile", default=SKIP_FILE)
    args = ap.parse_args()
    args.cache = os.path.abspath(args.cache)  # runtest runs in the source directory
    if args.server:
        os.environ["STRATA_SERVER_BIN"] = os.path.abspath(args.server)
    files = list(BASELINES) if args.all else (args.file or DEFAULT_FILES)
    for f in files:
        if f not in BASELINES:
            raise SystemExit("no baseline for %s: measure it against redis-server and add it to "
                             "BASELINES" % f)
    try:
        source = fetch_source(args.cache)
    except SystemExit as e:
        print(e)
        return 2
    log_dir = tempfile.mkdtemp(prefix="run.", dir=args.cache)
    skip_path = filtered_skip_file(args.skipfile, log_dir)
    print("server: %s (%s); source: %s" % (harness.server_bin(), harness.flavor(), source))

    rows, failed = [], False
    for f in files:
        start = time.monotonic()
        counts, failures, note, log, healthy = run_file(source, f, skip_path, args.timeout,
                                                        log_dir)
        need = math.ceil(REQUIRED_RATIOS.get(f, REQUIRED_RATIO) * BASELINES[f])
        ok = counts["ok"] >= need and healthy
        failed |= not ok
        rows.append((f, counts, BASELINES[f], need, time.monotonic() - start, ok, note))
        for line in failures:
            print("  %s: %s" % (f, line))
        print("  %s: full output in %s" % (f, log), flush=True)

    print("\n%-18s %5s %5s %5s %5s %6s %8s %5s %6s  %s" % (
        "file", "ok", "err", "exc", "skip", "ignore", "baseline", "need", "secs", "result"))
    for f, c, base, need, secs, ok, note in rows:
        print("%-18s %5d %5d %5d %5d %6d %8d %5d %6.1f  %s%s" % (
            f, c["ok"], c["err"], c["exception"], c["skip"], c["ignore"], base, need, secs,
            "PASS" if ok else "FAIL", " (" + note + ")" if note else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
