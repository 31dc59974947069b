// Transactions: MULTI EXEC DISCARD WATCH UNWATCH (Redis 7.0's replies and
// errors), and the keyspace access every handler goes through (commands.h:
// GetMeta, DbGet, DbIterator, DbWrite, DbFlushAll), which inside EXEC reads
// and writes the EXEC's Transaction (transaction.h) instead of the engine.
//
// MULTI makes Execute (commands.cc) queue the client's commands; an error
// while queueing (unknown command, wrong arity) marks the transaction
// aborted. EXEC, holding TransactionGate exclusive (no other command runs):
//   1. replies EXECABORT if queueing failed, a null array if a WATCHed key
//      changed (its stripe counter moved, or it was live at WATCH and is not
//      now: deleted, flushed or expired);
//   2. runs the queue over one Transaction: each command sees the writes of
//      the ones before it; a command's runtime error is its reply alone and
//      does not undo the others (Redis has no rollback either);
//   3. commits every write as ONE WriteBatch (all or nothing in the WAL),
//      holding the key locks of the keys it writes so active expiry cannot
//      delete a key it just rewrote; if that write fails, nothing was
//      applied and EXEC's reply is the error instead of the replies.
//
// Thread-safety: handlers run on the client's thread (ClientState::multi is
// the client's); TransactionGate orders them against other clients.

#include <mutex>
#include <shared_mutex>

#include "server/blocking.h"
#include "server/commands.h"

namespace strata::server {

Status GetMeta(CommandContext& ctx, std::string_view key, std::string* record, Metadata* meta) {
  if (ctx.txn == nullptr) return ctx.state->GetMeta(key, record, meta);
  Status s = ctx.txn->Get(ctx.state->db(), MetadataKey(key), record);
  if (!s.ok()) return s;
  s = DecodeMetadata(*record, meta);
  if (!s.ok()) return s;
  if (meta->Expired(NowMs())) return Status::NotFound("expired");
  return Status::OK();
}

Status DbGet(CommandContext& ctx, std::string_view key, std::string* value) {
  if (ctx.txn == nullptr) return ctx.state->db()->Get(ReadOptions(), key, value);
  return ctx.txn->Get(ctx.state->db(), key, value);
}

std::unique_ptr<Iterator> DbIterator(CommandContext& ctx, const ReadOptions& options) {
  if (ctx.txn == nullptr) return ctx.state->db()->NewIterator(options);
  return ctx.txn->NewIterator(ctx.state->db(), options);
}

Status DbWrite(CommandContext& ctx, WriteBatch* batch) {
  if (ctx.txn != nullptr) return ctx.txn->Add(*batch);
  return ctx.state->Write(batch);  // touches the batch's keys for WATCH
}

Status DbFlushAll(CommandContext& ctx) {
  // WATCH needs no bump: a key live at WATCH and gone at EXEC fails it.
  if (ctx.txn == nullptr) return ctx.state->FlushAll();
  WriteBatch batch;
  for (char prefix : {kMetadataPrefix, kSubkeyPrefix}) {
    batch.DeleteRange(std::string(1, prefix), std::string(1, static_cast<char>(prefix + 1)));
  }
  return ctx.txn->Add(batch);
}

Status DbCountKeys(CommandContext& ctx, uint64_t* keys, uint64_t* with_expiry) {
  if (ctx.txn == nullptr) return ctx.state->CountKeys(keys, with_expiry);
  // Inside EXEC: the same scan as CountKeys, over the transaction.
  *keys = 0;
  *with_expiry = 0;
  std::string lower(1, kMetadataPrefix), upper(1, kMetadataPrefix + 1);
  std::string_view lower_view = lower, upper_view = upper;
  ReadOptions ro;
  ro.iterate_lower_bound = &lower_view;
  ro.iterate_upper_bound = &upper_view;
  ro.fill_cache = false;
  std::unique_ptr<Iterator> it = DbIterator(ctx, ro);
  uint64_t now = NowMs();
  Metadata meta;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (!DecodeMetadata(it->value(), &meta).ok() || meta.Expired(now)) continue;
    ++*keys;
    if (meta.expire_ms != 0) ++*with_expiry;
  }
  return it->status();
}

