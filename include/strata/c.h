/* StrataDB's C API: the whole key-value API as plain C functions over opaque
   handles, for programs in C and for bindings (Go's cgo, Python's ctypes,
   Rust, Haskell, C#, Node) that cannot call C++. docs/C_API.md has the
   conventions in full and a complete example.

   Conventions:
   - Every name starts with strata_. Handles are opaque pointers created by a
     strata_*_create or strata_open call and released by the matching
     strata_*_destroy, strata_close or strata_release_snapshot. No struct is
     passed by value; integers are fixed width (uint8_t for booleans).
   - Keys and values are (pointer, length) pairs of arbitrary bytes.
   - Errors: a function that can fail takes `char** errptr` last. On success
     it leaves *errptr unchanged, so initialize it to NULL. On failure it
     frees the message *errptr held (if any) and stores a new malloc'd,
     NUL-terminated one ("NotFound: ...", "Invalid argument: ..."). errptr
     itself may be NULL to ignore errors.
   - Memory the library returns (values, property values, error messages) is
     malloc'd: release it with strata_free (or free).
   - No C++ exception escapes: a failed allocation is reported through errptr
     where there is one, makes a *_create function return NULL, and
     terminates the process in the write batch functions.

   Lifetimes: a DB may be closed only when every iterator created from it is
   destroyed and every snapshot released; strata_close otherwise fails and
   leaves the DB open. Comparators and filter policies are reference counted:
   options and DBs that use one keep it alive, so they may be destroyed in
   any order; the destructor callback runs once, when the last user is gone.
   Read options that name a snapshot keep the snapshot's handle alive; a read
   through them after the snapshot is released fails with InvalidArgument.

   Thread safety, per handle:
   - strata_t: safe for concurrent use by many threads, except strata_close,
     which must not run concurrently with any other call on the same handle
     (destroying its iterators and releasing its snapshots from other threads
     is allowed).
   - strata_iterator_t, strata_writebatch_t, strata_options_t,
     strata_readoptions_t, strata_writeoptions_t, strata_value_t: not safe
     for concurrent use when one thread modifies them; concurrent reads
     through const handles are safe (many threads may read with one
     strata_readoptions_t or write one strata_writebatch_t).
   - strata_snapshot_t: immutable; may be shared between threads. Do not
     release it while a read that uses it is in progress.
   - strata_comparator_t, strata_filterpolicy_t: their callbacks are called
     from many threads at once (background flushes and compactions too), so
     the callbacks must be thread-safe.

   Compiles as C99 and as C++. */

#ifndef STRATA_C_H_
#define STRATA_C_H_

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define STRATA_C_EXPORT __attribute__((visibility("default")))
#else
#define STRATA_C_EXPORT
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef struct strata_t strata_t;
typedef struct strata_options_t strata_options_t;
typedef struct strata_readoptions_t strata_readoptions_t;
typedef struct strata_writeoptions_t strata_writeoptions_t;
typedef struct strata_iterator_t strata_iterator_t;
typedef struct strata_snapshot_t strata_snapshot_t;
typedef struct strata_writebatch_t strata_writebatch_t;
typedef struct strata_value_t strata_value_t;
typedef struct strata_comparator_t strata_comparator_t;
typedef struct strata_filterpolicy_t strata_filterpolicy_t;
typedef struct strata_compactionfilter_t strata_compactionfilter_t;
typedef struct strata_cache_t strata_cache_t;

/* ------------------------------------------------------------------------
   Opening and closing */

/* Opens the database in directory `name`. Returns the handle, or NULL with
   *errptr set (Busy if another handle has it open, InvalidArgument for bad
   options or a directory in another format, Corruption or IOError if it
   cannot be recovered). */
STRATA_C_EXPORT strata_t* strata_open(const strata_options_t* options, const char* name,
                                      char** errptr);

/* Opens the database in directory `name` for reading only (see
   DB::OpenReadOnly in <strata/db.h>): no lock is taken and no file is
   created, changed or deleted, so any number of read-only handles, in any
   number of processes, may read a database one writer has open; each sees it
   as of its open. Writes, flush, compact range and resume fail with
   NotSupported. */
STRATA_C_EXPORT strata_t* strata_open_for_read_only(const strata_options_t* options,
                                                    const char* name, char** errptr);

