// EscapeBytes and UnescapeBytes; see include/strata/escape.h.
//
// The escaped form is plain ASCII with no spaces other than ' ' itself, no
// tabs and no newlines, so it fits in a TSV field, a JSON string or a
// terminal line, and reading it back gives exactly the original bytes.

#include <cstdio>

#include "strata/escape.h"

namespace strata {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string EscapeBytes(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (unsigned char c : bytes) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[5];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

Status UnescapeBytes(std::string_view text, std::string* bytes) {
  bytes->clear();
  bytes->reserve(text.size());
  for (size_t i = 0; i < text.size(); i++) {
    char c = text[i];
    if (c != '\\') {
      bytes->push_back(c);
      continue;
    }
    if (++i == text.size()) {
      return Status::InvalidArgument("a backslash ends \"" + std::string(text) + "\"");
    }
    switch (text[i]) {
      case '\\':
        bytes->push_back('\\');
        break;
      case '0':
        bytes->push_back('\0');
        break;
      case 't':
        bytes->push_back('\t');
        break;
      case 'n':
        bytes->push_back('\n');
        break;
      case 'r':
        bytes->push_back('\r');
        break;
      case '"':
        bytes->push_back('"');
        break;
      case '\'':
        bytes->push_back('\'');
        break;
      case 'x': {
        int hi = i + 1 < text.size() ? HexDigit(text[i + 1]) : -1;
        int lo = i + 2 < text.size() ? HexDigit(text[i + 2]) : -1;
        if (hi < 0 || lo < 0) {
          return Status::InvalidArgument("bad \\x escape (want \\xNN) in \"" + std::string(text) +
                                         "\"");
        }
        bytes->push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        break;
      }
      default:
        return Status::InvalidArgument(std::string("unknown escape \\") + text[i] + " in \"" +
                                       std::string(text) + "\"");
    }
  }
  return Status::OK();
}

}  // namespace strata
