# redis-cli against the server: --pipe (mass insertion), --scan --pattern, -3
# (RESP3), and the interactive hints, with redis-cli in a pseudo-terminal:
# redis-cli 7 builds its help and hints from COMMAND DOCS at start and aborts
# on a reply of the wrong shape, so a prompt and a hint prove the shape.

import fcntl
import os
import pty
import select
import shutil
import signal
import struct
import subprocess
import termios
import time

import pytest

from resp import encode

REDIS_CLI = shutil.which("redis-cli")
pytestmark = pytest.mark.skipif(REDIS_CLI is None, reason="redis-cli not installed (redis-tools)")


def cli(server, *args, stdin=None, status=0):
    done = subprocess.run([REDIS_CLI, "-h", "127.0.0.1", "-p", str(server.port), *args],
                          input=stdin, capture_output=True, timeout=60)
    assert done.returncode == status, done.stderr
    return done.stdout.decode() + done.stderr.decode()


def test_pipe_mass_insert(server, r):
    n = 20000
    data = b"".join(encode("SET", "mass:%d" % i, "value-%d" % i) for i in range(n))
    data += encode("INCRBY", "mass:count", n)
    out = cli(server, "--pipe", stdin=data)
    assert "errors: 0, replies: %d" % (n + 1) in out
    assert r.dbsize() == n + 1
    assert r.get("mass:12345") == "value-12345" and r.get("mass:count") == str(n)


def test_pipe_reports_errors(server, r):
    r.set("notanumber", "x")
    out = cli(server, "--pipe", stdin=encode("INCR", "notanumber") + encode("SET", "ok", "1"),
              status=1)
    assert "errors: 1, replies: 2" in out
    assert "ERR value is not an integer or out of range" in out
    assert r.get("ok") == "1"


def test_scan_pattern(server, r):
    r.mset({"user:%d" % i: i for i in range(300)})
    r.mset({"item:%d" % i: i for i in range(300)})
    out = cli(server, "--scan", "--pattern", "user:1*")
    found = set(out.split())
    assert found == {"user:%d" % i for i in range(300) if str(i).startswith("1")}
    assert len(cli(server, "--scan").split()) == 600


def test_resp3_flag(server, r):
    out = cli(server, "-3", "--no-raw", "CONFIG", "GET", "maxclients")
    assert out.startswith('1# "maxclients" => ')  # a map: RESP3's type
    assert cli(server, "--no-raw", "CONFIG", "GET", "maxclients").startswith('1) "maxclients"')
    assert "proto 3" in cli(server, "-3", "HELLO").split("\n")
    assert cli(server, "-3", "--no-raw", "GET", "nosuch").strip() == "(nil)"


class Terminal:
    """redis-cli in a pseudo-terminal of 200 columns."""

    def __init__(self, server):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 200, 0, 0))
            # no history file written to $HOME; no rc file read from it
            env = dict(os.environ, TERM="xterm", REDISCLI_HISTFILE="/dev/null",
                       REDISCLI_RCFILE="/dev/null")
            os.execve(REDIS_CLI, [REDIS_CLI, "-h", "127.0.0.1", "-p", str(server.port)], env)
        self.screen = b""

    def read_until(self, needle, timeout=10.0):
        deadline = time.monotonic() + timeout
        while needle not in self.screen and time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if ready:
                try:
                    self.screen += os.read(self.fd, 65536)
                except OSError:
                    break
        return needle in self.screen

    def type(self, text):
        self.screen = b""
        os.write(self.fd, text)

    def close(self):
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        os.close(self.fd)


@pytest.fixture
def terminal(server):
    t = Terminal(server)
    yield t
    t.close()


def test_interactive_prompt_and_hints(server, terminal):
    prompt = b"127.0.0.1:%d> " % server.port
    assert terminal.read_until(prompt), terminal.screen  # redis-cli did not abort at start
    terminal.type(b"set mykey")
    # the hint: SET's remaining arguments, grey, from COMMAND DOCS
    assert terminal.read_until(b"value [NX|XX]"), terminal.screen
    terminal.type(b"\x15getrange k")  # Ctrl-U clears the line
    assert terminal.read_until(b"start end"), terminal.screen


def test_interactive_help_and_command(server, r, terminal):
    prompt = b"127.0.0.1:%d> " % server.port
    assert terminal.read_until(prompt)
    terminal.type(b"help incrby\r")
    assert terminal.read_until(b"summary:"), terminal.screen
    # the whole help, then the prompt: keys typed while redis-cli still prints
    # reach a terminal in cooked mode, which turns the Enter into a newline
    assert b"INCRBY" in terminal.screen and b"key increment" in terminal.screen
    assert terminal.read_until(b"group:"), terminal.screen
    terminal.screen = terminal.screen[terminal.screen.index(b"group:"):]
    assert terminal.read_until(prompt), terminal.screen  # redis-cli reads lines again
    terminal.type(b"set fromcli 42\r")
    assert terminal.read_until(b"OK"), terminal.screen
    assert r.get("fromcli") == "42"
