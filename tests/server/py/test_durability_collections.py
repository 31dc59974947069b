# Durability of collections (issue 13): a kill -9 loop with concurrent clients
# writing hashes, sets, sorted sets and lists, singly and in MULTI/EXEC
# transactions over two keys, after which every acknowledged write is there
# and no collection (nor transaction) is half-applied.
#
# Each client thread owns its keys, so the model is exact: per key the state
# after the last acknowledged command, plus the one command that may have
# been in flight at the kill. After a restart each key must hold either its
# acknowledged state or the in-flight command's whole result (for a
# transaction: both of its keys the one way or both the other). A command
# that adds several elements at once (HSET of 3 fields, SADD of 3 members,
# ZADD of 3 members, RPUSH of 3 items) found with only some of them is a
# half-applied collection and fails the test.
#
# Rounds and their length: STRATA_DURABILITY_ROUNDS (5) and
# STRATA_DURABILITY_SECONDS (0.5), as test_durability.py; proven against
# redis-server with its AOF on (harness: durable=True).

import os
import random
import threading
import time

import harness  # noqa: F401  (conftest puts it on the path)
from resp import Closed, Conn, Error

ROUNDS = int(os.environ.get("STRATA_DURABILITY_ROUNDS", "5"))
ROUND_SECONDS = float(os.environ.get("STRATA_DURABILITY_SECONDS", "0.5"))
THREADS = 4
TIME_LIMIT = 60 + ROUNDS * (ROUND_SECONDS + 15)
TYPES = ("hash", "set", "zset", "list")


def empty(kind):
    return {"hash": {}, "set": frozenset(), "zset": {}, "list": ()}[kind]


def freeze(kind, state):
    """A hashable, comparable form of a key's state."""
    if kind in ("hash", "zset"):
        return tuple(sorted(state.items()))
    if kind == "set":
        return tuple(sorted(state))
    return tuple(state)


class Model:
    """One client thread's keys: key -> (kind, acknowledged state), and the
    in-flight command: {key: state it leads to} (several keys for a
    transaction)."""

    def __init__(self):
        self.acked = {}
        self.kind = {}
        self.pending = None
        self.acks = 0

    def state(self, key):
        return self.acked.get(key, empty(self.kind[key]))

    def settle(self, found):
        """found: key -> frozen state read after a restart. Returns errors."""
        errors = []
        pending = self.pending or {}
        if pending:
            applied = [found[k] == freeze(self.kind[k], v) for k, v in pending.items()]
            before = [found[k] == freeze(self.kind[k], self.state(k)) for k in pending]
            # Keys whose command leaves them unchanged match both ways.
            if not (all(applied) or all(before)):
                errors.append("in-flight command half-applied: %r found %r" % (
                    pending, {k: found[k] for k in pending}))
            elif all(applied):
                for k, v in pending.items():
                    self.acked[k] = v
        for key, state in self.acked.items():
            if key in pending:
                continue
            if found[key] != freeze(self.kind[key], state):
                errors.append("%s: found %r, acknowledged %r" % (
                    key, found[key], freeze(self.kind[key], state)))
        self.pending = None
        return errors


def command_for(kind, key, state, rng):
    """One random command on `key` of `kind`: (args, expected reply, new state)."""
    n = rng.randrange(3)
    if kind == "hash":
        if n == 0 and state:
            f = rng.choice(sorted(state))
            new = dict(state)
            del new[f]
            return ["HDEL", key, f], 1, new
        fields = {"f%d" % rng.randrange(12): "v%d" % rng.randrange(1000) for _ in range(3)}
        new = dict(state)
        new.update(fields)
        args = ["HSET", key]
        for f, v in fields.items():
            args += [f, v]
        return args, len([f for f in fields if f not in state]), new
    if kind == "set":
        if n == 0 and state:
            m = rng.choice(sorted(state))
            return ["SREM", key, m], 1, state - {m}
        members = {"m%d" % rng.randrange(30) for _ in range(3)}
        return ["SADD", key] + sorted(members), len(members - state), state | members
    if kind == "zset":
        if n == 0 and state:
            m = rng.choice(sorted(state))
            new = dict(state)
            del new[m]
            return ["ZREM", key, m], 1, new
        members = {"m%d" % rng.randrange(30): rng.randrange(-50, 50) for _ in range(3)}
        new = dict(state)
        new.update(members)
        args = ["ZADD", key]
        for m, s in members.items():
            args += [str(s), m]
        return args, len([m for m in members if m not in state]), new
    # list
    if n == 0 and state:
        return ["LPOP", key], state[0].encode(), state[1:]
    items = tuple("i%d" % rng.randrange(1000) for _ in range(3))
    return ["RPUSH", key] + list(items), len(state) + 3, state + items


