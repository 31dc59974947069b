// The command table and dispatcher: see commands.h.

#include "server/commands.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "server/config.h"
#include "server/resp_parser.h"

namespace strata::server {

namespace {

struct Table {
  std::vector<CommandSpec> commands;
  std::unordered_map<std::string, const CommandSpec*> by_name;
  Table() {
    AppendServerCommands(&commands);
    AppendKeyCommands(&commands);
    AppendStringCommands(&commands);
    AppendBitCommands(&commands);
    AppendCopyCommands(&commands);
    AppendHashCommands(&commands);
    AppendListCommands(&commands);
    AppendSetCommands(&commands);
    AppendZSetCommands(&commands);
    AppendTransactionCommands(&commands);
    for (const CommandSpec& spec : commands) by_name[spec.name] = &spec;
  }
};

const Table& GetTable() {
  static const Table* table = new Table();
  return *table;
}

void ReplyUnknownCommand(CommandContext& ctx) {
  std::string args;
  for (size_t i = 1; i < ctx.argv.size() && args.size() < 128; i++) {
    args += "'" + ctx.argv[i].substr(0, 128 - args.size()) + "' ";
  }
  ctx.reply->Error("ERR unknown command '" + ctx.argv[0].substr(0, 128) +
                   "', with args beginning with: " + args);
}

// The commands MULTI runs at once instead of queueing them (as Redis).
bool IsTransactionControl(const CommandSpec& spec) {
  for (const char* name : {"exec", "discard", "multi", "watch", "quit", "reset"}) {
    if (std::strcmp(spec.name, name) == 0) return true;
  }
  return false;
}

}  // namespace

const std::vector<CommandSpec>& CommandTable() { return GetTable().commands; }

const CommandSpec* FindCommand(std::string_view name) {
  thread_local std::string lower;
  AssignLower(name, &lower);
  const auto& by_name = GetTable().by_name;
  auto it = by_name.find(lower);
  return it == by_name.end() ? nullptr : it->second;
}

// ASCII, as Redis's command and option matching (strcasecmp): no locale
// call per byte. The connection compares every command's name with two of
// these and folds it for CLIENT LIST (network.cc).
bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

void AssignLower(std::string_view s, std::string* out) {
  out->assign(s);
  for (char& c : *out) c = AsciiLower(c);
}

std::string ToLower(std::string_view s) {
  std::string out;
  AssignLower(s, &out);
  return out;
}

void ReplyStatusError(ReplyWriter* reply, const Status& s) { reply->Error("ERR " + s.ToString()); }

bool ArgInt64(CommandContext& ctx, std::string_view arg, int64_t* value) {
  if (ParseInt64(arg, value)) return true;
  ctx.reply->Error(kNotInteger);
  return false;
}

bool ScanArgs::Matches(std::string_view name) const {
  return !has_pattern || GlobMatch(pattern, name);
}

bool ParseScanArgs(CommandContext& ctx, ScanCommandKind kind, ScanArgs* args) {
  const size_t cursor_index = kind == ScanCommandKind::kScan ? 1 : 2;
  const std::string& arg = ctx.argv[cursor_index];
  const bool blank_first = kind == ScanCommandKind::kHScan || kind == ScanCommandKind::kSScan;
  char* end = nullptr;
  errno = 0;
  args->cursor = std::strtoull(arg.c_str(), &end, 10);
  if (arg.empty() || end != arg.c_str() + arg.size() || errno == ERANGE ||
      (blank_first ? std::isspace(static_cast<unsigned char>(arg[0])) != 0 : arg[0] == '-')) {
    ctx.reply->Error("ERR invalid cursor");
    return false;
  }
  for (size_t i = cursor_index + 1; i < ctx.argv.size(); i += 2) {
    const std::string& option = ctx.argv[i];
    if (i + 1 >= ctx.argv.size()) {
      args->options_error = kSyntaxError;
    } else if (EqualsIgnoreCase(option, "match")) {
      args->pattern = ctx.argv[i + 1];
      args->has_pattern = args->pattern != "*";
    } else if (EqualsIgnoreCase(option, "count")) {
      if (!ParseInt64(ctx.argv[i + 1], &args->count)) {
        args->options_error = kNotInteger;
      } else if (args->count < 1) {
        args->options_error = kSyntaxError;
      }
    } else if (kind == ScanCommandKind::kScan && EqualsIgnoreCase(option, "type")) {
      args->has_type = true;
      args->type = ToLower(ctx.argv[i + 1]);
    } else {
      args->options_error = kSyntaxError;
    }
    if (!args->options_error.empty()) break;
  }
  return true;
}

void RunHandler(const CommandSpec& spec, CommandContext& ctx) {
  ctx.state->stats()->commands_processed.fetch_add(1, std::memory_order_relaxed);
  // No exception may take the server down: an allocation failure (a huge
  // value) fails this command alone, and whatever part of a reply it had
  // appended is replaced by the error.
  size_t mark = ctx.reply->buffer()->size();
  try {
    spec.handler(ctx);
  } catch (const std::exception& e) {
    ctx.reply->buffer()->resize(mark);
    ctx.reply->Error(std::string("ERR command failed: ") + e.what());
  }
}

void Execute(ServerState* state, ClientState* client, std::vector<std::string>& argv,
             ReplyWriter* reply) {
  CommandContext ctx{state, client, argv, reply};
  const CommandSpec* spec = FindCommand(argv[0]);
  // An error while queueing in MULTI makes the EXEC fail (EXECABORT).
  if (spec == nullptr) {
    if (client->multi.active) client->multi.aborted = true;
    ReplyUnknownCommand(ctx);
    return;
  }
  int argc = static_cast<int>(argv.size());
  if ((spec->arity > 0 && argc != spec->arity) || (spec->arity < 0 && argc < -spec->arity)) {
    if (client->multi.active) client->multi.aborted = true;
    reply->Error(std::string("ERR wrong number of arguments for '") + spec->name + "' command");
    return;
  }
  if (!client->authenticated && state->config()->has_password() && !(spec->flags & kNoAuth)) {
    if (client->multi.active) client->multi.aborted = true;
    reply->Error("NOAUTH Authentication required.");
    return;
  }
  if (client->multi.active && (spec->flags & kNoMulti)) {
    client->multi.aborted = true;
    reply->Error("ERR Command not allowed inside a transaction");
    return;
  }
  if (client->multi.active && !IsTransactionControl(*spec)) {
    client->multi.queued.push_back(std::move(argv));
    argv.clear();
    reply->Simple("QUEUED");
    return;
  }
  if (spec->flags & kTakesGate) return RunHandler(*spec, ctx);
  // Shared: excludes only a running EXEC (transaction.h).
  std::shared_lock gate(state->txn_gate()->mutex());
  RunHandler(*spec, ctx);
}

}  // namespace strata::server
