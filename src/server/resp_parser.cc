// RespParser: see resp_parser.h. The states and messages follow Redis 7.0's
// processInlineBuffer and processMultibulkBuffer, so clients and Redis's own
// tests see the same replies to malformed input.

#include "server/resp_parser.h"

#include <algorithm>
#include <cctype>
#include <utility>

namespace strata::server {

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsBlank(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\0'; }

}  // namespace

bool ParseInt64(std::string_view s, int64_t* value) {
  if (s.empty() || s.size() > 20) return false;
  size_t i = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    i = 1;
    if (s.size() == 1) return false;
  }
  if (s[i] == '0' && s.size() > i + 1) return false;
  if (s[i] == '0' && negative) return false;
  uint64_t v = 0;
  for (; i < s.size(); i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    uint64_t digit = static_cast<uint64_t>(s[i] - '0');
    // v * 10 + digit overflows: compared with constants, not a division per
    // digit (every RESP length and count goes through here).
    constexpr uint64_t kMaxTenth = UINT64_MAX / 10;
    if (v > kMaxTenth || (v == kMaxTenth && digit > UINT64_MAX % 10)) return false;
    v = v * 10 + digit;
  }
  if (negative) {
    if (v > uint64_t{INT64_MAX} + 1) return false;
    *value = v == uint64_t{INT64_MAX} + 1 ? INT64_MIN : -static_cast<int64_t>(v);
  } else {
    if (v > uint64_t{INT64_MAX}) return false;
    *value = static_cast<int64_t>(v);
  }
  return true;
}

bool SplitInlineArgs(std::string_view line, std::vector<std::string>* args) {
  args->clear();
  size_t p = 0;
  const size_t n = line.size();
  while (true) {
    while (p < n && IsBlank(line[p])) p++;
    if (p >= n) return true;
    std::string current;
    bool in_double = false;
    bool in_single = false;
    bool done = false;
    while (!done) {
      if (in_double) {
        if (p >= n) return false;
        if (line[p] == '\\' && p + 3 < n && line[p + 1] == 'x' && HexValue(line[p + 2]) >= 0 &&
            HexValue(line[p + 3]) >= 0) {
          current.push_back(static_cast<char>(HexValue(line[p + 2]) * 16 + HexValue(line[p + 3])));
          p += 3;
        } else if (line[p] == '\\' && p + 1 < n) {
          p++;
          char c = line[p];
          switch (c) {
            case 'n':
              c = '\n';
              break;
            case 'r':
              c = '\r';
              break;
            case 't':
              c = '\t';
              break;
            case 'b':
              c = '\b';
              break;
            case 'a':
              c = '\a';
              break;
            default:
              break;
          }
          current.push_back(c);
        } else if (line[p] == '"') {
          // The closing quote must be followed by a blank or the end.
          if (p + 1 < n && !IsBlank(line[p + 1])) return false;
          done = true;
        } else {
          current.push_back(line[p]);
        }
      } else if (in_single) {
        if (p >= n) return false;
        if (line[p] == '\\' && p + 1 < n && line[p + 1] == '\'') {
          p++;
          current.push_back('\'');
        } else if (line[p] == '\'') {
          if (p + 1 < n && !IsBlank(line[p + 1])) return false;
          done = true;
        } else {
          current.push_back(line[p]);
        }
      } else {
        if (p >= n) {
          done = true;
          break;
        }
        switch (line[p]) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
          case '\0':
            done = true;
            break;
          case '"':
            in_double = true;
            break;
          case '\'':
            in_single = true;
            break;
          default:
            current.push_back(line[p]);
            break;
        }
      }
      if (p < n) p++;
    }
    args->push_back(std::move(current));
  }
}

size_t RespParser::pending_bulk_bytes() const {
  return bulk_len_ < 0 ? 0 : static_cast<size_t>(bulk_len_) + 2;
}

RespParser::Result RespParser::Fail(std::string message) {
  error_ = std::move(message);
  return Result::kError;
}

RespParser::Result RespParser::Parse(std::string_view data, bool auth_required, size_t* consumed,
                                     std::vector<std::string>* argv) {
  *consumed = 0;
  if (multibulk_remaining_ == 0) {
    if (data.empty()) return Result::kIncomplete;
    if (data[0] != '*') return ParseInline(data, consumed, argv);
  }
  return ParseMultibulk(data, auth_required, consumed, argv);
}

