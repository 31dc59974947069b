// The C API (include/strata/c.h): each opaque handle is a struct defined here
// around the C++ object it stands for, and each function converts its
// arguments, calls the C++ API and turns a non-OK Status into an errptr
// message.
//
// Invariants that keep every order of calls the header allows free of
// use-after-free:
//   1. A strata_t counts its live iterators and unreleased snapshots under its
//      mutex; strata_close refuses (and leaves everything as it was) while
//      either count is non-zero. An iterator decrements the count only after
//      its C++ iterator is destroyed, and a snapshot only after the engine has
//      released it, so a close that sees zero has nothing left pointing into
//      the DB.
//   2. Comparators, filter policies, compaction filters and snapshot handles
//      are reference
//      counted: the creator holds one reference, and every options object,
//      read options object and DB that points to one holds another. The
//      destructor callback of a comparator or policy runs when the last
//      reference goes, whatever the order of the destroy calls.
//   3. A released snapshot's handle outlives its release while read options
//      still name it; reads through those read options then fail with
//      InvalidArgument instead of using a freed snapshot.
//
// No C++ exception leaves a function here: the ones that take errptr catch
// and report; the ones that cannot report are noexcept (a failed allocation
// there terminates the process, as the header says).
//
// Thread-safety: as the header states per handle; the counts of invariant 1
// are guarded by strata_t::mu, reference counts are atomic.

#include "strata/c.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/cache.h"
#include "strata/compaction_filter.h"
#include "strata/comparator.h"
#include "strata/db.h"
#include "strata/filter_policy.h"
#include "strata/inspect.h"
#include "strata/options.h"
#include "util/mutex.h"
#include "util/thread_annotations.h"

using strata::Status;

namespace {

// An intrusive reference count. Unref deletes the object when the count
// reaches zero; acq_rel so the deleting thread sees every other thread's
// writes to the object.
template <typename T>
class RefCounted {
 public:
  void Ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Unref() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete static_cast<T*>(this);
  }

 private:
  std::atomic<int> refs_{1};
};

template <typename T>
void Ref(T* p) {
  if (p != nullptr) p->Ref();
}
template <typename T>
void Unref(T* p) {
  if (p != nullptr) p->Unref();
}

// Stores s's message in *errptr (freeing the one there) if s is an error.
// Returns whether it was one.
bool SaveError(char** errptr, const Status& s) {
  if (s.ok()) return false;
  if (errptr != nullptr) {
    std::free(*errptr);
    *errptr = strdup(s.ToString().c_str());
  }
  return true;
}

// Runs f, reporting an exception (only std::bad_alloc can come from the
// library's containers) through errptr.
template <typename F>
void Guarded(char** errptr, F&& f) {
  try {
    f();
  } catch (const std::bad_alloc&) {
    SaveError(errptr, Status::IOError("out of memory"));
  } catch (const std::exception& e) {
    SaveError(errptr, Status::IOError("unexpected error", e.what()));
  }
}

// A (pointer, length) argument; NULL is allowed for an empty one.
bool ToView(const char* p, size_t n, std::string_view* out) {
  if (p == nullptr && n != 0) return false;
  *out = p == nullptr ? std::string_view() : std::string_view(p, n);
  return true;
}

Status NullKey() { return Status::InvalidArgument("key or value is NULL with a non-zero length"); }

// A Comparator whose order comes from C callbacks.
class CallbackComparator final : public strata::Comparator {
 public:
  CallbackComparator(void* state, void (*destructor)(void*),
                     int (*compare)(void*, const char*, size_t, const char*, size_t),
                     const char* (*name)(void*))
      : state_(state), destructor_(destructor), compare_(compare), name_(name(state)) {}
  ~CallbackComparator() override {
    if (destructor_ != nullptr) destructor_(state_);
  }

  int Compare(std::string_view a, std::string_view b) const override {
    return compare_(state_, a.data(), a.size(), b.data(), b.size());
  }
  // The name is copied at creation: the engine asks for it from background
  // threads, and a binding's callback need not be reentrant for that.
  const char* Name() const override { return name_.c_str(); }
  // Leaving keys unchanged is always correct; the C API has no callbacks for
  // shortening them.
  void FindShortestSeparator(std::string*, std::string_view) const override {}
  void FindShortSuccessor(std::string*) const override {}

 private:
  void* const state_;
  void (*const destructor_)(void*);
  int (*const compare_)(void*, const char*, size_t, const char*, size_t);
  const std::string name_;
};

// A FilterPolicy whose filters come from C callbacks.
class CallbackFilterPolicy final : public strata::FilterPolicy {
 public:
  CallbackFilterPolicy(void* state, void (*destructor)(void*),
                       char* (*create_filter)(void*, const char* const*, const size_t*, int,
                                              size_t*),
                       uint8_t (*key_may_match)(void*, const char*, size_t, const char*, size_t),
                       const char* (*name)(void*))
      : state_(state),
        destructor_(destructor),
        create_filter_(create_filter),
        key_may_match_(key_may_match),
        name_(name(state)) {}
  ~CallbackFilterPolicy() override {
    if (destructor_ != nullptr) destructor_(state_);
  }

