# Keys and expiry: DEL UNLINK EXISTS TYPE RENAME RENAMENX KEYS SCAN RANDOMKEY
# TOUCH; EXPIRE PEXPIRE EXPIREAT PEXPIREAT (NX XX GT LT) TTL PTTL EXPIRETIME
# PEXPIRETIME PERSIST; lazy expiry on access and active expiry that shrinks
# DBSIZE without any read of the expired keys.

import time

import pytest
import redis

from resp import Conn, Error


def test_del_unlink_exists_touch(r):
    r.mset({"a": 1, "b": 2, "c": 3})
    assert r.exists("a", "a", "nosuch") == 2  # a key named twice counts twice
    assert r.delete("a", "nosuch") == 1
    assert r.unlink("b", "c", "b") == 2
    assert r.exists("a", "b", "c") == 0
    r.set("t", 1)
    assert r.touch("t", "t", "nosuch") == 2


def test_type(r):
    r.set("s", "v")
    assert r.type("s") == "string"
    assert r.type("nosuch") == "none"


def test_rename_renamenx(server, r):
    r.set("src", "v", ex=100)
    r.set("dst", "old")
    assert r.rename("src", "dst") is True
    assert r.get("dst") == "v" and r.exists("src") == 0
    assert 0 < r.ttl("dst") <= 100  # the TTL moves with the value
    r.set("other", "x")
    assert r.renamenx("dst", "other") is False
    assert r.renamenx("dst", "fresh") is True and r.get("fresh") == "v"
    c = Conn(server.port)
    assert c.call("RENAME", "nosuch", "x") == Error("ERR no such key")
    assert c.call("RENAMENX", "nosuch", "x") == Error("ERR no such key")
    assert r.rename("fresh", "fresh") is True and r.get("fresh") == "v"


def test_keys_patterns(r):
    r.mset({"user:1": 1, "user:2": 2, "user:10": 3, "admin": 4, "h[a]llo": 5, "hallo": 6})
    assert sorted(r.keys("user:?")) == ["user:1", "user:2"]
    assert sorted(r.keys("user:*")) == ["user:1", "user:10", "user:2"]
    assert sorted(r.keys("h[a]llo")) == ["hallo"]
    assert sorted(r.keys("h\\[a\\]llo")) == ["h[a]llo"]
    assert sorted(r.keys("[^u]*")) == ["admin", "h[a]llo", "hallo"]
    assert len(r.keys("*")) == 6


def test_scan_visits_every_key_once_at_least(r):
    keys = {"key:%d" % i for i in range(1000)}
    r.mset({k: "v" for k in keys})
    r.mset({"other:%d" % i: "v" for i in range(100)})
    seen, cursor, calls = set(), 0, 0
    while True:
        cursor, batch = r.scan(cursor, match="key:*", count=50)
        seen.update(batch)
        calls += 1
        assert calls < 10000
        if cursor == 0:
            break
    assert seen == keys
    assert set(r.scan_iter(count=7)) == keys | {"other:%d" % i for i in range(100)}


def test_scan_type_and_errors(server, r):
    r.set("s1", 1)
    assert set(r.scan_iter(_type="string")) == {"s1"}
    assert list(r.scan_iter(_type="list")) == []
    c = Conn(server.port)
    assert c.call("SCAN", "notanumber") == Error("ERR invalid cursor")
    assert c.call("SCAN", "0", "COUNT", "0") == Error("ERR syntax error")


def test_randomkey(r):
    assert r.randomkey() is None
    r.mset({"x": 1, "y": 2})
    assert {r.randomkey() for _ in range(50)} <= {"x", "y"}


def test_ttl_pttl_persist(r):
    assert r.ttl("nosuch") == -2 and r.pttl("nosuch") == -2
    r.set("k", "v")
    assert r.ttl("k") == -1
    assert r.expire("k", 100) is True
    assert 99 <= r.ttl("k") <= 100 and 98000 < r.pttl("k") <= 100000
    assert r.persist("k") is True and r.ttl("k") == -1
    assert r.persist("k") is False and r.persist("nosuch") is False
    assert r.expire("nosuch", 10) is False


