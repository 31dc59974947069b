// Keyspace commands: DEL UNLINK EXISTS TYPE RENAME RENAMENX KEYS SCAN
// RANDOMKEY TOUCH, and expiry: EXPIRE PEXPIRE EXPIREAT PEXPIREAT (NX XX GT
// LT) TTL PTTL EXPIRETIME PEXPIRETIME PERSIST, OBJECT REFCOUNT and MEMORY
// USAGE, over every type. They read
// and write metadata records only (metadata.h), so they cost the same
// whatever a key holds, except RENAME and RENAMENX of a collection, which
// rewrite its elements under the new name (O(size), CopyCollection). A
// collection's elements left behind by DEL, RENAME or expiry are dropped by
// compaction (element_gc.h).

#include <algorithm>
#include <random>

#include "server/blocking.h"
#include "server/collection.h"
#include "server/commands.h"
#include "server/resp_parser.h"

namespace strata::server {

namespace {

bool Commit(CommandContext& ctx, WriteBatch* batch) {
  Status s = DbWrite(ctx, batch);
  if (s.ok()) return true;
  ReplyStatusError(ctx.reply, s);
  return false;
}

// Looks a key's live metadata up. Returns 1 if found, 0 if not, -1 after
// replying an engine error.
int Find(CommandContext& ctx, std::string_view key, std::string* record, Metadata* meta) {
  Status s = GetMeta(ctx, key, record, meta);
  if (s.ok()) return 1;
  if (s.IsNotFound()) return 0;
  ReplyStatusError(ctx.reply, s);
  return -1;
}

// An iterator over the metadata range, starting at or after `from`.
struct MetadataScan {
  std::string lower = std::string(1, kMetadataPrefix);
  std::string upper = std::string(1, kMetadataPrefix + 1);
  std::string_view lower_view = lower;
  std::string_view upper_view = upper;
  std::unique_ptr<Iterator> it;

