# Sorted sets over the network: ZADD and its options, ranges by rank, score
# and lex, removals, pops, set operations and RESP3 shapes, with Redis 7.0's
# replies; runs unchanged against redis-server (conftest.py). Also: acknowledged
# ZADD/ZREM survive kill -9, and concurrent ZINCRBYs on one member lose no update.
# BZPOPMIN/BZPOPMAX/BZMPOP with real connections: served by a later ZADD (or a
# STORE form), timeouts, FIFO order of the waiters, RESP3 shapes and MULTI's
# non-blocking form; every wait is bounded (socket timeouts of a few seconds).

import threading
import time

import pytest
import redis

from resp import Conn, Error

pytestmark = pytest.mark.usefixtures("needs_zset")


@pytest.fixture
def needs_zset(server):
    if not server.knows("ZADD"):
        pytest.skip("the server has no ZADD")


def test_zadd_and_ranges(r):
    assert r.zadd("z", {"a": 1, "b": 2, "c": 3}) == 3
    assert r.zadd("z", {"a": 5}, nx=True) == 0
    assert r.zadd("z", {"a": 5}, xx=True, ch=True) == 1
    assert r.zrange("z", 0, -1, withscores=True) == [("b", 2.0), ("c", 3.0), ("a", 5.0)]
    assert r.zrangebyscore("z", "(2", "+inf") == ["c", "a"]
    assert r.zrevrangebyscore("z", 5, 3, withscores=True) == [("a", 5.0), ("c", 3.0)]
    assert r.zrank("z", "a") == 2
    assert r.zrevrank("z", "a") == 0
    assert r.zcount("z", "-inf", "(5") == 2
    assert r.zscore("z", "nope") is None
    assert r.zmscore("z", ["a", "nope"]) == [5.0, None]
    assert r.zincrby("z", 0.5, "b") == 2.5
    assert r.zcard("z") == 3
    with pytest.raises(redis.ResponseError, match="not a valid float"):
        r.zadd("z", {"x": "abc"})


def test_lex_ranges_and_removal(r):
    r.zadd("l", {m: 0 for m in "abcdefg"})
    assert r.zrangebylex("l", "[b", "(e") == ["b", "c", "d"]
    assert r.zrevrangebylex("l", "+", "[f") == ["g", "f"]
    assert r.zlexcount("l", "-", "+") == 7
    assert r.zremrangebylex("l", "[a", "[b") == 2
    assert r.zremrangebyrank("l", -1, -1) == 1
    assert r.zremrangebyscore("l", 0, 0) == 4
    assert r.exists("l") == 0


def test_pops_and_set_operations(r):
    r.zadd("a", {"x": 1, "y": 2, "z": 3})
    r.zadd("b", {"y": 10, "w": 4})
    assert r.zunion(["a", "b"], withscores=True) == [
        ("x", 1.0), ("z", 3.0), ("w", 4.0), ("y", 12.0)]
    assert r.zinter(["a", "b"], aggregate="MIN") == ["y"]
    assert r.zdiff(["a", "b"]) == ["x", "z"]
    assert r.zunionstore("u", {"a": 2, "b": 1}) == 4
    assert r.zscore("u", "y") == 14.0
    assert r.zpopmin("u") == [("x", 2.0)]
    assert r.zpopmax("u", 2) == [("y", 14.0), ("z", 6.0)]


def test_errors(server, r):
    c = Conn(server.port)
    try:
        assert c.call("ZRANGEBYSCORE", "z", "a", "1") == Error("ERR min or max is not a float")
        assert c.call("ZRANGEBYLEX", "z", "a", "+") == Error(
            "ERR min or max not valid string range item")
        assert c.call("ZADD", "z", "NX", "XX", "1", "a") == Error(
            "ERR XX and NX options at the same time are not compatible")
        c.call("SET", "s", "v")
        assert c.call("ZCARD", "s") == Error(
            "WRONGTYPE Operation against a key holding the wrong kind of value")
    finally:
        c.close()


