// The command table and dispatcher: see commands.h.

#include "server/commands.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <shared_mutex>

#include "server/config.h"
#include "server/resp_parser.h"

namespace strata::server {

namespace {

// The name's hash with ASCII case folded (FNV-1a), so a lookup needs no
// lower-case copy of the command's name.
uint64_t HashFolded(std::string_view name) {
  uint64_t h = 14695981039346656037ull;
  for (char c : name) {
    h ^= static_cast<unsigned char>(AsciiLower(c));
    h *= 1099511628211ull;
  }
  return h;
}

// Whether `name` is `lower` (a lower-case, NUL-terminated command name)
// with ASCII case folded; no strlen of `lower` first.
bool EqualsFolded(std::string_view name, const char* lower) {
  for (char c : name) {
    // lower's NUL ends it (a name with a NUL byte in it matches nothing).
    if (*lower == '\0' || AsciiLower(c) != *lower) return false;
    lower++;
  }
  return *lower == '\0';
}

// Every command, and an open-addressing index of them by name (linear
// probing, at most a quarter full). Built once, never changed.
struct Table {
  std::vector<CommandSpec> commands;
  std::vector<const CommandSpec*> slots;
  size_t mask = 0;
  size_t longest = 0;  // no longer name can be a command's

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
    size_t n = 16;
    while (n < 4 * commands.size()) n <<= 1;
    slots.assign(n, nullptr);
    mask = n - 1;
    for (const CommandSpec& spec : commands) {
      longest = std::max(longest, std::strlen(spec.name));
      size_t i = HashFolded(spec.name) & mask;
      // A name given twice: the later entry replaces the earlier.
      while (slots[i] != nullptr && std::strcmp(slots[i]->name, spec.name) != 0) i = (i + 1) & mask;
      slots[i] = &spec;
    }
  }

  const CommandSpec* Find(std::string_view name) const {
    if (name.size() > longest) return nullptr;
    for (size_t i = HashFolded(name) & mask; slots[i] != nullptr; i = (i + 1) & mask) {
      if (EqualsFolded(name, slots[i]->name)) return slots[i];
    }
    return nullptr;
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

const CommandSpec* FindCommand(std::string_view name) { return GetTable().Find(name); }

// ASCII, as Redis's command and option matching (strcasecmp): no locale
// call per byte. The connection compares every command's name with two of
// these (network.cc).
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
  // Before it runs, so CLIENT LIST shows itself as the current command;
  // null (shown as NULL) for an unknown one, as in Redis.
  client->last_command.store(spec, std::memory_order_relaxed);
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
