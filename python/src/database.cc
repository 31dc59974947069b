// Database, WriteBatch and Snapshot (see objects.h): stratadb.DB's calls,
// each one engine call under a lease with the GIL released.

#include <utility>
#include <vector>

#include "objects.h"
#include "strata/cache.h"

namespace stratadb_py {

namespace {

template <typename T>
T Positive(int64_t value, int64_t max, const char* name) {
  if (value <= 0 || value > max) {
    RaiseInvalidArgument(std::string(name) + " must be between 1 and " + std::to_string(max) +
                         ", not " + std::to_string(value));
  }
  return static_cast<T>(value);
}

strata::CompressionType ParseCompression(const py::object& compression) {
  if (compression.is_none()) return strata::kNoCompression;
  std::string name;
  if (py::isinstance<py::str>(compression)) {
    name = compression.cast<std::string>();
  } else if (py::isinstance<py::bytes>(compression)) {
    name = compression.cast<std::string>();
  } else {
    throw py::type_error("compression must be None or a str");
  }
  if (name == "none") return strata::kNoCompression;
  if (name == "snappy") return strata::kSnappyCompression;
  if (name == "lz4") return strata::kLZ4Compression;
  if (name == "zstd") return strata::kZstdCompression;
  RaiseInvalidArgument("compression must be None, 'none', 'snappy', 'lz4' or 'zstd', not '" + name +
                       "'");
}

strata::ReadOptions MakeReadOptions(const ReadArgs& read) {
  strata::ReadOptions options;
  options.verify_checksums = read.verify_checksums;
  options.fill_cache = read.fill_cache;
  return options;
}

}  // namespace

// ---------------------------------------------------------------------------
// Database

Database::Database(py::object path, bool create_if_missing, bool error_if_exists,
                   bool paranoid_checks, std::optional<int64_t> write_buffer_size,
                   std::optional<int64_t> max_open_files, std::optional<int64_t> lru_cache_size,
                   std::optional<int64_t> block_size, std::optional<int64_t> block_restart_interval,
                   py::object compression, int bloom_filter_bits, bool read_only)
    : name_(path) {
  const std::string fs_path = PathArg(path);
  constexpr int64_t kMaxInt = 0x7fffffff;
  constexpr int64_t kMaxSize = int64_t{1} << 48;
  strata::Options options;
  options.create_if_missing = create_if_missing;
  options.error_if_exists = error_if_exists;
  options.paranoid_checks = paranoid_checks;
  if (write_buffer_size) {
    options.write_buffer_size = Positive<size_t>(*write_buffer_size, kMaxSize, "write_buffer_size");
  }
  if (max_open_files) {
    options.max_open_files = Positive<int>(*max_open_files, kMaxInt, "max_open_files");
  }
  if (lru_cache_size) {
    options.block_cache_size = Positive<size_t>(*lru_cache_size, kMaxSize, "lru_cache_size");
  }
  if (block_size) options.block_size = Positive<size_t>(*block_size, kMaxSize, "block_size");
  if (block_restart_interval) {
    options.block_restart_interval =
        Positive<int>(*block_restart_interval, kMaxInt, "block_restart_interval");
  }
  options.compression = ParseCompression(compression);
  if (bloom_filter_bits < 0) {
    RaiseInvalidArgument("bloom_filter_bits must be >= 0 (0: no bloom filter), not " +
                         std::to_string(bloom_filter_bits));
  }
  options.bloom_bits_per_key = bloom_filter_bits;

  std::unique_ptr<strata::DB> db;
  strata::Status status;
  {
    py::gil_scoped_release nogil;
    status = read_only ? strata::DB::OpenReadOnly(options, fs_path, &db)
                       : strata::DB::Open(options, fs_path, &db);
  }
  ThrowIfError(status);
  handle_ = std::make_shared<DbHandle>(std::move(db), read_only);
}

py::object Database::Get(py::handle key, py::object default_value, bool verify_checksums,
                         bool fill_cache) {
  const ReadArgs read{verify_checksums, fill_cache};
  const std::string k = BytesArg(key, "key");
  std::string value;
  strata::Status status =
      RunOnDb(*handle_, [&](strata::DB* db) { return db->Get(MakeReadOptions(read), k, &value); });
  if (status.IsNotFound()) return default_value;
  ThrowIfError(status);
  return py::bytes(value);
}

void Database::Put(py::handle key, py::handle value, bool sync) {
  const std::string k = BytesArg(key, "key");
  const std::string v = BytesArg(value, "value");
  strata::WriteOptions options;
  options.sync = sync;
  ThrowIfError(RunOnDb(*handle_, [&](strata::DB* db) { return db->Put(options, k, v); }));
}

void Database::Delete(py::handle key, bool sync) {
  const std::string k = BytesArg(key, "key");
  strata::WriteOptions options;
  options.sync = sync;
  ThrowIfError(RunOnDb(*handle_, [&](strata::DB* db) { return db->Delete(options, k); }));
}

void Database::DeleteRange(py::handle start, py::handle stop, bool sync) {
  const std::string begin = BytesArg(start, "start");
  const std::string end = BytesArg(stop, "stop");
  strata::WriteOptions options;
  options.sync = sync;
  ThrowIfError(
      RunOnDb(*handle_, [&](strata::DB* db) { return db->DeleteRange(options, begin, end); }));
}

py::object Database::GetProperty(py::handle name) {
  std::string property;
  if (py::isinstance<py::str>(name)) {
    property = name.cast<std::string>();
  } else {
    property = BytesArg(name, "name");
  }
  std::string value;
  bool found = false;
  ThrowIfError(RunOnDb(*handle_, [&](strata::DB* db) {
    found = db->GetProperty(property, &value);
    return strata::Status::OK();
  }));
  if (!found) return py::none();
  return py::bytes(value);
}

void Database::CompactRange(py::handle start, py::handle stop) {
  const std::optional<std::string> begin = OptionalBytesArg(start, "start");
  const std::optional<std::string> end = OptionalBytesArg(stop, "stop");
  ThrowIfError(RunOnDb(*handle_, [&](strata::DB* db) {
    std::string_view begin_view = begin ? std::string_view(*begin) : std::string_view();
    std::string_view end_view = end ? std::string_view(*end) : std::string_view();
    return db->CompactRange(begin ? &begin_view : nullptr, end ? &end_view : nullptr);
  }));
}

void Database::Flush() {
  ThrowIfError(RunOnDb(*handle_, [](strata::DB* db) { return db->Flush(); }));
}

py::list Database::ApproximateSizes(const py::tuple& ranges) {
  std::vector<std::pair<std::string, std::string>> keys;
  keys.reserve(ranges.size());
  for (py::handle range : ranges) {
    if (!py::isinstance<py::tuple>(range) || py::len(range) != 2) {
      throw py::type_error("each range must be a (start, stop) tuple");
    }
    py::tuple pair = py::reinterpret_borrow<py::tuple>(range);
    keys.emplace_back(BytesArg(pair[0], "start"), BytesArg(pair[1], "stop"));
  }
  std::vector<strata::Range> engine_ranges;
  engine_ranges.reserve(keys.size());
  for (const auto& [start, stop] : keys) engine_ranges.push_back(strata::Range{start, stop});
  std::vector<uint64_t> sizes(keys.size());
  ThrowIfError(RunOnDb(*handle_, [&](strata::DB* db) {
    return db->GetApproximateSizes(engine_ranges.data(), static_cast<int>(engine_ranges.size()),
                                   sizes.data());
  }));
  py::list out;
  for (uint64_t size : sizes) out.append(py::int_(size));
  return out;
}

void Database::CreateCheckpoint(py::object path) {
  const std::string dir = PathArg(path);
  ThrowIfError(RunOnDb(*handle_, [&](strata::DB* db) { return db->CreateCheckpoint(dir); }));
}

void Database::Close() {
  py::gil_scoped_release nogil;
  handle_->Close();
}

// ---------------------------------------------------------------------------
// WriteBatch

WriteBatch::WriteBatch(std::shared_ptr<DbHandle> handle, std::string db_prefix, bool transaction,
                       bool sync)
    : handle_(std::move(handle)),
      db_prefix_(std::move(db_prefix)),
      transaction_(transaction),
      sync_(sync) {
  if (handle_->closed()) RaiseClosed("database");
}

// The batch's mutex is taken with the GIL held: only Write() holds it
// without the GIL, and Write() never waits for the GIL while holding it.
void WriteBatch::Put(py::handle key, py::handle value) {
  const std::string k = db_prefix_ + BytesArg(key, "key");
  const std::string v = BytesArg(value, "value");
  if (handle_->closed()) RaiseClosed("database");
  std::lock_guard<std::mutex> lock(mu_);
  batch_.Put(k, v);
}

void WriteBatch::Delete(py::handle key) {
  const std::string k = db_prefix_ + BytesArg(key, "key");
  if (handle_->closed()) RaiseClosed("database");
  std::lock_guard<std::mutex> lock(mu_);
  batch_.Delete(k);
}

void WriteBatch::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  batch_.Clear();
}

