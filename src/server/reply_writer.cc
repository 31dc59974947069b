// ReplyWriter: see reply_writer.h.

#include "server/reply_writer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string_view>

namespace strata::server {

void ReplyWriter::Header(char type, int64_t n) {
  char buf[24];
  buf[0] = type;
  auto [end, ec] = std::to_chars(buf + 1, buf + sizeof(buf) - 2, n);
  *end++ = '\r';
  *end++ = '\n';
  out_->append(buf, static_cast<size_t>(end - buf));
}

void ReplyWriter::Simple(std::string_view message) {
  out_->push_back('+');
  out_->append(message);
  out_->append("\r\n");
}

void ReplyWriter::Error(std::string_view message) {
  out_->push_back('-');
  size_t start = out_->size();
  out_->append(message);
  for (size_t i = start; i < out_->size(); i++) {
    if ((*out_)[i] == '\r' || (*out_)[i] == '\n') (*out_)[i] = ' ';
  }
  out_->append("\r\n");
}

void ReplyWriter::Integer(int64_t value) { Header(':', value); }

void ReplyWriter::Bulk(std::string_view value) {
  Header('$', static_cast<int64_t>(value.size()));
  out_->append(value);
  out_->append("\r\n");
}

void ReplyWriter::Null() { out_->append(resp3_ ? "_\r\n" : "$-1\r\n"); }

void ReplyWriter::NullArray() { out_->append(resp3_ ? "_\r\n" : "*-1\r\n"); }

void ReplyWriter::Array(size_t n) { Header('*', static_cast<int64_t>(n)); }

void ReplyWriter::Map(size_t n) {
  if (resp3_) {
    Header('%', static_cast<int64_t>(n));
  } else {
    Header('*', static_cast<int64_t>(2 * n));
  }
}

void ReplyWriter::Set(size_t n) { Header(resp3_ ? '~' : '*', static_cast<int64_t>(n)); }

namespace {

// Room for any double FormatDoubleTo writes ("%.17g" is at most 24 bytes).
constexpr size_t kDoubleTextSize = 32;

// Writes FormatDouble(value) at buf (kDoubleTextSize bytes) without
// allocating; returns the end of the text.
char* FormatDoubleTo(double value, char* buf) {
  if (std::isinf(value)) {
    const std::string_view text = value > 0 ? "inf" : "-inf";
    return std::copy(text.begin(), text.end(), buf);
  }
  // An integer of magnitude below 1e15 prints under "%.17g" as its digits
  // (no exponent below 1e17, and every such integer is exact in a double):
  // the integer's to_chars is several times cheaper than the general form.
  // Integer scores are common (every ZADD redis-benchmark sends).
  if (value > -1e15 && value < 1e15) {
    const auto whole = static_cast<int64_t>(value);
    if (static_cast<double>(whole) == value) {
      if (whole == 0 && std::signbit(value)) return std::copy_n("-0", 2, buf);
      return std::to_chars(buf, buf + kDoubleTextSize, whole).ptr;
    }
  }
  // What Redis writes ("%.17g"); to_chars with a precision is specified to
  // print as printf does, without printf's format parsing and locale.
  return std::to_chars(buf, buf + kDoubleTextSize, value, std::chars_format::general, 17).ptr;
}

}  // namespace

std::string FormatDouble(double value) {
  char buf[kDoubleTextSize];
  return std::string(buf, FormatDoubleTo(value, buf));
}

void ReplyWriter::Double(double value) {
  char buf[kDoubleTextSize];
  const std::string_view text(buf, static_cast<size_t>(FormatDoubleTo(value, buf) - buf));
  if (resp3_) {
    out_->push_back(',');
    out_->append(text);
    out_->append("\r\n");
  } else {
    Bulk(text);
  }
}

void ReplyWriter::Verbatim(std::string_view text, std::string_view format) {
  if (!resp3_) {
    Bulk(text);
    return;
  }
  Header('=', static_cast<int64_t>(text.size() + 4));
  out_->append(format.substr(0, 3));
  out_->push_back(':');
  out_->append(text);
  out_->append("\r\n");
}

void ReplyWriter::Boolean(bool value) {
  if (resp3_) {
    out_->append(value ? "#t\r\n" : "#f\r\n");
  } else {
    Integer(value ? 1 : 0);
  }
}

}  // namespace strata::server
