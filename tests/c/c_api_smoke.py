#!/usr/bin/python3
"""Smoke test of the C API from Python through ctypes: open, put, get,
iterate forwards and backwards, check that closing with a live iterator
fails, close. Usage: c_api_smoke.py <path to libstrata.so> <database dir>.
Prints "ok" and exits 0 on success."""

import ctypes
import sys

lib = ctypes.CDLL(sys.argv[1])
path = sys.argv[2].encode()

c_char_pp = ctypes.POINTER(ctypes.c_char_p)
vp = ctypes.c_void_p
size = ctypes.c_size_t


def declare(name, restype, *argtypes):
    fn = getattr(lib, name)
    fn.restype = restype
    fn.argtypes = list(argtypes)
    return fn


# Returned strings are malloc'd: receive them as void* so ctypes does not
# copy and lose the pointer, then free them with strata_free.
options_create = declare("strata_options_create", vp)
options_destroy = declare("strata_options_destroy", None, vp)
set_create = declare("strata_options_set_create_if_missing", None, vp, ctypes.c_uint8)
open_db = declare("strata_open", vp, vp, ctypes.c_char_p, ctypes.POINTER(vp))
close_db = declare("strata_close", None, vp, ctypes.POINTER(vp))
put = declare("strata_put", None, vp, vp, ctypes.c_char_p, size, ctypes.c_char_p, size,
              ctypes.POINTER(vp))
get = declare("strata_get", vp, vp, vp, ctypes.c_char_p, size, ctypes.POINTER(size),
              ctypes.POINTER(vp))
free = declare("strata_free", None, vp)
create_iter = declare("strata_create_iterator", vp, vp, vp, ctypes.POINTER(vp))
iter_destroy = declare("strata_iter_destroy", None, vp)
iter_valid = declare("strata_iter_valid", ctypes.c_uint8, vp)
seek_first = declare("strata_iter_seek_to_first", None, vp)
seek_last = declare("strata_iter_seek_to_last", None, vp)
iter_next = declare("strata_iter_next", None, vp)
iter_prev = declare("strata_iter_prev", None, vp)
iter_key = declare("strata_iter_key", vp, vp, ctypes.POINTER(size))
iter_value = declare("strata_iter_value", vp, vp, ctypes.POINTER(size))
destroy_db = declare("strata_destroy_db", None, vp, ctypes.c_char_p, ctypes.POINTER(vp))


def check(err, what):
    if err.value:
        message = ctypes.string_at(err.value).decode()
        free(err)
        raise SystemExit(f"{what}: {message}")


def take_error(err):
    message = ctypes.string_at(err.value).decode() if err.value else None
    free(err)
    err.value = None
    return message


err = vp()
options = options_create()
set_create(options, 1)
db = open_db(options, path, ctypes.byref(err))
check(err, "open")

data = {b"one": b"1", b"two": b"2", b"three": b"3", b"bin\x00key": b"\x00\xff"}
for k, v in data.items():
    put(db, None, k, len(k), v, len(v), ctypes.byref(err))
    check(err, "put")

for k, v in data.items():
    n = size()
    p = get(db, None, k, len(k), ctypes.byref(n), ctypes.byref(err))
    check(err, "get")
    assert p, k
    assert ctypes.string_at(p, n.value) == v, (k, ctypes.string_at(p, n.value))
    free(p)
n = size()
assert get(db, None, b"absent", 6, ctypes.byref(n), ctypes.byref(err)) is None
check(err, "get absent")


def entry(it):
    klen, vlen = size(), size()
    k = ctypes.string_at(iter_key(it, ctypes.byref(klen)), klen.value)
    v = ctypes.string_at(iter_value(it, ctypes.byref(vlen)), vlen.value)
    return k, v


it = create_iter(db, None, ctypes.byref(err))
check(err, "create_iterator")
forward = []
seek_first(it)
while iter_valid(it):
    forward.append(entry(it))
    iter_next(it)
backward = []
seek_last(it)
while iter_valid(it):
    backward.append(entry(it))
    iter_prev(it)
assert forward == sorted(data.items()), forward
assert backward == list(reversed(forward)), backward

close_db(db, ctypes.byref(err))
message = take_error(err)
assert message and "iterator" in message, message
iter_destroy(it)
close_db(db, ctypes.byref(err))
check(err, "close")
destroy_db(options, path, ctypes.byref(err))
check(err, "destroy")
options_destroy(options)
print("ok")
