// resp_parser_fuzzer: feeds the input to strata-server's RespParser
// (src/server/resp_parser.h) as a client's bytes, with small limits so the
// limit paths are reached, and checks:
//   1. Parse never consumes more than it is given, and kIncomplete with
//      nothing consumed means it needs more bytes (the loop stops).
//   2. The same bytes in two reads (split at a point the first byte picks)
//      give the same commands and the same error as in one read.
//   3. Each command, re-encoded as a multibulk request, parses back to the
//      same arguments.
//
// Corpus: fuzz/corpus/resp_parser_fuzzer/ (requests, inline commands,
// malformed headers). Single-threaded, as libFuzzer runs it.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "server/resp_parser.h"

namespace {

using strata::server::RespLimits;
using strata::server::RespParser;

struct Outcome {
  std::vector<std::vector<std::string>> commands;
  std::string error;
};

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "resp_parser_fuzzer: %s\n", what);
    std::abort();
  }
}

Outcome Feed(const RespLimits& limits, std::string_view data, size_t split, bool auth_required) {
  Outcome outcome;
  RespParser parser(&limits);
  std::string buffer;
  std::vector<std::string> argv;
  for (std::string_view piece : {data.substr(0, split), data.substr(split)}) {
    buffer.append(piece);
    while (true) {
      size_t consumed = 0;
      RespParser::Result r = parser.Parse(buffer, auth_required, &consumed, &argv);
      Check(consumed <= buffer.size(), "consumed more than given");
      buffer.erase(0, consumed);
      if (r == RespParser::Result::kError) {
        outcome.error = parser.error();
        return outcome;
      }
      if (r == RespParser::Result::kIncomplete) break;
      outcome.commands.push_back(argv);
    }
  }
  return outcome;
}

std::string Encode(const std::vector<std::string>& argv) {
  std::string out = "*" + std::to_string(argv.size()) + "\r\n";
  for (const std::string& arg : argv) {
    out += "$" + std::to_string(arg.size()) + "\r\n" + arg + "\r\n";
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  RespLimits limits;
  limits.max_bulk_len = 4096;
  limits.max_inline_len = 1024;
  limits.max_multibulk_len = 64;
  bool auth_required = (data[0] & 1) != 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  size_t split = input.empty() ? 0 : data[0] % (input.size() + 1);

  Outcome whole = Feed(limits, input, input.size(), auth_required);
  Outcome split_outcome = Feed(limits, input, split, auth_required);
  Check(whole.commands == split_outcome.commands, "split reads gave other commands");
  Check(whole.error == split_outcome.error, "split reads gave another error");

  RespLimits loose;
  for (const auto& argv : whole.commands) {
    if (argv.empty()) continue;
    Outcome again = Feed(loose, Encode(argv), 0, false);
    Check(again.error.empty() && again.commands.size() == 1 && again.commands[0] == argv,
          "re-encoded command parsed differently");
  }
  return 0;
}