/* Closes the database and frees the handle. Fails with InvalidArgument, and
   leaves the database open and the handle valid, while iterators created
   from it are alive or snapshots of it unreleased. NULL is a no-op. */
STRATA_C_EXPORT void strata_close(strata_t* db, char** errptr);

/* ------------------------------------------------------------------------
   Writes */

STRATA_C_EXPORT void strata_put(strata_t* db, const strata_writeoptions_t* options, const char* key,
                                size_t keylen, const char* val, size_t vallen, char** errptr);
/* OK whether or not the key existed. */
STRATA_C_EXPORT void strata_delete(strata_t* db, const strata_writeoptions_t* options,
                                   const char* key, size_t keylen, char** errptr);
/* Applies every update of the batch atomically; the batch is unchanged. */
STRATA_C_EXPORT void strata_write(strata_t* db, const strata_writeoptions_t* options,
                                  strata_writebatch_t* batch, char** errptr);

/* ------------------------------------------------------------------------
   Reads: three ways to get a value. options may be NULL (defaults). */

/* A malloc'd copy of key's value, its length in *vallen; NULL if the key is
   absent (no error) or on error (*errptr set). Free it with strata_free. */
STRATA_C_EXPORT char* strata_get(strata_t* db, const strata_readoptions_t* options, const char* key,
                                 size_t keylen, size_t* vallen, char** errptr);

/* A handle on key's value (strata_value_data, strata_value_size), released
   with strata_value_destroy; NULL if the key is absent or on error. It stays
   valid after the DB is closed. */
STRATA_C_EXPORT strata_value_t* strata_get_value(strata_t* db, const strata_readoptions_t* options,
                                                 const char* key, size_t keylen, char** errptr);
STRATA_C_EXPORT const char* strata_value_data(const strata_value_t* value);
STRATA_C_EXPORT size_t strata_value_size(const strata_value_t* value);
STRATA_C_EXPORT void strata_value_destroy(strata_value_t* value);

/* Copies key's value into buf[0, buflen). Returns 1 if the key is present,
   storing the value's full length in *vallen: if *vallen > buflen the buffer
   was too small, nothing was copied, and a retry with *vallen bytes will
   succeed (unless the value changes meanwhile). Returns 0 if the key is
   absent or on error (*errptr set). buf may be NULL when buflen is 0. */
STRATA_C_EXPORT uint8_t strata_get_into(strata_t* db, const strata_readoptions_t* options,
                                        const char* key, size_t keylen, char* buf, size_t buflen,
                                        size_t* vallen, char** errptr);

/* ------------------------------------------------------------------------
   Iterators: ordered cursors over the database as of their creation (or as
   of the read options' snapshot). A new iterator is not valid: seek first. */

STRATA_C_EXPORT strata_iterator_t* strata_create_iterator(strata_t* db,
                                                          const strata_readoptions_t* options,
                                                          char** errptr);
/* NULL is a no-op. */
STRATA_C_EXPORT void strata_iter_destroy(strata_iterator_t* iter);
STRATA_C_EXPORT uint8_t strata_iter_valid(const strata_iterator_t* iter);
STRATA_C_EXPORT void strata_iter_seek_to_first(strata_iterator_t* iter);
STRATA_C_EXPORT void strata_iter_seek_to_last(strata_iterator_t* iter);
/* Positions at the first key >= k. */
STRATA_C_EXPORT void strata_iter_seek(strata_iterator_t* iter, const char* k, size_t klen);
/* Next and prev on an invalid iterator are no-ops. */
STRATA_C_EXPORT void strata_iter_next(strata_iterator_t* iter);
STRATA_C_EXPORT void strata_iter_prev(strata_iterator_t* iter);
/* The current key and value, valid until the iterator moves or is destroyed;
   NULL (length 0) when the iterator is not valid. */
STRATA_C_EXPORT const char* strata_iter_key(const strata_iterator_t* iter, size_t* klen);
STRATA_C_EXPORT const char* strata_iter_value(const strata_iterator_t* iter, size_t* vlen);
/* Sets *errptr if the iterator met an error (it is then not valid). */
STRATA_C_EXPORT void strata_iter_get_error(const strata_iterator_t* iter, char** errptr);

/* ------------------------------------------------------------------------
   Snapshots */

/* A consistent view of the database as of now, for strata_readoptions_set_
   snapshot. Release it with strata_release_snapshot before closing. */
