# The one way the server tests start, stop and restart a Redis-protocol server:
# strata-server, or redis-server as the reference the tests are proven against.
#
# Which binary: $STRATA_SERVER_BIN (a path; default the redis-server on PATH).
# Its flavour ("strata" or "redis") comes from $STRATA_SERVER_FLAVOR, else from
# the binary's name. The few flags that differ are adapted here and nowhere
# else: redis-server gets `--save '' --appendonly no` (no persistence, as the
# benchmarks compare), or `--appendonly yes --appendfsync always` when a test
# asks for a durable server: an acknowledged write is then in the AOF before
# the reply, so it survives kill -9 as strata-server's WAL makes it survive.
# (Not everysec: redis-server postpones the AOF write while a background fsync
# is slow, and still replies, so acknowledged writes can be lost; measured.)
#
# Invariants: a server listens on loopback only (127.0.0.1, or the server's
# default, which must be loopback, when a test asks for it), on a port found
# free, in a data directory of its own (a temporary one unless given); every
# wait is bounded in time. Server.stop()/kill() reap the process, so no test
# leaves a server behind (atexit kills any still running).
#
# Thread-safety: a Server object belongs to one thread; several Servers may run
# side by side.

import atexit
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

READY_LINE = "Ready to accept connections"
DEFAULT_START_TIMEOUT = 20.0
DEFAULT_STOP_TIMEOUT = 20.0

_running = set()


def server_bin():
    """The server binary the tests run: $STRATA_SERVER_BIN or redis-server."""
    path = os.environ.get("STRATA_SERVER_BIN") or shutil.which("redis-server")
    if not path:
        raise RuntimeError("no server: set STRATA_SERVER_BIN or install redis-server")
    return path


def flavor(path=None):
    """'redis' for redis-server, 'strata' for strata-server."""
    forced = os.environ.get("STRATA_SERVER_FLAVOR")
    if forced:
        if forced not in ("redis", "strata"):
            raise RuntimeError("STRATA_SERVER_FLAVOR must be redis or strata, not %r" % forced)
        return forced
    name = os.path.basename(path or server_bin())
    return "redis" if name.startswith("redis-server") else "strata"


def is_strata():
    return flavor() == "strata"


def free_port():
    """A loopback port nothing listens on now (the caller retries if it races)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ping(port, timeout=1.0, password=None):
    """True when a PING on the port gets +PONG (or -NOAUTH: it is up)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(b"PING\r\n")
            reply = s.recv(64)
            return reply.startswith(b"+PONG") or reply.startswith(b"-NOAUTH")
    except OSError:
        return False


class ServerError(RuntimeError):
    pass


class Server:
    """One server process. `args` are extra `--name value` arguments, passed
    as given (a list of strings); `durable` asks for acknowledged writes to
    survive kill -9 (redis-server: AOF on). `config_file` is passed first.
    `bind=False` leaves the listening addresses to the server's default.
    `wrapper`, a command line the server's runs under (valgrind ...), may be
    set before start()."""

    def __init__(self, args=(), dir=None, durable=False, config_file=None, binary=None,
                 port=None, bind=True):
        self.wrapper = []
        self.binary = binary or server_bin()
        self.flavor = flavor(self.binary)
        self.extra = list(args)
        self.durable = durable
        self.config_file = config_file
        self.bind = bind
        self._own_dir = dir is None
        self.dir = dir or tempfile.mkdtemp(prefix="strata-server-test.")
        self.port = port
        self.proc = None
        self.log_path = None
        self.starts = 0

    # ---- lifecycle --------------------------------------------------------
    def command_line(self):
        cmd = list(self.wrapper) + [self.binary]
        if self.config_file:
            cmd.append(self.config_file)
        cmd += ["--port", str(self.port), "--dir", self.dir]
        if self.bind:
            cmd += ["--bind", "127.0.0.1"]
        if self.flavor == "redis":
            cmd += ["--save", ""]
            if self.durable:
                cmd += ["--appendonly", "yes", "--appendfsync", "always"]
            else:
                cmd += ["--appendonly", "no"]
        return cmd + self.extra

    def start(self, timeout=DEFAULT_START_TIMEOUT):
        """Starts the server (on the same port and dir when restarting) and
        returns once it accepts connections. A fresh port is retried when the
        first one turned out to be taken."""
        fixed_port = self.port is not None
        for attempt in range(3):
            if not fixed_port:
                self.port = free_port()
            self.starts += 1
            self.log_path = os.path.join(self.dir, "server-%d.log" % self.starts)
            log = open(self.log_path, "wb")
            self.proc = subprocess.Popen(self.command_line(), stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, cwd=self.dir)
            log.close()
            _running.add(self)
            if self._wait_ready(timeout):
                return self
            self._reap(signal.SIGKILL)
            text = self.log()
            if "in use" in text and not fixed_port and attempt < 2:
                continue
            raise ServerError("server did not start: %s\n--- log ---\n%s"
                              % (" ".join(self.command_line()), text[-4000:]))
        raise ServerError("no free port found")

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            # Answering PING is the proof (the log may go to a config file's
            # logfile); READY_LINE is checked by the tests of the log itself.
            if ping(self.port, timeout=0.5):
                return True
            time.sleep(0.02)
        return False

    def stop(self, timeout=DEFAULT_STOP_TIMEOUT):
        """SIGTERM, then waits for a clean exit; returns the exit code."""
        return self._reap(signal.SIGTERM, timeout)

    def kill(self):
        """kill -9: no chance to flush or close anything."""
        return self._reap(signal.SIGKILL)

    def restart(self, timeout=DEFAULT_START_TIMEOUT):
        """Starts again on the same port and data directory."""
        if self.proc is not None and self.proc.poll() is None:
            self.stop()
        fixed = self.port
        for _ in range(50):
            # Another process may grab the port in between: retry a while.
            try:
                return self.start(timeout)
            except ServerError as e:
                if "in use" not in str(e):
                    raise
                time.sleep(0.1)
        raise ServerError("port %d stayed in use" % fixed)

    def _reap(self, sig, timeout=DEFAULT_STOP_TIMEOUT):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                _running.discard(self)
                raise ServerError("server ignored signal %d for %.0f s" % (sig, timeout))
        _running.discard(self)
        return self.proc.returncode

    def cleanup(self):
        """Stops the server if running and removes a temporary data directory."""
        if self.proc is not None and self.proc.poll() is None:
            self.kill()
        if self._own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()

    # ---- helpers ----------------------------------------------------------
    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log(self):
        try:
            with open(self.log_path, "r", errors="replace") as f:
                return f.read()
        except (OSError, TypeError):
            return ""

    def knows(self, command):
        """True when the server implements `command`: called without
        arguments it gets an arity error, not "unknown command"."""
        with self.connect() as s:
            s.sendall(b"*1\r\n$%d\r\n%s\r\n" % (len(command), command.encode()))
            reply = s.recv(512)
        return not reply.startswith(b"-ERR unknown command")

    def client(self, **kwargs):
        """A redis-py client on this server (import deferred: the Redis suite
        runner uses this module without redis-py)."""
        import redis
        kwargs.setdefault("socket_timeout", 10)
        return redis.Redis(host="127.0.0.1", port=self.port, **kwargs)

    def connect(self, timeout=5.0):
        """A raw socket to the server, for byte-exact protocol tests."""
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)


@atexit.register
def _kill_leftovers():
    for server in list(_running):
        try:
            server.kill()
        except Exception:
            pass