  const char* Name() const override { return name_.c_str(); }

  void CreateFilter(const std::string_view* keys, int n, std::string* dst) const override {
    std::vector<const char*> key_pointers(n);
    std::vector<size_t> key_sizes(n);
    for (int i = 0; i < n; i++) {
      key_pointers[i] = keys[i].data();
      key_sizes[i] = keys[i].size();
    }
    size_t length = 0;
    char* filter = create_filter_(state_, key_pointers.data(), key_sizes.data(), n, &length);
    if (filter == nullptr) return;  // an empty filter: KeyMayMatch decides what it means
    dst->append(filter, length);
    std::free(filter);
  }

  bool KeyMayMatch(std::string_view key, std::string_view filter) const override {
    return key_may_match_(state_, key.data(), key.size(), filter.data(), filter.size()) != 0;
  }

 private:
  void* const state_;
  void (*const destructor_)(void*);
  char* (*const create_filter_)(void*, const char* const*, const size_t*, int, size_t*);
  uint8_t (*const key_may_match_)(void*, const char*, size_t, const char*, size_t);
  const std::string name_;
};

}  // namespace

// A CompactionFilter whose decisions come from a C callback.
class CallbackCompactionFilter final : public strata::CompactionFilter {
 public:
  using FilterFn = uint8_t (*)(void*, int, const char*, size_t, const char*, size_t, char**,
                               size_t*, uint8_t*);
  CallbackCompactionFilter(void* state, void (*destructor)(void*), FilterFn filter,
                           const char* (*name)(void*))
      : state_(state), destructor_(destructor), filter_(filter), name_(name(state)) {}
  ~CallbackCompactionFilter() override {
    if (destructor_ != nullptr) destructor_(state_);
  }

  const char* Name() const override { return name_.c_str(); }
  Decision Filter(const Context& context, std::string_view key, std::string_view value,
                  std::string* new_value) const override {
    char* changed = nullptr;
    size_t changed_length = 0;
    uint8_t value_changed = 0;
    uint8_t remove = filter_(state_, context.level, key.data(), key.size(), value.data(),
                             value.size(), &changed, &changed_length, &value_changed);
    // Owned from here, whatever the decision, so it is freed exactly once.
    std::unique_ptr<char, decltype(&std::free)> owned(changed, &std::free);
    if (remove != 0) return Decision::kRemove;
    if (value_changed == 0) return Decision::kKeep;
    new_value->assign(changed == nullptr ? "" : changed, changed == nullptr ? 0 : changed_length);
    return Decision::kChangeValue;
  }

 private:
  void* const state_;
  void (*const destructor_)(void*);
  const FilterFn filter_;
  const std::string name_;
};

struct strata_comparator_t : RefCounted<strata_comparator_t> {
  std::unique_ptr<const strata::Comparator> rep;
};

struct strata_filterpolicy_t : RefCounted<strata_filterpolicy_t> {
  std::unique_ptr<const strata::FilterPolicy> rep;
};

struct strata_compactionfilter_t : RefCounted<strata_compactionfilter_t> {
  std::unique_ptr<const strata::CompactionFilter> rep;
};

struct strata_cache_t {
  std::shared_ptr<strata::Cache> rep;
};

struct strata_options_t {
  strata::Options rep;
  // Kept apart from rep.compression so that any int set can be reported as
  // invalid at open, not silently truncated to the enum's byte.
  int compression = strata::kLZ4Compression;
  // Likewise for rep.wal_recovery_mode.
  int wal_recovery_mode = static_cast<int>(strata::WALRecoveryMode::kTolerateCorruptedTailRecords);
  // A handle of rep.block_cache for strata_options_get_block_cache, or null.
  std::unique_ptr<strata_cache_t> block_cache;
  strata_comparator_t* comparator = nullptr;               // a reference held, or null
  strata_filterpolicy_t* filter_policy = nullptr;          // a reference held, or null
  strata_compactionfilter_t* compaction_filter = nullptr;  // a reference held, or null
  ~strata_options_t() {
    Unref(comparator);
    Unref(filter_policy);
    Unref(compaction_filter);
  }
};

struct strata_t {
  std::unique_ptr<strata::DB> rep;
  // References held for as long as the DB uses them.
  strata_comparator_t* comparator = nullptr;
  strata_filterpolicy_t* filter_policy = nullptr;
  strata_compactionfilter_t* compaction_filter = nullptr;

  strata::Mutex mu;
  int live_iterators GUARDED_BY(mu) = 0;
  int live_snapshots GUARDED_BY(mu) = 0;

  ~strata_t() {
    rep.reset();  // closes the DB, which may still call the comparator
    Unref(comparator);
    Unref(filter_policy);
    Unref(compaction_filter);
  }
};

struct strata_snapshot_t : RefCounted<strata_snapshot_t> {
  strata_t* db = nullptr;                 // valid until released (invariant 1)
  const strata::Snapshot* rep = nullptr;  // null once released
  std::atomic<bool> released{false};
};