def test_expire_options_nx_xx_gt_lt(server, r):
    r.set("k", "v")
    assert r.expire("k", 100, xx=True) is False  # no TTL yet
    assert r.expire("k", 100, nx=True) is True
    assert r.expire("k", 200, nx=True) is False
    assert r.expire("k", 50, gt=True) is False
    assert r.expire("k", 200, gt=True) is True
    assert r.expire("k", 300, lt=True) is False
    assert r.expire("k", 150, lt=True) is True
    assert r.expire("k", 160, xx=True) is True and 150 < r.ttl("k") <= 160
    c = Conn(server.port)
    assert c.call("EXPIRE", "k", "10", "NX", "XX") == Error(
        "ERR NX and XX, GT or LT options at the same time are not compatible")
    assert c.call("EXPIRE", "k", "10", "GT", "LT") == Error(
        "ERR GT and LT options at the same time are not compatible")
    assert c.call("EXPIRE", "k", "10", "BOGUS") == Error("ERR Unsupported option BOGUS")
    assert c.call("EXPIRE", "k", "ten") == Error("ERR value is not an integer or out of range")


def test_expireat_pexpireat_expiretime(r):
    at = int(time.time()) + 1000
    r.set("k", "v")
    assert r.expireat("k", at) is True
    assert r.expiretime("k") == at
    assert r.execute_command("PEXPIRETIME", "k") == at * 1000
    r.pexpireat("k", at * 1000 + 123)
    assert r.execute_command("PEXPIRETIME", "k") == at * 1000 + 123
    r.set("p", "v")
    assert r.expiretime("p") == -1 and r.expiretime("nosuch") == -2
    assert r.pexpire("p", 100000) is True and 99000 < r.pttl("p") <= 100000


def test_expire_in_the_past_deletes(r):
    r.set("k", "v")
    assert r.expire("k", -1) is True
    assert r.exists("k") == 0
    r.set("k2", "v")
    assert r.expireat("k2", int(time.time()) - 10) is True and r.get("k2") is None


def test_lazy_expiry_on_access(r):
    r.set("k", "v", px=100)
    assert r.get("k") == "v"
    time.sleep(0.2)
    assert r.get("k") is None
    assert r.exists("k") == 0 and r.ttl("k") == -2


def test_active_expiry_shrinks_dbsize_without_reads(r):
    """Keys that expire vanish from DBSIZE by the background cycle alone."""
    r.mset({"keep:%d" % i: "v" for i in range(50)})
    pipe = r.pipeline(transaction=False)
    # 2 s to live: long enough that none expires before DBSIZE counts them,
    # even on a loaded machine or under a sanitizer.
    for i in range(500):
        pipe.set("vol:%d" % i, "v", px=2000)
    pipe.execute()
    assert r.dbsize() == 550
    deadline = time.monotonic() + 15
    while r.dbsize() > 50 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert r.dbsize() == 50
    assert len(r.keys("keep:*")) == 50


def test_set_clears_ttl_keepttl_keeps(r):
    r.set("k", "v", ex=100)
    r.set("k", "w")
    assert r.ttl("k") == -1
    r.set("k", "v", ex=100)
    r.set("k", "w", keepttl=True)
    assert 0 < r.ttl("k") <= 100


def test_pathological_patterns_are_fast(server, r):
    """Glob matching must not backtrack exponentially (Redis's regressions
    for "a*a*...*b"); a bounded socket timeout turns a hang into a failure."""
    r.set("a" * 40, 1)
    c = Conn(server.port, timeout=5)
    start = time.monotonic()
    assert c.call("KEYS", "a*" * 20 + "b") == []
    r.flushdb()
    r.set("a" * 50000, 1)
    assert c.call("KEYS", "*?" * 50000) == []
    assert time.monotonic() - start < 5
