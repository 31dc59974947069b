// String commands: GET SET (EX PX EXAT PXAT NX XX KEEPTTL GET) SETNX SETEX
// PSETEX MGET MSET MSETNX GETSET GETDEL GETEX APPEND STRLEN GETRANGE SETRANGE
// INCR DECR INCRBY DECRBY INCRBYFLOAT, with Redis 7.0's replies and errors.
// A string's value lives in its metadata record (metadata.h).

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "server/commands.h"
#include "server/resp_parser.h"

namespace strata::server {

namespace {

// The state of one key for a command: absent, a string, or another type.
struct StringLookup {
  bool found = false;
  bool wrong_type = false;
  uint64_t expire_ms = 0;
  std::string record;
  std::string_view value;
};

// Looks `key` up; replies and returns false on an engine error.
bool Lookup(CommandContext& ctx, std::string_view key, StringLookup* out) {
  Metadata meta;
  Status s = GetMeta(ctx, key, &out->record, &meta);
  if (s.IsNotFound()) {
    ctx.state->stats()->keyspace_misses.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  if (!s.ok()) {
    ReplyStatusError(ctx.reply, s);
    return false;
  }
  ctx.state->stats()->keyspace_hits.fetch_add(1, std::memory_order_relaxed);
  out->found = true;
  out->wrong_type = meta.type != KeyType::kString;
  out->expire_ms = meta.expire_ms;
  out->value = meta.value;
  return true;
}

bool Commit(CommandContext& ctx, WriteBatch* batch) {
  Status s = DbWrite(ctx, batch);
  if (s.ok()) return true;
  ReplyStatusError(ctx.reply, s);
  return false;
}

int64_t MaxBulk(CommandContext& ctx) { return ctx.state->config()->proto_max_bulk_len(); }

void GetCommand(CommandContext& ctx) {
  StringLookup l;
  if (!Lookup(ctx, ctx.argv[1], &l)) return;
  if (!l.found) return ctx.reply->Null();
  if (l.wrong_type) return ctx.reply->Error(kWrongType);
  ctx.reply->Bulk(l.value);
}

// Parses an expiry argument for `command` into an absolute time in ms.
bool ExpireArg(CommandContext& ctx, std::string_view arg, bool seconds, bool absolute,
               uint64_t* expire_ms) {
  int64_t v;
  if (!ArgInt64(ctx, arg, &v)) return false;
  std::string command = ToLower(ctx.argv[0]);
  if (v <= 0 || (seconds && v > INT64_MAX / 1000)) {
    ctx.reply->Error("ERR invalid expire time in '" + command + "' command");
    return false;
  }
  if (seconds) v *= 1000;
  if (!absolute) {
    int64_t now = static_cast<int64_t>(NowMs());
    if (v > INT64_MAX - now) {
      ctx.reply->Error("ERR invalid expire time in '" + command + "' command");
      return false;
    }
    v += now;
  }
  *expire_ms = static_cast<uint64_t>(v);
  return true;
}

// Whether `opt` is one of SET's and GETEX's expiry options, EX s, PX ms,
// EXAT s or PXAT ms, and if so its unit and whether it is absolute.
bool IsExpiryOption(std::string_view opt, bool* seconds, bool* absolute) {
  *seconds = EqualsIgnoreCase(opt, "ex") || EqualsIgnoreCase(opt, "exat");
  *absolute = EqualsIgnoreCase(opt, "exat") || EqualsIgnoreCase(opt, "pxat");
  return *seconds || *absolute || EqualsIgnoreCase(opt, "px");
}

// SET key value [NX|XX] [GET] [EX s|PX ms|EXAT s|PXAT ms|KEEPTTL]
void SetCommand(CommandContext& ctx) {
  bool nx = false, xx = false, get = false, keepttl = false, has_expire = false;
  bool seconds = false, absolute = false;
  uint64_t expire_ms = 0;
  for (size_t i = 3; i < ctx.argv.size(); i++) {
    const std::string& opt = ctx.argv[i];
    bool has_next = i + 1 < ctx.argv.size();
    if (EqualsIgnoreCase(opt, "nx") && !xx) {
      nx = true;
    } else if (EqualsIgnoreCase(opt, "xx") && !nx) {
      xx = true;
    } else if (EqualsIgnoreCase(opt, "get")) {
      get = true;
    } else if (EqualsIgnoreCase(opt, "keepttl") && !has_expire) {
      keepttl = true;
    } else if (has_next && !keepttl && !has_expire && IsExpiryOption(opt, &seconds, &absolute)) {
      has_expire = true;
      if (!ExpireArg(ctx, ctx.argv[i + 1], seconds, absolute, &expire_ms)) return;
      i++;
    } else {
      return ctx.reply->Error(kSyntaxError);
    }
  }
  const std::string& key = ctx.argv[1];
  KeyLockGuard guard(ctx.state->locks(), key);
  if (!nx && !xx && !get && !keepttl) {
    // A plain SET replaces whatever is there: no read needed (the hot path).
    WriteBatch batch;
    batch.Put(MetadataKey(key), EncodeStringMetadata(expire_ms, ctx.argv[2]));
    if (Commit(ctx, &batch)) ctx.reply->Ok();
    return;
  }
  StringLookup l;
  if (!Lookup(ctx, key, &l)) return;
  if (get && l.wrong_type) return ctx.reply->Error(kWrongType);
  if ((nx && l.found) || (xx && !l.found)) {
    if (get) return l.found ? ctx.reply->Bulk(l.value) : ctx.reply->Null();
    return ctx.reply->Null();
  }
  uint64_t expiry = has_expire ? expire_ms : (keepttl && l.found ? l.expire_ms : 0);
  WriteBatch batch;
  batch.Put(MetadataKey(key), EncodeStringMetadata(expiry, ctx.argv[2]));
  if (!Commit(ctx, &batch)) return;
  if (!get) return ctx.reply->Ok();
  if (!l.found) return ctx.reply->Null();
  ctx.reply->Bulk(l.value);
}

// SETNX, SETEX, PSETEX: rewritten as SET with options.
void SetNxCommand(CommandContext& ctx) {
  const std::string& key = ctx.argv[1];
  KeyLockGuard guard(ctx.state->locks(), key);
  StringLookup l;
  if (!Lookup(ctx, key, &l)) return;
  if (l.found) return ctx.reply->Integer(0);
  WriteBatch batch;
  batch.Put(MetadataKey(key), EncodeStringMetadata(0, ctx.argv[2]));
  if (Commit(ctx, &batch)) ctx.reply->Integer(1);
}

void SetExGeneric(CommandContext& ctx, bool seconds) {
  uint64_t expire_ms;
  if (!ExpireArg(ctx, ctx.argv[2], seconds, false, &expire_ms)) return;
  const std::string& key = ctx.argv[1];
  KeyLockGuard guard(ctx.state->locks(), key);
  WriteBatch batch;
  batch.Put(MetadataKey(key), EncodeStringMetadata(expire_ms, ctx.argv[3]));
  if (Commit(ctx, &batch)) ctx.reply->Ok();
}
void SetExCommand(CommandContext& ctx) { SetExGeneric(ctx, true); }
void PSetExCommand(CommandContext& ctx) { SetExGeneric(ctx, false); }

void MGetCommand(CommandContext& ctx) {
  ctx.reply->Array(ctx.argv.size() - 1);
  for (size_t i = 1; i < ctx.argv.size(); i++) {
    StringLookup l;
    Metadata meta;
    Status s = GetMeta(ctx, ctx.argv[i], &l.record, &meta);
    if (s.ok() && meta.type == KeyType::kString) {
      ctx.reply->Bulk(meta.value);
    } else {
      ctx.reply->Null();
    }
  }
}

void MSetGeneric(CommandContext& ctx, bool nx) {
  if (ctx.argv.size() % 2 == 0) {
    return ctx.reply->Error(std::string("ERR wrong number of arguments for '") +
                            (nx ? "msetnx" : "mset") + "' command");
  }
  std::vector<std::string_view> keys;
  for (size_t i = 1; i < ctx.argv.size(); i += 2) keys.push_back(ctx.argv[i]);
  KeyLockGuard guard(ctx.state->locks(), keys);
  if (nx) {
    for (std::string_view key : keys) {
      StringLookup l;
      if (!Lookup(ctx, key, &l)) return;
      if (l.found) return ctx.reply->Integer(0);
    }
  }
  WriteBatch batch;
  for (size_t i = 1; i < ctx.argv.size(); i += 2) {
    batch.Put(MetadataKey(ctx.argv[i]), EncodeStringMetadata(0, ctx.argv[i + 1]));
  }
  if (!Commit(ctx, &batch)) return;
  if (nx) return ctx.reply->Integer(1);
  ctx.reply->Ok();
}
void MSetCommand(CommandContext& ctx) { MSetGeneric(ctx, false); }
void MSetNxCommand(CommandContext& ctx) { MSetGeneric(ctx, true); }

void GetSetCommand(CommandContext& ctx) {
  const std::string& key = ctx.argv[1];
  KeyLockGuard guard(ctx.state->locks(), key);
  StringLookup l;
  if (!Lookup(ctx, key, &l)) return;
  if (l.wrong_type) return ctx.reply->Error(kWrongType);
  WriteBatch batch;
  batch.Put(MetadataKey(key), EncodeStringMetadata(0, ctx.argv[2]));
  if (!Commit(ctx, &batch)) return;
  if (!l.found) return ctx.reply->Null();
  ctx.reply->Bulk(l.value);
}

void GetDelCommand(CommandContext& ctx) {
  const std::string& key = ctx.argv[1];
  KeyLockGuard guard(ctx.state->locks(), key);
  StringLookup l;
  if (!Lookup(ctx, key, &l)) return;
  if (!l.found) return ctx.reply->Null();
  if (l.wrong_type) return ctx.reply->Error(kWrongType);
  WriteBatch batch;
  batch.Delete(MetadataKey(key));
  if (Commit(ctx, &batch)) ctx.reply->Bulk(l.value);
}

// GETEX key [EX s|PX ms|EXAT s|PXAT ms|PERSIST]
void GetExCommand(CommandContext& ctx) {
  bool persist = false, has_expire = false;
  bool seconds = false, absolute = false;
  uint64_t expire_ms = 0;
  for (size_t i = 2; i < ctx.argv.size(); i++) {
    const std::string& opt = ctx.argv[i];
    bool has_next = i + 1 < ctx.argv.size();
    if (EqualsIgnoreCase(opt, "persist") && !has_expire && !persist) {
      persist = true;
    } else if (has_next && !persist && !has_expire && IsExpiryOption(opt, &seconds, &absolute)) {
      has_expire = true;
      if (!ExpireArg(ctx, ctx.argv[i + 1], seconds, absolute, &expire_ms)) return;
      i++;
    } else {
      return ctx.reply->Error(kSyntaxError);
    }
  }
  const std::string& key = ctx.argv[1];
  KeyLockGuard guard(ctx.state->locks(), key);
  StringLookup l;
  if (!Lookup(ctx, key, &l)) return;
  if (!l.found) return ctx.reply->Null();
  if (l.wrong_type) return ctx.reply->Error(kWrongType);
  if (has_expire || (persist && l.expire_ms != 0)) {
    WriteBatch batch;
    if (has_expire && expire_ms <= NowMs()) {
      batch.Delete(MetadataKey(key));
    } else {
      batch.Put(MetadataKey(key), WithExpiry(l.record, has_expire ? expire_ms : 0));
    }
    if (!Commit(ctx, &batch)) return;
  }
  ctx.reply->Bulk(l.value);
}

void AppendCommand(CommandContext& ctx) {
  const std::string& key = ctx.argv[1];
  KeyLockGuard guard(ctx.state->locks(), key);
  StringLookup l;
  if (!Lookup(ctx, key, &l)) return;
  if (l.wrong_type) return ctx.reply->Error(kWrongType);
  if (static_cast<int64_t>(l.value.size() + ctx.argv[2].size()) > MaxBulk(ctx)) {
    return ctx.reply->Error("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
  }
  std::string value(l.value);
  value.append(ctx.argv[2]);
  WriteBatch batch;
  batch.Put(MetadataKey(key), EncodeStringMetadata(l.found ? l.expire_ms : 0, value));
  if (Commit(ctx, &batch)) ctx.reply->Integer(static_cast<int64_t>(value.size()));
}

void StrLenCommand(CommandContext& ctx) {
  StringLookup l;
  if (!Lookup(ctx, ctx.argv[1], &l)) return;
  if (l.wrong_type) return ctx.reply->Error(kWrongType);
  ctx.reply->Integer(static_cast<int64_t>(l.value.size()));
}

void GetRangeCommand(CommandContext& ctx) {
  int64_t start, end;
  if (!ArgInt64(ctx, ctx.argv[2], &start) || !ArgInt64(ctx, ctx.argv[3], &end)) return;
  StringLookup l;
  if (!Lookup(ctx, ctx.argv[1], &l)) return;
  if (l.wrong_type) return ctx.reply->Error(kWrongType);
  int64_t len = static_cast<int64_t>(l.value.size());
  // Redis 7.0: a negative start past a negative end, or an empty string,
  // gives "".
  if (start < 0 && end < 0 && start > end) return ctx.reply->Bulk("");
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (len == 0 || start > end) return ctx.reply->Bulk("");
  ctx.reply->Bulk(l.value.substr(static_cast<size_t>(start), static_cast<size_t>(end - start + 1)));
}

void SetRangeCommand(CommandContext& ctx) {
  int64_t offset;
  if (!ArgInt64(ctx, ctx.argv[2], &offset)) return;
  if (offset < 0) return ctx.reply->Error("ERR offset is out of range");
  const std::string& key = ctx.argv[1];
  const std::string& piece = ctx.argv[3];
  KeyLockGuard guard(ctx.state->locks(), key);
  StringLookup l;
  if (!Lookup(ctx, key, &l)) return;
  if (l.wrong_type) return ctx.reply->Error(kWrongType);
  if (piece.empty()) return ctx.reply->Integer(static_cast<int64_t>(l.value.size()));
  if (offset > MaxBulk(ctx) - static_cast<int64_t>(piece.size())) {
    return ctx.reply->Error("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
  }
  std::string value(l.value);
  size_t needed = static_cast<size_t>(offset) + piece.size();
  if (value.size() < needed) value.resize(needed, '\0');
  value.replace(static_cast<size_t>(offset), piece.size(), piece);
  WriteBatch batch;
  batch.Put(MetadataKey(key), EncodeStringMetadata(l.found ? l.expire_ms : 0, value));
  if (Commit(ctx, &batch)) ctx.reply->Integer(static_cast<int64_t>(value.size()));
}

void IncrByGeneric(CommandContext& ctx, int64_t delta) {
  const std::string& key = ctx.argv[1];
  KeyLockGuard guard(ctx.state->locks(), key);
  StringLookup l;
  if (!Lookup(ctx, key, &l)) return;
  if (l.wrong_type) return ctx.reply->Error(kWrongType);
  int64_t current = 0;
  if (l.found && !ParseInt64(l.value, &current)) return ctx.reply->Error(kNotInteger);
  if ((delta < 0 && current < 0 && delta < INT64_MIN - current) ||
      (delta > 0 && current > 0 && delta > INT64_MAX - current)) {
    return ctx.reply->Error("ERR increment or decrement would overflow");
  }
  int64_t result = current + delta;
  WriteBatch batch;
  batch.Put(MetadataKey(key),
            EncodeStringMetadata(l.found ? l.expire_ms : 0, std::to_string(result)));
  if (Commit(ctx, &batch)) ctx.reply->Integer(result);
}

void IncrCommand(CommandContext& ctx) { IncrByGeneric(ctx, 1); }
void DecrCommand(CommandContext& ctx) { IncrByGeneric(ctx, -1); }
void IncrByCommand(CommandContext& ctx) {
  int64_t delta;
  if (ArgInt64(ctx, ctx.argv[2], &delta)) IncrByGeneric(ctx, delta);
}
void DecrByCommand(CommandContext& ctx) {
  int64_t delta;
  if (!ArgInt64(ctx, ctx.argv[2], &delta)) return;
  if (delta == INT64_MIN) return ctx.reply->Error("ERR decrement would overflow");
  IncrByGeneric(ctx, -delta);
}

}  // namespace

// Parses a long double as Redis's string2ld: no blanks, no NaN, whole input.
bool ParseLongDouble(std::string_view s, long double* value) {
  if (s.empty() || s.size() > 5000 || std::isspace(static_cast<unsigned char>(s[0]))) return false;
  std::string text(s);
  errno = 0;
  char* end = nullptr;
  long double v = std::strtold(text.c_str(), &end);
  if (end != text.c_str() + text.size() || std::isnan(v)) return false;
  if (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || v == 0)) return false;
  *value = v;
  return true;
}

// Formats as Redis's ld2string in humanfriendly mode: %.17Lf without
// trailing zeros (and without a trailing '.').
std::string FormatLongDouble(long double v) {
  char buf[5600];
  int n = std::snprintf(buf, sizeof(buf), "%.17Lf", v);
  std::string out(buf, static_cast<size_t>(n));
  if (out.find('.') != std::string::npos) {
    while (!out.empty() && out.back() == '0') out.pop_back();
    if (!out.empty() && out.back() == '.') out.pop_back();
  }
  if (out == "-0") out = "0";
  return out;
}

namespace {

void IncrByFloatCommand(CommandContext& ctx) {
  long double delta;
  if (!ParseLongDouble(ctx.argv[2], &delta))
    return ctx.reply->Error("ERR value is not a valid float");
  const std::string& key = ctx.argv[1];
  KeyLockGuard guard(ctx.state->locks(), key);
  StringLookup l;
  if (!Lookup(ctx, key, &l)) return;
  if (l.wrong_type) return ctx.reply->Error(kWrongType);
  long double current = 0;
  if (l.found && !ParseLongDouble(l.value, &current)) {
    return ctx.reply->Error("ERR value is not a valid float");
  }
  long double result = current + delta;
  if (std::isnan(result) || std::isinf(result)) {
    return ctx.reply->Error("ERR increment would produce NaN or Infinity");
  }
  std::string text = FormatLongDouble(result);
  WriteBatch batch;
  batch.Put(MetadataKey(key), EncodeStringMetadata(l.found ? l.expire_ms : 0, text));
  if (Commit(ctx, &batch)) ctx.reply->Bulk(text);
}

}  // namespace

void AppendStringCommands(std::vector<CommandSpec>* t) {
  const char* g = "string";
  t->insert(
      t->end(),
      {
          {"get", 2, kReadOnly | kFast, 1, 1, 1, g, "Get the value of a key", "1.0.0", GetCommand},
          {"set", -3, kWrite, 1, 1, 1, g, "Set the string value of a key", "1.0.0", SetCommand},
          {"setnx", 3, kWrite | kFast, 1, 1, 1, g,
           "Set the value of a key, only if the key does not exist", "1.0.0", SetNxCommand},
          {"setex", 4, kWrite, 1, 1, 1, g, "Set the value and expiration of a key", "2.0.0",
           SetExCommand},
          {"psetex", 4, kWrite, 1, 1, 1, g, "Set the value and expiration in milliseconds of a key",
           "2.6.0", PSetExCommand},
          {"mget", -2, kReadOnly | kFast, 1, -1, 1, g, "Get the values of all the given keys",
           "1.0.0", MGetCommand},
          {"mset", -3, kWrite, 1, -1, 2, g, "Set multiple keys to multiple values", "1.0.1",
           MSetCommand},
          {"msetnx", -3, kWrite, 1, -1, 2, g,
           "Set multiple keys to multiple values, only if none of the keys exist", "1.0.1",
           MSetNxCommand},
          {"getset", 3, kWrite | kFast, 1, 1, 1, g,
           "Set the string value of a key and return its old value", "1.0.0", GetSetCommand},
          {"getdel", 2, kWrite | kFast, 1, 1, 1, g, "Get the value of a key and delete the key",
           "6.2.0", GetDelCommand},
          {"getex", -2, kWrite | kFast, 1, 1, 1, g,
           "Get the value of a key and optionally set its expiration", "6.2.0", GetExCommand},
          {"append", 3, kWrite, 1, 1, 1, g, "Append a value to a key", "2.0.0", AppendCommand},
          {"strlen", 2, kReadOnly | kFast, 1, 1, 1, g,
           "Get the length of the value stored in a key", "2.2.0", StrLenCommand},
          {"getrange", 4, kReadOnly, 1, 1, 1, g, "Get a substring of the string stored at a key",
           "2.4.0", GetRangeCommand},
          {"substr", 4, kReadOnly, 1, 1, 1, g, "Get a substring of the string stored at a key",
           "1.0.0", GetRangeCommand},
          {"setrange", 4, kWrite, 1, 1, 1, g,
           "Overwrite part of a string at key starting at the specified offset", "2.2.0",
           SetRangeCommand},
          {"incr", 2, kWrite | kFast, 1, 1, 1, g, "Increment the integer value of a key by one",
           "1.0.0", IncrCommand},
          {"decr", 2, kWrite | kFast, 1, 1, 1, g, "Decrement the integer value of a key by one",
           "1.0.0", DecrCommand},
          {"incrby", 3, kWrite | kFast, 1, 1, 1, g,
           "Increment the integer value of a key by the given amount", "1.0.0", IncrByCommand},
          {"decrby", 3, kWrite | kFast, 1, 1, 1, g,
           "Decrement the integer value of a key by the given number", "1.0.0", DecrByCommand},
          {"incrbyfloat", 3, kWrite | kFast, 1, 1, 1, g,
           "Increment the float value of a key by the given amount", "2.6.0", IncrByFloatCommand},
      });
}

}  // namespace strata::server