struct strata_readoptions_t {
  strata::ReadOptions rep;
  strata_snapshot_t* snapshot = nullptr;  // a reference held, or null
  // The iterator bounds' keys (rep's bound pointers are set per iterator,
  // to the iterator's own copies).
  std::optional<std::string> lower_bound;
  std::optional<std::string> upper_bound;
  ~strata_readoptions_t() { Unref(snapshot); }
};

struct strata_writeoptions_t {
  strata::WriteOptions rep;
};

struct strata_iterator_t {
  strata_t* db = nullptr;
  // The bounds' keys and views the iterator reads through; declared before
  // rep so they outlive it.
  std::string lower_key, upper_key;
  std::string_view lower_view, upper_view;
  std::unique_ptr<strata::Iterator> rep;
};

struct strata_writebatch_t {
  strata::WriteBatch rep;
};

struct strata_value_t {
  std::string rep;
};

namespace {

Status CheckDB(const strata_t* db) {
  return db == nullptr ? Status::InvalidArgument("db is NULL") : Status::OK();
}

// The C++ read options of `options` (NULL: defaults) for a read of db.
Status ToReadOptions(const strata_t* db, const strata_readoptions_t* options,
                     strata::ReadOptions* out) {
  if (options == nullptr) return Status::OK();
  *out = options->rep;
  const strata_snapshot_t* snap = options->snapshot;
  if (snap == nullptr) return Status::OK();
  if (snap->released.load(std::memory_order_acquire)) {
    return Status::InvalidArgument("the read options' snapshot was released");
  }
  if (snap->db != db) return Status::InvalidArgument("the read options' snapshot is of another DB");
  out->snapshot = snap->rep;
  return Status::OK();
}

strata::WriteOptions ToWriteOptions(const strata_writeoptions_t* options) {
  return options == nullptr ? strata::WriteOptions() : options->rep;
}

// The C++ options of `options` (NULL: defaults), or the reason they are bad.
Status ToOptions(const strata_options_t* options, strata::Options* out) {
  if (options == nullptr) return Status::OK();
  *out = options->rep;
  if (options->compression < strata::kNoCompression ||
      options->compression > strata::kZstdCompression) {
    return Status::InvalidArgument("unknown compression type " +
                                   std::to_string(options->compression));
  }
  out->compression = static_cast<strata::CompressionType>(options->compression);
  if (options->wal_recovery_mode < 0 || options->wal_recovery_mode > 3) {
    return Status::InvalidArgument("unknown WAL recovery mode " +
                                   std::to_string(options->wal_recovery_mode));
  }
  out->wal_recovery_mode = static_cast<strata::WALRecoveryMode>(options->wal_recovery_mode);
  return Status::OK();
}

// Copies value into a malloc'd buffer (with a NUL after it, for callers that
// print it). nullptr if out of memory.
char* CopyToMalloc(std::string_view value) {
  char* result = static_cast<char*>(std::malloc(value.size() + 1));
  if (result == nullptr) return nullptr;
  if (!value.empty()) std::memcpy(result, value.data(), value.size());
  result[value.size()] = '\0';
  return result;
}

// Looks key up; *found is false for an absent key (not an error).
Status GetInto(strata_t* db, const strata_readoptions_t* options, const char* key, size_t keylen,
               std::string* value, bool* found) {
  *found = false;
  Status s = CheckDB(db);
  if (!s.ok()) return s;
  std::string_view k;
  if (!ToView(key, keylen, &k)) return NullKey();
  strata::ReadOptions ropts;
  s = ToReadOptions(db, options, &ropts);
  if (!s.ok()) return s;
  s = db->rep->Get(ropts, k, value);
  if (s.IsNotFound()) return Status::OK();
  *found = s.ok();
  return s;
}

}  // namespace