void WriteBatch::Append(WriteBatch& other) {
  if (&other == this) {
    std::lock_guard<std::mutex> lock(mu_);
    strata::WriteBatch copy = batch_;
    batch_.Append(copy);
    return;
  }
  std::scoped_lock lock(mu_, other.mu_);
  batch_.Append(other.batch_);
}

size_t WriteBatch::ApproximateSize() {
  std::lock_guard<std::mutex> lock(mu_);
  return batch_.ApproximateSize();
}

size_t WriteBatch::Count() {
  std::lock_guard<std::mutex> lock(mu_);
  return batch_.Count();
}

void WriteBatch::Write() {
  strata::WriteOptions options;
  options.sync = sync_;
  ThrowIfError(RunOnDb(*handle_, [&](strata::DB* db) {
    std::lock_guard<std::mutex> lock(mu_);
    return db->Write(options, &batch_);
  }));
}

void WriteBatch::Exit(bool exception_raised) {
  if (!(transaction_ && exception_raised)) Write();
  Clear();
}

// ---------------------------------------------------------------------------
// Snapshot

Snapshot::Snapshot(std::shared_ptr<DbHandle> handle, std::string db_prefix)
    : handle_(std::move(handle)), db_prefix_(std::move(db_prefix)) {
  bool open = false;
  {
    py::gil_scoped_release nogil;
    DbHandle::Lease lease = handle_->Acquire();
    if (lease) {
      open = true;
      const strata::Snapshot* snapshot = lease.db()->GetSnapshot();
      {
        std::unique_lock<std::shared_mutex> lock(mu_);
        snapshot_ = snapshot;
      }
      handle_->Register(this);
    }
  }
  if (!open) RaiseClosed("database");
}

