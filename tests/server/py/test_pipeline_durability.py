# Pipelines and durability: strata-server writes a pipeline's commands with
# their WAL records deferred and hands them to the OS in one flush before the
# replies go out (docs/SERVER.md, "Durability"). These tests check what that
# must keep: every reply of a pipeline of writes, once read, is a write that
# survives kill -9 under each appendfsync policy; reads later in the same
# pipeline see the earlier writes; and a second client that reads the values
# sees them after the restart too. Bounded: a few pipelines of 500 commands.

import pytest

from resp import Conn, Simple, encode

PIPELINE = 500


def pipeline(conn, commands):
    conn.send_raw(b"".join(encode(*c) for c in commands))
    return [conn.read() for _ in commands]


@pytest.mark.parametrize("policy", ["always", "everysec", "no"])
def test_acknowledged_pipeline_survives_kill9(make_server, policy):
    server = make_server(["--appendfsync", policy], durable=True)
    writer = Conn(server.port)
    commands = []
    for i in range(PIPELINE):
        commands.append(("SET", "k%d" % i, "v%d" % i))
        commands.append(("INCR", "counter"))
        commands.append(("GET", "k%d" % i))  # sees the SET just before it
    commands.append(("MSET", "m1", "a", "m2", "b"))
    replies = pipeline(writer, commands)
    for i in range(PIPELINE):
        assert replies[3 * i] == Simple("OK")
        assert replies[3 * i + 1] == i + 1
        assert replies[3 * i + 2] == b"v%d" % i
    assert replies[-1] == Simple("OK")
    # Another client reads what the pipeline wrote: it must outlive a crash.
    reader = Conn(server.port)
    assert reader.call("GET", "counter") == b"%d" % PIPELINE
    writer.close()
    reader.close()

    server.kill()
    server.restart()
    c = Conn(server.port)
    got = pipeline(c, [("GET", "k%d" % i) for i in range(PIPELINE)])
    assert got == [b"v%d" % i for i in range(PIPELINE)]
    assert c.call("GET", "counter") == b"%d" % PIPELINE
    assert c.call("MGET", "m1", "m2") == [b"a", b"b"]
    c.close()