extern "C" {

// ---------------------------------------------------------------------------
// Opening and closing

namespace {

using OpenFunction = Status (*)(const strata::Options&, const std::string&,
                                std::unique_ptr<strata::DB>*);

strata_t* OpenWith(OpenFunction open, const strata_options_t* options, const char* name,
                   char** errptr) {
  strata_t* result = nullptr;
  Guarded(errptr, [&] {
    if (name == nullptr) {
      SaveError(errptr, Status::InvalidArgument("name is NULL"));
      return;
    }
    strata::Options opts;
    if (SaveError(errptr, ToOptions(options, &opts))) return;
    auto db = std::make_unique<strata_t>();
    if (options != nullptr) {
      db->comparator = options->comparator;
      db->filter_policy = options->filter_policy;
      db->compaction_filter = options->compaction_filter;
      Ref(db->comparator);
      Ref(db->filter_policy);
      Ref(db->compaction_filter);
    }
    if (SaveError(errptr, open(opts, name, &db->rep))) return;
    result = db.release();
  });
  return result;
}

}  // namespace

strata_t* strata_open(const strata_options_t* options, const char* name, char** errptr) {
  return OpenWith(&strata::DB::Open, options, name, errptr);
}

strata_t* strata_open_for_read_only(const strata_options_t* options, const char* name,
                                    char** errptr) {
  return OpenWith(&strata::DB::OpenReadOnly, options, name, errptr);
}

void strata_close(strata_t* db, char** errptr) {
  if (db == nullptr) return;
  {
    strata::MutexLock lock(&db->mu);
    if (db->live_iterators > 0 || db->live_snapshots > 0) {
      SaveError(errptr,
                Status::InvalidArgument(
                    "strata_close: the DB still has " + std::to_string(db->live_iterators) +
                        " iterator(s) and " + std::to_string(db->live_snapshots) + " snapshot(s)",
                    "destroy and release them first; the DB stays open"));
      return;
    }
  }
  delete db;
}

// ---------------------------------------------------------------------------
// Writes

void strata_put(strata_t* db, const strata_writeoptions_t* options, const char* key, size_t keylen,
                const char* val, size_t vallen, char** errptr) {
  Guarded(errptr, [&] {
    std::string_view k, v;
    if (SaveError(errptr, CheckDB(db))) return;
    if (!ToView(key, keylen, &k) || !ToView(val, vallen, &v)) {
      SaveError(errptr, NullKey());
      return;
    }
    SaveError(errptr, db->rep->Put(ToWriteOptions(options), k, v));
  });
}

void strata_delete(strata_t* db, const strata_writeoptions_t* options, const char* key,
                   size_t keylen, char** errptr) {
  Guarded(errptr, [&] {
    std::string_view k;
    if (SaveError(errptr, CheckDB(db))) return;
    if (!ToView(key, keylen, &k)) {
      SaveError(errptr, NullKey());
      return;
    }
    SaveError(errptr, db->rep->Delete(ToWriteOptions(options), k));
  });
}

void strata_write(strata_t* db, const strata_writeoptions_t* options, strata_writebatch_t* batch,
                  char** errptr) {
  Guarded(errptr, [&] {
    if (SaveError(errptr, CheckDB(db))) return;
    if (batch == nullptr) {
      SaveError(errptr, Status::InvalidArgument("batch is NULL"));
      return;
    }
    SaveError(errptr, db->rep->Write(ToWriteOptions(options), &batch->rep));
  });
}

// ---------------------------------------------------------------------------
// Reads

char* strata_get(strata_t* db, const strata_readoptions_t* options, const char* key, size_t keylen,
                 size_t* vallen, char** errptr) {
  char* result = nullptr;
  Guarded(errptr, [&] {
    std::string value;
    bool found;
    if (SaveError(errptr, GetInto(db, options, key, keylen, &value, &found)) || !found) {
      if (vallen != nullptr) *vallen = 0;
      return;
    }
    result = CopyToMalloc(value);
    if (result == nullptr) {
      SaveError(errptr, Status::IOError("out of memory"));
      return;
    }
    if (vallen != nullptr) *vallen = value.size();
  });
  return result;
}

strata_value_t* strata_get_value(strata_t* db, const strata_readoptions_t* options, const char* key,
                                 size_t keylen, char** errptr) {
  strata_value_t* result = nullptr;
  Guarded(errptr, [&] {
    auto value = std::make_unique<strata_value_t>();
    bool found;
    if (SaveError(errptr, GetInto(db, options, key, keylen, &value->rep, &found)) || !found) {
      return;
    }
    result = value.release();
  });
  return result;
}

const char* strata_value_data(const strata_value_t* value) { return value->rep.data(); }

size_t strata_value_size(const strata_value_t* value) { return value->rep.size(); }

void strata_value_destroy(strata_value_t* value) { delete value; }

uint8_t strata_get_into(strata_t* db, const strata_readoptions_t* options, const char* key,
                        size_t keylen, char* buf, size_t buflen, size_t* vallen, char** errptr) {
  uint8_t found_result = 0;
  Guarded(errptr, [&] {
    if (buf == nullptr && buflen != 0) {
      SaveError(errptr, Status::InvalidArgument("buf is NULL with a non-zero buflen"));
      return;
    }
    std::string value;
    bool found;
    if (vallen != nullptr) *vallen = 0;
    if (SaveError(errptr, GetInto(db, options, key, keylen, &value, &found)) || !found) return;
    if (vallen != nullptr) *vallen = value.size();
    if (value.size() <= buflen && !value.empty()) std::memcpy(buf, value.data(), value.size());
    found_result = 1;
  });
  return found_result;
}

// ---------------------------------------------------------------------------
// Iterators

strata_iterator_t* strata_create_iterator(strata_t* db, const strata_readoptions_t* options,
                                          char** errptr) {
  strata_iterator_t* result = nullptr;
  Guarded(errptr, [&] {
    if (SaveError(errptr, CheckDB(db))) return;
    strata::ReadOptions ropts;
    if (SaveError(errptr, ToReadOptions(db, options, &ropts))) return;
    auto iter = std::make_unique<strata_iterator_t>();
    iter->db = db;
    if (options != nullptr && options->lower_bound) {
      iter->lower_key = *options->lower_bound;
      iter->lower_view = iter->lower_key;
      ropts.iterate_lower_bound = &iter->lower_view;
    }
    if (options != nullptr && options->upper_bound) {
      iter->upper_key = *options->upper_bound;
      iter->upper_view = iter->upper_key;
      ropts.iterate_upper_bound = &iter->upper_view;
    }
    iter->rep = db->rep->NewIterator(ropts);
    strata::MutexLock lock(&db->mu);
    db->live_iterators++;
    result = iter.release();
  });
  return result;
}

void strata_iter_destroy(strata_iterator_t* iter) {
  if (iter == nullptr) return;
  strata_t* db = iter->db;
  iter->rep.reset();  // before the count drops: a close may follow at once
  delete iter;
  strata::MutexLock lock(&db->mu);
  db->live_iterators--;
}

uint8_t strata_iter_valid(const strata_iterator_t* iter) { return iter->rep->Valid() ? 1 : 0; }

void strata_iter_seek_to_first(strata_iterator_t* iter) { iter->rep->SeekToFirst(); }

void strata_iter_seek_to_last(strata_iterator_t* iter) { iter->rep->SeekToLast(); }

void strata_iter_seek(strata_iterator_t* iter, const char* k, size_t klen) {
  std::string_view target;
  if (!ToView(k, klen, &target)) target = std::string_view();
  iter->rep->Seek(target);
}

void strata_iter_next(strata_iterator_t* iter) {
  if (iter->rep->Valid()) iter->rep->Next();
}

void strata_iter_prev(strata_iterator_t* iter) {
  if (iter->rep->Valid()) iter->rep->Prev();
}

const char* strata_iter_key(const strata_iterator_t* iter, size_t* klen) {
  if (!iter->rep->Valid()) {
    if (klen != nullptr) *klen = 0;
    return nullptr;
  }
  std::string_view key = iter->rep->key();
  if (klen != nullptr) *klen = key.size();
  return key.data();
}

const char* strata_iter_value(const strata_iterator_t* iter, size_t* vlen) {
  if (!iter->rep->Valid()) {
    if (vlen != nullptr) *vlen = 0;
    return nullptr;
  }
  std::string_view value = iter->rep->value();
  if (vlen != nullptr) *vlen = value.size();
  return value.data();
}

void strata_iter_get_error(const strata_iterator_t* iter, char** errptr) {
  Guarded(errptr, [&] { SaveError(errptr, iter->rep->status()); });
}

// ---------------------------------------------------------------------------
// Snapshots

const strata_snapshot_t* strata_create_snapshot(strata_t* db) {
  if (db == nullptr) return nullptr;
  auto* snap = new (std::nothrow) strata_snapshot_t;
  if (snap == nullptr) return nullptr;
  snap->db = db;
  {
    // Counted first: a snapshot must never exist uncounted (invariant 1).
    strata::MutexLock lock(&db->mu);
    db->live_snapshots++;
  }
  try {
    snap->rep = db->rep->GetSnapshot();
  } catch (const std::exception&) {
    strata::MutexLock lock(&db->mu);
    db->live_snapshots--;
    snap->Unref();
    return nullptr;
  }
  return snap;
}

void strata_release_snapshot(strata_t* /*db*/, const strata_snapshot_t* snapshot) {
  if (snapshot == nullptr) return;
  auto* snap = const_cast<strata_snapshot_t*>(snapshot);
  if (snap->released.exchange(true, std::memory_order_acq_rel)) return;
  // The snapshot's own DB, whatever the caller passed: releasing it from
  // another DB would corrupt that DB's snapshot list.
  strata_t* db = snap->db;
  db->rep->ReleaseSnapshot(snap->rep);
  snap->rep = nullptr;
  {
    strata::MutexLock lock(&db->mu);
    db->live_snapshots--;
  }
  snap->Unref();
}

// ---------------------------------------------------------------------------
// Maintenance

char* strata_property_value(strata_t* db, const char* propname) {
  if (db == nullptr || propname == nullptr) return nullptr;
  try {
    std::string value;
    if (!db->rep->GetProperty(propname, &value)) return nullptr;
    return CopyToMalloc(value);
  } catch (const std::exception&) {
    return nullptr;
  }
}

void strata_approximate_sizes(strata_t* db, int num_ranges, const char* const* range_start_key,
                              const size_t* range_start_key_len, const char* const* range_limit_key,
                              const size_t* range_limit_key_len, uint8_t include_memtables,
                              uint64_t* sizes, char** errptr) {
  Guarded(errptr, [&] {
    if (SaveError(errptr, CheckDB(db))) return;
    if (num_ranges < 0) {
      SaveError(errptr, Status::InvalidArgument("num_ranges is negative"));
      return;
    }
    std::vector<strata::Range> ranges(num_ranges);
    for (int i = 0; i < num_ranges; i++) {
      if (!ToView(range_start_key[i], range_start_key_len[i], &ranges[i].start) ||
          !ToView(range_limit_key[i], range_limit_key_len[i], &ranges[i].limit)) {
        SaveError(errptr, NullKey());
        return;
      }
    }
    SaveError(errptr, db->rep->GetApproximateSizes(ranges.data(), num_ranges,
                                                   include_memtables != 0, sizes));
  });
}

void strata_flush(strata_t* db, char** errptr) {
  Guarded(errptr, [&] {
    if (SaveError(errptr, CheckDB(db))) return;
    SaveError(errptr, db->rep->Flush());
  });
}

void strata_compact_range(strata_t* db, const char* start_key, size_t start_key_len,
                          const char* limit_key, size_t limit_key_len, char** errptr) {
  Guarded(errptr, [&] {
    if (SaveError(errptr, CheckDB(db))) return;
    std::string_view start(start_key == nullptr ? "" : start_key,
                           start_key == nullptr ? 0 : start_key_len);
    std::string_view limit(limit_key == nullptr ? "" : limit_key,
                           limit_key == nullptr ? 0 : limit_key_len);
    SaveError(errptr, db->rep->CompactRange(start_key == nullptr ? nullptr : &start,
                                            limit_key == nullptr ? nullptr : &limit));
  });
}

void strata_create_checkpoint(strata_t* db, const char* dir, char** errptr) {
  Guarded(errptr, [&] {
    if (SaveError(errptr, CheckDB(db))) return;
    if (dir == nullptr) {
      SaveError(errptr, Status::InvalidArgument("dir is NULL"));
      return;
    }
    SaveError(errptr, db->rep->CreateCheckpoint(dir));
  });
}

void strata_resume(strata_t* db, char** errptr) {
  Guarded(errptr, [&] {
    if (SaveError(errptr, CheckDB(db))) return;
    SaveError(errptr, db->rep->Resume());
  });
}

void strata_repair_db(const strata_options_t* options, const char* name, char** errptr) {
  Guarded(errptr, [&] {
    if (name == nullptr) {
      SaveError(errptr, Status::InvalidArgument("name is NULL"));
      return;
    }
    strata::Options opts;
    if (SaveError(errptr, ToOptions(options, &opts))) return;
    strata::RepairReport report;
    SaveError(errptr, strata::RepairDB(name, opts, &report));
  });
}

void strata_destroy_db(const strata_options_t* options, const char* name, char** errptr) {
  Guarded(errptr, [&] {
    if (name == nullptr) {
      SaveError(errptr, Status::InvalidArgument("name is NULL"));
      return;
    }
    strata::Options opts;
    if (SaveError(errptr, ToOptions(options, &opts))) return;
    SaveError(errptr, strata::DestroyDB(name, opts));
  });
}

// ---------------------------------------------------------------------------
// Write batches

strata_writebatch_t* strata_writebatch_create(void) {
  return new (std::nothrow) strata_writebatch_t;
}

void strata_writebatch_destroy(strata_writebatch_t* batch) { delete batch; }

void strata_writebatch_clear(strata_writebatch_t* batch) { batch->rep.Clear(); }

void strata_writebatch_put(strata_writebatch_t* batch, const char* key, size_t klen,
                           const char* val, size_t vlen) {
  // noexcept: out of memory here terminates (the header says so), rather
  // than unwinding through C frames.
  [&]() noexcept {
    batch->rep.Put(std::string_view(key == nullptr ? "" : key, key == nullptr ? 0 : klen),
                   std::string_view(val == nullptr ? "" : val, val == nullptr ? 0 : vlen));
  }();
}

void strata_writebatch_delete(strata_writebatch_t* batch, const char* key, size_t klen) {
  [&]() noexcept {
    batch->rep.Delete(std::string_view(key == nullptr ? "" : key, key == nullptr ? 0 : klen));
  }();
}

uint32_t strata_writebatch_count(const strata_writebatch_t* batch) { return batch->rep.Count(); }

void strata_writebatch_append(strata_writebatch_t* destination, const strata_writebatch_t* source) {
  [&]() noexcept { destination->rep.Append(source->rep); }();
}

void strata_writebatch_iterate(const strata_writebatch_t* batch, void* state,
                               void (*put)(void*, const char*, size_t, const char*, size_t),
                               void (*deleted)(void*, const char*, size_t)) {
  class CallbackHandler final : public strata::WriteBatch::Handler {
   public:
    CallbackHandler(void* state, void (*put)(void*, const char*, size_t, const char*, size_t),
                    void (*deleted)(void*, const char*, size_t))
        : state_(state), put_(put), deleted_(deleted) {}
    void Put(std::string_view key, std::string_view value) override {
      if (put_ != nullptr) put_(state_, key.data(), key.size(), value.data(), value.size());
    }
    void Delete(std::string_view key) override {
      if (deleted_ != nullptr) deleted_(state_, key.data(), key.size());
    }

   private:
    void* const state_;
    void (*const put_)(void*, const char*, size_t, const char*, size_t);
    void (*const deleted_)(void*, const char*, size_t);
  };
  CallbackHandler handler(state, put, deleted);
  // A batch built through this API always decodes; Iterate's Corruption is
  // for batches decoded from bytes, which the C API cannot make.
  [&]() noexcept { (void)batch->rep.Iterate(&handler); }();
}

// ---------------------------------------------------------------------------
// Options

strata_options_t* strata_options_create(void) { return new (std::nothrow) strata_options_t; }

void strata_options_destroy(strata_options_t* options) { delete options; }

#define STRATA_C_OPTION(field, ctype, cpptype)                    \
  void strata_options_set_##field(strata_options_t* o, ctype v) { \
    o->rep.field = static_cast<cpptype>(v);                       \
  }                                                               \
  ctype strata_options_get_##field(const strata_options_t* o) {   \
    return static_cast<ctype>(o->rep.field);                      \
  }

