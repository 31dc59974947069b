// Hash commands (issue 13): HSET HSETNX HGET HMGET HMSET HDEL HLEN HSTRLEN
// HEXISTS HKEYS HVALS HGETALL HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN, with
// Redis 7.0's replies, error strings and RESP3 shapes.
//
// Encoding (docs/SERVER.md, "Hashes"): one element per field, subkey = the
// field's bytes, value = the value's bytes; the metadata's size counts the
// fields and the record has no type-specific fields. Fields are therefore
// kept in bytewise order, which HSCAN's cursor (the last field returned)
// relies on.
//
// Invariant: size == the number of elements under (key, version); every
// write that adds or removes fields updates the size in the same batch.
//
// Thread-safety: as every handler (commands.h). A writer holds the key's
// lock from its read until CommitBatch returns; readers take no lock.

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "server/collection.h"
#include "server/commands.h"
#include "server/config.h"
#include "server/resp_parser.h"

namespace strata::server {

namespace {

bool ReadHash(CommandContext& ctx, std::string_view key, Collection* c) {
  return ReadCollection(ctx, key, KeyType::kHash, c);
}

// Reads field into *value; returns 1 if present, 0 if not, -1 after
// replying an engine error.
int ReadField(CommandContext& ctx, const Collection& c, std::string_view field,
              std::string* value) {
  if (!c.found) return 0;
  Status s = GetElement(ctx, c, field, value);
  if (s.ok()) return 1;
  if (s.IsNotFound()) return 0;
  ReplyStatusError(ctx.reply, s);
  return -1;
}

// Every (field, value) of c, in field order; false after replying an error.
bool ReadAll(CommandContext& ctx, const Collection& c,
             std::vector<std::pair<std::string, std::string>>* out) {
  out->clear();
  if (!c.found) return true;
  out->reserve(c.meta.size);
  ElementIterator it(ctx, c);
  for (it.SeekToFirst(); it.Valid(); it.Next()) out->emplace_back(it.subkey(), it.value());
  if (!it.status().ok()) {
    ReplyStatusError(ctx.reply, it.status());
    return false;
  }
  return true;
}

// HSET key field value [field value ...] (replies the number of new
// fields) and HMSET (replies OK).
void SetGeneric(CommandContext& ctx, bool hmset) {
  if (ctx.argv.size() % 2 == 1) {
    return ctx.reply->Error("ERR wrong number of arguments for '" + ToLower(ctx.argv[0]) +
                            "' command");
  }
  const std::string& key = ctx.argv[1];
  KeyLockGuard guard(ctx.state->locks(), key);
  Collection c;
  if (!ReadHash(ctx, key, &c)) return;
  if (!c.found && !CreateCollection(ctx, key, &c)) return;
  WriteBatch batch;
  std::unordered_set<std::string_view> added;  // new fields named by this command
  std::string value;
  int64_t created = 0;
  for (size_t i = 2; i < ctx.argv.size(); i += 2) {
    std::string_view field = ctx.argv[i];
    if (!added.contains(field)) {
      int present = ReadField(ctx, c, field, &value);
      if (present < 0) return;
      if (present == 0) {
        // Only a later pair can name it again: HSET's one field needs no set.
        if (i + 2 < ctx.argv.size()) added.insert(field);
        created++;
      }
    }
    batch.Put(c.ElementKey(field), ctx.argv[i + 1]);
  }
  c.meta.size += static_cast<uint64_t>(created);
  PutCollectionMetadata(key, c, &batch);
  if (!CommitBatch(ctx, &batch)) return;
  if (hmset) return ctx.reply->Ok();
  ctx.reply->Integer(created);
}
void HSetCommand(CommandContext& ctx) { SetGeneric(ctx, false); }
void HMSetCommand(CommandContext& ctx) { SetGeneric(ctx, true); }

void HSetNxCommand(CommandContext& ctx) {
  const std::string& key = ctx.argv[1];
  KeyLockGuard guard(ctx.state->locks(), key);
  Collection c;
  if (!ReadHash(ctx, key, &c)) return;
  std::string value;
  int present = ReadField(ctx, c, ctx.argv[2], &value);
  if (present < 0) return;
  if (present) return ctx.reply->Integer(0);
  if (!c.found && !CreateCollection(ctx, key, &c)) return;
  WriteBatch batch;
  batch.Put(c.ElementKey(ctx.argv[2]), ctx.argv[3]);
  c.meta.size++;
  PutCollectionMetadata(key, c, &batch);
  if (CommitBatch(ctx, &batch)) ctx.reply->Integer(1);
}

void HGetCommand(CommandContext& ctx) {
  Collection c;
  if (!ReadHash(ctx, ctx.argv[1], &c)) return;
  std::string value;
  int present = ReadField(ctx, c, ctx.argv[2], &value);
  if (present < 0) return;
  if (present == 0) return ctx.reply->Null();
  ctx.reply->Bulk(value);
}

void HMGetCommand(CommandContext& ctx) {
  Collection c;
  if (!ReadHash(ctx, ctx.argv[1], &c)) return;
  // Read everything before replying, so an engine error is the only reply.
  std::vector<std::string> values(ctx.argv.size() - 2);
  std::vector<bool> present(values.size());
  for (size_t i = 0; i < values.size(); i++) {
    int p = ReadField(ctx, c, ctx.argv[i + 2], &values[i]);
    if (p < 0) return;
    present[i] = p == 1;
  }
  ctx.reply->Array(values.size());
  for (size_t i = 0; i < values.size(); i++) {
    if (present[i]) {
      ctx.reply->Bulk(values[i]);
    } else {
      ctx.reply->Null();
    }
  }
}

void HDelCommand(CommandContext& ctx) {
  const std::string& key = ctx.argv[1];
  KeyLockGuard guard(ctx.state->locks(), key);
  Collection c;
  if (!ReadHash(ctx, key, &c)) return;
  if (!c.found) return ctx.reply->Integer(0);
  WriteBatch batch;
  std::unordered_set<std::string_view> deleted;
  std::string value;
  for (size_t i = 2; i < ctx.argv.size(); i++) {
    std::string_view field = ctx.argv[i];
    if (deleted.contains(field)) continue;
    int present = ReadField(ctx, c, field, &value);
    if (present < 0) return;
    if (present == 0) continue;
    deleted.insert(field);
    batch.Delete(c.ElementKey(field));
  }
  if (deleted.empty()) return ctx.reply->Integer(0);
  c.meta.size -= std::min<uint64_t>(c.meta.size, deleted.size());
  PutCollectionMetadata(key, c, &batch);
  if (CommitBatch(ctx, &batch)) ctx.reply->Integer(static_cast<int64_t>(deleted.size()));
}

void HLenCommand(CommandContext& ctx) {
  Collection c;
  if (!ReadHash(ctx, ctx.argv[1], &c)) return;
  ctx.reply->Integer(c.found ? static_cast<int64_t>(c.meta.size) : 0);
}

void HStrLenCommand(CommandContext& ctx) {
  Collection c;
  if (!ReadHash(ctx, ctx.argv[1], &c)) return;
  std::string value;
  int present = ReadField(ctx, c, ctx.argv[2], &value);
  if (present < 0) return;
  ctx.reply->Integer(present ? static_cast<int64_t>(value.size()) : 0);
}

void HExistsCommand(CommandContext& ctx) {
  Collection c;
  if (!ReadHash(ctx, ctx.argv[1], &c)) return;
  std::string value;
  int present = ReadField(ctx, c, ctx.argv[2], &value);
  if (present < 0) return;
  ctx.reply->Integer(present);
}

// HKEYS, HVALS and HGETALL: `fields` and `values` say what each element
// contributes. HGETALL is a map in RESP3 (an empty one for a missing key).
void GetAllGeneric(CommandContext& ctx, bool fields, bool values) {
  Collection c;
  if (!ReadHash(ctx, ctx.argv[1], &c)) return;
  std::vector<std::pair<std::string, std::string>> all;
  if (!ReadAll(ctx, c, &all)) return;
  if (fields && values) {
    ctx.reply->Map(all.size());
  } else {
    ctx.reply->Array(all.size());
  }
  for (const auto& [field, value] : all) {
    if (fields) ctx.reply->Bulk(field);
    if (values) ctx.reply->Bulk(value);
  }
}
void HKeysCommand(CommandContext& ctx) { GetAllGeneric(ctx, true, false); }
void HValsCommand(CommandContext& ctx) { GetAllGeneric(ctx, false, true); }
void HGetAllCommand(CommandContext& ctx) { GetAllGeneric(ctx, true, true); }

// Writes field = text in c (adding it if new) and replies via `reply`.
bool PutField(CommandContext& ctx, std::string_view key, Collection* c, std::string_view field,
              std::string_view text, bool is_new) {
  if (!c->found && !CreateCollection(ctx, key, c)) return false;
  WriteBatch batch;
  batch.Put(c->ElementKey(field), text);
  if (is_new) c->meta.size++;
  PutCollectionMetadata(key, *c, &batch);
  return CommitBatch(ctx, &batch);
}

void HIncrByCommand(CommandContext& ctx) {
  int64_t incr;
  if (!ArgInt64(ctx, ctx.argv[3], &incr)) return;
  const std::string& key = ctx.argv[1];
  KeyLockGuard guard(ctx.state->locks(), key);
  Collection c;
  if (!ReadHash(ctx, key, &c)) return;
  std::string current;
  int present = ReadField(ctx, c, ctx.argv[2], &current);
  if (present < 0) return;
  int64_t value = 0;
  if (present && !ParseInt64(current, &value)) {
    return ctx.reply->Error("ERR hash value is not an integer");
  }
  if ((incr < 0 && value < 0 && incr < INT64_MIN - value) ||
      (incr > 0 && value > 0 && incr > INT64_MAX - value)) {
    return ctx.reply->Error("ERR increment or decrement would overflow");
  }
  value += incr;
  if (PutField(ctx, key, &c, ctx.argv[2], std::to_string(value), present == 0)) {
    ctx.reply->Integer(value);
  }
}

void HIncrByFloatCommand(CommandContext& ctx) {
  long double incr;
  if (!ParseLongDouble(ctx.argv[3], &incr)) {
    return ctx.reply->Error("ERR value is not a valid float");
  }
  if (std::isnan(incr) || std::isinf(incr)) return ctx.reply->Error("ERR value is NaN or Infinity");
  const std::string& key = ctx.argv[1];
  KeyLockGuard guard(ctx.state->locks(), key);
  Collection c;
  if (!ReadHash(ctx, key, &c)) return;
  std::string current;
  int present = ReadField(ctx, c, ctx.argv[2], &current);
  if (present < 0) return;
  long double value = 0;
  if (present && !ParseLongDouble(current, &value)) {
    return ctx.reply->Error("ERR hash value is not a float");
  }
  value += incr;
  if (std::isnan(value) || std::isinf(value)) {
    return ctx.reply->Error("ERR increment would produce NaN or Infinity");
  }
  std::string text = FormatLongDouble(value);
  if (PutField(ctx, key, &c, ctx.argv[2], text, present == 0)) ctx.reply->Bulk(text);
}

// HRANDFIELD key [count [WITHVALUES]]. Draws from the hash's fields read in
// one pass (O(size)): the engine has no random access into a key range.
void HRandFieldCommand(CommandContext& ctx) {
  thread_local std::mt19937_64 rng(std::random_device{}());
  bool with_count = ctx.argv.size() >= 3;
  bool with_values = false;
  int64_t count = 1;
  if (with_count) {
    if (!ArgInt64(ctx, ctx.argv[2], &count)) return;
    if (count == INT64_MIN) {
      return ctx.reply->Error("ERR value is out of range, value must between " +
                              std::to_string(-INT64_MAX) + " and " + std::to_string(INT64_MAX));
    }
    if (ctx.argv.size() > 4 ||
        (ctx.argv.size() == 4 && !EqualsIgnoreCase(ctx.argv[3], "withvalues"))) {
      return ctx.reply->Error(kSyntaxError);
    }
    if (ctx.argv.size() == 4) {
      with_values = true;
      if (count < -INT64_MAX / 2 || count > INT64_MAX / 2) {
        return ctx.reply->Error("ERR value is out of range");
      }
    }
  }
  Collection c;
  if (!ReadHash(ctx, ctx.argv[1], &c)) return;
  if (!c.found) return with_count ? ctx.reply->Array(0) : ctx.reply->Null();
  if (count == 0) return ctx.reply->Array(0);
  std::vector<std::pair<std::string, std::string>> all;
  if (!ReadAll(ctx, c, &all)) return;
  if (all.empty()) return with_count ? ctx.reply->Array(0) : ctx.reply->Null();
  if (!with_count) return ctx.reply->Bulk(all[rng() % all.size()].first);

  // Negative count: that many draws, repeats allowed (streamed, as the
  // count may be large); positive: distinct fields, at most all of them, in
  // random order (a partial shuffle).
  bool resp3 = ctx.reply->resp3();
  auto reply_pick = [&](size_t i) {
    if (with_values && resp3) ctx.reply->Array(2);
    ctx.reply->Bulk(all[i].first);
    if (with_values) ctx.reply->Bulk(all[i].second);
  };
  uint64_t n = count < 0 ? static_cast<uint64_t>(-count)
                         : std::min<uint64_t>(static_cast<uint64_t>(count), all.size());
  ctx.reply->Array(with_values && !resp3 ? n * 2 : n);
  if (count < 0) {
    for (uint64_t i = 0; i < n; i++) reply_pick(rng() % all.size());
    return;
  }
  std::vector<size_t> order(all.size());
  for (size_t i = 0; i < order.size(); i++) order[i] = i;
  for (size_t i = 0; i < n; i++) {
    std::swap(order[i], order[i + rng() % (order.size() - i)]);
    reply_pick(order[i]);
  }
}

// HSCAN key cursor [MATCH pattern] [COUNT count]. The cursor names the last
// field a call examined (ServerState::SaveCursor); the next call resumes
// after it, so a field present for the whole scan is returned, and, fields
// being distinct and ordered, returned once. An unknown cursor starts over.
void HScanCommand(CommandContext& ctx) {
  ScanArgs args;
  if (!ParseScanArgs(ctx, ScanCommandKind::kHScan, &args)) return;
  Collection c;
  if (!ReadHash(ctx, ctx.argv[1], &c)) return;
  if (!args.options_error.empty()) return ctx.reply->Error(args.options_error);
  std::vector<std::pair<std::string, std::string>> found;
  uint64_t next = 0;
  if (c.found) {
    std::string last;
    bool resume = args.cursor != 0 && ctx.state->LoadCursor(args.cursor, &last);
    ElementIterator it(ctx, c);
    if (resume) {
      it.Seek(last);
      if (it.Valid() && it.subkey() == last) it.Next();
    } else {
      it.SeekToFirst();
    }
    std::string last_seen;
    for (int64_t n = 0; n < args.count && it.Valid(); n++, it.Next()) {
      last_seen.assign(it.subkey());
      if (!args.Matches(it.subkey())) continue;
      found.emplace_back(it.subkey(), it.value());
    }
    if (!it.status().ok()) return ReplyStatusError(ctx.reply, it.status());
    if (it.Valid()) next = ctx.state->SaveCursor(last_seen);
  }
  ctx.reply->Array(2);
  ctx.reply->Bulk(std::to_string(next));
  ctx.reply->Array(found.size() * 2);
  for (const auto& [field, value] : found) {
    ctx.reply->Bulk(field);
    ctx.reply->Bulk(value);
  }
}

}  // namespace

void AppendHashCommands(std::vector<CommandSpec>* t) {
  const char* g = "hash";
  t->insert(t->end(),
            {
                {"hset", -4, kWrite | kFast, 1, 1, 1, g, "Set the string value of a hash field",
                 "2.0.0", HSetCommand},
                {"hsetnx", 4, kWrite | kFast, 1, 1, 1, g,
                 "Set the value of a hash field, only if the field does not exist", "2.0.0",
                 HSetNxCommand},
                {"hget", 3, kReadOnly | kFast, 1, 1, 1, g, "Get the value of a hash field", "2.0.0",
                 HGetCommand},
                {"hmget", -3, kReadOnly | kFast, 1, 1, 1, g,
                 "Get the values of all the given hash fields", "2.0.0", HMGetCommand},
                {"hmset", -4, kWrite | kFast, 1, 1, 1, g,
                 "Set multiple hash fields to multiple values", "2.0.0", HMSetCommand},
                {"hdel", -3, kWrite | kFast, 1, 1, 1, g, "Delete one or more hash fields", "2.0.0",
                 HDelCommand},
                {"hlen", 2, kReadOnly | kFast, 1, 1, 1, g, "Get the number of fields in a hash",
                 "2.0.0", HLenCommand},
                {"hstrlen", 3, kReadOnly | kFast, 1, 1, 1, g,
                 "Get the length of the value of a hash field", "3.2.0", HStrLenCommand},
                {"hexists", 3, kReadOnly | kFast, 1, 1, 1, g, "Determine if a hash field exists",
                 "2.0.0", HExistsCommand},
                {"hkeys", 2, kReadOnly, 1, 1, 1, g, "Get all the fields in a hash", "2.0.0",
                 HKeysCommand},
                {"hvals", 2, kReadOnly, 1, 1, 1, g, "Get all the values in a hash", "2.0.0",
                 HValsCommand},
                {"hgetall", 2, kReadOnly, 1, 1, 1, g, "Get all the fields and values in a hash",
                 "2.0.0", HGetAllCommand},
                {"hincrby", 4, kWrite | kFast, 1, 1, 1, g,
                 "Increment the integer value of a hash field by the given number", "2.0.0",
                 HIncrByCommand},
                {"hincrbyfloat", 4, kWrite | kFast, 1, 1, 1, g,
                 "Increment the float value of a hash field by the given amount", "2.6.0",
                 HIncrByFloatCommand},
                {"hrandfield", -2, kReadOnly, 1, 1, 1, g,
                 "Get one or multiple random fields from a hash", "6.2.0", HRandFieldCommand},
                {"hscan", -3, kReadOnly, 1, 1, 1, g,
                 "Incrementally iterate hash fields and associated values", "2.8.0", HScanCommand},
            });
}

}  // namespace strata::server
