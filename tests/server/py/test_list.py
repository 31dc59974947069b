# Lists over the network: the commands' replies through real clients, and
# the blocking commands (BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP) with real
# connections: served by a later push, timeouts (float seconds), FIFO order of
# the waiters of a key, the pipeline parked behind a blocked command, a
# client that disconnects while blocked, and MULTI's non-blocking form.
# Every wait is bounded (socket timeouts of a few seconds).

import time

import pytest

from resp import Conn, Error


@pytest.fixture
def conn(server, r):
    made = []

    def make():
        c = Conn(server.port, timeout=5.0)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


def blocked_clients(r):
    return int(r.info("clients")["blocked_clients"])


def wait_blocked(r, n, timeout=3.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if blocked_clients(r) == n:
            return
        time.sleep(0.01)
    raise AssertionError("blocked_clients never reached %d (is %d)" % (n, blocked_clients(r)))


def test_basic_commands(r, needs_collections):
    assert r.rpush("l", "a", "b", "c") == 3
    assert r.lpush("l", "z") == 4
    assert r.lrange("l", 0, -1) == ["z", "a", "b", "c"]
    assert r.lindex("l", -1) == "c"
    assert r.linsert("l", "BEFORE", "b", "x") == 5
    assert r.lrem("l", 0, "x") == 1
    assert r.lpos("l", "b") == 2
    assert r.lmove("l", "m", "LEFT", "RIGHT") == "z"
    assert r.lpop("l", 2) == ["a", "b"]
    assert r.rpop("l") == "c"
    assert r.exists("l") == 0
    assert r.type("m") == "list"


def test_blpop_served_by_a_later_push(r, conn, needs_collections):
    c = conn()
    c.send("BLPOP", "k1", "k2", "0")
    wait_blocked(r, 1)
    assert r.rpush("k2", "v") == 1
    assert c.read() == [b"k2", b"v"]
    assert blocked_clients(r) == 0
    assert r.exists("k2") == 0


def test_timeout_replies_null(r, conn, needs_collections):
    c = conn()
    start = time.time()
    assert c.call("BLPOP", "k", "0.2") is None
    assert c.call("BLMOVE", "k", "d", "LEFT", "RIGHT", "0.1") is None
    assert c.call("BLMPOP", "0.1", "1", "k", "LEFT") is None
    assert 0.35 <= time.time() - start < 3
    assert blocked_clients(r) == 0
    assert c.call("BLPOP", "k", "-1") == Error("ERR timeout is negative")
    assert c.call("BLPOP", "k", "x") == Error("ERR timeout is not a float or out of range")


def test_fifo_fairness(r, conn, needs_collections):
    waiters = []
    for i in range(3):
        c = conn()
        c.send("BRPOP", "k", "5")
        wait_blocked(r, i + 1)
        waiters.append(c)
    r.lpush("k", "a", "b", "c")  # BRPOP takes from the tail: a, then b, then c
    assert [c.read() for c in waiters] == [[b"k", b"a"], [b"k", b"b"], [b"k", b"c"]]
    assert blocked_clients(r) == 0


def test_each_element_goes_to_one_waiter(r, conn, needs_collections):
    waiters = []
    for i in range(4):
        c = conn()
        c.send("BLPOP", "k", "5")
        wait_blocked(r, i + 1)  # queued in this order
        waiters.append(c)
    r.rpush("k", "1", "2")
    got = sorted(waiters[i].read()[1] for i in range(2))
    assert got == [b"1", b"2"]
    assert blocked_clients(r) == 2
    r.rpush("k", "3", "4")
    assert sorted(waiters[i].read()[1] for i in range(2, 4)) == [b"3", b"4"]


def test_pipeline_is_parked_behind_the_blocked_command(r, conn, needs_collections):
    c = conn()
    c.send_raw(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nk\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n")
    wait_blocked(r, 1)
    time.sleep(0.05)
    r.rpush("k", "v")
    assert c.read() == [b"k", b"v"]
    assert c.read() == "PONG"


def test_disconnect_while_blocked(r, conn, needs_collections):
    gone = conn()
    gone.send("BLPOP", "k", "0")
    wait_blocked(r, 1)
    waiting = conn()
    waiting.send("BLPOP", "k", "5")
    wait_blocked(r, 2)
    gone.close()
    wait_blocked(r, 1)
    r.rpush("k", "v")
    assert waiting.read() == [b"k", b"v"]
    assert r.exists("k") == 0


def test_blmove_and_brpoplpush_chain(r, conn, needs_collections):
    a = conn()
    a.send("BRPOPLPUSH", "src", "mid", "5")
    wait_blocked(r, 1)
    b = conn()
    b.send("BLMOVE", "mid", "dst", "LEFT", "RIGHT", "5")
    wait_blocked(r, 2)
    r.rpush("src", "x")
    assert a.read() == b"x"
    assert b.read() == b"x"
    assert r.lrange("dst", 0, -1) == ["x"]
    assert r.exists("src", "mid") == 0


def test_push_reply_waits_for_the_clients_it_woke(r, conn, needs_collections):
    # As Redis: after RPUSH returns, the chain of blocked moves has run.
    a = conn()
    a.send("BLMOVE", "l1", "l2", "RIGHT", "LEFT", "5")
    wait_blocked(r, 1)
    b = conn()
    b.send("BLMOVE", "l2", "l3", "LEFT", "RIGHT", "5")
    wait_blocked(r, 2)
    for _ in range(20):
        r.rpush("l1", "foo")
        assert r.lrange("l1", 0, -1) == []
        assert r.lrange("l2", 0, -1) == []
        assert r.lrange("l3", 0, -1) == ["foo"]
        assert a.read() == b"foo" and b.read() == b"foo"
        r.delete("l3")
        a.send("BLMOVE", "l1", "l2", "RIGHT", "LEFT", "5")
        wait_blocked(r, 1)
        b.send("BLMOVE", "l2", "l3", "LEFT", "RIGHT", "5")
        wait_blocked(r, 2)


def test_circular_brpoplpush(r, conn, needs_collections):
    a = conn()
    a.send("BRPOPLPUSH", "l1", "l2", "5")
    wait_blocked(r, 1)
    b = conn()
    b.send("BRPOPLPUSH", "l2", "l1", "5")
    wait_blocked(r, 2)
    r.rpush("l1", "foo")
    assert r.lrange("l1", 0, -1) == ["foo"]
    assert r.lrange("l2", 0, -1) == []
    assert a.read() == b"foo" and b.read() == b"foo"


def test_blmpop_count(r, conn, needs_collections):
    c = conn()
    c.send("BLMPOP", "5", "2", "a", "b", "RIGHT", "COUNT", "2")
    wait_blocked(r, 1)
    r.rpush("b", "1", "2", "3")
    assert c.read() == [b"b", [b"3", b"2"]]


def test_wrong_destination_type_errors_and_keeps_the_element(r, conn, needs_collections):
    r.set("str", "x")
    c = conn()
    c.send("BRPOPLPUSH", "k", "str", "5")
    wait_blocked(r, 1)
    r.rpush("k", "v")
    assert c.read() == Error("WRONGTYPE Operation against a key holding the wrong kind of value")
    assert r.lrange("k", 0, -1) == ["v"]


def test_multi_does_not_block(r, conn, needs_collections):
    c = conn()
    if c.call("MULTI") != "OK":
        pytest.skip("no MULTI on this branch")
    c.call("BLPOP", "k", "0")
    assert c.call("EXEC") == [None]