STRATA_C_OPTION(create_if_missing, uint8_t, bool)
STRATA_C_OPTION(error_if_exists, uint8_t, bool)
STRATA_C_OPTION(paranoid_checks, uint8_t, bool)
STRATA_C_OPTION(write_buffer_size, size_t, size_t)
STRATA_C_OPTION(max_write_buffer_number, int, int)
STRATA_C_OPTION(block_size, size_t, size_t)
STRATA_C_OPTION(block_restart_interval, int, int)
STRATA_C_OPTION(bloom_bits_per_key, int, int)
STRATA_C_OPTION(block_cache_size, size_t, size_t)
STRATA_C_OPTION(max_open_files, int, int)
STRATA_C_OPTION(l0_compaction_trigger, int, int)
STRATA_C_OPTION(l0_slowdown_writes_trigger, int, int)
STRATA_C_OPTION(l0_stop_writes_trigger, int, int)
STRATA_C_OPTION(soft_pending_compaction_bytes, uint64_t, uint64_t)
STRATA_C_OPTION(hard_pending_compaction_bytes, uint64_t, uint64_t)
STRATA_C_OPTION(target_file_size, uint64_t, uint64_t)
STRATA_C_OPTION(max_bytes_for_level_base, uint64_t, uint64_t)
STRATA_C_OPTION(max_background_jobs, int, int)
STRATA_C_OPTION(compaction_nice, int, int)

