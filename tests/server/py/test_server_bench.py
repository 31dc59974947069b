# scripts/server-bench end to end at a tiny size: it starts its two servers,
# runs every test of issue 12's and issue 13's lists (each from FLUSHALL and
# its fill) and prints one row per test and depth, with an `errors` column;
# an error reply from the server makes the row say ERRORS and the script exit
# 1. The figures are not checked (a few hundred requests measure nothing).
#
# Runs with Redis on both sides (the script itself, no build needed) and with
# the server under test as the "strata" side (issue 13's collection list at
# -P 16 without errors), and with --callgrind (instructions per request of
# each, counted in the measured run only; not with a sanitized server, which
# valgrind cannot run). About 15 s on an idle machine.

import importlib.machinery
import importlib.util
import os
import shutil
import subprocess
import types

import pytest

import harness

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__)))))
SCRIPT = os.path.join(ROOT, "scripts", "server-bench")
REDIS = shutil.which("redis-server")
BENCH = shutil.which("redis-benchmark")
VALGRIND = shutil.which("valgrind")
pytestmark = pytest.mark.skipif(REDIS is None or BENCH is None,
                                reason="redis-server and redis-benchmark needed")
COLUMNS = 14


def load_script():
    """scripts/server-bench as a module (its name has no .py)."""
    loader = importlib.machinery.SourceFileLoader("server_bench", SCRIPT)
    spec = importlib.util.spec_from_loader("server_bench", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def run_script(*args):
    done = subprocess.run(["/usr/bin/python3", SCRIPT, "--redis", REDIS, "-n", "200",
                           "--runs", "1", "-c", "10", *args],
                          capture_output=True, timeout=120)
    return done.returncode, done.stdout.decode(), done.stderr.decode()


def table_rows(out, columns=COLUMNS):
    """{(TEST, depth): [cells]} from the script's Markdown table."""
    rows = {}
    for line in out.splitlines():
        if not line.startswith("| ") or line.startswith("| test "):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert len(cells) == columns, line
        rows[(cells[0], int(cells[1]))] = cells
    return rows


def test_redis_both_sides_one_row_per_test():
    status, out, err = run_script("--strata", REDIS, "--tests", "lpush,lpop,lrange_100,get",
                                  "--pipelines", "1")
    assert status == 0, out + err
    rows = table_rows(out)
    assert list(rows) == [("LPUSH", 1), ("LPOP", 1), ("LRANGE_100", 1), ("GET", 1)], out
    for cells in rows.values():
        assert cells[-1] == "0", cells  # errors
        assert float(cells[2]) > 0 and float(cells[3]) > 0, cells
        assert cells[5].startswith(">= "), cells  # the target column
    assert rows[("GET", 1)][5].startswith(">= 0.8")  # issue 12's target at -P 1
    assert rows[("LPOP", 1)][5].startswith(">= 0.5")  # issue 13's


def test_server_under_test_collection_list_without_errors():
    # -P 16 only, to stay fast: test_benchmark_proxy runs redis-benchmark's
    # whole default list at both depths.
    status, out, err = run_script("--strata", harness.server_bin(), "--suite", "13",
                                  "--pipelines", "16")
    rows = table_rows(out)
    tests = ["lpush", "rpush", "lpop", "rpop", "sadd", "hset", "spop", "zadd", "zpopmin",
             "lrange_100", "lrange_300", "lrange_500", "lrange_600", "mset"]
    assert list(rows) == [(t.upper(), 16) for t in tests], out + err
    failed = [cells for cells in rows.values() if cells[-1] != "0"]
    assert not failed and status == 0, out + err


@pytest.mark.skipif(VALGRIND is None, reason="valgrind needed (scripts/install-deps)")
@pytest.mark.skipif(bool(os.environ.get("STRATA_SERVER_SANITIZED")),
                    reason="valgrind cannot run a sanitized server")
def test_callgrind_counts_each_servers_instructions_per_request():
    status, out, err = run_script("--strata", harness.server_bin(), "--callgrind",
                                  "--tests", "lpush,lpop", "--pipelines", "16")
    assert status == 0, out + err
    rows = table_rows(out, columns=7)
    assert list(rows) == [("LPUSH", 16), ("LPOP", 16)], out + err
    for cells in rows.values():
        redis, strata = float(cells[2]), float(cells[3])
        # A request through the network stack and a command costs thousands
        # of instructions; a count of zero or millions means a wrong window.
        assert 500 < redis < 200000 and 500 < strata < 200000, cells
        assert float(cells[4]) == pytest.approx(redis / strata, abs=0.01), cells
        assert cells[5].startswith(">= 0.5"), cells  # issue 13's target
        assert cells[-1] == "0", cells


def test_target_column_names_both_issues_when_they_differ():
    bench = load_script()
    both = bench.targets_for("mset", 1, ["12", "13"])
    assert both == [("12", 0.8), ("13", 0.5)]
    assert bench.verdict(0.6, both, False) == "#12 >= 0.8 MISSED; #13 >= 0.5 met"
    assert bench.verdict(0.6, bench.targets_for("mset", 16, ["12", "13"]), False) == ">= 0.5 met"
    assert bench.verdict(0.9, bench.targets_for("get", 1, ["13"]), False) == ">= 0.8 met"
    assert bench.verdict(0.9, both, True) == "ERRORS"


def test_error_reply_is_reported(make_server):
    bench = load_script()
    server = make_server()
    with server.client() as c:
        c.set("mylist", "a string")  # LPUSH mylist now gets WRONGTYPE
    args = types.SimpleNamespace(benchmark=BENCH, bench_cpus=None, clients=5, keyspace=100,
                                 requests=50, timeout=60, runs=1, suites=["13"], callgrind=False)
    row, error = bench.run_benchmark(server.port, ["-t", "lpush"], args, 1)
    assert row is None and error.startswith("Error from server: WRONGTYPE"), error
    line = bench.format_row("lpush", 1, {"redis": [(1.0, 1.0, 1.0, 1.0)], "strata": []},
                            {"redis": [], "strata": [error]}, args)
    cells = [c.strip() for c in line.strip("|").split("|")]
    assert cells[3] == "-" and cells[5] == "ERRORS", line
    assert cells[-1].startswith("strata 1/1: Error from server: WRONGTYPE"), line
