# Hashes over the protocol with redis-py (runs against strata-server and
# redis-server alike): the commands' replies and errors, HSCAN's full
# iteration, HRANDFIELD's counts, and the keyspace commands over a hash
# (TYPE, SCAN TYPE, RENAME, RENAMENX, EXPIRE, PERSIST, DEL, COPY).

import time

import pytest
import redis


def test_hash_commands(r):
    assert r.hset("h", mapping={"a": "1", "": "2"}) == 2
    assert r.hset("h", "a", "3") == 0
    assert r.hget("h", "a") == "3"
    assert r.hget("h", "x") is None
    assert r.hmget("h", ["a", "x", ""]) == ["3", None, "2"]
    assert r.hlen("h") == 2
    assert r.hsetnx("h", "a", "9") == 0
    assert r.hsetnx("h", "c", "9") == 1
    assert r.hstrlen("h", "c") == 1
    assert r.hexists("h", "c") is True
    assert set(r.hkeys("h")) == {"a", "", "c"}
    assert sorted(r.hvals("h")) == ["2", "3", "9"]
    assert r.hgetall("h") == {"a": "3", "": "2", "c": "9"}
    assert r.hincrby("h", "n", 5) == 5
    assert r.hincrbyfloat("h", "f", "1.5") == 1.5
    with pytest.raises(redis.ResponseError, match="hash value is not an integer"):
        r.hincrby("h", "f", 1)
    assert r.hdel("h", "a", "", "c", "n", "f", "zz") == 5
    assert r.exists("h") == 0


def test_wrong_type(r):
    r.set("s", "v")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        r.hset("s", "a", "1")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        r.hgetall("s")


def test_hscan_and_hrandfield(r):
    fields = {f"f{i}": str(i) for i in range(300)}
    r.hset("h", mapping=fields)
    seen = {}
    cursor = 0
    while True:
        cursor, page = r.hscan("h", cursor, count=25)
        seen.update(page)
        if cursor == 0:
            break
    assert len(seen) == 300
    assert seen["f7"] == "7"
    matched = dict(r.hscan_iter("h", match="f1?"))
    assert set(matched) == {f"f1{i}" for i in range(10)}
    assert len(r.hrandfield("h", 10)) == 10
    assert len(set(r.hrandfield("h", 10))) == 10
    assert len(r.hrandfield("h", -500)) == 500
    assert len(r.hrandfield("h", 5, withvalues=True)) == 10
    assert r.hrandfield("nosuch") is None


def test_keyspace_commands_over_a_hash(r):
    r.hset("h", mapping={"a": "1", "": "2"})
    assert r.type("h") == "hash"
    r.set("s", "v")
    assert r.scan(0, _type="hash", count=100)[1] == ["h"]
    assert r.expire("h", 100) is True
    assert 0 < r.ttl("h") <= 100
    assert r.rename("h", "h2") is True
    assert r.hgetall("h2") == {"a": "1", "": "2"}
    assert 0 < r.ttl("h2") <= 100
    assert r.persist("h2") is True
    assert r.ttl("h2") == -1
    assert r.renamenx("h2", "s") is False
    assert r.rename("h2", "s") is True  # replaces the string
    assert r.type("s") == "hash"
    assert r.hgetall("s") == {"a": "1", "": "2"}
    assert r.exists("h2") == 0
    r.hset("h3", "x", "y")
    assert r.rename("s", "h3") is True  # replaces another hash
    assert r.hgetall("h3") == {"a": "1", "": "2"}
    assert r.copy("h3", "h4") is True
    assert r.delete("h3") == 1
    assert r.hgetall("h4") == {"a": "1", "": "2"}
    assert r.hgetall("h3") == {}
    assert r.pexpire("h4", 1) is True
    time.sleep(0.05)
    assert r.exists("h4") == 0