#undef STRATA_C_OPTION

void strata_options_set_comparator(strata_options_t* o, strata_comparator_t* c) {
  Ref(c);
  Unref(o->comparator);
  o->comparator = c;
  o->rep.comparator = c == nullptr ? strata::BytewiseComparator() : c->rep.get();
}

strata_comparator_t* strata_options_get_comparator(const strata_options_t* o) {
  return o->comparator;
}

void strata_options_set_filter_policy(strata_options_t* o, strata_filterpolicy_t* p) {
  Ref(p);
  Unref(o->filter_policy);
  o->filter_policy = p;
  o->rep.filter_policy = p == nullptr ? nullptr : p->rep.get();
}

strata_filterpolicy_t* strata_options_get_filter_policy(const strata_options_t* o) {
  return o->filter_policy;
}

void strata_options_set_compaction_filter(strata_options_t* o, strata_compactionfilter_t* f) {
  Ref(f);
  Unref(o->compaction_filter);
  o->compaction_filter = f;
  o->rep.compaction_filter = f == nullptr ? nullptr : f->rep.get();
}

strata_compactionfilter_t* strata_options_get_compaction_filter(const strata_options_t* o) {
  return o->compaction_filter;
}

void strata_options_set_compaction_filter_at_flush(strata_options_t* o, uint8_t v) {
  o->rep.compaction_filter_at_flush = v != 0;
}