STRATA_C_EXPORT const strata_snapshot_t* strata_create_snapshot(strata_t* db);
/* `db` must be the snapshot's database. Release each snapshot exactly once;
   NULL is a no-op. */
STRATA_C_EXPORT void strata_release_snapshot(strata_t* db, const strata_snapshot_t* snapshot);

/* ------------------------------------------------------------------------
   Maintenance */

/* A malloc'd, NUL-terminated value of the property (docs/PROPERTIES.md), or
   NULL if there is no such property. */
STRATA_C_EXPORT char* strata_property_value(strata_t* db, const char* propname);
/* For each of the num_ranges ranges [start, limit), the approximate bytes of
   table data on disk it covers, plus, if include_memtables, of the
   memtables' entries in it, into sizes[i]. */
STRATA_C_EXPORT void strata_approximate_sizes(
    strata_t* db, int num_ranges, const char* const* range_start_key,
    const size_t* range_start_key_len, const char* const* range_limit_key,
    const size_t* range_limit_key_len, uint8_t include_memtables, uint64_t* sizes, char** errptr);
/* Writes the memtable to a table and returns when it is durable. */
STRATA_C_EXPORT void strata_flush(strata_t* db, char** errptr);
/* Compacts the keys in [start, limit]; a NULL start or limit is unbounded on
   that side. */
STRATA_C_EXPORT void strata_compact_range(strata_t* db, const char* start_key, size_t start_key_len,
                                          const char* limit_key, size_t limit_key_len,
                                          char** errptr);
/* Makes an openable, independent copy of the database as of the call in
   directory `dir`, which must not exist (see DB::CreateCheckpoint). */
STRATA_C_EXPORT void strata_create_checkpoint(strata_t* db, const char* dir, char** errptr);
/* Retries now after a background error (see DB::Resume in <strata/db.h>). */
STRATA_C_EXPORT void strata_resume(strata_t* db, char** errptr);
/* Rebuilds a damaged database (see RepairDB in <strata/inspect.h>). It must
   not be open. */
STRATA_C_EXPORT void strata_repair_db(const strata_options_t* options, const char* name,
                                      char** errptr);
/* Deletes the database and its directory; it must not be open. OK if it does
   not exist. */
STRATA_C_EXPORT void strata_destroy_db(const strata_options_t* options, const char* name,
                                       char** errptr);

/* ------------------------------------------------------------------------
   Write batches */

STRATA_C_EXPORT strata_writebatch_t* strata_writebatch_create(void);
STRATA_C_EXPORT void strata_writebatch_destroy(strata_writebatch_t* batch);
STRATA_C_EXPORT void strata_writebatch_clear(strata_writebatch_t* batch);
STRATA_C_EXPORT void strata_writebatch_put(strata_writebatch_t* batch, const char* key, size_t klen,
                                           const char* val, size_t vlen);
STRATA_C_EXPORT void strata_writebatch_delete(strata_writebatch_t* batch, const char* key,
                                              size_t klen);
/* The number of updates in the batch. */
STRATA_C_EXPORT uint32_t strata_writebatch_count(const strata_writebatch_t* batch);
/* Appends every update of source to destination. */
STRATA_C_EXPORT void strata_writebatch_append(strata_writebatch_t* destination,
                                              const strata_writebatch_t* source);
/* Calls put or deleted for each update, in order, with `state` first. */
STRATA_C_EXPORT void strata_writebatch_iterate(const strata_writebatch_t* batch, void* state,
                                               void (*put)(void* state, const char* k, size_t klen,
                                                           const char* v, size_t vlen),
                                               void (*deleted)(void* state, const char* k,
                                                               size_t klen));

/* ------------------------------------------------------------------------
   Options for opening a database. Every field of strata::Options (see
   <strata/options.h> for units, defaults and effects) but the C++-only file
   system. A value out of range makes strata_open fail with InvalidArgument. */

STRATA_C_EXPORT strata_options_t* strata_options_create(void);
STRATA_C_EXPORT void strata_options_destroy(strata_options_t* options);

