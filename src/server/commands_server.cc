// Connection and server commands: PING ECHO QUIT AUTH HELLO SELECT CLIENT
// COMMAND CONFIG INFO DBSIZE FLUSHDB FLUSHALL TIME SHUTDOWN, with Redis 7.0's reply
// shapes (COMMAND DOCS is the map redis-cli parses for its hints).

#include <sys/resource.h>

#include <cinttypes>
#include <cstdio>
#include <unordered_map>

#include "server/commands.h"
#include "server/resp_parser.h"

namespace strata::server {

namespace {

// The Redis version strata-server speaks (clients and test suites check it).
constexpr const char* kRedisVersion = "7.0.15";

void PingCommand(CommandContext& ctx) {
  if (ctx.argv.size() > 2) {
    return ctx.reply->Error("ERR wrong number of arguments for 'ping' command");
  }
  if (ctx.argv.size() == 2) return ctx.reply->Bulk(ctx.argv[1]);
  ctx.reply->Simple("PONG");
}

void EchoCommand(CommandContext& ctx) { ctx.reply->Bulk(ctx.argv[1]); }

void QuitCommand(CommandContext& ctx) {
  ctx.client->close_after_reply = true;
  ctx.reply->Ok();
}

// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT], as Redis 7.0 parses it. There
// is no snapshot to save and no replica to wait for: every acknowledged
// write is in the WAL, which is synced here first, so that a failing sync
// is reported to this client and the server keeps running (unless FORCE).
// Then the process is asked to stop (ServerState::RequestShutdown: as on
// SIGTERM it closes every connection, syncs the WAL again and closes the
// database) and this connection closes without a reply, as Redis's does.
void ShutdownCommand(CommandContext& ctx) {
  bool save = false, nosave = false, force = false, abort = false, now = false;
  for (size_t i = 1; i < ctx.argv.size(); i++) {
    const std::string& arg = ctx.argv[i];
    if (EqualsIgnoreCase(arg, "nosave")) {
      nosave = true;
    } else if (EqualsIgnoreCase(arg, "save")) {
      save = true;
    } else if (EqualsIgnoreCase(arg, "now")) {
      now = true;
    } else if (EqualsIgnoreCase(arg, "force")) {
      force = true;
    } else if (EqualsIgnoreCase(arg, "abort")) {
      abort = true;
    } else {
      return ctx.reply->Error(kSyntaxError);
    }
  }
  if ((abort && (save || nosave || now || force)) || (save && nosave)) {
    return ctx.reply->Error(kSyntaxError);
  }
  // A shutdown here never waits (for replicas), so none is ever in progress.
  if (abort) return ctx.reply->Error("ERR No shutdown in progress.");
  if (Status s = ctx.state->SyncWal(); !s.ok()) {
    std::fprintf(stderr, "SHUTDOWN: WAL sync failed: %s\n", s.ToString().c_str());
    if (!force) return ctx.reply->Error("ERR Errors trying to SHUTDOWN. Check logs.");
  }
  if (!ctx.state->RequestShutdown()) {
    return ctx.reply->Error("ERR Errors trying to SHUTDOWN. Check logs.");
  }
  ctx.client->close_after_reply = true;
}

// Checks user/password; replies the error and returns false if they fail.
bool Authenticate(CommandContext& ctx, std::string_view user, std::string_view password) {
  if (user == "default" && ctx.state->config()->CheckPassword(password)) {
    ctx.client->authenticated = true;
    return true;
  }
  ctx.reply->Error("WRONGPASS invalid username-password pair or user is disabled.");
  return false;
}

void AuthCommand(CommandContext& ctx) {
  if (ctx.argv.size() > 3) return ctx.reply->Error(kSyntaxError);
  if (ctx.argv.size() == 2 && !ctx.state->config()->has_password()) {
    return ctx.reply->Error(
        "ERR AUTH <password> called without any password configured for the default user. "
        "Are you sure your configuration is correct?");
  }
  std::string_view user = ctx.argv.size() == 3 ? std::string_view(ctx.argv[1]) : "default";
  if (Authenticate(ctx, user, ctx.argv.back())) ctx.reply->Ok();
}

bool ValidClientName(std::string_view name) {
  for (char c : name) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}

void SetName(ClientState* client, std::string_view name) {
  MutexLock lock(&client->mu);
  client->name.assign(name);
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]
void HelloCommand(CommandContext& ctx) {
  int64_t version = ctx.client->resp;
  size_t i = 1;
  if (ctx.argv.size() >= 2) {
    if (!ParseInt64(ctx.argv[1], &version)) {
      return ctx.reply->Error("ERR Protocol version is not an integer or out of range");
    }
    i = 2;
    if (version < 2 || version > 3) return ctx.reply->Error("NOPROTO unsupported protocol version");
  }
  std::string_view user, password, name;
  bool auth = false, setname = false;
  for (; i < ctx.argv.size(); i++) {
    size_t more = ctx.argv.size() - i - 1;
    if (EqualsIgnoreCase(ctx.argv[i], "auth") && more >= 2) {
      auth = true;
      user = ctx.argv[i + 1];
      password = ctx.argv[i + 2];
      i += 2;
    } else if (EqualsIgnoreCase(ctx.argv[i], "setname") && more >= 1) {
      setname = true;
      name = ctx.argv[i + 1];
      i += 1;
    } else {
      return ctx.reply->Error("ERR Syntax error in HELLO option '" + ctx.argv[i] + "'");
    }
  }
  if (auth && !Authenticate(ctx, user, password)) return;
  if (!ctx.client->authenticated && ctx.state->config()->has_password()) {
    return ctx.reply->Error(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
        "HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and "
        "select the RESP protocol version at the same time");
  }
  if (setname) {
    if (!ValidClientName(name)) {
      return ctx.reply->Error(
          "ERR Client names cannot contain spaces, newlines or special characters.");
    }
    SetName(ctx.client, name);
  }
  ctx.client->resp = static_cast<int>(version);
  ctx.reply->set_protocol(ctx.client->resp);
  ctx.reply->Map(7);
  ctx.reply->Bulk("server");
  ctx.reply->Bulk("redis");
  ctx.reply->Bulk("version");
  ctx.reply->Bulk(kRedisVersion);
  ctx.reply->Bulk("proto");
  ctx.reply->Integer(version);
  ctx.reply->Bulk("id");
  ctx.reply->Integer(static_cast<int64_t>(ctx.client->id));
  ctx.reply->Bulk("mode");
  ctx.reply->Bulk("standalone");
  ctx.reply->Bulk("role");
  ctx.reply->Bulk("master");
  ctx.reply->Bulk("modules");
  ctx.reply->Array(0);
}

void SelectCommand(CommandContext& ctx) {
  int64_t db;
  if (!ParseInt64(ctx.argv[1], &db)) return ctx.reply->Error(kNotInteger);
  if (db != 0) return ctx.reply->Error("ERR DB index is out of range");
  ctx.reply->Ok();
}

// Replies Redis's error for a container command's (CLIENT, COMMAND,
// CONFIG) subcommand that is unknown, or known (in `known`) but given the
// wrong number of arguments.
void SubcommandError(CommandContext& ctx, std::initializer_list<std::string_view> known) {
  std::string command = ToLower(ctx.argv[0]);
  std::string sub = ToLower(ctx.argv[1]);
  for (std::string_view name : known) {
    if (sub == name) {
      return ctx.reply->Error("ERR wrong number of arguments for '" + command + "|" + sub +
                              "' command");
    }
  }
  std::string upper = command;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  ctx.reply->Error("ERR unknown subcommand '" + ctx.argv[1].substr(0, 128) + "'. Try " + upper +
                   " HELP.");
}

void ClientCommand(CommandContext& ctx) {
  std::string sub = ToLower(ctx.argv[1]);
  size_t argc = ctx.argv.size();
  if (sub == "id" && argc == 2) return ctx.reply->Integer(static_cast<int64_t>(ctx.client->id));
  if (sub == "getname" && argc == 2) {
    std::string name;
    {
      MutexLock lock(&ctx.client->mu);
      name = ctx.client->name;
    }
    return name.empty() ? ctx.reply->Null() : ctx.reply->Bulk(name);
  }
  if (sub == "setname" && argc == 3) {
    if (!ValidClientName(ctx.argv[2])) {
      return ctx.reply->Error(
          "ERR Client names cannot contain spaces, newlines or special characters.");
    }
    SetName(ctx.client, ctx.argv[2]);
    return ctx.reply->Ok();
  }
  if ((sub == "list" && argc == 2) || (sub == "info" && argc == 2)) {
    std::string text;
    for (const std::string& line : ctx.state->ClientLines(NowMs())) {
      if (sub == "info" && line.rfind("id=" + std::to_string(ctx.client->id) + " ", 0) != 0) {
        continue;
      }
      text += line + "\n";
    }
    return ctx.reply->Verbatim(text);
  }
  if (sub == "help" && argc == 2) {
    const char* lines[] = {"CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                           "GETNAME",
                           "    Return the name of the current connection.",
                           "ID",
                           "    Return the ID of the current connection.",
                           "INFO",
                           "    Return information about the current client connection.",
                           "LIST",
                           "    Return information about client connections.",
                           "SETNAME <name>",
                           "    Assign the name <name> to the current connection.",
                           "HELP",
                           "    Print this help."};
    ctx.reply->Array(std::size(lines));
    for (const char* line : lines) ctx.reply->Simple(line);
    return;
  }
  SubcommandError(ctx, {"id", "getname", "setname", "list", "info", "help"});
}

void FlagsReply(CommandContext& ctx, uint32_t flags) {
  std::vector<const char*> names;
  if (flags & kWrite) names.push_back("write");
  if (flags & kReadOnly) names.push_back("readonly");
  if (flags & kAdmin) names.push_back("admin");
  if (flags & kNoAuth) names.push_back("no_auth");
  if (flags & kFast) names.push_back("fast");
  if (flags & kNoMulti) names.push_back("no_multi");
  ctx.reply->Set(names.size());
  for (const char* name : names) ctx.reply->Simple(name);
}

// One COMMAND INFO entry: Redis 7's ten fields.
void CommandInfoReply(CommandContext& ctx, const CommandSpec& spec) {
  ctx.reply->Array(10);
  ctx.reply->Bulk(spec.name);
  ctx.reply->Integer(spec.arity);
  FlagsReply(ctx, spec.flags);
  ctx.reply->Integer(spec.first_key);
  ctx.reply->Integer(spec.last_key);
  ctx.reply->Integer(spec.key_step);
  ctx.reply->Set(1);
  ctx.reply->Simple(std::string("@") + spec.group);
  ctx.reply->Set(0);    // tips
  ctx.reply->Array(0);  // key specs
  ctx.reply->Array(0);  // subcommands
}

// The arguments of each command, as one line (redis-cli shows it as the
// command's hint while typing; COMMAND DOCS carries it as a single argument
// of type "string", which redis-cli prints as is).
const char* CommandParams(std::string_view name) {
  static const std::unordered_map<std::string_view, const char*> kParams = {
      {"ping", "[message]"},
      {"echo", "message"},
      {"auth", "[username] password"},
      {"hello", "[protover [AUTH username password] [SETNAME clientname]]"},
      {"select", "index"},
      {"client", "subcommand [arguments ...]"},
      {"command", "[subcommand [arguments ...]]"},
      {"config", "subcommand [arguments ...]"},
      {"info", "[section [section ...]]"},
      {"flushdb", "[ASYNC|SYNC]"},
      {"flushall", "[ASYNC|SYNC]"},
      {"function", "subcommand [arguments ...]"},
      {"del", "key [key ...]"},
      {"unlink", "key [key ...]"},
      {"exists", "key [key ...]"},
      {"touch", "key [key ...]"},
      {"type", "key"},
      {"rename", "key newkey"},
      {"copy", "source destination [DB destination-db] [REPLACE]"},
      {"setbit", "key offset value"},
      {"getbit", "key offset"},
      {"bitcount", "key [start end [BYTE|BIT]]"},
      {"bitpos", "key bit [start [end [BYTE|BIT]]]"},
      {"bitop", "operation destkey key [key ...]"},
      {"lcs", "key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]"},
      {"renamenx", "key newkey"},
      {"keys", "pattern"},
      {"scan", "cursor [MATCH pattern] [COUNT count] [TYPE type]"},
      {"expire", "key seconds [NX|XX|GT|LT]"},
      {"pexpire", "key milliseconds [NX|XX|GT|LT]"},
      {"expireat", "key unix-time-seconds [NX|XX|GT|LT]"},
      {"pexpireat", "key unix-time-milliseconds [NX|XX|GT|LT]"},
      {"ttl", "key"},
      {"pttl", "key"},
      {"expiretime", "key"},
      {"pexpiretime", "key"},
      {"persist", "key"},
      {"get", "key"},
      {"set",
       "key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT "
       "unix-time-milliseconds|KEEPTTL]"},
      {"setnx", "key value"},
      {"setex", "key seconds value"},
      {"psetex", "key milliseconds value"},
      {"mget", "key [key ...]"},
      {"mset", "key value [key value ...]"},
      {"msetnx", "key value [key value ...]"},
      {"getset", "key value"},
      {"getdel", "key"},
      {"getex",
       "key [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT "
       "unix-time-milliseconds|PERSIST]"},
      {"append", "key value"},
      {"strlen", "key"},
      {"getrange", "key start end"},
      {"substr", "key start end"},
      {"setrange", "key offset value"},
      {"incr", "key"},
      {"decr", "key"},
      {"incrby", "key increment"},
      {"decrby", "key decrement"},
      {"incrbyfloat", "key increment"},
      // Hashes (commands_hash.cc):
      {"hset", "key field value [field value ...]"},
      {"hsetnx", "key field value"},
      {"hget", "key field"},
      {"hmget", "key field [field ...]"},
      {"hmset", "key field value [field value ...]"},
      {"hdel", "key field [field ...]"},
      {"hlen", "key"},
      {"hstrlen", "key field"},
      {"hexists", "key field"},
      {"hkeys", "key"},
      {"hvals", "key"},
      {"hgetall", "key"},
      {"hincrby", "key field increment"},
      {"hincrbyfloat", "key field increment"},
      {"hrandfield", "key [count [WITHVALUES]]"},
      {"hscan", "key cursor [MATCH pattern] [COUNT count]"},
      // -- end of hashes.
      // Lists (commands_list.cc):
      {"blmove", "source destination LEFT|RIGHT LEFT|RIGHT timeout"},
      {"blmpop", "timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]"},
      {"blpop", "key [key ...] timeout"},
      {"brpop", "key [key ...] timeout"},
      {"brpoplpush", "source destination timeout"},
      {"lindex", "key index"},
      {"linsert", "key BEFORE|AFTER pivot element"},
      {"llen", "key"},
      {"lmove", "source destination LEFT|RIGHT LEFT|RIGHT"},
      {"lmpop", "numkeys key [key ...] LEFT|RIGHT [COUNT count]"},
      {"lpop", "key [count]"},
      {"lpos", "key element [RANK rank] [COUNT num-matches] [MAXLEN len]"},
      {"lpush", "key element [element ...]"},
      {"lpushx", "key element [element ...]"},
      {"lrange", "key start stop"},
      {"lrem", "key count element"},
      {"lset", "key index element"},
      {"ltrim", "key start stop"},
      {"rpop", "key [count]"},
      {"rpoplpush", "source destination"},
      {"rpush", "key element [element ...]"},
      {"rpushx", "key element [element ...]"},
      // -- end of lists.
      // Sets (commands_set.cc):
      {"sadd", "key member [member ...]"},
      {"srem", "key member [member ...]"},
      {"scard", "key"},
      {"sismember", "key member"},
      {"smismember", "key member [member ...]"},
      {"smembers", "key"},
      {"spop", "key [count]"},
      {"srandmember", "key [count]"},
      {"smove", "source destination member"},
      {"sinter", "key [key ...]"},
      {"sintercard", "numkeys key [key ...] [LIMIT limit]"},
      {"sunion", "key [key ...]"},
      {"sdiff", "key [key ...]"},
      {"sinterstore", "destination key [key ...]"},
      {"sunionstore", "destination key [key ...]"},
      {"sdiffstore", "destination key [key ...]"},
      {"sscan", "key cursor [MATCH pattern] [COUNT count]"},
      // -- end of sets.
      // Sorted sets (commands_zset.cc):
      {"zadd", "key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]"},
      {"zincrby", "key increment member"},
      {"zrem", "key member [member ...]"},
      {"zscore", "key member"},
      {"zmscore", "key member [member ...]"},
      {"zcard", "key"},
      {"zcount", "key min max"},
      {"zlexcount", "key min max"},
      {"zrank", "key member"},
      {"zrevrank", "key member"},
      {"zrange", "key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]"},
      {"zrangestore", "dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]"},
      {"zrevrange", "key start stop [WITHSCORES]"},
      {"zrangebyscore", "key min max [WITHSCORES] [LIMIT offset count]"},
      {"zrevrangebyscore", "key max min [WITHSCORES] [LIMIT offset count]"},
      {"zrangebylex", "key min max [LIMIT offset count]"},
      {"zrevrangebylex", "key max min [LIMIT offset count]"},
      {"zremrangebyrank", "key start stop"},
      {"zremrangebyscore", "key min max"},
      {"zremrangebylex", "key min max"},
      {"zpopmin", "key [count]"},
      {"zpopmax", "key [count]"},
      {"zmpop", "numkeys key [key ...] MIN|MAX [COUNT count]"},
      {"bzpopmin", "key [key ...] timeout"},
      {"bzpopmax", "key [key ...] timeout"},
      {"bzmpop", "timeout numkeys key [key ...] MIN|MAX [COUNT count]"},
      {"zunion",
       "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]"},
      {"zinter",
       "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]"},
      {"zdiff", "numkeys key [key ...] [WITHSCORES]"},
      {"zunionstore",
       "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX]"},
      {"zinterstore",
       "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX]"},
      {"zdiffstore", "destination numkeys key [key ...]"},
      {"zintercard", "numkeys key [key ...] [LIMIT limit]"},
      {"zrandmember", "key [count [WITHSCORES]]"},
      {"zscan", "key cursor [MATCH pattern] [COUNT count]"},
      // -- end of sorted sets.
      // Transactions (commands_multi.cc):
      {"watch", "key [key ...]"},
      // -- end of transactions.
  };
  auto it = kParams.find(name);
  return it == kParams.end() ? "" : it->second;
}

void CommandDocsReply(CommandContext& ctx, const CommandSpec& spec) {
  std::string_view params = CommandParams(spec.name);
  ctx.reply->Map(params.empty() ? 3 : 4);
  ctx.reply->Bulk("summary");
  ctx.reply->Bulk(spec.summary);
  ctx.reply->Bulk("since");
  ctx.reply->Bulk(spec.since);
  ctx.reply->Bulk("group");
  ctx.reply->Bulk(spec.group);
  if (params.empty()) return;
  ctx.reply->Bulk("arguments");
  ctx.reply->Array(1);
  ctx.reply->Map(2);
  ctx.reply->Bulk("name");
  ctx.reply->Bulk(params);
  ctx.reply->Bulk("type");
  ctx.reply->Bulk("string");
}

void CommandCommand(CommandContext& ctx) {
  const std::vector<CommandSpec>& table = CommandTable();
  if (ctx.argv.size() == 1) {
    ctx.reply->Array(table.size());
    for (const CommandSpec& spec : table) CommandInfoReply(ctx, spec);
    return;
  }
  std::string sub = ToLower(ctx.argv[1]);
  if (sub == "count" && ctx.argv.size() == 2) {
    return ctx.reply->Integer(static_cast<int64_t>(table.size()));
  }
  if (sub == "info") {
    if (ctx.argv.size() == 2) {
      ctx.reply->Array(table.size());
      for (const CommandSpec& spec : table) CommandInfoReply(ctx, spec);
      return;
    }
    ctx.reply->Array(ctx.argv.size() - 2);
    for (size_t i = 2; i < ctx.argv.size(); i++) {
      const CommandSpec* spec = FindCommand(ctx.argv[i]);
      if (spec == nullptr) {
        ctx.reply->NullArray();
      } else {
        CommandInfoReply(ctx, *spec);
      }
    }
    return;
  }
  if (sub == "docs") {
    std::vector<const CommandSpec*> specs;
    if (ctx.argv.size() == 2) {
      for (const CommandSpec& spec : table) specs.push_back(&spec);
    } else {
      for (size_t i = 2; i < ctx.argv.size(); i++) {
        if (const CommandSpec* spec = FindCommand(ctx.argv[i])) specs.push_back(spec);
      }
    }
    ctx.reply->Map(specs.size());
    for (const CommandSpec* spec : specs) {
      ctx.reply->Bulk(spec->name);
      CommandDocsReply(ctx, *spec);
    }
    return;
  }
  if (sub == "list" && ctx.argv.size() == 2) {
    ctx.reply->Array(table.size());
    for (const CommandSpec& spec : table) ctx.reply->Bulk(spec.name);
    return;
  }
  SubcommandError(ctx, {"count", "list"});
}

void ConfigCommand(CommandContext& ctx) {
  std::string sub = ToLower(ctx.argv[1]);
  if (sub == "get" && ctx.argv.size() >= 3) {
    std::map<std::string, std::string> found;
    for (size_t i = 2; i < ctx.argv.size(); i++) {
      for (auto& [name, value] : ctx.state->config()->Get(ctx.argv[i])) found[name] = value;
    }
    ctx.reply->Map(found.size());
    for (const auto& [name, value] : found) {
      ctx.reply->Bulk(name);
      ctx.reply->Bulk(value);
    }
    return;
  }
  if (sub == "set" && ctx.argv.size() >= 4 && ctx.argv.size() % 2 == 0) {
    for (size_t i = 2; i < ctx.argv.size(); i += 2) {
      Status s = ctx.state->config()->Set(ctx.argv[i], {ctx.argv[i + 1]}, true);
      if (s.ok()) continue;
      if (s.message().rfind("unknown option", 0) == 0) {
        return ctx.reply->Error("ERR Unknown option or number of arguments for CONFIG SET - '" +
                                ctx.argv[i] + "'");
      }
      return ctx.reply->Error("ERR CONFIG SET failed (possibly related to argument '" +
                              ctx.argv[i] + "') - " + std::string(s.message()));
    }
    return ctx.reply->Ok();
  }
  if ((sub == "resetstat" || sub == "rewrite") && ctx.argv.size() == 2) return ctx.reply->Ok();
  SubcommandError(ctx, {"get", "set", "resetstat", "rewrite"});
}

std::string Property(ServerState* state, const std::string& name) {
  std::string value;
  if (!state->db()->GetProperty(name, &value)) return "0";
  return value;
}

void AppendInfoSection(CommandContext& ctx, std::string_view section, std::string* out) {
  ServerState* state = ctx.state;
  ServerStats* stats = state->stats();
  auto line = [out](std::string_view name, const std::string& value) {
    out->append(name);
    out->push_back(':');
    out->append(value);
    out->append("\r\n");
  };
  uint64_t now = NowMs();
  if (section == "server") {
    out->append("# Server\r\n");
    line("redis_version", kRedisVersion);
    line("strata_server_version", "0.1.0");
    line("redis_mode", "standalone");
    line("os", "Linux");
    line("arch_bits", std::to_string(sizeof(void*) * 8));
    line("multiplexing_api", "epoll");
    line("process_id", std::to_string(getpid()));
    line("tcp_port", std::to_string(state->config()->port()));
    line("uptime_in_seconds", std::to_string((now - state->start_ms()) / 1000));
    line("uptime_in_days", std::to_string((now - state->start_ms()) / 86400000));
    line("io_threads_active", std::to_string(state->config()->threads()));
  } else if (section == "clients") {
    out->append("# Clients\r\n");
    line("connected_clients", std::to_string(stats->connected_clients.load()));
    line("maxclients", std::to_string(state->config()->maxclients()));
    line("blocked_clients", std::to_string(state->blocking()->blocked_clients()));
  } else if (section == "memory") {
    out->append("# Memory\r\n");
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    line("used_memory", Property(state, "strata.approximate-memory-usage"));
    line("used_memory_rss", std::to_string(static_cast<int64_t>(usage.ru_maxrss) * 1024));
    line("maxmemory", "0");
    line("strata_memtable_bytes", Property(state, "strata.approximate-memory-usage"));
  } else if (section == "persistence") {
    out->append("# Persistence\r\n");
    line("loading", "0");
    line("aof_enabled", "1");
    line("appendfsync", state->config()->GetString("appendfsync"));
    line("wal_syncs", std::to_string(stats->wal_syncs.load()));
    line("rdb_changes_since_last_save", "0");
    line("rdb_bgsave_in_progress", "0");
    line("aof_rewrite_in_progress", "0");
  } else if (section == "stats") {
    out->append("# Stats\r\n");
    line("total_connections_received", std::to_string(stats->connections_received.load()));
    line("total_commands_processed", std::to_string(stats->commands_processed.load()));
    line("total_net_input_bytes", std::to_string(stats->net_input_bytes.load()));
    line("total_net_output_bytes", std::to_string(stats->net_output_bytes.load()));
    line("rejected_connections", std::to_string(stats->rejected_connections.load()));
    line("expired_keys", std::to_string(stats->expired_keys.load()));
    line("evicted_keys", "0");
    line("keyspace_hits", std::to_string(stats->keyspace_hits.load()));
    line("keyspace_misses", std::to_string(stats->keyspace_misses.load()));
  } else if (section == "strata") {
    // The engine's own figures (docs/PROPERTIES.md).
    out->append("# Strata\r\n");
    for (int level = 0; level < 7; level++) {
      line("level" + std::to_string(level) + "_files",
           Property(state, "strata.num-files-at-level" + std::to_string(level)));
    }
    line("write_amplification", Property(state, "strata.write-amplification"));
    line("space_amplification", Property(state, "strata.space-amplification"));
    line("stall_count", Property(state, "strata.stall-count"));
    line("stall_micros", Property(state, "strata.stall-micros"));
    line("immutable_memtables", Property(state, "strata.num-immutable-mem-table"));
    line("last_sequence", Property(state, "strata.last-sequence"));
    line("background_error", Property(state, "strata.background-error"));
  } else if (section == "keyspace") {
    out->append("# Keyspace\r\n");
    uint64_t keys = 0, expires = 0;
    if (state->CountKeys(&keys, &expires).ok() && keys > 0) {
      line("db0",
           "keys=" + std::to_string(keys) + ",expires=" + std::to_string(expires) + ",avg_ttl=0");
    }
  }
}

void InfoCommand(CommandContext& ctx) {
  static const char* kDefault[] = {"server", "clients", "memory",  "persistence",
                                   "stats",  "strata",  "keyspace"};
  std::vector<std::string> sections;
  for (size_t i = 1; i < ctx.argv.size(); i++) {
    std::string s = ToLower(ctx.argv[i]);
    if (s == "all" || s == "default" || s == "everything") {
      sections.assign(std::begin(kDefault), std::end(kDefault));
      break;
    }
    sections.push_back(s);
  }
  if (sections.empty()) sections.assign(std::begin(kDefault), std::end(kDefault));
  std::string text;
  for (const std::string& section : sections) {
    size_t before = text.size();
    if (!text.empty()) text.append("\r\n");
    size_t mark = text.size();
    AppendInfoSection(ctx, section, &text);
    if (text.size() == mark) text.resize(before);
  }
  ctx.reply->Verbatim(text);
}

void DbSizeCommand(CommandContext& ctx) {
  uint64_t keys, expires;
  Status s = DbCountKeys(ctx, &keys, &expires);
  if (!s.ok()) return ReplyStatusError(ctx.reply, s);
  ctx.reply->Integer(static_cast<int64_t>(keys));
}

void FlushCommand(CommandContext& ctx) {
  if (ctx.argv.size() > 2 || (ctx.argv.size() == 2 && !EqualsIgnoreCase(ctx.argv[1], "sync") &&
                              !EqualsIgnoreCase(ctx.argv[1], "async"))) {
    return ctx.reply->Error(kSyntaxError);
  }
  Status s = DbFlushAll(ctx);
  if (!s.ok()) return ReplyStatusError(ctx.reply, s);
  ctx.reply->Ok();
}

// FUNCTION: strata-server has no functions (nor scripting), so FLUSH has
// nothing to remove and LIST nothing to list; Redis's test harness and
// clients call FLUSH before their tests.
void FunctionCommand(CommandContext& ctx) {
  std::string sub = ToLower(ctx.argv[1]);
  if (sub == "flush" && (ctx.argv.size() == 2 ||
                         (ctx.argv.size() == 3 && (EqualsIgnoreCase(ctx.argv[2], "sync") ||
                                                   EqualsIgnoreCase(ctx.argv[2], "async"))))) {
    return ctx.reply->Ok();
  }
  if (sub == "list") return ctx.reply->Array(0);
  SubcommandError(ctx, {"flush"});
}

void TimeCommand(CommandContext& ctx) {
  uint64_t us = NowUs();
  ctx.reply->Array(2);
  ctx.reply->Bulk(std::to_string(us / 1000000));
  ctx.reply->Bulk(std::to_string(us % 1000000));
}

}  // namespace

void AppendServerCommands(std::vector<CommandSpec>* t) {
  const char* c = "connection";
  const char* s = "server";
  t->insert(
      t->end(),
      {
          {"ping", -1, kFast, 0, 0, 0, c, "Ping the server", "1.0.0", PingCommand},
          {"echo", 2, kFast, 0, 0, 0, c, "Echo the given string", "1.0.0", EchoCommand},
          {"quit", -1, kNoAuth | kFast, 0, 0, 0, c, "Close the connection", "1.0.0", QuitCommand},
          {"shutdown", -1, kAdmin | kNoMulti, 0, 0, 0, s,
           "Synchronously save the dataset to disk and then shut down the server", "1.0.0",
           ShutdownCommand},
          {"auth", -2, kNoAuth | kFast, 0, 0, 0, c, "Authenticate to the server", "1.0.0",
           AuthCommand},
          {"hello", -1, kNoAuth | kFast, 0, 0, 0, c, "Handshake with Redis", "6.0.0", HelloCommand},
          {"select", 2, kFast, 0, 0, 0, c,
           "Change the selected database for the current connection", "1.0.0", SelectCommand},
          {"client", -2, kAdmin, 0, 0, 0, c, "A container for client connection commands", "2.4.0",
           ClientCommand},
          {"command", -1, 0, 0, 0, 0, s, "Get array of Redis command details", "2.8.13",
           CommandCommand},
          {"config", -2, kAdmin, 0, 0, 0, s, "A container for server configuration commands",
           "2.0.0", ConfigCommand},
          {"info", -1, 0, 0, 0, 0, s, "Get information and statistics about the server", "1.0.0",
           InfoCommand},
          {"dbsize", 1, kReadOnly | kFast, 0, 0, 0, s,
           "Return the number of keys in the selected database", "1.0.0", DbSizeCommand},
          {"flushdb", -1, kWrite, 0, 0, 0, s, "Remove all keys from the current database", "1.0.0",
           FlushCommand},
          {"flushall", -1, kWrite, 0, 0, 0, s, "Remove all keys from all databases", "1.0.0",
           FlushCommand},
          {"function", -2, kWrite, 0, 0, 0, "scripting", "A container for function commands",
           "7.0.0", FunctionCommand},
          {"time", 1, kFast, 0, 0, 0, s, "Return the current server time", "2.6.0", TimeCommand},
      });
}

}  // namespace strata::server