uint8_t strata_options_get_compaction_filter_at_flush(const strata_options_t* o) {
  return o->rep.compaction_filter_at_flush ? 1 : 0;
}

void strata_options_set_compression(strata_options_t* o, int v) { o->compression = v; }

int strata_options_get_compression(const strata_options_t* o) { return o->compression; }

void strata_options_set_memory_budget(strata_options_t* o, size_t v) { o->rep.memory_budget = v; }

size_t strata_options_get_memory_budget(const strata_options_t* o) { return o->rep.memory_budget; }

void strata_options_set_wal_recovery_mode(strata_options_t* o, int v) { o->wal_recovery_mode = v; }

int strata_options_get_wal_recovery_mode(const strata_options_t* o) { return o->wal_recovery_mode; }

void strata_options_set_block_cache(strata_options_t* o, strata_cache_t* cache) {
  o->block_cache.reset();
  o->rep.block_cache = nullptr;
  if (cache == nullptr) return;
  o->block_cache = std::make_unique<strata_cache_t>(strata_cache_t{cache->rep});
  o->rep.block_cache = cache->rep;
}

strata_cache_t* strata_options_get_block_cache(const strata_options_t* o) {
  return o->block_cache.get();
}

// ---------------------------------------------------------------------------
// Block caches

strata_cache_t* strata_cache_create_lru(size_t capacity) {
  try {
    return new strata_cache_t{strata::NewLRUCache(capacity)};
  } catch (...) {
    return nullptr;
  }
}

void strata_cache_destroy(strata_cache_t* cache) { delete cache; }

size_t strata_cache_get_capacity(const strata_cache_t* cache) { return cache->rep->capacity(); }

size_t strata_cache_get_usage(const strata_cache_t* cache) { return cache->rep->usage(); }

// ---------------------------------------------------------------------------
// Read and write options

strata_readoptions_t* strata_readoptions_create(void) {
  return new (std::nothrow) strata_readoptions_t;
}

void strata_readoptions_destroy(strata_readoptions_t* o) { delete o; }

void strata_readoptions_set_verify_checksums(strata_readoptions_t* o, uint8_t v) {
  o->rep.verify_checksums = v != 0;
}

uint8_t strata_readoptions_get_verify_checksums(const strata_readoptions_t* o) {
  return o->rep.verify_checksums ? 1 : 0;
}

void strata_readoptions_set_fill_cache(strata_readoptions_t* o, uint8_t v) {
  o->rep.fill_cache = v != 0;
}

