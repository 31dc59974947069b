/* LevelDB 1.23's C API (leveldb/c.h), implemented on StrataDB by
   libstrata-leveldb (pkg-config module strata-leveldb): the same 68 functions
   with the same signatures and semantics, for programs and bindings written
   against LevelDB. This header is installed under
   <prefix>/include/strata-leveldb/leveldb/c.h, so only a program that asks for
   it (-I<prefix>/include/strata-leveldb, as `pkg-config --cflags
   strata-leveldb` says) finds it instead of a real LevelDB's.

   The conventions are LevelDB's: errptr NULL or a malloc'd message, replaced
   on failure and left unchanged on success; returned memory malloc'd, freed
   with leveldb_free; LevelDB's option defaults (create_if_missing false,
   4 MiB write buffer, 2 MiB files, snappy, no filter). What differs from
   LevelDB (docs/C_API.md, "LevelDB compatibility"):
   - The files are StrataDB's: a LevelDB directory fails to open with an
     InvalidArgument that says so, and a StrataDB directory is not readable by
     LevelDB.
   - leveldb_close with iterators or snapshots still alive closes the database
     when the last of them is released, instead of undefined behaviour.
   - Comparators and filter policies may be destroyed while a database uses
     them (they are reference counted); the destructor runs once, when the
     last user is gone.
   - leveldb_options_set_env and leveldb_options_set_info_log accept the
     default env and NULL (StrataDB has no pluggable env or info log in C);
     leveldb_cache_create_lru sets the size of the database's own block cache
     (a cache is not shared between databases).
   - Property names "leveldb.X" map to StrataDB's "strata.X" (leveldb.stats,
     leveldb.sstables, leveldb.num-files-at-level<N>,
     leveldb.approximate-memory-usage); "strata.X" names work too.

   Thread safety as LevelDB's: a leveldb_t may be used from many threads at
   once; other handles need external synchronization when modified. */

#ifndef STRATA_LEVELDB_C_H_
#define STRATA_LEVELDB_C_H_

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define STRATA_LEVELDB_EXPORT __attribute__((visibility("default")))
#else
#define STRATA_LEVELDB_EXPORT
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef struct leveldb_t leveldb_t;
typedef struct leveldb_cache_t leveldb_cache_t;
typedef struct leveldb_comparator_t leveldb_comparator_t;
typedef struct leveldb_env_t leveldb_env_t;
typedef struct leveldb_filelock_t leveldb_filelock_t;
typedef struct leveldb_filterpolicy_t leveldb_filterpolicy_t;
typedef struct leveldb_iterator_t leveldb_iterator_t;
typedef struct leveldb_logger_t leveldb_logger_t;
typedef struct leveldb_options_t leveldb_options_t;
typedef struct leveldb_randomfile_t leveldb_randomfile_t;
typedef struct leveldb_readoptions_t leveldb_readoptions_t;
typedef struct leveldb_seqfile_t leveldb_seqfile_t;
typedef struct leveldb_snapshot_t leveldb_snapshot_t;
typedef struct leveldb_writablefile_t leveldb_writablefile_t;
typedef struct leveldb_writebatch_t leveldb_writebatch_t;
typedef struct leveldb_writeoptions_t leveldb_writeoptions_t;

/* DB operations */
STRATA_LEVELDB_EXPORT leveldb_t* leveldb_open(const leveldb_options_t* options, const char* name,
                                              char** errptr);
STRATA_LEVELDB_EXPORT void leveldb_close(leveldb_t* db);
STRATA_LEVELDB_EXPORT void leveldb_put(leveldb_t* db, const leveldb_writeoptions_t* options,
                                       const char* key, size_t keylen, const char* val,
                                       size_t vallen, char** errptr);
STRATA_LEVELDB_EXPORT void leveldb_delete(leveldb_t* db, const leveldb_writeoptions_t* options,
                                          const char* key, size_t keylen, char** errptr);
STRATA_LEVELDB_EXPORT void leveldb_write(leveldb_t* db, const leveldb_writeoptions_t* options,
                                         leveldb_writebatch_t* batch, char** errptr);
STRATA_LEVELDB_EXPORT char* leveldb_get(leveldb_t* db, const leveldb_readoptions_t* options,
                                        const char* key, size_t keylen, size_t* vallen,
                                        char** errptr);
STRATA_LEVELDB_EXPORT leveldb_iterator_t* leveldb_create_iterator(
    leveldb_t* db, const leveldb_readoptions_t* options);
