# Connection and server commands: PING ECHO QUIT SELECT HELLO (RESP3) CLIENT
# COMMAND CONFIG INFO DBSIZE FLUSHDB FLUSHALL TIME SHUTDOWN, the config file and
# `--name value` arguments, the ready line and a clean exit on SIGTERM.
# Replies are checked byte-exact through resp.Conn where the type matters.

import os
import time

import pytest
import redis

import harness
from resp import Closed, Conn, Error, Map, Simple, encode

# Issue 12's commands: COMMAND must know each of them.
ISSUE_12_COMMANDS = """ping echo quit auth hello select client command config info dbsize flushdb
flushall time del unlink exists type rename renamenx keys scan randomkey touch expire pexpire
expireat pexpireat ttl pttl expiretime pexpiretime persist get set setnx setex psetex mget mset
msetnx getset getdel getex append strlen getrange setrange incr decr incrby decrby
incrbyfloat""".split()


def test_ping_echo(server, r):
    assert r.ping() is True
    c = Conn(server.port)
    assert c.call("PING") == Simple("PONG")
    assert c.call("PING", "hello") == b"hello"
    assert c.call("ECHO", "") == b""
    assert c.call("ECHO", "a\r\nb\x00") == b"a\r\nb\x00"
    assert c.call("ECHO") == Error("ERR wrong number of arguments for 'echo' command")


def test_quit_closes_after_ok(server):
    c = Conn(server.port)
    c.send("SET", "k", "v")
    c.send("QUIT")
    assert c.read() == Simple("OK")
    assert c.read() == Simple("OK")
    assert c.closed_by_server()


def test_select(server, r):
    c = Conn(server.port)
    assert c.call("SELECT", "0") == Simple("OK")
    assert c.call("SELECT", "x") == Error("ERR value is not an integer or out of range")


@pytest.mark.strata_only
def test_select_other_db_refused(server):
    reply = Conn(server.port).call("SELECT", "1")
    assert isinstance(reply, Error) and reply.startswith("ERR")


def test_hello3_switches_to_resp3(server, r):
    c = Conn(server.port)
    hello = c.call("HELLO", "3")
    assert isinstance(hello, Map)
    info = hello.dict()
    assert info[b"proto"] == 3
    assert {b"server", b"version", b"id", b"mode", b"role", b"modules"} <= set(info)
    assert c.call("GET", "missing") is None and c.buf == b""
    c.send_raw(b"GET missing\r\n")
    assert c.sock.recv(16) == b"_\r\n"  # RESP3 null, not $-1
    config = c.call("CONFIG", "GET", "maxclients")
    assert isinstance(config, Map) and config.dict().keys() == {b"maxclients"}
    assert c.call("HELLO", "2")[0] == b"server"  # back to a flat array
    c.send_raw(b"GET missing\r\n")
    assert c.sock.recv(16) == b"$-1\r\n"
    assert c.call("HELLO", "4") == Error("NOPROTO unsupported protocol version")


def test_client_id_setname_getname_list(server, r):
    c = Conn(server.port)
    my_id = c.call("CLIENT", "ID")
    assert isinstance(my_id, int) and my_id > 0
    assert Conn(server.port).call("CLIENT", "ID") > my_id  # ids only grow
    assert c.call("CLIENT", "GETNAME") is None
    assert c.call("CLIENT", "SETNAME", "worker-1") == Simple("OK")
    assert c.call("CLIENT", "GETNAME") == b"worker-1"
    assert c.call("CLIENT", "SETNAME", "has space") == Error(
        "ERR Client names cannot contain spaces, newlines or special characters.")
    listing = c.call("CLIENT", "LIST").decode()
    mine = [line for line in listing.splitlines() if "id=%d " % my_id in line]
    assert len(mine) == 1
    assert " name=worker-1 " in mine[0] and "addr=127.0.0.1:" in mine[0]
    assert c.call("CLIENT", "SETNAME", "") == Simple("OK")  # clears the name
    assert c.call("CLIENT", "GETNAME") is None


def test_client_list_shows_each_clients_last_command(server, r):
    a, b = Conn(server.port), Conn(server.port)
    a_id = a.call("CLIENT", "ID")

    def last_of_a():
        line = [x for x in b.call("CLIENT", "LIST").decode().splitlines()
                if "id=%d " % a_id in x][0]
        return line.split(" cmd=")[1].split()[0]

    a.call("GeT", "k")
    assert last_of_a() == "get"  # the command's name, whatever the case sent
    a.call("NOSUCHCOMMAND")
    assert last_of_a() == "NULL"  # an unknown one, as Redis shows it
    a.call("LPUSH", "l", "x")
    assert last_of_a() == "lpush"


