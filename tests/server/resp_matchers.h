// The RESP replies strata-server's GoogleTests expect, spelt out byte for
// byte (Redis 7.0's encodings): builders for bulk strings, integers, errors
// and arrays of bulk strings, and the constant replies the tests compare
// against (OK, the nils, syntax and WRONGTYPE errors). Included by
// server_harness.h, so every test that runs commands has them.
//
// Thread-safety: pure functions and constants.

#ifndef STRATA_TESTS_SERVER_RESP_MATCHERS_H_
#define STRATA_TESTS_SERVER_RESP_MATCHERS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace strata::server {

// $<len>\r\n<s>\r\n
inline std::string Bulk(const std::string& s) {
  return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}
// :<v>\r\n
inline std::string Int(int64_t v) { return ":" + std::to_string(v) + "\r\n"; }
// -<message>\r\n
inline std::string Err(const std::string& message) { return "-" + message + "\r\n"; }
// An aggregate of bulk strings: '*' an array, '~' a RESP3 set.
inline std::string Arr(const std::vector<std::string>& items, char type = '*') {
  std::string out = type + std::to_string(items.size()) + "\r\n";
  for (const std::string& item : items) out += Bulk(item);
  return out;
}

inline const std::string kOk = "+OK\r\n";
inline const std::string kQueued = "+QUEUED\r\n";
inline const std::string kNil = "$-1\r\n";       // RESP2 null bulk string
inline const std::string kNilArray = "*-1\r\n";  // RESP2 null array
inline const std::string kEmptyArray = "*0\r\n";
inline const std::string kSyntax = "-ERR syntax error\r\n";
inline const std::string kWrongTypeReply =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

}  // namespace strata::server

#endif  // STRATA_TESTS_SERVER_RESP_MATCHERS_H_