def client_loop(port, tid, model, stop, rng, failures):
    try:
        conn = Conn(port, timeout=10)
    except OSError:
        return
    try:
        while not stop.is_set():
            kind = rng.choice(TYPES)
            key = "%s:%d:%d" % (kind, tid, rng.randrange(4))
            model.kind[key] = kind
            if rng.randrange(5) == 0:
                # A transaction over this key and one of another type.
                kind2 = rng.choice([t for t in TYPES if t != kind])
                key2 = "%s:%d:%d" % (kind2, tid, rng.randrange(4))
                model.kind[key2] = kind2
                a1, w1, s1 = command_for(kind, key, model.state(key), rng)
                a2, w2, s2 = command_for(kind2, key2, model.state(key2), rng)
                model.pending = {key: s1, key2: s2}
                conn.call("MULTI")
                conn.call(*a1)
                conn.call(*a2)
                reply, want = conn.call("EXEC"), [w1, w2]
            elif rng.randrange(10) == 0 and model.state(key):
                model.pending = {key: empty(kind)}
                reply, want = conn.call("DEL", key), 1
            else:
                args, want, new = command_for(kind, key, model.state(key), rng)
                model.pending = {key: new}
                reply = conn.call(*args)
            if isinstance(reply, Error) or reply != want:
                failures.append("%s: reply %r, expected %r" % (key, reply, want))
                return
            for k, v in model.pending.items():
                model.acked[k] = v if v else empty(model.kind[k])
            model.pending = None
            model.acks += 1
    except (Closed, OSError):
        return  # killed mid-command: model.pending stays in flight
    finally:
        conn.close()


def read_state(conn, kind, key):
    if kind == "hash":
        flat = conn.call("HGETALL", key)
        return tuple(sorted((flat[i].decode(), flat[i + 1].decode())
                            for i in range(0, len(flat), 2)))
    if kind == "set":
        return tuple(sorted(m.decode() for m in conn.call("SMEMBERS", key)))
    if kind == "zset":
        flat = conn.call("ZRANGE", key, 0, -1, "WITHSCORES")
        return tuple(sorted((flat[i].decode(), int(float(flat[i + 1])))
                            for i in range(0, len(flat), 2)))
    return tuple(i.decode() for i in conn.call("LRANGE", key, 0, -1))


def verify(port, models):
    errors = []
    conn = Conn(port)
    for model in models:
        found = {k: read_state(conn, model.kind[k], k) for k in model.kind}
        errors += model.settle(found)
    conn.close()
    return errors


def test_kill9_loop_keeps_every_collection_whole(make_server, needs_collections):
    start = time.monotonic()
    server = make_server(durable=True)
    models = [Model() for _ in range(THREADS)]
    rng = random.Random(int(os.environ.get("STRATA_DURABILITY_SEED", "7")))
    for round_no in range(ROUNDS):
        assert time.monotonic() - start < TIME_LIMIT, "round %d over the time limit" % round_no
        stop, failures = threading.Event(), []
        threads = [threading.Thread(target=client_loop, args=(
            server.port, t, models[t], stop, random.Random(rng.random()), failures))
            for t in range(THREADS)]
        for t in threads:
            t.start()
        time.sleep(ROUND_SECONDS * (0.5 + rng.random()))
        server.kill()
        stop.set()
        for t in threads:
            t.join(30)
        assert not any(t.is_alive() for t in threads)
        assert failures == []
        server.restart()
        errors = verify(server.port, models)
        assert errors == [], "round %d:\n%s" % (round_no, "\n".join(e[:300] for e in errors[:20]))
    acks = sum(m.acks for m in models)
    assert acks > 0
    print("%d rounds, %d acknowledged commands on %d keys" % (
        ROUNDS, acks, sum(len(m.kind) for m in models)))