def test_command_count_info_docs(server, r):
    c = Conn(server.port)
    assert c.call("COMMAND", "COUNT") == len(c.call("COMMAND"))
    known = c.call("COMMAND", "INFO", *ISSUE_12_COMMANDS)
    assert [name for name, entry in zip(ISSUE_12_COMMANDS, known) if entry is None] == []
    info = Conn(server.port).call("COMMAND", "INFO", "get", "set", "nosuchcommand")
    assert info[0][0] == b"get" and info[0][1] == 2  # name, arity
    assert info[1][0] == b"set" and info[1][1] == -3
    assert info[2] is None
    docs = Conn(server.port).call("COMMAND", "DOCS", "get")
    # redis-cli asserts this shape: name, then a flat key/value list
    assert docs[0] == b"get" and isinstance(docs[1], list) and len(docs[1]) % 2 == 0
    fields = dict(zip(docs[1][::2], docs[1][1::2]))
    assert fields[b"summary"] and fields[b"group"] == b"string"
    assert any(arg_fields[1] == b"key" for arg_fields in fields[b"arguments"])


def test_command_docs_all_shape(server):
    """Every COMMAND DOCS entry has the shape redis-cli asserts on (a bad
    one aborts redis-cli at startup)."""
    c = Conn(server.port)
    docs = c.call("COMMAND", "DOCS")
    assert len(docs) % 2 == 0 and len(docs) // 2 == c.call("COMMAND", "COUNT")
    for name, spec in zip(docs[::2], docs[1::2]):
        assert isinstance(name, bytes) and isinstance(spec, list) and len(spec) % 2 == 0, name
        keys = spec[::2]
        assert all(isinstance(k, bytes) for k in keys), name
        fields = dict(zip(keys, spec[1::2]))
        assert isinstance(fields.get(b"summary"), bytes), name
        for arg in fields.get(b"arguments", []):
            assert isinstance(arg, list) and len(arg) % 2 == 0, name


def test_dbsize_flushdb_flushall(r):
    assert r.dbsize() == 0
    r.mset({"k%d" % i: i for i in range(100)})
    assert r.dbsize() == 100
    r.set("k0", "again")  # overwriting does not add a key
    r.delete("k1", "nosuch")
    assert r.dbsize() == 99
    assert r.flushdb() is True and r.dbsize() == 0
    r.set("a", 1)
    assert r.flushall() is True and r.dbsize() == 0


def test_time(r):
    seconds, micros = r.time()
    assert abs(seconds - time.time()) < 5 and 0 <= micros < 1000000


def test_info_sections(server, r):
    r.set("a", 1)
    r.set("b", 2, ex=100)
    c = Conn(server.port)
    text = c.call("INFO").decode()
    for section in ("# Server", "# Clients", "# Memory", "# Persistence", "# Stats",
                    "# Keyspace"):
        assert section in text
    assert "db0:keys=2,expires=1," in text
    assert "connected_clients:" in text and "tcp_port:" in text
    only = c.call("INFO", "keyspace").decode()
    assert "# Keyspace" in only and "# Server" not in only


@pytest.mark.strata_only
def test_info_engine_figures(server):
    """strata-server adds the engine's own figures: levels, write and space
    amplification, stalls."""
    text = Conn(server.port).call("INFO", "everything").decode().lower()
    names = [line.split(":")[0] for line in text.splitlines() if ":" in line]
    for word in ("level", "amplification", "stall"):
        assert any(word in n for n in names), word


def test_config_get_set(server, r):
    assert r.config_get("maxclients") == {"maxclients": "10000"}
    assert r.config_set("timeout", 123) is True
    assert r.config_get("timeout") == {"timeout": "123"}
    r.config_set("timeout", 0)
    many = r.config_get("max*")
    assert "maxclients" in many
    c = Conn(server.port)
    reply = c.call("CONFIG", "SET", "no-such-option", "1")
    assert reply.startswith("ERR Unknown option or number of arguments for CONFIG SET")
    assert c.call("CONFIG", "SET", "timeout", "abc").startswith(
        "ERR CONFIG SET failed (possibly related to argument 'timeout')")


def test_config_set_harness_knobs_accepted(r):
    """Redis's test suite sets encoding knobs at start: they must be accepted."""
    for name, value in (("hash-max-listpack-entries", "128"), ("list-max-listpack-size", "-2"),
                        ("set-max-intset-entries", "512"), ("zset-max-listpack-entries", "128")):
        assert r.config_set(name, value) is True