uint8_t strata_readoptions_get_fill_cache(const strata_readoptions_t* o) {
  return o->rep.fill_cache ? 1 : 0;
}

void strata_readoptions_set_snapshot(strata_readoptions_t* o, const strata_snapshot_t* snapshot) {
  auto* snap = const_cast<strata_snapshot_t*>(snapshot);
  Ref(snap);
  Unref(o->snapshot);
  o->snapshot = snap;
}

const strata_snapshot_t* strata_readoptions_get_snapshot(const strata_readoptions_t* o) {
  return o->snapshot;
}

namespace {

void SetBound(std::optional<std::string>* bound, const char* key, size_t keylen) {
  if (key == nullptr) {
    bound->reset();
  } else {
    bound->emplace(key, keylen);
  }
}

const char* GetBound(const std::optional<std::string>& bound, size_t* keylen) {
  if (keylen != nullptr) *keylen = bound ? bound->size() : 0;
  return bound ? bound->data() : nullptr;
}

}  // namespace

void strata_readoptions_set_iterate_lower_bound(strata_readoptions_t* o, const char* key,
                                                size_t keylen) {
  SetBound(&o->lower_bound, key, keylen);
}

void strata_readoptions_set_iterate_upper_bound(strata_readoptions_t* o, const char* key,
                                                size_t keylen) {
  SetBound(&o->upper_bound, key, keylen);
}

const char* strata_readoptions_get_iterate_lower_bound(const strata_readoptions_t* o,
                                                       size_t* keylen) {
  return GetBound(o->lower_bound, keylen);
}

const char* strata_readoptions_get_iterate_upper_bound(const strata_readoptions_t* o,
                                                       size_t* keylen) {
  return GetBound(o->upper_bound, keylen);
}

strata_writeoptions_t* strata_writeoptions_create(void) {
  return new (std::nothrow) strata_writeoptions_t;
}

void strata_writeoptions_destroy(strata_writeoptions_t* o) { delete o; }

void strata_writeoptions_set_sync(strata_writeoptions_t* o, uint8_t v) { o->rep.sync = v != 0; }

uint8_t strata_writeoptions_get_sync(const strata_writeoptions_t* o) { return o->rep.sync ? 1 : 0; }

// ---------------------------------------------------------------------------
// Comparators and filter policies

strata_comparator_t* strata_comparator_create(void* state, void (*destructor)(void*),
                                              int (*compare)(void*, const char*, size_t,
                                                             const char*, size_t),
                                              const char* (*name)(void*)) {
  if (compare == nullptr || name == nullptr) return nullptr;
  try {
    auto c = std::make_unique<strata_comparator_t>();
    c->rep = std::make_unique<CallbackComparator>(state, destructor, compare, name);
    return c.release();
  } catch (const std::exception&) {
    return nullptr;
  }
}

void strata_comparator_destroy(strata_comparator_t* comparator) { Unref(comparator); }

strata_compactionfilter_t* strata_compactionfilter_create(void* state, void (*destructor)(void*),
                                                          uint8_t (*filter)(void*, int, const char*,
                                                                            size_t, const char*,
                                                                            size_t, char**, size_t*,
                                                                            uint8_t*),
                                                          const char* (*name)(void*)) {
  if (filter == nullptr || name == nullptr) return nullptr;
  try {
    auto f = std::make_unique<strata_compactionfilter_t>();
    f->rep = std::make_unique<CallbackCompactionFilter>(state, destructor, filter, name);
    return f.release();
  } catch (const std::exception&) {
    return nullptr;
  }
}

void strata_compactionfilter_destroy(strata_compactionfilter_t* filter) { Unref(filter); }

strata_filterpolicy_t* strata_filterpolicy_create(
    void* state, void (*destructor)(void*),
    char* (*create_filter)(void*, const char* const*, const size_t*, int, size_t*),
    uint8_t (*key_may_match)(void*, const char*, size_t, const char*, size_t),
    const char* (*name)(void*)) {
  if (create_filter == nullptr || key_may_match == nullptr || name == nullptr) return nullptr;
  try {
    auto p = std::make_unique<strata_filterpolicy_t>();
    p->rep = std::make_unique<CallbackFilterPolicy>(state, destructor, create_filter, key_may_match,
                                                    name);
    return p.release();
  } catch (const std::exception&) {
    return nullptr;
  }
}

strata_filterpolicy_t* strata_filterpolicy_create_bloom(int bits_per_key) {
  try {
    auto p = std::make_unique<strata_filterpolicy_t>();
    p->rep.reset(strata::NewBloomFilterPolicy(bits_per_key));
    return p.release();
  } catch (const std::exception&) {
    return nullptr;
  }
}

void strata_filterpolicy_destroy(strata_filterpolicy_t* policy) { Unref(policy); }

// ---------------------------------------------------------------------------
// Utilities

void strata_free(void* ptr) { std::free(ptr); }

int strata_major_version(void) { return STRATA_VERSION_MAJOR; }

int strata_minor_version(void) { return STRATA_VERSION_MINOR; }

int strata_patch_version(void) { return STRATA_VERSION_PATCH; }

}  // extern "C"
