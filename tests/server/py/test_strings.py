# Strings: GET SET (EX PX EXAT PXAT NX XX KEEPTTL GET) SETNX SETEX PSETEX MGET
# MSET MSETNX GETSET GETDEL GETEX APPEND STRLEN GETRANGE SETRANGE INCR DECR
# INCRBY DECRBY INCRBYFLOAT with Redis's exact replies and error strings, and
# read-modify-write commands atomic under concurrent clients (bounded loops).

import threading
import time

import pytest

from resp import Conn, Error, Simple

NOT_INT = Error("ERR value is not an integer or out of range")
SYNTAX = Error("ERR syntax error")


@pytest.fixture
def c(server, r):
    conn = Conn(server.port)
    yield conn
    conn.close()


def test_set_get_replies(c):
    assert c.call("SET", "k", "v") == Simple("OK")
    assert c.call("GET", "k") == b"v"
    assert c.call("GET", "nosuch") is None
    assert c.call("SET", "k", "w", "NX") is None
    assert c.call("SET", "n", "w", "XX") is None
    assert c.call("SET", "k", "w", "XX") == Simple("OK")
    assert c.call("SET", "k", "x", "GET") == b"w"
    assert c.call("SET", "fresh", "x", "GET") is None
    assert c.call("SET", "k", "v", "NX", "XX") == SYNTAX
    assert c.call("SET", "k", "v", "EX", "10", "PX", "100") == SYNTAX
    assert c.call("SET", "k", "v", "EX", "0") == Error("ERR invalid expire time in 'set' command")
    assert c.call("SET", "k", "v", "EX", "x") == NOT_INT
    assert c.call("SET", "k", "v", "BOGUS") == SYNTAX


def test_set_expiry_options(r):
    r.set("ex", "v", ex=100)
    assert 99 <= r.ttl("ex") <= 100
    r.set("px", "v", px=100000)
    assert 99000 < r.pttl("px") <= 100000
    at = int(time.time()) + 500
    r.set("exat", "v", exat=at)
    assert r.expiretime("exat") == at
    r.set("pxat", "v", pxat=at * 1000 + 5)
    assert r.execute_command("PEXPIRETIME", "pxat") == at * 1000 + 5


def test_setnx_setex_psetex(c):
    assert c.call("SETNX", "k", "1") == 1
    assert c.call("SETNX", "k", "2") == 0
    assert c.call("SETEX", "e", "100", "v") == Simple("OK")
    assert 0 < c.call("TTL", "e") <= 100
    assert c.call("PSETEX", "p", "100000", "v") == Simple("OK")
    assert c.call("SETEX", "e", "0", "v") == Error("ERR invalid expire time in 'setex' command")
    assert c.call("PSETEX", "e", "-5", "v") == Error(
        "ERR invalid expire time in 'psetex' command")


def test_mget_mset_msetnx(c):
    assert c.call("MSET", "a", "1", "b", "2") == Simple("OK")
    assert c.call("MGET", "a", "nosuch", "b") == [b"1", None, b"2"]
    assert c.call("MSETNX", "c", "3", "a", "x") == 0
    assert c.call("GET", "c") is None  # all or nothing
    assert c.call("MSETNX", "c", "3", "d", "4") == 1
    assert c.call("MSET", "a") == Error("ERR wrong number of arguments for 'mset' command")
    assert c.call("MSET", "a", "1", "b") == Error(
        "ERR wrong number of arguments for 'mset' command")


def test_getset_getdel_getex(c):
    assert c.call("GETSET", "k", "1") is None
    assert c.call("GETSET", "k", "2") == b"1"
    assert c.call("GETDEL", "k") == b"2"
    assert c.call("GETDEL", "k") is None
    c.call("SET", "k", "v")
    assert c.call("GETEX", "k", "EX", "100") == b"v"
    assert 0 < c.call("TTL", "k") <= 100
    assert c.call("GETEX", "k", "PERSIST") == b"v" and c.call("TTL", "k") == -1
    assert c.call("GETEX", "k", "PX", "100000") == b"v"
    assert c.call("GETEX", "nosuch", "EX", "10") is None
    assert c.call("GETEX", "k", "EX", "10", "PX", "10") == SYNTAX
    assert c.call("GETEX", "k", "EX", "0") == Error("ERR invalid expire time in 'getex' command")


