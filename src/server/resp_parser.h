// RespParser: turns the bytes a client sends into commands (argument
// vectors), incrementally: a read may hold many commands, or part of one, and
// the parser resumes where the last read stopped without re-scanning the
// arguments it already took. It accepts RESP multibulk requests
// ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n") and inline commands ("GET k\r\n", split
// with Redis's quoting rules), with Redis 7's limits and error messages.
//
// Invariants:
//   1. Parse consumes only whole protocol elements: a partial line or bulk is
//      left in the caller's buffer (unconsumed) until more bytes arrive.
//   2. After kError the parser must not be used again: the connection is to
//      be closed after the error (error()) is sent, as Redis does.
//   3. No input makes the parser allocate more than the limits allow ahead
//      of the bytes actually received (a "*1000000000" header reserves at
//      most 1024 slots; a "$536870912" header reserves nothing).
//
// Thread-safety: one parser per connection, used by one thread at a time.

#ifndef STRATA_SERVER_RESP_PARSER_H_
#define STRATA_SERVER_RESP_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace strata::server {

// The request limits (Redis 7's names and defaults).
struct RespLimits {
  // Largest bulk argument, in bytes ("proto-max-bulk-len"). Default: 512 MiB.
  int64_t max_bulk_len = int64_t{512} << 20;
  // Longest inline command, and longest "*N" or "$N" header line, in bytes
  // (PROTO_INLINE_MAX_SIZE). Default: 64 KiB.
  size_t max_inline_len = 64 * 1024;
  // Most arguments in one multibulk request. Default: INT32_MAX (Redis's).
  int64_t max_multibulk_len = INT32_MAX;
  // Before a client authenticates (when a password is required): most
  // multibulk arguments and largest bulk. Defaults: 10 and 16 KiB.
  int64_t unauthenticated_max_multibulk_len = 10;
  int64_t unauthenticated_max_bulk_len = 16 * 1024;
};

class RespParser {
 public:
  enum class Result {
    kCommand,     // *argv holds one command (possibly empty: skip it)
    kIncomplete,  // every byte it could use was consumed; wait for more
    kError,       // a protocol error; error() holds the reply, then close
  };

  // `limits` is not owned and must outlive the parser.
  explicit RespParser(const RespLimits* limits) : limits_(limits) {}

  // Parses from `data`, the unconsumed bytes of the connection's input
  // (starting where the previous call's *consumed ended). Stores in
  // *consumed how many bytes of `data` it used (the caller drops them), and
  // on kCommand swaps the command's arguments into *argv (whose old contents
  // are reused as scratch). `auth_required`: the client has not
  // authenticated and must, so the unauthenticated limits apply.
  Result Parse(std::string_view data, bool auth_required, size_t* consumed,
               std::vector<std::string>* argv);

  // The error reply's message after kError, e.g. "Protocol error: invalid
  // bulk length" (without the leading "-ERR ").
  const std::string& error() const { return error_; }

  // Bytes of a bulk argument the parser still waits for (0 if none): the
  // connection sizes its next read with it.
  size_t pending_bulk_bytes() const;

 private:
  Result ParseInline(std::string_view data, size_t* consumed, std::vector<std::string>* argv);
  Result ParseMultibulk(std::string_view data, bool auth_required, size_t* consumed,
                        std::vector<std::string>* argv);
  Result Fail(std::string message);

  const RespLimits* const limits_;
  // Multibulk state between calls: arguments still expected (0: none
  // started), the announced length of the current bulk (-1: not read yet),
  // and the arguments taken so far.
  int64_t multibulk_remaining_ = 0;
  int64_t bulk_len_ = -1;
  std::vector<std::string> args_;
  size_t args_taken_ = 0;
  std::string error_;
};

// Splits an inline command line into arguments with Redis's rules
// (sdssplitargs): blanks separate, "double quotes" take \n \r \t \b \a \\ \"
// and \xHH escapes, 'single quotes' take \', and a closing quote must be
// followed by a blank or the end. Returns false on unbalanced quotes.
bool SplitInlineArgs(std::string_view line, std::vector<std::string>* args);

// Parses a whole decimal int64 as Redis's string2ll does: optional '-', no
// '+', no leading zeros (except "0"), no blanks, no overflow.
bool ParseInt64(std::string_view s, int64_t* value);

}  // namespace strata::server

#endif  // STRATA_SERVER_RESP_PARSER_H_
