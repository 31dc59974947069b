/* The complete example of docs/C_API.md, kept compiling and running: it is
   built as strict C99 (-std=c99 -Wall -Wextra -Werror -pedantic) and as C++
   by tests/c/c_compile_test.sh, then run against libstrata.so. It opens a
   database, writes with a batch, reads three ways, iterates both ways, reads
   at a snapshot, checks that closing with a live iterator fails, and
   closes. Exits 0 and prints "ok" on success. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/c.h"

/* Aborts with the message if err holds one. */
static void check(char* err, const char* what) {
  if (err != NULL) {
    fprintf(stderr, "%s: %s\n", what, err);
    strata_free(err);
    exit(1);
  }
}

static void expect(int cond, const char* what) {
  if (!cond) {
    fprintf(stderr, "failed: %s\n", what);
    exit(1);
  }
}

int main(int argc, char** argv) {
  char* err = NULL;
  const char* path = argc > 1 ? argv[1] : "/tmp/strata-c-example";
  strata_options_t* options = strata_options_create();
  strata_readoptions_t* ropts = strata_readoptions_create();
  strata_writeoptions_t* wopts = strata_writeoptions_create();
  strata_t* db;
  strata_writebatch_t* batch;
  strata_iterator_t* iter;
  const strata_snapshot_t* snap;
  strata_value_t* value;
  char buf[16];
  char* copy;
  size_t len;
  int n;

  strata_options_set_create_if_missing(options, 1);
  strata_writeoptions_set_sync(wopts, 1);
  db = strata_open(options, path, &err);
  check(err, "open");

  /* Writes: one at a time, or atomically in a batch. */
  strata_put(db, wopts, "apple", 5, "red", 3, &err);
  check(err, "put");
  batch = strata_writebatch_create();
  strata_writebatch_put(batch, "banana", 6, "yellow", 6);
  strata_writebatch_put(batch, "cherry", 6, "dark red", 8);
  strata_writebatch_delete(batch, "apple", 5);
  strata_write(db, wopts, batch, &err);
  check(err, "write");
  strata_writebatch_destroy(batch);

  /* Reads: a malloc'd copy, a value handle, or into a buffer. */
  copy = strata_get(db, ropts, "banana", 6, &len, &err);
  check(err, "get");
  expect(copy != NULL && len == 6 && memcmp(copy, "yellow", 6) == 0, "get banana");
  strata_free(copy);
  copy = strata_get(db, ropts, "apple", 5, &len, &err);
  check(err, "get");
  expect(copy == NULL, "apple deleted");
  value = strata_get_value(db, ropts, "cherry", 6, &err);
  check(err, "get_value");
  expect(value != NULL && strata_value_size(value) == 8, "get_value cherry");
  strata_value_destroy(value);
  expect(strata_get_into(db, ropts, "cherry", 6, buf, sizeof(buf), &len, &err) == 1 && len == 8 &&
             memcmp(buf, "dark red", 8) == 0,
         "get_into cherry");
  check(err, "get_into");

  /* A snapshot keeps seeing the database as it was. */
  snap = strata_create_snapshot(db);
  strata_delete(db, wopts, "banana", 6, &err);
  check(err, "delete");
  strata_readoptions_set_snapshot(ropts, snap);

  /* Iterators, forwards and backwards (here as of the snapshot). */
  iter = strata_create_iterator(db, ropts, &err);
  check(err, "create_iterator");
  n = 0;
  for (strata_iter_seek_to_first(iter); strata_iter_valid(iter); strata_iter_next(iter)) {
    const char* k = strata_iter_key(iter, &len);
    printf("%.*s\n", (int)len, k);
    n++;
  }
  expect(n == 2, "two keys at the snapshot");
  strata_iter_seek_to_last(iter);
  expect(strata_iter_valid(iter) && memcmp(strata_iter_key(iter, &len), "cherry", 6) == 0,
         "last is cherry");
  strata_iter_get_error(iter, &err);
  check(err, "iterator");

  /* Closing with a live iterator or snapshot fails, and the DB stays open. */
  strata_close(db, &err);
  expect(err != NULL, "close with a live iterator fails");
  strata_free(err);
  err = NULL;

  strata_iter_destroy(iter);
  strata_readoptions_set_snapshot(ropts, NULL);
  strata_release_snapshot(db, snap);
  strata_close(db, &err);
  check(err, "close");

  strata_readoptions_destroy(ropts);
  strata_writeoptions_destroy(wopts);
  strata_destroy_db(options, path, &err);
  check(err, "destroy");
  strata_options_destroy(options);
  printf("ok (StrataDB %d.%d.%d)\n", strata_major_version(), strata_minor_version(),
         strata_patch_version());
  return 0;
}
