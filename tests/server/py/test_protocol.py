# The wire protocol through raw sockets: many frames per read, frames split
# across reads at every byte, inline commands, replies in order under deep
# pipelines and large values, Redis's protocol errors (then the connection
# closes), cross-protocol requests (POST, Host:) closed, and random bytes
# that never crash the server. Every loop is bounded in count and time.

import random
import socket
import threading
import time

import pytest

import harness
from resp import Conn, Error, Simple, encode


def assert_protocol_error(port, data, message):
    c = Conn(port)
    c.send_raw(data)
    assert c.read() == Error("ERR Protocol error: " + message)
    assert c.closed_by_server()
    assert harness.ping(port)


def test_many_frames_in_one_write(server, r):
    c = Conn(server.port)
    c.send_raw(b"PING\r\n" + encode("SET", "a", "1") + b"GET a\r\n" + encode("INCR", "a") +
               b"ECHO  x\r\n\r\n" + encode("GET", "a"))
    assert [c.read() for _ in range(6)] == [Simple("PONG"), Simple("OK"), b"1", 2, b"x", b"2"]


def test_frames_split_at_every_byte(server, r):
    c = Conn(server.port)
    c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    frame = encode("SET", "split", "hello\r\nworld") + b"GET split\r\n"
    for i in range(len(frame)):
        c.send_raw(frame[i:i + 1])
        if i % 7 == 0:
            time.sleep(0.001)
    assert c.read() == Simple("OK")
    assert c.read() == b"hello\r\nworld"


def test_deep_pipeline_replies_in_order(server, r):
    n = 20000
    c = Conn(server.port, timeout=30)
    replies = []

    def reader():
        for _ in range(n):
            replies.append(c.read())

    t = threading.Thread(target=reader)
    t.start()
    c.send_raw(b"".join(encode("INCR", "seq") for _ in range(n)))
    t.join(60)
    assert not t.is_alive()
    assert replies == list(range(1, n + 1))


def test_pipelined_large_values_read_slowly(server, r):
    """Replies that back up in the output are all delivered, in order."""
    value = b"v" * (1 << 20)
    r.set("big", value)
    c = Conn(server.port, timeout=30)
    count = 40
    c.send_raw(encode("GET", "big") * count + b"PING\r\n")
    time.sleep(0.3)  # let the server's output back up
    for _ in range(count):
        assert c.read() == value
    assert c.read() == Simple("PONG")


def test_inline_commands(server, r):
    c = Conn(server.port)
    c.send_raw(b'SET inl "hello world"\r\n')
    assert c.read() == Simple("OK")
    c.send_raw(b"GET inl\n")  # a bare LF ends an inline command too
    assert c.read() == b"hello world"
    c.send_raw(b"SET q 'it\\'s'\r\n")  # a backslash escapes a quote inside single quotes
    assert c.read() == Simple("OK")
    c.send_raw(b'GET "q"\r\n')
    assert c.read() == b"it's"
    c.send_raw(b'ECHO "\\x41\\n"\r\n')  # hex and C escapes inside double quotes
    assert c.read() == b"A\n"


def test_unbalanced_quotes(server):
    assert_protocol_error(server.port, b'SET "a b\r\n', "unbalanced quotes in request")


def test_invalid_multibulk_length(server):
    assert_protocol_error(server.port, b"*abc\r\n", "invalid multibulk length")
    assert_protocol_error(server.port, b"*1048577000000\r\n", "invalid multibulk length")


def test_invalid_bulk_length(server):
    assert_protocol_error(server.port, b"*1\r\n$abc\r\n", "invalid bulk length")
    assert_protocol_error(server.port, b"*1\r\n$-5\r\n", "invalid bulk length")
    # proto-max-bulk-len is 512 MiB
    assert_protocol_error(server.port, b"*1\r\n$536870913\r\n", "invalid bulk length")


def test_expected_dollar(server):
    assert_protocol_error(server.port, b"*1\r\nfoo\r\n", "expected '$', got 'f'")


def test_too_big_inline_request(server):
    c = Conn(server.port)
    try:
        c.send_raw(b"x" * (70 * 1024))  # no newline: over the 64 KiB inline limit
    except (BrokenPipeError, ConnectionResetError):
        pass
    assert c.read() == Error("ERR Protocol error: too big inline request")
    assert c.closed_by_server()


@pytest.mark.parametrize("first_line", [b"POST / HTTP/1.1\r\n", b"Host: 127.0.0.1\r\n"])
def test_cross_protocol_requests_close(server, r, first_line):
    r.set("untouched", "1")
    c = Conn(server.port)
    c.send_raw(first_line + b"Content-Length: 20\r\n\r\nSET untouched 0\r\n\r\n")
    assert c.closed_by_server()
    assert r.get("untouched") == "1"  # nothing after the first line ran


def test_empty_multibulk_and_blank_lines_ignored(server):
    c = Conn(server.port)
    c.send_raw(b"*0\r\n\r\n\r\n*-1\r\nPING\r\n")
    assert c.read() == Simple("PONG")


def test_random_bytes_never_crash(server, r):
    rng = random.Random(1234)
    pieces = [b"*", b"$", b"\r\n", b"\n", b"-1", b"0", b"3", b"2147483648", b"SET", b"GET",
              b"PING", b"\"", b"'", b"\x00", b"\xff", b" ", b"*2", b"$3", b"HELLO", b"3", b"AUTH"]
    deadline = time.monotonic() + 20
    for _ in range(300):
        if time.monotonic() > deadline:
            break
        data = b"".join(rng.choice(pieces) if rng.random() < 0.7 else
                        bytes([rng.randrange(256)]) for _ in range(rng.randrange(1, 60)))
        s = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
            while s.recv(65536):
                pass
        except (ConnectionResetError, BrokenPipeError, socket.timeout):
            pass
        finally:
            s.close()
    assert server.alive() and harness.ping(server.port)
    assert r.ping()