Snapshot::~Snapshot() {
  // With the GIL held, as IteratorBase's destructor (see there).
  DbHandle::Lease lease = handle_->AcquireForCleanup();
  {
    std::unique_lock<std::shared_mutex> lock(mu_);
    if (lease && snapshot_ != nullptr) lease.db()->ReleaseSnapshot(snapshot_);
    snapshot_ = nullptr;
  }
  handle_->Unregister(this);
}

void Snapshot::Close() {
  py::gil_scoped_release nogil;
  DbHandle::Lease lease = handle_->AcquireForCleanup();
  std::unique_lock<std::shared_mutex> lock(mu_);
  // Without a lease the DB is closed and Close() released the snapshot.
  if (lease && snapshot_ != nullptr) lease.db()->ReleaseSnapshot(snapshot_);
  snapshot_ = nullptr;
}

bool Snapshot::closed() {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return snapshot_ == nullptr;
}

bool Snapshot::Pin(std::shared_lock<std::shared_mutex>* lock, strata::ReadOptions* options) {
  *lock = std::shared_lock<std::shared_mutex>(mu_);
  if (snapshot_ == nullptr) return false;
  options->snapshot = snapshot_;
  return true;
}

void Snapshot::ReleaseEngineState(strata::DB* db) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  if (snapshot_ != nullptr) db->ReleaseSnapshot(snapshot_);
  snapshot_ = nullptr;
}

py::object Snapshot::Get(py::handle key, py::object default_value, bool verify_checksums,
                         bool fill_cache) {
  const ReadArgs read{verify_checksums, fill_cache};
  const std::string k = db_prefix_ + BytesArg(key, "key");
  std::string value;
  bool snapshot_closed = false;
  strata::Status status = RunOnDb(*handle_, [&](strata::DB* db) {
    strata::ReadOptions options = MakeReadOptions(read);
    std::shared_lock<std::shared_mutex> lock;
    if (!Pin(&lock, &options)) {
      snapshot_closed = true;
      return strata::Status::OK();
    }
    return db->Get(options, k, &value);
  });
  if (snapshot_closed) RaiseClosed("snapshot");
  if (status.IsNotFound()) return default_value;
  ThrowIfError(status);
  return py::bytes(value);
}

}  // namespace stratadb_py
