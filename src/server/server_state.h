// ServerState: what every connection of one strata-server shares: the
// database, the configuration, the striped key locks, the statistics, the
// registry of connected clients, SCAN cursors, and the background thread
// that expires keys actively and, under appendfsync everysec, syncs the WAL
// each second. ClientState: one connection's protocol state.
//
// Concurrency: commands run on the I/O threads, concurrently. The engine is
// thread-safe; a command that reads then writes takes KeyLocks' stripes of
// its keys (sorted, so two multi-key commands never deadlock) for the time
// of its read and its one WriteBatch, so it is atomic against every other
// writer of those keys. Plain reads take no lock.
//
// Thread-safety: ServerState's methods are safe from any thread. A
// ClientState belongs to its connection's thread, except the fields marked
// shared, which CLIENT LIST reads from other threads.

#ifndef STRATA_SERVER_SERVER_STATE_H_
#define STRATA_SERVER_SERVER_STATE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "server/blocking.h"
#include "server/config.h"
#include "server/element_gc.h"
#include "server/metadata.h"
#include "server/set_sample_cache.h"
#include "server/transaction.h"
#include "strata/db.h"
#include "util/mutex.h"

namespace strata::server {

struct CommandSpec;  // commands.h

// Milliseconds and microseconds since the Unix epoch.
uint64_t NowMs();
uint64_t NowUs();

// Striped mutexes over user keys.
class KeyLocks {
 public:
  static constexpr size_t kStripes = 1024;
  size_t StripeOf(std::string_view key) const;
  std::mutex& stripe(size_t i) { return stripes_[i]; }

 private:
  std::mutex stripes_[kStripes];
};

// Holds the stripes of a set of keys, locked in stripe order.
class KeyLockGuard {
 public:
  KeyLockGuard(KeyLocks* locks, const std::vector<std::string_view>& keys);
  KeyLockGuard(KeyLocks* locks, std::string_view key);
  ~KeyLockGuard();
  KeyLockGuard(const KeyLockGuard&) = delete;
  KeyLockGuard& operator=(const KeyLockGuard&) = delete;

 private:
  KeyLocks* const locks_;
  // The stripes held: one key's in one_ (no allocation); several keys' in
  // many_, ascending, with one_ kNone.
  static constexpr size_t kNone = SIZE_MAX;
  size_t one_ = kNone;
  std::vector<size_t> many_;
};

// One client's MULTI/EXEC/WATCH state (commands_multi.cc).
struct MultiState {
  struct Watched {
    std::string key;
    size_t stripe;     // TransactionGate::StripeOf(key)
    uint64_t counter;  // the stripe's counter at WATCH
    bool live;         // the key existed (unexpired) at WATCH
  };
  bool active = false;   // between MULTI and EXEC/DISCARD
  bool aborted = false;  // a command failed to queue: EXEC replies EXECABORT
  std::vector<std::vector<std::string>> queued;
  std::vector<Watched> watched;
};

struct ClientState {
  uint64_t id = 0;
  // RESP version; atomic (relaxed) because CLIENT LIST reads it from other
  // threads while HELLO may change it.
  std::atomic<int> resp{2};
  bool authenticated = false;
  bool close_after_reply = false;
  MultiState multi;
  // True while EXEC runs this client's queued commands: a blocking command
  // must not block then (it replies as on timeout, as Redis does).
  bool in_exec = false;
  std::string addr;   // "ip:port" of the peer
  std::string laddr;  // "ip:port" of our socket
  bool loopback = true;
  uint64_t created_ms = 0;

  // Shared with CLIENT LIST on other threads.
  mutable Mutex mu;
  std::string name GUARDED_BY(mu);
  // The command last run (Execute), null before the first or when it was
  // unknown. Relaxed: the specs are never freed; a display figure.
  std::atomic<const CommandSpec*> last_command{nullptr};
  std::atomic<uint64_t> last_interaction_ms{0};  // relaxed: a display figure