def test_append_strlen_getrange_setrange(c):
    assert c.call("APPEND", "k", "Hello") == 5
    assert c.call("APPEND", "k", " World") == 11
    assert c.call("STRLEN", "k") == 11 and c.call("STRLEN", "nosuch") == 0
    assert c.call("GETRANGE", "k", "0", "4") == b"Hello"
    assert c.call("GETRANGE", "k", "-5", "-1") == b"World"
    assert c.call("GETRANGE", "k", "5", "2") == b""
    assert c.call("GETRANGE", "k", "0", "1000") == b"Hello World"
    assert c.call("GETRANGE", "nosuch", "0", "-1") == b""
    assert c.call("SETRANGE", "k", "6", "Redis") == 11
    assert c.call("GET", "k") == b"Hello Redis"
    assert c.call("SETRANGE", "pad", "3", "x") == 4
    assert c.call("GET", "pad") == b"\x00\x00\x00x"
    assert c.call("SETRANGE", "k", "-1", "x") == Error("ERR offset is out of range")
    assert c.call("SETRANGE", "k", "536870912", "x") == Error(
        "ERR string exceeds maximum allowed size (proto-max-bulk-len)")
    assert c.call("SETRANGE", "none", "5", "") == 0 and c.call("EXISTS", "none") == 0


def test_incr_decr_family(c):
    assert c.call("INCR", "n") == 1
    assert c.call("INCRBY", "n", "10") == 11
    assert c.call("DECR", "n") == 10
    assert c.call("DECRBY", "n", "20") == -10
    assert c.call("GET", "n") == b"-10"
    c.call("SET", "n", "9223372036854775807")
    assert c.call("INCR", "n") == Error("ERR increment or decrement would overflow")
    c.call("SET", "s", "abc")
    assert c.call("INCR", "s") == NOT_INT
    c.call("SET", "sp", " 1")
    assert c.call("INCR", "sp") == NOT_INT
    assert c.call("INCRBY", "n", "x") == NOT_INT
    assert c.call("DECRBY", "n", "-9223372036854775808") == Error(
        "ERR decrement would overflow")


def test_incrbyfloat(c):
    assert c.call("INCRBYFLOAT", "f", "10.5") == b"10.5"
    assert c.call("INCRBYFLOAT", "f", "0.1") == b"10.6"
    assert c.call("INCRBYFLOAT", "f", "-5") == b"5.6"
    c.call("SET", "i", "3")
    assert c.call("INCRBYFLOAT", "i", "1.0e3") == b"1003"
    assert c.call("INCRBYFLOAT", "i", "abc") == Error("ERR value is not a valid float")
    c.call("SET", "s", "abc")
    assert c.call("INCRBYFLOAT", "s", "1") == Error("ERR value is not a valid float")
    assert c.call("INCRBYFLOAT", "i", "inf") == Error("ERR increment would produce NaN or Infinity")


def test_binary_and_large_values(server, r):
    value = bytes(range(256)) * 4096  # 1 MiB, every byte value
    b = server.client()
    b.set(b"bin\x00key\r\n", value)
    assert b.get(b"bin\x00key\r\n") == value
    assert b.strlen(b"bin\x00key\r\n") == len(value)
    b.close()


def _hammer(port, n_threads, per_thread, op):
    errors = []

    def work():
        conn = Conn(port)
        try:
            for _ in range(per_thread):
                reply = op(conn)
                if isinstance(reply, Error):
                    errors.append(reply)
        finally:
            conn.close()

    threads = [threading.Thread(target=work) for _ in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    assert errors == []


def test_concurrent_incr_append_setnx_are_atomic(server, r):
    threads, each = 8, 250
    _hammer(server.port, threads, each, lambda c: c.call("INCR", "counter"))
    assert r.get("counter") == str(threads * each)
    _hammer(server.port, threads, each, lambda c: c.call("APPEND", "log", "x"))
    assert r.strlen("log") == threads * each
    _hammer(server.port, threads, each, lambda c: c.call("INCRBYFLOAT", "f", "0.5"))
    assert float(r.get("f")) == threads * each * 0.5
    wins = []
    _hammer(server.port, threads, 1, lambda c: wins.append(c.call("SETNX", "once", "v")))
    assert sorted(wins) == [0] * (threads - 1) + [1]


def test_wrong_type(c, needs_collections):
    wrongtype = Error("WRONGTYPE Operation against a key holding the wrong kind of value")
    assert c.call("LPUSH", "list", "a") == 1
    for command in (("GET", "list"), ("APPEND", "list", "x"), ("INCR", "list"),
                    ("STRLEN", "list"), ("GETRANGE", "list", "0", "1"), ("GETDEL", "list")):
        assert c.call(*command) == wrongtype, command
    assert c.call("SET", "list", "now a string") == Simple("OK")  # SET overwrites any type
    assert c.call("TYPE", "list") == Simple("string")
