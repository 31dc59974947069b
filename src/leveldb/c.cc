// libstrata-leveldb: LevelDB 1.23's C API (include/strata-leveldb/leveldb/c.h)
// as a thin layer over StrataDB's own C API (include/strata/c.h), whose
// handles, errptr convention and callbacks have LevelDB's shape already.
//
// Most LevelDB handles are the StrataDB handles themselves: a
// leveldb_options_t* is a strata_options_t* (and so on for read and write
// options, write batches, snapshots, comparators and filter policies), cast
// at the boundary and never accessed as the other type. Three differ:
//   - leveldb_t adds LevelDB's close, which cannot fail: leveldb_close with
//     iterators or snapshots alive marks the database for closing, and the
//     release of the last of them closes it (invariant: `children` counts
//     the live iterators and snapshots, and the handle is freed exactly when
//     close was requested and children is zero).
//   - leveldb_iterator_t remembers its leveldb_t for that count, and an
//     error met creating the iterator (LevelDB's create has no errptr).
//   - leveldb_cache_t and leveldb_env_t carry settings only: a cache's
//     capacity becomes the database's block cache size; the default env is
//     StrataDB's POSIX file system, the only one C can ask for.
//
// Thread-safety: leveldb_t's fields are guarded by its mutex; the rest is as
// the StrataDB handles underneath.

#include "leveldb/c.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "strata/c.h"

namespace {

// LevelDB's defaults (include/leveldb/options.h, 1.23) where they differ
// from StrataDB's.
constexpr size_t kLevelDBWriteBufferSize = 4 << 20;
constexpr size_t kLevelDBBlockCacheSize = 8 << 20;
constexpr uint64_t kLevelDBMaxFileSize = 2 << 20;

// The StrataDB handle a LevelDB handle is (see the file comment).
template <typename To, typename From>
To* As(From* p) {
  return reinterpret_cast<To*>(p);
}
template <typename To, typename From>
const To* As(const From* p) {
  return reinterpret_cast<const To*>(p);
}

}  // namespace

struct leveldb_t {
  strata_t* rep = nullptr;
  std::mutex mu;
  int children = 0;              // guarded by mu
  bool close_requested = false;  // guarded by mu
};

struct leveldb_iterator_t {
  leveldb_t* db = nullptr;
  strata_iterator_t* rep = nullptr;  // null if creating it failed
  std::string error;                 // why rep is null
};

struct leveldb_cache_t {
  size_t capacity;
};

struct leveldb_env_t {};

namespace {

// Counts one more iterator or snapshot of db.
void AddChild(leveldb_t* db) {
  std::lock_guard<std::mutex> lock(db->mu);
  db->children++;
}

// Counts one iterator or snapshot fewer, and closes db if it was only kept
// open for them. Its children are gone, so the close cannot fail.
void RemoveChild(leveldb_t* db) {
  {
    std::lock_guard<std::mutex> lock(db->mu);
    db->children--;
    if (!db->close_requested || db->children > 0) return;
  }
  strata_close(db->rep, nullptr);
  delete db;
}

// A property name in StrataDB's terms: "leveldb.X" is "strata.X".
std::string PropertyName(const char* name) {
  constexpr std::string_view kPrefix = "leveldb.";
  std::string_view n(name);
  if (n.starts_with(kPrefix)) return "strata." + std::string(n.substr(kPrefix.size()));
  return std::string(n);
}

}  // namespace