STRATA_C_EXPORT void strata_options_set_create_if_missing(strata_options_t* o, uint8_t v);
STRATA_C_EXPORT uint8_t strata_options_get_create_if_missing(const strata_options_t* o);
STRATA_C_EXPORT void strata_options_set_error_if_exists(strata_options_t* o, uint8_t v);
STRATA_C_EXPORT uint8_t strata_options_get_error_if_exists(const strata_options_t* o);
/* NULL: the bytewise default. The options keep the comparator alive. */
STRATA_C_EXPORT void strata_options_set_comparator(strata_options_t* o, strata_comparator_t* c);
/* The comparator set, or NULL for the bytewise default. */
STRATA_C_EXPORT strata_comparator_t* strata_options_get_comparator(const strata_options_t* o);
STRATA_C_EXPORT void strata_options_set_paranoid_checks(strata_options_t* o, uint8_t v);
STRATA_C_EXPORT uint8_t strata_options_get_paranoid_checks(const strata_options_t* o);
STRATA_C_EXPORT void strata_options_set_write_buffer_size(strata_options_t* o, size_t v);
STRATA_C_EXPORT size_t strata_options_get_write_buffer_size(const strata_options_t* o);
STRATA_C_EXPORT void strata_options_set_max_write_buffer_number(strata_options_t* o, int v);
STRATA_C_EXPORT int strata_options_get_max_write_buffer_number(const strata_options_t* o);
STRATA_C_EXPORT void strata_options_set_block_size(strata_options_t* o, size_t v);
STRATA_C_EXPORT size_t strata_options_get_block_size(const strata_options_t* o);
STRATA_C_EXPORT void strata_options_set_block_restart_interval(strata_options_t* o, int v);
STRATA_C_EXPORT int strata_options_get_block_restart_interval(const strata_options_t* o);
STRATA_C_EXPORT void strata_options_set_bloom_bits_per_key(strata_options_t* o, int v);
STRATA_C_EXPORT int strata_options_get_bloom_bits_per_key(const strata_options_t* o);
/* NULL: the built-in bloom filter. The options keep the policy alive. */
STRATA_C_EXPORT void strata_options_set_filter_policy(strata_options_t* o,
                                                      strata_filterpolicy_t* p);
STRATA_C_EXPORT strata_filterpolicy_t* strata_options_get_filter_policy(const strata_options_t* o);
/* Options::compaction_filter; NULL: none. The options keep it alive. */
STRATA_C_EXPORT void strata_options_set_compaction_filter(strata_options_t* o,
                                                          strata_compactionfilter_t* f);
STRATA_C_EXPORT strata_compactionfilter_t* strata_options_get_compaction_filter(
    const strata_options_t* o);
/* Options::compaction_filter_at_flush (default 0). */
STRATA_C_EXPORT void strata_options_set_compaction_filter_at_flush(strata_options_t* o, uint8_t v);
STRATA_C_EXPORT uint8_t strata_options_get_compaction_filter_at_flush(const strata_options_t* o);
/* One of the strata_*_compression values. */
STRATA_C_EXPORT void strata_options_set_compression(strata_options_t* o, int v);
STRATA_C_EXPORT int strata_options_get_compression(const strata_options_t* o);
STRATA_C_EXPORT void strata_options_set_block_cache_size(strata_options_t* o, size_t v);
STRATA_C_EXPORT size_t strata_options_get_block_cache_size(const strata_options_t* o);
STRATA_C_EXPORT void strata_options_set_max_open_files(strata_options_t* o, int v);
STRATA_C_EXPORT int strata_options_get_max_open_files(const strata_options_t* o);
STRATA_C_EXPORT void strata_options_set_l0_compaction_trigger(strata_options_t* o, int v);
STRATA_C_EXPORT int strata_options_get_l0_compaction_trigger(const strata_options_t* o);
STRATA_C_EXPORT void strata_options_set_l0_slowdown_writes_trigger(strata_options_t* o, int v);
STRATA_C_EXPORT int strata_options_get_l0_slowdown_writes_trigger(const strata_options_t* o);
STRATA_C_EXPORT void strata_options_set_l0_stop_writes_trigger(strata_options_t* o, int v);
STRATA_C_EXPORT int strata_options_get_l0_stop_writes_trigger(const strata_options_t* o);
STRATA_C_EXPORT void strata_options_set_soft_pending_compaction_bytes(strata_options_t* o,
                                                                      uint64_t v);
STRATA_C_EXPORT uint64_t
strata_options_get_soft_pending_compaction_bytes(const strata_options_t* o);
STRATA_C_EXPORT void strata_options_set_hard_pending_compaction_bytes(strata_options_t* o,
                                                                      uint64_t v);
