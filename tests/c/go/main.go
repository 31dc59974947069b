// Smoke test of the C API from Go through cgo, run with GODEBUG=cgocheck=2
// (every pointer passed to C is checked against Go's rules): open, put, get,
// iterate forwards and backwards, check that closing with a live iterator
// fails, close. Usage: c_api_smoke <database dir>. Prints "ok" on success.
// tests/c/go_smoke_test.sh builds it with the include and library paths.
package main

/*
#include <stdlib.h>
#include "strata/c.h"
*/
import "C"

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strings"
	"unsafe"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

// check exits with the message if err holds one.
func check(err *C.char, what string) {
	if err != nil {
		msg := C.GoString(err)
		C.strata_free(unsafe.Pointer(err))
		fail("%s: %s", what, msg)
	}
}

// cBytes copies b to C memory, as cgo's rules require for data C keeps
// (here only for the duration of the call, but the copy keeps cgocheck=2
// strict and the example honest).
func cBytes(b []byte) (*C.char, C.size_t) {
	if len(b) == 0 {
		return nil, 0
	}
	return (*C.char)(C.CBytes(b)), C.size_t(len(b))
}

func main() {
	path := C.CString(os.Args[1])
	defer C.free(unsafe.Pointer(path))
	var err *C.char

	options := C.strata_options_create()
	defer C.strata_options_destroy(options)
	C.strata_options_set_create_if_missing(options, 1)
	db := C.strata_open(options, path, &err)
	check(err, "open")

	data := map[string]string{"one": "1", "two": "2", "three": "3", "bin\x00key": "\x00\xff"}
	for k, v := range data {
		ck, cklen := cBytes([]byte(k))
		cv, cvlen := cBytes([]byte(v))
		C.strata_put(db, nil, ck, cklen, cv, cvlen, &err)
		C.free(unsafe.Pointer(ck))
		C.free(unsafe.Pointer(cv))
		check(err, "put")
	}
	for k, v := range data {
		ck, cklen := cBytes([]byte(k))
		var n C.size_t
		p := C.strata_get(db, nil, ck, cklen, &n, &err)
		C.free(unsafe.Pointer(ck))
		check(err, "get")
		if p == nil {
			fail("get %q: absent", k)
		}
		got := C.GoBytes(unsafe.Pointer(p), C.int(n))
		C.strata_free(unsafe.Pointer(p))
		if !bytes.Equal(got, []byte(v)) {
			fail("get %q: %q, want %q", k, got, v)
		}
	}

	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	it := C.strata_create_iterator(db, nil, &err)
	check(err, "create_iterator")
	var forward, backward []string
	for C.strata_iter_seek_to_first(it); C.strata_iter_valid(it) != 0; C.strata_iter_next(it) {
		var n C.size_t
		k := C.strata_iter_key(it, &n)
		forward = append(forward, string(C.GoBytes(unsafe.Pointer(k), C.int(n))))
	}
	for C.strata_iter_seek_to_last(it); C.strata_iter_valid(it) != 0; C.strata_iter_prev(it) {
		var n C.size_t
		k := C.strata_iter_key(it, &n)
		backward = append([]string{string(C.GoBytes(unsafe.Pointer(k), C.int(n)))}, backward...)
	}
	if strings.Join(forward, ",") != strings.Join(keys, ",") ||
		strings.Join(backward, ",") != strings.Join(keys, ",") {
		fail("iteration: forward %q, backward %q, want %q", forward, backward, keys)
	}

	C.strata_close(db, &err)
	if err == nil || !strings.Contains(C.GoString(err), "iterator") {
		fail("close with a live iterator did not fail")
	}
	C.strata_free(unsafe.Pointer(err))
	err = nil
	C.strata_iter_destroy(it)
	C.strata_close(db, &err)
	check(err, "close")
	C.strata_destroy_db(options, path, &err)
	check(err, "destroy")
	fmt.Println("ok")
}
