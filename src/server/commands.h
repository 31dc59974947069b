// The command table and dispatcher: looks a command up by name
// (case-insensitively), checks its arity and the client's authentication as
// Redis 7 does (same error strings), and runs it. Handlers live by group in
// commands_server.cc (connection and server), commands_keys.cc (keyspace and
// expiry) and commands_strings.cc (strings).
//
// Every handler appends exactly one reply, and applies its updates in one
// WriteBatch after taking the key locks of the keys it reads and writes
// (server_state.h), replying only once the batch is in the WAL.
//
// Thread-safety: Execute may run on any number of threads at once, each with
// its own ClientState and ReplyWriter.

#ifndef STRATA_SERVER_COMMANDS_H_
#define STRATA_SERVER_COMMANDS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/reply_writer.h"
#include "server/server_state.h"

namespace strata::server {

struct CommandContext {
  ServerState* state;
  ClientState* client;
  std::vector<std::string>& argv;
  ReplyWriter* reply;
  // Inside EXEC: the transaction every read and write of the command goes
  // through (transaction.h); null otherwise.
  Transaction* txn = nullptr;
};

// A command's access to the keyspace: the database's state, or inside EXEC
// the transaction's (writes of the earlier commands of the EXEC over the
// database). Handlers read and write only through these (and collection.h,
// built on them).
// Live metadata of `key`, as ServerState::GetMeta.
Status GetMeta(CommandContext& ctx, std::string_view key, std::string* record, Metadata* meta);
// Reads the engine key `key`.
Status DbGet(CommandContext& ctx, std::string_view key, std::string* value);
// An iterator over engine keys.
std::unique_ptr<Iterator> DbIterator(CommandContext& ctx, const ReadOptions& options);
// Commits a command's one batch (inside EXEC: adds it to the transaction).
Status DbWrite(CommandContext& ctx, WriteBatch* batch);
// FLUSHALL: deletes every key.
Status DbFlushAll(CommandContext& ctx);
// DBSIZE: the live keys, as ServerState::CountKeys.
Status DbCountKeys(CommandContext& ctx, uint64_t* keys, uint64_t* with_expiry);

using CommandHandler = void (*)(CommandContext& ctx);

enum CommandFlags : uint32_t {
  kWrite = 1 << 0,
  kReadOnly = 1 << 1,
  kNoAuth = 1 << 2,  // runs before authentication (AUTH, HELLO, QUIT)
  kFast = 1 << 3,
  kAdmin = 1 << 4,
  // The handler takes TransactionGate itself (EXEC, exclusive); Execute
  // does not take it shared.
  kTakesGate = 1 << 5,
  // Refused inside MULTI (the transaction then fails with EXECABORT).
  kNoMulti = 1 << 6,
};

struct CommandSpec {
  const char* name;  // lower case
  int arity;         // Redis's: n exact, -n at least n (the name counts)
  uint32_t flags;
  int first_key, last_key, key_step;
  const char* group;
  const char* summary;
  const char* since;
  CommandHandler handler;
};

// Every command, in the order COMMAND lists them.
const std::vector<CommandSpec>& CommandTable();
const CommandSpec* FindCommand(std::string_view name);

// Runs one command (argv non-empty) and appends its reply; in MULTI,
// queues it instead (replying +QUEUED) unless it is EXEC, DISCARD, MULTI,
// WATCH, QUIT or RESET.
void Execute(ServerState* state, ClientState* client, std::vector<std::string>& argv,
             ReplyWriter* reply);
// Runs spec's handler on ctx (spec found, arity and authentication
// checked), with no lock taken: EXEC runs its queue through it.
void RunHandler(const CommandSpec& spec, CommandContext& ctx);

// The handlers of each group (each file defines its own).
void AppendServerCommands(std::vector<CommandSpec>* table);
void AppendKeyCommands(std::vector<CommandSpec>* table);
void AppendStringCommands(std::vector<CommandSpec>* table);
void AppendBitCommands(std::vector<CommandSpec>* table);          // commands_bits.cc
void AppendCopyCommands(std::vector<CommandSpec>* table);         // commands_copy.cc
void AppendHashCommands(std::vector<CommandSpec>* table);         // commands_hash.cc
void AppendListCommands(std::vector<CommandSpec>* table);         // commands_list.cc
void AppendSetCommands(std::vector<CommandSpec>* table);          // commands_set.cc
void AppendZSetCommands(std::vector<CommandSpec>* table);         // commands_zset.cc
void AppendTransactionCommands(std::vector<CommandSpec>* table);  // commands_multi.cc

// Shared replies and helpers.
inline constexpr std::string_view kWrongType =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view kNotInteger = "ERR value is not an integer or out of range";
inline constexpr std::string_view kSyntaxError = "ERR syntax error";
void ReplyStatusError(ReplyWriter* reply, const Status& s);
// Case folding is ASCII's, as Redis's: other bytes compare and copy as they are.
inline char AsciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string ToLower(std::string_view s);
// As ToLower, into *out (reusing its buffer).
void AssignLower(std::string_view s, std::string* out);
// Parses an integer argument, replying kNotInteger if it is not one.
bool ArgInt64(CommandContext& ctx, std::string_view arg, int64_t* value);
// Parses a long double as Redis's string2ld (no blanks, no NaN, the whole
// input); formats one as ld2string's human-friendly mode (%.17Lf, trailing
// zeros dropped). commands_strings.cc.
bool ParseLongDouble(std::string_view s, long double* value);
std::string FormatLongDouble(long double v);

// The arguments SCAN, HSCAN, SSCAN and ZSCAN share: a cursor, then
// [MATCH pattern] [COUNT count] in any order (and SCAN's [TYPE type]).
struct ScanArgs {
  uint64_t cursor = 0;
  int64_t count = 10;   // entries to examine, >= 1
  std::string pattern;  // MATCH's glob (has_pattern false when absent or "*")
  bool has_pattern = false;
  std::string type;  // SCAN's TYPE, lower-cased (has_type false when absent)
  bool has_type = false;
  // The error to reply for bad options (kSyntaxError or kNotInteger), empty
  // when they parsed. The caller replies it where it checks its options:
  // SCAN and ZSCAN at once, HSCAN and SSCAN (as Redis) after the key's
  // lookup and type check.
  std::string_view options_error;

  // Whether `name` passes MATCH.
  bool Matches(std::string_view name) const;
};

// The command ParseScanArgs reads: where the cursor is (argv[1] for SCAN,
// argv[2] after the key for the others), whether TYPE is an option (SCAN
// only), and which cursors are malformed. Every command rejects an empty
// one, one strtoull does not read whole, and one of 2^64 or more; HSCAN and
// SSCAN (as Redis) also one that starts with a blank, SCAN and ZSCAN one
// that starts with '-' (which strtoull would negate).
enum class ScanCommandKind { kScan, kHScan, kSScan, kZScan };

// Parses the cursor and the options of `kind`'s argv into *args. A
// malformed cursor replies "ERR invalid cursor" and returns false; bad
// options return true with args->options_error set (see ScanArgs).
bool ParseScanArgs(CommandContext& ctx, ScanCommandKind kind, ScanArgs* args);

}  // namespace strata::server

#endif  // STRATA_SERVER_COMMANDS_H_