RespParser::Result RespParser::ParseInline(std::string_view data, size_t* consumed,
                                           std::vector<std::string>* argv) {
  size_t newline = data.find('\n');
  if (newline == std::string_view::npos) {
    if (data.size() > limits_->max_inline_len) {
      return Fail("Protocol error: too big inline request");
    }
    return Result::kIncomplete;
  }
  size_t line_end = newline;
  if (line_end > 0 && data[line_end - 1] == '\r') line_end--;
  if (!SplitInlineArgs(data.substr(0, line_end), argv)) {
    return Fail("Protocol error: unbalanced quotes in request");
  }
  *consumed = newline + 1;
  return Result::kCommand;
}

namespace {

// The fast path of every request's count and bulk lengths: `line` starts
// with '*' or '$' and, when plain digits (no sign, no leading zero, at most
// 18 of them) follow up to a '\r' already received, stores their value and
// returns the index of that '\r'. Returns 0 for anything else (more to
// come, a sign, an error), which the full parse then handles.
size_t PlainLength(std::string_view line, int64_t* value) {
  size_t i = 1;
  uint64_t v = 0;
  while (i < line.size() && i <= 18) {
    const unsigned digit = static_cast<unsigned char>(line[i]) - unsigned{'0'};
    if (digit > 9) break;
    v = v * 10 + digit;
    i++;
  }
  if (i == 1 || i >= line.size() || line[i] != '\r' || (line[1] == '0' && i > 2)) return 0;
  *value = static_cast<int64_t>(v);
  return i;
}

}  // namespace

RespParser::Result RespParser::ParseMultibulk(std::string_view data, bool auth_required,
                                              size_t* consumed, std::vector<std::string>* argv) {
  size_t pos = 0;
  if (multibulk_remaining_ == 0) {
    int64_t count;
    size_t cr = PlainLength(data, &count);
    if (cr == 0) {
      cr = data.find('\r');
      if (cr == std::string_view::npos) {
        if (data.size() > limits_->max_inline_len) {
          return Fail("Protocol error: too big mbulk count string");
        }
        return Result::kIncomplete;
      }
      if (cr + 1 >= data.size()) return Result::kIncomplete;  // the '\n' is yet to come
      if (!ParseInt64(data.substr(1, cr - 1), &count)) {
        return Fail("Protocol error: invalid multibulk length");
      }
    }
    if (cr + 1 >= data.size()) return Result::kIncomplete;
    if (count > limits_->max_multibulk_len) {
      return Fail("Protocol error: invalid multibulk length");
    }
    if (count > limits_->unauthenticated_max_multibulk_len && auth_required) {
      return Fail("Protocol error: unauthenticated multibulk length");
    }
    pos = cr + 2;
    if (count <= 0) {
      *consumed = pos;
      argv->clear();
      return Result::kCommand;
    }
    multibulk_remaining_ = count;
    args_taken_ = 0;
    args_.reserve(static_cast<size_t>(std::min<int64_t>(count, 1024)));
  }

  while (multibulk_remaining_ > 0) {
    std::string_view rest = data.substr(pos);
    if (bulk_len_ < 0) {
      int64_t len;
      size_t cr = !rest.empty() && rest[0] == '$' ? PlainLength(rest, &len) : 0;
      if (cr == 0) {
        cr = rest.find('\r');
        if (cr == std::string_view::npos) {
          if (rest.size() > limits_->max_inline_len) {
            return Fail("Protocol error: too big bulk count string");
          }
          break;
        }
        if (cr + 1 >= rest.size()) break;
        if (rest[0] != '$') {
          return Fail(std::string("Protocol error: expected '$', got '") + rest[0] + "'");
        }
        if (!ParseInt64(rest.substr(1, cr - 1), &len) || len < 0) {
          return Fail("Protocol error: invalid bulk length");
        }
      }
      if (cr + 1 >= rest.size()) break;
      if (len > limits_->max_bulk_len) return Fail("Protocol error: invalid bulk length");
      if (len > limits_->unauthenticated_max_bulk_len && auth_required) {
        return Fail("Protocol error: unauthenticated bulk length");
      }
      bulk_len_ = len;
      pos += cr + 2;
      rest = data.substr(pos);
    }
    size_t need = static_cast<size_t>(bulk_len_) + 2;
    if (rest.size() < need) break;
    if (args_taken_ < args_.size()) {
      args_[args_taken_].assign(rest.data(), static_cast<size_t>(bulk_len_));
    } else {
      args_.emplace_back(rest.data(), static_cast<size_t>(bulk_len_));
    }
    args_taken_++;
    pos += need;
    bulk_len_ = -1;
    multibulk_remaining_--;
  }
  *consumed = pos;
  if (multibulk_remaining_ > 0) return Result::kIncomplete;
  args_.resize(args_taken_);
  argv->swap(args_);
  args_taken_ = 0;
  return Result::kCommand;
}

}  // namespace strata::server
