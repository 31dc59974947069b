# Security defaults (Redis 7's): requirepass with AUTH and HELLO AUTH, only
# AUTH/HELLO/QUIT before authentication, the pre-authentication limits (10
# multibulk items, 16 KiB bulks: a protocol error, then disconnect),
# maxclients, the idle timeout, and loopback binding.

import socket
import time

import pytest

import harness
from resp import Conn, Error, Map, Simple

PASSWORD = "correct horse"
NOAUTH = Error("NOAUTH Authentication required.")
WRONGPASS = Error("WRONGPASS invalid username-password pair or user is disabled.")


@pytest.fixture(scope="module")
def secured():
    s = harness.Server(["--requirepass", PASSWORD])
    s.start()
    yield s
    s.cleanup()


def test_commands_refused_before_auth(secured):
    c = Conn(secured.port)
    assert c.call("PING") == NOAUTH
    assert c.call("GET", "k") == NOAUTH
    assert c.call("CONFIG", "GET", "requirepass") == NOAUTH
    assert c.call("AUTH", "wrong") == WRONGPASS
    assert c.call("SET", "k", "v") == NOAUTH
    assert c.call("AUTH", PASSWORD) == Simple("OK")
    assert c.call("SET", "k", "v") == Simple("OK")
    assert c.call("AUTH", "default", PASSWORD) == Simple("OK")  # the two-argument form


def test_quit_allowed_before_auth(secured):
    c = Conn(secured.port)
    assert c.call("QUIT") == Simple("OK")
    assert c.closed_by_server()


def test_hello_auth(secured):
    c = Conn(secured.port)
    reply = c.call("HELLO", "3")
    assert isinstance(reply, Error) and reply.startswith("NOAUTH")
    assert c.call("HELLO", "3", "AUTH", "default", "wrong") == WRONGPASS
    hello = c.call("HELLO", "3", "AUTH", "default", PASSWORD)
    assert isinstance(hello, Map) and hello.dict()[b"proto"] == 3
    assert c.call("GET", "nosuch") is None
    c2 = Conn(secured.port)
    assert c2.call("HELLO", "2", "AUTH", "default", PASSWORD)[0] == b"server"


def test_redis_py_with_password(secured):
    c = secured.client(password=PASSWORD)
    assert c.ping() is True
    c.close()


def test_auth_without_requirepass(server):
    reply = Conn(server.port).call("AUTH", "x")
    assert reply.startswith("ERR AUTH <password> called without any password configured")


def test_unauthenticated_multibulk_limit(secured):
    c = Conn(secured.port)
    c.send_raw(b"*11\r\n")
    assert c.read() == Error("ERR Protocol error: unauthenticated multibulk length")
    assert c.closed_by_server()
    ok = Conn(secured.port)  # 10 items are still fine
    assert ok.call("AUTH", *(["x"] * 9)) != Error(
        "ERR Protocol error: unauthenticated multibulk length")


def test_unauthenticated_bulk_limit(secured):
    c = Conn(secured.port)
    c.send_raw(b"*1\r\n$16385\r\n")
    assert c.read() == Error("ERR Protocol error: unauthenticated bulk length")
    assert c.closed_by_server()
    ok = Conn(secured.port)
    assert ok.call("AUTH", "x" * 16384) == WRONGPASS


def test_authenticated_client_has_no_such_limits(secured):
    c = Conn(secured.port)
    assert c.call("AUTH", PASSWORD) == Simple("OK")
    assert c.call("MSET", *(["k", "v"] * 20)) == Simple("OK")
    assert c.call("SET", "big", "x" * 100000) == Simple("OK")


def test_maxclients(make_server):
    s = make_server(["--maxclients", "3"])
    held = [Conn(s.port) for _ in range(3)]
    for c in held:
        assert c.call("PING") == Simple("PONG")
    extra = Conn(s.port)
    assert extra.read() == Error("ERR max number of clients reached")
    assert extra.closed_by_server()
    held.pop().close()
    deadline = time.monotonic() + 5
    while True:  # the slot frees once the server sees the close
        c = Conn(s.port)
        try:
            if c.call("PING") == Simple("PONG"):
                break
        except Exception:
            pass
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_idle_timeout_closes(make_server):
    s = make_server(["--timeout", "1"])
    idle = Conn(s.port)
    busy = Conn(s.port)
    assert idle.call("PING") == Simple("PONG")
    start = time.monotonic()
    closed = False
    while time.monotonic() - start < 8 and not closed:
        assert busy.call("PING") == Simple("PONG")  # an active client stays
        closed = idle.closed_by_server(timeout=0.25)
    assert closed
    assert time.monotonic() - start >= 0.9


def test_listens_on_loopback_only(server):
    """The harness binds 127.0.0.1; the server must not also listen on a
    wildcard address for the same port."""
    assert _listening(server.port) == ["0100007F"]


def _listening(port):
    addresses = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                rows = [line.split() for line in f.readlines()[1:]]
        except OSError:
            continue
        addresses += [row[1].split(":")[0] for row in rows
                      if row[3] == "0A" and int(row[1].split(":")[1], 16) == port]
    return sorted(addresses)


@pytest.mark.strata_only
def test_default_bind_is_loopback(make_server):
    """Without --bind: 127.0.0.1 and ::1 (if the host has IPv6), nothing else."""
    s = make_server(bind=False)
    ipv4_loopback, ipv6_loopback = "0100007F", "00000000000000000000000001000000"
    found = _listening(s.port)
    assert ipv4_loopback in found
    assert set(found) <= {ipv4_loopback, ipv6_loopback}