  // Blocking commands (blocking.h); the connection's thread only.
  // Set by the connection: posts a wake-up of the wait `seq` to its thread.
  // Empty for an in-process client, which never blocks.
  BlockingRegistry::WakeFunction wake;
  bool blocked = false;            // parked; a run of its command is a re-run
  bool block_timed_out = false;    // this re-run is the deadline's
  bool block_requested = false;    // set by BlockOrTimeout: park after this command
  uint64_t block_seq = 0;          // the current (or last) wait's number
  uint64_t block_deadline_ms = 0;  // Unix ms; 0: wait forever
  // Keys pushed to inside MULTI/EXEC, signalled once EXEC has committed
  // (SignalKeyReady, SignalReadyKeys).
  std::vector<std::string> ready_keys;
  // Reply holds (blocking.h, ReplyHold). hold_release is set by the
  // connection (posts the resume to its thread; empty in process: no holds).
  std::function<void()> hold_release;
  std::shared_ptr<ReplyHold> hold;         // made by this command's pushes
  std::shared_ptr<ReplyHold> parent_hold;  // the hold this re-run was woken under
};

struct ServerStats {
  // Relaxed counters: each is a display figure, read without ordering.
  std::atomic<uint64_t> connections_received{0};
  std::atomic<uint64_t> commands_processed{0};
  std::atomic<uint64_t> rejected_connections{0};
  std::atomic<uint64_t> expired_keys{0};
  std::atomic<uint64_t> keyspace_hits{0};
  std::atomic<uint64_t> keyspace_misses{0};
  std::atomic<uint64_t> net_input_bytes{0};
  std::atomic<uint64_t> net_output_bytes{0};
  std::atomic<uint64_t> wal_syncs{0};
  std::atomic<uint64_t> writes_since_sync{0};
  std::atomic<int64_t> connected_clients{0};
};

class ServerState {
 public:
  // Opens (or creates) the database in config->dir(). `config` not owned.
  static Status Open(Config* config, std::unique_ptr<ServerState>* state);
  ~ServerState();

  DB* db() { return db_.get(); }
  Config* config() { return config_; }
  KeyLocks* locks() { return &locks_; }
  ServerStats* stats() { return &stats_; }
  VersionAllocator* versions() { return &versions_; }
  TransactionGate* txn_gate() { return &txn_gate_; }
  // Copies of large sets SPOP draws from (set_sample_cache.h).
  SetSampleCache* set_samples() { return &set_samples_; }

  BlockingRegistry* blocking() { return &blocking_; }
  uint64_t start_ms() const { return start_ms_; }

  // Reads the live metadata of `key` into *record and *meta (meta views
  // *record). NotFound if it is missing or expired.
  Status GetMeta(std::string_view key, std::string* record, Metadata* meta);
  // Applies `batch` with the write options appendfsync asks for. Under
  // everysec and no, the WAL record may wait in the engine's buffer
  // (defer_wal_flush): a reply that depends on it (or on any data a command
  // read) goes out only after FlushWal, so kill -9 loses no acknowledged
  // write; Connection::Flush calls it before every socket write. A
  // successful write touches the batch's keys for WATCH (txn_gate()).
  Status Write(WriteBatch* batch);
  // Hands the WAL records Write deferred to the OS (cheap when none are).
  Status FlushWal() { return db_->FlushWAL(); }
  // Syncs the WAL now (an empty synced write: the engine syncs the log).
  Status SyncWal();
  // Deletes every key. Holds no key lock: concurrent writes may survive it,
  // as in Redis they would land just after it. When the memtable holds
  // more than an eighth of write-buffer-size (its empty hash index is a
  // sixteenth), flushes it too: a flush
  // leaves out what the range deletion covers, so the memory goes back as
  // Redis's FLUSHALL gives it back, and the writes after it build a new,
  // small memtable instead of searching one full of deleted keys.
  Status FlushAll();
  // The number of live keys (an exact scan of the metadata range; see
  // docs/SERVER.md "DBSIZE").
  Status CountKeys(uint64_t* keys, uint64_t* with_expiry);
  // Deletes up to `limit` expired keys from where the last call stopped;
  // stores how many it deleted and, if `scanned` is given, how many records
  // it looked at. Passes wrap around the keyspace. After a whole pass that
  // met no key with an expiry, during which no write set one, the calls
  // rest (scan nothing) until a write sets an expiry: a keyspace without
  // TTLs costs no background work, as in Redis, whose active expiry only
  // samples keys that have one.
  Status ExpireSome(size_t limit, size_t* deleted, size_t* scanned = nullptr);

