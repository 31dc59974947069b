// ServerState and KeyLocks: see server_state.h.

#include "server/server_state.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>

#include "server/commands.h"
#include "util/coding.h"

namespace strata::server {

namespace {

constexpr size_t kMaxCursors = 16384;
// Active expiry: keys examined per pass and passes per second.
constexpr size_t kExpirePassKeys = 2000;
constexpr auto kBackgroundTick = std::chrono::milliseconds(100);

// What ServerState::Write does after a write, in one pass over the batch:
// notes whether it stores a metadata record with an expiry, and, when the
// write succeeded, touches its keys for WATCH (TransactionGate::Toucher).
class AfterWrite : public WriteBatch::Handler {
 public:
  // `gate` null: the write failed, nothing to touch.
  explicit AfterWrite(TransactionGate* gate) : toucher_(gate), touch_(gate != nullptr) {}

  void Put(std::string_view key, std::string_view value) override {
    if (!key.empty() && key[0] == kMetadataPrefix && ExpiryOf(value) != 0) sets_expiry = true;
    if (touch_) toucher_.Key(key);
  }
  void Delete(std::string_view key) override {
    if (touch_) toucher_.Key(key);
  }
  // A range deletion (FLUSHALL) bumps nothing: EXEC fails for a key live at
  // WATCH and gone now, and only for such a key (Redis 7.0).
  void DeleteRange(std::string_view, std::string_view) override {}

  bool sets_expiry = false;