STRATA_LEVELDB_EXPORT const leveldb_snapshot_t* leveldb_create_snapshot(leveldb_t* db);
STRATA_LEVELDB_EXPORT void leveldb_release_snapshot(leveldb_t* db,
                                                    const leveldb_snapshot_t* snapshot);
STRATA_LEVELDB_EXPORT char* leveldb_property_value(leveldb_t* db, const char* propname);
STRATA_LEVELDB_EXPORT void leveldb_approximate_sizes(leveldb_t* db, int num_ranges,
                                                     const char* const* range_start_key,
                                                     const size_t* range_start_key_len,
                                                     const char* const* range_limit_key,
                                                     const size_t* range_limit_key_len,
                                                     uint64_t* sizes);
STRATA_LEVELDB_EXPORT void leveldb_compact_range(leveldb_t* db, const char* start_key,
                                                 size_t start_key_len, const char* limit_key,
                                                 size_t limit_key_len);

/* Management operations */
STRATA_LEVELDB_EXPORT void leveldb_destroy_db(const leveldb_options_t* options, const char* name,
                                              char** errptr);
STRATA_LEVELDB_EXPORT void leveldb_repair_db(const leveldb_options_t* options, const char* name,
                                             char** errptr);

/* Iterator */
STRATA_LEVELDB_EXPORT void leveldb_iter_destroy(leveldb_iterator_t* iter);
STRATA_LEVELDB_EXPORT uint8_t leveldb_iter_valid(const leveldb_iterator_t* iter);
STRATA_LEVELDB_EXPORT void leveldb_iter_seek_to_first(leveldb_iterator_t* iter);
STRATA_LEVELDB_EXPORT void leveldb_iter_seek_to_last(leveldb_iterator_t* iter);
STRATA_LEVELDB_EXPORT void leveldb_iter_seek(leveldb_iterator_t* iter, const char* k, size_t klen);
STRATA_LEVELDB_EXPORT void leveldb_iter_next(leveldb_iterator_t* iter);
STRATA_LEVELDB_EXPORT void leveldb_iter_prev(leveldb_iterator_t* iter);
STRATA_LEVELDB_EXPORT const char* leveldb_iter_key(const leveldb_iterator_t* iter, size_t* klen);
STRATA_LEVELDB_EXPORT const char* leveldb_iter_value(const leveldb_iterator_t* iter, size_t* vlen);
STRATA_LEVELDB_EXPORT void leveldb_iter_get_error(const leveldb_iterator_t* iter, char** errptr);

/* Write batch */
STRATA_LEVELDB_EXPORT leveldb_writebatch_t* leveldb_writebatch_create(void);
STRATA_LEVELDB_EXPORT void leveldb_writebatch_destroy(leveldb_writebatch_t* batch);
STRATA_LEVELDB_EXPORT void leveldb_writebatch_clear(leveldb_writebatch_t* batch);
STRATA_LEVELDB_EXPORT void leveldb_writebatch_put(leveldb_writebatch_t* batch, const char* key,
                                                  size_t klen, const char* val, size_t vlen);
STRATA_LEVELDB_EXPORT void leveldb_writebatch_delete(leveldb_writebatch_t* batch, const char* key,
                                                     size_t klen);
STRATA_LEVELDB_EXPORT void leveldb_writebatch_iterate(
    const leveldb_writebatch_t* batch, void* state,
    void (*put)(void*, const char* k, size_t klen, const char* v, size_t vlen),
    void (*deleted)(void*, const char* k, size_t klen));
STRATA_LEVELDB_EXPORT void leveldb_writebatch_append(leveldb_writebatch_t* destination,
                                                     const leveldb_writebatch_t* source);

/* Options */
STRATA_LEVELDB_EXPORT leveldb_options_t* leveldb_options_create(void);
STRATA_LEVELDB_EXPORT void leveldb_options_destroy(leveldb_options_t* options);
STRATA_LEVELDB_EXPORT void leveldb_options_set_comparator(leveldb_options_t* options,
                                                          leveldb_comparator_t* comparator);
STRATA_LEVELDB_EXPORT void leveldb_options_set_filter_policy(leveldb_options_t* options,
                                                             leveldb_filterpolicy_t* policy);
STRATA_LEVELDB_EXPORT void leveldb_options_set_create_if_missing(leveldb_options_t* options,
                                                                 uint8_t v);
STRATA_LEVELDB_EXPORT void leveldb_options_set_error_if_exists(leveldb_options_t* options,
                                                               uint8_t v);
STRATA_LEVELDB_EXPORT void leveldb_options_set_paranoid_checks(leveldb_options_t* options,
                                                               uint8_t v);