namespace {

void MultiCommand(CommandContext& ctx) {
  MultiState& multi = ctx.client->multi;
  if (multi.active) return ctx.reply->Error("ERR MULTI calls can not be nested");
  multi.active = true;
  ctx.reply->Ok();
}

void DiscardCommand(CommandContext& ctx) {
  MultiState& multi = ctx.client->multi;
  if (!multi.active) return ctx.reply->Error("ERR DISCARD without MULTI");
  multi = MultiState();  // unwatches too
  ctx.reply->Ok();
}

void WatchCommand(CommandContext& ctx) {
  MultiState& multi = ctx.client->multi;
  if (multi.active) return ctx.reply->Error("ERR WATCH inside MULTI is not allowed");
  TransactionGate* gate = ctx.state->txn_gate();
  std::string record;
  Metadata meta;
  for (size_t i = 1; i < ctx.argv.size(); i++) {
    const std::string& key = ctx.argv[i];
    bool already = false;
    for (const MultiState::Watched& w : multi.watched) already = already || w.key == key;
    if (already) continue;
    size_t stripe = TransactionGate::StripeOf(key);
    // The counter before the read: a write in between fails EXEC (safe).
    uint64_t counter = gate->counter(stripe);
    Status s = GetMeta(ctx, key, &record, &meta);
    if (!s.ok() && !s.IsNotFound()) return ReplyStatusError(ctx.reply, s);
    multi.watched.push_back({key, stripe, counter, s.ok()});
  }
  ctx.reply->Ok();
}

void UnwatchCommand(CommandContext& ctx) {
  ctx.client->multi.watched.clear();
  ctx.reply->Ok();
}

// Whether a WATCHed key changed since WATCH. REQUIRES: the gate held
// exclusive.
bool WatchedKeyChanged(CommandContext& ctx) {
  TransactionGate* gate = ctx.state->txn_gate();
  std::string record;
  Metadata meta;
  for (const MultiState::Watched& w : ctx.client->multi.watched) {
    if (gate->counter(w.stripe) != w.counter) return true;
    if (!w.live) continue;
    // Live at WATCH and not now (expired, or flushed): changed. An error
    // reading it counts as a change: EXEC must not run on a doubt.
    if (!GetMeta(ctx, w.key, &record, &meta).ok()) return true;
  }
  return false;
}

// The user keys a batch writes (views into the batch).
class KeyCollector : public WriteBatch::Handler {
 public:
  void Put(std::string_view key, std::string_view) override { Add(key); }
  void Delete(std::string_view key) override { Add(key); }
  std::vector<std::string_view> keys;

 private:
  void Add(std::string_view key) {
    if (std::optional<std::string_view> user_key = UserKeyOfEngineKey(key)) {
      keys.push_back(*user_key);
    }
  }
};

// Writes the transaction's batch: one WriteBatch, under the locks of the
// keys it writes (ServerState::ExpireSome checks and deletes an expired
// key under its lock: it must not delete one this batch rewrites).
Status CommitTransaction(CommandContext& ctx, Transaction* txn) {
  WriteBatch* batch = txn->batch();
  if (batch->Count() == 0) return Status::OK();
  KeyCollector collector;
  Status s = batch->Iterate(&collector);
  if (!s.ok()) return s;
  KeyLockGuard guard(ctx.state->locks(), collector.keys);
  return ctx.state->Write(batch);
}

void ExecCommand(CommandContext& ctx) {
  MultiState& multi = ctx.client->multi;
  if (!multi.active) return ctx.reply->Error("ERR EXEC without MULTI");
  std::unique_lock gate(ctx.state->txn_gate()->mutex());
  if (multi.aborted) {
    multi = MultiState();
    return ctx.reply->Error("EXECABORT Transaction discarded because of previous errors.");
  }
  if (WatchedKeyChanged(ctx)) {
    multi = MultiState();
    return ctx.reply->NullArray();
  }
  std::vector<std::vector<std::string>> queued = std::move(multi.queued);
  multi = MultiState();
  Transaction txn;
  size_t mark = ctx.reply->buffer()->size();
  ctx.reply->Array(queued.size());
  ctx.client->in_exec = true;
  for (std::vector<std::string>& argv : queued) {
    CommandContext command{ctx.state, ctx.client, argv, ctx.reply, &txn};
    // Found when queued; the table does not change.
    RunHandler(*FindCommand(argv[0]), command);
  }
  ctx.client->in_exec = false;
  Status s = CommitTransaction(ctx, &txn);
  if (!s.ok()) {
    // Nothing was applied: the replies would lie, and no waiter may wake.
    ctx.client->ready_keys.clear();
    ctx.reply->buffer()->resize(mark);
    ReplyStatusError(ctx.reply, s);
    return;
  }
  // Clients blocked on keys the EXEC pushed to wake only now that its
  // writes are committed (blocking.h).
  SignalReadyKeys(ctx.state->blocking(), ctx.client);
}

}  // namespace

void AppendTransactionCommands(std::vector<CommandSpec>* t) {
  const char* g = "transactions";
  t->insert(t->end(), {
                          {"multi", 1, kFast, 0, 0, 0, g, "Mark the start of a transaction block",
                           "1.2.0", MultiCommand},
                          {"exec", 1, kTakesGate, 0, 0, 0, g,
                           "Execute all commands issued after MULTI", "1.2.0", ExecCommand},
                          {"discard", 1, kFast, 0, 0, 0, g,
                           "Discard all commands issued after MULTI", "2.0.0", DiscardCommand},
                          {"watch", -2, kFast, 1, -1, 1, g,
                           "Watch the given keys to determine execution of the MULTI/EXEC block",
                           "2.2.0", WatchCommand},
                          {"unwatch", 1, kFast, 0, 0, 0, g, "Forget about all watched keys",
                           "2.2.0", UnwatchCommand},
                      });
}

}  // namespace strata::server