 private:
  TransactionGate::Toucher toucher_;
  const bool touch_;
};

}  // namespace

uint64_t NowMs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

uint64_t NowUs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

size_t KeyLocks::StripeOf(std::string_view key) const {
  return std::hash<std::string_view>()(key) % kStripes;
}

KeyLockGuard::KeyLockGuard(KeyLocks* locks, const std::vector<std::string_view>& keys)
    : locks_(locks) {
  many_.reserve(keys.size());
  for (std::string_view key : keys) many_.push_back(locks->StripeOf(key));
  std::sort(many_.begin(), many_.end());
  many_.erase(std::unique(many_.begin(), many_.end()), many_.end());
  for (size_t i : many_) locks_->stripe(i).lock();
}

KeyLockGuard::KeyLockGuard(KeyLocks* locks, std::string_view key)
    : locks_(locks), one_(locks->StripeOf(key)) {
  locks_->stripe(one_).lock();
}

KeyLockGuard::~KeyLockGuard() {
  if (one_ != kNone) locks_->stripe(one_).unlock();
  for (auto it = many_.rbegin(); it != many_.rend(); ++it) locks_->stripe(*it).unlock();
}

ServerState::ServerState(Config* config, std::unique_ptr<ElementGcFilter> gc_filter,
                         std::unique_ptr<DB> db)
    : config_(config),
      gc_filter_(std::move(gc_filter)),
      db_(std::move(db)),
      versions_(db_.get()),
      start_ms_(NowMs()) {
  gc_filter_->SetDb(db_.get());
}

ServerState::~ServerState() {
  StopBackground();
  // Compactions still running while the DB closes keep what they see.
  gc_filter_->SetDb(nullptr);
}

Status ServerState::Open(Config* config, std::unique_ptr<ServerState>* state) {
  Options options;
  options.create_if_missing = true;
  options.write_buffer_size = static_cast<size_t>(config->write_buffer_size());
  options.block_cache_size = static_cast<size_t>(config->block_cache_size());
  // Collections' stale elements are dropped by compaction, and by flush so
  // that those deleted while still in the memtable never reach a table
  // (element_gc.h). The filter reads the DB only once it is set, below.
  auto gc_filter = std::make_unique<ElementGcFilter>();
  options.compaction_filter = gc_filter.get();
  options.compaction_filter_at_flush = true;
  std::unique_ptr<DB> db;
  Status s = DB::Open(options, config->dir(), &db);
  if (!s.ok()) return s;
  // The keyspace format: written when the directory is new, checked after.
  std::string value;
  s = db->Get(ReadOptions(), InternalKey("format"), &value);
  if (s.IsNotFound()) {
    std::string format;
    PutFixed32(&format, kKeyspaceFormat);
    WriteOptions sync;
    sync.sync = true;
    s = db->Put(sync, InternalKey("format"), format);
  } else if (s.ok() && (value.size() != 4 || DecodeFixed32(value.data()) != kKeyspaceFormat)) {
    s = Status::Corruption("unsupported strata-server keyspace format in", config->dir());
  }
  if (!s.ok()) return s;
  std::unique_ptr<ServerState> result(new ServerState(config, std::move(gc_filter), std::move(db)));
  s = result->versions_.Load();
  if (!s.ok()) return s;
  *state = std::move(result);
  return Status::OK();
}

Status ServerState::GetMeta(std::string_view key, std::string* record, Metadata* meta) {
  Status s = db_->Get(ReadOptions(), MetadataKey(key), record);
  if (!s.ok()) return s;
  s = DecodeMetadata(*record, meta);
  if (!s.ok()) return s;
  if (meta->Expired(NowMs())) return Status::NotFound("expired");
  return Status::OK();
}

Status ServerState::Write(WriteBatch* batch) {
  WriteOptions options;
  AppendFsync mode = config_->appendfsync();
  options.sync = mode == AppendFsync::kAlways;
  // One write(2) per batch of replies instead of one per command: see
  // FlushWal.
  options.defer_wal_flush = true;
  Status s = db_->Write(options, batch);
  // After the write: a WATCH between the write and the bump only sees a
  // change that did not happen (EXEC fails, safely), never misses one.
  AfterWrite after(s.ok() ? &txn_gate_ : nullptr);
  // A batch a command built is well formed; nothing to report.
  (void)batch->Iterate(&after);
  // Counted after the write whatever its outcome: ExpireSome only needs to
  // see a change (server_state.h, expiry_writes_).
  if (after.sets_expiry) expiry_writes_.fetch_add(1, std::memory_order_release);
  if (s.ok() && mode == AppendFsync::kEverySec) {
    stats_.writes_since_sync.fetch_add(1, std::memory_order_relaxed);
  }
  return s;
}

Status ServerState::SyncWal() {
  WriteBatch empty;
  WriteOptions sync;
  sync.sync = true;
  Status s = db_->Write(sync, &empty);
  if (s.ok()) stats_.wal_syncs.fetch_add(1, std::memory_order_relaxed);
  return s;
}

Status ServerState::FlushAll() {
  // Every user record: metadata ('m') and collection elements ('s').
  bool deleted_by_range = false;
  for (char prefix : {kMetadataPrefix, kSubkeyPrefix}) {
    std::string begin(1, prefix);
    std::string end(1, static_cast<char>(prefix + 1));
    Status s = db_->DeleteRange(WriteOptions(), begin, end);
    if (s.ok()) {
      deleted_by_range = true;
      continue;
    }
    if (!s.IsNotSupported()) return s;
    // Without range deletion: delete key by key, in batches.
    std::string_view lower = begin, upper = end;
    ReadOptions ro;
    ro.iterate_lower_bound = &lower;
    ro.iterate_upper_bound = &upper;
    ro.fill_cache = false;
    std::unique_ptr<Iterator> it = db_->NewIterator(ro);
    WriteBatch batch;
    for (it->Seek(begin); it->Valid(); it->Next()) {
      batch.Delete(it->key());
      if (batch.Count() >= 1000) {
        if (s = db_->Write(WriteOptions(), &batch); !s.ok()) return s;
        batch.Clear();
      }
    }
    if (!it->status().ok()) return it->status();
    if (s = db_->Write(WriteOptions(), &batch); !s.ok()) return s;
  }
  std::string memtable_bytes;
  if (deleted_by_range && db_->GetProperty("strata.cur-size-active-mem-table", &memtable_bytes) &&
      std::strtoull(memtable_bytes.c_str(), nullptr, 10) >
          static_cast<uint64_t>(config_->write_buffer_size()) / 8) {
    // Also makes the deletion durable: a flushed memtable needs no WAL.
    return db_->Flush();
  }
  return config_->appendfsync() == AppendFsync::kNo ? Status::OK() : SyncWal();
}

Status ServerState::CountKeys(uint64_t* keys, uint64_t* with_expiry) {
  *keys = 0;
  *with_expiry = 0;
  std::string lower(1, kMetadataPrefix), upper(1, kMetadataPrefix + 1);
  std::string_view lower_view = lower, upper_view = upper;
  ReadOptions ro;
  ro.iterate_lower_bound = &lower_view;
  ro.iterate_upper_bound = &upper_view;
  ro.fill_cache = false;
  std::unique_ptr<Iterator> it = db_->NewIterator(ro);
  uint64_t now = NowMs();
  Metadata meta;
  for (it->Seek(lower); it->Valid(); it->Next()) {
    if (!DecodeMetadata(it->value(), &meta).ok() || meta.Expired(now)) continue;
    ++*keys;
    if (meta.expire_ms != 0) ++*with_expiry;
  }
  return it->status();
}

Status ServerState::ExpireSome(size_t limit, size_t* deleted, size_t* scanned) {
  *deleted = 0;
  if (scanned != nullptr) *scanned = 0;
  MutexLock lock(&expire_mu_);
  uint64_t writes = expiry_writes_.load(std::memory_order_acquire);
  if (expire_resting_) {
    if (writes == expire_pass_mark_) return Status::OK();
    // Some key got an expiry, anywhere: a new pass from the start.
    expire_resting_ = false;
    expire_from_.clear();
  }
  if (expire_from_.empty()) {
    expire_pass_mark_ = writes;
    expire_pass_saw_ttl_ = false;
  }
  std::string lower(1, kMetadataPrefix), upper(1, kMetadataPrefix + 1);
  std::string_view lower_view = lower, upper_view = upper;
  ReadOptions ro;
  ro.iterate_lower_bound = &lower_view;
  ro.iterate_upper_bound = &upper_view;
  ro.fill_cache = false;
  std::unique_ptr<Iterator> it = db_->NewIterator(ro);
  it->Seek(expire_from_.empty() ? lower : expire_from_);
  uint64_t now = NowMs();
  std::vector<std::string> expired;
  size_t seen = 0;
  Metadata meta;
  for (; it->Valid() && seen < limit; it->Next(), seen++) {
    if (!DecodeMetadata(it->value(), &meta).ok()) continue;
    if (meta.expire_ms != 0) expire_pass_saw_ttl_ = true;
    if (meta.Expired(now)) expired.emplace_back(UserKeyOf(it->key()));
  }
  if (scanned != nullptr) *scanned = seen;
  if (!it->status().ok()) return it->status();
  expire_from_ = it->Valid() ? std::string(it->key()) : std::string();
  it.reset();
  // A pass that met no expiry rests. A write that set one during the pass,
  // behind it, moved expiry_writes_ past the pass's mark: the next call
  // wakes and finds it.
  if (expire_from_.empty() && !expire_pass_saw_ttl_) expire_resting_ = true;
  for (const std::string& key : expired) {
    // Check again under the key's lock: a writer may have renewed it.
    KeyLockGuard guard(&locks_, key);
    std::string record;
    Status s = db_->Get(ReadOptions(), MetadataKey(key), &record);
    if (s.IsNotFound()) continue;
    if (!s.ok()) return s;
    if (!DecodeMetadata(record, &meta).ok() || !meta.Expired(NowMs())) continue;
    WriteBatch batch;
    batch.Delete(MetadataKey(key));
    if (s = Write(&batch); !s.ok()) return s;
    stats_.expired_keys.fetch_add(1, std::memory_order_relaxed);
    ++*deleted;
  }
  return Status::OK();
}

uint64_t ServerState::SaveCursor(std::string last_key) {
  MutexLock lock(&cursors_mu_);
  uint64_t id = next_cursor_++;
  cursors_[id] = std::move(last_key);
  while (cursors_.size() > kMaxCursors) cursors_.erase(cursors_.begin());
  return id;
}

bool ServerState::LoadCursor(uint64_t cursor, std::string* last_key) {
  MutexLock lock(&cursors_mu_);
  auto it = cursors_.find(cursor);
  if (it == cursors_.end()) return false;
  *last_key = it->second;
  return true;
}

void ServerState::Register(ClientState* client) {
  MutexLock lock(&clients_mu_);
  clients_[client->id] = client;
}

void ServerState::Unregister(ClientState* client) {
  MutexLock lock(&clients_mu_);
  clients_.erase(client->id);
}

std::vector<std::string> ServerState::ClientLines(uint64_t now_ms) {
  std::vector<std::string> lines;
  MutexLock lock(&clients_mu_);
  for (const auto& [id, client] : clients_) {
    std::string name;
    {
      MutexLock client_lock(&client->mu);
      name = client->name;
    }
    const CommandSpec* command = client->last_command.load(std::memory_order_relaxed);
    std::string cmd = command == nullptr ? "NULL" : command->name;
    uint64_t last = client->last_interaction_ms.load(std::memory_order_relaxed);
    lines.push_back("id=" + std::to_string(id) + " addr=" + client->addr +
                    " laddr=" + client->laddr + " fd=-1 name=" + name +
                    " age=" + std::to_string((now_ms - client->created_ms) / 1000) +
                    " idle=" + std::to_string(now_ms > last ? (now_ms - last) / 1000 : 0) +
                    " flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0"
                    " multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd=" +
                    cmd + " user=default redir=-1 resp=" +
                    std::to_string(client->resp.load(std::memory_order_relaxed)));
  }
  return lines;
}

void ServerState::StartBackground() {
  bg_thread_ = std::thread([this] { BackgroundLoop(); });
}

void ServerState::SetShutdownHandler(std::function<void()> handler) {
  MutexLock lock(&shutdown_mu_);
  shutdown_handler_ = std::move(handler);
}

bool ServerState::RequestShutdown() {
  MutexLock lock(&shutdown_mu_);
  if (!shutdown_handler_) return false;
  shutdown_handler_();
  return true;
}

void ServerState::StopBackground() {
  {
    MutexLock lock(&bg_mu_);
    bg_stop_ = true;
    bg_cv_.SignalAll();
  }
  if (bg_thread_.joinable()) bg_thread_.join();
}

void ServerState::BackgroundLoop() {
  auto last_sync = std::chrono::steady_clock::now();
  while (true) {
    {
      MutexLock lock(&bg_mu_);
      if (bg_stop_) break;
      bg_cv_.WaitFor(std::chrono::duration_cast<std::chrono::microseconds>(kBackgroundTick));
      if (bg_stop_) break;
    }
    // Errors are logged and the work retried next tick: a failed write
    // here is the engine's sticky error, which every command reports too.
    size_t deleted = 0;
    if (Status s = ExpireSome(kExpirePassKeys, &deleted); !s.ok()) {
      std::fprintf(stderr, "strata-server: active expiry failed: %s\n", s.ToString().c_str());
    }
    auto now = std::chrono::steady_clock::now();
    if (config_->appendfsync() == AppendFsync::kEverySec &&
        now - last_sync >= std::chrono::seconds(1)) {
      last_sync = now;
      if (stats_.writes_since_sync.exchange(0, std::memory_order_relaxed) > 0) {
        if (Status s = SyncWal(); !s.ok()) {
          std::fprintf(stderr, "strata-server: WAL sync failed: %s\n", s.ToString().c_str());
        }
      }
    }
  }
}

}  // namespace strata::server
