# Sets over the network: SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS SPOP
# SRANDMEMBER SMOVE SINTER SINTERCARD SUNION SDIFF, the STORE forms and SSCAN,
# with Redis 7.0's replies (RESP2 and RESP3 shapes) and errors; the same tests
# pass against redis-server. Concurrent SADD/SMOVE/SPOP from several clients
# neither lose nor duplicate a member (bounded loops), and acknowledged set
# writes survive kill -9.

import threading

import pytest

from resp import Conn, Error, Set

WRONGTYPE = Error("WRONGTYPE Operation against a key holding the wrong kind of value")


@pytest.fixture
def c(server, r):
    conn = Conn(server.port)
    yield conn
    conn.close()


def test_basics(r):
    assert r.sadd("s", "a", "b", "a") == 2
    assert r.sadd("s", "c") == 1
    assert r.scard("s") == 3
    assert r.sismember("s", "a") == 1
    assert r.sismember("s", "z") == 0
    assert r.smismember("s", "z", "a") == [0, 1]
    assert r.smembers("s") == {"a", "b", "c"}
    assert r.srem("s", "a", "z") == 1
    assert r.srem("s", "b", "c") == 2
    assert r.exists("s") == 0
    assert r.type("s") == "none"
    r.sadd("s", "x")
    assert r.type("s") == "set"


def test_errors(c):
    c.call("SET", "str", "v")
    assert c.call("SADD", "str", "a") == WRONGTYPE
    assert c.call("SMEMBERS", "str") == WRONGTYPE
    assert c.call("SUNION", "nokey", "str") == WRONGTYPE
    assert c.call("SADD", "s") == Error("ERR wrong number of arguments for 'sadd' command")
    assert c.call("SPOP", "s", "-1") == Error("ERR value is out of range, must be positive")
    assert c.call("SPOP", "s", "1", "2") == Error("ERR syntax error")
    assert c.call("SRANDMEMBER", "s", "-9223372036854775808") == Error(
        "ERR value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807")
    assert c.call("SINTERCARD", "0", "s") == Error("ERR numkeys should be greater than 0")
    assert c.call("SINTERCARD", "2", "s") == Error(
        "ERR Number of keys can't be greater than number of args")
    assert c.call("SINTERCARD", "1", "s", "LIMIT", "-1") == Error("ERR LIMIT can't be negative")
    assert c.call("SSCAN", "s", "abc") == Error("ERR invalid cursor")


def test_resp3_shapes(c):
    c.call("HELLO", "3")
    c.call("SADD", "s", "a", "b")
    assert isinstance(c.call("SMEMBERS", "s"), Set)
    assert sorted(c.call("SMEMBERS", "s")) == [b"a", b"b"]
    assert isinstance(c.call("SINTER", "s", "s"), Set)
    assert c.call("SPOP", "nokey") is None
    assert c.call("SPOP", "nokey", "2") == Set([])
    srand = c.call("SRANDMEMBER", "s", "5")
    assert not isinstance(srand, Set) and sorted(srand) == [b"a", b"b"]
    assert c.call("SRANDMEMBER", "nokey", "1") == []
    popped = c.call("SPOP", "s", "5")
    assert isinstance(popped, Set) and sorted(popped) == [b"a", b"b"]


def test_pop_and_randmember(r):
    members = {str(i) for i in range(30)}
    r.sadd("s", *members)
    assert r.srandmember("s", 0) == []
    assert set(r.srandmember("s", 100)) == members
    assert len(r.srandmember("s", -100)) == 100
    five = r.srandmember("s", 5)
    assert len(set(five)) == 5 and set(five) <= members
    popped = r.spop("s", 10)
    assert len(set(popped)) == 10
    assert r.scard("s") == 20
    assert set(popped) | r.smembers("s") == members
    assert r.spop("s") in members
    assert len(r.spop("s", 100)) == 19
    assert r.exists("s") == 0
    assert r.spop("s") is None


def test_move(r):
    r.sadd("a", "x", "y")
    r.sadd("b", "z")
    assert r.smove("a", "b", "x") is True
    assert r.smove("a", "b", "nope") is False
    assert r.smove("nokey", "b", "x") is False
    assert r.smove("a", "c", "y") is True
    assert r.exists("a") == 0
    assert r.smembers("b") == {"x", "z"}
    assert r.smembers("c") == {"y"}


def test_algebra_and_store(r):
    r.sadd("s1", "a", "b", "c")
    r.sadd("s2", "b", "c", "d")
    assert r.sinter("s1", "s2") == {"b", "c"}
    assert r.sintercard(2, ["s1", "s2"], limit=1) == 1
    assert r.sunion("s1", "s2", "nokey") == {"a", "b", "c", "d"}
    assert r.sdiff("s1", "s2") == {"a"}
    r.set("dst", "string", ex=100)
    assert r.sunionstore("dst", ["s1", "s2"]) == 4
    assert r.ttl("dst") == -1
    assert r.smembers("dst") == {"a", "b", "c", "d"}
    assert r.sinterstore("dst", ["dst", "s1"]) == 3
    assert r.sdiffstore("dst", ["s1", "s2"]) == 1
    assert r.smembers("dst") == {"a"}
    assert r.sdiffstore("dst", ["nokey", "s1"]) == 0
    assert r.exists("dst") == 0


def test_sscan(r):
    members = {"m%d" % i for i in range(250)}
    r.sadd("s", *members)
    got = list(r.sscan_iter("s", count=17))
    assert sorted(got) == sorted(members)
    assert set(r.sscan_iter("s", match="m1*")) == {m for m in members if m.startswith("m1")}
    assert r.sscan("nokey", 0) == (0, [])


def test_concurrent_writers(server, r):
    # Four clients add disjoint members while two move members back and
    # forth between two sets: nothing is lost or duplicated.
    n = 200
    errors = []

    def adder(k):
        c = server.client(decode_responses=True)
        try:
            for i in range(n):
                c.sadd("s", "w%d-%d" % (k, i))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    def mover(src, dst):
        c = server.client(decode_responses=True)
        try:
            for i in range(n):
                c.smove(src, dst, "w0-%d" % i)
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=adder, args=(k,)) for k in range(4)]
    threads += [threading.Thread(target=mover, args=("s", "t"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert r.scard("s") + r.scard("t") == 4 * n
    assert r.smembers("s").isdisjoint(r.smembers("t"))
    assert r.scard("s") == len(r.smembers("s"))


def test_survives_kill(make_server):
    s = make_server(durable=True)
    c = s.client(decode_responses=True)
    c.sadd("s", "a", "b", "c")
    c.srem("s", "b")
    c.sunionstore("u", ["s"])
    c.close()
    s.kill()
    s.restart()
    c = s.client(decode_responses=True)
    assert c.smembers("s") == {"a", "c"}
    assert c.smembers("u") == {"a", "c"}