STRATA_C_EXPORT uint64_t
strata_options_get_hard_pending_compaction_bytes(const strata_options_t* o);
STRATA_C_EXPORT void strata_options_set_target_file_size(strata_options_t* o, uint64_t v);
STRATA_C_EXPORT uint64_t strata_options_get_target_file_size(const strata_options_t* o);
STRATA_C_EXPORT void strata_options_set_max_bytes_for_level_base(strata_options_t* o, uint64_t v);
STRATA_C_EXPORT uint64_t strata_options_get_max_bytes_for_level_base(const strata_options_t* o);
STRATA_C_EXPORT void strata_options_set_max_background_jobs(strata_options_t* o, int v);
STRATA_C_EXPORT int strata_options_get_max_background_jobs(const strata_options_t* o);
/* 0-19: how much nicer than the process the compaction threads run. */
STRATA_C_EXPORT void strata_options_set_compaction_nice(strata_options_t* o, int v);
STRATA_C_EXPORT int strata_options_get_compaction_nice(const strata_options_t* o);
/* One of the strata_wal_recovery_* values. */
STRATA_C_EXPORT void strata_options_set_wal_recovery_mode(strata_options_t* o, int v);
STRATA_C_EXPORT int strata_options_get_wal_recovery_mode(const strata_options_t* o);
STRATA_C_EXPORT void strata_options_set_memory_budget(strata_options_t* o, size_t v);
STRATA_C_EXPORT size_t strata_options_get_memory_budget(const strata_options_t* o);
/* A block cache several databases may share (Options::block_cache); NULL:
   the database makes its own. The options, and each database opened with
   them, keep the cache alive: strata_cache_destroy may come at any time. */
STRATA_C_EXPORT void strata_options_set_block_cache(strata_options_t* o, strata_cache_t* cache);
STRATA_C_EXPORT strata_cache_t* strata_options_get_block_cache(const strata_options_t* o);

enum {
  strata_wal_recovery_tolerate_corrupted_tail_records = 0,
  strata_wal_recovery_absolute_consistency = 1,
  strata_wal_recovery_point_in_time = 2,
  strata_wal_recovery_skip_any_corrupted_records = 3
};

/* ------------------------------------------------------------------------
   Block caches (see <strata/cache.h>). Thread-safe. */

/* An LRU cache of capacity bytes. */
STRATA_C_EXPORT strata_cache_t* strata_cache_create_lru(size_t capacity);
/* Drops this handle; databases using the cache keep it alive. NULL: no-op. */
STRATA_C_EXPORT void strata_cache_destroy(strata_cache_t* cache);
STRATA_C_EXPORT size_t strata_cache_get_capacity(const strata_cache_t* cache);
STRATA_C_EXPORT size_t strata_cache_get_usage(const strata_cache_t* cache);

/* The values of strata::CompressionType. */
enum {
  strata_no_compression = 0,
  strata_snappy_compression = 1,
  strata_lz4_compression = 2,
  strata_zstd_compression = 3
};

/* ------------------------------------------------------------------------
   Read and write options */

STRATA_C_EXPORT strata_readoptions_t* strata_readoptions_create(void);
STRATA_C_EXPORT void strata_readoptions_destroy(strata_readoptions_t* o);
STRATA_C_EXPORT void strata_readoptions_set_verify_checksums(strata_readoptions_t* o, uint8_t v);
STRATA_C_EXPORT uint8_t strata_readoptions_get_verify_checksums(const strata_readoptions_t* o);
STRATA_C_EXPORT void strata_readoptions_set_fill_cache(strata_readoptions_t* o, uint8_t v);
STRATA_C_EXPORT uint8_t strata_readoptions_get_fill_cache(const strata_readoptions_t* o);
/* NULL: read as of now. The read options keep the snapshot's handle alive. */
STRATA_C_EXPORT void strata_readoptions_set_snapshot(strata_readoptions_t* o,
                                                     const strata_snapshot_t* snapshot);
STRATA_C_EXPORT const strata_snapshot_t* strata_readoptions_get_snapshot(
    const strata_readoptions_t* o);
/* Iterators made with these options yield only keys in [lower, upper), in
   both directions (ReadOptions::iterate_lower_bound / iterate_upper_bound).
   The key is copied; NULL removes the bound. */