def test_survives_restart(make_server):
    s = make_server(durable=True)
    client = s.client(decode_responses=True)
    client.zadd("z", {"m%d" % i: i for i in range(100)})
    client.zrem("z", "m0")
    client.close()
    s.kill()
    s.restart()
    client = s.client(decode_responses=True)
    assert client.zcard("z") == 99
    assert client.zrange("z", 97, -1, withscores=True) == [("m98", 98.0), ("m99", 99.0)]
    client.close()


def test_concurrent_zincrby(server, r):
    def work():
        client = server.client()
        for _ in range(100):
            client.zincrby("c", 1, "m")
        client.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert r.zscore("c", "m") == 400.0


@pytest.fixture
def conn(server):
    made = []

    def make():
        c = Conn(server.port, timeout=5.0)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


def wait_blocked(r, n, timeout=3.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if int(r.info("clients")["blocked_clients"]) == n:
            return
        time.sleep(0.01)
    raise AssertionError("blocked_clients never reached %d" % n)


def test_bzpopmin_served_by_a_later_zadd(r, conn):
    c = conn()
    c.send("BZPOPMIN", "z1", "z2", "0")
    wait_blocked(r, 1)
    assert r.zadd("z2", {"a": 1, "b": 2}) == 2
    assert c.read() == [b"z2", b"a", b"1"]
    wait_blocked(r, 0)
    assert r.zrange("z2", 0, -1) == ["b"]


def test_bzpopmax_timeout_replies_null(r, conn):
    c = conn()
    start = time.time()
    assert c.call("BZPOPMAX", "z", "0.2") is None
    assert 0.15 <= time.time() - start < 3
    assert c.call("BZMPOP", "0.1", "1", "z", "MIN") is None


def test_bzpop_fifo_and_each_member_once(r, conn):
    c1, c2 = conn(), conn()
    c1.send("BZPOPMIN", "z", "5")
    wait_blocked(r, 1)
    c2.send("BZPOPMIN", "z", "5")
    wait_blocked(r, 2)
    r.zadd("z", {"a": 1, "b": 2})
    assert c1.read() == [b"z", b"a", b"1"]
    assert c2.read() == [b"z", b"b", b"2"]
    assert r.exists("z") == 0


def test_bzmpop_woken_by_store_commands(r, conn):
    r.zadd("src", {"x": 1, "y": 2, "w": 3})
    for store in (["ZUNIONSTORE", "d", "1", "src"], ["ZRANGESTORE", "d", "src", "0", "1"],
                  ["ZINTERSTORE", "d", "1", "src"], ["ZDIFFSTORE", "d", "1", "src"]):
        c = conn()
        c.send("BZMPOP", "5", "2", "none", "d", "MAX", "COUNT", "10")
        wait_blocked(r, 1)
        r.execute_command(*store)
        reply = c.read()
        assert reply[0] == b"d" and reply[1][-1] == [b"x", b"1"], (store, reply)
        wait_blocked(r, 0)


def test_bzpop_resp3_and_zincrby_wakes(r, conn):
    c = conn()
    c.call("HELLO", "3")
    c.send("BZPOPMAX", "z", "5")
    wait_blocked(r, 1)
    r.zincrby("z", 2.5, "m")
    assert c.read() == [b"z", b"m", "2.5"]


def test_bzpop_inside_multi_does_not_block(r, conn):
    c = conn()
    assert c.call("MULTI") == "OK"
    c.call("BZPOPMIN", "z", "0")
    c.call("BZMPOP", "0", "1", "z", "MIN")
    assert c.call("EXEC") == [None, None]


def test_set_operation_inside_multi_sees_earlier_writes(r):
    p = r.pipeline(transaction=True)
    p.zadd("a", {"x": 1})
    p.zunionstore("d", ["a"])
    p.zrange("d", 0, -1)
    assert p.execute() == [1, 1, ["x"]]