def test_config_file_and_arguments(tmp_path, make_server):
    conf = tmp_path / "server.conf"
    conf.write_text("# redis.conf syntax\ntimeout 7\nrequirepass \"s3cret\"\nmaxclients 50\n")
    s = make_server(["--maxclients", "60"], config_file=str(conf))
    c = s.client(password="s3cret", decode_responses=True)
    assert c.config_get("timeout") == {"timeout": "7"}
    assert c.config_get("maxclients") == {"maxclients": "60"}  # the command line wins


def test_ready_line_and_clean_sigterm(make_server):
    s = make_server()
    # The line may follow the first PING by a moment, but it must be written
    # (flushed) while the server runs: supervisors wait for it.
    deadline = time.monotonic() + 5
    while harness.READY_LINE not in s.log() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert harness.READY_LINE in s.log()
    s.client().set("k", "v")
    assert s.stop() == 0


def test_restart_on_same_dir_keeps_data(make_server):
    """A clean stop (SIGTERM), then a start on the same directory: the data is there."""
    s = make_server(durable=True)
    s.client().set("kept", "yes")
    assert s.stop() == 0
    s.restart()
    assert s.client().get("kept") == b"yes"


def test_shutdown_refusals_keep_the_server_running(server):
    c = Conn(server.port)
    assert c.call("SHUTDOWN", "ABORT") == Error("ERR No shutdown in progress.")
    for args in (("SAVE", "NOSAVE"), ("ABORT", "NOW"), ("NOSAVE", "ABORT"), ("BOGUS",)):
        assert c.call("SHUTDOWN", *args) == Error("ERR syntax error"), args
    # Refused while queueing, so EXEC fails (Redis's no_multi flag).
    assert c.call("MULTI") == Simple("OK")
    assert c.call("SHUTDOWN") == Error("ERR Command not allowed inside a transaction")
    assert c.call("EXEC") == Error("EXECABORT Transaction discarded because of previous errors.")
    assert c.call("PING") == Simple("PONG")
    assert server.alive()


@pytest.mark.parametrize("args", [(), ("NOSAVE",), ("SAVE", "NOW", "FORCE")])
def test_shutdown_stops_cleanly_and_keeps_every_write(make_server, args):
    """redis-cli shutdown: the connection closes without a reply, the process
    exits 0 with Redis's log line, and every acknowledged write is there on
    restart (what a clean stop promises, durable or not)."""
    s = make_server(durable=True)
    r = s.client()
    r.set("before", "1")
    c = Conn(s.port)
    # Run just before the SHUTDOWN, in the same read: its reply may be lost
    # (Redis exits without writing it), its write may not.
    c.send_raw(encode("SET", "pipelined", "2") + encode("SHUTDOWN", *args))
    with pytest.raises((Closed, ConnectionResetError)):
        while c.read() == Simple("OK"):  # the SET's, if it went out; never SHUTDOWN's
            pass
    assert s.proc.wait(30) == 0
    assert "User requested shutdown" in s.log()
    s.restart()
    r = s.client()
    assert r.get("before") == b"1" and r.get("pipelined") == b"2"


def test_unknown_command_and_arity(server):
    c = Conn(server.port)
    assert c.call("NOSUCH", "a", "b") == Error(
        "ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b' ")
    assert c.call("GET") == Error("ERR wrong number of arguments for 'get' command")
    assert c.call("SET", "k") == Error("ERR wrong number of arguments for 'set' command")


def test_many_clients_at_once(server, r):
    clients = [redis.Redis(port=server.port, socket_timeout=10) for _ in range(200)]
    for i, c in enumerate(clients):
        c.set("c%d" % i, i)
    assert r.dbsize() == 200
    assert int(r.info("clients")["connected_clients"]) >= 200
    for c in clients:
        c.close()


@pytest.mark.strata_only
@pytest.mark.parametrize("threads", ["1", "4"])
def test_threads_flag(make_server, threads):
    s = make_server(["--threads", threads])
    clients = [s.client() for _ in range(16)]
    for i, c in enumerate(clients):
        assert c.incr("n") == i + 1
    for c in clients:
        c.close()


def test_bind_several_addresses(make_server):
    """--bind takes several addresses (IPv6 loopback where the host has it)."""
    has_ipv6 = os.path.exists("/proc/net/if_inet6")
    addresses = ["127.0.0.1", "::1"] if has_ipv6 else ["127.0.0.1"]
    s = make_server(["--bind", *addresses], bind=False)
    import socket
    if has_ipv6:
        with socket.create_connection(("::1", s.port), timeout=5) as sock:
            sock.sendall(b"PING\r\n")
            assert sock.recv(16) == b"+PONG\r\n"
    assert s.client().ping()