  explicit MetadataScan(CommandContext& ctx) {
    ReadOptions ro;
    ro.iterate_lower_bound = &lower_view;
    ro.iterate_upper_bound = &upper_view;
    ro.fill_cache = false;
    it = DbIterator(ctx, ro);
  }
};

void DelCommand(CommandContext& ctx) {
  std::vector<std::string_view> keys(ctx.argv.begin() + 1, ctx.argv.end());
  // A key named twice is deleted (and counted) once.
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  KeyLockGuard guard(ctx.state->locks(), keys);
  WriteBatch batch;
  int64_t deleted = 0;
  std::string record;
  Metadata meta;
  for (std::string_view key : keys) {
    Status s = DbGet(ctx, MetadataKey(key), &record);
    if (s.IsNotFound()) continue;
    if (!s.ok()) return ReplyStatusError(ctx.reply, s);
    // An expired key is deleted too, but does not count.
    if (DecodeMetadata(record, &meta).ok() && !meta.Expired(NowMs())) deleted++;
    batch.Delete(MetadataKey(key));
  }
  if (batch.Count() > 0 && !Commit(ctx, &batch)) return;
  ctx.reply->Integer(deleted);
}

void ExistsCommand(CommandContext& ctx) {
  int64_t count = 0;
  std::string record;
  Metadata meta;
  for (size_t i = 1; i < ctx.argv.size(); i++) {
    int found = Find(ctx, ctx.argv[i], &record, &meta);
    if (found < 0) return;
    count += found;
  }
  ctx.reply->Integer(count);
}

void TypeCommand(CommandContext& ctx) {
  std::string record;
  Metadata meta;
  int found = Find(ctx, ctx.argv[1], &record, &meta);
  if (found < 0) return;
  ctx.reply->Simple(found ? KeyTypeName(meta.type) : "none");
}

void RenameGeneric(CommandContext& ctx, bool nx) {
  const std::string& from = ctx.argv[1];
  const std::string& to = ctx.argv[2];
  KeyLockGuard guard(ctx.state->locks(), std::vector<std::string_view>{from, to});
  std::string record, target_record;
  Metadata meta, target_meta;
  int found = Find(ctx, from, &record, &meta);
  if (found < 0) return;
  if (found == 0) return ctx.reply->Error("ERR no such key");
  if (from == to) return nx ? ctx.reply->Integer(0) : ctx.reply->Ok();
  if (nx) {
    int exists = Find(ctx, to, &target_record, &target_meta);
    if (exists < 0) return;
    if (exists) return ctx.reply->Integer(0);
  }
  WriteBatch batch;
  batch.Delete(MetadataKey(from));
  if (meta.type == KeyType::kString) {
    // The record moves whole (type, expiry, value).
    batch.Put(MetadataKey(to), record);
  } else {
    // A collection's elements are keyed by the user key (metadata.h): they
    // are copied under (to, a fresh version) in the batch that deletes
    // `from`, so the move is atomic. Those left under (from, old version),
    // and those of a replaced destination, are garbage ElementGcFilter drops.
    if (!CopyCollection(ctx, from, to, meta, &batch)) return;
  }
  if (!CommitBatch(ctx, &batch)) return;
  // A list (or sorted set) appearing under `to` may serve clients blocked
  // on it (blocking.h).
  if (meta.type == KeyType::kList || meta.type == KeyType::kZSet) SignalKeyReady(ctx, to);
  if (nx) return ctx.reply->Integer(1);
  ctx.reply->Ok();
}
void RenameCommand(CommandContext& ctx) { RenameGeneric(ctx, false); }
void RenameNxCommand(CommandContext& ctx) { RenameGeneric(ctx, true); }

// The literal prefix of a glob pattern: every key it matches starts with it.
std::string LiteralPrefix(std::string_view pattern) {
  std::string prefix;
  for (char c : pattern) {
    if (c == '*' || c == '?' || c == '[' || c == '\\') break;
    prefix.push_back(c);
  }
  return prefix;
}

void KeysCommand(CommandContext& ctx) {
  const std::string& pattern = ctx.argv[1];
  bool all = pattern == "*";
  std::string prefix = LiteralPrefix(pattern);
  MetadataScan scan(ctx);
  std::vector<std::string> keys;
  uint64_t now = NowMs();
  Metadata meta;
  for (scan.it->Seek(MetadataKey(prefix)); scan.it->Valid(); scan.it->Next()) {
    std::string_view key = UserKeyOf(scan.it->key());
    if (key.substr(0, prefix.size()) != prefix) break;
    if (!DecodeMetadata(scan.it->value(), &meta).ok() || meta.Expired(now)) continue;
    if (all || GlobMatch(pattern, key)) keys.emplace_back(key);
  }
  if (!scan.it->status().ok()) return ReplyStatusError(ctx.reply, scan.it->status());
  ctx.reply->Array(keys.size());
  for (const std::string& key : keys) ctx.reply->Bulk(key);
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]. A cursor names the
// last key a call examined (ServerState keeps the name); an unknown cursor
// starts over, which may repeat keys but never misses one, as SCAN allows.
void ScanCommand(CommandContext& ctx) {
  ScanArgs args;
  if (!ParseScanArgs(ctx, ScanCommandKind::kScan, &args)) return;
  if (!args.options_error.empty()) return ctx.reply->Error(args.options_error);
  std::string last;
  bool resume = args.cursor != 0 && ctx.state->LoadCursor(args.cursor, &last);
  MetadataScan scan(ctx);
  if (resume) {
    scan.it->Seek(last);
    if (scan.it->Valid() && scan.it->key() == last) scan.it->Next();
  } else {
    scan.it->Seek(scan.lower);
  }
  std::vector<std::string> keys;
  uint64_t now = NowMs();
  Metadata meta;
  std::string last_seen;
  for (int64_t n = 0; n < args.count && scan.it->Valid(); n++, scan.it->Next()) {
    last_seen.assign(scan.it->key());
    if (!DecodeMetadata(scan.it->value(), &meta).ok() || meta.Expired(now)) continue;
    std::string_view key = UserKeyOf(scan.it->key());
    if (!args.Matches(key)) continue;
    if (args.has_type && KeyTypeName(meta.type) != args.type) continue;
    keys.emplace_back(key);
  }
  if (!scan.it->status().ok()) return ReplyStatusError(ctx.reply, scan.it->status());
  uint64_t next = scan.it->Valid() ? ctx.state->SaveCursor(last_seen) : 0;
  ctx.reply->Array(2);
  ctx.reply->Bulk(std::to_string(next));
  ctx.reply->Array(keys.size());
  for (const std::string& key : keys) ctx.reply->Bulk(key);
}

// A key between `first` and `last` (bytewise), drawn byte by byte: the
// shared prefix, then a byte between theirs where they first differ, then
// random bytes. Not uniform over the keys, but every key has a fair chance
// however few there are (a seek to wholly random bytes would nearly always
// land on the first key of a small keyspace).
std::string RandomKeyBetween(std::string_view first, std::string_view last, std::mt19937_64* rng) {
  std::string key;
  size_t i = 0;
  while (i < first.size() && i < last.size() && first[i] == last[i]) key.push_back(first[i++]);
  unsigned lo = i < first.size() ? static_cast<unsigned char>(first[i]) : 0;
  unsigned hi = i < last.size() ? static_cast<unsigned char>(last[i]) : 255;
  key.push_back(static_cast<char>(lo + (*rng)() % (hi - lo + 1)));
  for (int n = 0; n < 8; n++) key.push_back(static_cast<char>((*rng)() & 0xff));
  return key;
}

void RandomKeyCommand(CommandContext& ctx) {
  thread_local std::mt19937_64 rng(std::random_device{}());
  MetadataScan scan(ctx);
  scan.it->SeekToFirst();
  if (!scan.it->Valid()) {
    if (!scan.it->status().ok()) return ReplyStatusError(ctx.reply, scan.it->status());
    return ctx.reply->Null();
  }
  std::string first(scan.it->key());
  scan.it->SeekToLast();
  std::string last = scan.it->Valid() ? std::string(scan.it->key()) : first;
  std::string start = RandomKeyBetween(first, last, &rng);
  // The first live key at or after the random point, wrapping around once.
  uint64_t now = NowMs();
  Metadata meta;
  for (int pass = 0; pass < 2; pass++) {
    for (scan.it->Seek(pass == 0 ? start : scan.lower); scan.it->Valid(); scan.it->Next()) {
      if (pass == 1 && scan.it->key() >= std::string_view(start)) break;
      if (DecodeMetadata(scan.it->value(), &meta).ok() && !meta.Expired(now)) {
        return ctx.reply->Bulk(UserKeyOf(scan.it->key()));
      }
    }
    if (!scan.it->status().ok()) return ReplyStatusError(ctx.reply, scan.it->status());
  }
  ctx.reply->Null();
}

// EXPIRE family: `seconds` for EXPIRE/EXPIREAT, `absolute` for the *AT forms.
void ExpireGeneric(CommandContext& ctx, bool seconds, bool absolute) {
  bool nx = false, xx = false, gt = false, lt = false;
  for (size_t i = 3; i < ctx.argv.size(); i++) {
    const std::string& opt = ctx.argv[i];
    if (EqualsIgnoreCase(opt, "nx")) {
      nx = true;
    } else if (EqualsIgnoreCase(opt, "xx")) {
      xx = true;
    } else if (EqualsIgnoreCase(opt, "gt")) {
      gt = true;
    } else if (EqualsIgnoreCase(opt, "lt")) {
      lt = true;
    } else {
      return ctx.reply->Error("ERR Unsupported option " + opt);
    }
  }
  if (nx && (xx || gt || lt)) {
    return ctx.reply->Error("ERR NX and XX, GT or LT options at the same time are not compatible");
  }
  if (gt && lt)
    return ctx.reply->Error("ERR GT and LT options at the same time are not compatible");
  int64_t when;
  if (!ArgInt64(ctx, ctx.argv[2], &when)) return;
  std::string invalid = "ERR invalid expire time in '" + ToLower(ctx.argv[0]) + "' command";
  if (seconds) {
    if (when > INT64_MAX / 1000 || when < INT64_MIN / 1000) return ctx.reply->Error(invalid);
    when *= 1000;
  }
  int64_t base = absolute ? 0 : static_cast<int64_t>(NowMs());
  if (when > INT64_MAX - base) return ctx.reply->Error(invalid);
  when += base;

  const std::string& key = ctx.argv[1];
  KeyLockGuard guard(ctx.state->locks(), key);
  std::string record;
  Metadata meta;
  int found = Find(ctx, key, &record, &meta);
  if (found <= 0) return found < 0 ? void() : ctx.reply->Integer(0);
  int64_t current = meta.expire_ms == 0 ? -1 : static_cast<int64_t>(meta.expire_ms);
  if ((nx && current != -1) || (xx && current == -1) ||
      (gt && (current == -1 || when <= current)) || (lt && current != -1 && when >= current)) {
    return ctx.reply->Integer(0);
  }
  WriteBatch batch;
  if (when <= static_cast<int64_t>(NowMs())) {
    batch.Delete(MetadataKey(key));
  } else {
    batch.Put(MetadataKey(key), WithExpiry(record, static_cast<uint64_t>(when)));
  }
  if (Commit(ctx, &batch)) ctx.reply->Integer(1);
}
void ExpireCommand(CommandContext& ctx) { ExpireGeneric(ctx, true, false); }
void PExpireCommand(CommandContext& ctx) { ExpireGeneric(ctx, false, false); }
void ExpireAtCommand(CommandContext& ctx) { ExpireGeneric(ctx, true, true); }
void PExpireAtCommand(CommandContext& ctx) { ExpireGeneric(ctx, false, true); }

void TtlGeneric(CommandContext& ctx, bool ms, bool absolute) {
  std::string record;
  Metadata meta;
  int found = Find(ctx, ctx.argv[1], &record, &meta);
  if (found < 0) return;
  if (found == 0) return ctx.reply->Integer(-2);
  if (meta.expire_ms == 0) return ctx.reply->Integer(-1);
  int64_t ttl = absolute ? static_cast<int64_t>(meta.expire_ms)
                         : static_cast<int64_t>(meta.expire_ms) - static_cast<int64_t>(NowMs());
  if (ttl < 0) ttl = 0;
  ctx.reply->Integer(ms ? ttl : (absolute ? ttl / 1000 : (ttl + 500) / 1000));
}
void TtlCommand(CommandContext& ctx) { TtlGeneric(ctx, false, false); }
void PTtlCommand(CommandContext& ctx) { TtlGeneric(ctx, true, false); }
void ExpireTimeCommand(CommandContext& ctx) { TtlGeneric(ctx, false, true); }
void PExpireTimeCommand(CommandContext& ctx) { TtlGeneric(ctx, true, true); }

void PersistCommand(CommandContext& ctx) {
  const std::string& key = ctx.argv[1];
  KeyLockGuard guard(ctx.state->locks(), key);
  std::string record;
  Metadata meta;
  int found = Find(ctx, key, &record, &meta);
  if (found < 0) return;
  if (found == 0 || meta.expire_ms == 0) return ctx.reply->Integer(0);
  WriteBatch batch;
  batch.Put(MetadataKey(key), WithExpiry(record, 0));
  if (Commit(ctx, &batch)) ctx.reply->Integer(1);
}

// MEMORY USAGE key [SAMPLES count]: the bytes of the key's records as
// stored (keys and values, before compression): its metadata record, plus
// for a collection the average size of its first `count` elements (5 by
// default, 0: all) times its size, as Redis samples a collection's elements.
void MemoryCommand(CommandContext& ctx) {
  std::string sub = ToLower(ctx.argv[1]);
  if (sub != "usage") {
    return ctx.reply->Error("ERR unknown subcommand '" + ctx.argv[1].substr(0, 128) +
                            "'. Try MEMORY HELP.");
  }
  if (ctx.argv.size() < 3) {
    return ctx.reply->Error("ERR wrong number of arguments for 'memory|usage' command");
  }
  int64_t samples = 5;
  for (size_t j = 3; j < ctx.argv.size(); j += 2) {
    if (!EqualsIgnoreCase(ctx.argv[j], "samples") || j + 1 >= ctx.argv.size()) {
      return ctx.reply->Error(kSyntaxError);
    }
    if (!ArgInt64(ctx, ctx.argv[j + 1], &samples)) return;
    if (samples < 0) return ctx.reply->Error(kSyntaxError);
    if (samples == 0) samples = INT64_MAX;
  }
  const std::string& key = ctx.argv[2];
  std::string record;
  Metadata meta;
  int found = Find(ctx, key, &record, &meta);
  if (found < 0) return;
  if (found == 0) return ctx.reply->Null();
  uint64_t bytes = 1 + key.size() + record.size();
  if (meta.type != KeyType::kString && meta.size > 0) {
    Collection c;
    c.found = true;
    c.meta = meta;
    c.prefix.Assign(key, meta.version);
    ElementIterator it(ctx, c);
    uint64_t seen = 0, seen_bytes = 0;
    for (it.SeekToFirst(); it.Valid() && seen < static_cast<uint64_t>(samples); it.Next()) {
      seen++;
      seen_bytes += c.prefix.size() + it.subkey().size() + it.value().size();
    }
    if (!it.status().ok()) return ReplyStatusError(ctx.reply, it.status());
    if (seen > 0) bytes += seen_bytes / seen * meta.size;
  }
  ctx.reply->Integer(static_cast<int64_t>(bytes));
}

// OBJECT REFCOUNT key: 1 for every key, as strata-server shares no values
// between keys (Redis replies more only for its shared small integers).
// OBJECT's other subcommands describe Redis's in-memory encodings, which
// strata-server does not have.
void ObjectCommand(CommandContext& ctx) {
  std::string sub = ToLower(ctx.argv[1]);
  if (sub != "refcount") {
    return ctx.reply->Error("ERR unknown subcommand '" + ctx.argv[1].substr(0, 128) +
                            "'. Try OBJECT HELP.");
  }
  if (ctx.argv.size() != 3) {
    return ctx.reply->Error("ERR wrong number of arguments for 'object|refcount' command");
  }
  std::string record;
  Metadata meta;
  int found = Find(ctx, ctx.argv[2], &record, &meta);
  if (found < 0) return;
  if (found == 0) return ctx.reply->Null();
  ctx.reply->Integer(1);
}

}  // namespace

void AppendKeyCommands(std::vector<CommandSpec>* t) {
  const char* g = "generic";
  t->insert(t->end(),
            {
                {"del", -2, kWrite, 1, -1, 1, g, "Delete a key", "1.0.0", DelCommand},
                {"unlink", -2, kWrite | kFast, 1, -1, 1, g,
                 "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but "
                 "non blocking.",
                 "4.0.0", DelCommand},
                {"exists", -2, kReadOnly | kFast, 1, -1, 1, g, "Determine if a key exists", "1.0.0",
                 ExistsCommand},
                {"touch", -2, kReadOnly | kFast, 1, -1, 1, g,
                 "Alters the last access time of a key(s). Returns the number of existing keys "
                 "specified.",
                 "3.2.1", ExistsCommand},
                {"type", 2, kReadOnly | kFast, 1, 1, 1, g, "Determine the type stored at key",
                 "1.0.0", TypeCommand},
                {"rename", 3, kWrite, 1, 2, 1, g, "Rename a key", "1.0.0", RenameCommand},
                {"renamenx", 3, kWrite | kFast, 1, 2, 1, g,
                 "Rename a key, only if the new key does not exist", "1.0.0", RenameNxCommand},
                {"keys", 2, kReadOnly, 0, 0, 0, g, "Find all keys matching the given pattern",
                 "1.0.0", KeysCommand},
                {"scan", -2, kReadOnly, 0, 0, 0, g, "Incrementally iterate the keys space", "2.8.0",
                 ScanCommand},
                {"randomkey", 1, kReadOnly, 0, 0, 0, g, "Return a random key from the keyspace",
                 "1.0.0", RandomKeyCommand},
                {"expire", -3, kWrite | kFast, 1, 1, 1, g, "Set a key's time to live in seconds",
                 "1.0.0", ExpireCommand},
                {"pexpire", -3, kWrite | kFast, 1, 1, 1, g,
                 "Set a key's time to live in milliseconds", "2.6.0", PExpireCommand},
                {"expireat", -3, kWrite | kFast, 1, 1, 1, g,
                 "Set the expiration for a key as a UNIX timestamp", "1.2.0", ExpireAtCommand},
                {"pexpireat", -3, kWrite | kFast, 1, 1, 1, g,
                 "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
                 "2.6.0", PExpireAtCommand},
                {"ttl", 2, kReadOnly | kFast, 1, 1, 1, g,
                 "Get the time to live for a key in seconds", "1.0.0", TtlCommand},
                {"pttl", 2, kReadOnly | kFast, 1, 1, 1, g,
                 "Get the time to live for a key in milliseconds", "2.6.0", PTtlCommand},
                {"expiretime", 2, kReadOnly | kFast, 1, 1, 1, g,
                 "Get the expiration Unix timestamp for a key", "7.0.0", ExpireTimeCommand},
                {"pexpiretime", 2, kReadOnly | kFast, 1, 1, 1, g,
                 "Get the expiration Unix timestamp for a key in milliseconds", "7.0.0",
                 PExpireTimeCommand},
                {"persist", 2, kWrite | kFast, 1, 1, 1, g, "Remove the expiration from a key",
                 "2.2.0", PersistCommand},
                {"object", -2, kReadOnly, 0, 0, 0, g,
                 "A container for object introspection commands", "2.2.3", ObjectCommand},
                {"memory", -2, kReadOnly, 0, 0, 0, "server",
                 "A container for memory diagnostics commands", "4.0.0", MemoryCommand},
            });
}

}  // namespace strata::server