  // SCAN cursors: a cursor names the last key returned.
  uint64_t SaveCursor(std::string last_key);
  bool LoadCursor(uint64_t cursor, std::string* last_key);

  // The connected clients, for CLIENT LIST.
  void Register(ClientState* client);
  void Unregister(ClientState* client);
  std::vector<std::string> ClientLines(uint64_t now_ms);
  uint64_t NextClientId() { return next_client_id_.fetch_add(1, std::memory_order_relaxed); }

  // Starts and stops the background thread.
  void StartBackground();
  void StopBackground();

  // SHUTDOWN: the process that runs the server (tools/strata-server) says
  // how to stop it, once, before it serves. RequestShutdown calls that
  // handler and returns true, or returns false when none was set (a server
  // embedded in a test, which its owner stops).
  void SetShutdownHandler(std::function<void()> handler);
  bool RequestShutdown();

 private:
  ServerState(Config* config, std::unique_ptr<ElementGcFilter> gc_filter, std::unique_ptr<DB> db);
  void BackgroundLoop();

  Config* const config_;
  // The DB's compaction filter: declared before db_ so it outlives it.
  std::unique_ptr<ElementGcFilter> gc_filter_;
  std::unique_ptr<DB> db_;
  VersionAllocator versions_;
  KeyLocks locks_;
  // 64 MiB: a copy costs its members' bytes + 8 each and may take half,
  // so sets up to about a million 20-byte members are copied.
  SetSampleCache set_samples_{size_t{64} << 20};
  TransactionGate txn_gate_;

  BlockingRegistry blocking_;
  ServerStats stats_;
  const uint64_t start_ms_;
  std::atomic<uint64_t> next_client_id_{1};  // relaxed: uniqueness only

  Mutex clients_mu_;
  std::map<uint64_t, ClientState*> clients_ GUARDED_BY(clients_mu_);

  Mutex cursors_mu_;
  uint64_t next_cursor_ GUARDED_BY(cursors_mu_) = 1;
  std::map<uint64_t, std::string> cursors_ GUARDED_BY(cursors_mu_);

  // Metadata records Write stored with an expiry, counted after each write
  // (release; ExpireSome acquires: a pass that sees the count move sees the
  // write). ExpireSome only compares it with an earlier reading: a write
  // counted late wakes the next call instead of this one.
  std::atomic<uint64_t> expiry_writes_{0};
  Mutex expire_mu_;  // one ExpireSome at a time
  // Where the current pass goes on (empty: a pass begins).
  std::string expire_from_ GUARDED_BY(expire_mu_);
  // expiry_writes_ when the current pass over the keyspace began, and
  // whether it met a key with an expiry.
  uint64_t expire_pass_mark_ GUARDED_BY(expire_mu_) = 0;
  bool expire_pass_saw_ttl_ GUARDED_BY(expire_mu_) = false;
  // Resting: a whole pass met no expiry. Ends when expiry_writes_ differs
  // from the pass's mark, so a write during that pass wakes it too.
  bool expire_resting_ GUARDED_BY(expire_mu_) = false;

  Mutex shutdown_mu_;
  std::function<void()> shutdown_handler_ GUARDED_BY(shutdown_mu_);

  Mutex bg_mu_;
  CondVar bg_cv_{&bg_mu_};
  bool bg_stop_ GUARDED_BY(bg_mu_) = false;
  std::thread bg_thread_;
};

}  // namespace strata::server

#endif  // STRATA_SERVER_SERVER_STATE_H_