STRATA_LEVELDB_EXPORT void leveldb_options_set_env(leveldb_options_t* options, leveldb_env_t* env);
STRATA_LEVELDB_EXPORT void leveldb_options_set_info_log(leveldb_options_t* options,
                                                        leveldb_logger_t* logger);
STRATA_LEVELDB_EXPORT void leveldb_options_set_write_buffer_size(leveldb_options_t* options,
                                                                 size_t size);
STRATA_LEVELDB_EXPORT void leveldb_options_set_max_open_files(leveldb_options_t* options, int n);
STRATA_LEVELDB_EXPORT void leveldb_options_set_cache(leveldb_options_t* options,
                                                     leveldb_cache_t* cache);
STRATA_LEVELDB_EXPORT void leveldb_options_set_block_size(leveldb_options_t* options, size_t size);
STRATA_LEVELDB_EXPORT void leveldb_options_set_block_restart_interval(leveldb_options_t* options,
                                                                      int n);
STRATA_LEVELDB_EXPORT void leveldb_options_set_max_file_size(leveldb_options_t* options,
                                                             size_t size);
STRATA_LEVELDB_EXPORT void leveldb_options_set_compression(leveldb_options_t* options,
                                                           int compression);

/* Comparator */
STRATA_LEVELDB_EXPORT leveldb_comparator_t* leveldb_comparator_create(
    void* state, void (*destructor)(void*),
    int (*compare)(void*, const char* a, size_t alen, const char* b, size_t blen),
    const char* (*name)(void*));
STRATA_LEVELDB_EXPORT void leveldb_comparator_destroy(leveldb_comparator_t* comparator);

/* Filter policy */
STRATA_LEVELDB_EXPORT leveldb_filterpolicy_t* leveldb_filterpolicy_create(
    void* state, void (*destructor)(void*),
    char* (*create_filter)(void*, const char* const* key_array, const size_t* key_length_array,
                           int num_keys, size_t* filter_length),
    uint8_t (*key_may_match)(void*, const char* key, size_t length, const char* filter,
                             size_t filter_length),
    const char* (*name)(void*));
STRATA_LEVELDB_EXPORT void leveldb_filterpolicy_destroy(leveldb_filterpolicy_t* policy);
STRATA_LEVELDB_EXPORT leveldb_filterpolicy_t* leveldb_filterpolicy_create_bloom(int bits_per_key);

/* Read options */
STRATA_LEVELDB_EXPORT leveldb_readoptions_t* leveldb_readoptions_create(void);
STRATA_LEVELDB_EXPORT void leveldb_readoptions_destroy(leveldb_readoptions_t* options);
STRATA_LEVELDB_EXPORT void leveldb_readoptions_set_verify_checksums(leveldb_readoptions_t* options,
                                                                    uint8_t v);
STRATA_LEVELDB_EXPORT void leveldb_readoptions_set_fill_cache(leveldb_readoptions_t* options,
                                                              uint8_t v);
STRATA_LEVELDB_EXPORT void leveldb_readoptions_set_snapshot(leveldb_readoptions_t* options,
                                                            const leveldb_snapshot_t* snapshot);

/* Write options */
STRATA_LEVELDB_EXPORT leveldb_writeoptions_t* leveldb_writeoptions_create(void);
STRATA_LEVELDB_EXPORT void leveldb_writeoptions_destroy(leveldb_writeoptions_t* options);
STRATA_LEVELDB_EXPORT void leveldb_writeoptions_set_sync(leveldb_writeoptions_t* options,
                                                         uint8_t v);

/* Cache */
STRATA_LEVELDB_EXPORT leveldb_cache_t* leveldb_cache_create_lru(size_t capacity);
STRATA_LEVELDB_EXPORT void leveldb_cache_destroy(leveldb_cache_t* cache);

/* Env */
STRATA_LEVELDB_EXPORT leveldb_env_t* leveldb_create_default_env(void);
STRATA_LEVELDB_EXPORT void leveldb_env_destroy(leveldb_env_t* env);
STRATA_LEVELDB_EXPORT char* leveldb_env_get_test_directory(leveldb_env_t* env);

/* Utility */
STRATA_LEVELDB_EXPORT void leveldb_free(void* ptr);
STRATA_LEVELDB_EXPORT int leveldb_major_version(void);
STRATA_LEVELDB_EXPORT int leveldb_minor_version(void);

enum { leveldb_no_compression = 0, leveldb_snappy_compression = 1 };

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* STRATA_LEVELDB_C_H_ */