extern "C" {

// ---------------------------------------------------------------------------
// DB operations

leveldb_t* leveldb_open(const leveldb_options_t* options, const char* name, char** errptr) {
  strata_t* rep = strata_open(As<strata_options_t>(options), name, errptr);
  if (rep == nullptr) return nullptr;
  auto* db = new (std::nothrow) leveldb_t;
  if (db != nullptr) {
    db->rep = rep;
  } else {
    strata_close(rep, nullptr);
    if (errptr != nullptr) {
      std::free(*errptr);
      *errptr = strdup("IO error: out of memory");
    }
  }
  return db;
}

void leveldb_close(leveldb_t* db) {
  if (db == nullptr) return;
  {
    std::lock_guard<std::mutex> lock(db->mu);
    if (db->children > 0) {
      db->close_requested = true;  // the last child's release closes it
      return;
    }
  }
  strata_close(db->rep, nullptr);
  delete db;
}

void leveldb_put(leveldb_t* db, const leveldb_writeoptions_t* options, const char* key,
                 size_t keylen, const char* val, size_t vallen, char** errptr) {
  strata_put(db->rep, As<strata_writeoptions_t>(options), key, keylen, val, vallen, errptr);
}

void leveldb_delete(leveldb_t* db, const leveldb_writeoptions_t* options, const char* key,
                    size_t keylen, char** errptr) {
  strata_delete(db->rep, As<strata_writeoptions_t>(options), key, keylen, errptr);
}

void leveldb_write(leveldb_t* db, const leveldb_writeoptions_t* options,
                   leveldb_writebatch_t* batch, char** errptr) {
  strata_write(db->rep, As<strata_writeoptions_t>(options), As<strata_writebatch_t>(batch), errptr);
}

char* leveldb_get(leveldb_t* db, const leveldb_readoptions_t* options, const char* key,
                  size_t keylen, size_t* vallen, char** errptr) {
  return strata_get(db->rep, As<strata_readoptions_t>(options), key, keylen, vallen, errptr);
}

leveldb_iterator_t* leveldb_create_iterator(leveldb_t* db, const leveldb_readoptions_t* options) {
  auto* iter = new (std::nothrow) leveldb_iterator_t;
  if (iter == nullptr) return nullptr;
  char* err = nullptr;
  iter->db = db;
  iter->rep = strata_create_iterator(db->rep, As<strata_readoptions_t>(options), &err);
  if (err != nullptr) {
    iter->error = err;
    std::free(err);
  }
  AddChild(db);
  return iter;
}

const leveldb_snapshot_t* leveldb_create_snapshot(leveldb_t* db) {
  const strata_snapshot_t* snap = strata_create_snapshot(db->rep);
  if (snap != nullptr) AddChild(db);
  return As<leveldb_snapshot_t>(snap);
}

void leveldb_release_snapshot(leveldb_t* db, const leveldb_snapshot_t* snapshot) {
  if (snapshot == nullptr) return;
  strata_release_snapshot(db->rep, As<strata_snapshot_t>(snapshot));
  RemoveChild(db);
}

char* leveldb_property_value(leveldb_t* db, const char* propname) {
  if (propname == nullptr) return nullptr;
  try {
    return strata_property_value(db->rep, PropertyName(propname).c_str());
  } catch (const std::exception&) {
    return nullptr;
  }
}

void leveldb_approximate_sizes(leveldb_t* db, int num_ranges, const char* const* range_start_key,
                               const size_t* range_start_key_len,
                               const char* const* range_limit_key,
                               const size_t* range_limit_key_len, uint64_t* sizes) {
  char* err = nullptr;
  strata_approximate_sizes(db->rep, num_ranges, range_start_key, range_start_key_len,
                           range_limit_key, range_limit_key_len, /*include_memtables=*/0, sizes,
                           &err);
  if (err != nullptr) {
    // LevelDB's signature has no way to report an error: the sizes are 0.
    for (int i = 0; i < num_ranges; i++) sizes[i] = 0;
    std::free(err);
  }
}

void leveldb_compact_range(leveldb_t* db, const char* start_key, size_t start_key_len,
                           const char* limit_key, size_t limit_key_len) {
  char* err = nullptr;
  // LevelDB's CompactRange reports no error either: a failed compaction
  // leaves the data as it was, and the background error shows in writes.
  strata_compact_range(db->rep, start_key, start_key_len, limit_key, limit_key_len, &err);
  std::free(err);
}

// ---------------------------------------------------------------------------
// Management operations

void leveldb_destroy_db(const leveldb_options_t* options, const char* name, char** errptr) {
  strata_destroy_db(As<strata_options_t>(options), name, errptr);
}

void leveldb_repair_db(const leveldb_options_t* options, const char* name, char** errptr) {
  strata_repair_db(As<strata_options_t>(options), name, errptr);
}

// ---------------------------------------------------------------------------
// Iterator

void leveldb_iter_destroy(leveldb_iterator_t* iter) {
  if (iter == nullptr) return;
  leveldb_t* db = iter->db;
  strata_iter_destroy(iter->rep);
  delete iter;
  RemoveChild(db);
}

uint8_t leveldb_iter_valid(const leveldb_iterator_t* iter) {
  return iter->rep != nullptr && strata_iter_valid(iter->rep);
}

void leveldb_iter_seek_to_first(leveldb_iterator_t* iter) {
  if (iter->rep != nullptr) strata_iter_seek_to_first(iter->rep);
}

void leveldb_iter_seek_to_last(leveldb_iterator_t* iter) {
  if (iter->rep != nullptr) strata_iter_seek_to_last(iter->rep);
}

void leveldb_iter_seek(leveldb_iterator_t* iter, const char* k, size_t klen) {
  if (iter->rep != nullptr) strata_iter_seek(iter->rep, k, klen);
}

void leveldb_iter_next(leveldb_iterator_t* iter) {
  if (iter->rep != nullptr) strata_iter_next(iter->rep);
}

void leveldb_iter_prev(leveldb_iterator_t* iter) {
  if (iter->rep != nullptr) strata_iter_prev(iter->rep);
}

const char* leveldb_iter_key(const leveldb_iterator_t* iter, size_t* klen) {
  if (iter->rep == nullptr) {
    *klen = 0;
    return nullptr;
  }
  return strata_iter_key(iter->rep, klen);
}

const char* leveldb_iter_value(const leveldb_iterator_t* iter, size_t* vlen) {
  if (iter->rep == nullptr) {
    *vlen = 0;
    return nullptr;
  }
  return strata_iter_value(iter->rep, vlen);
}

void leveldb_iter_get_error(const leveldb_iterator_t* iter, char** errptr) {
  if (iter->rep != nullptr) {
    strata_iter_get_error(iter->rep, errptr);
  } else if (errptr != nullptr) {
    std::free(*errptr);
    *errptr = strdup(iter->error.c_str());
  }
}

// ---------------------------------------------------------------------------
// Write batch

leveldb_writebatch_t* leveldb_writebatch_create(void) {
  return As<leveldb_writebatch_t>(strata_writebatch_create());
}

void leveldb_writebatch_destroy(leveldb_writebatch_t* batch) {
  strata_writebatch_destroy(As<strata_writebatch_t>(batch));
}

void leveldb_writebatch_clear(leveldb_writebatch_t* batch) {
  strata_writebatch_clear(As<strata_writebatch_t>(batch));
}

void leveldb_writebatch_put(leveldb_writebatch_t* batch, const char* key, size_t klen,
                            const char* val, size_t vlen) {
  strata_writebatch_put(As<strata_writebatch_t>(batch), key, klen, val, vlen);
}

void leveldb_writebatch_delete(leveldb_writebatch_t* batch, const char* key, size_t klen) {
  strata_writebatch_delete(As<strata_writebatch_t>(batch), key, klen);
}

void leveldb_writebatch_iterate(const leveldb_writebatch_t* batch, void* state,
                                void (*put)(void*, const char* k, size_t klen, const char* v,
                                            size_t vlen),
                                void (*deleted)(void*, const char* k, size_t klen)) {
  strata_writebatch_iterate(As<strata_writebatch_t>(batch), state, put, deleted);
}

void leveldb_writebatch_append(leveldb_writebatch_t* destination,
                               const leveldb_writebatch_t* source) {
  strata_writebatch_append(As<strata_writebatch_t>(destination), As<strata_writebatch_t>(source));
}

// ---------------------------------------------------------------------------
// Options

leveldb_options_t* leveldb_options_create(void) {
  strata_options_t* o = strata_options_create();
  if (o == nullptr) return nullptr;
  strata_options_set_create_if_missing(o, 0);
  strata_options_set_write_buffer_size(o, kLevelDBWriteBufferSize);
  strata_options_set_block_cache_size(o, kLevelDBBlockCacheSize);
  strata_options_set_target_file_size(o, kLevelDBMaxFileSize);
  strata_options_set_compression(o, strata_snappy_compression);
  strata_options_set_bloom_bits_per_key(o, 0);  // LevelDB has no filter unless one is set
  return As<leveldb_options_t>(o);
}

void leveldb_options_destroy(leveldb_options_t* options) {
  strata_options_destroy(As<strata_options_t>(options));
}

void leveldb_options_set_comparator(leveldb_options_t* options, leveldb_comparator_t* comparator) {
  strata_options_set_comparator(As<strata_options_t>(options), As<strata_comparator_t>(comparator));
}

void leveldb_options_set_filter_policy(leveldb_options_t* options, leveldb_filterpolicy_t* policy) {
  strata_options_set_filter_policy(As<strata_options_t>(options),
                                   As<strata_filterpolicy_t>(policy));
}

void leveldb_options_set_create_if_missing(leveldb_options_t* options, uint8_t v) {
  strata_options_set_create_if_missing(As<strata_options_t>(options), v);
}

void leveldb_options_set_error_if_exists(leveldb_options_t* options, uint8_t v) {
  strata_options_set_error_if_exists(As<strata_options_t>(options), v);
}

void leveldb_options_set_paranoid_checks(leveldb_options_t* options, uint8_t v) {
  strata_options_set_paranoid_checks(As<strata_options_t>(options), v);
}

// The default env (leveldb_create_default_env) is the only one C can create,
// and it is what the database uses anyway.
void leveldb_options_set_env(leveldb_options_t*, leveldb_env_t*) {}

// C cannot create a leveldb_logger_t: the only value passed is NULL.
void leveldb_options_set_info_log(leveldb_options_t*, leveldb_logger_t*) {}

void leveldb_options_set_write_buffer_size(leveldb_options_t* options, size_t size) {
  strata_options_set_write_buffer_size(As<strata_options_t>(options), size);
}

void leveldb_options_set_max_open_files(leveldb_options_t* options, int n) {
  strata_options_set_max_open_files(As<strata_options_t>(options), n);
}

void leveldb_options_set_cache(leveldb_options_t* options, leveldb_cache_t* cache) {
  strata_options_set_block_cache_size(As<strata_options_t>(options),
                                      cache == nullptr ? kLevelDBBlockCacheSize : cache->capacity);
}

void leveldb_options_set_block_size(leveldb_options_t* options, size_t size) {
  strata_options_set_block_size(As<strata_options_t>(options), size);
}

void leveldb_options_set_block_restart_interval(leveldb_options_t* options, int n) {
  strata_options_set_block_restart_interval(As<strata_options_t>(options), n);
}

void leveldb_options_set_max_file_size(leveldb_options_t* options, size_t size) {
  strata_options_set_target_file_size(As<strata_options_t>(options), size);
}

// leveldb_no_compression and leveldb_snappy_compression are StrataDB's 0 and
// 1; 2 (LZ4) and 3 (zstd) work too, anything else fails at open.
void leveldb_options_set_compression(leveldb_options_t* options, int compression) {
  strata_options_set_compression(As<strata_options_t>(options), compression);
}

// ---------------------------------------------------------------------------
// Comparator and filter policy

leveldb_comparator_t* leveldb_comparator_create(void* state, void (*destructor)(void*),
                                                int (*compare)(void*, const char* a, size_t alen,
                                                               const char* b, size_t blen),
                                                const char* (*name)(void*)) {
  return As<leveldb_comparator_t>(strata_comparator_create(state, destructor, compare, name));
}

void leveldb_comparator_destroy(leveldb_comparator_t* comparator) {
  strata_comparator_destroy(As<strata_comparator_t>(comparator));
}

leveldb_filterpolicy_t* leveldb_filterpolicy_create(
    void* state, void (*destructor)(void*),
    char* (*create_filter)(void*, const char* const* key_array, const size_t* key_length_array,
                           int num_keys, size_t* filter_length),
    uint8_t (*key_may_match)(void*, const char* key, size_t length, const char* filter,
                             size_t filter_length),
    const char* (*name)(void*)) {
  return As<leveldb_filterpolicy_t>(
      strata_filterpolicy_create(state, destructor, create_filter, key_may_match, name));
}

void leveldb_filterpolicy_destroy(leveldb_filterpolicy_t* policy) {
  strata_filterpolicy_destroy(As<strata_filterpolicy_t>(policy));
}

leveldb_filterpolicy_t* leveldb_filterpolicy_create_bloom(int bits_per_key) {
  return As<leveldb_filterpolicy_t>(strata_filterpolicy_create_bloom(bits_per_key));
}

// ---------------------------------------------------------------------------
// Read and write options

leveldb_readoptions_t* leveldb_readoptions_create(void) {
  return As<leveldb_readoptions_t>(strata_readoptions_create());
}

void leveldb_readoptions_destroy(leveldb_readoptions_t* options) {
  strata_readoptions_destroy(As<strata_readoptions_t>(options));
}

void leveldb_readoptions_set_verify_checksums(leveldb_readoptions_t* options, uint8_t v) {
  strata_readoptions_set_verify_checksums(As<strata_readoptions_t>(options), v);
}

void leveldb_readoptions_set_fill_cache(leveldb_readoptions_t* options, uint8_t v) {
  strata_readoptions_set_fill_cache(As<strata_readoptions_t>(options), v);
}

void leveldb_readoptions_set_snapshot(leveldb_readoptions_t* options,
                                      const leveldb_snapshot_t* snapshot) {
  strata_readoptions_set_snapshot(As<strata_readoptions_t>(options),
                                  As<strata_snapshot_t>(snapshot));
}

leveldb_writeoptions_t* leveldb_writeoptions_create(void) {
  return As<leveldb_writeoptions_t>(strata_writeoptions_create());
}

void leveldb_writeoptions_destroy(leveldb_writeoptions_t* options) {
  strata_writeoptions_destroy(As<strata_writeoptions_t>(options));
}

void leveldb_writeoptions_set_sync(leveldb_writeoptions_t* options, uint8_t v) {
  strata_writeoptions_set_sync(As<strata_writeoptions_t>(options), v);
}

// ---------------------------------------------------------------------------
// Cache and env

leveldb_cache_t* leveldb_cache_create_lru(size_t capacity) {
  return new (std::nothrow) leveldb_cache_t{capacity};
}

void leveldb_cache_destroy(leveldb_cache_t* cache) { delete cache; }

leveldb_env_t* leveldb_create_default_env(void) { return new (std::nothrow) leveldb_env_t; }

void leveldb_env_destroy(leveldb_env_t* env) { delete env; }

// LevelDB's PosixEnv::GetTestDirectory: $TEST_TMPDIR, or
// /tmp/leveldbtest-<euid>, created if missing.
char* leveldb_env_get_test_directory(leveldb_env_t*) {
  const char* env = std::getenv("TEST_TMPDIR");
  std::string dir = env != nullptr && env[0] != '\0'
                        ? std::string(env)
                        : "/tmp/leveldbtest-" + std::to_string(static_cast<int>(geteuid()));
  ::mkdir(dir.c_str(), 0755);  // an existing directory is fine
  return strdup(dir.c_str());
}

// ---------------------------------------------------------------------------
// Utility

void leveldb_free(void* ptr) { std::free(ptr); }

// The LevelDB API version this library implements.
int leveldb_major_version(void) { return 1; }

int leveldb_minor_version(void) { return 23; }

}  // extern "C"
