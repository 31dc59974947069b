# A byte-exact RESP2/RESP3 client for the protocol tests: what redis-py would
# hide (the reply's type byte, a closed connection, partial frames) is visible.
#
# Conn.read() parses one reply into Python values tagged where RESP3 differs:
# simple string -> Simple(str), error -> Error(str), integer -> int,
# bulk -> bytes, null -> None, array -> list, map -> Map(list of pairs),
# set -> Set(list), double -> Double(str), boolean -> bool, verbatim -> bytes,
# push -> Push(list), big number -> int. It raises Closed on EOF.
# Thread-safety: one Conn per thread.

import socket


class Closed(Exception):
    pass


class Simple(str):
    pass


class Error(str):
    pass


class Double(str):
    pass


class Map(list):
    def dict(self):
        return {k: v for k, v in self}


class Set(list):
    pass


class Push(list):
    pass


def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, int):
            a = str(a)
        if isinstance(a, str):
            a = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Conn:
    def __init__(self, port, timeout=10.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def close(self):
        self.sock.close()

    def send_raw(self, data):
        self.sock.sendall(data)

    def send(self, *args):
        self.sock.sendall(encode(*args))

    def call(self, *args):
        self.send(*args)
        return self.read()

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise Closed()
        self.buf += chunk

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def read(self):
        line = self._line()
        t, rest = line[:1], line[1:].decode(errors="replace")
        if t == b"+":
            return Simple(rest)
        if t == b"-":
            return Error(rest)
        if t in (b":", b"("):
            return int(rest)
        if t in (b"$", b"="):
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if t == b"_":
            return None
        if t == b",":
            return Double(rest)
        if t == b"#":
            return rest == "t"
        if t in (b"*", b"~", b">"):
            n = int(rest)
            if n < 0:
                return None
            items = [self.read() for _ in range(n)]
            return {b"*": list, b"~": Set, b">": Push}[t](items)
        if t == b"%":
            return Map((self.read(), self.read()) for _ in range(int(rest)))
        raise AssertionError("unknown RESP type byte in %r" % line)

    def closed_by_server(self, timeout=5.0):
        """True when the server closes the connection within `timeout` (replies
        still in flight are read and dropped)."""
        self.sock.settimeout(timeout)
        try:
            while True:
                if not self.sock.recv(65536):
                    return True
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True