STRATA_C_EXPORT void strata_readoptions_set_iterate_lower_bound(strata_readoptions_t* o,
                                                                const char* key, size_t keylen);
STRATA_C_EXPORT void strata_readoptions_set_iterate_upper_bound(strata_readoptions_t* o,
                                                                const char* key, size_t keylen);
/* The bound set, or NULL (and *keylen 0) if none. Valid until the bound is
   set again or the options are destroyed. */
STRATA_C_EXPORT const char* strata_readoptions_get_iterate_lower_bound(
    const strata_readoptions_t* o, size_t* keylen);
STRATA_C_EXPORT const char* strata_readoptions_get_iterate_upper_bound(
    const strata_readoptions_t* o, size_t* keylen);

STRATA_C_EXPORT strata_writeoptions_t* strata_writeoptions_create(void);
STRATA_C_EXPORT void strata_writeoptions_destroy(strata_writeoptions_t* o);
STRATA_C_EXPORT void strata_writeoptions_set_sync(strata_writeoptions_t* o, uint8_t v);
STRATA_C_EXPORT uint8_t strata_writeoptions_get_sync(const strata_writeoptions_t* o);

/* ------------------------------------------------------------------------
   Comparators: a key order given by callbacks. compare returns <0, 0 or >0
   like memcmp and must be a strict total order; name returns a string that
   identifies the order (stored in the database, checked at open) and must
   stay valid until the destructor runs. destructor(state) runs once, when
   the comparator is destroyed and no options or DB use it any more; it may be
   NULL. */

STRATA_C_EXPORT strata_comparator_t* strata_comparator_create(
    void* state, void (*destructor)(void* state),
    int (*compare)(void* state, const char* a, size_t alen, const char* b, size_t blen),
    const char* (*name)(void* state));
STRATA_C_EXPORT void strata_comparator_destroy(strata_comparator_t* comparator);

/* ------------------------------------------------------------------------
   Filter policies: a table filter given by callbacks. create_filter returns
   a malloc'd filter for the num_keys keys (the library frees it) and its
   length in *filter_length; key_may_match returns 0 only if the key was
   certainly not among them. name identifies the filter's encoding (stored
   with each table). destructor as for comparators. */

STRATA_C_EXPORT strata_filterpolicy_t* strata_filterpolicy_create(
    void* state, void (*destructor)(void* state),
    char* (*create_filter)(void* state, const char* const* key_array,
                           const size_t* key_length_array, int num_keys, size_t* filter_length),
    uint8_t (*key_may_match)(void* state, const char* key, size_t length, const char* filter,
                             size_t filter_length),
    const char* (*name)(void* state));
/* The built-in bloom filter with bits_per_key bits per key. */
STRATA_C_EXPORT strata_filterpolicy_t* strata_filterpolicy_create_bloom(int bits_per_key);
STRATA_C_EXPORT void strata_filterpolicy_destroy(strata_filterpolicy_t* policy);

/* ------------------------------------------------------------------------
   Compaction filters (<strata/compaction_filter.h> says which versions they
   are shown: a key's newest, never one a snapshot can see). filter is called
   from background threads, several at once, and must not write to the
   database (reads are allowed). It returns 1 to remove the key (it then reads as deleted), or 0
   to keep it; to keep it with another value, it sets *value_changed to 1 and
   *new_value to a malloc'd buffer of *new_value_length bytes, which the
   library frees. level: the output level (0 at a flush). name and destructor
   as for comparators (the name is copied at creation). */

STRATA_C_EXPORT strata_compactionfilter_t* strata_compactionfilter_create(
    void* state, void (*destructor)(void* state),
    uint8_t (*filter)(void* state, int level, const char* key, size_t key_length,
                      const char* existing_value, size_t value_length, char** new_value,
                      size_t* new_value_length, uint8_t* value_changed),
    const char* (*name)(void* state));
STRATA_C_EXPORT void strata_compactionfilter_destroy(strata_compactionfilter_t* filter);

/* ------------------------------------------------------------------------
   Utilities */

/* Frees memory the library returned (free() does the same). */
STRATA_C_EXPORT void strata_free(void* ptr);
/* The library's version, major.minor.patch. */
STRATA_C_EXPORT int strata_major_version(void);
STRATA_C_EXPORT int strata_minor_version(void);
STRATA_C_EXPORT int strata_patch_version(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* STRATA_C_H_ */
